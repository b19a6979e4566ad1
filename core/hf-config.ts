import type { DecoderLayer, LlmArchitecture, Mlp, TokenMixer } from './architecture.js';
import type { Precision } from './precision.js';
import { aboveLimit, SIZE_LIMITS } from './size-limits.js';

/*
 * Hugging Face config.json ⇄ LlmArchitecture, for the model types whose field names hwnas knows:
 * llama, mistral, qwen2, qwen3, mixtral, qwen2_moe (and qwen3_moe). Defaults are those of each transformers
 * config class (e.g. tie_word_embeddings false, num_key_value_heads = num_attention_heads).
 */

export const HF_MODEL_TYPES = ['llama', 'mistral', 'qwen2', 'qwen3', 'mixtral', 'qwen2_moe', 'qwen3_moe'] as const;
type HfModelType = (typeof HF_MODEL_TYPES)[number];

/** A config.json field that is missing or wrong; the CLI prefixes the file name. */
export class HfConfigError extends Error {
  override readonly name = 'HfConfigError';
}

type Json = Record<string, unknown>;

/** Each size field's limit (core/size-limits.ts) and its unit. */
const FIELD_LIMITS: Readonly<Record<string, readonly [number, string]>> = {
  num_hidden_layers: [SIZE_LIMITS.layers, 'layers'],
  max_window_layers: [SIZE_LIMITS.layers, 'layers'],
  hidden_size: [SIZE_LIMITS.width, 'units'],
  head_dim: [SIZE_LIMITS.width, 'units'],
  intermediate_size: [SIZE_LIMITS.width, 'units'],
  moe_intermediate_size: [SIZE_LIMITS.width, 'units'],
  shared_expert_intermediate_size: [SIZE_LIMITS.width, 'units'],
  num_attention_heads: [SIZE_LIMITS.heads, 'heads'],
  num_key_value_heads: [SIZE_LIMITS.heads, 'heads'],
  num_local_experts: [SIZE_LIMITS.experts, 'experts'],
  num_experts: [SIZE_LIMITS.experts, 'experts'],
  num_experts_per_tok: [SIZE_LIMITS.experts, 'experts'],
  vocab_size: [SIZE_LIMITS.vocabulary, 'tokens'],
  sliding_window: [SIZE_LIMITS.tokens, 'tokens'],
};

