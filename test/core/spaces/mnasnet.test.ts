import { describe, expect, it } from 'vitest';
import { getSpace } from '../../../core/spaces/index.js';
import { filterChoices, layerChoices, MNASNET_PRESETS, mnasnetGenes, mnasnetSpace, roundFilters } from '../../../core/spaces/mnasnet.js';
import { createRng } from '../../../core/rng.js';
import { lowerMnasnet } from '../../../core/lower-cnn.js';

describe('mnasnet space', () => {
  it("rounds filters as MnasNet's round_filters: nearest multiple of 8, never more than 10% down", () => {
    expect(roundFilters(12)).toBe(16); // 16 ≥ 0.9 · 12
    expect(roundFilters(18)).toBe(24); // nearest is 16 < 0.9 · 18 = 16.2 → 24
    expect(roundFilters(27)).toBe(32); // 24 < 24.3 → 32
    expect(roundFilters(108)).toBe(112);
    expect(roundFilters(180)).toBe(184);
  });

  it('filters: MobileNetV2 × {0.75, 1, 1.125, 1.25}, rounded, duplicates merged; layers: MobileNetV2 + {−1, 0, +1}, at least 1', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map(filterChoices)).toEqual([
      [16, 24], // 12→16, 16, 18→24, 20→24
      [24, 32], // 18→24, 24, 27→32, 30→32
      [24, 32, 40],
      [48, 64, 72, 80],
      [72, 96, 112, 120],
      [120, 160, 184, 200],
      [240, 320, 360, 400],
    ]);
    expect([0, 1, 2, 3, 4, 5, 6].map(layerChoices)).toEqual([[1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [2, 3, 4], [2, 3, 4], [1, 2]]);
    // Per block 4 convolutions × 2 kernels × 2 SE ratios × 3 skips × filters × layers.
    const perBlock = [2 * 2, 2 * 3, 3 * 3, 4 * 3, 4 * 3, 4 * 3, 4 * 2].map((x) => 48 * x);
    expect(mnasnetSpace.size() / perBlock.reduce((p, x) => p * x, 1)).toBeCloseTo(1, 12);
    expect(mnasnetSpace.genes).toHaveLength(42);
    expect(getSpace('mnasnet')).toBe(mnasnetSpace);
  });

  it('MobileNetV2 and MnasNet-A1 are networks of the space: their genes decode back to them', () => {
    for (const preset of Object.values(MNASNET_PRESETS)) {
      const genes = mnasnetGenes(preset);
      expect(mnasnetSpace.decode(genes)).toEqual({ family: 'mnasnet', blocks: preset.blocks });
    }
    expect(mnasnetSpace.describe(mnasnetGenes(MNASNET_PRESETS['mnasnet-a1']))).toMatchObject({ b5_filters: 112, b5_layers: 2, b3_conv: 'mbconv3', b3_kernel: 5, b3_se: 0.25 });
    expect(() => mnasnetGenes({ family: 'mnasnet', blocks: MNASNET_PRESETS.mobilenetv2.blocks.map((b, i) => (i === 4 ? { ...b, filters: 100 } : b)) })).toThrow(/block 5: filters 100 is not in the space/);
  });

  it('every sampled network lowers', () => {
    const rng = createRng(5);
    for (let i = 0; i < 50; i++) {
      const lowered = lowerMnasnet(mnasnetSpace.decode(mnasnetSpace.sample(rng)));
      expect(lowered.params).toBeGreaterThan(1e6);
    }
  });
});
