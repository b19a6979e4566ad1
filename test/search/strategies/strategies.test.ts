import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../cli/errors.js';
import { boundsOf, normalisedHypervolume, paretoIndices } from '../../../core/pareto.js';
import { createRng } from '../../../core/rng.js';
import { MNAS_EXPONENTS, mnasReward, qualityScore } from '../../../search/strategies/mnas.js';
import { getStrategy, STRATEGIES } from '../../../search/strategies/index.js';
import { rankAndCrowdingSurvival as survive } from '../../../search/strategies/operators/survival.js';
import { drive, evaluate, exactFront, foundFront, toySpace, type Problem } from './toy.js';

/** Two conflicting objectives; the front is x1 = x2 = 0, c = 1, every x0 (32 points of 32,768). */
const frontSpace = toySpace([32, 16, 16], 4);
const frontProblem: Problem = (g) => {
  const pen = (g[3] === 1 ? 0 : 3) + g[1] + g[2] / 2;
  return { objectives: [g[0] + pen, 31 - g[0] + pen], violation: 0 };
};

/** Minimise x0 and x1 subject to x0 + x1 ≥ 250: 15 feasible points of 16,384, 5 of them on the front. */
const constrainedSpace = toySpace([128, 128]);
const constrainedProblem: Problem = (g) => ({ objectives: [g[0], g[1]], violation: Math.max(0, 250 - g[0] - g[1]) / 250 });

/** Small settings so that every strategy goes through several generations / cycles in a short test. */
const OPTIONS: Record<string, Record<string, unknown>> = {
  nsga2: { populationSize: 20 },
  aging: { populationSize: 20, sampleSize: 5 },
  mnas: { target: 20, populationSize: 20, sampleSize: 5 },
  anneal: { chains: 4 },
};

describe('strategy registry', () => {
  it('finds strategies by id and names the valid ids otherwise', () => {
    expect(getStrategy('nsga2').id).toBe('nsga2');
    expect(() => getStrategy('nsga3')).toThrow(UsageError);
    expect(() => getStrategy('nsga3')).toThrow(/unknown strategy 'nsga3' \(did you mean 'nsga2'\?\); valid: random, exhaustive, nsga2/);
    expect(() => getStrategy('toString')).toThrow(UsageError);
    for (const [id, f] of Object.entries(STRATEGIES)) expect(f.id).toBe(id);
  });
});

describe.each(Object.keys(STRATEGIES))('strategy %s', (id) => {
  const factory = STRATEGIES[id];
  const space = id === 'exhaustive' ? toySpace([16, 16]) : frontSpace;
  const run = (seed: number, checkpoint: boolean) =>
    drive(factory, space, frontProblem, { seed, evaluations: 300, objectiveCount: 2, options: OPTIONS[id], checkpoint });

  it('is deterministic from its seed, and depends on it', () => {
    const a = run(1, false);
    expect(run(1, false).asked).toEqual(a.asked);
    if (id !== 'exhaustive') expect(run(2, false).asked).not.toEqual(a.asked);
  });

  it('resumes bit-identically from JSON state taken at random points, even between ask and tell', () => {
    const plain = run(3, false);
    const resumed = run(3, true);
    expect(resumed.restores).toBeGreaterThan(5);
    expect(resumed.asked).toEqual(plain.asked);
    expect(JSON.stringify(resumed.strategyState)).toEqual(JSON.stringify(plain.strategyState));
  });

  it('handles three objectives, failed evaluations and constraints, and still resumes exactly', () => {
    // Every seventh candidate fails (Infinity everywhere); a third objective and a constraint on top.
    const problem: Problem = (g) =>
      (g[0] + g[1]) % 7 === 3
        ? { objectives: [Infinity, Infinity, Infinity], violation: Infinity }
        : { objectives: [g[0], 31 - g[0] + g[1], (g[2] - 8) ** 2], violation: Math.max(0, (g[1] - 10) / 10) };
    const go = (checkpoint: boolean) =>
      drive(factory, space, problem, { seed: 9, evaluations: 200, objectiveCount: 3, options: OPTIONS[id], checkpoint });
    const plain = go(false);
    expect(go(true).asked).toEqual(plain.asked);
  });
});

