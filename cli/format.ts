/**
 * How numbers are written everywhere hwnas shows them (terminal, report, cards): one convention, stated by
 * UNITS_NOTE in the headers. Sizes in memory are binary (GiB = 2^30 bytes), as operating systems and frameworks
 * report them; parameter counts are decimal with the suffixes users say (1.24B, 494M); rates and FLOPs are
 * decimal SI (GB/s, TFLOP/s) as data sheets give them.
 */
import { baseMetric } from '../core/objectives.js';

/** One CSV cell: quoted when it holds a quote, a comma or a newline (RFC 4180). */
export function csvCell(v: unknown): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const UNITS_NOTE = 'units: sizes in binary units (1 GiB = 2^30 bytes), parameters in decimal (1B = 10^9), rates and FLOPs in SI (1 GB/s = 10^9 B/s)';

const PREFIXES: [number, string][] = [[1e15, 'P'], [1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];

/** Decimal SI prefixes with 4 significant digits: `si(2.1e12, 'FLOP')` → "2.100 TFLOP". */
export function si(value: number, unit = ''): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  for (const [scale, prefix] of PREFIXES) if (abs >= scale) return `${(value / scale).toPrecision(4)} ${prefix}${unit}`;
  return `${Number(value.toPrecision(4))} ${unit}`.trimEnd();
}

/** A size in memory, binary units, 3 significant digits: 1.33e9 → "1.24 GiB". */
export function bytesText(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number(v.toPrecision(3))} ${units[i]}`;
}

/** A parameter (or token) count as users say it: 1_235_814_400 → "1.24B", 494_032_768 → "494M", 800 → "800". */
export function countText(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [scale, suffix] of units) if (Math.abs(n) >= scale) return `${Number((n / scale).toPrecision(3))}${suffix}`;
  return String(Number(n.toPrecision(3)));
}

export function ms(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return value >= 100 ? `${value.toFixed(1)} ms` : `${Number(value.toPrecision(4))} ms`;
}

/** A metric's value with its unit, by the metric's name (units are in the names: latencyMs, memoryBytes, energyJ). */
export function metricText(name: string, value: number): string {
  if (!Number.isFinite(value)) return String(value);
  // A device's measurement (latencyMs@pixel7) is written as its metric is.
  const metric = baseMetric(name);
  if (/Bytes$/.test(metric)) return bytesText(value);
  if (/Ms$/.test(metric) || metric === 'decodeMsPerToken') return ms(value);
  if (metric === 'params' || metric === 'activeParams') return countText(value);
  if (metric === 'flops') return si(value, 'FLOP');
  if (metric === 'loss') return value.toFixed(4);
  if (metric === 'tokensPerS') return `${Number(value.toPrecision(4))} tok/s`;
  if (/J$/.test(metric)) return `${Number(value.toPrecision(4))} J`;
  if (metric === 'fitsMemory') return value ? 'yes' : 'no';
  if (value !== 0 && (Math.abs(value) >= 1e6 || Math.abs(value) < 1e-3)) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}

/**
 * A metric's name for a column header, with the unit its values are written in; the loss with the training
 * tokens it is predicted after, when known (a loss means little without them).
 */
export function metricHeader(metric: string, trainingTokens?: number): string {
  if (metric === 'loss') return trainingTokens ? `loss (nats/token, ${countText(trainingTokens)} tokens)` : 'loss (nats/token)';
  return metric;
}

/** Left-aligned first column, right-aligned others. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: readonly string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A duration as a short age: 45s, 12m, 5h, 3d. */
export function ageText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}
