/**
 * Per-participant ingest metrics. Counters are labelled by participant and removed when the
 * participant leaves, so the label set stays bounded by the people in rooms right now.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export class IngestMetrics {
  readonly framesDecoded: Counter<'participant'>;
  readonly framesDropped: Counter<'participant'>;
  readonly audioChunks: Counter<'participant'>;
  readonly audioUnderruns: Counter<'participant'>;
  readonly decoderRestarts: Counter<'participant' | 'kind'>;
  readonly firstFrameSeconds: Histogram<'kind'>;
  readonly activeDecoders: Gauge<'kind'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.framesDecoded = new Counter({
      name: 'moodify_media_frames_decoded_total',
      help: 'video frames delivered by the decoder',
      labelNames: ['participant'],
      registers,
    });
    this.framesDropped = new Counter({
      name: 'moodify_media_frames_dropped_total',
      help: 'video frames overwritten before the analysis read them (latest frame wins)',
      labelNames: ['participant'],
      registers,
    });
    this.audioChunks = new Counter({
      name: 'moodify_media_audio_chunks_total',
      help: '20 ms PCM chunks delivered',
      labelNames: ['participant'],
      registers,
    });
    this.audioUnderruns = new Counter({
      name: 'moodify_media_audio_underruns_total',
      help: 'gaps in a participant’s audio (no PCM for > 200 ms while producing)',
      labelNames: ['participant'],
      registers,
    });
    this.decoderRestarts = new Counter({
      name: 'moodify_media_decoder_restarts_total',
      help: 'ffmpeg decoders restarted after dying',
      labelNames: ['participant', 'kind'],
      registers,
    });
    this.firstFrameSeconds = new Histogram({
      name: 'moodify_media_decode_start_seconds',
      help: 'decoder start (or restart) to first decoded output',
      labelNames: ['kind'],
      buckets: [0.1, 0.25, 0.5, 1, 2, 5],
      registers,
    });
    this.activeDecoders = new Gauge({
      name: 'moodify_media_decoders_active',
      help: 'ffmpeg decoder processes running',
      labelNames: ['kind'],
      registers,
    });
  }

  forget(participant: string): void {
    for (const metric of [this.framesDecoded, this.framesDropped, this.audioChunks, this.audioUnderruns]) {
      metric.remove({ participant });
    }
    for (const kind of ['audio', 'video']) this.decoderRestarts.remove({ participant, kind });
  }
}
