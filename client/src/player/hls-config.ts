/**
 * How hls.js loads a room's stream: retry policies, the sync's constraints and the Bearer header.
 * Kept apart from the player element because it is policy, not UI: which statuses end playback
 * and which are retried is decided here, in one place, and moodify-player.ts only reacts to the
 * errors that remain.
 */
import type { HlsConfig, LoadPolicy } from 'hls.js';

export interface HlsConfigOptions {
  /** Wall-clock sync off: hls.js starts loading and steers the rate itself. */
  nosync: boolean;
  /** The signed-in member's access token, read at each request (it is refreshed on 401). */
  bearer: () => string | undefined;
}

/**
 * A playlist (or the first manifest) is retried for as long as it takes: a room stream may be
 * restarting and the player must come back on its own. Refusals are not retried (isRefusal).
 */
function keepRetryingPlaylist(maxTimeToFirstByteMs: number): LoadPolicy['default'] {
  return {
    maxTimeToFirstByteMs,
    maxLoadTimeMs: 20000,
    timeoutRetry: { maxNumRetry: 100, retryDelayMs: 500, maxRetryDelayMs: 2000 },
    errorRetry: {
      maxNumRetry: 100,
      retryDelayMs: 500,
      maxRetryDelayMs: 2000,
      shouldRetry: (_c, _n, _t, response, retry) => retry && !isRefusal(response?.code, true),
    },
  };
}

export function hlsConfig(options: HlsConfigOptions): Partial<HlsConfig> {
  return {
    // Low-Latency HLS: the server lists ~1/3 s parts and answers blocking reloads.
    lowLatencyMode: true,
    // With sync on, loading starts at the sync target (moodify-player.ts on LEVEL_LOADED), not at hls.js's live edge.
    autoStartLoad: options.nosync,
    // The wall-clock sync steers the playback rate; hls.js must not steer it too.
    maxLiveSyncPlaybackRate: options.nosync ? 1.04 : 1,
    // Keep retrying: a room stream may be restarting, the player must come back on its own.
    manifestLoadPolicy: { default: keepRetryingPlaylist(15000) },
    playlistLoadPolicy: { default: keepRetryingPlaylist(10000) },
    // A part or segment that answers 404 is retried a few times. It happens when a segment left
    // the live window, and after a cluster failover: the listener asks for a part of the dead
    // owner's stream and the edge, placed on the new owner, answers 404. hls.js 1.7.4 also plays on
    // through such refusals by itself (test/ui/player-part-404.test.ts passes either way); the
    // retry covers a 404 that outlasts its own gap handling.
    fragLoadPolicy: {
      default: {
        maxTimeToFirstByteMs: 10000,
        maxLoadTimeMs: 20000,
        timeoutRetry: { maxNumRetry: 4, retryDelayMs: 0, maxRetryDelayMs: 0 },
        errorRetry: {
          maxNumRetry: 6,
          retryDelayMs: 500,
          maxRetryDelayMs: 2000,
          shouldRetry: (c, n, _t, response, retry) => retry || (response?.code === 404 && n < (c?.maxNumRetry ?? 6)),
        },
      },
    },
    backBufferLength: 30,
    // A member listens with their access token (a header: it never lands in a URL or a log).
    xhrSetup: (xhr) => {
      const bearer = options.bearer();
      if (bearer) xhr.setRequestHeader('authorization', `Bearer ${bearer}`);
    },
  };
}

/**
 * Statuses that retrying cannot fix: no credentials, refused credentials, and (for the playlist)
 * no such room. A segment's 404 only means it left the live window or its owner's stream ended
 * (a failover): that one is retried (fragLoadPolicy).
 */
export function isRefusal(code: number | undefined, playlist: boolean): boolean {
  return code === 401 || code === 403 || (playlist && code === 404);
}
