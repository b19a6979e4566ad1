/**
 * 'llm-codesign-mixed': the co-design grid's shapes (llm-codesign.ts) with a precision per tensor class instead
 * of one: attention, MLP (every expert) and embedding + LM head weights each fp16, int8 or int4, and the KV cache
 * fp16 or int8. Quantisation is weight-only (W8A16, W4A16: activations and compute stay fp16), so a class's
 * precision changes the bytes it moves and stores, not the matmul rate. The roofline prices each class's bytes
 * exactly; the loss charges each class the post-training penalty in proportion to the parameters it quantises
 * (predictors/loss/loss-parts.ts says what that assumes). KV-cache quantisation has no published loss constants: it
 * is free in the loss unless a law file supplies them, and the output says so.
 */
import type { LlmArchitecture } from '../architecture.js';
import type { Precision } from '../precision.js';
import { defineGridSpace } from '../space.js';
import { CODESIGN_SHAPE, CODESIGN_SHAPE_GENES, gridArchitecture, gridGenesOf } from './llm-codesign.js';

const WEIGHT_CHOICES = ['fp16', 'int8', 'int4'] as const;
const BITS: Readonly<Record<string, number>> = { fp16: 16, int8: 8, int4: 4 };

export const llmCodesignMixedSpace = defineGridSpace<LlmArchitecture>({
  id: 'llm-codesign-mixed',
  description: 'the co-design grid with a weight precision per tensor class (attention, MLP/experts, embeddings + LM head: fp16/int8/int4, weight-only) and the KV cache fp16/int8',
  genes: [
    ...CODESIGN_SHAPE_GENES,
    { name: 'attentionWeights', choices: WEIGHT_CHOICES, ordinal: true },
    { name: 'mlpWeights', choices: WEIGHT_CHOICES, ordinal: true },
    { name: 'embeddingWeights', choices: WEIGHT_CHOICES, ordinal: true },
    { name: 'kvCache', choices: ['fp16', 'int8'], ordinal: true },
  ],
  decode: (v) => {
    const attentionWeights = v.attentionWeights as Precision;
    const mlpWeights = v.mlpWeights as Precision;
    const embeddingWeights = v.embeddingWeights as Precision;
    const kvCache = v.kvCache as Precision;
    const suffix = `-attn${BITS[attentionWeights]}-mlp${BITS[mlpWeights]}-emb${BITS[embeddingWeights]}-kvc${BITS[kvCache]}`;
    return gridArchitecture({ ...gridGenesOf(v), precision: { weights: 'fp16', activations: 'fp16', kvCache, attentionWeights, mlpWeights, embeddingWeights } }, CODESIGN_SHAPE, suffix);
  },
});
