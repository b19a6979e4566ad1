import { describe, expect, it } from 'vitest';
import { countParams } from '../../core/params.js';
import { PRESETS } from '../../core/presets.js';
import { TINY } from './lower-llm.test.js';

describe('countParams', () => {
  // Published totals (each model's card on Hugging Face).
  it.each([
    ['llama-3.2-1b', 1_235_814_400],
    ['qwen2.5-0.5b', 494_032_768],
    ['tinyllama-1.1b', 1_100_048_384],
  ])('%s matches its published total', (id, total) => {
    expect(countParams(PRESETS[id]).total).toBe(total);
  });

  it('Qwen3-0.6B: head_dim ≠ hidden/heads and q/k norms (596,049,920 from its config by hand)', () => {
    // embed 151936·1024 + 28·(q 1024·2048 + k,v 2·1024·1024 + o 2048·1024 + qk-norm 2·128 + mlp 3·1024·3072 + norms 2·1024) + 1024
    expect(countParams(PRESETS['qwen3-0.6b']).total).toBe(596_049_920);
  });

  it('splits embedding, and counts only active experts per token for MoE', () => {
    const m = countParams(PRESETS['mixtral-8x7b']);
    // Mixtral-8x7B is published as 46.7B total, 12.9B active.
    expect(m.total / 1e9).toBeCloseTo(46.7, 1);
    expect(m.activePerToken / 1e9).toBeCloseTo(12.9, 1);
    expect(m.embedding).toBe(2 * 32000 * 4096);
    expect(m.nonEmbedding + m.embedding).toBe(m.total);
    const q = countParams(PRESETS['qwen2.5-0.5b']);
    expect(q.embedding).toBe(151936 * 896);
    expect(q.activePerToken).toBe(q.total);
  });

  it('by weight class: attention, MLP (every expert), embeddings, norms', () => {
    // TINY: qkv 4·(4+2+2) + o 4·4 = 48; SwiGLU 3·4·8 = 96; tied embedding 10·4 = 40; norms 3·4 = 12.
    expect(countParams(TINY).byClass).toEqual({ attention: 48, mlp: 96, embeddings: 40, norms: 12 });
    const m = countParams(PRESETS['mixtral-8x7b']);
    // Every expert counts: mlp = 32 layers · (router 4096·8 + 8 experts · 3·4096·14336).
    expect(m.byClass.mlp).toBe(32 * (4096 * 8 + 8 * 3 * 4096 * 14336));
    expect(m.byClass.attention + m.byClass.mlp + m.byClass.norms).toBe(m.nonEmbedding);
  });
});
