/**
 * Timing of one callable on the active tfjs backend, built for a machine shared with other work.
 *
 * Interference from other processes only ever adds time, and it comes in bursts. So a measurement is taken in
 * rounds: warm-up runs (compilation, allocation, caches), then `runs` timed runs; the round's spread is its
 * inter-quartile range over its median. A round whose spread exceeds `maxSpread` was disturbed: another round is
 * taken, up to `maxRounds`, and the figure kept is the median of the quietest round (the lowest median), which is
 * the closest to what the machine does on its own. Whether the figure ended stable is recorded with it.
 *
 * Which clock: on a machine shared with other work, wall time measures the scheduler as much as the model (here,
 * the same network measured minutes apart differed 1.8× in wall time). When the backend computes synchronously on
 * this thread (wasm with one thread, the plain cpu backend), the process's CPU time (user + system) is the time the
 * work itself took, and other processes' load does not enter it; that is the default clock then. A multi-threaded
 * or GPU backend needs the wall clock (its work is not on this thread's account). Both are recorded.
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
  /** The clock of the figure (default: defaultClock of the backend, or wall when unknown). */
  readonly clock?: ClockKind;
  /**
   * The figure kept: 'median' of the quietest round (default), or 'min', the fastest run of all rounds. On a CPU
   * clock interference only ever adds time (another thread on the same core, caches evicted), so the fastest run
   * is the closest to the work itself, and it moves least between measurements minutes apart.
   */
  readonly estimator?: 'median' | 'min';
  /** A round keeps running past `runs` until its runs add up to this many ms (fast models get more runs). */
  readonly minRoundMs?: number;
  /** Cap on the runs of one round when minRoundMs extends it. */
  readonly maxRunsPerRound?: number;
}

export const DEFAULT_TIMING: TimingOptions = { warmup: 2, runs: 7, maxSpread: 0.1, maxRounds: 4 };

export type ClockKind = 'wall' | 'cpu';

/** Milliseconds on a clock: wall (performance.now) or this process's CPU time (user + system). */
export function clockMs(kind: ClockKind): () => number {
  if (kind === 'wall') return () => performance.now();
  return () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e3;
  };
}

/** CPU time measures the work only when the backend computes synchronously on this thread. */
export function defaultClock(backend: { choice: string; threads: number }): ClockKind {
  return (backend.choice === 'wasm' && backend.threads <= 1) || backend.choice === 'cpu' ? 'cpu' : 'wall';
}

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
  /** The clock of medianMs, minMs and the quartiles. */
  readonly clock: ClockKind;
  /** The figure, by the estimator: medianMs, or bestMs. */
  readonly valueMs: number;
  readonly estimator: 'median' | 'min';
  /** Fastest run over every round. */
  readonly bestMs: number;
  /** Median of the kept (quietest) round, ms. */
  readonly medianMs: number;
  /** Wall-clock median of the same round (equal to medianMs when the clock is wall). */
  readonly wallMedianMs: number;
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
 * Between two runs, with a signal: let the event loop turn (a synchronous backend otherwise keeps signal handlers
 * waiting for the whole measurement), then stop if the signal was aborted. Outside the timed span.
 */
async function checkpointRun(signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
  signal.throwIfAborted();
}

/**
 * Times `fn` (which must finish its work, i.e. read its result back, before resolving). Rounds as described
 * above; `clock` (ms) is injectable for tests and then also stands for the wall clock. Aborting `signal` stops the
 * measurement after the run in progress: the promise rejects with the signal's reason.
 */
export async function timeIt(fn: () => unknown, options: Partial<TimingOptions> = {}, clock?: () => number, signal?: AbortSignal): Promise<Timing> {
  const o: TimingOptions = { ...DEFAULT_TIMING, ...options };
  if (o.runs < 1 || o.maxRounds < 1) throw new Error('timeIt: runs and maxRounds must be ≥ 1');
  const kind: ClockKind = o.clock ?? 'wall';
  const main = clock ?? clockMs(kind);
  const wall = clock ?? clockMs('wall');
  for (let i = 0; i < o.warmup; i++) {
    await checkpointRun(signal);
    await fn();
  }
  const rounds: { round: Round; wallMedian: number }[] = [];
  let best: { round: Round; wallMedian: number } | undefined;
  while (rounds.length < o.maxRounds) {
    const samples: number[] = [];
    const walls: number[] = [];
    let total = 0;
    const cap = Math.max(o.runs, o.maxRunsPerRound ?? 50);
    while (samples.length < o.runs || (o.minRoundMs !== undefined && total < o.minRoundMs && samples.length < cap)) {
      await checkpointRun(signal);
      const w0 = wall();
      const t0 = main();
      await fn();
      const dt = main() - t0;
      samples.push(dt);
      total += dt;
      walls.push(wall() - w0);
    }
    const r = { round: summarise(samples), wallMedian: summarise(walls).median };
    rounds.push(r);
    if (!best || r.round.median < best.round.median) best = r;
    if (r.round.spread <= o.maxSpread) break;
  }
  const kept = (best as { round: Round; wallMedian: number }).round;
  const estimator = o.estimator ?? 'median';
  const bestMs = Math.min(...rounds.map((r) => r.round.sorted[0]));
  return {
    clock: kind,
    valueMs: estimator === 'min' ? bestMs : kept.median,
    estimator,
    bestMs,
    medianMs: kept.median,
    wallMedianMs: (best as { wallMedian: number }).wallMedian,
    minMs: kept.sorted[0],
    p25Ms: quantile(kept.sorted, 0.25),
    p75Ms: quantile(kept.sorted, 0.75),
    spread: kept.spread,
    runs: kept.sorted.length,
    rounds: rounds.length,
    roundMediansMs: rounds.map((r) => r.round.median),
    stable: kept.spread <= o.maxSpread,
  };
}

/** What a quiet check found before a measurement. */
export interface QuietCheck {
  /** The probe's time over its best so far (1 = as quiet as ever seen). */
  readonly slowdown: number;
  /** Probes run (1 when the machine was quiet at once). */
  readonly probes: number;
  readonly waitedMs: number;
}

/**
 * A quiet check for a shared machine: a fixed small probe (`probe`, timed on `clock`, fastest of 3) run before each
 * measurement; while it runs slower than `tolerance` × its best time so far (another process on the same core, a
 * burst of load), wait `pauseMs` and probe again, up to `maxProbes`. Bursts then fall between measurements rather
 * than inside them; what was found is returned, to be recorded with the figure.
 */
export class QuietGate {
  private bestMs = Infinity;

  constructor(
    private readonly probe: () => unknown,
    private readonly clock: () => number,
    private readonly options: { tolerance?: number; maxProbes?: number; pauseMs?: number; sleep?: (ms: number) => Promise<void> } = {},
  ) {}

  private time(): number {
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const t0 = this.clock();
      this.probe();
      best = Math.min(best, this.clock() - t0);
    }
    return best;
  }

  async wait(): Promise<QuietCheck> {
    const tolerance = this.options.tolerance ?? 1.15;
    const maxProbes = this.options.maxProbes ?? 8;
    const pauseMs = this.options.pauseMs ?? 150;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    let waitedMs = 0;
    let ratio = Infinity;
    let probes = 0;
    while (probes < maxProbes) {
      const t = this.time();
      probes++;
      if (t < this.bestMs) this.bestMs = t;
      ratio = this.bestMs > 0 ? t / this.bestMs : 1;
      if (ratio <= tolerance) break;
      await sleep(pauseMs);
      waitedMs += pauseMs;
    }
    return { slowdown: ratio, probes, waitedMs };
  }
}
