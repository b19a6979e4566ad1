/**
 * 'llm-local': the co-design grid's shape (depth, width, MoE, KV heads, FFN ratio) scaled down so that a decoder
 * stack is built and timed on a laptop-class CPU in about a second: depth 1–6, width 128–512, a 4,096-token
 * vocabulary, fp32 (what TensorFlow.js runs). Head dim 64 and SwiGLU as the co-design grid; a KV-head choice that
 * does not divide the heads becomes the largest divisor below it. The measured latency is of the workload
 * LOCAL_WORKLOAD unless told otherwise: a 64-token prompt and 8 generated tokens at batch 1.
 */
import type { LlmArchitecture, Mlp } from '../../core/architecture.js';
import { uniformLayers } from '../../core/architecture.js';
import { defineGridSpace } from '../../core/space.js';
import type { Workload } from '../../core/workload.js';

export const LOCAL_HEAD_DIM = 64;
export const LOCAL_VOCAB = 4096;
export const LOCAL_WORKLOAD: Workload = { batch: 1, promptTokens: 64, generatedTokens: 8 };

function largestDivisorAtMost(n: number, k: number): number {
  for (let v = Math.min(n, k); v > 1; v--) if (n % v === 0) return v;
  return 1;
}

export function localArchitecture(p: { layers: number; width: number; experts: number; activeExperts: number; kvHeads: number | 'nh'; ffnRatio: number }): LlmArchitecture {
  const heads = p.width / LOCAL_HEAD_DIM;
  const kvHeads = p.kvHeads === 'nh' ? heads : largestDivisorAtMost(heads, p.kvHeads);
  const activated = Math.round(p.ffnRatio * p.width);
  const mlp: Mlp =
    p.experts === 1
      ? { kind: 'dense', intermediateSize: activated, gated: true }
      : { kind: 'moe', experts: p.experts, activeExperts: p.activeExperts, expertIntermediateSize: Math.round(activated / p.activeExperts), sharedExperts: 0, sharedIntermediateSize: 0, gated: true };
  return {
    family: 'llm',
    name: `local-l${p.layers}-d${p.width}-e${p.experts}k${p.activeExperts}-kv${kvHeads}-r${p.ffnRatio}`,
    vocabSize: LOCAL_VOCAB,
    hiddenSize: p.width,
    heads,
    kvHeads,
    headDim: LOCAL_HEAD_DIM,
    mlp,
    layers: uniformLayers(p.layers),
    tiedEmbeddings: false,
    qkvBias: false,
    qkNorm: false,
    precision: { weights: 'fp32', activations: 'fp32', kvCache: 'fp32' },
  };
}

export const llmLocalSpace = defineGridSpace<LlmArchitecture>({
  id: 'llm-local',
  description: 'LLM decoders scaled to a small CPU for measurement: depth 1–6, width 128–512, MoE (E,K), KV heads, FFN ratio 1–4, vocab 4096, fp32',
  genes: [
    { name: 'layers', choices: [1, 2, 3, 4, 6], ordinal: true },
    { name: 'width', choices: [128, 192, 256, 384, 512], ordinal: true },
    { name: 'moe', choices: ['1x1', '4x1', '4x2', '8x2'], ordinal: false },
    { name: 'kvHeads', choices: [1, 2, 4, 'nh'], ordinal: true },
    { name: 'ffnRatio', choices: [1, 2, 3, 4], ordinal: true },
  ],
  decode(v) {
    const [experts, active] = String(v.moe).split('x').map(Number);
    return localArchitecture({
      layers: v.layers as number,
      width: v.width as number,
      experts,
      activeExperts: active,
      kvHeads: v.kvHeads === 'nh' ? 'nh' : (v.kvHeads as number),
      ffnRatio: v.ffnRatio as number,
    });
  },
});
