import { describe, expect, it } from 'vitest';
import { uniformLayers } from '../../core/architecture.js';
import { fromHfConfig, HfConfigError, toHfConfig } from '../../core/hf-config.js';
import { countParams } from '../../core/params.js';
import { hfParamCount } from '../../core/hf-params.js';
import { createRng } from '../../core/rng.js';
import { llmHybridSpace } from '../../core/spaces/llm-hybrid.js';
import { PRESETS } from '../../core/presets.js';

// Fields as published in each model's config.json.
const QWEN25_05B = {
  architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', hidden_act: 'silu', hidden_size: 896, intermediate_size: 4864,
  max_window_layers: 24, num_attention_heads: 14, num_hidden_layers: 24, num_key_value_heads: 2, sliding_window: 32768,
  tie_word_embeddings: true, torch_dtype: 'bfloat16', use_sliding_window: false, vocab_size: 151936,
};
const LLAMA32_1B = {
  architectures: ['LlamaForCausalLM'], model_type: 'llama', attention_bias: false, head_dim: 64, hidden_act: 'silu', hidden_size: 2048,
  intermediate_size: 8192, mlp_bias: false, num_attention_heads: 32, num_hidden_layers: 16, num_key_value_heads: 8,
  tie_word_embeddings: true, torch_dtype: 'bfloat16', vocab_size: 128256,
};
const MIXTRAL = {
  model_type: 'mixtral', hidden_size: 4096, intermediate_size: 14336, num_attention_heads: 32, num_hidden_layers: 32,
  num_key_value_heads: 8, num_local_experts: 8, num_experts_per_tok: 2, vocab_size: 32000, sliding_window: null, torch_dtype: 'bfloat16',
};
// Qwen1.5-MoE-A2.7B, published as 14.3B parameters in total.
const QWEN15_MOE = {
  model_type: 'qwen2_moe', hidden_size: 2048, intermediate_size: 5632, moe_intermediate_size: 1408, shared_expert_intermediate_size: 5632,
  num_attention_heads: 16, num_key_value_heads: 16, num_hidden_layers: 24, num_experts: 60, num_experts_per_tok: 4, vocab_size: 151936,
  decoder_sparse_step: 1, tie_word_embeddings: false, use_sliding_window: false, sliding_window: 32768, max_window_layers: 21, torch_dtype: 'bfloat16',
};

describe('Hugging Face config.json', () => {
  it('reads real configs to the published parameter totals', () => {
    expect(countParams(fromHfConfig(QWEN25_05B)).total).toBe(494_032_768);
    expect(countParams(fromHfConfig(LLAMA32_1B)).total).toBe(1_235_814_400);
    expect(countParams(fromHfConfig(MIXTRAL)).total).toBe(countParams(PRESETS['mixtral-8x7b']).total);
    expect(countParams(fromHfConfig(QWEN15_MOE)).total / 1e9).toBeCloseTo(14.3, 1);
    expect(fromHfConfig(QWEN25_05B).qkvBias).toBe(true);
    expect(fromHfConfig(QWEN25_05B).precision.weights).toBe('bf16');
  });

  it('names the bad field', () => {
    expect(() => fromHfConfig({ ...LLAMA32_1B, num_key_value_heads: 3 })).toThrow(/num_key_value_heads: 3 does not divide/);
    expect(() => fromHfConfig({ ...LLAMA32_1B, hidden_size: -1 })).toThrow(/hidden_size: expected a positive integer/);
    expect(() => fromHfConfig({ ...LLAMA32_1B, model_type: 'gpt2' })).toThrow(HfConfigError);
  });

  it('Mistral-style sliding windows apply to every layer', () => {
    const m = fromHfConfig({ ...LLAMA32_1B, model_type: 'mistral', sliding_window: 4096 });
    expect(m.layers.every((l) => l.mixer?.kind === 'sliding-window')).toBe(true);
  });

  it('round-trips every preset and a sliding-window Qwen3 with the same parameter count', () => {
    const archs = [...Object.values(PRESETS), { ...PRESETS['qwen3-0.6b'], layers: [...uniformLayers(20), ...uniformLayers(8, { kind: 'sliding-window', windowTokens: 512 })] }];
    for (const arch of archs) {
      const back = fromHfConfig(JSON.parse(JSON.stringify(toHfConfig(arch))));
      expect(countParams(back), arch.name).toEqual(countParams(arch));
      expect(back.layers.map((l) => l.mixer?.kind)).toEqual(arch.layers.map((l) => l.mixer?.kind));
    }
  });

  it('refuses architectures no supported class represents exactly, saying why', () => {
    const deltanet = { ...PRESETS['llama-3.2-1b'], layers: uniformLayers(4, { kind: 'linear', variant: 'deltanet', stateSize: 64, expand: 1 }) } as const;
    expect(() => toHfConfig(deltanet)).toThrow(/DeltaNet layers: no transformers class has hwnas's DeltaNet .*Qwen3-Next's Gated DeltaNet adds an output gate/);
    const ffnOnly = { ...PRESETS['llama-3.2-1b'], layers: [...uniformLayers(2), { mixer: null, mlp: true }] } as const;
    expect(() => toHfConfig(ffnOnly)).toThrow(/Nemotron-H has such blocks but its MLP has no gate/);
  });
});

