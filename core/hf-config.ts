import type { DecoderLayer, LlmArchitecture, Mlp, MlpActivation, TokenMixer } from './architecture.js';
import type { Precision } from './precision.js';
import { mambaGroups, mambaHeadDim } from './params.js';
import { aboveLimit, SIZE_LIMITS } from './size-limits.js';

/*
 * Hugging Face config.json ⇄ LlmArchitecture, for the model types whose field names and modules hwnas knows.
 * Defaults are those of each transformers config class (e.g. tie_word_embeddings false — true for Gemma —,
 * num_key_value_heads = num_attention_heads). core/hf-params.ts counts the same configs module by module, as the
 * transformers modeling files build them, and the tests hold the two counts equal.
 */

export const HF_MODEL_TYPES = [
  'llama',
  'mistral',
  'ministral',
  'qwen2',
  'qwen3',
  'phi3',
  'gemma',
  'gemma2',
  'gemma3_text',
  'gemma3',
  'mixtral',
  'qwen2_moe',
  'qwen3_moe',
  'bamba',
  'nemotron_h',
] as const;
type HfModelType = (typeof HF_MODEL_TYPES)[number];

/** A config.json field that is missing or wrong, or an architecture no supported class represents exactly. */
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

/** transformers' activation names (ACT2FN keys) as hwnas's MLP activations. */
const ACTIVATIONS: Readonly<Record<string, MlpActivation>> = { silu: 'silu', swish: 'silu', gelu_pytorch_tanh: 'gelu-tanh', gelu_new: 'gelu-tanh', gelu: 'gelu-tanh', relu2: 'relu2' };
const HF_ACTIVATION: Readonly<Record<MlpActivation, string>> = { silu: 'silu', 'gelu-tanh': 'gelu_pytorch_tanh', relu2: 'relu2' };

/** Gemma3TextConfig's defaults: the text model of a multimodal Gemma 3 config often leaves fields out. */
const GEMMA3_TEXT_DEFAULTS: Json = { vocab_size: 262208, hidden_size: 2304, intermediate_size: 9216, num_hidden_layers: 26, num_attention_heads: 8, num_key_value_heads: 4, head_dim: 256, sliding_window: 4096, sliding_window_pattern: 6 };

const GEMMA = new Set<string>(['gemma', 'gemma2', 'gemma3_text']);

