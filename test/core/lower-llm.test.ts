import { describe, expect, it } from 'vitest';
import { uniformLayers, type LlmArchitecture } from '../../core/architecture.js';
import { causalPairs, expectedExpertsTouched, lowerLlm } from '../../core/lower-llm.js';
import { costAt, costBytes } from '../../core/ops.js';
import { countParams } from '../../core/params.js';

/** vocab 10, d 4, 2 heads of 2, 1 KV head, SwiGLU 8, one layer, fp16: small enough to count by hand. */
export const TINY: LlmArchitecture = {
  family: 'llm',
  vocabSize: 10,
  hiddenSize: 4,
  heads: 2,
  kvHeads: 1,
  headDim: 2,
  mlp: { kind: 'dense', intermediateSize: 8, gated: true },
  layers: uniformLayers(1),
  tiedEmbeddings: true,
  qkvBias: false,
  qkNorm: false,
  precision: { weights: 'fp16', activations: 'fp16', kvCache: 'fp16' },
};
const W = { batch: 1, promptTokens: 3, generatedTokens: 2 };

describe('lowerLlm on a hand-worked tiny model', () => {
  const ops = lowerLlm(TINY, W);
  const prefill = ops.filter((o) => o.phase === 'prefill');
  const decode = ops.filter((o) => o.phase === 'decode');
  const byName = (phase: string, suffix: string) => ops.find((o) => o.phase === phase && o.name.endsWith(suffix))!;

  it('counts prefill FLOPs op by op (1454 in all)', () => {
    // embedding 0, norm 5·3·4, qkv 2·3·4·8, rope 3·3·6, score 2·2·2·6 (6 causal pairs), softmax 5·2·6,
    // context 48, o 2·3·4·4, norm 60, gate_up 2·3·4·16, act 5·3·8, down 2·3·8·4, final norm 60, lm_head 2·4·10
    const expected: Record<string, number> = {
      embedding: 0, mixer_norm: 60, qkv_proj: 192, rope: 54, attn_score: 48, attn_softmax: 60, attn_context: 48,
      o_proj: 96, mlp_norm: 60, gate_up_proj: 384, act: 120, down_proj: 192, final_norm: 60, lm_head: 80,
    };
    for (const [name, flops] of Object.entries(expected)) expect(byName('prefill', name).base.flops, name).toBe(flops);
    expect(prefill.reduce((s, o) => s + o.base.flops * o.count, 0)).toBe(1454);
  });

  it('counts bytes: weights once, KV written in prefill and read per context position in decode', () => {
    expect(byName('prefill', 'qkv_proj').base).toEqual({ flops: 192, weightBytes: 64, activationBytesRead: 24, activationBytesWritten: 24, kvBytesRead: 0, kvBytesWritten: 24 });
    expect(byName('prefill', 'attn_score').base.kvBytesRead).toBe(12); // 3 keys × 2 × fp16
    expect(byName('prefill', 'lm_head').base).toMatchObject({ weightBytes: 80, activationBytesRead: 8, activationBytesWritten: 40 });
    // A decode step reads every weight once: one embedding row, 3 norms, the matmuls and the tied head.
    const weightBytes = decode.reduce((s, o) => s + o.base.weightBytes * o.count, 0);
    expect(weightBytes).toBe(8 + 24 + 64 + 32 + 128 + 64 + 80);
    const score = byName('decode', 'attn_score');
    expect(costAt(score, 5)).toMatchObject({ flops: 40, kvBytesRead: 20 });
  });

  it('decode FLOPs grow with the context: 486 + 26·c per step', () => {
    for (const c of [4, 5, 100]) {
      expect(decode.reduce((s, o) => s + costAt(o, c).flops * o.count, 0)).toBe(486 + 26 * c);
    }
  });

  it('parameters: 196 by hand', () => {
    expect(countParams(TINY).total).toBe(40 + 48 + 96 + 8 + 4);
  });

  it('folds identical layers into one op with a count', () => {
    const deep = lowerLlm({ ...TINY, layers: uniformLayers(7) }, W);
    expect(deep.find((o) => o.phase === 'prefill' && o.name.endsWith('o_proj'))!.count).toBe(7);
    expect(deep.length).toBe(ops.length);
  });

  it('sliding windows cap attention: pairs and decode growth', () => {
    expect(causalPairs(3)).toBe(6);
    expect(causalPairs(5, 2)).toBe(1 + 2 + 2 + 2 + 2);
    const swa = lowerLlm({ ...TINY, layers: uniformLayers(1, { kind: 'sliding-window', windowTokens: 4 }) }, W);
    const score = swa.find((o) => o.phase === 'decode' && o.kind === 'attention-score')!;
    expect(costAt(score, 100).flops).toBe(costAt(score, 4).flops);
  });

  it('MoE reads only the experts its tokens touch', () => {
    expect(expectedExpertsTouched(8, 2, 1)).toBeCloseTo(2, 12);
    expect(expectedExpertsTouched(8, 2, 1000)).toBeCloseTo(8, 6);
    // Two tokens picking 1 of 4: 4·(1 − (3/4)²) = 1.75 experts expected.
    expect(expectedExpertsTouched(4, 1, 2)).toBeCloseTo(1.75, 12);
    const moe: LlmArchitecture = { ...TINY, mlp: { kind: 'moe', experts: 4, activeExperts: 1, expertIntermediateSize: 8, sharedExperts: 0, sharedIntermediateSize: 0, gated: true } };
    const step = lowerLlm(moe, W).filter((o) => o.phase === 'decode' && o.name.includes('experts.'));
    const expertWeights = step.reduce((s, o) => s + o.base.weightBytes, 0);
    expect(expertWeights).toBe(3 * 4 * 8 * 2); // one expert's gate, up, down at batch 1
  });

  it('bytes are the sum of their parts', () => {
    for (const o of ops) expect(costBytes(o.base)).toBeGreaterThanOrEqual(o.base.weightBytes);
  });
});
