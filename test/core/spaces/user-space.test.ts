import { describe, expect, it } from 'vitest';
import { countParams } from '../../../core/params.js';
import { PRESETS } from '../../../core/presets.js';
import { userSpace } from '../../../core/spaces/user-space.js';

const SPEC = {
  id: 'my-space',
  base: 'qwen2.5-0.5b',
  genes: [
    { name: 'depth', set: 'layers', choices: [12, 24] },
    { name: 'width', set: 'hiddenSize', choices: [768, 896] },
    { name: 'ffn', set: 'ffnRatio', choices: [2, 4] },
    { name: 'moe', set: 'experts', choices: ['1x1', '8x2'] },
    { name: 'quant', set: 'weights', choices: ['bf16', 'int4'] },
  ],
};

describe('user space files', () => {
  it('maps genes onto architecture fields, keeping head_dim and deriving FFN width', () => {
    const space = userSpace(SPEC, 'my.yaml');
    expect(space.size()).toBe(32);
    const a = space.decode([0, 0, 1, 1, 1]);
    expect(a.layers).toHaveLength(12);
    expect(a.hiddenSize).toBe(768);
    expect(a.heads).toBe(12); // 768 / head_dim 64
    expect(a.mlp).toMatchObject({ kind: 'moe', experts: 8, activeExperts: 2, expertIntermediateSize: (4 * 768) / 2 });
    expect(a.precision.weights).toBe('int4');
    // The base choices reproduce the base model exactly.
    const base = userSpace({ ...SPEC, genes: [{ name: 'depth', set: 'layers', choices: [24] }] }, 'x').decode([0]);
    expect(countParams(base)).toEqual(countParams(PRESETS['qwen2.5-0.5b']));
  });

  it('names the gene, the choice and the file in errors', () => {
    const bad = (genes: unknown[]) => () => userSpace({ ...SPEC, genes }, 'my.yaml');
    expect(bad([{ name: 'kv', set: 'kvHeads', choices: [1, 'two'] }])).toThrow("my.yaml: genes[0].choices[1] (gene 'kv'): expected a positive integer, got \"two\"");
    expect(bad([{ name: 'kv', set: 'kvHeads', choices: [1, 3] }])).toThrow(/genes \{"kv":3\} give an invalid architecture: heads \(14\) must be a multiple of kvHeads \(3\)/);
    expect(bad([{ name: 'x', set: 'colour', choices: [1] }])).toThrow(/genes\[0\]\.set \(gene 'x'\)/);
    expect(() => userSpace({ ...SPEC, base: 'gpt-9' }, 'my.yaml')).toThrow(/base: unknown preset 'gpt-9'/);
  });
});