export function fromHfConfig(config: Json): LlmArchitecture {
  const modelType = config.model_type;
  if (typeof modelType !== 'string' || !(HF_MODEL_TYPES as readonly string[]).includes(modelType)) {
    throw new HfConfigError(`model_type: '${String(modelType)}' is not supported; valid: ${HF_MODEL_TYPES.join(', ')}`);
  }
  // A multimodal Gemma 3 (Gemma3ForConditionalGeneration): hwnas prices its text model.
  if (modelType === 'gemma3') {
    const text = (config.text_config ?? {}) as Json;
    return fromHfConfig({ ...GEMMA3_TEXT_DEFAULTS, ...text, model_type: 'gemma3_text', ...(config._name_or_path ? { _name_or_path: config._name_or_path } : {}), ...(config.torch_dtype ? { torch_dtype: config.torch_dtype } : {}) });
  }
  const cfg: Json = modelType === 'gemma3_text' ? { ...GEMMA3_TEXT_DEFAULTS, ...config } : config;
  const type = modelType as HfModelType;
  const d = field(cfg, 'hidden_size');
  const heads = field(cfg, 'num_attention_heads');
  const kvHeads = field(cfg, 'num_key_value_heads', heads);
  if (heads % kvHeads !== 0) throw new HfConfigError(`num_key_value_heads: ${kvHeads} does not divide num_attention_heads (${heads})`);
  const headDim = cfg.head_dim === undefined || cfg.head_dim === null ? (type === 'nemotron_h' ? 128 : d / heads) : field(cfg, 'head_dim');
  if (!Number.isInteger(headDim)) throw new HfConfigError(`head_dim: missing and hidden_size (${d}) is not a multiple of num_attention_heads (${heads})`);

  const actName = cfg.hidden_activation ?? cfg.hidden_act ?? (type === 'nemotron_h' ? (cfg.mlp_hidden_act ?? 'relu2') : GEMMA.has(type) ? 'gelu_pytorch_tanh' : 'silu');
  const activation = typeof actName === 'string' ? ACTIVATIONS[actName] : undefined;
  if (!activation) throw new HfConfigError(`hidden_act: '${String(actName)}' is not supported; valid: ${Object.keys(ACTIVATIONS).join(', ')}`);
  // Llama and Qwen3 (and Gemma) put attention_bias on o_proj too, which hwnas's qkvBias does not count.
  if (type !== 'qwen2' && type !== 'qwen2_moe' && flag(cfg, 'attention_bias', false)) throw new HfConfigError('attention_bias: true (a bias on q, k, v and o) is not supported');
  if (flag(cfg, 'mlp_bias', false)) throw new HfConfigError('mlp_bias: true is not supported');

  const mlp = mlpOf(cfg, type);
  if (mlp.kind === 'moe' && mlp.activeExperts > mlp.experts) throw new HfConfigError(`num_experts_per_tok: ${mlp.activeExperts} exceeds the number of experts (${mlp.experts})`);
  const layers = type === 'nemotron_h' ? nemotronLayers(cfg, d) : Array.from({ length: field(cfg, 'num_hidden_layers') }, (_, i): DecoderLayer => ({ mixer: mixerOf(cfg, type, i, d), mlp: true }));
  const dtypeName = cfg.torch_dtype ?? cfg.dtype;
  const p: Precision = (typeof dtypeName === 'string' ? DTYPES[dtypeName] : undefined) ?? 'bf16';
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
    tiedEmbeddings: flag(cfg, 'tie_word_embeddings', GEMMA.has(type)),
    // Qwen2 and Qwen2-MoE always put a bias on q, k, v (and not on o).
    qkvBias: type === 'qwen2' || type === 'qwen2_moe',
    qkNorm: type === 'qwen3' || type === 'qwen3_moe' || type === 'gemma3_text',
    ...(type === 'gemma2' || type === 'gemma3_text' ? { postNorms: true } : {}),
    ...(activation !== 'silu' ? { activation } : {}),
    precision: { weights: p, activations: p, kvCache: p },
  };
}

function mlpOf(cfg: Json, type: HfModelType): Mlp {
  if (type === 'mixtral') {
    return { kind: 'moe', experts: field(cfg, 'num_local_experts'), activeExperts: field(cfg, 'num_experts_per_tok'), expertIntermediateSize: field(cfg, 'intermediate_size'), sharedExperts: 0, sharedIntermediateSize: 0, gated: true };
  }
  if (type === 'qwen2_moe' || type === 'qwen3_moe') {
    const sparseStep = cfg.decoder_sparse_step ?? 1;
    const mlpOnly = cfg.mlp_only_layers ?? [];
    if (sparseStep !== 1 || (Array.isArray(mlpOnly) && mlpOnly.length > 0)) {
      throw new HfConfigError('decoder_sparse_step / mlp_only_layers: models that mix dense and MoE layers are not supported');
    }
    const shared = type === 'qwen2_moe' ? field(cfg, 'shared_expert_intermediate_size', 0 as unknown as number) : 0;
    return {
      kind: 'moe',
      experts: field(cfg, 'num_experts'),
      activeExperts: field(cfg, 'num_experts_per_tok'),
      expertIntermediateSize: field(cfg, 'moe_intermediate_size'),
      sharedExperts: shared > 0 ? 1 : 0,
      sharedIntermediateSize: shared,
      ...(shared > 0 ? { sharedExpertGate: true } : {}),
      gated: true,
    };
  }
  // Nemotron-H's MLP blocks have no gate: up_proj, squared ReLU, down_proj.
  return { kind: 'dense', intermediateSize: field(cfg, 'intermediate_size'), gated: type !== 'nemotron_h' };
}

