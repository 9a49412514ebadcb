/** Classification metrics and the human-readable table shared by the eval commands. */

import { argmax } from '../argmax.js';

export interface Metrics {
  n: number;
  accuracy: number;
  macro_f1: number;
  per_class_recall: Record<string, number>;
  per_class_f1: Record<string, number>;
  /** rows = true class, columns = predicted class, in `labels` order */
  confusion: number[][];
  labels: string[];
}

export function computeMetrics(labels: readonly string[], truth: number[], pred: number[]): Metrics {
  const k = labels.length;
  const cm = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  truth.forEach((t, i) => cm[t]![pred[i]!]!++);
  const recall: Record<string, number> = {};
  const f1s: Record<string, number> = {};
  let f1sum = 0;
  let correct = 0;
  for (let c = 0; c < k; c++) {
    const tp = cm[c]![c]!;
    correct += tp;
    const support = cm[c]!.reduce((a, b) => a + b, 0);
    const predicted = cm.reduce((a, row) => a + row[c]!, 0);
    const r = support ? tp / support : 0;
    const p = predicted ? tp / predicted : 0;
    const f = p + r > 0 ? (2 * p * r) / (p + r) : 0;
    recall[labels[c]!] = round(r);
    f1s[labels[c]!] = round(f);
    f1sum += f;
  }
  return {
    n: truth.length,
    accuracy: round(truth.length ? correct / truth.length : 0),
    macro_f1: round(f1sum / k),
    per_class_recall: recall,
    per_class_f1: f1s,
    confusion: cm,
    labels: [...labels],
  };
}

/**
 * Expected calibration error (Guo et al. 2017): predictions binned by their top probability into `bins`
 * equal-width bins over (0, 1]; the mean |accuracy − confidence| of the bins, weighted by their share.
 * 0 = a model whose "70 % sure" is right 70 % of the time. `probabilities[i]` is item i's distribution.
 */
export function expectedCalibrationError(probabilities: readonly (readonly number[])[], truth: readonly number[], bins = 10): number {
  if (probabilities.length !== truth.length) throw new Error(`ECE: ${probabilities.length} predictions for ${truth.length} labels`);
  if (probabilities.length === 0) return 0;
  const count = new Array<number>(bins).fill(0);
  const correct = new Array<number>(bins).fill(0);
  const confidence = new Array<number>(bins).fill(0);
  probabilities.forEach((p, i) => {
    const top = argmax(p);
    const conf = p[top]!;
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(conf * bins) - 1));
    count[b]!++;
    confidence[b]! += conf;
    if (top === truth[i]) correct[b]!++;
  });
  let ece = 0;
  for (let b = 0; b < bins; b++) if (count[b]!) ece += Math.abs(correct[b]! - confidence[b]!) / probabilities.length;
  return round(ece);
}

export function round(v: number, d = 4): number {
  const m = 10 ** d;
  return Math.round(v * m) / m;
}

export function formatTable(title: string, m: Metrics): string {
  const w = Math.max(9, ...m.labels.map((l) => l.length)) + 1;
  const pad = (s: string | number, n = w) => String(s).padStart(n);
  const lines = [`${title}: n=${m.n}  accuracy=${(m.accuracy * 100).toFixed(2)}%  macro-F1=${m.macro_f1.toFixed(4)}`];
  lines.push(
    `${'class'.padEnd(w)}${pad('support', 8)}${pad('recall', 8)}${pad('F1', 8)}   confusion (predicted →) ${m.labels.map((l) => l.slice(0, 5)).join(' ')}`,
  );
  m.labels.forEach((l, i) => {
    const support = m.confusion[i]!.reduce((a, b) => a + b, 0);
    lines.push(
      `${l.padEnd(w)}${pad(support, 8)}${pad(m.per_class_recall[l]!.toFixed(3), 8)}${pad(m.per_class_f1[l]!.toFixed(3), 8)}   ${' '.repeat(24)}${m.confusion[i]!.map((v) => String(v).padStart(5)).join(' ')}`,
    );
  });
  return lines.join('\n');
}

/** `--name value` / `--flag` / positional parsing for the small CLIs here. */
export function parseArgs(argv: string[]): { positional: string[]; flags: Record<string, string | true> } {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2);
      if (v !== undefined) flags[k!] = v;
      else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) flags[k!] = argv[++i]!;
      else flags[k!] = true;
    } else positional.push(a);
  }
  return { positional, flags };
}

/** A fixed, deterministic subset: every ⌈n/limit⌉-th item of the list sorted by key. */
export function fixedSubset<T>(items: T[], limit: number, key: (t: T) => string): T[] {
  if (!(limit > 0) || limit >= items.length) return items;
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const step = sorted.length / limit;
  return Array.from({ length: limit }, (_, i) => sorted[Math.floor(i * step)]!);
}

/** RFC 4180 CSV: quoted fields, doubled quotes, commas and newlines inside quotes. */
export function parseCsvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((f) => f.trim() !== ''));
}

/** CSV with a header row, as one record per line. */
export function parseCsv(text: string): Record<string, string>[] {
  const [head, ...body] = parseCsvRows(text);
  if (!head) return [];
  return body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i] ?? ''])));
}
