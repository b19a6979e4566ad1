import { describe, expect, it } from 'vitest';
import type { Op } from '../../core/ops.js';
import { PRESETS } from '../../core/presets.js';
import { countParams } from '../../core/params.js';
import { MNASNET_PRESETS } from '../../core/spaces/mnasnet.js';
import type { DeviceProfile } from '../../hardware/device.js';
import { getDevice } from '../../hardware/devices.js';
import { parseLink, transferS } from '../../hardware/link.js';
import { analyzeLlm, kvCacheBytes } from '../../hardware/roofline.js';
import { cnnChain, llmChain, type Chain } from '../../hardware/split-chain.js';
import { allOnCuts, bestSeparately, describePartition, dominatorOf, partitionCount, partitions, priceAllPartitions, pricePartition, priceSeparately, priceUnits, splitFrontier } from '../../hardware/split.js';

/** A device with round numbers: the pure roofline (efficiency 1, no launch overhead). */
function device(id: string, gflops: number, gbPerS: number, idleW: number, maxW: number, memoryBytes: number): DeviceProfile {
  return { id, name: id, kind: 'cpu', peakFlopsPerS: { fp32: gflops * 1e9 }, memoryBandwidthBytesPerS: gbPerS * 1e9, memoryBytes, idlePowerW: idleW, maxPowerW: maxW, computeEfficiency: 1, memoryEfficiency: 1, opOverheadS: 0, source: 'test' };
}

const op = (name: string, flops: number, weightBytes: number, read: number, written: number): Op => ({
  name, kind: 'conv', phase: 'forward', count: 1,
  base: { flops, weightBytes, activationBytesRead: read, activationBytesWritten: written, kvBytesRead: 0, kvBytesWritten: 0 },
});

/** Two units: 10 and 20 MFLOP; the first hands on 2,000 bytes; a request brings 1,000 bytes and gets 400 back. */
const TWO_OPS: Chain = {
  kind: 'cnn',
  name: 'two-op',
  precision: 'fp32',
  params: 375,
  flops: 30e6,
  inputBytes: 1000,
  resultBytes: 400,
  units: [
    { name: 'a', ops: [op('a', 10e6, 1000, 4000, 2000)], outputBytes: 2000, decodeOutputBytes: 0, weightBytes: 1000, kvBytes: 0, kvBytesAfterPrefill: 0 },
    { name: 'b', ops: [op('b', 20e6, 500, 2000, 400)], outputBytes: 400, decodeOutputBytes: 0, weightBytes: 500, kvBytes: 0, kvBytesAfterPrefill: 0 },
  ],
};
// EDGE: 1 GFLOP/s (unit a 10 ms, b 20 ms), 1 → 3 W. FAST: 10 GFLOP/s (1 ms, 2 ms), 10 → 50 W.
const EDGE = device('edge', 1, 1, 1, 3, 1e6);
const FAST = device('fast', 10, 10, 10, 50, 1e9);

describe('links', () => {
  it('reads bandwidth and latency with units; a message costs latency + 8·bytes / bandwidth', () => {
    expect(parseLink('100Mbit/s,2ms')).toMatchObject({ bitsPerS: 100e6, latencyS: 2e-3 });
    expect(parseLink('1Gbps')).toMatchObject({ bitsPerS: 1e9, latencyS: 0 });
    expect(parseLink('12.5MB/s, 500us')).toMatchObject({ bitsPerS: 100e6, latencyS: 500e-6 });
    expect(transferS(1e6, parseLink('8Mbit/s,1ms'))).toBeCloseTo(1.001, 12);
    expect(transferS(0, parseLink('8Mbit/s,1ms'))).toBe(0);
    expect(() => parseLink('100,2ms')).toThrow(/bandwidth '100' needs a unit/);
    expect(() => parseLink('100Mbit/s,2')).toThrow(/latency '2' needs a unit/);
    expect(() => parseLink('0Mbit/s')).toThrow(/above 0/);
  });
});

