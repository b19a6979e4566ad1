import { describe, expect, it } from 'vitest';
import { uniformLayers, type LlmArchitecture } from '../../../core/architecture.js';
import { lowerNb201 } from '../../../core/lower-cnn.js';
import { createRng } from '../../../core/rng.js';
import type { Workload } from '../../../core/workload.js';
import { buildFbnet, buildMnasnet } from '../../../hardware/measure/cnn-model.js';
import { MNASNET_PRESETS } from '../../../core/spaces/mnasnet.js';
import { calibrateFromMicro, localSpecProfile } from '../../../hardware/measure/calibrate.js';
import { buildLlm } from '../../../hardware/measure/llm-model.js';
import { liveTensors, measureArchitecture, unsupportedReason } from '../../../hardware/measure/measure.js';
import { runMicroBenchmarks, TINY_MICRO_PLAN } from '../../../hardware/measure/micro.js';
import { machineInfo } from '../../../hardware/measure/timer.js';
import { analyzeForward, analyzeLlm } from '../../../hardware/roofline.js';
import { initTf } from '../../../hardware/tf-backend.js';

const FAST = { warmup: 1, runs: 3, maxSpread: 0.1, maxRounds: 2 };
const W: Workload = { batch: 1, promptTokens: 16, generatedTokens: 4 };

function tinyLlm(p: { layers: number; width: number; heads: number; kvHeads: number; ffn: number; vocab: number; moe?: { experts: number; active: number } }): LlmArchitecture {
  return {
    family: 'llm',
    vocabSize: p.vocab,
    hiddenSize: p.width,
    heads: p.heads,
    kvHeads: p.kvHeads,
    headDim: p.width / p.heads,
    mlp: p.moe
      ? { kind: 'moe', experts: p.moe.experts, activeExperts: p.moe.active, expertIntermediateSize: p.ffn, sharedExperts: 1, sharedIntermediateSize: p.ffn, sharedExpertGate: true, gated: true }
      : { kind: 'dense', intermediateSize: p.ffn, gated: true },
    layers: uniformLayers(p.layers),
    tiedEmbeddings: false,
    qkvBias: true,
    qkNorm: true,
    precision: { weights: 'fp32', activations: 'fp32', kvCache: 'fp32' },
  };
}

const SMALL = tinyLlm({ layers: 1, width: 32, heads: 2, kvHeads: 1, ffn: 64, vocab: 128 });
const BIG = tinyLlm({ layers: 3, width: 384, heads: 6, kvHeads: 2, ffn: 1536, vocab: 4096 });

