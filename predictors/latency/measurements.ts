/**
 * Which architectures a device has measured when it has n measurements — the protocol of the adaptation curve and of
 * the meta-training tasks. The 10 hardware-embedding reference architectures come first (they are what
 * `hwnas measure` measures first): n ≤ 10 is a random n of them; beyond 10, all 10 plus n − 10 others.
 */
import { shuffled, type Rng } from '../../core/rng.js';
import { REFERENCE_COUNT } from './hardware-embedding.js';

/** Numbers of measurements the curve, the meta-training tasks and the default-method rule use. */
export const MEASUREMENT_GRID: readonly number[] = [1, 3, 5, 10, 20];

/** Rows measured on a device with `n` measurements; extra rows (n > 10) come from `extraPool`, never a reference. */
export function measuredRows(referenceRows: readonly number[], n: number, rng: Rng, extraPool: readonly number[]): number[] {
  if (referenceRows.length !== REFERENCE_COUNT) throw new Error(`expected ${REFERENCE_COUNT} reference rows, got ${referenceRows.length}`);
  if (!Number.isInteger(n) || n < 1) throw new Error(`number of measurements must be an integer ≥ 1, got ${n}`);
  if (n <= REFERENCE_COUNT) return shuffled(referenceRows, rng).slice(0, n);
  const refs = new Set(referenceRows);
  const extra = shuffled(extraPool.filter((r) => !refs.has(r)), rng).slice(0, n - REFERENCE_COUNT);
  if (extra.length < n - REFERENCE_COUNT) throw new Error(`only ${extra.length} architectures to draw ${n - REFERENCE_COUNT} extra measurements from`);
  return [...referenceRows, ...extra];
}

/**
 * HELP's pool of adaptation samples drops each device's 10% fastest and 10% slowest architectures (loader.py,
 * remove_outlier). In NAS-Bench-201 the fastest tail holds the cells with no path from input to output, which the
 * devices' runtimes skip (0.01 ms on raspi4, where a connected cell takes ~25 ms): one of them among the measurements
 * would pull a log-space fit far off. Extra measurements are drawn from the pool so trimmed.
 */
export const OUTLIER_TRIM = 0.1;

export function trimmedPool(rows: readonly number[], latencyMs: ArrayLike<number>, trim = OUTLIER_TRIM): number[] {
  const sorted = [...rows].sort((a, b) => latencyMs[a] - latencyMs[b] || a - b);
  return sorted.slice(Math.floor(rows.length * trim), Math.floor(rows.length * (1 - trim)));
}

/** The reference latencies of a device in embedding order, null where the reference was not measured. */
export function referenceLatencies(referenceRows: readonly number[], measured: readonly number[], latencyMs: ArrayLike<number>): (number | null)[] {
  const set = new Set(measured);
  return referenceRows.map((r) => (set.has(r) ? latencyMs[r] : null));
}
