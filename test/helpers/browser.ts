/**
 * Debian's headless Chromium driven by playwright-core, with fake camera and microphone that
 * play real files (y4m video, wav audio).
 */
import { type Browser, chromium } from 'playwright-core';

export interface FakeMedia {
  videoFile?: string;
  audioFile?: string;
}

export async function launchChromium(media: FakeMedia = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      '--allow-loopback-in-peer-connection',
      // Keep decoding and timers running in a background tab.
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
      ...(media.videoFile ? [`--use-file-for-fake-video-capture=${media.videoFile}`] : []),
      ...(media.audioFile ? [`--use-file-for-fake-audio-capture=${media.audioFile}`] : []),
    ],
  });
}