describe('split: a two-op model over a known link, by hand', () => {
  const link = parseLink('8Mbit/s,1ms'); // 1 MB/s: 1,000 bytes take 1 ms + 1 ms
  const devices = [EDGE, FAST];
  const all = priceAllPartitions(TWO_OPS, devices, link);
  const byCut = (c: number) => all.find((p) => p.cuts[0] === c)!;

  it('every contiguous partition: all on fast, a cut after the first op, all on the edge', () => {
    expect(all.map((p) => p.cuts)).toEqual([[0], [1], [2]]);
    expect([...partitions(3, 3)]).toHaveLength(10); // C(3 + 2, 2)
    expect(partitionCount(3, 3)).toBe(10);
    expect(partitionCount(21, 2)).toBe(22);
    expect(partitionCount(26, 3)).toBe(378); // C(28, 2)
    expect(partitionCount(26, 4)).toBe(3654); // C(29, 3)
    expect(partitionCount(26, 4)).toBe([...partitions(26, 4)].length);
    expect(allOnCuts(2, 2, 0)).toEqual([2]);
    expect(allOnCuts(2, 2, 1)).toEqual([0]);
  });

  it('all on the edge: 10 + 20 ms, no transfer, 1 / 30 ms; energy 1 W · 30 ms + 2 W · 30 ms', () => {
    const p = byCut(2);
    expect(p.prefill.latencyMs).toBeCloseTo(30, 9);
    expect(p.prefill.hops).toEqual([]);
    expect(p.prefill.perS).toBeCloseTo(1000 / 30, 9);
    expect(p.stages[0].energyJ).toBeCloseTo(0.09, 12);
    expect(p.stages[0].memoryBytes).toBe(1500 + 6000); // weights + the larger op's activations (4,000 + 2,000)
    expect(describePartition(TWO_OPS, p)).toBe('all on edge');
  });

  it('cut after the first op: 10 ms, 2,000 bytes in 1 + 2 ms, 2 ms, 400 bytes back in 1 + 0.4 ms', () => {
    const p = byCut(1);
    expect(p.prefill.latencyMs).toBeCloseTo(10 + 3 + 2 + 1.4, 9);
    expect(p.prefill.hops.map((h) => [h.from, h.to, h.bytes])).toEqual([[0, 1, 2000], [1, 0, 400]]);
    expect(p.prefill.perS).toBeCloseTo(100, 9); // the edge's 10 ms is the slowest stage (the link is busy 2 ms)
    expect(p.prefill.bottleneck).toBe('edge');
    expect(p.transferBytes).toBe(2400);
    expect(describePartition(TWO_OPS, p)).toBe('edge[a] → fast[b]');
  });

  it('all on the fast device: the input crosses the link (1 + 1 ms), 3 ms, the result comes back (1.4 ms)', () => {
    const p = byCut(0);
    expect(p.prefill.latencyMs).toBeCloseTo(2 + 3 + 1.4, 9);
    expect(p.prefill.perS).toBeCloseTo(1000 / 3, 9);
    expect(p.stages[1].energyJ).toBeCloseTo(10 * 0.003 + 40 * 0.003, 12);
    expect(p.energyJ).toBeCloseTo(0.15, 12);
    // It dominates the other two: the frontier is it alone.
    expect(splitFrontier(all, 'prefill')).toEqual([0]);
    expect(dominatorOf(byCut(2), all, 'prefill')).toBe(p);
  });

  it('a slow link (80 kbit/s) turns it round: all on the edge dominates, the link bounds the others', () => {
    const slow = priceAllPartitions(TWO_OPS, devices, parseLink('80kbit/s,1ms')); // 10 kB/s
    const fast = slow.find((p) => p.cuts[0] === 0)!;
    expect(fast.prefill.latencyMs).toBeCloseTo(101 + 3 + 41, 9);
    expect(fast.prefill.perS).toBeCloseTo(10, 9); // 1,000 bytes occupy the link 100 ms
    expect(fast.prefill.bottleneck).toBe('link edge→fast');
    expect(splitFrontier(slow, 'prefill')).toEqual([2]);
  });

  it('a partition that does not fit is off the frontier', () => {
    const small = { ...EDGE, memoryBytes: 7000 }; // the edge can hold unit a (1,000 + 6,000) but not both (7,500)
    const priced = priceAllPartitions(TWO_OPS, [small, FAST], parseLink('80kbit/s,1ms'));
    expect(priced.map((p) => p.fits)).toEqual([true, true, false]);
    // Left: all on fast (145 ms, 10/s) and the cut (10 + 201 + 2 + 41 = 254 ms, 5/s, the 2,000 bytes busy the link
    // 200 ms): all on fast alone.
    expect(priced[1].prefill.latencyMs).toBeCloseTo(254, 9);
    expect(splitFrontier(priced, 'prefill')).toEqual([0]);
  });
});

