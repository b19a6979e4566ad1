import { describe, expect, it } from 'vitest';
import { uniformLayers, type LlmArchitecture } from '../../core/architecture.js';
import { lowerLlm } from '../../core/lower-llm.js';
import { PRESETS } from '../../core/presets.js';
import { PAPER_WORKLOAD } from '../../core/workload.js';
import type { DeviceProfile } from '../../hardware/device.js';
import { getDevice, parseDeviceProfile } from '../../hardware/devices.js';
import { paperClosedForm } from '../../hardware/paper-closed-form.js';
import { analyzeForward, analyzeLlm, opTimeS, sumMaxAffine } from '../../hardware/roofline.js';
import { lowerMnasnet } from '../../core/lower-cnn.js';
import type { Op } from '../../core/ops.js';
import { MNASNET_PRESETS } from '../../core/spaces/mnasnet.js';
import { TINY } from '../core/lower-llm.test.js';

const TOY_DEVICE: DeviceProfile = {
  id: 'toy', name: 'toy', kind: 'cpu', peakFlopsPerS: { fp16: 1000 }, memoryBandwidthBytesPerS: 100, memoryBytes: 1e6,
  idlePowerW: 1, maxPowerW: 3, computeEfficiency: 0.5, memoryEfficiency: 0.5, opOverheadS: 0.01, source: 'test',
};

describe('roofline', () => {
  it('one op: max(FLOPs / attainable, bytes / attainable) + overhead', () => {
    const c = { flops: 1000, weightBytes: 20, activationBytesRead: 10, activationBytesWritten: 10, kvBytesRead: 0, kvBytesWritten: 0 };
    expect(opTimeS(c, TOY_DEVICE, 'fp16')).toBeCloseTo(1000 / 500 + 0.01, 12); // compute: 2 s vs memory 0.8 s
    expect(opTimeS(c, TOY_DEVICE, 'fp16', true)).toBeCloseTo(1, 12); // ideal: 1 s vs 0.4 s, no overhead
    expect(opTimeS({ ...c, flops: 10 }, TOY_DEVICE, 'fp16')).toBeCloseTo(40 / 50 + 0.01, 12);
  });

  it('sums a max of affine functions exactly (against brute force)', () => {
    for (const [a, b, g, h, lo, hi] of [[0, 1, 5, 0.5, 1, 20], [5, 0.5, 0, 1, 3, 30], [1, 1, 1, 1, 1, 4], [2, 0, 1, 0, 1, 9], [0, 2, 40, 0, 1, 10]]) {
      let brute = 0;
      for (let c = lo; c <= hi; c++) brute += Math.max(a + b * c, g + h * c);
      expect(sumMaxAffine(a, b, g, h, lo, hi)).toBeCloseTo(brute, 9);
    }
  });

  it('total decode time equals the step-by-step sum, windows included', () => {
    const w = { batch: 2, promptTokens: 30, generatedTokens: 40 };
    for (const layers of [uniformLayers(2), uniformLayers(2, { kind: 'sliding-window', windowTokens: 50 })]) {
      const arch = { ...TINY, layers };
      const total = analyzeLlm(arch, w, TOY_DEVICE).decode.latencyMs;
      let stepByStep = 0;
      for (let t = 1; t <= w.generatedTokens; t++) {
        const c = w.promptTokens + t;
        for (const op of lowerLlm(arch, w).filter((o) => o.phase === 'decode')) {
          const per = op.perContextToken;
          const ctx = Math.min(c, op.contextCapTokens ?? Infinity);
          const cost = per ? Object.fromEntries(Object.entries(op.base).map(([k, v]) => [k, v + (per as unknown as Record<string, number>)[k] * ctx])) : op.base;
          stepByStep += op.count * (opTimeS(cost as typeof op.base, TOY_DEVICE, 'fp16') - (op.fused ? TOY_DEVICE.opOverheadS : 0));
        }
      }
      expect(total).toBeCloseTo(stepByStep * 1e3, 6);
    }
  });

  it('on Jetson AGX Orin a batch-1 decode step is memory-bound and a 1024-token prefill compute-bound', () => {
    const a = analyzeLlm(PRESETS['qwen2.5-0.5b'], PAPER_WORKLOAD, getDevice('jetson-agx-orin'));
    const matmuls = a.ops.filter((o) => o.kind === 'matmul');
    for (const op of matmuls.filter((o) => o.phase === 'decode')) expect(op.bound, op.name).toBe('memory');
    for (const op of matmuls.filter((o) => o.phase === 'prefill')) expect(op.bound, op.name).toBe('compute');
    // A decode step must at least stream every weight once: bytes/bandwidth bounds it below.
    const orin = getDevice('jetson-agx-orin');
    expect(a.decode.latencyMsPerToken).toBeGreaterThan((a.memory.weightsBytes / orin.memoryBandwidthBytesPerS) * 1e3);
    expect(a.totalLatencyMs).toBeCloseTo(a.ttftMs + a.decode.latencyMs, 9);
    expect(a.ops.reduce((s, o) => s + o.share, 0)).toBeCloseTo(1, 9);
    expect(a.memory.fits).toBe(true);
  });

  it('an 8x7B MoE does not fit a Jetson Orin Nano', () => {
    expect(analyzeLlm(PRESETS['mixtral-8x7b'], PAPER_WORKLOAD, getDevice('jetson-orin-nano')).memory.fits).toBe(false);
  });

  it('energy is idle power for the whole time plus the dynamic share while busy', () => {
    const a = analyzeLlm(TINY, { batch: 1, promptTokens: 3, generatedTokens: 2 }, TOY_DEVICE);
    const ideal = analyzeLlm(TINY, { batch: 1, promptTokens: 3, generatedTokens: 2 }, TOY_DEVICE, { ideal: true });
    expect(a.energyJ).toBeGreaterThan(TOY_DEVICE.idlePowerW * a.totalLatencyMs / 1e3);
    expect(a.energyJ).toBeLessThan(TOY_DEVICE.maxPowerW * a.totalLatencyMs / 1e3);
    // Ideal mode has no overhead: the device is busy the whole time, at max power.
    expect(ideal.energyJ).toBeCloseTo(TOY_DEVICE.maxPowerW * ideal.totalLatencyMs / 1e3, 9);
  });
});

