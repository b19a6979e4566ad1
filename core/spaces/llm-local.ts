/**
 * 'llm-local': the co-design grid's shape (depth, width, MoE, KV heads, FFN ratio) scaled down so that a decoder
 * stack is built and timed on a laptop-class CPU in about a second: depth 1–6, width 128–512, a 4,096-token
 * vocabulary, fp32 (what TensorFlow.js runs). Head dim 64 and SwiGLU as the co-design grid; a KV-head choice that
 * does not divide the heads becomes the largest divisor below it. The measured latency is of the workload
 * LOCAL_WORKLOAD unless told otherwise: a 64-token prompt and 8 generated tokens at batch 1.
 */
import type { LlmArchitecture } from '../architecture.js';
import { defineGridSpace } from '../space.js';
import type { Workload } from '../workload.js';
import { gridArchitecture, gridGenesOf, type GridShape } from './llm-codesign.js';

export const LOCAL_WORKLOAD: Workload = { batch: 1, promptTokens: 64, generatedTokens: 8 };
const LOCAL_SHAPE: GridShape = { namePrefix: 'local', vocabSize: 4096, headDim: 64, tiedEmbeddings: false };

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
  decode: (v) => gridArchitecture({ ...gridGenesOf(v), precision: { weights: 'fp32', activations: 'fp32', kvCache: 'fp32' } }, LOCAL_SHAPE),
});
