import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../../core/rng.js';
import type { Genes } from '../../../core/space.js';
import { nb201Space } from '../../../core/spaces/nb201.js';
import { getDevice } from '../../../hardware/devices.js';
import { initTf, tf } from '../../../hardware/tf-backend.js';
import type { LatencyTable } from '../../../predictors/latency/data.js';
import { evaluateDevices } from '../../../predictors/latency/evaluation.js';
import { createLatencyEvaluator, loadLatencyEvaluator, predictGenesMs } from '../../../predictors/latency/evaluator.js';
import { loadModel, saveModel } from '../../../predictors/latency/io.js';
import { fitLut, lutPredictMs } from '../../../predictors/latency/luts.js';
import { prepareFeatures, selectRows } from '../../../predictors/latency/features.js';
import { metaTrain } from '../../../predictors/latency/meta-train.js';
import { adapt, predictMs, type HelpModel } from '../../../predictors/latency/model.js';
import { spearman } from '../../../predictors/latency/stats.js';
import { LatencyPredictorRegistry } from '../../../predictors/latency/registry.js';
import type { Evaluator } from '../../../search/evaluate/evaluator.js';
import { createEvaluator } from '../../../search/evaluate/registry.js';
import { PAPER_WORKLOAD } from '../../../core/workload.js';

/**
 * A synthetic nb201 table whose latencies are additive over edges, as on real devices: each device's op costs are
 * a mix of two cost profiles (compute-bound: convs dominate; memory-bound: every op costs about the same), so an
 * unseen mix is a combination of the source devices.
 */
const COMPUTE = [0, 0.05, 0.4, 1.5, 0.3];
const MEMORY = [0, 0.3, 0.5, 0.6, 0.5];
const MIX: Record<string, [number, number, number]> = { a: [1, 0.1, 2], b: [0.2, 1, 5], c: [0.6, 0.6, 1], d: [0.9, 0.3, 3], e: [0.4, 0.8, 4] };

function latency(device: string, g: Genes): number {
  const [wc, wm, base] = MIX[device];
  return base + g.reduce((s, op, edge) => s + (1 + 0.1 * edge) * (wc * COMPUTE[op] + wm * MEMORY[op]), 0);
}

function syntheticTable(rows: number): LatencyTable {
  const rng = createRng('synthetic');
  const seen = new Set<string>();
  const genes: Genes[] = [];
  while (genes.length < rows) {
    const g = nb201Space.sample(rng);
    if (!seen.has(g.join('.'))) seen.add(g.join('.')), genes.push(g);
  }
  const devices = Object.keys(MIX);
  const latencyMs: Record<string, Float64Array> = {};
  for (const d of devices) latencyMs[d] = Float64Array.from(genes, (g) => latency(d, g));
  return { space: 'nb201', file: 'synthetic.csv', genes, index: genes.map((_, i) => i), devices, latencyMs, flaggedReferenceRows: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] };
}

const REF = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
let table: LatencyTable;
let model: HelpModel;

beforeAll(async () => {
  await initTf();
  table = syntheticTable(300);
  const features = prepareFeatures(table, getDevice('raspberry-pi-5'), { referenceRows: REF, lutDevices: ['a', 'b', 'c'] });
  model = metaTrain({ table, features, referenceRows: REF, trainDevices: ['a', 'b', 'c'], validDevices: ['d'], rooflineDevice: 'raspberry-pi-5', config: { iterations: 4, tasksPerIteration: 2, querySize: 16, validEvery: 2, validArchs: 50, seed: 3 } });
}, 60_000);

describe('source lookup tables', () => {
  it('recover an additive device exactly', () => {
    const lut = fitLut(table, 'a', REF, 1e-9);
    for (const row of [10, 50, 200]) expect(lutPredictMs('nb201', lut, table.genes[row])).toBeCloseTo(table.latencyMs.a[row], 4);
  });
});

