import { describe, expect, it } from 'vitest';
import { createRng } from '../../../core/rng.js';
import { nb201Space } from '../../../core/spaces/nb201.js';
import { CUT_STEPS, cutIndices, withPartitionGenes } from '../../../core/spaces/partitioned.js';

describe('a space with the split as genes', () => {
  const space = withPartitionGenes(nb201Space, 3);

  it('adds k − 1 ordinal cut genes of 33 fractions each; decoding sorts them into a contiguous partition', () => {
    expect(space.id).toBe('nb201+split3');
    expect(space.genes.map((g) => g.name).slice(-2)).toEqual(['cut1', 'cut2']);
    expect(space.size()).toBe(15_625 * 33 * 33);
    const arch = space.decode([3, 3, 3, 3, 3, 3, 24, 8]);
    expect(arch).toEqual({ family: 'partitioned', model: { family: 'nb201', edges: Array(6).fill('nor_conv_3x3') }, cutFractions: [0.25, 0.75] });
    // 20 units: cuts after 5 and 15.
    expect(cutIndices(arch, 20)).toEqual([5, 15]);
    expect(space.describe([0, 0, 0, 0, 0, 0, 0, CUT_STEPS])).toMatchObject({ cut1: 0, cut2: 1 });
    expect(space.key([0, 1, 2, 3, 4, 0, 5, 6])).toBe('0.1.2.3.4.0|5.6');
  });

  it('sampling, mutation and crossover keep the genes in range; a mutation changes something', () => {
    const rng = createRng(3);
    for (let i = 0; i < 200; i++) {
      const a = space.sample(rng);
      const b = space.mutate(a, rng);
      expect(b).not.toEqual(a);
      const [c, d] = space.crossover(a, b, rng);
      for (const g of [a, b, c, d]) {
        expect(g).toHaveLength(8);
        g.forEach((v, j) => expect(v).toBeLessThan(space.genes[j].choices.length));
      }
    }
    expect(() => withPartitionGenes(nb201Space, 1)).toThrow(/at least 2 devices/);
  });
});
