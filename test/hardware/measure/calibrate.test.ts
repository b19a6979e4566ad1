import { describe, expect, it } from 'vitest';
import type { DeviceProfile } from '../../../hardware/device.js';
import { parseDeviceProfile } from '../../../hardware/devices.js';
import { attainedRates, fitScaleToNetworks, fitToNetworks, flopsPerCycle, ratesOf, withRates, type FitSample } from '../../../hardware/measure/calibrate.js';
import { llmLocalSpace, LOCAL_WORKLOAD } from '../../../core/spaces/llm-local.js';
import type { MicroResult } from '../../../hardware/measure/micro.js';
import type { Timing } from '../../../hardware/measure/timer.js';
import { analyzeForward, analyzeLlm } from '../../../hardware/roofline.js';
import { lowerMnasnet } from '../../../core/lower-cnn.js';
import { MNASNET_PRESETS } from '../../../core/spaces/mnasnet.js';
import { createRng } from '../../../core/rng.js';

const BASE: DeviceProfile = parseDeviceProfile(
  {
    id: 'test-cpu', name: 'test', kind: 'cpu', peakFlopsPerS: { fp32: 100e9 }, memoryBandwidthBytesPerS: 50e9, memoryBytes: 8e9,
    idlePowerW: 1, maxPowerW: 10, computeEfficiency: 0.5, memoryEfficiency: 0.5, opOverheadS: 2e-6, source: 'test',
  },
  'test',
);

const timing = (medianMs: number): Timing => ({ clock: 'wall', valueMs: medianMs, estimator: 'median', bestMs: medianMs, medianMs, wallMedianMs: medianMs, minMs: medianMs, p25Ms: medianMs, p75Ms: medianMs, spread: 0, runs: 1, rounds: 1, roundMediansMs: [medianMs], stable: true });
const micro = (name: string, kind: MicroResult['kind'], medianMs: number, rates: { flopsPerS?: number; bytesPerS?: number; ops?: number }): MicroResult => ({
  name, kind, flops: 0, bytes: 0, ops: rates.ops ?? 1, timing: timing(medianMs), flopsPerS: rates.flopsPerS ?? 0, bytesPerS: rates.bytesPerS ?? 0,
});

