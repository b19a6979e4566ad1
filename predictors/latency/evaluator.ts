/**
 * The adapted predictor as a search evaluator: latencyMs for batches of nb201 / fbnet architectures, one forward
 * pass per batch. It has the shape of search/evaluate/evaluator.ts's Evaluator (structural typing keeps this layer
 * free of imports from search/).
 */
import { FBNET_BLOCKS, NB201_OPS, type Architecture } from '../../core/architecture.js';
import type { Genes } from '../../core/space.js';
import { getDevice } from '../../hardware/devices.js';
import { initTf } from '../../hardware/tf-backend.js';
import { computeRoofline, featurize } from './features.js';
import { predictMs, type HelpModel } from './model.js';
import { LatencyPredictorRegistry } from './registry.js';

export type LatencyEvaluation = { readonly ok: true; readonly metrics: Readonly<Record<string, number>> } | { readonly ok: false; readonly error: string };

export function archGenes(arch: Architecture): Genes | string {
  if (arch.family === 'nb201') {
    const g = arch.edges.map((op) => NB201_OPS.indexOf(op));
    return g.length === 6 && g.every((v) => v >= 0) ? g : 'nb201 architecture needs 6 known edge operations';
  }
  if (arch.family === 'fbnet') {
    const g = arch.blocks.map((b) => FBNET_BLOCKS.indexOf(b));
    return g.length === 22 && g.every((v) => v >= 0) ? g : 'fbnet architecture needs 22 known blocks';
  }
  return `architecture family '${arch.family}' is not supported by the HELP latency predictor`;
}

/** Predicted latency (ms) of gene vectors of the model's space. */
export function predictGenesMs(model: HelpModel, genes: readonly Genes[]): Float64Array {
  const device = getDevice(model.meta.rooflineDevice);
  const roofline = computeRoofline(model.meta.space, genes, device);
  const x = featurize(model.meta.space, genes, roofline, model.meta.featureStats, model.meta.sourceLuts);
  return predictMs(model, x);
}

export function createLatencyEvaluator(model: HelpModel) {
  const adapted = model.meta.adapted;
  if (!adapted) throw new Error('the latency evaluator needs an adapted predictor (hwnas predictor adapt)');
  return {
    id: `help-latency:${model.meta.space}:${adapted.name}`,
    async evaluate(architectures: readonly Architecture[]): Promise<LatencyEvaluation[]> {
      const out: LatencyEvaluation[] = new Array(architectures.length);
      const genes: Genes[] = [];
      const at: number[] = [];
      architectures.forEach((arch, i) => {
        const g = archGenes(arch);
        if (typeof g === 'string') out[i] = { ok: false, error: g };
        else if (arch.family !== model.meta.space) out[i] = { ok: false, error: `predictor is for ${model.meta.space}, got a ${arch.family} architecture` };
        else genes.push(g), at.push(i);
      });
      if (genes.length > 0) {
        await initTf();
        const ms = predictGenesMs(model, genes);
        at.forEach((i, k) => (out[i] = { ok: true, metrics: { latencyMs: ms[k] } }));
      }
      return out;
    },
  };
}

/**
 * The evaluator of the predictor adapted to `device` under a meta-trained predictor directory. Its arguments are
 * plain strings, so a worker thread of the evaluation pool can build its own copy.
 */
export function loadLatencyEvaluator(predictorDir: string, device: string) {
  return createLatencyEvaluator(LatencyPredictorRegistry.load(predictorDir).get(device));
}
