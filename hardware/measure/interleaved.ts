/**
 * Timing several callables in interleaved rounds: round 1 times each of them in turn (timer.ts, one round each),
 * then round 2 does again, and so on; each callable keeps its quietest round (the lowest median, as timeIt does).
 *
 * Why not timeIt's consecutive rounds: a round is re-taken only when its runs disagree (IQR over median), but on a
 * shared machine the host can slow a kernel evenly for seconds (tfjs-wasm's depthwise convolution ~3× while a
 * matmul slows ~1.35×; experiments/mnasnet-latency). Such a round is tight, so it is accepted, and every round of
 * one figure falls in the same stretch anyway. Interleaving spreads each callable's rounds over the whole
 * measurement, so one quiet stretch anywhere in it gives every callable a quiet round — the way
 * hardware/measure/passes.ts measures networks (every network once per pass, the lowest figure kept).
 */
import { DEFAULT_TIMING, timeIt, type Timing, type TimingOptions } from './timer.js';

/**
 * Times each of `fns` in `rounds` interleaved rounds of `timing.runs` runs (timing.warmup warm-up runs before a
 * callable's first round, one before each later round: the callables in between evicted its caches). `clock`, as
 * timeIt's, is injectable for tests. Per callable: the kept round's figure, with rounds and roundMediansMs over
 * every round and bestMs the fastest run of all.
 */
export async function timeInterleaved(fns: readonly (() => unknown)[], rounds: number, timing: Partial<TimingOptions> = {}, clock?: () => number): Promise<Timing[]> {
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`timeInterleaved: rounds must be an integer ≥ 1 (got ${rounds})`);
  const all: Timing[][] = fns.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, fn] of fns.entries()) {
      all[i].push(await timeIt(fn, { ...timing, maxRounds: 1, warmup: r === 0 ? (timing.warmup ?? DEFAULT_TIMING.warmup) : 1 }, clock));
    }
  }
  return all.map((ts) => {
    const kept = ts.reduce((a, b) => (b.medianMs < a.medianMs ? b : a));
    const bestMs = Math.min(...ts.map((t) => t.bestMs));
    return { ...kept, valueMs: kept.estimator === 'min' ? bestMs : kept.medianMs, bestMs, rounds: ts.length, roundMediansMs: ts.map((t) => t.medianMs) };
  });
}
