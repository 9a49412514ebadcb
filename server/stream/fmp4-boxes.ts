/**
 * Just enough ISO BMFF (MP4) reading to stream ffmpeg's fragmented MP4 output: split the byte
 * stream into top-level boxes, find the audio timescale in the init segment (moov/…/mdhd) and
 * the start and duration of each fragment (moof/traf: tfdt, tfhd defaults, trun).
 */

export interface Box {
  type: string;
  /** The whole box, header included. */
  bytes: Buffer;
}

/** Accumulates stream chunks and yields each complete top-level box. */
export class BoxSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  push(chunk: Buffer): Box[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const boxes: Box[] = [];
    while (this.pendingBytes >= 8) {
      const head = this.pending.length === 1 ? this.pending[0]! : this.flatten();
      let size = head.readUInt32BE(0);
      let headerBytes = 8;
      if (size === 1) {
        if (head.length < 16) break;
        size = Number(head.readBigUInt64BE(8));
        headerBytes = 16;
      }
      if (size < headerBytes) throw new Error(`malformed MP4 box (size ${size}) in the encoder's output`);
      if (head.length < size) break;
      boxes.push({ type: head.toString('latin1', 4, 8), bytes: head.subarray(0, size) });
      const rest = head.subarray(size);
      this.pending = rest.length > 0 ? [rest] : [];
      this.pendingBytes = rest.length;
    }
    return boxes;
  }

  private flatten(): Buffer {
    const all = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [all];
    return all;
  }
}

/** The children of a container box's payload [start, end). */
function* children(buf: Buffer, start: number, end: number): Generator<{ type: string; start: number; end: number }> {
  let at = start;
  while (at + 8 <= end) {
    const size = buf.readUInt32BE(at);
    if (size < 8 || at + size > end) return;
    yield { type: buf.toString('latin1', at + 4, at + 8), start: at, end: at + size };
    at += size;
  }
}

function child(buf: Buffer, start: number, end: number, type: string): { start: number; end: number } | undefined {
  for (const c of children(buf, start, end)) if (c.type === type) return c;
  return undefined;
}

/** The media timescale (ticks per second) of the first track of an init segment's moov. */
export function moovTimescale(moov: Buffer): number {
  const trak = child(moov, 8, moov.length, 'trak');
  const mdia = trak && child(moov, trak.start + 8, trak.end, 'mdia');
  const mdhd = mdia && child(moov, mdia.start + 8, mdia.end, 'mdhd');
  if (!mdhd) throw new Error('the encoder wrote an init segment without moov/trak/mdia/mdhd');
  const version = moov[mdhd.start + 8]!;
  return moov.readUInt32BE(mdhd.start + (version === 1 ? 28 : 20));
}

/** Start (tfdt) and duration of a fragment's first track, in timescale ticks. */
export function moofTiming(moof: Buffer): { decodeTime: number; duration: number } {
  const traf = child(moof, 8, moof.length, 'traf');
  if (!traf) throw new Error('the encoder wrote a moof without traf');
  let decodeTime = 0;
  let defaultDuration = 0;
  let duration = 0;
  for (const box of children(moof, traf.start + 8, traf.end)) {
    const flags = moof.readUInt32BE(box.start + 8) & 0xffffff;
    const version = moof[box.start + 8]!;
    if (box.type === 'tfdt') {
      decodeTime = version === 1 ? Number(moof.readBigUInt64BE(box.start + 12)) : moof.readUInt32BE(box.start + 12);
    } else if (box.type === 'tfhd') {
      let at = box.start + 16; // after track_ID
      if (flags & 0x1) at += 8; // base-data-offset
      if (flags & 0x2) at += 4; // sample-description-index
      if (flags & 0x8) defaultDuration = moof.readUInt32BE(at);
    } else if (box.type === 'trun') {
      const count = moof.readUInt32BE(box.start + 12);
      let at = box.start + 16;
      if (flags & 0x1) at += 4; // data-offset
      if (flags & 0x4) at += 4; // first-sample-flags
      if (!(flags & 0x100)) {
        duration += count * defaultDuration;
        continue;
      }
      const stride = 4 * [0x100, 0x200, 0x400, 0x800].filter((f) => flags & f).length;
      for (let i = 0; i < count; i++) duration += moof.readUInt32BE(at + i * stride);
    }
  }
  return { decodeTime, duration };
}