describe.each(Object.keys(STRATEGIES))('strategy %s on a space it can use up', (id) => {
  it('asks each of its 6 × 5 × 4 = 120 candidates exactly once, through checkpoints, and is done only then', () => {
    const small = toySpace([6, 5, 4]);
    const problem: Problem = (g) => ({ objectives: [g[0] + g[2], 5 - g[0] + g[1]], violation: 0 });
    const options = id === 'mnas' ? { target: 4, populationSize: 10, sampleSize: 3 } : id === 'nsga2' || id === 'aging' ? { populationSize: 10 } : {};
    // More evaluations than the space has: the run ends only when the strategy says it is done (the driver asks
    // while it is not, and throws when it asks nothing and waits for nothing), so done came at the 120th ask.
    const r = drive(STRATEGIES[id], small, problem, { seed: 4, evaluations: 1000, objectiveCount: 2, options, checkpoint: true });
    expect(r.asked.length).toBe(120);
    expect(new Set(r.asked).size).toBe(120);
  });
});

describe('exhaustive', () => {
  it('hands out every candidate once, in batches, then is done', () => {
    const space = toySpace([3, 4]);
    const s = STRATEGIES.exhaustive.create({ space, objectiveCount: 1, seed: 0, options: {} });
    const keys: string[] = [];
    while (!s.done()) for (const g of s.ask(5)) keys.push(space.key(g));
    expect(keys.length).toBe(12);
    expect(new Set(keys).size).toBe(12);
    expect(s.ask(5)).toEqual([]);
    expect(s.state()).toEqual({ position: 12 });
  });
});

describe('nsga2', () => {
  it('finds the exact front of a known bi-objective problem', () => {
    const exact = exactFront(frontSpace, frontProblem);
    expect(exact.length).toBe(32);
    const { evaluated, strategyState } = drive(STRATEGIES.nsga2, frontSpace, frontProblem, {
      seed: 4,
      evaluations: 2000,
      objectiveCount: 2,
      options: { populationSize: 40 },
    });
    expect(foundFront(frontSpace, evaluated)).toEqual(exact);
    // The final population holds the whole front (front 0 fits: 32 ≤ 40).
    const population = (strategyState as { population: { g: number[]; r: number }[] }).population;
    const rank0 = population.filter((m) => m.r === 0).map((m) => m.g.join('.'));
    expect(rank0.sort()).toEqual(exact);
  });
});

describe('nsga2 once mating stalls', () => {
  // 16 · 4^6 = 65,536 candidates; the front is x1..x6 = 0 (16 points), and a candidate's distance from it is
  // x1 + … + x6. Population 10: the front is found, the population stops changing, and mating's children are
  // all known within the first hundred candidates.
  const space = toySpace([16, 4, 4, 4, 4, 4, 4]);
  const problem: Problem = (g) => {
    const pen = 4 * (g[1] + g[2] + g[3] + g[4] + g[5] + g[6]);
    return { objectives: [g[0] + pen, 15 - g[0] + pen], violation: 0 };
  };
  const distance = (key: string) => key.split('.').slice(1).reduce((sum, v) => sum + Number(v), 0);
  type Origins = { mated: number; walked: number; random: number };
  /** 2,000 candidates in generations of 10; the asked keys, and the origins after each generation. */
  const run = (fill: string) => {
    const s = STRATEGIES.nsga2.create({ space, objectiveCount: 2, seed: 1, options: { populationSize: 10, fill } });
    const asked: string[] = [];
    const origins: Origins[] = [];
    while (asked.length < 2000) {
      const genes = s.ask(10);
      asked.push(...genes.map((g) => space.key(g)));
      s.tell(genes.map((g) => evaluate(problem, g)));
      origins.push((s.state() as { childOrigins: Origins }).childOrigins);
    }
    return { asked, origins };
  };
  let nearby: ReturnType<typeof run>;
  let random: ReturnType<typeof run>;
  beforeAll(() => {
    nearby = run('nearby');
    random = run('random');
  });
  const lateMeanDistance = (asked: string[]) => asked.slice(-500).reduce((sum, k) => sum + distance(k), 0) / 500;

  it('mates as before until the first generation mating cannot fill, then walks its known children', () => {
    // The generation told at index k proposes the children asked from 10 · (k + 1) on.
    const stalled = nearby.origins.findIndex((o) => o.walked + o.random > 0);
    expect(stalled).toBeGreaterThan(0);
    const from = 10 * (stalled + 1);
    expect(nearby.asked.slice(0, from)).toEqual(random.asked.slice(0, from));
    expect(nearby.asked.slice(from, from + 10)).not.toEqual(random.asked.slice(from, from + 10));
    // Children of mating fill under 10% of 2,000 here: the rest are walked, none random in a space barely touched.
    const last = nearby.origins[nearby.origins.length - 1];
    expect(last.walked).toBeGreaterThan(1500);
    expect(last.random).toBe(0);
    expect(random.origins[random.origins.length - 1].random).toBeGreaterThan(1500);
  });

  it('keeps late children near the front: as near as 2,000 distinct candidates can be, not uniform', () => {
    // Uniform candidates are on average 6 · 1.5 = 9 steps away. Within 3 steps of the front lie 16 · C(9, 6) =
    // 1,344 candidates, within 4 steps 16 · C(10, 6) = 3,360: the last of 2,000 candidates kept near the front
    // are 4 steps away, a few 3 or 5.
    expect(lateMeanDistance(random.asked)).toBeGreaterThan(8);
    expect(lateMeanDistance(nearby.asked)).toBeLessThan(5);
    expect(new Set(nearby.asked).size).toBe(2000);
  });

  it('resumes bit-identically through checkpoints while walking', () => {
    const go = (checkpoint: boolean) => drive(STRATEGIES.nsga2, space, problem, { seed: 2, evaluations: 600, objectiveCount: 2, options: { populationSize: 10 }, checkpoint });
    const plain = go(false);
    const resumed = go(true);
    expect((plain.strategyState as { childOrigins: Origins }).childOrigins.walked).toBeGreaterThan(300);
    expect(resumed.restores).toBeGreaterThan(20);
    expect(resumed.asked).toEqual(plain.asked);
    expect(JSON.stringify(resumed.strategyState)).toEqual(JSON.stringify(plain.strategyState));
  });

  it('resumes a state saved before children were counted, counting from zero', () => {
    const s = STRATEGIES.nsga2.create({ space, objectiveCount: 2, seed: 1, options: { populationSize: 10 } });
    const genes = s.ask(10);
    s.tell(genes.map((g) => evaluate(problem, g)));
    const { childOrigins: _, ...older } = s.state() as { childOrigins: Origins };
    const resumed = STRATEGIES.nsga2.create({ space, objectiveCount: 2, seed: 1, options: { populationSize: 10 } }, older);
    expect(resumed.ask(10).length).toBe(10);
    expect((resumed.state() as { childOrigins: Origins }).childOrigins).toEqual({ mated: 0, walked: 0, random: 0 });
  });
});

