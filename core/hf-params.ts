/**
 * The parameter count of the model transformers builds from a config.json, summed module by module as each
 * family's modeling file defines its modules (nn.Embedding, nn.Linear with or without bias, RMSNorm weights,
 * Mamba2's conv1d, dt_bias, A_log and D) — written from those definitions, independently of hwnas's own
 * architecture and counter (core/params.ts), so that each checks the other. Config defaults are the config
 * classes' own. An unknown model type, or a field this count does not model, is an error rather than a guess.
 */

type Json = Record<string, unknown>;

export class HfParamsError extends Error {
  override readonly name = 'HfParamsError';
}

const num = (cfg: Json, key: string, fallback?: number): number => {
  const v = cfg[key] ?? fallback;
  if (typeof v !== 'number') throw new HfParamsError(`${key}: expected a number, got ${JSON.stringify(v)}`);
  return v;
};
const bool = (cfg: Json, key: string, fallback: boolean): boolean => (typeof cfg[key] === 'boolean' ? (cfg[key] as boolean) : fallback);

/** nn.Linear(in, out, bias). */
const linear = (inF: number, outF: number, bias = false) => inF * outF + (bias ? outF : 0);

/** q_proj, k_proj, v_proj, o_proj as LlamaAttention builds them; biases per family. */
function attention(cfg: Json, opts: { qkvBias: boolean; oBias: boolean; qkNorm: boolean }): number {
  const d = num(cfg, 'hidden_size');
  const heads = num(cfg, 'num_attention_heads');
  const kv = num(cfg, 'num_key_value_heads', heads);
  const hd = cfg.head_dim === undefined || cfg.head_dim === null ? d / heads : num(cfg, 'head_dim');
  return linear(d, heads * hd, opts.qkvBias) + 2 * linear(d, kv * hd, opts.qkvBias) + linear(heads * hd, d, opts.oBias) + (opts.qkNorm ? 2 * hd : 0);
}

/** gate_proj, up_proj, down_proj (LlamaMLP; Phi3's fused gate_up_proj has the same count). */
const gatedMlp = (d: number, i: number, bias = false) => 2 * linear(d, i, bias) + linear(i, d, bias);

/** Mamba2 mixer (BambaMixer, NemotronHMamba2Mixer): in_proj, depthwise conv1d, dt_bias, A_log, D, gated norm, out_proj. */
function mamba2(d: number, o: { heads: number; headDim: number; state: number; groups: number; kernel: number; convBias: boolean; projBias: boolean }): number {
  const inner = o.heads * o.headDim;
  const convDim = inner + 2 * o.groups * o.state;
  return linear(d, inner + convDim + o.heads, o.projBias) + convDim * o.kernel + (o.convBias ? convDim : 0) + 3 * o.heads + inner + linear(inner, d, o.projBias);
}

const GEMMA3_TEXT_DEFAULTS: Json = { vocab_size: 262208, hidden_size: 2304, intermediate_size: 9216, num_hidden_layers: 26, num_attention_heads: 8, num_key_value_heads: 4, head_dim: 256, tie_word_embeddings: true };

