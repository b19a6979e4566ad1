/**
 * The meta-learned latency predictor as stored and used: its metadata and parameters, few-shot adaptation to an
 * unseen device from however many architectures were measured on it, and batched prediction. Parameters travel as
 * plain Float32Arrays between calls; tensors live only inside. Meta-training is in meta-train.ts.
 */
import type { Genes } from '../../core/space.js';
import { tf } from '../../hardware/tf-backend.js';
import type { LatencySpaceId } from './data.js';
import type { FeatureStats } from './encode.js';
import { hardwareEmbedding, HW_EMBEDDING_SIZE, REFERENCE_COUNT, type EmbeddingKind } from './hardware-embedding.js';
import type { SourceLut } from './luts.js';
import { MEASUREMENT_GRID } from './measurements.js';
import { forward, lossGrads, paramSpecs, toTensors, type EncoderKind, type NetworkShape } from './network.js';
import { denormaliseLatency, deviceNormalisation, normaliseLatency, type DeviceNormalisation, type SpreadPrior } from './normalise.js';
import { applyRidge, fitRidge } from './ridge.js';
import { ruleFor, type AdaptMethod, type RuleEntry } from './selection.js';

export type RidgeHead = 'residual' | 'correction' | 'none';
export const RIDGE_HEADS: readonly RidgeHead[] = ['residual', 'correction', 'none'];

export interface MetaTrainConfig {
  readonly seed: number;
  /** Outer (meta) updates. */
  readonly iterations: number;
  /** Devices per outer update. */
  readonly tasksPerIteration: number;
  /** Inner gradient steps (HELP: 2). */
  readonly innerSteps: number;
  /** Initial per-parameter inner step size (Meta-SGD learns it). */
  readonly innerLr: number;
  /** Adam step size of the outer update. */
  readonly outerLr: number;
  /** Architectures per query set. */
  readonly querySize: number;
  /** Numbers of measurements: each task draws one (its support set, measurements.ts); the rule is chosen per entry. */
  readonly measurementGrid: readonly number[];
  /** Architecture encoder: 'mlp' on the features, or HELP's graph convolutions of the cell ('gcn', nb201 only). */
  readonly encoder: EncoderKind;
  /** What the MLP encoder reads: all features, or only the one-hot of the genes (HELP's FBNet encoder). */
  readonly archInput: 'features' | 'onehot';
  /** Linear skip from the features to the output (ours; HELP has none). */
  readonly skip: boolean;
  /** Hardware embedding: HELP's min–max of the reference latencies ('help') or of their logarithms ('log'). */
  readonly embedding: EmbeddingKind;
  /** Second-order Meta-SGD (HELP's default): differentiate through the inner steps. First-order drops the Hessian. */
  readonly secondOrder: boolean;
  /**
   * How the network and the closed-form ridge (ridge.ts) share the prediction: 'residual' — the ridge fits the
   * measurements first and the network predicts what it leaves; 'correction' — the adapted network predicts first and
   * the ridge corrects its error on the measurements (the network is the prior the ridge shrinks toward; trained
   * through the ridge's closed form); 'none' — the network alone (HELP).
   */
  readonly ridgeHead: RidgeHead;
  /** Candidates for the ridge penalties, chosen per number of measurements on the meta-validation devices. */
  readonly ridgeLambdaGrid: readonly number[];
  /** Evaluate on the meta-validation devices every so many iterations and keep the best parameters (0 = never). */
  readonly validEvery: number;
  /** Architectures scored per validation device. */
  readonly validArchs: number;
  /** Random measurement sets per validation device and number of measurements, for the penalties and the rule. */
  readonly ruleDraws: number;
}

export const DEFAULT_META_CONFIG: MetaTrainConfig = {
  seed: 0,
  iterations: 200,
  tasksPerIteration: 4,
  innerSteps: 2,
  innerLr: 0.01,
  outerLr: 1e-3,
  querySize: 64,
  measurementGrid: MEASUREMENT_GRID,
  encoder: 'mlp',
  archInput: 'features',
  skip: true,
  embedding: 'log',
  secondOrder: false,
  ridgeHead: 'residual',
  ridgeLambdaGrid: [0.01, 0.03, 0.1, 0.3, 1, 3],
  validEvery: 50,
  validArchs: 1000,
  ruleDraws: 5,
};

/** Ridge penalties per number of measurements, chosen on the meta-validation devices. */
export interface PenaltyEntry {
  readonly measurements: number;
  readonly ridgeOnly: number;
  readonly ridgePrior: number;
}

export interface AdaptedDevice {
  readonly name: string;
  /** Latencies of the reference architectures in embedding order; null where not measured. */
  readonly referenceLatencyMs: readonly (number | null)[];
  readonly normalisation: DeviceNormalisation;
  readonly samples: number;
  readonly method: AdaptMethod;
  /** Meta-SGD steps taken (0 unless the method is 'meta-learned'). */
  readonly steps: number;
  /** Closed-form ridge weights on [1, counts, LUT features] (empty when the method has none). */
  readonly ridge: readonly number[];
}

