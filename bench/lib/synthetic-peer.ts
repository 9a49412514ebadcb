/**
 * A participant without a browser: joins over signalling, opens a plain-RTP transport and
 * produces the recorded streams, which the shared RtpReplayer then sends.
 */
import { producerRtpParameters, type RecordedStream, type RtpReplayer } from './rtp-replay.js';
import { SignallingWs } from './ws-client.js';

export interface SyntheticPeer {
  participantId: string;
  ws: SignallingWs;
  producerIds: string[];
  leave(): Promise<void>;
}

let nextSsrc = 0x10000000 + Math.floor(Math.random() * 0x1000000);

export async function joinSyntheticPeer(options: {
  wsUrl: string;
  roomId: string;
  displayName?: string;
  streams: RecordedStream[];
  replayer: RtpReplayer;
  onVideoFrameSent?: (frameIndexInLoop: number, sentAt: number) => void;
}): Promise<SyntheticPeer> {
  const ws = await SignallingWs.connect(options.wsUrl);
  const stops: (() => void)[] = [];
  try {
    const joined = await ws.request<{ participantId: string }>('join', {
      roomId: options.roomId,
      displayName: options.displayName ?? 'synthetic',
      // as the capture client: its own moods only
      moods: 'own',
    });
    const producerIds: string[] = [];
    for (const stream of options.streams) {
      // One transport per stream: comedia learns each stream's source from its first packet.
      const transport = await ws.request<{ id: string; ip: string; port: number }>('createPlainTransport');
      const ssrc = nextSsrc++;
      const { id } = await ws.request<{ id: string }>('produce', {
        transportId: transport.id,
        kind: stream.kind,
        rtpParameters: producerRtpParameters(stream, ssrc),
      });
      producerIds.push(id);
      stops.push(
        options.replayer.add(stream, ssrc, transport.ip, transport.port, stream.kind === 'video' ? options.onVideoFrameSent : undefined),
      );
    }
    return {
      participantId: joined.participantId,
      ws,
      producerIds,
      async leave() {
        for (const stop of stops) stop();
        await ws.close();
      },
    };
  } catch (err) {
    for (const stop of stops) stop();
    await ws.close();
    throw err;
  }
}