describe('split: real models', () => {
  const pi = getDevice('raspberry-pi-5');
  const gpu = getDevice('rtx-4090');

  it('an LLM on one device costs what analyze says: TTFT, decode, weights, KV cache', () => {
    const arch = PRESETS['qwen2.5-0.5b'];
    const w = { batch: 1, promptTokens: 256, generatedTokens: 8 };
    const chain = llmChain(arch, w);
    expect(chain.units).toHaveLength(1 + 24 + 1);
    const a = analyzeLlm(arch, w, gpu);
    const p = pricePartition(chain, [gpu], [priceUnits(chain, gpu)], parseLink('1Gbps'), []);
    expect(p.prefill.latencyMs).toBeCloseTo(a.ttftMs, 9);
    expect(p.decode!.latencyMs * w.generatedTokens).toBeCloseTo(a.decode.latencyMs, 9);
    expect(p.energyJ).toBeCloseTo(a.energyJ, 9);
    // Tied embeddings held once: 494,032,768 parameters × 2 bytes, plus the KV cache and the largest activations.
    expect(countParams(arch).total).toBe(494_032_768);
    expect(p.stages[0].memoryBytes - kvCacheBytes(arch, w)).toBe(494_032_768 * 2 + a.memory.activationBytes);
    // Per-class weight precision: int4 MLPs and int8 embeddings are held at their own sizes, as analyze counts them.
    const mixed = { ...arch, precision: { ...arch.precision, mlpWeights: 'int4' as const, embeddingWeights: 'int8' as const } };
    const mixedChain = llmChain(mixed, w);
    const m = analyzeLlm(mixed, w, gpu);
    const q = pricePartition(mixedChain, [gpu], [priceUnits(mixedChain, gpu)], parseLink('1Gbps'), []);
    expect(q.stages[0].memoryBytes).toBeCloseTo(m.memory.weightsBytes + m.memory.kvCacheBytes + m.memory.activationBytes, 3);
    expect(q.stages[0].memoryBytes).toBeLessThan(p.stages[0].memoryBytes);
    // Every hidden state that crosses a cut: B·S·d at fp16 after the prefill, B·d per decode step.
    expect(chain.units[5].outputBytes).toBe(256 * 896 * 2);
    expect(chain.units[5].decodeOutputBytes).toBe(896 * 2);
  });

  it('an LLM split across two devices: a decode step moves one hidden state; a tied embedding is held on both sides', () => {
    const w = { batch: 1, promptTokens: 1024, generatedTokens: 16 };
    const chain = llmChain(PRESETS['qwen2.5-0.5b'], w);
    const link = parseLink('100Mbit/s,2ms');
    const prices = [priceUnits(chain, pi), priceUnits(chain, gpu)];
    const p = pricePartition(chain, [pi, gpu], prices, link, [13]); // embedding + 12 layers on the Pi
    expect(p.decode!.hops.map((h) => h.bytes)).toEqual([896 * 2, 4]); // hidden state across, token id back
    expect(p.prefill.hops.map((h) => h.bytes)).toEqual([1024 * 896 * 2, 4]);
    const matrix = 151_936 * 896 * 2;
    expect(p.stages[0].memoryBytes).toBeGreaterThan(matrix);
    expect(p.stages[1].memoryBytes).toBeGreaterThan(matrix);
    // Prefill on the GPU, decode on the Pi: every layer's KV cache after the prompt moves once.
    const all = priceAllPartitions(chain, [pi, gpu], link, prices);
    const onGpu = all.find((x) => x.cuts[0] === 0)!;
    const onPi = all.find((x) => x.cuts[0] === chain.units.length)!;
    const s = priceSeparately(chain, [pi, gpu], prices, link, onGpu, onPi);
    expect(s.kvMoveBytes).toBe(24 * 2 * 2 * 64 * 1024 * 2); // layers × (K, V) × KV heads × head dim × tokens × fp16
    expect(s.kvMoveMs).toBeCloseTo(transferS(s.kvMoveBytes, link) * 1e3, 9);
    expect(s.latencyMs).toBeCloseTo(onGpu.prefill.latencyMs + s.kvMoveMs + 16 * onPi.decode!.latencyMs, 6);
    const best = bestSeparately(chain, [pi, gpu], prices, link, all)!;
    expect(best.latencyMs).toBeLessThanOrEqual(Math.min(...all.filter((x) => x.fits).map((x) => x.latencyMs)) + 1e-9);
  });

  it('the best prefill/decode pair is the fastest of all pairs that fit, the first of equals (over three devices)', () => {
    const small = PRESETS['smollm2-135m'];
    // Six of its layers: 8 units, 45 partitions, 2,025 pairs to price by hand.
    const chain = llmChain({ ...small, layers: small.layers.slice(0, 6) }, { batch: 1, promptTokens: 256, generatedTokens: 8 });
    const three = [pi, getDevice('jetson-orin-nano'), gpu];
    const link = parseLink('10Mbit/s,2ms');
    const prices = three.map((d) => priceUnits(chain, d));
    const all = priceAllPartitions(chain, three, link, prices);
    // Every pair, by definition.
    let brute: ReturnType<typeof priceSeparately> | undefined;
    for (const p of all) for (const d of all) {
      const s = priceSeparately(chain, three, prices, link, p, d);
      if (s.fits && (!brute || s.latencyMs < brute.latencyMs)) brute = s;
    }
    expect(bestSeparately(chain, three, prices, link, all)).toEqual(brute);
  });

  it('a CNN: the image arrives as 8-bit RGB, the tensors at cuts are fp32; the frontier fits', () => {
    const chain = cnnChain(MNASNET_PRESETS.mobilenetv2);
    expect(chain.inputBytes).toBe(3 * 224 * 224);
    expect(chain.resultBytes).toBe(1000 * 4);
    const all = priceAllPartitions(chain, [pi, gpu], parseLink('100Mbit/s,2ms'));
    expect(all).toHaveLength(chain.units.length + 1);
    const front = splitFrontier(all, 'prefill');
    expect(front.length).toBeGreaterThan(0);
    for (const i of front) expect(all[i].fits).toBe(true);
  });
});