export interface HelpModelMeta {
  readonly format: 'hwnas-help-latency';
  readonly version: 2;
  readonly space: LatencySpaceId;
  readonly shape: NetworkShape;
  readonly featureStats: FeatureStats;
  /** Lookup tables of the meta-training devices, whose predictions are encoder features. */
  readonly sourceLuts: readonly SourceLut[];
  /** HELP's hardware-embedding architectures (genes), in embedding order. */
  readonly referenceGenes: readonly Genes[];
  readonly rooflineDevice: string;
  readonly sourceDevices: readonly string[];
  readonly validDevices: readonly string[];
  readonly config: MetaTrainConfig;
  /** Prior spread of log latency (the meta-training devices' median) for the targets' normalisation. */
  readonly spreadPrior: SpreadPrior;
  /** The meta-training devices' mean ridge weights ('ridge-prior'). */
  readonly ridgePrior: readonly number[];
  readonly penalties: readonly PenaltyEntry[];
  /** Default method per number of measurements, chosen on the meta-validation devices. */
  readonly rule: readonly RuleEntry[];
  readonly training: { readonly iterations: number; readonly bestIteration: number; readonly bestValidSpearman: number | null; readonly wallS: number };
  readonly adapted?: AdaptedDevice;
}

export interface HelpModel {
  readonly meta: HelpModelMeta;
  readonly theta: Float32Array[];
  /** Meta-SGD's per-parameter inner step sizes. */
  readonly alpha: Float32Array[];
}

/** The part of a model that adaptation needs (also available during meta-training, before the model exists). */
export type AdaptContext = Pick<HelpModelMeta, 'space' | 'shape' | 'spreadPrior' | 'ridgePrior' | 'penalties'> & { readonly config: Pick<MetaTrainConfig, 'embedding' | 'ridgeHead' | 'innerSteps' | 'secondOrder'> };

export function entryFor<T extends { readonly measurements: number }>(entries: readonly T[], measurements: number): T {
  return ruleFor(entries as unknown as readonly RuleEntry[], measurements) as unknown as T;
}

/**
 * Closed-form part of adaptation: normalisation of the samples, the ridge weights of `method` and the targets left for
 * the network (for 'meta-learned' with a 'correction' head the ridge comes after the network: see correctionRidge).
 */
export function closedForm(ctx: AdaptContext, method: AdaptMethod, x: Float32Array, latencyMs: ArrayLike<number>) {
  const n = latencyMs.length;
  const normalisation = deviceNormalisation(latencyMs, ctx.spreadPrior);
  const z = Float64Array.from(latencyMs, (v) => normaliseLatency(v, normalisation));
  const penalty = entryFor(ctx.penalties, n);
  let ridge: number[] = [];
  if (method === 'ridge-only' || (method === 'meta-learned' && ctx.config.ridgeHead === 'residual')) ridge = fitRidge(ctx.space, x, ctx.shape.inputSize, z, penalty.ridgeOnly);
  else if (method === 'ridge-prior') ridge = fitRidge(ctx.space, x, ctx.shape.inputSize, z, penalty.ridgePrior, ctx.ridgePrior);
  const fit = ridge.length > 0 ? applyRidge(ctx.space, x, ctx.shape.inputSize, ridge) : new Float64Array(n);
  return { normalisation, ridge, residual: Float32Array.from(z, (v, i) => v - fit[i]) };
}

/**
 * Inner loop: `steps` steps of θ ← θ − α ⊙ ∇L_support(θ). Returns the adapted θ and the sum of the gradients (for the
 * first-order α-gradient). Under an outer tf.grads the steps are differentiated through (second order).
 */
export function innerLoop(shape: NetworkShape, theta: readonly tf.Tensor[], alpha: readonly tf.Tensor[], x: tf.Tensor2D, hw: tf.Tensor2D, y: tf.Tensor1D, steps: number) {
  let current = theta.slice();
  let gradSum: tf.Tensor[] | null = null;
  for (let s = 0; s < steps; s++) {
    const g = lossGrads(shape, current, x, hw, y);
    current = current.map((p, i) => tf.sub(p, tf.mul(alpha[i], g[i])));
    gradSum = gradSum === null ? g : gradSum.map((a, i) => tf.add(a, g[i]));
  }
  return { adapted: current, gradSum: gradSum ?? theta.map((p) => tf.zerosLike(p)) };
}

/** The correcting ridge of a 'correction' head: toward zero on the adapted network's error on the measurements. */
export function correctionRidge(ctx: AdaptContext, x: Float32Array, z: ArrayLike<number>, network: ArrayLike<number>): number[] {
  return fitRidge(ctx.space, x, ctx.shape.inputSize, Float64Array.from(z, (v, i) => v - network[i]), entryFor(ctx.penalties, z.length).ridgeOnly);
}

