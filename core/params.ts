import type { DecoderLayer, LlmArchitecture, Mlp, TokenMixer, WeightClass } from './architecture.js';

/** Parameter counts of an LLM decoder. */
export interface ParamCounts {
  readonly total: number;
  /** Input embedding plus an untied LM head. */
  readonly embedding: number;
  readonly nonEmbedding: number;
  /** Parameters one token passes through: MoE counts only its active and shared experts (embeddings included). */
  readonly activePerToken: number;
  readonly activeNonEmbedding: number;
  /**
   * Parameters per weight class (all experts counted): attention (token mixers), mlp, embeddings, and the norm
   * vectors outside both (one before each mixer and MLP, the final norm). attention + mlp + norms = nonEmbedding.
   */
  readonly byClass: Readonly<Record<WeightClass | 'norms', number>>;
}

/** Inner width of a linear mixer: Mamba2 expands the model width; linear attention uses heads × headDim. */
export function linearMixerInnerChannels(arch: LlmArchitecture, mixer: Extract<TokenMixer, { kind: 'linear' }>): number {
  return mixer.variant === 'mamba2' ? mixer.expand * arch.hiddenSize : arch.heads * arch.headDim;
}

/** Mamba2: channels per SSM head (the attention head dimension unless the mixer says) and groups of B/C projections. */
export function mambaHeadDim(arch: LlmArchitecture, mixer: Extract<TokenMixer, { kind: 'linear' }>): number {
  return mixer.headDim ?? arch.headDim;
}
export function mambaGroups(mixer: Extract<TokenMixer, { kind: 'linear' }>): number {
  return mixer.groups ?? 1;
}

/**
 * A Mamba-2 mixer's derived sizes: inner channels (expand × width), channels per SSM head and the heads, the B/C
 * projections' width (2 × groups × state size), and the causal conv's channels (x, B and C).
 */
export function mamba2Dims(arch: LlmArchitecture, mixer: Extract<TokenMixer, { kind: 'linear' }>): { inner: number; headDim: number; ssmHeads: number; bc: number; convChannels: number } {
  const inner = linearMixerInnerChannels(arch, mixer);
  const headDim = mambaHeadDim(arch, mixer);
  const bc = 2 * mambaGroups(mixer) * mixer.stateSize;
  return { inner, headDim, ssmHeads: inner / headDim, bc, convChannels: inner + bc };
}

/** Mamba2 defaults (state-spaces/mamba): depthwise causal conv of width 4, one group of B/C projections. */
export const MAMBA2_CONV_KERNEL = 4;
export const SHORT_CONV_KERNEL = 4;

export function mixerParams(arch: LlmArchitecture, mixer: TokenMixer): number {
  const d = arch.hiddenSize;
  if (mixer.kind === 'attention' || mixer.kind === 'sliding-window') {
    const q = arch.heads * arch.headDim;
    const kv = arch.kvHeads * arch.headDim;
    const bias = arch.qkvBias ? q + 2 * kv : 0;
    const qkNorm = arch.qkNorm ? 2 * arch.headDim : 0;
    return d * (q + 2 * kv) + bias + q * d + qkNorm;
  }
  if (mixer.variant === 'mamba2') {
    // in_proj → [z, x, B, C, dt]; conv1d over [x, B, C] with bias; A_log, D, dt_bias per head; gated RMSNorm; out_proj.
    const { inner, ssmHeads, bc, convChannels } = mamba2Dims(arch, mixer);
    return d * (2 * inner + bc + ssmHeads) + convChannels * (MAMBA2_CONV_KERNEL + 1) + 3 * ssmHeads + inner + inner * d;
  }
  // Linear attention / DeltaNet: q, k, v, o projections (no GQA); DeltaNet adds a β projection, short convs on
  // q, k, v and an output norm per head dimension.
  const inner = linearMixerInnerChannels(arch, mixer);
  const projections = 3 * d * inner + inner * d;
  if (mixer.variant === 'deltanet') return projections + d * arch.heads + 3 * inner * SHORT_CONV_KERNEL + arch.headDim;
  return projections;
}

function denseMlpParams(d: number, intermediate: number, gated: boolean): number {
  return (gated ? 3 : 2) * d * intermediate;
}

export function mlpParams(d: number, mlp: Mlp): { total: number; active: number } {
  if (mlp.kind === 'dense') {
    const p = denseMlpParams(d, mlp.intermediateSize, mlp.gated);
    return { total: p, active: p };
  }
  const expert = denseMlpParams(d, mlp.expertIntermediateSize, mlp.gated);
  const shared = mlp.sharedExperts * denseMlpParams(d, mlp.sharedIntermediateSize, mlp.gated) + (mlp.sharedExpertGate ? d : 0);
  const router = d * mlp.experts;
  return { total: router + mlp.experts * expert + shared, active: router + mlp.activeExperts * expert + shared };
}

/** RMSNorm weight vectors: one before the mixer and one before the MLP (each only when present), two more with post-norms. */
function layerNormParams(d: number, layer: DecoderLayer, postNorms: boolean): number {
  const blocks = (layer.mixer ? 1 : 0) + (layer.mlp ? 1 : 0);
  return blocks * d * (postNorms ? 2 : 1);
}

/** Exact parameter counts (checked against published totals in test/core/params.test.ts). */
export function countParams(arch: LlmArchitecture): ParamCounts {
  const d = arch.hiddenSize;
  const mlp = mlpParams(d, arch.mlp);
  let attention = 0;
  let mlpTotal = 0;
  let mlpActive = 0;
  let norms = d; // final norm
  for (const layer of arch.layers) {
    if (layer.mixer) attention += mixerParams(arch, layer.mixer);
    norms += layerNormParams(d, layer, arch.postNorms ?? false);
    if (layer.mlp) {
      mlpTotal += mlp.total;
      mlpActive += mlp.active;
    }
  }
  const body = attention + norms + mlpTotal;
  const activeBody = attention + norms + mlpActive;
  const embedding = arch.vocabSize * d * (arch.tiedEmbeddings ? 1 : 2);
  return {
    total: embedding + body,
    embedding,
    nonEmbedding: body,
    activePerToken: embedding + activeBody,
    activeNonEmbedding: activeBody,
    byClass: { attention, mlp: mlpTotal, embeddings: embedding, norms },
  };
}
