/**
 * HELP latency predictor: predictions per second in batch on one core (network only, and genes → latency including
 * lowering and features), and meta-training wall time per iteration on NAS-Bench-201.
 */
import { getDevice } from '../hardware/devices.js';
import { initTf } from '../hardware/tf-backend.js';
import { loadHelpLatencyTable, loadHelpMeta, rowsOfIndices, shippedHelpTableFile, SHIPPED_HELP_META_FILE } from '../predictors/latency/data.js';
import { ROOFLINE_REFERENCE_DEVICE } from '../predictors/latency/encode.js';
import { predictGenesMs } from '../predictors/latency/evaluator.js';
import { prepareFeatures, selectRows } from '../predictors/latency/features.js';
import { metaTrain } from '../predictors/latency/meta-train.js';
import { adapt, predictMs } from '../predictors/latency/model.js';
import type { BenchResult } from './types.js';

export async function run(): Promise<BenchResult[]> {
  const backend = await initTf({ threads: 1 });
  const table = loadHelpLatencyTable(shippedHelpTableFile('nb201'), 'nb201');
  const meta = loadHelpMeta(SHIPPED_HELP_META_FILE, 'nb201');
  const ref = rowsOfIndices(table, meta.referenceIndices);
  let t = performance.now();
  const features = prepareFeatures(table, getDevice(ROOFLINE_REFERENCE_DEVICE), { referenceRows: ref, lutDevices: meta.split.metaTrain });
  const featureS = (performance.now() - t) / 1000;
  const iterations = 40;
  const model = metaTrain({ table, features, referenceRows: ref, trainDevices: meta.split.metaTrain, validDevices: meta.split.metaValid, rooflineDevice: ROOFLINE_REFERENCE_DEVICE, config: { iterations, validEvery: 0 } });
  const refLat = ref.map((r) => table.latencyMs.pixel2[r]);
  const adapted = adapt(model, { device: 'pixel2', referenceLatencyMs: refLat, x: selectRows(features.x, features.inputSize, ref), latencyMs: refLat, method: 'meta-learned' });
  predictMs(adapted, features.x); // warm-up
  t = performance.now();
  const reps = 5;
  for (let i = 0; i < reps; i++) predictMs(adapted, features.x);
  const netPerS = (reps * table.genes.length) / ((performance.now() - t) / 1000);
  const genes = table.genes.slice(0, 2000);
  t = performance.now();
  predictGenesMs(adapted, genes);
  const fullPerS = genes.length / ((performance.now() - t) / 1000);
  const tag = `[${backend.choice}, ${backend.threads} thread]`;
  return [
    { name: `nb201 predictions/s, batch 15,625, network + ridge ${tag}`, value: netPerS, unit: 'arch/s' },
    { name: `nb201 predictions/s, batch 2,000, genes → lowering → features → latency ${tag}`, value: fullPerS, unit: 'arch/s' },
    { name: `nb201 meta-training per iteration (4 devices, 2 inner steps, query 64) ${tag}`, value: model.meta.training.wallS / iterations, unit: 's' },
    { name: `nb201 meta-training wall time, ${iterations} iterations ${tag}`, value: model.meta.training.wallS, unit: 's' },
    { name: 'nb201 features for 15,625 cells (lowering, roofline, source tables)', value: featureS, unit: 's' },
  ];
}
