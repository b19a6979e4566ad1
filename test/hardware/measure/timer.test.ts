import { describe, expect, it } from 'vitest';
import { QuietGate, quantile, timeIt } from '../../../hardware/measure/timer.js';

/** A clock that advances by the scripted duration of each call of the timed function. */
function scripted(durationsMs: number[]) {
  let now = 0;
  let calls = 0;
  const fn = () => {
    now += durationsMs[calls++] ?? 1;
  };
  return { fn, clock: () => now, calls: () => calls };
}

describe('timer', () => {
  it('quantiles interpolate linearly', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
    expect(quantile([10], 0.75)).toBe(10);
  });

  it('a quiet round: median, quartiles, spread, no re-measure', async () => {
    // warm-up 9 (ignored), then 5 runs 10, 11, 10, 12, 10 → sorted 10 10 10 11 12: median 10, p25 10, p75 11.
    const s = scripted([9, 10, 11, 10, 12, 10]);
    const t = await timeIt(s.fn, { warmup: 1, runs: 5, maxSpread: 0.15, maxRounds: 3 }, s.clock);
    expect(t.medianMs).toBe(10);
    expect(t.minMs).toBe(10);
    expect(t.spread).toBeCloseTo(0.1, 12);
    expect(t.rounds).toBe(1);
    expect(t.stable).toBe(true);
    expect(s.calls()).toBe(6);
  });

  it('a disturbed round is measured again and the quietest round is kept', async () => {
    // Round 1 (10, 30, 12, 40, 11): median 12, IQR 30 − 11 = 19 → spread 1.58 > 0.1: again.
    // Round 2 (20, 21, 20, 20, 22): median 20, spread 1/20 = 0.05 → stable, stop. Round 1 has the lower median
    // (interference only adds time), so it is kept, and the figure is flagged unstable (its spread is too wide).
    const s = scripted([10, 30, 12, 40, 11, 20, 21, 20, 20, 22]);
    const t = await timeIt(s.fn, { warmup: 0, runs: 5, maxSpread: 0.1, maxRounds: 4 }, s.clock);
    expect(t.rounds).toBe(2);
    expect(t.roundMediansMs).toEqual([12, 20]);
    expect(t.medianMs).toBe(12);
    expect(t.stable).toBe(false);
  });

  it('stops at maxRounds and keeps the lowest median', async () => {
    const s = scripted([10, 20, 30, 5, 15, 25, 8, 16, 40]);
    const t = await timeIt(s.fn, { warmup: 0, runs: 3, maxSpread: 0.01, maxRounds: 3 }, s.clock);
    expect(t.rounds).toBe(3);
    expect(t.roundMediansMs).toEqual([20, 15, 16]);
    expect(t.medianMs).toBe(15);
    expect(t.p25Ms).toBe(10);
    expect(t.p75Ms).toBe(20);
  });

  it("the 'min' estimator keeps the fastest run of all rounds; minRoundMs adds runs to a fast round", async () => {
    const s = scripted([10, 30, 12, 40, 11, 20, 21, 20, 20, 22]);
    const t = await timeIt(s.fn, { warmup: 0, runs: 5, maxSpread: 0.1, maxRounds: 4, estimator: 'min' }, s.clock);
    expect(t.valueMs).toBe(10);
    expect(t.bestMs).toBe(10);
    expect(t.medianMs).toBe(12);
    // Runs of 2 ms with at least 3 runs and 9 ms a round: 5 runs (10 ms); the cap stops a round at maxRunsPerRound.
    const fast = scripted(Array(20).fill(2));
    const f = await timeIt(fast.fn, { warmup: 0, runs: 3, maxSpread: 1, maxRounds: 1, minRoundMs: 9 }, fast.clock);
    expect(f.runs).toBe(5);
    expect(f.valueMs).toBe(2);
    const capped = scripted(Array(20).fill(2));
    expect((await timeIt(capped.fn, { warmup: 0, runs: 3, maxSpread: 1, maxRounds: 1, minRoundMs: 100, maxRunsPerRound: 4 }, capped.clock)).runs).toBe(4);
  });

  it('a quiet check waits while its probe runs slower than its best, and gives up after maxProbes', async () => {
    // Probe times (fastest of 3 each): 10 → best; 20, 20 (slow: wait); 11 (within 15%): go.
    const times = [10, 10, 10, 20, 25, 20, 20, 30, 20, 11, 12, 13];
    let now = 0;
    let i = 0;
    const slept: number[] = [];
    const gate = new QuietGate(() => (now += times[i++]), () => now, { tolerance: 1.15, maxProbes: 5, pauseMs: 50, sleep: async (ms) => void slept.push(ms) });
    expect((await gate.wait()).slowdown).toBe(1);
    const q = await gate.wait();
    expect(q.probes).toBe(3);
    expect(q.waitedMs).toBe(100);
    expect(q.slowdown).toBeCloseTo(1.1, 12);
    // A machine that stays busy: the check gives up after maxProbes and reports the slowdown it saw.
    let t2 = 0;
    let calls = 0;
    const busy = new QuietGate(() => (t2 += calls++ < 3 ? 10 : 30), () => t2, { tolerance: 1.15, maxProbes: 4, pauseMs: 5, sleep: async () => undefined });
    await busy.wait();
    const b = await busy.wait();
    expect(b.probes).toBe(4);
    expect(b.waitedMs).toBe(20);
    expect(b.slowdown).toBe(3);
  });

  it('stops between runs when its signal is aborted, rejecting with the reason (a measured candidate is abandoned)', async () => {
    const controller = new AbortController();
    let runs = 0;
    let t = 0;
    const fn = () => {
      t += 5;
      if (++runs === 4) controller.abort(new Error('stopped by the user'));
    };
    await expect(timeIt(fn, { warmup: 1, runs: 7, maxSpread: 0.1, maxRounds: 4 }, () => t, controller.signal)).rejects.toThrow('stopped by the user');
    // The warm-up and three timed runs, then the one that saw the stop: nothing after it.
    expect(runs).toBe(4);
  });
});
