import { describe, expect, it } from 'vitest';
import { timeInterleaved } from '../../../hardware/measure/interleaved.js';
import { timeIt } from '../../../hardware/measure/timer.js';

/** Callables on one fake clock: each call of callable `name` advances it by that callable's next scripted duration. */
function scripted(durations: Record<string, number[]>) {
  let now = 0;
  const calls: string[] = [];
  const next: Record<string, number> = {};
  const fn = (name: string) => () => {
    calls.push(name);
    const i = next[name] ?? 0;
    next[name] = i + 1;
    now += durations[name][i];
  };
  return { fn, clock: () => now, calls };
}

describe('timeInterleaved', () => {
  // A is slowed 3× evenly in round 1 (30, 30, 31 ms: spread 1/30, tight) and B in round 2; warm-up runs (99) come
  // before every later round.
  const durations = {
    a: [30, 30, 31, 99, 10, 11, 10, 99, 12, 12, 12],
    b: [5, 5, 5, 99, 15, 15, 15, 99, 6, 6, 7],
  };

  it('an evenly slowed round passes timeIt’s spread check, so timeIt alone keeps it', async () => {
    const s = scripted(durations);
    const t = await timeIt(s.fn('a'), { warmup: 0, runs: 3, maxSpread: 0.1, maxRounds: 4 }, s.clock);
    expect(t.rounds).toBe(1);
    expect(t.medianMs).toBe(30);
  });

  it('takes the callables in turn, round after round, and each keeps its quietest round', async () => {
    const s = scripted(durations);
    const [a, b] = await timeInterleaved([s.fn('a'), s.fn('b')], 3, { warmup: 0, runs: 3, maxSpread: 0.1 }, s.clock);
    // Round 1 without warm-up (warmup 0), rounds 2 and 3 with one: a a a b b b, a×4 b×4, a×4 b×4.
    expect(s.calls.join('')).toBe('aaabbb' + 'aaaabbbb' + 'aaaabbbb');
    // A: medians 30, 10, 12 → the slow round 1 is discarded, round 2 kept (10, 10, 11: median 10, IQR 0.5).
    expect(a.roundMediansMs).toEqual([30, 10, 12]);
    expect(a.rounds).toBe(3);
    expect(a.valueMs).toBe(10);
    expect(a.medianMs).toBe(10);
    expect(a.spread).toBeCloseTo(0.5 / 10, 12);
    expect(a.bestMs).toBe(10);
    // B: medians 5, 15, 6 → round 1 kept; its slow round 2 is discarded.
    expect(b.roundMediansMs).toEqual([5, 15, 6]);
    expect(b.valueMs).toBe(5);
    expect(b.stable).toBe(true);
  });

  it("the 'min' estimator gives the fastest run of every round", async () => {
    const s = scripted({ a: [30, 9, 31, 99, 10, 11, 10] });
    const [a] = await timeInterleaved([s.fn('a')], 2, { warmup: 0, runs: 3, estimator: 'min' }, s.clock);
    expect(a.medianMs).toBe(10); // round 2 has the lower median (10 against 30)
    expect(a.bestMs).toBe(9); // but round 1 the fastest run
    expect(a.valueMs).toBe(9);
  });

  it('needs a whole number of rounds ≥ 1', async () => {
    await expect(timeInterleaved([() => 0], 0)).rejects.toThrow(/rounds must be an integer ≥ 1/);
    await expect(timeInterleaved([() => 0], 1.5)).rejects.toThrow(/rounds must be an integer ≥ 1/);
  });
});
