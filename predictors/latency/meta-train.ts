/**
 * Meta-training of the latency predictor over devices (tasks), Meta-SGD (Li et al. 2017; HELP's algorithm): per task,
 * adapt θ with learned per-parameter step sizes α on the task's measured architectures (support), then move θ and α
 * along the gradient of the query loss at the adapted point — through the inner steps (second order, HELP's default)
 * or dropping the Hessian terms (first order: θ along ∇L_query, α along −∇L_query ⊙ Σ∇L_support). Adam on both.
 *
 * Each task draws its number of measurements from the grid (measurements.ts), so one predictor serves any count.
 * Before training, the ridge penalties are chosen per count on the meta-validation devices; after it, the default
 * method per count (selection.ts) — the meta-test devices are never looked at.
 */
import { createRng, shuffled } from '../../core/rng.js';
import { tf } from '../../hardware/tf-backend.js';
import type { LatencyTable } from './data.js';
import { choicesPerGene, genesPerArch } from './encode.js';
import { maskOwnLut, selectRows, type PreparedFeatures } from './features.js';
import { hardwareEmbedding, HW_EMBEDDING_SIZE, REFERENCE_COUNT } from './hardware-embedding.js';
import { measuredRows, OUTLIER_TRIM, referenceLatencies, trimmedPool } from './measurements.js';
import { closedForm, correctionRidge, DEFAULT_META_CONFIG, entryFor, innerLoop, type AdaptContext, type HelpModel, type MetaTrainConfig, type PenaltyEntry } from './model.js';
import { metaGradient } from './meta-gradient.js';
import { forward, helpShape, initParams, paramSpecs, toTensors, type NetworkShape } from './network.js';
import { deviceNormalisation, normaliseLatency, SPREAD_PRIOR_WEIGHT, type SpreadPrior } from './normalise.js';
import { applyRidge, fitRidge, ridgeSmoother } from './ridge.js';
import { ADAPT_METHODS, chooseMethod, type AdaptMethod, type RuleEntry } from './selection.js';
import { spearman } from './stats.js';

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

/** Penalty of the near-unpenalised full-data ridge fits behind the prior weights. */
const PRIOR_FIT_LAMBDA = 1e-2;

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function logStd(latencyMs: ArrayLike<number>): number {
  return deviceNormalisation(latencyMs).logStd;
}

/** One scoring of the meta-validation devices: a device, a number of measurements and the rows measured. */
interface ValidCase {
  readonly device: string;
  readonly n: number;
  readonly draw: number;
  readonly measured: readonly number[];
}

