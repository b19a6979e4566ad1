/**
 * The meta-learned latency predictor: first-order Meta-SGD over devices (tasks), few-shot adaptation to an unseen
 * device, and batched prediction. Parameters travel as plain Float32Arrays between calls; tensors live only inside.
 */
import { createRng, shuffled, type Rng } from '../../core/rng.js';
import type { Genes } from '../../core/space.js';
import type { DeviceProfile } from '../../hardware/device.js';
import { tf } from '../../hardware/tf-backend.js';
import type { LatencySpaceId, LatencyTable } from './data.js';
import { encodeArch, encodedLength, fitFeatureStats, rooflineFeatures, type FeatureStats, type RooflineFeatures } from './encode.js';
import { forward, helpShape, HW_EMBEDDING_SIZE, initParams, lossGrads, paramSpecs, toTensors, type NetworkShape } from './network.js';
import { fitLut, lutFeatures, type SourceLut } from './luts.js';
import { denormaliseLatency, deviceNormalisation, hardwareEmbedding, normaliseLatency, type DeviceNormalisation } from './normalise.js';
import { applyRidge, fitRidge } from './ridge.js';
import { spearman } from './stats.js';

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
  /**
   * Support set of each task: 'reference' = the 10 hardware-embedding architectures (as at test time, where they
   * are the only measurements), 'random' = 10 random architectures.
   */
  readonly supportMode: 'reference' | 'random';
  /** Evaluate on the meta-validation devices every so many iterations and keep the best parameters (0 = never). */
  readonly validEvery: number;
  /** Architectures scored per validation device. */
  readonly validArchs: number;
  /** Ridge penalty of the closed-form head (ridge.ts); 0 turns the head off (plain Meta-SGD). */
  readonly ridgeLambda: number;
  /**
   * Candidates for the ridge penalty, chosen by the mean Spearman ρ of the ridge head alone on the meta-validation
   * devices before the network is trained (empty, or no validation devices: keep ridgeLambda).
   */
  readonly ridgeLambdaGrid: readonly number[];
}

export const DEFAULT_META_CONFIG: MetaTrainConfig = {
  seed: 0,
  iterations: 600,
  tasksPerIteration: 4,
  innerSteps: 2,
  innerLr: 0.01,
  outerLr: 1e-3,
  querySize: 64,
  supportMode: 'reference',
  validEvery: 100,
  validArchs: 1000,
  ridgeLambda: 0.1,
  ridgeLambdaGrid: [0.01, 0.03, 0.1, 0.3, 1, 3],
};

export interface AdaptedDevice {
  readonly name: string;
  readonly referenceLatencyMs: readonly number[];
  readonly normalisation: DeviceNormalisation;
  readonly samples: number;
  readonly steps: number;
  /** Closed-form ridge weights on [1, counts, LUT features] (empty when the head is off). */
  readonly ridge: readonly number[];
}

export interface HelpModelMeta {
  readonly format: 'hwnas-help-latency';
  readonly version: 1;
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
  readonly training: { readonly iterations: number; readonly bestIteration: number; readonly bestValidSpearman: number | null; readonly wallS: number };
  readonly adapted?: AdaptedDevice;
}

export interface HelpModel {
  readonly meta: HelpModelMeta;
  readonly theta: Float32Array[];
  /** Meta-SGD's per-parameter inner step sizes. */
  readonly alpha: Float32Array[];
}

/** Features of every architecture of a table, and the fixed standardisation of its roofline features. */
export interface PreparedFeatures {
  readonly space: LatencySpaceId;
  readonly inputSize: number;
  readonly rows: number;
  readonly x: Float32Array;
  readonly roofline: readonly RooflineFeatures[];
  readonly stats: FeatureStats;
  readonly luts: readonly SourceLut[];
}

export function computeRoofline(space: LatencySpaceId, genes: readonly Genes[], device: DeviceProfile): RooflineFeatures[] {
  return genes.map((g) => rooflineFeatures(space, g, device));
}