describe('measurement harness (tiny models; behaviour, not timings)', () => {
  it('records backend, threads and machine with every figure; a bigger decoder measures slower', async () => {
    const backend = await initTf();
    const rng = createRng(1);
    const before = liveTensors();
    const small = await measureArchitecture(SMALL, rng, { workload: W, timing: FAST });
    const big = await measureArchitecture(BIG, rng, { workload: W, timing: FAST });
    expect(liveTensors()).toBe(before); // nothing leaked
    expect(small.machine.backend).toBe(backend.name);
    expect(small.machine.threads).toBe(backend.threads);
    expect(small.machine.logicalCpus).toBeGreaterThan(0);
    expect(big.paramCount).toBeGreaterThan(50 * small.paramCount);
    expect(big.latencyMs).toBeGreaterThan(small.latencyMs);
    for (const m of [small, big]) {
      expect(m.latencyMs).toBeGreaterThan(0);
      expect(m.ttftMs).toBeGreaterThan(0);
      expect(m.decodeMsPerToken).toBeGreaterThan(0);
      expect(m.timing.rounds).toBeGreaterThanOrEqual(1);
    }
  });

  it('runs MoE routing, GQA, sliding windows shorter than the prompt, and says why it cannot run a linear mixer', async () => {
    await initTf();
    const rng = createRng(2);
    const moe = tinyLlm({ layers: 2, width: 64, heads: 4, kvHeads: 2, ffn: 32, vocab: 64, moe: { experts: 4, active: 2 } });
    const swa: LlmArchitecture = { ...SMALL, layers: [{ mixer: { kind: 'sliding-window', windowTokens: 5 }, mlp: true }, { mixer: { kind: 'attention' }, mlp: false }] };
    for (const arch of [moe, swa]) {
      const model = buildLlm(arch, W, rng);
      const before = liveTensors();
      const r = model.generate();
      expect(r.prefillMs).toBeGreaterThan(0);
      expect(r.decodeMs).toBeGreaterThan(0);
      expect(liveTensors()).toBe(before);
      model.dispose();
    }
    const mamba: LlmArchitecture = { ...SMALL, layers: [{ mixer: { kind: 'linear', variant: 'mamba2', stateSize: 16, expand: 2 }, mlp: true }] };
    expect(unsupportedReason(mamba, W)).toMatch(/linear mixer/);
    expect(unsupportedReason(SMALL, { ...W, batch: 2 })).toMatch(/batch 1/);
  });

  it('NAS-Bench-201: a cell of 3×3 convolutions measures slower than a cell of skips; a small FBNet runs', async () => {
    await initTf();
    const rng = createRng(3);
    const convs = await measureArchitecture({ family: 'nb201', edges: Array(6).fill('nor_conv_3x3') }, rng, { workload: W, timing: FAST });
    const skips = await measureArchitecture({ family: 'nb201', edges: Array(6).fill('skip_connect') }, rng, { workload: W, timing: FAST });
    expect(convs.latencyMs).toBeGreaterThan(skips.latencyMs);
    expect(convs.ttftMs).toBeUndefined();
    const blocks = ['k3_e1', 'k3_e1_g2', 'k5_e6', 'skip'] as const;
    const net = { inputSide: 32, stemChannels: 8, stemStride: 2, stageLayers: [1, 1, 1, 1], stageChannels: [8, 16, 16, 32], stageStrides: [1, 2, 1, 2], headChannels: 64, classes: 10 };
    const fb = buildFbnet({ family: 'fbnet', blocks: [...blocks] }, rng, 1, net);
    const before = liveTensors();
    fb.forward();
    expect(liveTensors()).toBe(before);
    expect(fb.paramCount).toBeGreaterThan(0);
    fb.dispose();
  });

  it('MnasNet space: MobileNetV2 builds with the lowering\'s weights (BN folded into a bias), and every choice runs', async () => {
    await initTf();
    const rng = createRng(5);
    const mbv2 = buildMnasnet(MNASNET_PRESETS.mobilenetv2, rng);
    // 3,504,872 trainable parameters less BN's 17,056 shifts: each BN becomes its convolution's bias.
    expect(mbv2.paramCount).toBe(3_504_872 - 17_056);
    mbv2.dispose();
    // Regular conv with SE and a pooled shortcut, depthwise with a projected one, MBConv3 k5: one forward, no leak.
    const blocks = MNASNET_PRESETS.mobilenetv2.blocks.map((b, i) => ({ ...b, layers: 1, ...(i === 1 ? { convOp: 'conv' as const, seRatio: 0.25, skip: 'pool' as const } : i === 2 ? { convOp: 'dconv' as const, skip: 'pool' as const } : i === 3 ? { convOp: 'mbconv3' as const, kernel: 5 } : {}) }));
    const net = buildMnasnet({ family: 'mnasnet', blocks }, rng);
    const before = liveTensors();
    net.forward();
    expect(liveTensors()).toBe(before);
    net.dispose();
  });

  it('calibration: profile numbers positive and finite; the calibrated roofline beats the spec sheet on the same measurements', async () => {
    const backend = await initTf();
    const micro = await runMicroBenchmarks(TINY_MICRO_PLAN, FAST);
    const spec = localSpecProfile();
    const cal = calibrateFromMicro(spec, micro, machineInfo(backend), { id: 'test-local' });
    for (const v of [cal.peakFlopsPerS.fp32 ?? NaN, cal.memoryBandwidthBytesPerS, cal.computeEfficiency, cal.memoryEfficiency, cal.opOverheadS]) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThan(0);
    }
    expect(cal.computeEfficiency).toBeLessThanOrEqual(1);
    const record = (cal as unknown as { calibration: { micro: unknown[]; machine: { backend: string } } }).calibration;
    expect(record.micro.length).toBe(micro.length);
    expect(record.machine.backend).toBe(backend.name);
    // Same data for both: measured NAS-Bench-201 networks and small decoders.
    const rng = createRng(4);
    const cases: { measured: number; predict: (p: typeof spec) => number }[] = [];
    for (const edges of [Array(6).fill('nor_conv_1x1'), ['nor_conv_3x3', 'skip_connect', 'avg_pool_3x3', 'none', 'nor_conv_3x3', 'skip_connect']]) {
      const arch = { family: 'nb201' as const, edges };
      const m = await measureArchitecture(arch, rng, { workload: W, timing: FAST });
      cases.push({ measured: m.latencyMs, predict: (p) => analyzeForward(lowerNb201(arch).ops, p, 'fp32').latencyMs });
    }
    const m = await measureArchitecture(BIG, rng, { workload: W, timing: FAST });
    cases.push({ measured: m.latencyMs, predict: (p) => analyzeLlm(BIG, W, p).totalLatencyMs });
    const logError = (p: typeof spec) => cases.reduce((s, c) => s + Math.abs(Math.log(c.predict(p) / c.measured)), 0) / cases.length;
    expect(logError(cal)).toBeLessThan(logError(spec));
  });
});