describe('paper mode reproduces the closed forms of papers.md §1', () => {
  // l = 2, d = 4, gqa = 2, r = 2: ξ_F = 4 + 2 + 12 = 18, ξ_W^dec = 2 + 1 + 6 = 9.
  const arch: LlmArchitecture = { ...TINY, layers: uniformLayers(2) };
  const w = { batch: 1, promptTokens: 3, generatedTokens: 2 };

  it('by hand', () => {
    const p = paperClosedForm(arch, w, TOY_DEVICE);
    expect(p.prefill.flops).toBe(2 * 1 * 3 * 16 * 18);
    expect(p.ttftMs).toBeCloseTo((1728 / 1000) * 1e3, 9); // peak, no efficiency
    // S̄ = 3 + 3/2; T_dec = (l·S_out/β)·[9·d²·2 + 2·S̄·d·2/gqa] = (4/100)·(288 + 36)
    expect(p.decode.latencyMs).toBeCloseTo(((2 * 2) / 100) * (288 + 36) * 1e3, 9);
    expect(p.memory.weightsBytes).toBe(2 * 9 * 16 * 2);
  });

  it('agrees with the full model on the matmul weights it counts', () => {
    const a = PRESETS['llama-3.2-1b']; // heads·headDim = d, no bias: the closed form's assumptions
    const p = paperClosedForm(a, PAPER_WORKLOAD, getDevice('jetson-agx-orin'));
    const step = lowerLlm(a, PAPER_WORKLOAD).filter((o) => o.phase === 'decode' && o.kind === 'matmul');
    const weights = step.reduce((s, o) => s + o.base.weightBytes * o.count, 0);
    const kvTerm = (16 * 16 * 2 * (1024 + 17 / 2) * 2048 * 2) / 4;
    expect(weights * 16).toBeCloseTo(p.decode.bytes - kvTerm, 0);
    // The full model counts more (embeddings, LM head, norms, scores): never less than the closed form.
    const full = analyzeLlm(a, PAPER_WORKLOAD, getDevice('jetson-agx-orin'), { ideal: true });
    expect(full.decode.bytes).toBeGreaterThan(p.decode.bytes);
    expect(full.prefill.flops).toBeGreaterThan(p.prefill.flops);
  });
});