/** Total parameters of the causal LM transformers builds from `cfg` (a multimodal Gemma 3: its text model). */
export function hfParamCount(config: Json): number {
  const cfg: Json = config.model_type === 'gemma3' ? { ...GEMMA3_TEXT_DEFAULTS, ...((config.text_config as Json | undefined) ?? {}), model_type: 'gemma3_text' } : config.model_type === 'gemma3_text' ? { ...GEMMA3_TEXT_DEFAULTS, ...config } : config;
  const type = String(cfg.model_type);
  const d = num(cfg, 'hidden_size');
  const V = num(cfg, 'vocab_size');
  const gemma = type === 'gemma' || type === 'gemma2' || type === 'gemma3_text';
  const tied = bool(cfg, 'tie_word_embeddings', gemma);
  const embeddings = V * d * (tied ? 1 : 2);
  const finalNorm = d;
  const attnBias = bool(cfg, 'attention_bias', false);
  let layers = 0;
  const L = type === 'nemotron_h' ? 0 : num(cfg, 'num_hidden_layers');
  switch (type) {
    case 'llama':
    case 'mistral':
    case 'ministral':
    case 'qwen3': {
      if (type === 'llama' && bool(cfg, 'mlp_bias', false)) throw new HfParamsError('mlp_bias: not modelled');
      // Mistral and Ministral have no attention_bias; Llama and Qwen3 put it on q, k, v and o.
      const bias = type === 'llama' || type === 'qwen3' ? attnBias : false;
      layers = L * (attention(cfg, { qkvBias: bias, oBias: bias, qkNorm: type === 'qwen3' }) + gatedMlp(d, num(cfg, 'intermediate_size')) + 2 * d);
      break;
    }
    case 'qwen2':
      layers = L * (attention(cfg, { qkvBias: true, oBias: false, qkNorm: false }) + gatedMlp(d, num(cfg, 'intermediate_size')) + 2 * d);
      break;
    case 'phi3':
      // qkv_proj (d → (H + 2·KV)·hd) and o_proj without bias; gate_up_proj (d → 2I) and down_proj.
      layers = L * (attention(cfg, { qkvBias: false, oBias: false, qkNorm: false }) + gatedMlp(d, num(cfg, 'intermediate_size')) + 2 * d);
      break;
    case 'gemma':
    case 'gemma2':
    case 'gemma3_text': {
      // Gemma 2 and 3: input, post_attention, pre_feedforward and post_feedforward norms; Gemma 3 adds q/k norms.
      const norms = type === 'gemma' ? 2 : 4;
      layers = L * (attention(cfg, { qkvBias: attnBias, oBias: attnBias, qkNorm: type === 'gemma3_text' }) + gatedMlp(d, num(cfg, 'intermediate_size')) + norms * d);
      break;
    }
    case 'mixtral': {
      const E = num(cfg, 'num_local_experts');
      layers = L * (attention(cfg, { qkvBias: false, oBias: false, qkNorm: false }) + linear(d, E) + E * gatedMlp(d, num(cfg, 'intermediate_size')) + 2 * d);
      break;
    }
    case 'qwen2_moe':
    case 'qwen3_moe': {
      if (num(cfg, 'decoder_sparse_step', 1) !== 1 || (Array.isArray(cfg.mlp_only_layers) && cfg.mlp_only_layers.length > 0)) throw new HfParamsError('dense layers among MoE layers: not modelled');
      const E = num(cfg, 'num_experts');
      const experts = linear(d, E) + E * gatedMlp(d, num(cfg, 'moe_intermediate_size'));
      const shared = type === 'qwen2_moe' ? gatedMlp(d, num(cfg, 'shared_expert_intermediate_size')) + linear(d, 1) : 0;
      const attn = type === 'qwen2_moe' ? attention(cfg, { qkvBias: true, oBias: false, qkNorm: false }) : attention(cfg, { qkvBias: attnBias, oBias: attnBias, qkNorm: true });
      layers = L * (attn + experts + shared + 2 * d);
      break;
    }
    case 'bamba': {
      const inner = num(cfg, 'mamba_expand', 2) * d;
      const heads = num(cfg, 'mamba_n_heads', 128);
      const headDim = cfg.mamba_d_head === undefined || cfg.mamba_d_head === 'auto' ? inner / heads : num(cfg, 'mamba_d_head');
      const mixer = mamba2(d, { heads, headDim, state: num(cfg, 'mamba_d_state', 256), groups: num(cfg, 'mamba_n_groups', 1), kernel: num(cfg, 'mamba_d_conv', 4), convBias: bool(cfg, 'mamba_conv_bias', true), projBias: bool(cfg, 'mamba_proj_bias', false) });
      const attn = attention(cfg, { qkvBias: false, oBias: false, qkNorm: false });
      const attnLayers = new Set(Array.isArray(cfg.attn_layer_indices) ? (cfg.attn_layer_indices as number[]) : []);
      for (let i = 0; i < L; i++) layers += (attnLayers.has(i) ? attn : mixer) + gatedMlp(d, num(cfg, 'intermediate_size')) + 2 * d;
      break;
    }
    case 'nemotron_h': {
      const pattern = typeof cfg.hybrid_override_pattern === 'string' ? cfg.hybrid_override_pattern : null;
      if (pattern === null) throw new HfParamsError('hybrid_override_pattern: required');
      const mixer = mamba2(d, { heads: num(cfg, 'mamba_num_heads', 128), headDim: num(cfg, 'mamba_head_dim', 64), state: num(cfg, 'ssm_state_size', 128), groups: num(cfg, 'n_groups', 8), kernel: num(cfg, 'conv_kernel', 4), convBias: bool(cfg, 'use_conv_bias', true), projBias: bool(cfg, 'use_bias', false) });
      // NemotronHAttention: q, k, v, o without bias; head_dim defaults to 128.
      const attn = attention({ ...cfg, head_dim: num(cfg, 'head_dim', 128) }, { qkvBias: false, oBias: false, qkNorm: false });
      const mlpBias = bool(cfg, 'mlp_bias', false);
      const mlp = linear(d, num(cfg, 'intermediate_size'), mlpBias) + linear(num(cfg, 'intermediate_size'), d, mlpBias);
      for (const c of pattern) {
        const block = c === 'M' ? mixer : c === '*' ? attn : c === '-' ? mlp : NaN;
        if (Number.isNaN(block)) throw new HfParamsError(`hybrid_override_pattern: block '${c}' not modelled`);
        layers += block + d; // each block: its norm, then its mixer
      }
      break;
    }
    default:
      throw new HfParamsError(`model_type '${type}': not modelled`);
  }
  return embeddings + layers + finalNorm;
}