describe.each(['nsga2', 'aging', 'mnas', 'anneal', 'tpe', 'roofline'].filter((id) => id in STRATEGIES))('constrained %s', (id) => {
  it('moves from infeasible starts to the feasible region', () => {
    // Three seeds: one run of 300 lands on 0 to 14 of the 15 feasible points depending on the seed.
    let feasibleFound = 0;
    for (const seed of [5, 6, 7]) {
      const { evaluated } = drive(STRATEGIES[id], constrainedSpace, constrainedProblem, { seed, evaluations: 300, objectiveCount: 2, options: OPTIONS[id] });
      expect(Math.min(...evaluated.slice(0, 10).map((e) => e.violation))).toBeGreaterThan(0);
      const feasible = new Set(evaluated.filter((e) => e.violation === 0).map((e) => constrainedSpace.key(e.genes)));
      feasibleFound += feasible.size;
    }
    // Uniform sampling would expect 3 · 300 · 15 / 16,384 ≈ 0.8 feasible candidates in all.
    expect(feasibleFound).toBeGreaterThanOrEqual(9);
  });
});

describe('nsga2 survival', () => {
  const ind = (objectives: number[], violation: number, i: number) => ({ genes: [i], key: String(i), objectives, violation });
  const candidates = [
    ind([1, 4], 0, 0),
    ind([2, 2], 0, 1),
    ind([4, 1], 0, 2),
    ind([3, 3], 0, 3),
    ind([5, 5], 0, 4),
    ind([0, 0], 0.2, 5),
    ind([9, 9], 0.1, 6),
  ];
  const keys = (size: number) => survive(candidates, size, createRng(1)).map((m) => m.key);

  it('fills front by front, cuts the last front by crowding, then takes the least violating infeasible', () => {
    expect(keys(4)).toEqual(['0', '1', '2', '3']);
    // Front 0 cut to 2: the two boundary points (crowding Infinity) beat (2,2).
    expect(keys(2).sort()).toEqual(['0', '2']);
    expect(keys(6)).toEqual(['0', '1', '2', '3', '4', '6']);
    const ranks = survive(candidates, 7, createRng(1)).map((m) => m.rank);
    expect(ranks).toEqual([0, 0, 0, 1, 2, 3, 3]);
  });
});

describe('aging and anneal on the known front', () => {
  const exact = exactFront(frontSpace, frontProblem).map((k) => frontProblem(k.split('.').map(Number)).objectives);
  const bounds = boundsOf(exact);
  const exactHv = normalisedHypervolume(exact, bounds);

  it.each(['aging', 'anneal'])('%s reaches 90%% of the exact hypervolume in 1,000 evaluations (random: about 75%%)', (id) => {
    const { evaluated } = drive(STRATEGIES[id], frontSpace, frontProblem, { seed: 6, evaluations: 1000, objectiveCount: 2 });
    const points = evaluated.map((e) => e.objectives);
    const found = paretoIndices(points).map((i) => points[i]);
    expect(normalisedHypervolume(found, bounds) / exactHv).toBeGreaterThan(0.9);
  });
});

