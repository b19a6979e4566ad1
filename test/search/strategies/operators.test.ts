import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../../core/rng.js';
import { fbnetSpace } from '../../../core/spaces/fbnet.js';
import { gridGenes, gridIndex, type Gene } from '../../../core/space.js';
import { discreteCrossover } from '../../../search/strategies/operators/crossover.js';
import { AskedSet, BITSET_LIMIT } from '../../../search/strategies/operators/duplicates.js';
import { changeProbability, discreteMutation, neighbourStep } from '../../../search/strategies/operators/mutation.js';
import { ParzenEstimator } from '../../../search/strategies/operators/parzen.js';
import { Gram, oneHotLayout, Ridge } from '../../../search/strategies/operators/ridge.js';
import { toySpace } from './toy.js';

/** A generator that replays the given draws. */
function scripted(draws: number[]): Rng {
  let i = 0;
  const next = () => {
    if (i >= draws.length) throw new Error('scripted generator ran out of draws');
    return draws[i++];
  };
  return { next, int: (n) => Math.floor(next() * n), normal: () => 0, state: () => ({ c: 0, s0: 0, s1: 0, s2: 0 }) };
}

const ordinal = (n: number): Gene => ({ name: `o${n}`, choices: Array.from({ length: n }, (_, k) => k), ordinal: true });
const categorical = (n: number): Gene => ({ name: `c${n}`, choices: Array.from({ length: n }, (_, k) => `v${k}`), ordinal: false });

describe('SBX on choice indices', () => {
  it('matches a hand-worked spread (η = 1, parents 2 and 6 of 0..8, u = 0.9)', () => {
    // β = 1 + 2·2/4 = 2 on both sides; α = 2 − 2^−2 = 1.75; u > 1/α, so β_q = (1 / (2 − 0.9·1.75))^(1/2) = 1.53393;
    // children ½(8 ∓ 1.53393·4) = 0.93215 and 7.06785, rounded to 1 and 7. Draws: cross the gene (0 < ½), u, no swap.
    const [c1, c2] = discreteCrossover([ordinal(9)], [2], [6], scripted([0, 0.9, 0.9]), { eta: 1, probabilityPerGene: 0.5 });
    expect([c1[0], c2[0]]).toEqual([1, 7]);
    // The swap draw (< ½) exchanges the children.
    const [d1, d2] = discreteCrossover([ordinal(9)], [2], [6], scripted([0, 0.9, 0.1]), { eta: 1, probabilityPerGene: 0.5 });
    expect([d1[0], d2[0]]).toEqual([7, 1]);
  });

  it('leaves equal genes and uncrossed genes alone, and gives a crossed categorical gene the parents’ values', () => {
    const genes = [ordinal(9), categorical(5), ordinal(4)];
    // Gene 0 equal (no draw); gene 1 crossed (0.2 < ½) and swapped (0.3 < ½); gene 2 not crossed (0.7 ≥ ½).
    const [c1, c2] = discreteCrossover(genes, [4, 1, 0], [4, 3, 3], scripted([0.2, 0.3, 0.7]));
    expect(c1).toEqual([4, 3, 0]);
    expect(c2).toEqual([4, 1, 3]);
    const rng = createRng(1);
    const seen = [new Set<number>(), new Set<number>(), new Set<number>()];
    for (let t = 0; t < 2000; t++) for (const child of discreteCrossover(genes, [1, 0, 3], [7, 4, 0], rng)) child.forEach((v, i) => seen[i].add(v));
    expect([...seen[1]].sort()).toEqual([0, 4]);
    expect(Math.min(...seen[0])).toBeGreaterThanOrEqual(0);
    expect(Math.max(...seen[0])).toBeLessThanOrEqual(8);
    // SBX reaches values between the parents (1 and 7), not only theirs.
    expect([...seen[0]].some((v) => v > 1 && v < 7)).toBe(true);
  });
});