/** Mamba-2 as Bamba's config describes it. */
function bambaMamba(cfg: Json, d: number): TokenMixer {
  const expand = field(cfg, 'mamba_expand', 2);
  const heads = field(cfg, 'mamba_n_heads', 128);
  const inner = expand * d;
  const headDim = cfg.mamba_d_head === undefined || cfg.mamba_d_head === 'auto' ? inner / heads : field(cfg, 'mamba_d_head');
  if (!Number.isInteger(headDim) || headDim * heads !== inner) throw new HfConfigError(`mamba_n_heads: ${heads} heads do not divide mamba_expand × hidden_size (${inner})`);
  if (field(cfg, 'mamba_d_conv', 4) !== 4) throw new HfConfigError('mamba_d_conv: only 4 (Mamba-2\'s default) is supported');
  if (!flag(cfg, 'mamba_conv_bias', true) || flag(cfg, 'mamba_proj_bias', false)) throw new HfConfigError('mamba_conv_bias / mamba_proj_bias: only the defaults (conv bias, no projection bias) are supported');
  return { kind: 'linear', variant: 'mamba2', stateSize: field(cfg, 'mamba_d_state', 256), expand, headDim, groups: field(cfg, 'mamba_n_groups', 1) };
}

function mixerOf(cfg: Json, type: HfModelType, layer: number, d: number): TokenMixer {
  if (type === 'bamba') {
    const attn = Array.isArray(cfg.attn_layer_indices) && (cfg.attn_layer_indices as unknown[]).includes(layer);
    return attn ? { kind: 'attention' } : bambaMamba(cfg, d);
  }
  const window = cfg.sliding_window;
  const sliding = (): TokenMixer => ({ kind: 'sliding-window', windowTokens: field(cfg, 'sliding_window') });
  if (Array.isArray(cfg.layer_types)) {
    const kind = cfg.layer_types[layer];
    if (kind === 'sliding_attention') return sliding();
    if (kind !== 'full_attention') throw new HfConfigError(`layer_types[${layer}]: unsupported '${String(kind)}'`);
    return { kind: 'attention' };
  }
  // Gemma 2: every other layer slides, the first included; Gemma 3: all but every sliding_window_pattern-th.
  if (type === 'gemma2') return layer % 2 === 0 ? sliding() : { kind: 'attention' };
  if (type === 'gemma3_text') {
    const pattern = field(cfg, 'sliding_window_pattern', field(cfg, '_sliding_window_pattern', 6));
    return (layer + 1) % pattern !== 0 ? sliding() : { kind: 'attention' };
  }
  if (window === undefined || window === null) return { kind: 'attention' };
  if (type === 'mistral' || type === 'mixtral' || type === 'ministral' || type === 'phi3') return sliding();
  // Qwen2-style: sliding windows only when enabled, on layers from max_window_layers on.
  if (flag(cfg, 'use_sliding_window', false) && layer >= field(cfg, 'max_window_layers', 0 as unknown as number)) return sliding();
  return { kind: 'attention' };
}

/**
 * Nemotron-H's blocks (M: Mamba-2, *: attention, -: MLP, each after its own norm) as hwnas layers: a mixer block
 * followed by an MLP block is one layer with both (two norms either way), so the pattern round-trips.
 */