describe('mnas', () => {
  it('computes the published reward shapes', () => {
    const soft = { target: 10, ...MNAS_EXPONENTS.soft };
    const hard = { target: 10, ...MNAS_EXPONENTS.hard };
    // ACC = 0.5 at twice the target: soft 0.5 · 2^−0.07, hard 0.5 / 2; at half the target hard is just ACC.
    expect(mnasReward(0.5, 20, soft)).toBeCloseTo(0.5 * 0.952638, 6);
    expect(mnasReward(0.5, 20, hard)).toBeCloseTo(0.25, 12);
    expect(mnasReward(0.5, 5, hard)).toBe(0.5);
    expect(mnasReward(0.5, 5, soft)).toBeCloseTo(0.5 * 1.049717, 6);
    expect(qualityScore('loss', Math.log(2))).toBeCloseTo(0.5, 12);
    expect(qualityScore('accuracy', 0.7)).toBe(0.7);
  });

  it('reads its accuracy from the qualityMetric option, else the first maximised objective, else loss', () => {
    const reads = (ctx: Parameters<NonNullable<typeof STRATEGIES.mnas.readsMetrics>>[0]) => STRATEGIES.mnas.readsMetrics!(ctx).map((r) => r.metric);
    const objectives = [{ metric: 'latencyMs', direction: 'min' as const }, { metric: 'accuracy', direction: 'max' as const }];
    expect(reads({ options: { target: 5 }, objectives })).toEqual(['accuracy', 'latencyMs']);
    expect(reads({ options: { target: 5 }, objectives: [objectives[0]] })).toEqual(['loss', 'latencyMs']);
    expect(reads({ options: { target: 5, qualityMetric: 'top1', latencyMetric: 'ttftMs' }, objectives })).toEqual(['top1', 'ttftMs']);
  });

  it('needs a target and finds the reward maximum of a small space', () => {
    const space = toySpace([32, 32]);
    expect(() => STRATEGIES.mnas.create({ space, objectiveCount: 2, seed: 0, options: {} })).toThrow(UsageError);
    // Larger a lowers loss but costs latency; b only costs latency.
    const problem: Problem = (g) => ({ objectives: [4 - 0.1 * g[0], 1 + g[0] + g[1]], violation: 0 });
    const options = { target: 20, mode: 'hard', populationSize: 20, sampleSize: 5 };
    const reward = (g: readonly number[]) => {
      const [loss, latency] = problem(g).objectives;
      return mnasReward(qualityScore('loss', loss), latency, { target: 20, ...MNAS_EXPONENTS.hard });
    };
    const best = Math.max(...[...space.enumerate!()].map(reward));
    const { evaluated } = drive(STRATEGIES.mnas, space, problem, { seed: 8, evaluations: 300, objectiveCount: 2, options });
    expect(Math.max(...evaluated.map((e) => reward(e.genes)))).toBe(best);
  });
});

describe('aging queue and annealing archive', () => {
  it('aging keeps exactly the last P consumed candidates, oldest first', () => {
    const space = toySpace([32, 16, 16], 4);
    const s = STRATEGIES.aging.create({ space, objectiveCount: 2, seed: 3, options: { populationSize: 5, sampleSize: 2 } });
    const consumed: string[] = [];
    for (let i = 0; i < 30; i++) {
      const [g] = s.ask(1);
      consumed.push(space.key(g));
      s.tell([evaluate(frontProblem, g)]);
    }
    const population = (s.state() as { population: { g: number[] }[] }).population.map((m) => space.key(m.g));
    expect(population).toEqual(consumed.slice(-5));
  });

  it('anneal archives exactly the non-dominated objective vectors it has seen', () => {
    const s = STRATEGIES.anneal.create({ space: frontSpace, objectiveCount: 2, seed: 2, options: {} });
    const points: number[][] = [];
    for (let round = 0; round < 60; round++) {
      // Told in reverse order: consumption still follows ask order.
      const told = s.ask(8).map((g) => evaluate(frontProblem, g)).reverse();
      s.tell(told);
      points.push(...told.map((e) => e.objectives.slice()));
    }
    const archive = (s.state() as { archive: { f: number[] }[] }).archive.map((a) => a.f.join(',')).sort();
    const front = [...new Set(paretoIndices(points).map((i) => points[i].join(',')))].sort();
    expect(archive).toEqual(front);
  });
});