export function metaTrain(input: MetaTrainInput): HelpModel {
  const cfg: MetaTrainConfig = { ...DEFAULT_META_CONFIG, ...input.config };
  const { table, features, referenceRows } = input;
  if (referenceRows.length !== REFERENCE_COUNT) throw new Error(`expected ${REFERENCE_COUNT} reference architectures, got ${referenceRows.length}`);
  if (cfg.encoder === 'gcn' && table.space !== 'nb201') throw new Error(`the graph encoder is for nb201 cells; ${table.space} uses 'mlp'`);
  if (cfg.measurementGrid.length === 0 || cfg.measurementGrid.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('measurementGrid: integers ≥ 1');
  const started = performance.now();
  const rng = createRng(cfg.seed);
  const width = features.inputSize;
  const shape: NetworkShape = helpShape(width, {
    encoder: cfg.encoder,
    archInputSize: cfg.archInput === 'onehot' ? genesPerArch(table.space) * choicesPerGene(table.space) : width,
    skip: cfg.skip,
  });
  const specs = paramSpecs(shape);
  const latencyOf = (device: string) => {
    const lat = table.latencyMs[device];
    if (!lat) throw new Error(`unknown device '${device}' in ${table.file}; valid: ${table.devices.join(', ')}`);
    return lat;
  };
  const refSet = new Set(referenceRows);
  const pool = Array.from({ length: table.genes.length }, (_, i) => i).filter((i) => !refSet.has(i));
  const tasks = input.trainDevices.map((device) => {
    const lat = latencyOf(device);
    return { device, x: maskOwnLut(features, device), lat, extraPool: trimmedPool(pool, lat) };
  });

  // Priors from the meta-training devices: their typical log-latency spread, and their mean ridge weights.
  const spreadPrior: SpreadPrior = { logStd: median(tasks.map((t) => logStd(t.lat))), weight: SPREAD_PRIOR_WEIGHT };
  const priorFits = tasks.map((t) => {
    const norm = deviceNormalisation(referenceRows.map((r) => t.lat[r]), spreadPrior);
    return fitRidge(table.space, t.x, width, Float64Array.from(t.lat, (v) => normaliseLatency(v, norm)), PRIOR_FIT_LAMBDA);
  });
  const ridgePrior = priorFits[0].map((_, j) => priorFits.reduce((s, w) => s + w[j], 0) / priorFits.length);

  // Meta-validation: fixed scored architectures, and fixed measurement draws per device and count.
  // Leave enough unscored architectures for the largest count's extra measurements, after the outlier trim.
  const extraNeeded = Math.ceil(Math.max(0, Math.max(...cfg.measurementGrid) - REFERENCE_COUNT) / (1 - 2 * OUTLIER_TRIM)) + 1;
  if (pool.length < extraNeeded + 2) throw new Error(`${table.file}: ${pool.length} architectures besides the references; measurement grid up to ${Math.max(...cfg.measurementGrid)} needs more`);
  const validRows = shuffled(pool, rng).slice(0, Math.min(cfg.validArchs, pool.length - extraNeeded));
  const validSet = new Set(validRows);
  const extraPool = pool.filter((r) => !validSet.has(r));
  const validX = selectRows(features.x, width, validRows);
  const cases: ValidCase[] = input.validDevices.flatMap((device) => {
    // The trimmed pool depends on the device alone (it draws nothing): sorted once, not per count and draw.
    const devicePool = trimmedPool(extraPool, latencyOf(device));
    return cfg.measurementGrid.flatMap((n) => Array.from({ length: cfg.ruleDraws }, (_, draw) => ({ device, n, draw, measured: measuredRows(referenceRows, n, rng, devicePool) })));
  });

  let penalties: PenaltyEntry[] = cfg.measurementGrid.map((n) => ({ measurements: n, ridgeOnly: cfg.ridgeLambdaGrid[0] ?? 0.1, ridgePrior: cfg.ridgeLambdaGrid[0] ?? 0.1 }));
  const context = (): AdaptContext => ({ space: table.space, shape, spreadPrior, ridgePrior, penalties, config: cfg });

  /** Spearman ρ of a method on a validation case (θ, α as tensors for 'meta-learned'). */
  const validTensor = tf.keep(tf.tensor2d(validX, [validRows.length, width]));
  const scoreCase = (c: ValidCase, method: AdaptMethod, params?: { theta: readonly tf.Tensor[]; alpha: readonly tf.Tensor[] }): number => {
    const lat = latencyOf(c.device);
    const xs = selectRows(features.x, width, c.measured);
    const cf = closedForm(context(), method, xs, c.measured.map((r) => lat[r]));
    let fit = cf.ridge.length > 0 ? applyRidge(table.space, validX, width, cf.ridge) : new Float64Array(validRows.length);
    let net: ArrayLike<number> = new Float32Array(validRows.length);
    if (method === 'meta-learned' && params) {
      net = tf.tidy(() => {
        const hw = tf.tensor2d(hardwareEmbedding(referenceLatencies(referenceRows, c.measured, lat), cfg.embedding), [1, HW_EMBEDDING_SIZE]);
        const xsT = tf.tensor2d(xs, [c.measured.length, width]);
        const { adapted } = innerLoop(shape, params.theta, params.alpha, xsT, hw, tf.tensor1d(cf.residual), cfg.innerSteps);
        if (cfg.ridgeHead === 'correction') {
          const w = correctionRidge(context(), xs, cf.residual, forward(shape, adapted, xsT, hw).dataSync());
          fit = applyRidge(table.space, validX, width, w);
        }
        return forward(shape, adapted, validTensor, hw).dataSync() as Float32Array;
      });
    }
    return spearman(Float64Array.from(fit, (f, i) => f + net[i]), validRows.map((r) => lat[r]));
  };
  const casesAt = (n: number, draws = cfg.ruleDraws) => cases.filter((c) => c.n === n && c.draw < draws);
  const meanOf = (v: readonly number[]) => v.reduce((s, x) => s + x, 0) / v.length;

  if (cases.length > 0) {
    penalties = cfg.measurementGrid.map((n) => {
      const best = (method: 'ridge-only' | 'ridge-prior') =>
        cfg.ridgeLambdaGrid
          .map((lambda) => {
            const saved = penalties;
            penalties = penalties.map((p) => (p.measurements === n ? { ...p, ridgeOnly: lambda, ridgePrior: lambda } : p));
            const rho = meanOf(casesAt(n).map((c) => scoreCase(c, method)));
            penalties = saved;
            return { lambda, rho };
          })
          .reduce((a, b) => (b.rho > a.rho ? b : a));
      const only = best('ridge-only');
      const prior = best('ridge-prior');
      input.log?.(`${n} measurements: ridge penalty ${only.lambda} (meta-valid ρ ${only.rho.toFixed(4)}), around the prior ${prior.lambda} (ρ ${prior.rho.toFixed(4)})`);
      return { measurements: n, ridgeOnly: only.lambda, ridgePrior: prior.lambda };
    });
  }

  const uid = nextUid++;
  const theta = toTensors(specs, initParams(shape, rng)).map((t, i) => tf.variable(t, true, `help_theta_${uid}_${i}`));
  const alpha = specs.map((p, i) => tf.variable(tf.fill(p.shape as number[], cfg.innerLr), true, `help_alpha_${uid}_${i}`));
  const optimizer = tf.train.adam(cfg.outerLr);

  const validate = (): number => meanOf(cases.filter((c) => c.draw === 0).map((c) => scoreCase(c, 'meta-learned', { theta, alpha })));
  const snapshot = (iteration: number, rho: number) => ({ iteration, rho, theta: theta.map((t) => t.dataSync().slice() as Float32Array), alpha: alpha.map((t) => t.dataSync().slice() as Float32Array) });
  let best = { iteration: -1, rho: -Infinity, theta: [] as Float32Array[], alpha: [] as Float32Array[] };
  const validating = cases.length > 0 && cfg.validEvery > 0;
  if (validating) {
    const rho = validate();
    input.log?.(`iteration 0: meta-valid mean Spearman ${rho.toFixed(4)}`);
    best = snapshot(0, rho);
  }

  for (let it = 0; it < cfg.iterations; it++) {
    const chosen = shuffled(tasks, rng).slice(0, Math.min(cfg.tasksPerIteration, tasks.length));
    const gTheta: tf.Tensor[] = theta.map((p) => tf.zerosLike(p));
    const gAlpha: tf.Tensor[] = alpha.map((p) => tf.zerosLike(p));
    for (const task of chosen) {
      const n = cfg.measurementGrid[rng.int(cfg.measurementGrid.length)];
      const support = measuredRows(referenceRows, n, rng, task.extraPool);
      const measured = new Set(support);
      const query = shuffled(pool, rng).slice(0, cfg.querySize + n).filter((r) => !measured.has(r)).slice(0, cfg.querySize);
      const xsJs = selectRows(task.x, width, support);
      const xqJs = selectRows(task.x, width, query);
      const cf = closedForm(context(), 'meta-learned', xsJs, support.map((r) => task.lat[r]));
      const fitQ = cf.ridge.length > 0 ? applyRidge(table.space, xqJs, width, cf.ridge) : new Float64Array(query.length);
      const yq = Float32Array.from(query, (r, i) => normaliseLatency(task.lat[r], cf.normalisation) - fitQ[i]);
      const grads = tf.tidy(() =>
        metaGradient(
          shape,
          theta,
          alpha,
          {
            hw: tf.tensor2d(hardwareEmbedding(referenceLatencies(referenceRows, support, task.lat), cfg.embedding), [1, HW_EMBEDDING_SIZE]),
            xs: tf.tensor2d(xsJs, [support.length, width]),
            ys: tf.tensor1d(cf.residual),
            xq: tf.tensor2d(xqJs, [query.length, width]),
            yq: tf.tensor1d(yq),
            ...(cfg.ridgeHead === 'correction' ? { correction: tf.tensor2d(ridgeSmoother(table.space, xsJs, xqJs, width, entryFor(penalties, n).ridgeOnly), [query.length, support.length]) } : {}),
          },
          cfg.innerSteps,
          cfg.secondOrder,
        ),
      );
      grads.theta.forEach((g, i) => {
        const sum = tf.add(gTheta[i], g);
        gTheta[i].dispose();
        gTheta[i] = sum;
      });
      grads.alpha.forEach((g, i) => {
        const sum = tf.add(gAlpha[i], g);
        gAlpha[i].dispose();
        gAlpha[i] = sum;
      });
      [...grads.theta, ...grads.alpha].forEach((t) => t.dispose());
    }
    const scale = 1 / chosen.length;
    const named = [...theta.map((v, i) => ({ name: v.name, tensor: tf.mul(gTheta[i], scale) })), ...alpha.map((v, i) => ({ name: v.name, tensor: tf.mul(gAlpha[i], scale) }))];
    optimizer.applyGradients(named);
    named.forEach((t) => t.tensor.dispose());
    [...gTheta, ...gAlpha].forEach((t) => t.dispose());
    // Step sizes stay positive: a negative α would ascend the support loss.
    alpha.forEach((a) => a.assign(tf.tidy(() => tf.maximum(a, 0))));

    if (validating && ((it + 1) % cfg.validEvery === 0 || it === cfg.iterations - 1)) {
      const rho = validate();
      input.log?.(`iteration ${it + 1}: meta-valid mean Spearman ${rho.toFixed(4)}`);
      if (rho > best.rho) best = snapshot(it + 1, rho);
    }
  }
  if (best.iteration < 0) best = snapshot(cfg.iterations, -Infinity);

  // The default method per number of measurements, on the meta-validation devices, with the kept parameters.
  let rule: RuleEntry[] = [];
  if (cases.length > 0) {
    const bestTheta = toTensors(specs, best.theta);
    const bestAlpha = toTensors(specs, best.alpha);
    rule = cfg.measurementGrid.map((n) => {
      const scores = Object.fromEntries(ADAPT_METHODS.map((m) => [m, casesAt(n).map((c) => scoreCase(c, m, { theta: bestTheta, alpha: bestAlpha }))]));
      const entry = chooseMethod(n, scores);
      input.log?.(`${n} measurements: default '${entry.method}' (meta-valid ρ ${ADAPT_METHODS.map((m) => `${m} ${entry.validSpearman[m]?.toFixed(4)}`).join(', ')})`);
      return entry;
    });
    [...bestTheta, ...bestAlpha].forEach((t) => t.dispose());
  } else rule = cfg.measurementGrid.map((n) => ({ measurements: n, method: 'meta-learned' as const, validSpearman: {} }));

  [...theta, ...alpha, validTensor].forEach((t) => t.dispose());
  optimizer.dispose();
  return {
    meta: {
      format: 'hwnas-help-latency',
      version: 2,
      space: table.space,
      shape,
      featureStats: features.stats,
      sourceLuts: features.luts,
      referenceGenes: referenceRows.map((r) => table.genes[r]),
      rooflineDevice: input.rooflineDevice,
      sourceDevices: input.trainDevices,
      validDevices: input.validDevices,
      config: cfg,
      spreadPrior,
      ridgePrior,
      penalties,
      rule,
      training: { iterations: cfg.iterations, bestIteration: best.iteration, bestValidSpearman: Number.isFinite(best.rho) ? best.rho : null, wallS: (performance.now() - started) / 1000 },
    },
    theta: best.theta,
    alpha: best.alpha,
  };
}
let nextUid = 0;