describe('per-class weight precision (attention int8, MLP int4, embeddings and norms fp16)', () => {
  const mixed: LlmArchitecture = { ...TINY, precision: { weights: 'fp16', activations: 'fp16', kvCache: 'fp16', attentionWeights: 'int8', mlpWeights: 'int4' } };
  const w = { batch: 1, promptTokens: 3, generatedTokens: 2 };

  it('weights in memory: each class at its own bytes', () => {
    // attention 48 · 1 + mlp 96 · 0.5 + tied embedding 40 · 2 + norms 12 · 2 = 200 bytes (fp16 throughout: 392).
    expect(analyzeLlm(mixed, w, TOY_DEVICE).memory.weightsBytes).toBe(200);
    expect(analyzeLlm(TINY, w, TOY_DEVICE).memory.weightsBytes).toBe(392);
  });

  it('a decode step reads each class at its own bytes', () => {
    // embedding row 4·2, norms 3·4·2, qkv 32·1, o 16·1, gate_up 64·0.5, down 32·0.5, LM head 40·2.
    const step = lowerLlm(mixed, w).filter((o) => o.phase === 'decode');
    expect(step.reduce((s, o) => s + o.base.weightBytes * o.count, 0)).toBe(8 + 24 + 32 + 16 + 32 + 16 + 80);
  });

  it('a matmul computes in the wider of its class weights and the activations', () => {
    // Bandwidth high enough that every matmul is compute-bound; ideal mode: peak rates, no overhead.
    const device: DeviceProfile = { ...TOY_DEVICE, peakFlopsPerS: { fp16: 1000, int8: 4000 }, memoryBandwidthBytesPerS: 1e12 };
    const a8 = { ...mixed, precision: { ...mixed.precision, activations: 'int8' as const } };
    const ms = (name: string) => analyzeLlm(a8, w, device, { ideal: true }).ops.find((o) => o.phase === 'prefill' && o.name.endsWith(name))!.latencyMs;
    expect(ms('qkv_proj')).toBeCloseTo((192 / 4000) * 1e3, 9); // W8A8: int8
    expect(ms('gate_up_proj')).toBeCloseTo((384 / 4000) * 1e3, 9); // W4A8: int8
    expect(ms('lm_head')).toBeCloseTo((80 / 1000) * 1e3, 9); // W16A8: fp16
  });

  it('paper mode splits ξ into its attention and MLP parts', () => {
    const arch = { ...mixed, layers: uniformLayers(2) };
    const p = paperClosedForm(arch, w, TOY_DEVICE);
    // M = l·d²·((2 + 2/gqa)·1 + (3r/ρ)·0.5) = 2·16·(3 + 3) = 192; T_dec = (l·S_out/β)·[d²·6 + 2·S̄·d·2/gqa] = (4/100)·(96 + 36)
    expect(p.memory.weightsBytes).toBe(192);
    expect(p.decode.latencyMs).toBeCloseTo((4 / 100) * (96 + 36) * 1e3, 9);
    expect(p.prefill.flops).toBe(2 * 3 * 16 * 18);
  });
});

