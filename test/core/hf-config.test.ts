import { describe, expect, it } from 'vitest';
import { uniformLayers } from '../../core/architecture.js';
import { fromHfConfig, HfConfigError, toHfConfig } from '../../core/hf-config.js';
import { countParams } from '../../core/params.js';
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

  it('refuses architectures no supported family expresses', () => {
    const hybrid = { ...PRESETS['llama-3.2-1b'], layers: uniformLayers(4, { kind: 'linear', variant: 'mamba2', stateSize: 128, expand: 2 }) } as const;
    expect(() => toHfConfig(hybrid)).toThrow(/linear-time mixers/);
  });
});
