/**
 * Runs analyseFile() off the main thread: feature extraction is seconds of pure computation per
 * track, and the server's event loop (signalling, HTTP, mood fusion) must not stall for it.
 * One long-lived worker thread; requests are queued and answered in order.
 */
import { isMainThread, parentPort, Worker } from 'node:worker_threads';

import { type AnalysedAudio, analyseFile } from './analyse.js';

interface Request {
  id: number;
  file: string;
}
type Reply = { id: number; ok: true; result: AnalysedAudio } | { id: number; ok: false; error: string };

if (!isMainThread && parentPort) {
  const port = parentPort;
  port.on('message', (req: Request) => {
    analyseFile(req.file).then(
      (result) => port.postMessage({ id: req.id, ok: true, result } satisfies Reply),
      (err: Error) => port.postMessage({ id: req.id, ok: false, error: err.message } satisfies Reply),
    );
  });
}

export class AnalysisWorker {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: AnalysedAudio) => void; reject: (e: Error) => void }>();

  analyse(file: string): Promise<AnalysedAudio> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, file } satisfies Request);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    // A worker does not inherit tsx's loader hooks: a tiny eval'd bootstrap registers tsx, then
    // imports this very module (which, off the main thread, serves requests).
    const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const worker = new Worker(bootstrap, { eval: true });
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.result);
      else p.reject(new Error(reply.error));
    });
    const failAll = (err: Error) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      if (this.worker === worker) this.worker = undefined;
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`analysis worker exited (${code})`)));
    this.worker = worker;
    return worker;
  }
}
