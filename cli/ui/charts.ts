/**
 * Character charts for the terminal: a scatter plot whose cells know which mark they hold (so the view can
 * colour the newest points) and a step line chart. Pure functions of their inputs and the size given.
 */
import { formatNumber } from './progress.js';

export type Mark = ' ' | 'old' | 'new';

export interface ScatterPoint {
  readonly x: number;
  readonly y: number;
  readonly newest?: boolean;
}

export interface Chart {
  /** Axis label column (same width on every row), then the plot cells. */
  readonly rows: readonly { readonly label: string; readonly cells: readonly Mark[] }[];
  /** The x axis line under the plot: min and max labels. */
  readonly xAxis: string;
}

export const MARK_CHAR: Record<Mark, string> = { ' ': ' ', old: '•', new: '◆' };

function range(values: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) return [lo - Math.max(Math.abs(lo) * 0.05, 1e-9), hi + Math.max(Math.abs(hi) * 0.05, 1e-9)];
  return [lo, hi];
}

function labelWidth(lo: number, hi: number): number {
  return Math.max(formatNumber(lo).length, formatNumber(hi).length);
}

/** Cell column of x in [lo, hi] over n cells (the last cell holds hi). */
function cellOf(v: number, lo: number, hi: number, n: number): number {
  return Math.min(n - 1, Math.max(0, Math.round(((v - lo) / (hi - lo)) * (n - 1))));
}

/**
 * A scatter plot `width` × `height` characters overall (labels included), y growing upwards. A cell with both an
 * old and a newest point shows the newest.
 */
export function scatterChart(points: readonly ScatterPoint[], width: number, height: number, options: { logX?: boolean } = {}): Chart {
  // A log x axis spreads latencies that span orders of magnitude; labels stay in the metric's own units.
  const tx = options.logX ? Math.log10 : (v: number) => v;
  const [xlo, xhi] = range(points.map((p) => tx(p.x)));
  const [ylo, yhi] = range(points.map((p) => p.y));
  const lw = labelWidth(ylo, yhi);
  const plotW = Math.max(2, width - lw - 2);
  const plotH = Math.max(2, height - 1);
  const grid: Mark[][] = Array.from({ length: plotH }, () => new Array<Mark>(plotW).fill(' '));
  for (const p of points) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
    const c = cellOf(tx(p.x), xlo, xhi, plotW);
    const r = plotH - 1 - cellOf(p.y, ylo, yhi, plotH);
    if (p.newest) grid[r][c] = 'new';
    else if (grid[r][c] === ' ') grid[r][c] = 'old';
  }
  const rows = grid.map((cells, r) => {
    const label = r === 0 ? formatNumber(yhi) : r === plotH - 1 ? formatNumber(ylo) : '';
    return { label: label.padStart(lw) + ' │', cells };
  });
  const left = formatNumber(options.logX ? 10 ** xlo : xlo);
  const right = formatNumber(options.logX ? 10 ** xhi : xhi) + (options.logX ? ' (log)' : '');
  const gap = Math.max(1, plotW - left.length - right.length);
  return { rows, xAxis: ' '.repeat(lw + 2) + left + ' '.repeat(gap) + right };
}

/** Whether a log axis suits these values: all positive and spanning more than a factor `ratio`. */
export function wantsLogScale(values: readonly number[], ratio = 20): boolean {
  const finite = values.filter(Number.isFinite);
  if (finite.length < 2 || finite.some((v) => v <= 0)) return false;
  return Math.max(...finite) / Math.min(...finite) > ratio;
}

const BLOCKS = ' ▁▂▃▄▅▆▇█';

/**
 * A filled step chart of a series over `width` columns and `height` rows (eighth-block resolution), last value
 * on the right. Returns the rows top to bottom with the y labels, the label column `labelWidth` wide.
 */
export function stepChart(values: readonly number[], width: number, height: number): string[] {
  if (values.length === 0) return [];
  // The range of the series itself (not from zero): hypervolume gains late in a study are small but matter.
  const [lo, hi] = range(values);
  const lw = labelWidth(lo, hi);
  const plotW = Math.max(1, width - lw - 2);
  // Resample: column c shows the last value at or before its share of the series.
  const cols: number[] = [];
  for (let c = 0; c < plotW; c++) {
    const i = values.length <= plotW ? Math.floor((c * values.length) / plotW) : Math.floor(((c + 1) * values.length) / plotW) - 1;
    cols.push(values[Math.min(values.length - 1, Math.max(0, i))]);
  }
  const levels = height * 8;
  // The lowest value still shows as one eighth, so the column is never blank.
  const filled = cols.map((v) => 1 + Math.round(((v - lo) / (hi - lo)) * (levels - 1)));
  const rows: string[] = [];
  for (let r = 0; r < height; r++) {
    const floor = (height - 1 - r) * 8;
    const line = filled.map((f) => BLOCKS[Math.max(0, Math.min(8, f - floor))]).join('');
    const label = r === 0 ? formatNumber(hi) : r === height - 1 ? formatNumber(lo) : '';
    rows.push(label.padStart(lw) + ' │' + line);
  }
  return rows;
}