export function featurize(
  space: LatencySpaceId,
  genes: readonly Genes[],
  roofline: readonly RooflineFeatures[],
  stats: FeatureStats,
  luts: readonly SourceLut[],
): Float32Array {
  const k = encodedLength(space, luts.length);
  const x = new Float32Array(genes.length * k);
  genes.forEach((g, i) => x.set(encodeArch(space, g, roofline[i], stats, lutFeatures(space, luts, g)), i * k));
  return x;
}

/**
 * Features of every row of a table. The lookup tables are fitted on `lutDevices` (the meta-training devices only)
 * unless given; the roofline standardisation on the table unless given.
 */
export function prepareFeatures(
  table: LatencyTable,
  device: DeviceProfile,
  opts: { referenceRows: readonly number[]; lutDevices: readonly string[]; stats?: FeatureStats; luts?: readonly SourceLut[] },
): PreparedFeatures {
  const roofline = computeRoofline(table.space, table.genes, device);
  const stats = opts.stats ?? fitFeatureStats(roofline);
  const luts = opts.luts ?? opts.lutDevices.map((d) => fitLut(table, d, opts.referenceRows));
  return {
    space: table.space,
    inputSize: encodedLength(table.space, luts.length),
    rows: table.genes.length,
    x: featurize(table.space, table.genes, roofline, stats, luts),
    roofline,
    stats,
    luts,
  };
}

export function selectRows(x: Float32Array, width: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, i) => out.set(x.subarray(r * width, (r + 1) * width), i * width));
  return out;
}

function gather(x: Float32Array, width: number, rows: readonly number[]): tf.Tensor2D {
  return tf.tensor2d(selectRows(x, width, rows), [rows.length, width]);
}

/**
 * Targets for the network: the normalised latency minus the closed-form ridge fitted on the support set.
 * Returns the ridge weights and the residual targets of the support and of any other rows.
 */
function residualTargets(
  space: LatencySpaceId,
  lambda: number,
  xSupport: Float32Array,
  zSupport: ArrayLike<number>,
  width: number,
  others: { x: Float32Array; z: ArrayLike<number> }[] = [],
): { w: number[]; support: Float32Array; others: Float32Array[] } {
  if (lambda <= 0) return { w: [], support: Float32Array.from(zSupport), others: others.map((o) => Float32Array.from(o.z)) };
  const w = fitRidge(space, xSupport, width, zSupport, lambda);
  const minus = (x: Float32Array, z: ArrayLike<number>) => {
    const fit = applyRidge(space, x, width, w);
    return Float32Array.from(fit, (f, i) => z[i] - f);
  };
  return { w, support: minus(xSupport, zSupport), others: others.map((o) => minus(o.x, o.z)) };
}

interface Task {
  readonly device: string;
  readonly hw: tf.Tensor2D;
  readonly z: Float32Array;
  /** Features seen in this task: the device's own lookup-table column is zeroed (see maskOwnLut). */
  readonly x: Float32Array;
}

/**
 * A meta-training device must not see its own lookup table among the features: that column would predict it almost
 * exactly, the ridge would leave nothing to learn, and nothing would transfer to an unseen device, which never has
 * its own table. Its column is zeroed (the features are centred on the reference architectures, so 0 is neutral).
 */
function maskOwnLut(features: PreparedFeatures, device: string): Float32Array {
  const j = features.luts.findIndex((l) => l.device === device);
  if (j < 0) return features.x;
  const x = features.x.slice();
  const col = features.inputSize - features.luts.length + j;
  for (let r = 0; r < features.rows; r++) x[r * features.inputSize + col] = 0;
  return x;
}

