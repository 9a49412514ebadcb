/**
 * A cheap stand-in for many senders: encode a real clip ONCE with ffmpeg into RTP (VP8, Opus),
 * keep the packets in memory, then replay them to any number of plain-RTP producers from one
 * process, rewriting SSRC, sequence numbers and timestamps so each looks like its own live sender.
 */
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';

import { ffmpegPath } from '../../media/ffmpeg-path.js';

export interface RecordedStream {
  kind: 'audio' | 'video';
  payloadType: number;
  clockRate: number;
  packets: { data: Buffer; ts: number }[];
  /** RTP ticks from the first packet to the loop point. */
  loopTicks: number;
  /** RTP ticks per video frame or audio packet. */
  frameTicks: number;
  /** video coded in temporal layers (L1T2) */
  scalabilityMode?: string;
}

const FFMPEG = ffmpegPath();

/** Runs ffmpeg with `encodeArgs` sending RTP to a local socket, and keeps every packet. */
async function recordRtp(
  kind: 'audio' | 'video',
  inputArgs: string[],
  encodeArgs: string[],
  payloadType: number,
  clockRate: number,
  frameTicks: number,
): Promise<RecordedStream> {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 16 * 1024 * 1024 });
  const packets: { data: Buffer; ts: number }[] = [];
  socket.on('message', (data) => {
    const pt = data[1]! & 0x7f;
    if (pt !== payloadType) return; // RTCP or anything else
    packets.push({ data: Buffer.from(data), ts: data.readUInt32BE(4) });
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  await new Promise<void>((resolve, reject) =>
    execFile(
      FFMPEG,
      [
        '-hide_banner',
        '-loglevel',
        'error',
        ...inputArgs,
        ...encodeArgs,
        '-payload_type',
        String(payloadType),
        '-ssrc',
        '1',
        '-f',
        'rtp',
        `rtp://127.0.0.1:${port}?pkt_size=1200`,
      ],
      (err) => (err ? reject(err) : resolve()),
    ),
  );
  await new Promise((r) => setTimeout(r, 200));
  socket.close();
  if (packets.length === 0) throw new Error(`ffmpeg produced no ${kind} RTP`);
  const first = packets[0]!.ts;
  const last = packets[packets.length - 1]!.ts;
  return { kind, payloadType, clockRate, packets, loopTicks: ((last - first) >>> 0) + frameTicks, frameTicks };
}

/**
 * VP8 at the capture client's settings (320×240, 12–15 fps, ~250 kbit/s), a keyframe about every second,
 * in two temporal layers (L1T2, as the capture client's L1T3 is to the server: the base layer alone is
 * a decodable half-rate stream) unless `temporalLayers` is 1.
 */
/** VP8 as a browser camera sends it (realtime, 250 kb/s, 320×240 at `fps`), one keyframe every `gop` frames. */
export function vp8CameraArgs(fps: number, gop: number): string[] {
  return [
    '-vf',
    `fps=${fps},scale=320:240`,
    '-c:v',
    'libvpx',
    '-deadline',
    'realtime',
    '-cpu-used',
    '8',
    '-b:v',
    '250k',
    '-g',
    String(gop),
  ];
}

export async function recordVp8(videoFile: string, fps = 15, temporalLayers: 1 | 2 = 2): Promise<RecordedStream> {
  // keyframes on even frames, so that each is in the base layer
  const gop = temporalLayers === 2 ? 2 * Math.round(fps / 2) : fps;
  const layers =
    temporalLayers === 2
      ? [
          '-ts-parameters',
          'ts_number_layers=2:ts_target_bitrate=150,250:ts_rate_decimator=2,1:ts_periodicity=2:ts_layer_id=0,1:ts_layering_mode=2',
        ]
      : [];
  const stream = await recordRtp(
    'video',
    ['-i', videoFile],
    [
      '-an',
      ...vp8CameraArgs(fps, gop),
      '-keyint_min',
      String(gop),
      '-auto-alt-ref',
      '0',
      '-lag-in-frames',
      '0',
      '-error-resilient',
      '1',
      ...layers,
    ],
    101,
    90000,
    90000 / fps,
  );
  if (temporalLayers === 2) {
    addTemporalLayerIds(stream.packets);
    stream.scalabilityMode = 'L1T2';
  }
  return stream;
}

/**
 * ffmpeg's VP8 packetizer writes a payload descriptor with a picture id only (X|S, I, 15-bit id). A
 * router needs each frame's temporal layer to forward a subset: this adds TL0PICIDX and TID (L and T
 * bits), frame n in layer n % 2 as the L1T2 encoder made it, the base layer marked as a layer sync.
 */
function addTemporalLayerIds(packets: { data: Buffer; ts: number }[]): void {
  let frame = -1;
  let lastTs: number | undefined;
  let tl0 = 0;
  for (const packet of packets) {
    if (packet.ts !== lastTs) {
      frame++;
      lastTs = packet.ts;
      if (frame % 2 === 0) tl0 = (tl0 + 1) & 0xff;
    }
    const header = 12 + 4 * (packet.data[0]! & 0x0f); // fixed header + CSRCs (ffmpeg writes no extension)
    const d = packet.data;
    if (!(d[header]! & 0x80) || d[header + 1] !== 0x80) throw new Error('unexpected VP8 payload descriptor from ffmpeg');
    const tid = frame % 2;
    const layerBytes = Buffer.from([tl0, (tid << 6) | (tid === 0 ? 0x20 : 0)]);
    packet.data = Buffer.concat([
      d.subarray(0, header + 1),
      Buffer.from([0xe0]),
      d.subarray(header + 2, header + 4),
      layerBytes,
      d.subarray(header + 4),
    ]);
  }
}

/** Opus 20 ms frames, mono voice. */
export function recordOpus(audioFile: string): Promise<RecordedStream> {
  return recordRtp(
    'audio',
    ['-i', audioFile],
    ['-vn', '-c:a', 'libopus', '-b:a', '32k', '-ar', '48000', '-ac', '1', '-application', 'voip', '-frame_duration', '20'],
    100,
    48000,
    960,
  );
}

export function producerRtpParameters(stream: RecordedStream, ssrc: number): Record<string, unknown> {
  const codec =
    stream.kind === 'video'
      ? { mimeType: 'video/VP8', payloadType: stream.payloadType, clockRate: 90000 }
      : { mimeType: 'audio/opus', payloadType: stream.payloadType, clockRate: 48000, channels: 2 };
  return { codecs: [codec], encodings: [{ ssrc, ...(stream.scalabilityMode && { scalabilityMode: stream.scalabilityMode }) }] };
}

interface Target {
  stream: RecordedStream;
  ssrc: number;
  host: string;
  port: number;
  startedAt: number;
  seqBase: number;
  tsBase: number;
  next: number;
  loops: number;
  /** Called with the send time of each packet that ends a video frame (marker bit). */
  onFrameSent?: (frameIndexInLoop: number, sentAt: number) => void;
}

/** Replays recorded streams to many targets from one UDP socket, paced by the RTP timestamps. */
export class RtpReplayer {
  private readonly socket = dgram.createSocket({ type: 'udp4', sendBufferSize: 8 * 1024 * 1024 });
  private readonly targets = new Set<Target>();
  private timer: NodeJS.Timeout | undefined;
  sentPackets = 0;

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
    this.timer = setInterval(() => this.tick(), 5);
  }

  add(stream: RecordedStream, ssrc: number, host: string, port: number, onFrameSent?: Target['onFrameSent']): () => void {
    const target: Target = {
      stream,
      ssrc,
      host,
      port,
      startedAt: performance.now(),
      seqBase: Math.floor(Math.random() * 30000),
      tsBase: Math.floor(Math.random() * 2 ** 31),
      next: 0,
      loops: 0,
      ...(onFrameSent && { onFrameSent }),
    };
    this.targets.add(target);
    return () => this.targets.delete(target);
  }

  stop(): void {
    clearInterval(this.timer);
    this.targets.clear();
    this.socket.close();
  }

  private tick(): void {
    const now = performance.now();
    for (const t of this.targets) {
      const { packets, clockRate, loopTicks } = t.stream;
      const ts0 = packets[0]!.ts;
      for (;;) {
        const packet = packets[t.next]!;
        const offsetTicks = ((packet.ts - ts0) >>> 0) + t.loops * loopTicks;
        const due = t.startedAt + (offsetTicks / clockRate) * 1000;
        if (due > now) break;
        const data = Buffer.from(packet.data);
        data.writeUInt16BE((t.seqBase + t.loops * packets.length + t.next) & 0xffff, 2);
        data.writeUInt32BE((t.tsBase + offsetTicks) >>> 0, 4);
        data.writeUInt32BE(t.ssrc >>> 0, 8);
        this.socket.send(data, t.port, t.host);
        this.sentPackets++;
        if (t.onFrameSent && data[1]! & 0x80) t.onFrameSent(Math.round(((packet.ts - ts0) >>> 0) / t.stream.frameTicks), now);
        t.next++;
        if (t.next === packets.length) {
          t.next = 0;
          t.loops++;
        }
      }
    }
  }
}