describe('depthwise convolutions in a forward pass (runtime extension depthwiseConvEfficiency)', () => {
  // Peak 1000 FLOP/s, 100 B/s, efficiencies 0.5: a dense op runs at 500 FLOP/s and 50 B/s, 0.01 s per launch.
  const FP32_TOY: DeviceProfile = { ...TOY_DEVICE, peakFlopsPerS: { fp32: 1000 } };
  const withDw = parseDeviceProfile({ ...FP32_TOY, runtime: { depthwiseConvEfficiency: 0.05 } }, 'dw.json');
  const cost = (flops: number, bytes: number) => ({ flops, weightBytes: 0, activationBytesRead: bytes / 2, activationBytesWritten: bytes / 2, kvBytesRead: 0, kvBytesWritten: 0 });
  const op = (name: string, base: ReturnType<typeof cost>, depthwise: boolean): Op => ({ name, kind: 'conv', phase: 'forward', count: 1, base, ...(depthwise ? { depthwise } : {}) });
  const seconds = (ops: Op[], device: DeviceProfile, ideal = false) => analyzeForward(ops, device, 'fp32', ideal).ops.map((o) => o.latencyMs / 1e3);

  it('a depthwise op takes FLOPs / (peak × depthwiseConvEfficiency) + overhead; its bandwidth and every other op stay as they were', () => {
    const dwCompute = op('b.dw3x3', cost(1000, 40), true); // 1000 / (1000 × 0.05) = 20 s vs 40 / 50 = 0.8 s
    const dwMemory = op('b.dw5x5', cost(10, 4000), true); // 10 / 50 = 0.2 s vs 4000 / 50 = 80 s: memory binds
    const dense = op('b.pw_project', cost(1000, 40), false); // 1000 / 500 = 2 s
    const [a, b, c] = seconds([dwCompute, dwMemory, dense], withDw);
    expect(a).toBeCloseTo(20 + 0.01, 12);
    expect(b).toBeCloseTo(80 + 0.01, 12);
    expect(c).toBeCloseTo(2 + 0.01, 12);
    // Without the field (or with an empty extension) a depthwise op is priced as any convolution.
    expect(seconds([dwCompute, dwMemory, dense], FP32_TOY)).toEqual([2.01, 80.01, 2.01].map((x) => expect.closeTo(x, 12)));
    expect(seconds([dwCompute], parseDeviceProfile({ ...FP32_TOY, runtime: {} }, 'empty'))).toEqual(seconds([dwCompute], FP32_TOY));
    // The ideal roofline ignores runtime rates: 1000 / 1000 = 1 s, no overhead.
    expect(seconds([dwCompute], withDw, true)[0]).toBeCloseTo(1, 12);
  });

  it('on a lowered MobileNetV2 the rate moves the 17 depthwise layers and nothing else', () => {
    const ops = lowerMnasnet(MNASNET_PRESETS.mobilenetv2).ops;
    const device = getDevice('raspberry-pi-5');
    const plain = analyzeForward(ops, device, 'fp32');
    const slow = analyzeForward(ops, parseDeviceProfile({ ...device, runtime: { depthwiseConvEfficiency: device.computeEfficiency / 10 } }, 'slow-dw'), 'fp32');
    let moved = 0;
    plain.ops.forEach((o, i) => {
      if (ops[i].depthwise) {
        moved++;
        expect(slow.ops[i].latencyMs).toBeGreaterThan(o.latencyMs);
      } else expect(slow.ops[i].latencyMs).toBe(o.latencyMs);
    });
    expect(moved).toBe(17);
    expect(slow.flops).toBe(plain.flops);
    expect(slow.bytes).toBe(plain.bytes);
  });

  it('a device file with a bad depthwise rate is refused, naming the field', () => {
    expect(() => parseDeviceProfile({ ...FP32_TOY, runtime: { depthwiseConvEfficiency: 0 } }, 'dev.json')).toThrow(/dev\.json: runtime\.depthwiseConvEfficiency/);
    expect(() => parseDeviceProfile({ ...FP32_TOY, runtime: { depthwiseConvEfficiency: 1.2 } }, 'dev.json')).toThrow(/dev\.json: runtime\.depthwiseConvEfficiency/);
  });
});