function makeTask(table: LatencyTable, features: PreparedFeatures, device: string, referenceRows: readonly number[]): Task {
  const lat = table.latencyMs[device];
  if (!lat) throw new Error(`unknown device '${device}' in ${table.file}; valid: ${table.devices.join(', ')}`);
  const ref = referenceRows.map((r) => lat[r]);
  const norm = deviceNormalisation(ref);
  const z = new Float32Array(lat.length);
  for (let i = 0; i < lat.length; i++) z[i] = normaliseLatency(lat[i], norm);
  return { device, hw: tf.tensor2d(hardwareEmbedding(ref, norm), [1, HW_EMBEDDING_SIZE]), z, x: maskOwnLut(features, device) };
}

/** Inner loop: `steps` steps of θ ← θ − α ⊙ ∇L_support(θ). Returns the adapted θ and the sum of the gradients. */
function innerLoop(theta: readonly tf.Tensor[], alpha: readonly tf.Tensor[], x: tf.Tensor2D, hw: tf.Tensor2D, y: tf.Tensor1D, steps: number) {
  let current = theta.slice();
  let gradSum: tf.Tensor[] | null = null;
  for (let s = 0; s < steps; s++) {
    const g = lossGrads(current, x, hw, y);
    const next = current.map((p, i) => tf.sub(p, tf.mul(alpha[i], g[i])));
    if (s > 0) current.forEach((t) => t.dispose());
    current = next;
    if (gradSum === null) gradSum = g;
    else {
      const summed: tf.Tensor[] = gradSum.map((a, i) => tf.add(a, g[i]));
      gradSum.forEach((t) => t.dispose());
      g.forEach((t) => t.dispose());
      gradSum = summed;
    }
  }
  return { adapted: current, gradSum: gradSum ?? theta.map((p) => tf.zerosLike(p)) };
}

export interface MetaTrainInput {
  readonly table: LatencyTable;
  readonly features: PreparedFeatures;
  /** Rows of HELP's 10 hardware-embedding architectures. */
  readonly referenceRows: readonly number[];
  readonly trainDevices: readonly string[];
  readonly validDevices: readonly string[];
  readonly rooflineDevice: string;
  readonly config?: Partial<MetaTrainConfig>;
  readonly log?: (line: string) => void;
}

/**
 * First-order Meta-SGD (Li et al. 2017; HELP uses the second-order form): per task, adapt θ with the learned step
 * sizes α on the support set, then move θ along the query-set gradient at the adapted point, and α along
 * −∇L_query ⊙ Σ∇L_support (the exact α-gradient when the Hessian terms are dropped). Adam on both.
 */