describe('mutation', () => {
  it('changes a categorical gene as often as polynomial mutation moves an ordinal one of as many choices', () => {
    // Hand-worked for 3 choices, η = 20: d = ¼, (1 − d)^21 = 0.0023782; from an end only one side can move,
    // (0.0023782 − 0)/2 = 0.0011891; from the middle both sides, each (0.0023782 − ½^21)/(2(1 − ½^21)) = 0.0011889.
    expect(changeProbability(3, 20)).toBeCloseTo((0.0011891 + 2 * 0.0011889 + 0.0011891) / 3, 6);
    // Two choices: a move needs δ_q beyond ½ of the range, (½)^21 / 2 from the one end that can move.
    expect(changeProbability(2, 20)).toBeCloseTo(0.5 ** 21 / 2, 12);
    expect(changeProbability(1, 20)).toBe(0);
    // Monte Carlo over 200,000 mutations of a gene always picked: ordinal moves, categorical resets.
    for (const n of [5, 9]) {
      const rng = createRng(7);
      const draws = 200_000;
      const ord = discreteMutation([ordinal(n)], { eta: 20, probabilityPerGene: 1 });
      const cat = discreteMutation([categorical(n)], { eta: 20, probabilityPerGene: 1 });
      let moved = 0;
      let reset = 0;
      for (let t = 0; t < draws; t++) {
        const c = rng.int(n);
        if (ord([c], rng)[0] !== c) moved++;
        if (cat([c], rng)[0] !== c) reset++;
      }
      const p = changeProbability(n, 20);
      const tolerance = 4 * Math.sqrt((p * (1 - p)) / draws);
      expect(Math.abs(moved / draws - p)).toBeLessThan(tolerance);
      expect(Math.abs(reset / draws - p)).toBeLessThan(tolerance);
    }
  });

  it('picks each gene with probability 1/genes, changes it as the operator says, and keeps values in range', () => {
    const genes = [ordinal(8), ordinal(9), categorical(5), ordinal(5), ordinal(7), ordinal(3)];
    const mutate = discreteMutation(genes);
    const rng = createRng(3);
    const parent = [0, 8, 2, 4, 3, 1];
    const changed = new Array<number>(genes.length).fill(0);
    let outOfRange = 0;
    const draws = 20_000;
    for (let t = 0; t < draws; t++) {
      mutate(parent, rng).forEach((v, i) => {
        if (!Number.isInteger(v) || v < 0 || v >= genes[i].choices.length) outOfRange++;
        if (v !== parent[i]) changed[i]++;
      });
    }
    expect(outOfRange).toBe(0);
    // Each gene changes with probability (1/6) · (its chance to move from its value); the categorical one at (1/6) · p(5).
    const p = changeProbability(5, 20) / 6;
    expect(Math.abs(changed[2] / draws - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / draws));
  });
});

describe('neighbour step', () => {
  const genes = [ordinal(5), categorical(4), ordinal(1), ordinal(3)];
  const step = neighbourStep(genes);

  it('moves one gene, drawn among those that can move, to a neighbouring choice (scripted draws)', () => {
    // Movable genes 0, 1 and 3 (gene 2 has one choice): the first draw picks among three.
    expect(step([0, 2, 0, 2], scripted([0.1]))).toEqual([1, 2, 0, 2]); // gene 0 at its lower end: up
    expect(step([4, 2, 0, 2], scripted([0.1]))).toEqual([3, 2, 0, 2]); // at its upper end: down
    expect(step([2, 2, 0, 2], scripted([0.1, 0.3]))).toEqual([1, 2, 0, 2]); // inside: down (0.3 < ½) ...
    expect(step([2, 2, 0, 2], scripted([0.1, 0.7]))).toEqual([3, 2, 0, 2]); // ... or up
    expect(step([0, 2, 0, 2], scripted([0.9]))).toEqual([0, 2, 0, 1]); // gene 3 at its upper end (2 of 0..2)
    // Gene 1, categorical: another of its 4 choices, the draw over the 3 others (0.9 → 2 → skips 2 → 3).
    expect(step([0, 2, 0, 2], scripted([0.5, 0.9]))).toEqual([0, 3, 0, 2]);
    expect(step([0, 2, 0, 2], scripted([0.5, 0.4]))).toEqual([0, 1, 0, 2]);
  });

  it('always changes exactly one movable gene, each about as often, and leaves a space of one candidate alone', () => {
    const rng = createRng(5);
    const picked = [0, 0, 0, 0];
    let wrong = 0;
    const draws = 30_000;
    for (let t = 0; t < draws; t++) {
      const parent = genes.map((g) => rng.int(g.choices.length));
      const child = step(parent, rng);
      const changed = child.flatMap((v, i) => (v !== parent[i] ? [i] : []));
      const i = changed[0];
      const far = child[i] < 0 || child[i] >= genes[i].choices.length || (genes[i].ordinal && Math.abs(child[i] - parent[i]) !== 1);
      if (changed.length !== 1 || far) wrong++;
      picked[i]++;
    }
    expect(wrong).toBe(0);
    expect(picked[2]).toBe(0);
    for (const i of [0, 1, 3]) expect(Math.abs(picked[i] / draws - 1 / 3)).toBeLessThan(4 * Math.sqrt((1 / 3) * (2 / 3) / draws));
    expect(neighbourStep([ordinal(1), categorical(1)])([0, 0], createRng(1))).toEqual([0, 0]);
  });
});

