/**
 * What a /listen page hears: which of some chords (by root frequency) is loudest in the
 * player's audio, sampled every 250 ms inside the browser with a Web Audio analyser. The
 * samples accumulate in `window.heard` as [epoch ms, chord index]; read them with heardChords().
 */
import type { Page } from 'playwright-core';

export async function listenForChords(page: Page, roots: number[]): Promise<void> {
  await page.evaluate((roots) => {
    const player = document.querySelector('moodify-listen')!.shadowRoot!.querySelector('moodify-player') as unknown as {
      audio: HTMLAudioElement;
    };
    const context = new AudioContext();
    const source = context.createMediaElementSource(player.audio);
    const analyser = context.createAnalyser();
    analyser.fftSize = 8192;
    source.connect(analyser);
    analyser.connect(context.destination);
    const bins = new Float32Array(analyser.frequencyBinCount);
    const heard: [number, number][] = [];
    (window as unknown as { heard: typeof heard }).heard = heard;
    setInterval(() => {
      analyser.getFloatFrequencyData(bins);
      const energy = roots.map((f) => {
        const bin = Math.round((f / context.sampleRate) * analyser.fftSize);
        return Math.max(bins[bin - 1]!, bins[bin]!, bins[bin + 1]!);
      });
      const loudest = energy.indexOf(Math.max(...energy));
      if (Math.max(...energy) > -70) heard.push([Date.now(), loudest]);
    }, 250);
  }, roots);
}

export function heardChords(page: Page): Promise<[number, number][]> {
  return page.evaluate(() => (window as unknown as { heard: [number, number][] }).heard);
}
