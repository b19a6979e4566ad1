import type { LlmArchitecture, Mlp, TensorPrecisions } from '../architecture.js';
import { uniformLayers } from '../architecture.js';
import { defineGridSpace, type Gene } from '../space.js';

/*
 * The co-design paper's grid: depth, width, (experts, active), KV heads, FFN ratio, precision.
 * Choices the paper leaves open, fixed here and stated: head_dim 64 (heads = d / 64); a KV-head choice that does
 * not divide the heads becomes the largest divisor below it; vocabulary 151,936 with tied embeddings, as
 * Qwen2.5-0.5B, the paper's baseline; SwiGLU MLPs. For MoE, the FFN ratio counts the activated width K·r_expert,
 * so each expert is r·d / K wide. Precision: fp16 = W16A16; int8 = W8A8 (INT8 tensor-core peak, as the paper's
 * INT8 setting); int4 = W4A16 (weight-only, fp16 compute). The KV cache stays fp16.
 */

export const CODESIGN_HEAD_DIM = 64;
export const CODESIGN_VOCAB = 151936;

const PRECISIONS: Readonly<Record<string, TensorPrecisions>> = {
  fp16: { weights: 'fp16', activations: 'fp16', kvCache: 'fp16' },
  int8: { weights: 'int8', activations: 'int8', kvCache: 'fp16' },
  int4: { weights: 'int4', activations: 'fp16', kvCache: 'fp16' },
};

function largestDivisorAtMost(n: number, k: number): number {
  for (let v = Math.min(n, k); v > 1; v--) if (n % v === 0) return v;
  return 1;
}

/** The fixed parts of a grid decoder: what the genes do not choose. */
export interface GridShape {
  readonly namePrefix: string;
  readonly vocabSize: number;
  readonly headDim: number;
  readonly tiedEmbeddings: boolean;
}

export interface GridGenes {
  readonly layers: number;
  readonly width: number;
  readonly experts: number;
  readonly activeExperts: number;
  readonly kvHeads: number | 'nh';
  readonly ffnRatio: number;
  readonly precision: TensorPrecisions;
}

/** The shape genes of a grid space's decoded values (layers, width, moe 'ExK', kvHeads, ffnRatio). */
export function gridGenesOf(v: Readonly<Record<string, number | string>>): Omit<GridGenes, 'precision'> {
  const [experts, activeExperts] = String(v.moe).split('x').map(Number);
  return {
    layers: v.layers as number,
    width: v.width as number,
    experts,
    activeExperts,
    kvHeads: v.kvHeads === 'nh' ? 'nh' : (v.kvHeads as number),
    ffnRatio: v.ffnRatio as number,
  };
}

/** A uniform SwiGLU decoder from grid genes; the FFN ratio counts the activated width K·r_expert. */
export function gridArchitecture(p: GridGenes, shape: GridShape, nameSuffix = ''): LlmArchitecture {
  const heads = p.width / shape.headDim;
  const kvHeads = p.kvHeads === 'nh' ? heads : largestDivisorAtMost(heads, p.kvHeads);
  const activated = Math.round(p.ffnRatio * p.width);
  const mlp: Mlp =
    p.experts === 1
      ? { kind: 'dense', intermediateSize: activated, gated: true }
      : { kind: 'moe', experts: p.experts, activeExperts: p.activeExperts, expertIntermediateSize: Math.round(activated / p.activeExperts), sharedExperts: 0, sharedIntermediateSize: 0, gated: true };
  return {
    family: 'llm',
    name: `${shape.namePrefix}-l${p.layers}-d${p.width}-e${p.experts}k${p.activeExperts}-kv${kvHeads}-r${p.ffnRatio}${nameSuffix}`,
    vocabSize: shape.vocabSize,
    hiddenSize: p.width,
    heads,
    kvHeads,
    headDim: shape.headDim,
    mlp,
    layers: uniformLayers(p.layers),
    tiedEmbeddings: shape.tiedEmbeddings,
    qkvBias: false,
    qkNorm: false,
    precision: p.precision,
  };
}

export const CODESIGN_SHAPE: GridShape = { namePrefix: 'codesign', vocabSize: CODESIGN_VOCAB, headDim: CODESIGN_HEAD_DIM, tiedEmbeddings: true };

/** Builds one architecture of the co-design grid (exported for presets, tests and experiments). */
export function codesignArchitecture(p: Omit<GridGenes, 'precision'> & { precision: string }): LlmArchitecture {
  return gridArchitecture({ ...p, precision: PRECISIONS[p.precision] }, CODESIGN_SHAPE, `-${p.precision}`);
}

const MOE_CHOICES = ['1x1', '8x1', '8x2', '16x1', '16x2'] as const;

/** The grid's shape genes (depth, width, MoE, KV heads, FFN ratio), shared with its per-class-precision variant. */
export const CODESIGN_SHAPE_GENES: readonly Gene[] = [
  { name: 'layers', choices: [4, 8, 12, 16, 20, 24, 28, 32], ordinal: true },
  { name: 'width', choices: [768, 1024, 1280, 1536, 1792, 2048, 2304, 2560, 3072], ordinal: true },
  { name: 'moe', choices: MOE_CHOICES, ordinal: false },
  { name: 'kvHeads', choices: [1, 2, 4, 8, 'nh'], ordinal: true },
  { name: 'ffnRatio', choices: [0.5, 1, 2, 3, 4, 6, 8], ordinal: true },
];

export const llmCodesignSpace = defineGridSpace<LlmArchitecture>({
  id: 'llm-codesign',
  description: 'LLM decoders on the co-design paper grid: depth 4–32, width 768–3072, MoE (E,K), KV heads, FFN ratio 0.5–8, fp16/int8/int4',
  genes: [...CODESIGN_SHAPE_GENES, { name: 'precision', choices: ['fp16', 'int8', 'int4'], ordinal: true }],
  decode: (v) => codesignArchitecture({ ...gridGenesOf(v), precision: v.precision as string }),
});
