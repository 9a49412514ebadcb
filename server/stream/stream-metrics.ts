/** The stream engine's Prometheus metrics, in the app's registry. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface StreamMetrics {
  segmentLag: Histogram;
  encoderRestarts: Counter;
  tracksStarted: Counter<'reason'>;
}

export function createStreamMetrics(registry: Registry, counts: { streams(): number; listeners(): number }): StreamMetrics {
  new Gauge({
    name: 'moodify_stream_active',
    help: 'Room music streams running now',
    registers: [registry],
    collect() {
      this.set(counts.streams());
    },
  });
  new Gauge({
    name: 'moodify_stream_listeners',
    help: 'Distinct clients that fetched a room playlist recently, all rooms',
    registers: [registry],
    collect() {
      this.set(counts.listeners());
    },
  });
  return {
    segmentLag: new Histogram({
      name: 'moodify_stream_segment_lag_seconds',
      help: "Time from when a segment's last sample was due (real-time pace) to when the segment was listed",
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers: [registry],
    }),
    encoderRestarts: new Counter({
      name: 'moodify_stream_encoder_restarts_total',
      help: 'Stream encoders that died and were restarted by the supervisor',
      registers: [registry],
    }),
    tracksStarted: new Counter({
      name: 'moodify_stream_tracks_started_total',
      help: 'Tracks that became audible in a room stream, by why they were picked',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}