function field(cfg: Json, key: string, fallback?: number): number {
  const v = cfg[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new HfConfigError(`${key}: expected a positive integer, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
  }
  const limit = FIELD_LIMITS[key];
  if (limit && v > limit[0]) throw new HfConfigError(`${key}: ${aboveLimit(v, limit[0], limit[1])}`);
  return v;
}

function flag(cfg: Json, key: string, fallback: boolean): boolean {
  const v = cfg[key] ?? fallback;
  if (typeof v !== 'boolean') throw new HfConfigError(`${key}: expected true or false, got ${JSON.stringify(v)}`);
  return v;
}

const DTYPES: Record<string, Precision> = { float32: 'fp32', float16: 'fp16', bfloat16: 'bf16' };

export function fromHfConfig(cfg: Json): LlmArchitecture {
  const modelType = cfg.model_type;
  if (typeof modelType !== 'string' || !(HF_MODEL_TYPES as readonly string[]).includes(modelType)) {
    throw new HfConfigError(`model_type: '${String(modelType)}' is not supported; valid: ${HF_MODEL_TYPES.join(', ')}`);
  }
  const type = modelType as HfModelType;
  const d = field(cfg, 'hidden_size');
  const heads = field(cfg, 'num_attention_heads');
  const kvHeads = field(cfg, 'num_key_value_heads', heads);
  if (heads % kvHeads !== 0) throw new HfConfigError(`num_key_value_heads: ${kvHeads} does not divide num_attention_heads (${heads})`);
  const nLayers = field(cfg, 'num_hidden_layers');
  const headDim = cfg.head_dim === undefined || cfg.head_dim === null ? d / heads : field(cfg, 'head_dim');
  if (!Number.isInteger(headDim)) throw new HfConfigError(`head_dim: missing and hidden_size (${d}) is not a multiple of num_attention_heads (${heads})`);

  let mlp: Mlp;
  if (type === 'mixtral') {
    mlp = { kind: 'moe', experts: field(cfg, 'num_local_experts'), activeExperts: field(cfg, 'num_experts_per_tok'), expertIntermediateSize: field(cfg, 'intermediate_size'), sharedExperts: 0, sharedIntermediateSize: 0, gated: true };
  } else if (type === 'qwen2_moe' || type === 'qwen3_moe') {
    const sparseStep = cfg.decoder_sparse_step ?? 1;
    const mlpOnly = cfg.mlp_only_layers ?? [];
    if (sparseStep !== 1 || (Array.isArray(mlpOnly) && mlpOnly.length > 0)) {
      throw new HfConfigError('decoder_sparse_step / mlp_only_layers: models that mix dense and MoE layers are not supported');
    }
    const shared = type === 'qwen2_moe' ? field(cfg, 'shared_expert_intermediate_size', 0 as unknown as number) : 0;
    mlp = {
      kind: 'moe',
      experts: field(cfg, 'num_experts'),
      activeExperts: field(cfg, 'num_experts_per_tok'),
      expertIntermediateSize: field(cfg, 'moe_intermediate_size'),
      sharedExperts: shared > 0 ? 1 : 0,
      sharedIntermediateSize: shared,
      ...(shared > 0 ? { sharedExpertGate: true } : {}),
      gated: true,
    };
  } else {
    mlp = { kind: 'dense', intermediateSize: field(cfg, 'intermediate_size'), gated: true };
  }
  if (mlp.kind === 'moe' && mlp.activeExperts > mlp.experts) throw new HfConfigError(`num_experts_per_tok: ${mlp.activeExperts} exceeds the number of experts (${mlp.experts})`);
  if (cfg.hidden_act !== undefined && cfg.hidden_act !== 'silu') throw new HfConfigError(`hidden_act: only 'silu' (SwiGLU) is supported, got ${JSON.stringify(cfg.hidden_act)}`);

  const layers: DecoderLayer[] = [];
  for (let i = 0; i < nLayers; i++) layers.push({ mixer: mixerOf(cfg, type, i), mlp: true });
  const dtype = typeof cfg.torch_dtype === 'string' ? DTYPES[cfg.torch_dtype] : undefined;
  const p: Precision = dtype ?? 'bf16';
  return {
    family: 'llm',
    ...(typeof cfg._name_or_path === 'string' ? { name: cfg._name_or_path } : {}),
    vocabSize: field(cfg, 'vocab_size'),
    hiddenSize: d,
    heads,
    kvHeads,
    headDim,
    mlp,
    layers,
    tiedEmbeddings: flag(cfg, 'tie_word_embeddings', false),
    // Qwen2 and Qwen2-MoE always put a bias on q, k, v; Llama and Qwen3 read attention_bias.
    qkvBias: type === 'qwen2' || type === 'qwen2_moe' ? true : flag(cfg, 'attention_bias', false),
    qkNorm: type === 'qwen3' || type === 'qwen3_moe',
    precision: { weights: p, activations: p, kvCache: p },
  };
}

function mixerOf(cfg: Json, type: HfModelType, layer: number): TokenMixer {
  const window = cfg.sliding_window;
  if (Array.isArray(cfg.layer_types)) {
    const kind = cfg.layer_types[layer];
    if (kind === 'sliding_attention') return { kind: 'sliding-window', windowTokens: field(cfg, 'sliding_window') };
    if (kind !== 'full_attention') throw new HfConfigError(`layer_types[${layer}]: unsupported '${String(kind)}'`);
    return { kind: 'attention' };
  }
  if (window === undefined || window === null) return { kind: 'attention' };
  if (type === 'mistral' || type === 'mixtral') return { kind: 'sliding-window', windowTokens: field(cfg, 'sliding_window') };
  // Qwen2-style: sliding windows only when enabled, on layers from max_window_layers on.
  if (flag(cfg, 'use_sliding_window', false) && layer >= field(cfg, 'max_window_layers', 0 as unknown as number)) {
    return { kind: 'sliding-window', windowTokens: field(cfg, 'sliding_window') };
  }
  return { kind: 'attention' };
}

const TORCH_DTYPE: Record<Precision, string> = { fp32: 'float32', fp16: 'float16', bf16: 'bfloat16', int8: 'bfloat16', int4: 'bfloat16' };

/**
 * A config.json that transformers can load, in the family the architecture needs: Qwen2-MoE for MoE with shared
 * experts, Mixtral for MoE, Qwen3 for q/k norms, Qwen2 for q/k/v bias, Mistral for sliding windows, else Llama.
 * Throws for architectures no supported family can express (linear mixers, mixed layer types).
 */
export function toHfConfig(arch: LlmArchitecture): Json {
  const mixers = arch.layers.map((l) => l.mixer);
  if (arch.layers.some((l) => !l.mixer || !l.mlp)) throw new HfConfigError('layers without a mixer or an MLP have no transformers config');
  if (mixers.some((m) => m!.kind === 'linear')) throw new HfConfigError('linear-time mixers (SSM / linear attention) have no config in the supported transformers families');
  const windows = new Set(mixers.map((m) => (m!.kind === 'sliding-window' ? m!.windowTokens : 0)));
  const allSliding = !windows.has(0);
  const anySliding = windows.size > 1 || allSliding;
  if (windows.size > 2 || (windows.size === 2 && !windows.has(0))) throw new HfConfigError('several different window sizes have no transformers config');
  const mlp = arch.mlp;
  const base: Json = {
    vocab_size: arch.vocabSize,
    hidden_size: arch.hiddenSize,
    num_hidden_layers: arch.layers.length,
    num_attention_heads: arch.heads,
    num_key_value_heads: arch.kvHeads,
    head_dim: arch.headDim,
    hidden_act: 'silu',
    max_position_embeddings: 32768,
    rms_norm_eps: 1e-6,
    rope_theta: 1000000,
    tie_word_embeddings: arch.tiedEmbeddings,
    torch_dtype: TORCH_DTYPE[arch.precision.weights],
  };
  if (!mlp.gated) throw new HfConfigError('plain (non-gated) MLPs have no config in the supported transformers families');
  const slidingFields = (): Json => {
    if (!anySliding) return { use_sliding_window: false, sliding_window: null };
    const window = [...windows].find((w) => w > 0)!;
    return { use_sliding_window: true, sliding_window: window, layer_types: mixers.map((m) => (m!.kind === 'sliding-window' ? 'sliding_attention' : 'full_attention')) };
  };
  if (mlp.kind === 'moe') {
    if (mlp.sharedExperts > 1) throw new HfConfigError('more than one shared expert has no transformers config');
    if (mlp.sharedExperts === 1 || arch.qkvBias) {
      if (!arch.qkvBias) throw new HfConfigError('Qwen2-MoE (shared experts) always has q/k/v bias');
      return { ...base, architectures: ['Qwen2MoeForCausalLM'], model_type: 'qwen2_moe', intermediate_size: mlp.expertIntermediateSize, moe_intermediate_size: mlp.expertIntermediateSize, shared_expert_intermediate_size: mlp.sharedIntermediateSize, num_experts: mlp.experts, num_experts_per_tok: mlp.activeExperts, decoder_sparse_step: 1, mlp_only_layers: [], norm_topk_prob: false, ...slidingFields() };
    }
    if (arch.qkNorm) return { ...base, architectures: ['Qwen3MoeForCausalLM'], model_type: 'qwen3_moe', intermediate_size: mlp.expertIntermediateSize, moe_intermediate_size: mlp.expertIntermediateSize, num_experts: mlp.experts, num_experts_per_tok: mlp.activeExperts, decoder_sparse_step: 1, mlp_only_layers: [], attention_bias: false, ...slidingFields() };
    return { ...base, architectures: ['MixtralForCausalLM'], model_type: 'mixtral', intermediate_size: mlp.expertIntermediateSize, num_local_experts: mlp.experts, num_experts_per_tok: mlp.activeExperts, sliding_window: anySliding ? [...windows].find((w) => w > 0) : null };
  }
  const dense = { ...base, intermediate_size: mlp.intermediateSize };
  if (arch.qkNorm) return { ...dense, architectures: ['Qwen3ForCausalLM'], model_type: 'qwen3', attention_bias: arch.qkvBias, ...slidingFields() };
  if (arch.qkvBias) return { ...dense, architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', ...slidingFields() };
  if (allSliding) return { ...dense, architectures: ['MistralForCausalLM'], model_type: 'mistral', sliding_window: [...windows][0] };
  if (anySliding) throw new HfConfigError('a mix of full and sliding-window layers without q/k/v bias or q/k norm has no transformers config');
  return { ...dense, architectures: ['LlamaForCausalLM'], model_type: 'llama', attention_bias: false, mlp_bias: false };
}
