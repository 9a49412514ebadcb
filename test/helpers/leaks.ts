/** What a server leaves behind: child processes, bound UDP ports, mediasoup objects. */
import fs from 'node:fs';

import type { FastifyInstance } from 'fastify';

import { spareDecoderPids } from '../../media/ingest/decoder-launcher.js';
import { childPids } from './server-process.js';

export function childCommands(pid = process.pid): string[] {
  return childPids(pid).map((child) => {
    try {
      return fs.readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0')[0] ?? '';
    } catch {
      return '';
    }
  });
}

/** ffmpeg processes under `pid`, not counting the idle spare decoders kept ready for fast starts. */
export function ffmpegChildren(pid = process.pid): number {
  const spares = new Set(spareDecoderPids());
  return childPids(pid).filter((child) => !spares.has(child) && commandOf(child).includes('ffmpeg')).length;
}

function commandOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
  } catch {
    return '';
  }
}

/** UDP ports bound on this machine within [min, max]. */
export function boundUdpPorts(min: number, max: number): number[] {
  const ports: number[] = [];
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    let text = '';
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const local = line.trim().split(/\s+/)[1];
      if (!local) continue;
      const port = parseInt(local.split(':')[1] ?? '', 16);
      if (port >= min && port <= max) ports.push(port);
    }
  }
  return ports;
}

export async function mediasoupObjects(app: FastifyInstance): Promise<{ routers: number; transports: number }> {
  let routers = 0;
  let transports = 0;
  for (const worker of app.services.workers.all()) {
    const dump = await worker.dump();
    routers += dump.routerIds.length;
    transports += dump.webRtcServerIds.length;
  }
  for (const room of app.rooms.rooms.values()) {
    const dump = await room.media.router.dump();
    transports += dump.transportIds.length;
  }
  return { routers, transports };
}
