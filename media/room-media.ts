/**
 * The media side of one room: a mediasoup Router (Opus, VP8, H.264) on one of the workers, and
 * per participant their transports, producers and the server-side taps that decode them.
 * Signalling decides who may do what; this module only does it and cleans up after it.
 */
import { EventEmitter } from 'node:events';
import os from 'node:os';

import type { types as ms } from 'mediasoup';

import type { IngestMetrics } from './ingest/metrics.js';
import { AudioTap, type ProducerTap, VideoTap } from './ingest/producer-tap.js';

export const MEDIA_CODECS: ms.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: { 'x-google-start-bitrate': 300 } },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
  },
];

export interface RtcNetwork {
  listenIp: string;
  announcedIp?: string | undefined;
  minPort: number;
  maxPort: number;
}

export interface AnalysisSettings {
  fps: number;
  width: number;
  height: number;
}

export interface RoomMediaEvents {
  videoTap: [participantId: string, tap: VideoTap];
  audioTap: [participantId: string, tap: AudioTap];
  /** The worker under this room died: its router and everything on it are gone. */
  routerLost: [];
}

/** The address browsers are told to send to, when none is configured. */
export function defaultAnnouncedIp(listenIp: string): string | undefined {
  if (listenIp !== '0.0.0.0') return undefined;
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export class ParticipantMedia {
  readonly transports = new Map<string, ms.WebRtcTransport | ms.PlainTransport>();
  readonly producers = new Map<string, ms.Producer>();
  readonly taps = new Map<string, ProducerTap>();

  constructor(
    readonly id: string,
    private readonly room: RoomMedia,
  ) {}

  async createWebRtcTransport(): Promise<ms.WebRtcTransport> {
    const { listenIp, announcedIp, minPort, maxPort } = this.room.network;
    const announcedAddress = announcedIp ?? defaultAnnouncedIp(listenIp);
    const listen = (protocol: 'udp' | 'tcp'): ms.TransportListenInfo => ({
      protocol,
      ip: listenIp,
      ...(announcedAddress && { announcedAddress }),
      portRange: { min: minPort, max: maxPort },
    });
    const transport = await this.room.router.createWebRtcTransport({
      listenInfos: [listen('udp'), listen('tcp')],
      preferUdp: true,
      // Analysis needs little: cap what one sender may push at us.
      initialAvailableOutgoingBitrate: 600_000,
      appData: { participantId: this.id },
    });
    await transport.setMaxIncomingBitrate(1_500_000).catch(() => {});
    this.transports.set(transport.id, transport);
    transport.observer.once('close', () => this.transports.delete(transport.id));
    return transport;
  }

  /**
   * Plain RTP ingest for devices without WebRTC (a camera box running ffmpeg or GStreamer) and
   * for the load generator: comedia, so the sender's first packet sets the return address.
   */
  async createPlainTransport(): Promise<ms.PlainTransport> {
    const { listenIp, announcedIp, minPort, maxPort } = this.room.network;
    const transport = await this.room.router.createPlainTransport({
      listenInfo: {
        protocol: 'udp',
        ip: listenIp,
        ...(announcedIp && { announcedAddress: announcedIp }),
        portRange: { min: minPort, max: maxPort },
      },
      rtcpMux: true,
      comedia: true,
      appData: { participantId: this.id },
    });
    this.transports.set(transport.id, transport);
    transport.observer.once('close', () => this.transports.delete(transport.id));
    return transport;
  }

  async produce(transportId: string, kind: ms.MediaKind, rtpParameters: ms.RtpParameters): Promise<ms.Producer> {
    const transport = this.transports.get(transportId);
    if (!transport) throw new MediaError('unknown-transport', `no transport ${transportId} for this participant`);
    const producer = await transport.produce({ kind, rtpParameters, appData: { participantId: this.id } });
    this.producers.set(producer.id, producer);
    producer.observer.once('close', () => {
      this.producers.delete(producer.id);
      const tap = this.taps.get(producer.id);
      this.taps.delete(producer.id);
      void tap?.close();
    });
    try {
      await this.room.tap(this, producer);
    } catch (err) {
      producer.close();
      throw err;
    }
    return producer;
  }

  closeProducer(producerId: string): void {
    this.producers.get(producerId)?.close();
  }

  async close(): Promise<void> {
    const taps = [...this.taps.values()];
    this.taps.clear();
    await Promise.all(taps.map((t) => t.close()));
    for (const transport of this.transports.values()) transport.close();
    this.transports.clear();
    this.producers.clear();
  }
}

export class RoomMedia extends EventEmitter<RoomMediaEvents> {
  readonly participants = new Map<string, ParticipantMedia>();
  private closed = false;

  private constructor(
    readonly roomId: string,
    readonly router: ms.Router,
    readonly network: RtcNetwork,
    private readonly analysis: AnalysisSettings,
    private readonly metrics: IngestMetrics,
    private readonly log: (level: 'info' | 'warn', msg: string, extra?: Record<string, unknown>) => void,
  ) {
    super();
    router.observer.once('close', () => {
      if (!this.closed) this.emit('routerLost');
    });
  }

  static async create(options: {
    roomId: string;
    worker: ms.Worker;
    network: RtcNetwork;
    analysis: AnalysisSettings;
    metrics: IngestMetrics;
    log: (level: 'info' | 'warn', msg: string, extra?: Record<string, unknown>) => void;
  }): Promise<RoomMedia> {
    const router = await options.worker.createRouter({ mediaCodecs: MEDIA_CODECS, appData: { roomId: options.roomId } });
    return new RoomMedia(options.roomId, router, options.network, options.analysis, options.metrics, options.log);
  }

  get rtpCapabilities(): ms.RtpCapabilities {
    return this.router.rtpCapabilities;
  }

  addParticipant(participantId: string): ParticipantMedia {
    const participant = new ParticipantMedia(participantId, this);
    this.participants.set(participantId, participant);
    return participant;
  }

  async removeParticipant(participantId: string): Promise<void> {
    const participant = this.participants.get(participantId);
    if (!participant) return;
    this.participants.delete(participantId);
    await participant.close();
    this.metrics.forget(participantId);
  }

  /** Starts the server-side decoder for a new producer and announces its stream. */
  async tap(participant: ParticipantMedia, producer: ms.Producer): Promise<void> {
    const options = {
      router: this.router,
      producer,
      participantId: participant.id,
      metrics: this.metrics,
      log: this.log,
      ...this.analysis,
    };
    const tap = producer.kind === 'video' ? new VideoTap(options) : new AudioTap(options);
    participant.taps.set(producer.id, tap);
    await tap.start();
    if (tap instanceof VideoTap) this.emit('videoTap', participant.id, tap);
    else this.emit('audioTap', participant.id, tap as AudioTap);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.participants.keys()].map((id) => this.removeParticipant(id)));
    this.router.close();
  }
}

export class MediaError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'MediaError';
  }
}