// Published config.json fields (the ones that set the parameter count) and published parameter totals.
const PHI3_MINI_4K = { model_type: 'phi3', hidden_size: 3072, intermediate_size: 8192, num_attention_heads: 32, num_hidden_layers: 32, num_key_value_heads: 32, vocab_size: 32064, tie_word_embeddings: false, hidden_act: 'silu', sliding_window: 2047, torch_dtype: 'bfloat16' };
const GEMMA_2B = { model_type: 'gemma', hidden_size: 2048, intermediate_size: 16384, num_attention_heads: 8, num_hidden_layers: 18, num_key_value_heads: 1, head_dim: 256, vocab_size: 256000, hidden_act: 'gelu', torch_dtype: 'bfloat16' };
const GEMMA2_2B = { model_type: 'gemma2', hidden_size: 2304, intermediate_size: 9216, num_attention_heads: 8, num_hidden_layers: 26, num_key_value_heads: 4, head_dim: 256, vocab_size: 256000, hidden_activation: 'gelu_pytorch_tanh', sliding_window: 4096, torch_dtype: 'float32' };
const GEMMA2_9B = { ...GEMMA2_2B, hidden_size: 3584, intermediate_size: 14336, num_attention_heads: 16, num_hidden_layers: 42, num_key_value_heads: 8 };
const GEMMA3_1B = { model_type: 'gemma3_text', hidden_size: 1152, intermediate_size: 6912, num_attention_heads: 4, num_hidden_layers: 26, num_key_value_heads: 1, head_dim: 256, vocab_size: 262144, sliding_window: 512, sliding_window_pattern: 6, torch_dtype: 'bfloat16' };
const GEMMA3_270M = { ...GEMMA3_1B, hidden_size: 640, intermediate_size: 2048, num_hidden_layers: 18 };
const QWEN3_30B_A3B = { model_type: 'qwen3_moe', hidden_size: 2048, intermediate_size: 6144, moe_intermediate_size: 768, num_attention_heads: 32, num_hidden_layers: 48, num_key_value_heads: 4, head_dim: 128, num_experts: 128, num_experts_per_tok: 8, vocab_size: 151936, tie_word_embeddings: false, decoder_sparse_step: 1, mlp_only_layers: [], attention_bias: false };
const MINISTRAL_8B = { model_type: 'ministral', hidden_size: 4096, intermediate_size: 12288, num_attention_heads: 32, num_hidden_layers: 36, num_key_value_heads: 8, head_dim: 128, vocab_size: 131072, sliding_window: 32768, layer_types: Array.from({ length: 36 }, (_, i) => (i % 4 === 3 ? 'full_attention' : 'sliding_attention')) };
const BAMBA_9B = { model_type: 'bamba', hidden_size: 4096, intermediate_size: 14336, num_attention_heads: 32, num_hidden_layers: 32, num_key_value_heads: 8, vocab_size: 128256, attn_layer_indices: [9, 18, 27], mamba_n_heads: 128, mamba_d_head: 64, mamba_n_groups: 1, mamba_d_state: 128, mamba_d_conv: 4, mamba_expand: 2, tie_word_embeddings: false };

