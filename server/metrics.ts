/**
 * One prom-client registry per app instance (tests start several apps in one process, and the
 * global registry would collide). Default metrics include the event-loop lag histogram.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'moodify_', eventLoopMonitoringPrecision: 20 });
  return registry;
}