export function metaTrain(input: MetaTrainInput): HelpModel {
  let cfg: MetaTrainConfig = { ...DEFAULT_META_CONFIG, ...input.config };
  const { table, features, referenceRows } = input;
  if (referenceRows.length !== HW_EMBEDDING_SIZE) throw new Error(`expected ${HW_EMBEDDING_SIZE} reference architectures, got ${referenceRows.length}`);
  const started = performance.now();
  const rng = createRng(cfg.seed);
  const shape = helpShape(features.inputSize);
  const specs = paramSpecs(shape);
  const width = features.inputSize;
  const tasks = input.trainDevices.map((d) => makeTask(table, features, d, referenceRows));
  const validTasks = input.validDevices.map((d) => makeTask(table, features, d, referenceRows));
  const refSet = new Set(referenceRows);
  const pool = Array.from({ length: table.genes.length }, (_, i) => i).filter((i) => !refSet.has(i));
  const validRows = shuffled(pool, rng).slice(0, Math.min(cfg.validArchs, pool.length));
  const validXs = selectRows(features.x, width, validRows);
  const validRefXs = selectRows(features.x, width, referenceRows);
  if (validTasks.length > 0 && cfg.ridgeLambda > 0 && cfg.ridgeLambdaGrid.length > 0) {
    const ridgeRho = (lambda: number) =>
      validTasks.reduce((sum, task) => {
        const zv = validRows.map((r) => task.z[r]);
        const t = residualTargets(table.space, lambda, validRefXs, referenceRows.map((r) => task.z[r]), width, [{ x: validXs, z: zv }]);
        return sum + spearman(zv.map((z, i) => z - t.others[0][i]), zv);
      }, 0) / validTasks.length;
    const scored = cfg.ridgeLambdaGrid.map((lambda) => ({ lambda, rho: ridgeRho(lambda) }));
    const chosen = scored.reduce((a, b) => (b.rho > a.rho ? b : a));
    input.log?.(`ridge penalty ${chosen.lambda} (meta-valid ρ of the ridge head: ${scored.map((x) => `${x.lambda}: ${x.rho.toFixed(4)}`).join(', ')})`);
    cfg = { ...cfg, ridgeLambda: chosen.lambda };
  }

  const theta = toTensors(specs, initParams(shape, rng)).map((t, i) => tf.variable(t, true, `help_theta_${uid}_${i}`));
  const alpha = specs.map((p, i) => tf.variable(tf.fill(p.shape as number[], cfg.innerLr), true, `help_alpha_${uid}_${i}`));
  uid++;
  const optimizer = tf.train.adam(cfg.outerLr);
  let best = { iteration: -1, rho: -Infinity, theta: [] as Float32Array[], alpha: [] as Float32Array[] };

  const validate = (): number => {
    const rhos = validTasks.map((task) =>
      tf.tidy(() => {
        const zv = validRows.map((r) => task.z[r]);
        const t = residualTargets(table.space, cfg.ridgeLambda, validRefXs, referenceRows.map((r) => task.z[r]), width, [{ x: validXs, z: zv }]);
        const { adapted } = innerLoop(theta, alpha, tf.tensor2d(validRefXs, [referenceRows.length, width]), task.hw, tf.tensor1d(t.support), cfg.innerSteps);
        const nn = forward(adapted, tf.tensor2d(validXs, [validRows.length, width]), task.hw).dataSync();
        // prediction = ridge + network = (z − residual) + network
        const pred = zv.map((z, i) => z - t.others[0][i] + nn[i]);
        return spearman(pred, zv);
      }),
    );
    return rhos.reduce((s, v) => s + v, 0) / rhos.length;
  };

  const snapshot = (iteration: number, rho: number) => ({
    iteration,
    rho,
    theta: theta.map((t) => t.dataSync().slice() as Float32Array),
    alpha: alpha.map((t) => t.dataSync().slice() as Float32Array),
  });
  if (validTasks.length > 0 && cfg.validEvery > 0) {
    const rho = validate();
    input.log?.(`iteration 0: meta-valid mean Spearman ${rho.toFixed(4)}`);
    best = snapshot(0, rho);
  }
  for (let it = 0; it < cfg.iterations; it++) {
    const chosen = shuffled(tasks, rng).slice(0, Math.min(cfg.tasksPerIteration, tasks.length));
    const gTheta = theta.map((p) => tf.zerosLike(p));
    const gAlpha = alpha.map((p) => tf.zerosLike(p));
    for (const task of chosen) {
      const supportRows = cfg.supportMode === 'reference' ? referenceRows : shuffled(pool, rng).slice(0, HW_EMBEDDING_SIZE);
      const queryRows = shuffled(pool, rng).slice(0, cfg.querySize);
      const xsJs = selectRows(task.x, width, supportRows);
      const xqJs = selectRows(task.x, width, queryRows);
      const t = residualTargets(table.space, cfg.ridgeLambda, xsJs, supportRows.map((r) => task.z[r]), width, [{ x: xqJs, z: queryRows.map((r) => task.z[r]) }]);
      tf.tidy(() => {
        const xs = tf.tensor2d(xsJs, [supportRows.length, width]);
        const { adapted, gradSum } = innerLoop(theta, alpha, xs, task.hw, tf.tensor1d(t.support), cfg.innerSteps);
        const gq = lossGrads(adapted, tf.tensor2d(xqJs, [queryRows.length, width]), task.hw, tf.tensor1d(t.others[0]));
        gq.forEach((g, i) => {
          const a = gTheta[i];
          gTheta[i] = tf.keep(tf.add(a, g));
          a.dispose();
          const b = gAlpha[i];
          gAlpha[i] = tf.keep(tf.sub(b, tf.mul(g, gradSum[i])));
          b.dispose();
        });
      });
    }
    const scale = 1 / chosen.length;
    const named = [
      ...theta.map((v, i) => ({ name: v.name, tensor: tf.mul(gTheta[i], scale) })),
      ...alpha.map((v, i) => ({ name: v.name, tensor: tf.mul(gAlpha[i], scale) })),
    ];
    optimizer.applyGradients(named);
    named.forEach((t) => t.tensor.dispose());
    [...gTheta, ...gAlpha].forEach((t) => t.dispose());
    // Step sizes stay positive: a negative α would ascend the support loss.
    alpha.forEach((a) => a.assign(tf.tidy(() => tf.maximum(a, 0))));

    const last = it === cfg.iterations - 1;
    if (validTasks.length > 0 && cfg.validEvery > 0 && ((it + 1) % cfg.validEvery === 0 || last)) {
      const rho = validate();
      input.log?.(`iteration ${it + 1}: meta-valid mean Spearman ${rho.toFixed(4)}`);
      if (rho > best.rho) best = snapshot(it + 1, rho);
    }
  }
  if (best.iteration < 0) best = snapshot(cfg.iterations, -Infinity);
  [...theta, ...alpha].forEach((t) => t.dispose());
  optimizer.dispose();
  [...tasks, ...validTasks].forEach((t) => t.hw.dispose());

  return {
    meta: {
      format: 'hwnas-help-latency',
      version: 1,
      space: table.space,
      shape,
      featureStats: features.stats,
      sourceLuts: features.luts,
      referenceGenes: referenceRows.map((r) => table.genes[r]),
      rooflineDevice: input.rooflineDevice,
      sourceDevices: input.trainDevices,
      validDevices: input.validDevices,
      config: cfg,
      training: { iterations: cfg.iterations, bestIteration: best.iteration, bestValidSpearman: Number.isFinite(best.rho) ? best.rho : null, wallS: (performance.now() - started) / 1000 },
    },
    theta: best.theta,
    alpha: best.alpha,
  };
}
let uid = 0;

