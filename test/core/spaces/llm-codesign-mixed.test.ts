import { describe, expect, it } from 'vitest';
import { countParams } from '../../../core/params.js';
import { llmCodesignSpace } from '../../../core/spaces/llm-codesign.js';
import { llmCodesignMixedSpace } from '../../../core/spaces/llm-codesign-mixed.js';
import { userSpace } from '../../../core/spaces/user-space.js';
import { PAPER_WORKLOAD } from '../../../core/workload.js';
import { getDevice } from '../../../hardware/devices.js';
import { analyzeLlm } from '../../../hardware/roofline.js';
import { getLaw } from '../../../predictors/loss/index.js';
import { lossParts } from '../../../predictors/loss/loss-parts.js';
import { ptqPenalty, publishedWeightPenalty } from '../../../predictors/loss/precision-penalty.js';

// Genes: layers, width, moe, kvHeads, ffnRatio, then attention, MLP, embedding weights (fp16/int8/int4) and KV (fp16/int8).
const SHAPE = [3, 2, 1, 0, 2]; // 16 layers, d 1280, 8 experts top-1, 1 KV head, r 2

describe('llm-codesign-mixed: a precision per tensor class', () => {
  const orin = getDevice('jetson-agx-orin');

  it('the co-design shapes times 3·3·3·2 precision combinations', () => {
    expect(llmCodesignMixedSpace.size()).toBe((llmCodesignSpace.size() / 3) * 54);
    const a = llmCodesignMixedSpace.decode([...SHAPE, 1, 2, 0, 1]);
    expect(a.precision).toEqual({ weights: 'fp16', activations: 'fp16', kvCache: 'int8', attentionWeights: 'int8', mlpWeights: 'int4', embeddingWeights: 'fp16' });
    expect(a.name).toBe('codesign-l16-d1280-e8k1-kv1-r2-attn8-mlp4-emb16-kvc8');
  });

  it('every class at int4 is the uniform int4 candidate but for the norm vectors, which stay fp16', () => {
    const mixed = llmCodesignMixedSpace.decode([...SHAPE, 2, 2, 2, 0]);
    const uniform = llmCodesignSpace.decode([...SHAPE, 2]);
    const norms = countParams(uniform).byClass.norms;
    const m = analyzeLlm(mixed, PAPER_WORKLOAD, orin);
    const u = analyzeLlm(uniform, PAPER_WORKLOAD, orin);
    expect(m.memory.weightsBytes - u.memory.weightsBytes).toBe(norms * (2 - 0.5));
    // 16 layers' two norms and the final norm, read once per step: the decode bytes differ by the same amount.
    expect(m.decode.bytesPerToken - u.decode.bytesPerToken).toBeCloseTo(norms * 1.5, 6);
  });

  it('the loss charges only the quantised classes, by their parameters', () => {
    const D = 10e9;
    const arch = llmCodesignMixedSpace.decode([...SHAPE, 0, 2, 0, 0]); // MLP int4, the rest fp16
    const p = countParams(arch);
    const parts = lossParts(getLaw('codesign'), arch, { trainingTokens: D });
    expect(parts.quantPenalty).toBeCloseTo((p.byClass.mlp / p.nonEmbedding) * ptqPenalty(publishedWeightPenalty(), p.nonEmbedding, D, 4), 14);
  });

  it('user spaces take per-class and training precision genes', () => {
    const space = userSpace(
      {
        id: 'per-class',
        base: 'qwen2.5-0.5b',
        genes: [
          { name: 'emb', set: 'embeddingWeights', choices: ['bf16', 'int8'] },
          { name: 'mlp', set: 'mlpWeights', choices: ['int4'] },
          { name: 'train', set: 'trainingPrecision', choices: ['bf16', 'int8'] },
        ],
      },
      'x.yaml',
    );
    expect(space.decode([1, 0, 1]).precision).toEqual({ weights: 'fp16', activations: 'fp16', kvCache: 'fp16', embeddingWeights: 'int8', mlpWeights: 'int4', training: 'int8' });
    expect(() => userSpace({ id: 'bad', base: 'qwen2.5-0.5b', genes: [{ name: 'a', set: 'attentionWeights', choices: ['int3'] }] }, 'x.yaml')).toThrow(
      "x.yaml: genes[0].choices[0] (gene 'a'): expected one of fp32, bf16, fp16, int8, int4, got \"int3\"",
    );
  });
});
