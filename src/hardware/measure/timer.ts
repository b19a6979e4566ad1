/**
 * Timing of one callable on the active tfjs backend, built for a machine shared with other work.
 *
 * Interference from other processes only ever adds time, and it comes in bursts. So a measurement is taken in
 * rounds: warm-up runs (compilation, allocation, caches), then `runs` timed runs; the round's spread is its
 * inter-quartile range over its median. A round whose spread exceeds `maxSpread` was disturbed: another round is
 * taken, up to `maxRounds`, and the figure kept is the median of the quietest round (the lowest median), which is
 * the closest to what the machine does on its own. Whether the figure ended stable is recorded with it.
 */
import { cpus, totalmem } from 'node:os';
import type { TfBackendInfo } from '../tf-backend.js';

export interface TimingOptions {
  /** Untimed runs before the first round. */
  readonly warmup: number;
  /** Timed runs per round. */
  readonly runs: number;
  /** (p75 − p25) / median above which a round is taken again. */
  readonly maxSpread: number;
  /** Rounds at most (the first included). */
  readonly maxRounds: number;
}

export const DEFAULT_TIMING: TimingOptions = { warmup: 2, runs: 7, maxSpread: 0.1, maxRounds: 4 };

/** Where a figure was measured: recorded with every measurement. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly logicalCpus: number;
  readonly memoryBytes: number;
  readonly platform: string;
  readonly node: string;
  readonly backend: string;
  readonly threads: number;
}

export function machineInfo(backend: TfBackendInfo): MachineInfo {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    logicalCpus: list.length,
    memoryBytes: totalmem(),
    platform: `${process.platform}-${process.arch}`,
    node: process.version,
    backend: backend.name,
    threads: backend.threads,
  };
}

/** One line: the machine and backend behind a figure. */
export function describeMachine(m: MachineInfo): string {
  return `${m.cpuModel} (${m.logicalCpus} logical CPUs), ${m.platform}, node ${m.node}; tfjs ${m.backend}, ${m.threads || 'n/a'} thread(s)`;
}

export interface Timing {
  /** Median of the kept (quietest) round, ms. */
  readonly medianMs: number;
  readonly minMs: number;
  readonly p25Ms: number;
  readonly p75Ms: number;
  /** (p75 − p25) / median of the kept round. */
  readonly spread: number;
  /** Timed runs per round. */
  readonly runs: number;
  /** Rounds taken; > 1 when the stability check re-measured. */
  readonly rounds: number;
  /** Median of every round, in order: how much the machine's load moved the figure. */
  readonly roundMediansMs: readonly number[];
  /** The kept round's spread is within maxSpread. */
  readonly stable: boolean;
}

/** Linear-interpolated quantile of sorted values. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

interface Round {
  readonly sorted: number[];
  readonly median: number;
  readonly spread: number;
}

function summarise(samples: number[]): Round {
  const sorted = samples.slice().sort((a, b) => a - b);
  const median = quantile(sorted, 0.5);
  const spread = median > 0 ? (quantile(sorted, 0.75) - quantile(sorted, 0.25)) / median : 0;
  return { sorted, median, spread };
}

/**
 * Times `fn` (which must finish its work, i.e. read its result back, before resolving). Rounds as described
 * above; `clock` is injectable for tests.
 */
export async function timeIt(fn: () => unknown, options: Partial<TimingOptions> = {}, clock: () => number = () => performance.now()): Promise<Timing> {
  const o: TimingOptions = { ...DEFAULT_TIMING, ...options };
  if (o.runs < 1 || o.maxRounds < 1) throw new Error('timeIt: runs and maxRounds must be ≥ 1');
  for (let i = 0; i < o.warmup; i++) await fn();
  const rounds: Round[] = [];
  let best: Round | undefined;
  while (rounds.length < o.maxRounds) {
    const samples: number[] = [];
    for (let i = 0; i < o.runs; i++) {
      const t0 = clock();
      await fn();
      samples.push(clock() - t0);
    }
    const r = summarise(samples);
    rounds.push(r);
    if (!best || r.median < best.median) best = r;
    if (r.spread <= o.maxSpread) break;
  }
  const kept = best as Round;
  return {
    medianMs: kept.median,
    minMs: kept.sorted[0],
    p25Ms: quantile(kept.sorted, 0.25),
    p75Ms: quantile(kept.sorted, 0.75),
    spread: kept.spread,
    runs: o.runs,
    rounds: rounds.length,
    roundMediansMs: rounds.map((r) => r.median),
    stable: kept.spread <= o.maxSpread,
  };
}