export interface AdaptInput {
  readonly device: string;
  /** Latencies of the model's 10 reference architectures on the device, in embedding order; null = not measured. */
  readonly referenceLatencyMs: readonly (number | null)[];
  /** Features ([n × inputSize]) and latencies of every measured architecture (the measured references included). */
  readonly x: Float32Array;
  readonly latencyMs: ArrayLike<number>;
  /** Default: the model's rule at this number of measurements. */
  readonly method?: AdaptMethod;
  /** Inner steps with the learned step sizes; default the meta-training count. */
  readonly steps?: number;
}

/** Few-shot adaptation from the device's measurements with `method` (default: the model's rule). */
export function adapt(model: HelpModel, input: AdaptInput): HelpModel {
  const { shape } = model.meta;
  if (input.referenceLatencyMs.length !== REFERENCE_COUNT) throw new Error(`expected ${REFERENCE_COUNT} reference latencies (null when unmeasured), got ${input.referenceLatencyMs.length}`);
  const n = input.latencyMs.length;
  if (n === 0) throw new Error('adapt: no measurements');
  if (input.x.length !== n * shape.inputSize) throw new Error(`adapt: ${input.x.length / shape.inputSize} feature rows for ${n} latencies`);
  const method = input.method ?? ruleFor(model.meta.rule, n).method;
  const steps = method === 'meta-learned' ? (input.steps ?? model.meta.config.innerSteps) : 0;
  const cf = closedForm(model.meta, method, input.x, input.latencyMs);
  let ridge = cf.ridge;
  const theta =
    method !== 'meta-learned'
      ? model.theta
      : tf.tidy(() => {
          const hw = tf.tensor2d(hardwareEmbedding(input.referenceLatencyMs, model.meta.config.embedding), [1, HW_EMBEDDING_SIZE]);
          const specs = paramSpecs(shape);
          const x = tf.tensor2d(input.x, [n, shape.inputSize]);
          const { adapted } = innerLoop(shape, toTensors(specs, model.theta), toTensors(specs, model.alpha), x, hw, tf.tensor1d(cf.residual), steps);
          if (model.meta.config.ridgeHead === 'correction') ridge = correctionRidge(model.meta, input.x, cf.residual, forward(shape, adapted, x, hw).dataSync());
          return adapted.map((t) => t.dataSync().slice() as Float32Array);
        });
  return {
    meta: { ...model.meta, adapted: { name: input.device, referenceLatencyMs: [...input.referenceLatencyMs], normalisation: cf.normalisation, samples: n, method, steps, ridge } },
    theta,
    alpha: model.alpha,
  };
}

/** Latency (ms) of each row of `x` on the adapted device. */
export function predictMs(model: HelpModel, x: Float32Array): Float64Array {
  const a = model.meta.adapted;
  if (!a) throw new Error('predictor is not adapted to a device: run `hwnas predictor adapt` first');
  const { inputSize } = model.meta.shape;
  const rows = x.length / inputSize;
  if (!Number.isInteger(rows)) throw new Error(`features: length ${x.length} is not a multiple of ${inputSize}`);
  const net = a.method === 'meta-learned' ? predictNormalised(model, x, a.referenceLatencyMs) : new Float32Array(rows);
  const fit = a.ridge.length > 0 ? applyRidge(model.meta.space, x, inputSize, a.ridge) : new Float64Array(rows);
  return Float64Array.from(net, (v, i) => denormaliseLatency(v + fit[i], a.normalisation));
}

/** Rows per forward pass: bounds the memory of the graph encoder's activations on whole tables. */
const PREDICT_BATCH = 4096;

/** The network's part of the normalised latency of each row of `x` (without the ridge head). */
export function predictNormalised(model: HelpModel, x: Float32Array, referenceLatencyMs: readonly (number | null)[]): Float32Array {
  const { shape } = model.meta;
  const n = x.length / shape.inputSize;
  if (!Number.isInteger(n)) throw new Error(`features: length ${x.length} is not a multiple of ${shape.inputSize}`);
  const out = new Float32Array(n);
  if (n === 0) return out;
  const params = toTensors(paramSpecs(shape), model.theta);
  const hw = tf.tensor2d(hardwareEmbedding(referenceLatencyMs, model.meta.config.embedding), [1, HW_EMBEDDING_SIZE]);
  for (let start = 0; start < n; start += PREDICT_BATCH) {
    const rows = Math.min(PREDICT_BATCH, n - start);
    const zT = tf.tidy(() => forward(shape, params, tf.tensor2d(x.subarray(start * shape.inputSize, (start + rows) * shape.inputSize), [rows, shape.inputSize]), hw));
    out.set(zT.dataSync(), start);
    zT.dispose();
  }
  [...params, hw].forEach((t) => t.dispose());
  return out;
}