export interface AdaptInput {
  readonly device: string;
  /** Latencies of the model's 10 reference architectures on the device, in embedding order. */
  readonly referenceLatencyMs: readonly number[];
  /** Features ([n × inputSize]) and latencies of the adaptation samples (often the reference architectures). */
  readonly x: Float32Array;
  readonly latencyMs: ArrayLike<number>;
  /** Inner steps with the learned step sizes; default the meta-training count. */
  readonly steps?: number;
}

/** Few-shot adaptation: `steps` Meta-SGD steps on the device's samples. */
export function adapt(model: HelpModel, input: AdaptInput): HelpModel {
  const { shape } = model.meta;
  if (input.referenceLatencyMs.length !== HW_EMBEDDING_SIZE) throw new Error(`expected ${HW_EMBEDDING_SIZE} reference latencies, got ${input.referenceLatencyMs.length}`);
  const n = input.latencyMs.length;
  const steps = input.steps ?? model.meta.config.innerSteps;
  const norm = deviceNormalisation(input.referenceLatencyMs);
  const specs = paramSpecs(shape);
  const z = Array.from(input.latencyMs, (v) => normaliseLatency(v, norm));
  const t = residualTargets(model.meta.space, model.meta.config.ridgeLambda, input.x, z, shape.inputSize);
  const theta = tf.tidy(() => {
    const params = toTensors(specs, model.theta);
    const alpha = toTensors(specs, model.alpha);
    const hw = tf.tensor2d(hardwareEmbedding(input.referenceLatencyMs, norm), [1, HW_EMBEDDING_SIZE]);
    const x = tf.tensor2d(input.x, [n, shape.inputSize]);
    const { adapted } = innerLoop(params, alpha, x, hw, tf.tensor1d(t.support), steps);
    return adapted.map((t) => t.dataSync().slice() as Float32Array);
  });
  return {
    meta: { ...model.meta, adapted: { name: input.device, referenceLatencyMs: [...input.referenceLatencyMs], normalisation: norm, samples: n, steps, ridge: t.w } },
    theta,
    alpha: model.alpha,
  };
}

