import { uniformLayers, type LlmArchitecture, type TensorPrecisions } from './architecture.js';

const FP16: TensorPrecisions = { weights: 'fp16', activations: 'fp16', kvCache: 'fp16' };

interface DenseSpec {
  name: string;
  vocabSize: number;
  hiddenSize: number;
  layers: number;
  intermediateSize: number;
  heads: number;
  kvHeads: number;
  headDim?: number;
  tiedEmbeddings: boolean;
  qkvBias?: boolean;
  qkNorm?: boolean;
}

function dense(spec: DenseSpec): LlmArchitecture {
  return {
    family: 'llm',
    name: spec.name,
    vocabSize: spec.vocabSize,
    hiddenSize: spec.hiddenSize,
    heads: spec.heads,
    kvHeads: spec.kvHeads,
    headDim: spec.headDim ?? spec.hiddenSize / spec.heads,
    mlp: { kind: 'dense', intermediateSize: spec.intermediateSize, gated: true },
    layers: uniformLayers(spec.layers),
    tiedEmbeddings: spec.tiedEmbeddings,
    qkvBias: spec.qkvBias ?? false,
    qkNorm: spec.qkNorm ?? false,
    precision: FP16,
  };
}

/**
 * Real models, from each model's published config.json (on its Hugging Face model page).
 * All use SwiGLU MLPs and RMSNorm.
 */
export const PRESETS: Readonly<Record<string, LlmArchitecture>> = {
  'qwen2.5-0.5b': dense({ name: 'Qwen2.5-0.5B', vocabSize: 151936, hiddenSize: 896, layers: 24, intermediateSize: 4864, heads: 14, kvHeads: 2, tiedEmbeddings: true, qkvBias: true }),
  'qwen2.5-1.5b': dense({ name: 'Qwen2.5-1.5B', vocabSize: 151936, hiddenSize: 1536, layers: 28, intermediateSize: 8960, heads: 12, kvHeads: 2, headDim: 128, tiedEmbeddings: true, qkvBias: true }),
  'qwen3-0.6b': dense({ name: 'Qwen3-0.6B', vocabSize: 151936, hiddenSize: 1024, layers: 28, intermediateSize: 3072, heads: 16, kvHeads: 8, headDim: 128, tiedEmbeddings: true, qkNorm: true }),
  'llama-3.2-1b': dense({ name: 'Llama-3.2-1B', vocabSize: 128256, hiddenSize: 2048, layers: 16, intermediateSize: 8192, heads: 32, kvHeads: 8, tiedEmbeddings: true }),
  'smollm2-135m': dense({ name: 'SmolLM2-135M', vocabSize: 49152, hiddenSize: 576, layers: 30, intermediateSize: 1536, heads: 9, kvHeads: 3, tiedEmbeddings: true }),
  'smollm2-360m': dense({ name: 'SmolLM2-360M', vocabSize: 49152, hiddenSize: 960, layers: 32, intermediateSize: 2560, heads: 15, kvHeads: 5, tiedEmbeddings: true }),
  'smollm2-1.7b': dense({ name: 'SmolLM2-1.7B', vocabSize: 49152, hiddenSize: 2048, layers: 24, intermediateSize: 8192, heads: 32, kvHeads: 32, tiedEmbeddings: true }),
  'tinyllama-1.1b': dense({ name: 'TinyLlama-1.1B', vocabSize: 32000, hiddenSize: 2048, layers: 22, intermediateSize: 5632, heads: 32, kvHeads: 4, tiedEmbeddings: false }),
  'mixtral-8x7b': {
    family: 'llm',
    name: 'Mixtral-8x7B',
    vocabSize: 32000,
    hiddenSize: 4096,
    heads: 32,
    kvHeads: 8,
    headDim: 128,
    mlp: { kind: 'moe', experts: 8, activeExperts: 2, expertIntermediateSize: 14336, sharedExperts: 0, sharedIntermediateSize: 0, gated: true },
    layers: uniformLayers(32),
    tiedEmbeddings: false,
    qkvBias: false,
    qkNorm: false,
    precision: FP16,
  },
};

export const PRESET_IDS = Object.keys(PRESETS);