describe('calibration', () => {
  it('FLOP per cycle from the ISA flags', () => {
    expect(flopsPerCycle(new Set(['avx512f', 'avx2', 'fma']), 'x64')).toBe(64);
    expect(flopsPerCycle(new Set(['avx2', 'fma']), 'x64')).toBe(32);
    expect(flopsPerCycle(new Set(['avx']), 'x64')).toBe(16);
    expect(flopsPerCycle(new Set(), 'x64')).toBe(8);
    expect(flopsPerCycle(new Set(), 'arm64')).toBe(16);
  });

  it('rates: median matmul at prefill shapes, median memory-bound op, (chain − read-back) / ops', () => {
    const base = [
      micro('sync', 'sync', 0.05, {}),
      micro('chain', 'overhead', 2.05, { ops: 200 }),
      micro('mm1', 'matmul', 1, { flopsPerS: 10e9 }),
      micro('mm2', 'matmul', 1, { flopsPerS: 20e9 }),
      micro('mm3', 'matmul', 1, { flopsPerS: 16e9 }),
      micro('mv1', 'matvec', 1, { bytesPerS: 2e9 }),
      micro('mv2', 'matvec', 1, { bytesPerS: 4e9 }),
      micro('add', 'elementwise', 1, { bytesPerS: 1e9 }),
    ];
    const r = attainedRates(base);
    expect(r.flopsPerS).toBe(16e9);
    expect(r.bytesPerS).toBe(2e9);
    expect(r.opOverheadS).toBeCloseTo(10e-6, 15); // (2.05 − 0.05) ms / 200
    expect(r.decodeFlopsPerS).toBeUndefined();
    // With the shape-class benchmarks: their own medians; the decoder probe gives the per-kernel cost.
    const full = attainedRates([
      ...base,
      micro('gemv1', 'gemv', 1, { flopsPerS: 4e9 }),
      micro('gemv2', 'gemv', 1, { flopsPerS: 6e9 }),
      micro('attn', 'attention', 1, { flopsPerS: 1e9 }),
      micro('ew', 'small-elementwise', 1, { bytesPerS: 30e9 }),
      micro('probe', 'decoder-probe', 10.05, { ops: 1000 }),
    ]);
    expect(full.decodeFlopsPerS).toBe(5e9);
    expect(full.attentionFlopsPerS).toBe(1e9);
    expect(full.elementwiseBytesPerS).toBe(30e9);
    expect(full.opOverheadS).toBeCloseTo(10e-6, 15); // (10.05 − 0.05) ms / 1000 kernels
  });

  it('depthwise rate: the FLOPs of every depthwise run over their time, not a median of their rates', () => {
    const dw = (name: string, flops: number, flopsPerS: number): MicroResult => ({ ...micro(name, 'depthwise', 1, { flopsPerS }), flops });
    const base = [micro('sync', 'sync', 0.05, {}), micro('chain', 'overhead', 2.05, { ops: 200 }), micro('mm', 'matmul', 1, { flopsPerS: 20e9 }), micro('mv', 'matvec', 1, { bytesPerS: 2e9 })];
    expect(attainedRates(base).depthwiseFlopsPerS).toBeUndefined();
    // 1e9 FLOPs in 0.5 s, 3e9 in 0.3 s, 4e9 in 0.4 s: 8e9 FLOPs in 1.2 s (the median rate would be 10e9).
    const r = attainedRates([...base, dw('k3', 1e9, 2e9), dw('k5', 3e9, 10e9), dw('k5b', 4e9, 10e9)]);
    expect(r.depthwiseFlopsPerS).toBeCloseTo(8e9 / 1.2, 3);
    // It lands in the extension as a share of peak (100 GFLOP/s), reads back, and follows the compute rate in refits.
    const p = withRates(BASE, { ...r, flopsPerS: 20e9 }, { source: 'x' });
    expect(p.runtime?.depthwiseConvEfficiency).toBeCloseTo(8e9 / 1.2 / 100e9, 12);
    expect(ratesOf(p).depthwiseFlopsPerS).toBeCloseTo(8e9 / 1.2, 3);
    expect(parseDeviceProfile(JSON.parse(JSON.stringify(p)), 'p.json').runtime).toEqual(p.runtime);
    const ops = lowerMnasnet(MNASNET_PRESETS['mnasnet-a1']).ops;
    const predictMs = (q: DeviceProfile) => analyzeForward(ops, q, 'fp32').latencyMs;
    const fitted = ratesOf(fitToNetworks(p, [{ measuredMs: 2 * predictMs(p), predictMs }]));
    expect(fitted.depthwiseFlopsPerS! / fitted.flopsPerS).toBeCloseTo(8e9 / 1.2 / 20e9, 9);
    const scaled = fitScaleToNetworks(p, [{ measuredMs: 3 * predictMs(p), predictMs }]);
    expect(predictMs(scaled) / predictMs(p)).toBeCloseTo(3, 9);
    expect(ratesOf(scaled).depthwiseFlopsPerS).toBeCloseTo(8e9 / 1.2 / 3, 3);
  });

  it('shape-class rates land in the runtime extension as efficiencies; refining keeps their ratios', () => {
    const p = withRates(BASE, { flopsPerS: 20e9, bytesPerS: 10e9, opOverheadS: 1e-5, decodeFlopsPerS: 5e9, attentionFlopsPerS: 1e9, elementwiseBytesPerS: 40e9 }, { source: 'x', kernelsPerOp: { rope: 16 } });
    expect(p.runtime?.decodeMatmulEfficiency).toBeCloseTo(0.05, 12); // 5e9 / 100e9
    expect(p.runtime?.attentionEfficiency).toBeCloseTo(0.01, 12);
    expect(p.memoryBandwidthBytesPerS).toBe(50e9);
    expect(p.runtime?.elementwiseMemoryEfficiency).toBeCloseTo(0.8, 12); // 40e9 / 50e9
    expect(p.runtime?.kernelsPerOp).toEqual({ rope: 16 });
    const r = ratesOf(p);
    expect(r.decodeFlopsPerS).toBeCloseTo(5e9, 0);
    expect(r.elementwiseBytesPerS).toBeCloseTo(40e9, 0);
    // A profile file with the extension round-trips through the schema.
    expect(parseDeviceProfile(JSON.parse(JSON.stringify(p)), 'p.json').runtime).toEqual(p.runtime);
    // Refinement moves three numbers; the extension's rates follow their class at the micro-benchmarks' ratio.
    const arch = llmLocalSpace.decode(llmLocalSpace.sample(createRng(1)));
    const predictMs = (q: DeviceProfile) => analyzeLlm(arch, LOCAL_WORKLOAD, q, { skipOpReports: true }).totalLatencyMs;
    const fitted = ratesOf(fitToNetworks(p, [{ measuredMs: 2 * predictMs(p), predictMs }]));
    expect(fitted.decodeFlopsPerS! / fitted.flopsPerS).toBeCloseTo(0.25, 9);
    expect(fitted.attentionFlopsPerS! / fitted.flopsPerS).toBeCloseTo(0.05, 9);
    expect(fitted.elementwiseBytesPerS! / fitted.bytesPerS).toBeCloseTo(4, 9);
  });

  it('a profile with attained rates: efficiencies = attained / peak; a rate above the spec raises the spec', () => {
    const p = withRates(BASE, { flopsPerS: 20e9, bytesPerS: 80e9, opOverheadS: 1e-5 }, { source: 'x', calibration: { a: 1 } });
    expect(p.computeEfficiency).toBeCloseTo(0.2, 12);
    expect(p.memoryBandwidthBytesPerS).toBe(80e9);
    expect(p.memoryEfficiency).toBe(1);
    expect(p.opOverheadS).toBe(1e-5);
    expect((p as unknown as { calibration: unknown }).calibration).toEqual({ a: 1 });
    const r = ratesOf(p);
    expect(r.flopsPerS).toBeCloseTo(20e9, 0);
    expect(r.bytesPerS).toBeCloseTo(80e9, 0);
  });

  it('refining on networks fits measurements generated by a known device and moves the rates towards it', () => {
    // Synthetic "measurements" from a known device (with ±3% noise): the fit must find its rates again.
    const truth = withRates(BASE, { flopsPerS: 6e9, bytesPerS: 1.5e9, opOverheadS: 80e-6 }, { source: 'truth' });
    const rng = createRng(7);
    const samples: FitSample[] = Array.from({ length: 12 }, () => {
      const arch = llmLocalSpace.decode(llmLocalSpace.sample(rng));
      const predictMs = (p: DeviceProfile) => analyzeLlm(arch, LOCAL_WORKLOAD, p, { skipOpReports: true }).totalLatencyMs;
      return { measuredMs: predictMs(truth) * (1 + 0.06 * (rng.next() - 0.5)), predictMs };
    });
    const err = (p: DeviceProfile) => samples.reduce((s, x) => s + Math.abs(x.predictMs(p) / x.measuredMs - 1), 0) / samples.length;
    const fitted = fitToNetworks(BASE, samples);
    expect(err(BASE)).toBeGreaterThan(0.5);
    expect(err(fitted)).toBeLessThan(0.05);
    // Totals of a mix of compute-, memory- and overhead-bound operators do not pin the three rates exactly (a bit
    // more compute time trades against a bit less memory time), but every rate must move most of the way.
    const r = ratesOf(fitted);
    const s = ratesOf(BASE);
    const off = (a: number, b: number) => Math.abs(Math.log(a / b));
    expect(off(r.flopsPerS, 6e9)).toBeLessThan(0.5 * off(s.flopsPerS, 6e9));
    expect(off(r.bytesPerS, 1.5e9)).toBeLessThan(0.5 * off(s.bytesPerS, 1.5e9));
    expect(off(r.opOverheadS, 80e-6)).toBeLessThan(0.5 * off(s.opOverheadS, 80e-6));
    expect(parseDeviceProfile(JSON.parse(JSON.stringify(fitted)), 'fitted').id).toBe('test-cpu');
  });

  it('a one-number refinement scales every prediction by the median measured/predicted ratio, exactly', () => {
    const p = withRates(BASE, { flopsPerS: 20e9, bytesPerS: 10e9, opOverheadS: 1e-5, decodeFlopsPerS: 5e9, attentionFlopsPerS: 1e9 }, { source: 'x', kernelsPerOp: { rope: 16 } });
    const rng = createRng(11);
    const archs = Array.from({ length: 5 }, () => llmLocalSpace.decode(llmLocalSpace.sample(rng)));
    const predict = (arch: (typeof archs)[number]) => (q: DeviceProfile) => analyzeLlm(arch, LOCAL_WORKLOAD, q, { skipOpReports: true }).totalLatencyMs;
    // Measured = predicted × 1.5, 1.6, 2, 2.5, 40 (one wild figure): the median ratio is 2 whatever the outlier.
    const factors = [1.5, 1.6, 2, 2.5, 40];
    const samples: FitSample[] = archs.map((a, i) => ({ measuredMs: predict(a)(p) * factors[i], predictMs: predict(a) }));
    const fitted = fitScaleToNetworks(p, samples);
    for (const a of archs) expect(predict(a)(fitted) / predict(a)(p)).toBeCloseTo(2, 9);
    expect(ratesOf(fitted).opOverheadS).toBeCloseTo(2e-5, 15);
    expect(ratesOf(fitted).decodeFlopsPerS).toBeCloseTo(2.5e9, 0);
    expect(() => fitScaleToNetworks(p, [])).toThrow(/no samples/);
  });
});