describe('asked set', () => {
  it('numbers candidates in the order of enumerate', () => {
    const space = toySpace([3, 4, 5]);
    const radix = [3, 4, 5];
    [...space.enumerate!()].forEach((g, k) => {
      expect(gridIndex(g, radix)).toBe(k);
      expect(gridGenes(k, radix)).toEqual(g);
    });
    expect(gridIndex([3, 0, 0], radix)).toBe(-1);
  });

  it.each([
    ['a bitset', toySpace([8, 8, 6]), 'bits'],
    ['32-bit numbers', toySpace([128, 128, 128]), 'u32'],
    ['64-bit numbers', toySpace([256, 256, 256, 256, 4]), 'f64'],
    ['gene bytes', fbnetSpace, 'genes'],
  ] as const)('keeps candidates as %s and round-trips through JSON', (_name, space, mode) => {
    if (mode === 'bits') expect(space.size()).toBeLessThanOrEqual(BITSET_LIMIT);
    const set = new AskedSet(space);
    const rng = createRng(2);
    const added = Array.from({ length: 300 }, () => space.sample(rng));
    for (const g of added) set.add(g);
    const distinct = new Set(added.map((g) => space.key(g))).size;
    expect(set.size).toBe(distinct);
    expect(set.add(added[0])).toBe(false);
    const saved = JSON.parse(JSON.stringify(set.save()));
    expect(saved.mode).toBe(mode);
    const back = new AskedSet(space, saved);
    expect(back.size).toBe(distinct);
    for (const g of added) expect(back.has(g)).toBe(true);
    const other = space.sample(createRng(99));
    expect(back.has(other)).toBe(added.some((g) => space.key(g) === space.key(other)));
  });

  it('finds the last unasked candidates of a small space, then reports it used up', () => {
    const space = toySpace([3, 4]);
    const set = new AskedSet(space);
    const all = [...space.enumerate!()];
    for (const g of all.slice(0, 11)) set.add(g);
    const rng = createRng(1);
    // Sampling only ever proposes an asked candidate: the scan finds the one left.
    expect(set.unasked(() => all[0], rng)).toEqual(all[11]);
    set.add(all[11]);
    expect(set.exhausted()).toBe(true);
    expect(set.unasked(() => space.sample(rng), rng)).toBeUndefined();
  });
});

describe('Parzen estimator', () => {
  it('is a probability distribution over the grid, and samples follow it', () => {
    const space = toySpace([4, 3], 3);
    const observations = [
      [0, 1, 2],
      [3, 2, 0],
      [3, 2, 1],
    ];
    const pe = new ParzenEstimator(space.genes, observations);
    const all = [...space.enumerate!()];
    const density = all.map((g) => Math.exp(pe.logDensity(g)));
    expect(density.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // Densest near the observations: [3, 2, *] beats the far corner [0, 0, 1].
    expect(pe.logDensity([3, 2, 0])).toBeGreaterThan(pe.logDensity([0, 0, 1]));
    const rng = createRng(5);
    const counts = new Map<string, number>();
    const draws = 60_000;
    for (let t = 0; t < draws; t++) {
      const key = space.key(pe.sample(rng));
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    all.forEach((g, k) => {
      const p = density[k];
      expect(Math.abs((counts.get(space.key(g)) ?? 0) / draws - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / draws) + 1e-4);
    });
  });
});

describe('ridge from sufficient statistics', () => {
  it('predicts group means of a one-hot design (hand-worked)', () => {
    // One gene with two choices: y = 1 and 3 for choice 0, 5 for choice 1: the fit is the group means 2 and 5.
    const layout = oneHotLayout([2]);
    const gram = new Gram(layout);
    const target = new Float64Array(layout.width + 1);
    for (const [g, y] of [
      [[0], 1],
      [[0], 3],
      [[1], 5],
    ] as const) {
      gram.add(g);
      gram.addTarget(target, g, y);
    }
    const model = Ridge.solve(gram, target);
    expect(model.predict([0])).toBeCloseTo(2, 2);
    expect(model.predict([1])).toBeCloseTo(5, 2);
    // Fewer than three rows: no model (predicts 0).
    const small = new Gram(layout);
    small.add([0]);
    expect(Ridge.solve(small, target).predict([0])).toBe(0);
  });
});
