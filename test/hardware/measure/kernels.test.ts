import { describe, expect, it } from 'vitest';
import { uniformLayers, type LlmArchitecture } from '../../../core/architecture.js';
import { lowerLlm } from '../../../core/lower-llm.js';
import { createRng } from '../../../core/rng.js';
import type { Workload } from '../../../core/workload.js';
import type { DeviceProfile } from '../../../hardware/device.js';
import { getDevice, parseDeviceProfile } from '../../../hardware/devices.js';
import { buildLlm } from '../../../hardware/measure/llm-model.js';
import { TFJS_LLM_KERNELS_PER_OP } from '../../../hardware/measure/tfjs-kernels.js';
import { analyzeLlm, kernelsOf } from '../../../hardware/roofline.js';
import { initTf, tf } from '../../../hardware/tf-backend.js';

const W: Workload = { batch: 1, promptTokens: 8, generatedTokens: 3 };

function stack(layers: number, moe?: { experts: number; active: number }): LlmArchitecture {
  return {
    family: 'llm',
    vocabSize: 64,
    hiddenSize: 32,
    heads: 4,
    kvHeads: 2,
    headDim: 8,
    mlp: moe
      ? { kind: 'moe', experts: moe.experts, activeExperts: moe.active, expertIntermediateSize: 16, sharedExperts: 0, sharedIntermediateSize: 0, gated: true }
      : { kind: 'dense', intermediateSize: 48, gated: true },
    layers: uniformLayers(layers),
    tiedEmbeddings: false,
    qkvBias: false,
    qkNorm: false,
    precision: { weights: 'fp32', activations: 'fp32', kvCache: 'fp32' },
  };
}

const base = getDevice('raspberry-pi-5');
const withTable: DeviceProfile = parseDeviceProfile({ ...base, runtime: { kernelsPerOp: TFJS_LLM_KERNELS_PER_OP } }, 'test profile');

/** Kernels the lowering's ops launch over a whole generation, by the table. */
function expectedKernels(arch: LlmArchitecture): number {
  let n = 0;
  for (const op of lowerLlm(arch, W)) n += op.count * kernelsOf(op, withTable) * (op.phase === 'decode' ? W.generatedTokens : 1);
  return n;
}

async function profiledKernels(arch: LlmArchitecture): Promise<number> {
  const model = buildLlm(arch, W, createRng(3));
  model.generate(); // warm-up
  const info = await tf.profile(() => {
    model.generate();
  });
  model.dispose();
  return info.kernels.length;
}

describe('kernels per operator (runtime extension) against what tfjs really launches', () => {
  it('the table counts every kernel of a dense stack and of an MoE stack whose experts are all active', async () => {
    await initTf();
    for (const arch of [stack(1), stack(3), stack(2, { experts: 2, active: 2 })]) {
      expect(await profiledKernels(arch)).toBe(expectedKernels(arch));
    }
  });

  it('more layers and more touched experts launch more kernels; lookups go from the most specific key', () => {
    expect(expectedKernels(stack(3))).toBeGreaterThan(expectedKernels(stack(1)));
    const moe = lowerLlm(stack(1, { experts: 8, active: 2 }), W);
    const down = (phase: string) => moe.find((o) => o.phase === phase && o.name.endsWith('experts.down_proj'))!;
    // decode: 2 experts touched × 3 kernels; prefill: E·(1 − (1 − 2/8)^8) experts × 4 kernels
    expect(kernelsOf(down('decode'), withTable)).toBeCloseTo(2 * 3, 9);
    expect(kernelsOf(down('prefill'), withTable)).toBeCloseTo(8 * (1 - 0.75 ** 8) * 4, 9);
    const dense = lowerLlm(stack(1), W);
    expect(kernelsOf(dense.find((o) => o.phase === 'prefill' && o.name.endsWith('attn_score'))!, withTable)).toBe(17);
    expect(kernelsOf(dense.find((o) => o.phase === 'decode' && o.name.endsWith('attn_score'))!, withTable)).toBe(10);
    // Fused ops (softmax, context) launch nothing of their own; without a table every op is one launch.
    expect(kernelsOf(dense.find((o) => o.kind === 'softmax')!, withTable)).toBe(0);
    expect(kernelsOf(dense.find((o) => o.name.endsWith('rope'))!, base)).toBe(1);
  });

  it('a profile without the extension prices exactly as before; with it, kernels cost overhead each', () => {
    const arch = stack(2);
    const plain = analyzeLlm(arch, W, base, { skipOpReports: true });
    const sameRates = parseDeviceProfile({ ...base, runtime: {} }, 'empty runtime');
    expect(analyzeLlm(arch, W, sameRates, { skipOpReports: true }).totalLatencyMs).toBe(plain.totalLatencyMs);
    const counted = analyzeLlm(arch, W, withTable, { skipOpReports: true });
    const launches = lowerLlm(arch, W).reduce((s, op) => s + op.count * (op.fused ? 0 : 1) * (op.phase === 'decode' ? W.generatedTokens : 1), 0);
    const extraMs = (expectedKernels(arch) - launches) * base.opOverheadS * 1e3;
    expect(counted.totalLatencyMs - plain.totalLatencyMs).toBeCloseTo(extraMs, 6);
  });

  it('shape classes: decode matmuls, batched and one-KV-head attention, element-wise ops each take their own rate', () => {
    const gqa = { ...stack(2), heads: 4, kvHeads: 2 };
    const mqa = { ...stack(2), heads: 4, kvHeads: 1 };
    const at = (arch: LlmArchitecture, runtime: object) => analyzeLlm(arch, W, parseDeviceProfile({ ...base, runtime }, 'p'), { skipOpReports: false });
    const attnMs = (a: ReturnType<typeof analyzeLlm>) => a.ops.filter((o) => o.kind.startsWith('attention')).reduce((s, o) => s + o.latencyMs, 0);
    const slow = { attentionEfficiency: 1e-5 };
    // A slow batched-attention rate slows the GQA stack's attention, not the one-KV-head stack's when it has its own rate.
    expect(attnMs(at(gqa, slow))).toBeGreaterThan(2 * attnMs(at(gqa, {})));
    expect(attnMs(at(mqa, { ...slow, singleBatchAttentionEfficiency: base.computeEfficiency }))).toBeCloseTo(attnMs(at(mqa, {})), 9);
    // Without a one-KV-head rate, one KV head falls back to the batched rate.
    expect(attnMs(at(mqa, slow))).toBeGreaterThan(2 * attnMs(at(mqa, {})));
    // A slower decode-matmul rate moves decode, not prefill.
    const plain = at(gqa, {});
    const gemv = at(gqa, { decodeMatmulEfficiency: base.computeEfficiency / 100 });
    expect(gemv.prefill.latencyMs).toBeCloseTo(plain.prefill.latencyMs, 9);
    expect(gemv.decode.latencyMs).toBeGreaterThan(plain.decode.latencyMs);
  });

  it('rejects a malformed extension naming the field', () => {
    expect(() => parseDeviceProfile({ ...base, runtime: { kernelsPerOp: { 'Bad Key': 1 } } }, 'dev.json')).toThrow(/dev\.json: runtime\.kernelsPerOp/);
    expect(() => parseDeviceProfile({ ...base, runtime: { decodeMatmulEfficiency: 1.5 } }, 'dev.json')).toThrow(/runtime\.decodeMatmulEfficiency/);
  });
});
