/**
 * A join that reaches a node which does not own the room is proxied: this node opens a
 * WebSocket to the owner's /ws, replays the join on it, and from then on relays every frame
 * both ways, untouched. The client never notices (one origin: no CSP or DNS change, works behind
 * one load-balancer name); its media goes straight to the owner, whose ICE candidates the
 * owner's replies carry.
 *
 * When either side goes away the other is closed: the client's socket with 1012 ("service
 * restart") when the owner dropped, so the client reconnects here, joins again, and placement
 * sends it to the room's new owner.
 */
import type { FastifyBaseLogger } from 'fastify';
import { WebSocket } from 'ws';

import { EDGE_HEADER } from './cluster.js';

/** Frames a client may send before the owner's socket is open (it waits for the join reply). */
const MAX_PENDING_FRAMES = 64;
const CONNECT_TIMEOUT_MS = 5000;

export interface ProxyOptions {
  /** ws://owner/ws */
  upstreamUrl: string;
  edgeSecret: string;
  log: FastifyBaseLogger;
  /** For logs and metrics: the room and the owner. */
  roomId: string;
  ownerId: string;
  onClosed?(): void;
}

/**
 * Takes over `client` (its earlier 'message' listeners must ignore frames from now on) and relays
 * it to the owner, starting with `firstFrame` (the join).
 */
export function proxySignalling(client: WebSocket, firstFrame: string, o: ProxyOptions): void {
  const upstream = new WebSocket(o.upstreamUrl, { headers: { [EDGE_HEADER]: o.edgeSecret }, handshakeTimeout: CONNECT_TIMEOUT_MS });
  const pending: { data: Buffer; binary: boolean }[] = [];
  let done = false;
  const finish = (clientCode: number, reason: string) => {
    if (done) return;
    done = true;
    if (client.readyState === client.OPEN || client.readyState === client.CONNECTING) client.close(clientCode, reason);
    if (upstream.readyState === upstream.OPEN || upstream.readyState === upstream.CONNECTING) upstream.terminate();
    o.onClosed?.();
  };

  client.on('message', (data, binary) => {
    if (done) return;
    const frame = { data: data as Buffer, binary };
    if (upstream.readyState === upstream.OPEN) upstream.send(frame.data, { binary });
    else if (pending.length < MAX_PENDING_FRAMES) pending.push(frame);
  });
  client.on('close', () => finish(1000, 'client left'));
  client.on('error', () => finish(1011, 'client socket error'));

  upstream.on('open', () => {
    upstream.send(firstFrame);
    for (const frame of pending.splice(0)) upstream.send(frame.data, { binary: frame.binary });
  });
  upstream.on('message', (data, binary) => {
    if (client.readyState === client.OPEN) client.send(data as Buffer, { binary });
  });
  upstream.on('close', () => finish(1012, 'the room moved to another node; reconnect'));
  upstream.on('error', (err) => {
    o.log.warn({ roomId: o.roomId, owner: o.ownerId, err: err.message }, 'cluster: signalling proxy to the room owner failed');
    finish(1013, 'the room owner is unreachable; reconnect');
  });
}