describe('more model types, counted as transformers builds them', () => {
  it.each([
    ['Phi-3-mini-4k', PHI3_MINI_4K, 3_821_079_552],
    ['Gemma-2B', GEMMA_2B, 2_506_172_416],
    ['Gemma-2-2B', GEMMA2_2B, 2_614_341_888],
    ['Gemma-2-9B', GEMMA2_9B, 9_241_705_984],
    ['Gemma-3-1B', GEMMA3_1B, 999_885_952],
    ['Gemma-3-270M', GEMMA3_270M, 268_098_176],
    ['Qwen3-30B-A3B', QWEN3_30B_A3B, 30_532_122_624],
    ['Ministral-8B', MINISTRAL_8B, 8_019_808_256],
    ['Llama-3.2-1B', LLAMA32_1B, 1_235_814_400],
    ['Qwen2.5-0.5B', QWEN25_05B, 494_032_768],
  ])('%s: the published total, from the modules transformers builds and from hwnas', (_name, cfg, total) => {
    expect(hfParamCount(cfg)).toBe(total);
    expect(countParams(fromHfConfig(cfg)).total).toBe(total);
  });

  it('Bamba-9B (Mamba-2 with attention every 9th layer): 9.78B published, both counts agree', () => {
    expect(hfParamCount(BAMBA_9B) / 1e9).toBeCloseTo(9.78, 2);
    expect(countParams(fromHfConfig(BAMBA_9B)).total).toBe(hfParamCount(BAMBA_9B));
    const layers = fromHfConfig(BAMBA_9B).layers;
    expect(layers.map((l, i) => (l.mixer?.kind === 'attention' ? i : -1)).filter((i) => i >= 0)).toEqual([9, 18, 27]);
    expect(layers[0].mixer).toEqual({ kind: 'linear', variant: 'mamba2', stateSize: 128, expand: 2, headDim: 64, groups: 1 });
  });

  it('reads each family\'s sliding-window layout, post-norms, q/k norms and activation', () => {
    const g2 = fromHfConfig(GEMMA2_2B);
    expect(g2.layers.slice(0, 3).map((l) => l.mixer?.kind)).toEqual(['sliding-window', 'attention', 'sliding-window']);
    expect([g2.postNorms, g2.qkNorm, g2.activation, g2.tiedEmbeddings]).toEqual([true, false, 'gelu-tanh', true]);
    const g3 = fromHfConfig(GEMMA3_1B);
    expect(g3.layers.slice(0, 6).map((l) => l.mixer?.kind)).toEqual([...new Array(5).fill('sliding-window'), 'attention']);
    expect([g3.postNorms, g3.qkNorm]).toEqual([true, true]);
    expect(fromHfConfig(PHI3_MINI_4K).layers.every((l) => l.mixer?.kind === 'sliding-window' && l.mixer.windowTokens === 2047)).toBe(true);
    // A multimodal Gemma 3: its text model, with Gemma3TextConfig's defaults for the fields left out.
    const g3mm = fromHfConfig({ model_type: 'gemma3', text_config: { hidden_size: 2560, intermediate_size: 10240, num_hidden_layers: 34, num_attention_heads: 8, num_key_value_heads: 4, sliding_window: 1024 } });
    expect([g3mm.vocabSize, g3mm.headDim, g3mm.layers.length]).toEqual([262208, 256, 34]);
  });

  it('reads Nemotron-H block patterns (M, *, -) and round-trips them', () => {
    const cfg = { model_type: 'nemotron_h', hidden_size: 1024, intermediate_size: 4096, num_attention_heads: 8, num_key_value_heads: 2, head_dim: 128, vocab_size: 32000, hybrid_override_pattern: 'M-M-*-M-M*--', mamba_num_heads: 32, mamba_head_dim: 64, ssm_state_size: 128, n_groups: 8 };
    const arch = fromHfConfig(cfg);
    expect(arch.layers.map((l) => `${l.mixer ? (l.mixer.kind === 'attention' ? '*' : 'M') : ''}${l.mlp ? '-' : ''}`)).toEqual(['M-', 'M-', '*-', 'M-', 'M', '*-', '-']);
    expect(countParams(arch).total).toBe(hfParamCount(cfg));
    const back = toHfConfig(arch);
    expect(back.hybrid_override_pattern).toBe(cfg.hybrid_override_pattern);
    expect(hfParamCount(back)).toBe(hfParamCount(cfg));
  });
});