/** Latency (ms) of each row of `x` on the adapted device. */
export function predictMs(model: HelpModel, x: Float32Array): Float64Array {
  const a = model.meta.adapted;
  if (!a) throw new Error('predictor is not adapted to a device: run `hwnas predictor adapt` first');
  const z = predictNormalised(model, x, a.referenceLatencyMs);
  const fit = a.ridge.length > 0 ? applyRidge(model.meta.space, x, model.meta.shape.inputSize, a.ridge) : new Float64Array(z.length);
  const out = new Float64Array(z.length);
  for (let i = 0; i < z.length; i++) out[i] = denormaliseLatency(z[i] + fit[i], a.normalisation);
  return out;
}

/** The network's part of the normalised latency of each row of `x` (without the ridge head). */
export function predictNormalised(model: HelpModel, x: Float32Array, referenceLatencyMs: readonly number[]): Float32Array {
  const { shape } = model.meta;
  const n = x.length / shape.inputSize;
  if (!Number.isInteger(n)) throw new Error(`features: length ${x.length} is not a multiple of ${shape.inputSize}`);
  if (n === 0) return new Float32Array(0);
  const zT = tf.tidy(() => {
    const params = toTensors(paramSpecs(shape), model.theta);
    const hw = tf.tensor2d(hardwareEmbedding(referenceLatencyMs), [1, HW_EMBEDDING_SIZE]);
    return forward(params, tf.tensor2d(x, [n, shape.inputSize]), hw);
  });
  const z = zT.dataSync() as Float32Array;
  zT.dispose();
  return z;
}

/** A plain MLP of the same shape trained from scratch on the samples only (the non-meta baseline). */
export function trainPlainMlp(
  inputSize: number,
  x: Float32Array,
  latencyMs: ArrayLike<number>,
  referenceLatencyMs: readonly number[],
  opts: { seed: number; steps: number; lr: number },
): (xTest: Float32Array) => Float64Array {
  const shape = helpShape(inputSize);
  const specs = paramSpecs(shape);
  const rng: Rng = createRng(`plain-${opts.seed}`);
  const norm = deviceNormalisation(referenceLatencyMs);
  const vars = toTensors(specs, initParams(shape, rng)).map((t, i) => tf.variable(t, true, `plain_${uid}_${i}`));
  uid++;
  const n = latencyMs.length;
  const optimizer = tf.train.adam(opts.lr);
  const hw = tf.tensor2d(hardwareEmbedding(referenceLatencyMs, norm), [1, HW_EMBEDDING_SIZE]);
  const xs = tf.tensor2d(x, [n, inputSize]);
  const ys = tf.tensor1d(Array.from(latencyMs, (v) => normaliseLatency(v, norm)));
  for (let s = 0; s < opts.steps; s++) {
    optimizer.minimize(() => tf.mean(tf.square(tf.sub(forward(vars, xs, hw), ys))) as tf.Scalar, false, vars);
  }
  const finalTheta = vars.map((v) => v.dataSync().slice() as Float32Array);
  [...vars, hw, xs, ys].forEach((t) => t.dispose());
  optimizer.dispose();
  return (xTest) => {
    const zT = tf.tidy(() => {
      const params = toTensors(specs, finalTheta);
      const h = tf.tensor2d(hardwareEmbedding(referenceLatencyMs, norm), [1, HW_EMBEDDING_SIZE]);
      return forward(params, tf.tensor2d(xTest, [xTest.length / inputSize, inputSize]), h);
    });
    const z = zT.dataSync();
    zT.dispose();
    return Float64Array.from(z, (v) => denormaliseLatency(v, norm));
  };
}