describe('meta-learned latency predictor', () => {
  it('adapts to an unseen device from its 10 reference architectures and ranks the rest correctly', () => {
    const scores = evaluateDevices({ table, features: prepareFeatures(table, getDevice('raspberry-pi-5'), { referenceRows: REF, lutDevices: [], stats: model.meta.featureStats, luts: model.meta.sourceLuts }), referenceRows: REF, testDevices: ['e'], sourceDevices: ['a', 'b', 'c', 'd'], model, seed: 0, methods: ['meta-learned', 'flops'] });
    const ours = scores.find((s) => s.method === 'meta-learned')!;
    // e's costs are a mix of the sources' profiles: the ridge head over their tables should nearly recover it.
    expect(ours.spearman).toBeGreaterThan(0.95);
    expect(ours.within10).toBeGreaterThan(0.8);
  });

  it('with one measurement only the methods with a prior rank at all; the rule and penalties are chosen per count', () => {
    const features = prepareFeatures(table, getDevice('raspberry-pi-5'), { referenceRows: REF, lutDevices: [], stats: model.meta.featureStats, luts: model.meta.sourceLuts });
    const one = [REF[4]];
    const refLat = REF.map((r) => (r === REF[4] ? table.latencyMs.e[r] : null));
    const scored = Array.from({ length: 100 }, (_, i) => 100 + i);
    const xScored = selectRows(features.x, features.inputSize, scored);
    const rho = (method: 'ridge-only' | 'ridge-prior' | 'meta-learned') =>
      spearman(predictMs(adapt(model, { device: 'e', referenceLatencyMs: refLat, x: selectRows(features.x, features.inputSize, one), latencyMs: [table.latencyMs.e[REF[4]]], method }), xScored), scored.map((r) => table.latencyMs.e[r]));
    // Ridge toward zero from one point: a constant, no ranking (ρ of a constant is 0 here).
    expect(rho('ridge-only')).toBe(0);
    // Device e is a mix of the sources' cost profiles: the source devices' mean ranks it well.
    expect(rho('ridge-prior')).toBeGreaterThan(0.9);
    expect(model.meta.rule.map((e) => e.measurements)).toEqual([1, 3, 5, 10, 20]);
    expect(model.meta.penalties.map((e) => e.measurements)).toEqual([1, 3, 5, 10, 20]);
    // The default at one measurement is never the prior-less ridge, which cannot rank from one point.
    expect(model.meta.rule[0].method).not.toBe('ridge-only');
    const adapted = adapt(model, { device: 'e', referenceLatencyMs: refLat, x: selectRows(features.x, features.inputSize, one), latencyMs: [table.latencyMs.e[REF[4]]] });
    expect(adapted.meta.adapted!.method).toBe(model.meta.rule[0].method);
    expect(adapted.meta.adapted!.referenceLatencyMs.filter((v) => v !== null)).toHaveLength(1);
  });

  it('is reproducible from its seed', () => {
    const features = prepareFeatures(table, getDevice('raspberry-pi-5'), { referenceRows: REF, lutDevices: ['a', 'b', 'c'] });
    const again = metaTrain({ table, features, referenceRows: REF, trainDevices: ['a', 'b', 'c'], validDevices: ['d'], rooflineDevice: 'raspberry-pi-5', config: { ...model.meta.config } });
    expect(Array.from(again.theta[0].slice(0, 20))).toEqual(Array.from(model.theta[0].slice(0, 20)));
    expect(again.meta.training.bestIteration).toBe(model.meta.training.bestIteration);
  });

  it('saves in the tfjs weights format and loads to identical predictions; registers adapted devices by name', () => {
    const features = prepareFeatures(table, getDevice('raspberry-pi-5'), { referenceRows: REF, lutDevices: [], stats: model.meta.featureStats, luts: model.meta.sourceLuts });
    const refLat = REF.map((r) => table.latencyMs.e[r]);
    const adapted = adapt(model, { device: 'e', referenceLatencyMs: refLat, x: selectRows(features.x, features.inputSize, REF), latencyMs: refLat });
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-help-'));
    saveModel(dir, model);
    const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const decoded = tf.io.decodeWeights(new Uint8Array(readFileSync(join(dir, 'weights.bin'))).buffer, manifest.weightsManifest[0].weights);
    expect(Array.from(decoded['theta/arch1/kernel'].dataSync().slice(0, 5))).toEqual(Array.from(model.theta[0].slice(0, 5)));

    const registry = new LatencyPredictorRegistry();
    registry.save(dir, adapted);
    const loaded = LatencyPredictorRegistry.load(dir);
    expect(loaded.devices()).toEqual(['e']);
    const genes = table.genes.slice(20, 30);
    expect(Array.from(predictGenesMs(loaded.get('e'), genes))).toEqual(Array.from(predictGenesMs(adapted, genes)));
    expect(loadModel(dir).meta.adapted).toBeUndefined();
    expect(() => loaded.get('pixel9')).toThrow(/no adapted predictor for device 'pixel9'; registered: e/);
    expect(loadLatencyEvaluator(dir, 'e').id).toBe('help-latency:nb201:e');
  });

  it('serves as a batched search evaluator of latencyMs', async () => {
    const refLat = REF.map((r) => table.latencyMs.e[r]);
    const features = prepareFeatures(table, getDevice('raspberry-pi-5'), { referenceRows: REF, lutDevices: [], stats: model.meta.featureStats, luts: model.meta.sourceLuts });
    const adapted = adapt(model, { device: 'e', referenceLatencyMs: refLat, x: selectRows(features.x, features.inputSize, REF), latencyMs: refLat });
    const evaluator: Evaluator = createLatencyEvaluator(adapted);
    const results = await evaluator.evaluate([
      nb201Space.decode([3, 3, 3, 3, 3, 3]),
      nb201Space.decode([0, 0, 0, 0, 0, 0]),
      { family: 'fbnet', blocks: Array(22).fill('skip') },
    ]);
    expect(results[0].ok && results[1].ok).toBe(true);
    if (results[0].ok && results[1].ok) {
      expect(results[0].metrics.latencyMs).toBeGreaterThan(results[1].metrics.latencyMs);
      // all-conv3x3 on e: 4 + Σ (1 + 0.1·edge)(0.4·1.5 + 0.8·0.6) = 4 + 7.5 · 1.08 = 12.1 ms
      expect(results[0].metrics.latencyMs).toBeGreaterThan(12.1 * 0.8);
      expect(results[0].metrics.latencyMs).toBeLessThan(12.1 * 1.2);
    }
    expect(results[2]).toEqual({ ok: false, error: 'predictor is for nb201, got a fbnet architecture' });
  });

  it('prices a search candidate: predicted latency, every other metric analytic (the search evaluator kind "predicted")', async () => {
    const features = prepareFeatures(table, getDevice('raspberry-pi-5'), { referenceRows: REF, lutDevices: [], stats: model.meta.featureStats, luts: model.meta.sourceLuts });
    const refLat = REF.map((r) => table.latencyMs.e[r]);
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-help-search-'));
    saveModel(dir, model);
    new LatencyPredictorRegistry().save(dir, adapt(model, { device: 'e', referenceLatencyMs: refLat, x: selectRows(features.x, features.inputSize, REF), latencyMs: refLat }));
    const evaluator = await createEvaluator({ kind: 'predicted', predictorDir: dir, predictorDevice: 'e', device: getDevice('raspberry-pi-5'), workload: PAPER_WORKLOAD, mode: 'roofline', law: 'codesign', trainingTokens: 10e9 });
    const [r] = await evaluator.evaluate([nb201Space.decode([3, 3, 3, 3, 3, 3])]);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.metrics.latencyMs).toBeGreaterThan(12.1 * 0.8); // the device's own latency, not the roofline's
      expect(r.metrics.latencyMs).toBeLessThan(12.1 * 1.2);
      expect(r.metrics.rooflineLatencyMs).toBeGreaterThan(0);
      expect(r.metrics.rooflineLatencyMs).not.toBeCloseTo(r.metrics.latencyMs, 3);
      expect(r.metrics.params).toBeGreaterThan(0);
    }
  });
});