describe('llm-hybrid candidates in transformers classes', () => {
  it('every candidate a class represents exactly is exported with the same parameter count transformers builds; the others say why', () => {
    const rng = createRng(7);
    const seen = new Map<string, number>();
    for (let i = 0; i < 600; i++) {
      const arch = llmHybridSpace.decode(llmHybridSpace.sample(rng));
      let cfg: Record<string, unknown>;
      try {
        cfg = toHfConfig(arch);
      } catch (error) {
        expect(error).toBeInstanceOf(HfConfigError);
        const why = (error as Error).message.split(':')[0];
        seen.set(why, (seen.get(why) ?? 0) + 1);
        continue;
      }
      seen.set(String(cfg.model_type), (seen.get(String(cfg.model_type)) ?? 0) + 1);
      expect(hfParamCount(JSON.parse(JSON.stringify(cfg))), arch.name).toBe(countParams(arch).total);
      const back = fromHfConfig(JSON.parse(JSON.stringify(cfg)));
      expect(countParams(back)).toEqual(countParams(arch));
      expect(back.layers.map((l) => [l.mixer?.kind ?? null, l.mlp])).toEqual(arch.layers.map((l) => [l.mixer?.kind ?? null, l.mlp]));
    }
    // The space's mixes: Bamba (Mamba-2 and attention, an MLP each), Ministral/Mistral/Llama (attention only), and
    // candidates no class holds (DeltaNet; gated MLPs in mixer-only or MLP-only layers).
    expect(seen.get('bamba')).toBeGreaterThan(0);
    expect([...seen.keys()].some((k) => ['ministral', 'mistral', 'llama'].includes(k))).toBe(true);
    expect(seen.get('DeltaNet layers')).toBeGreaterThan(0);
  });

  it('a hybrid with plain MLPs goes to Nemotron-H, block for block', () => {
    const arch = { ...llmHybridSpace.decode(llmHybridSpace.sample(createRng(3))), mlp: { kind: 'dense', intermediateSize: 4096, gated: false } as const };
    const mamba = { kind: 'linear', variant: 'mamba2', stateSize: 128, expand: 2 } as const;
    const a = { ...arch, layers: [{ mixer: mamba, mlp: true }, { mixer: mamba, mlp: false }, { mixer: { kind: 'attention' } as const, mlp: true }, { mixer: null, mlp: true }] };
    const cfg = toHfConfig(a);
    expect(cfg.model_type).toBe('nemotron_h');
    expect(cfg.hybrid_override_pattern).toBe('M-M*--');
    expect(hfParamCount(cfg)).toBe(countParams(a).total);
  });
});