function nemotronLayers(cfg: Json, d: number): DecoderLayer[] {
  const pattern = cfg.hybrid_override_pattern;
  if (typeof pattern !== 'string' || !/^[M*\-E]+$/.test(pattern)) throw new HfConfigError(`hybrid_override_pattern: expected a string of M, *, - and E, got ${JSON.stringify(pattern)}`);
  if (pattern.includes('E')) throw new HfConfigError('hybrid_override_pattern: MoE blocks (E) are not supported');
  const heads = field(cfg, 'mamba_num_heads', 128);
  const headDim = field(cfg, 'mamba_head_dim', 64);
  if (field(cfg, 'conv_kernel', 4) !== 4) throw new HfConfigError("conv_kernel: only 4 (Mamba-2's default) is supported");
  if (!flag(cfg, 'use_conv_bias', true) || flag(cfg, 'use_bias', false)) throw new HfConfigError('use_conv_bias / use_bias: only the defaults (conv bias, no projection bias) are supported');
  const mamba: TokenMixer = { kind: 'linear', variant: 'mamba2', stateSize: field(cfg, 'ssm_state_size', 128), expand: (heads * headDim) / d, headDim, groups: field(cfg, 'n_groups', 8) };
  const attention: TokenMixer = { kind: 'attention' };
  const layers: DecoderLayer[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '-') {
      layers.push({ mixer: null, mlp: true });
      continue;
    }
    const withMlp = pattern[i + 1] === '-';
    layers.push({ mixer: c === 'M' ? mamba : attention, mlp: withMlp });
    if (withMlp) i++;
  }
  return layers;
}

const TORCH_DTYPE: Record<Precision, string> = { fp32: 'float32', fp16: 'float16', bf16: 'bfloat16', int8: 'bfloat16', int4: 'bfloat16' };

/** The one value of a list, or an error naming what differs. */
function single<T>(values: readonly T[], what: string): T {
  const set = new Set(values.map((v) => JSON.stringify(v)));
  if (set.size > 1) throw new HfConfigError(`${what} differ between layers: no transformers class takes one per layer`);
  return values[0];
}

/**
 * A config.json that transformers builds exactly this architecture from — the same modules, so the same
 * parameter count (core/hf-params.ts checks it) — in the class the architecture needs: Llama, Mistral (every
 * layer sliding), Ministral (sliding and full layers), Qwen2 (q/k/v bias), Qwen3 (q/k norms), Gemma 2 and 3
 * (post-norms), Mixtral, Qwen2-MoE and Qwen3-MoE (experts), Bamba (Mamba-2 and attention layers, each with a
 * gated MLP), Nemotron-H (Mamba-2, attention and plain-MLP blocks). Throws HfConfigError, saying why, for an
 * architecture no class represents exactly (DeltaNet layers, say).
 */
export function toHfConfig(arch: LlmArchitecture): Json {
  const mixers = arch.layers.map((l) => l.mixer).filter((m): m is TokenMixer => m !== null);
  const linear = mixers.filter((m): m is Extract<TokenMixer, { kind: 'linear' }> => m.kind === 'linear');
  const mlp = arch.mlp;
  const activation = arch.activation ?? 'silu';
  const windows = new Set(mixers.map((m) => (m.kind === 'sliding-window' ? m.windowTokens : 0)));
  const anySliding = [...windows].some((w) => w > 0);
  if ([...windows].filter((w) => w > 0).length > 1) throw new HfConfigError('several different window sizes: transformers classes take one sliding_window');
  const window = [...windows].find((w) => w > 0);
  const base: Json = {
    vocab_size: arch.vocabSize,
    hidden_size: arch.hiddenSize,
    num_hidden_layers: arch.layers.length,
    num_attention_heads: arch.heads,
    num_key_value_heads: arch.kvHeads,
    head_dim: arch.headDim,
    hidden_act: HF_ACTIVATION[activation],
    max_position_embeddings: 32768,
    rms_norm_eps: 1e-6,
    rope_theta: 1000000,
    tie_word_embeddings: arch.tiedEmbeddings,
    torch_dtype: TORCH_DTYPE[arch.precision.weights],
  };
  const linearReason = linear.find((m) => m.variant !== 'mamba2');
  if (linearReason) {
    throw new HfConfigError(
      linearReason.variant === 'deltanet'
        ? "DeltaNet layers: no transformers class has hwnas's DeltaNet (q, k, v, o, β, short convolutions); Qwen3-Next's Gated DeltaNet adds an output gate and a decay per head, and its attention layers are gated"
        : 'linear-attention layers: no transformers class has them',
    );
  }
  if (linear.length > 0 || arch.layers.some((l) => !l.mixer || !l.mlp)) return hybridConfig(arch, base, linear, anySliding);
  if (!mlp.gated) throw new HfConfigError('a plain (non-gated) MLP in every layer: only Nemotron-H has a plain MLP, as blocks of their own; every layer here has attention');

  // transformers' per-layer attention kinds (Qwen2/3, Gemma 2/3, Ministral).
  const layerTypes = mixers.map((m) => (m.kind === 'sliding-window' ? 'sliding_attention' : 'full_attention'));
  const slidingFields = (): Json => (anySliding ? { use_sliding_window: true, sliding_window: window, layer_types: layerTypes } : { use_sliding_window: false, sliding_window: null });
  if (arch.postNorms) {
    if (mlp.kind !== 'dense') throw new HfConfigError('post-norms with experts: no transformers class has both');
    if (arch.qkvBias) throw new HfConfigError('post-norms with a q/k/v bias: Gemma puts attention_bias on o_proj too');
    const type = arch.qkNorm ? 'gemma3_text' : 'gemma2';
    return {
      ...base,
      hidden_act: undefined,
      hidden_activation: HF_ACTIVATION[activation],
      architectures: [arch.qkNorm ? 'Gemma3ForCausalLM' : 'Gemma2ForCausalLM'],
      model_type: type,
      intermediate_size: mlp.intermediateSize,
      attention_bias: false,
      query_pre_attn_scalar: arch.headDim,
      sliding_window: window ?? null,
      layer_types: layerTypes,
    };
  }
  if (mlp.kind === 'moe') {
    if (mlp.sharedExperts > 1) throw new HfConfigError('more than one shared expert: no transformers class has several');
    if (mlp.sharedExperts === 1 || arch.qkvBias) {
      if (!arch.qkvBias) throw new HfConfigError('a shared expert without a q/k/v bias: Qwen2-MoE (the class with a shared expert) always has one');
      return { ...base, architectures: ['Qwen2MoeForCausalLM'], model_type: 'qwen2_moe', intermediate_size: mlp.expertIntermediateSize, moe_intermediate_size: mlp.expertIntermediateSize, shared_expert_intermediate_size: mlp.sharedIntermediateSize, num_experts: mlp.experts, num_experts_per_tok: mlp.activeExperts, decoder_sparse_step: 1, mlp_only_layers: [], norm_topk_prob: false, ...slidingFields() };
    }
    if (arch.qkNorm) return { ...base, architectures: ['Qwen3MoeForCausalLM'], model_type: 'qwen3_moe', intermediate_size: mlp.expertIntermediateSize, moe_intermediate_size: mlp.expertIntermediateSize, num_experts: mlp.experts, num_experts_per_tok: mlp.activeExperts, decoder_sparse_step: 1, mlp_only_layers: [], attention_bias: false, ...slidingFields() };
    if (anySliding && windows.has(0)) throw new HfConfigError('experts with a mix of full and sliding-window layers: Mixtral slides every layer or none');
    return { ...base, architectures: ['MixtralForCausalLM'], model_type: 'mixtral', intermediate_size: mlp.expertIntermediateSize, num_local_experts: mlp.experts, num_experts_per_tok: mlp.activeExperts, sliding_window: window ?? null };
  }
  const dense = { ...base, intermediate_size: mlp.intermediateSize };
  if (arch.qkNorm) return { ...dense, architectures: ['Qwen3ForCausalLM'], model_type: 'qwen3', attention_bias: false, ...slidingFields() };
  if (arch.qkvBias) return { ...dense, architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', ...slidingFields() };
  if (anySliding && !windows.has(0)) return { ...dense, architectures: ['MistralForCausalLM'], model_type: 'mistral', sliding_window: window };
  if (anySliding) return { ...dense, architectures: ['MinistralForCausalLM'], model_type: 'ministral', sliding_window: window, layer_types: layerTypes };
  return { ...dense, architectures: ['LlamaForCausalLM'], model_type: 'llama', attention_bias: false, mlp_bias: false };
}

/** Mamba-2 and attention layers, or layers with a mixer or an MLP alone: Bamba or Nemotron-H, when one fits exactly. */
function hybridConfig(arch: LlmArchitecture, base: Json, mamba: readonly Extract<TokenMixer, { kind: 'linear' }>[], anySliding: boolean): Json {
  const mlp = arch.mlp;
  if (anySliding) throw new HfConfigError('sliding-window layers beside Mamba-2 or mixer-only layers: Bamba and Nemotron-H attend over the whole context');
  if (mlp.kind !== 'dense') throw new HfConfigError('experts in a hybrid: not supported');
  if (arch.qkNorm || arch.qkvBias || arch.postNorms) throw new HfConfigError('q/k norms, a q/k/v bias or post-norms in a hybrid: neither Bamba nor Nemotron-H has them');
  const m = mamba.length > 0 ? single(mamba.map((x) => ({ stateSize: x.stateSize, expand: x.expand, headDim: mambaHeadDim(arch, x), groups: mambaGroups(x) })), 'Mamba-2 settings') : undefined;
  const inner = m ? m.expand * arch.hiddenSize : 0;
  if (m && (!Number.isInteger(inner) || inner % m.headDim !== 0)) throw new HfConfigError(`Mamba-2 width ${inner} is not a whole number of ${m.headDim}-channel heads`);
  const everyLayerBoth = arch.layers.every((l) => l.mixer && l.mlp);
  if (everyLayerBoth && mlp.gated) {
    if (!m || !Number.isInteger(m.expand)) throw new HfConfigError('Bamba needs a whole-number Mamba-2 expansion');
    return {
      ...base,
      architectures: ['BambaForCausalLM'],
      model_type: 'bamba',
      intermediate_size: mlp.intermediateSize,
      attn_layer_indices: arch.layers.flatMap((l, i) => (l.mixer!.kind === 'attention' ? [i] : [])),
      mamba_n_heads: inner / m.headDim,
      mamba_d_head: m.headDim,
      mamba_n_groups: m.groups,
      mamba_d_state: m.stateSize,
      mamba_d_conv: 4,
      mamba_expand: m.expand,
      mamba_conv_bias: true,
      mamba_proj_bias: false,
    };
  }
  if (mlp.gated && arch.layers.some((l) => l.mlp)) {
    throw new HfConfigError(
      "mixer-only or MLP-only layers with a gated (SwiGLU) MLP: Nemotron-H has such blocks but its MLP has no gate (up, squared ReLU, down), and Bamba needs a mixer and an MLP in every layer",
    );
  }
  // Nemotron-H: one block per mixer and per MLP, each after its own norm (the same norms as hwnas's layers).
  const pattern = arch.layers.map((l) => (l.mixer ? (l.mixer.kind === 'attention' ? '*' : 'M') : '') + (l.mlp ? '-' : '')).join('');
  return {
    ...base,
    hidden_act: undefined,
    architectures: ['NemotronHForCausalLM'],
    model_type: 'nemotron_h',
    num_hidden_layers: pattern.length,
    hybrid_override_pattern: pattern,
    intermediate_size: mlp.intermediateSize,
    mlp_hidden_act: HF_ACTIVATION[arch.activation ?? 'relu2'],
    mlp_bias: false,
    attention_bias: false,
    ...(m ? { mamba_num_heads: inner / m.headDim, mamba_head_dim: m.headDim, ssm_state_size: m.stateSize, n_groups: m.groups, conv_kernel: 4, expand: m.expand, use_conv_bias: true, use_bias: false } : {}),
    layer_norm_epsilon: 1e-5,
  };
}
