/**
 * Fitting a law to training records (Hoffmann et al. 2022): the Huber loss (δ, default 1e-3) of log L̂ − log L, summed
 * over points (a mean makes L-BFGS stop early), minimised with L-BFGS from every point of a starting grid
 * (Hoffmann's 4,500 for Chinchilla), keeping the best. Built-in forms are log-sum-exps with exact gradients;
 * user formulas get central-difference gradients.
 */
import type { Rng } from '../../core/rng.js';
import type { ExpressionForm } from './expression.js';
import type { FormLayout, PowerSumForm } from './forms.js';
import { formLayout, fromTheta } from './forms.js';
import type { FormInput, InputName, InputRange, LossInputs } from './law.js';
import { LbfgsWorkspace, minimizeLbfgs, type LbfgsOptions, type LbfgsStatus } from './lbfgs.js';

export type FitForm = PowerSumForm | ExpressionForm;

/** Training records, column-wise. Rows are numbered as in the source (for messages and residuals). */
export interface FitData {
  readonly inputs: Readonly<Partial<Record<FormInput, Float64Array>>>;
  readonly loss: Float64Array;
  /** Per-point weights (default 1). */
  readonly weight?: Float64Array;
  /** Source row label of each point (e.g. CSV line number). */
  readonly rows?: readonly number[];
  /** Group of each point (e.g. the data set), for leave-one-group-out evaluation. */
  readonly groups?: readonly string[];
}

export interface FitOptions {
  /** Huber threshold on the residuals (Hoffmann et al. 2022: 1e-3). Infinity gives least squares (½ Σ r²). */
  readonly delta?: number;
  /**
   * Residuals in log space, log L̂ − log L (default; Hoffmann, Epoch, Gemstones), or in loss, L̂ − L (least
   * squares on the loss, as Gadre et al.'s curve_fit).
   */
  readonly space?: 'log' | 'linear';
  /** Starting points (fitting space, layout order). Default: the form's grid. */
  readonly starts?: readonly (readonly number[])[];
  /** Use at most this many grid starts, evenly strided through the grid (tests; the full grid is the default). */
  readonly maxStarts?: number;
  readonly lbfgs?: LbfgsOptions;
  /**
   * After the multistart, restart L-BFGS from the best point with tight tolerances (default true). SciPy's
   * default ftol is relative to max(|f|, 1), and a summed Huber objective is ~1e-3, so starts stop on a flat
   * valley before its bottom; the polish finds the bottom, so results do not depend on which start won.
   */
  readonly polish?: boolean;
}

/** Tolerances of the polish step and of bootstrap refits. */
export const TIGHT_LBFGS: LbfgsOptions = { ftol: 0, gtol: 1e-10, maxIter: 20000 };

export interface FitResidual {
  readonly row: number;
  readonly loss: number;
  readonly predicted: number;
  /** log L̂ − log L. */
  readonly logResidual: number;
}

export interface FitResult {
  readonly formId: string;
  readonly paramNames: readonly string[];
  /** Best point in fitting space (logs of coefficients for power-sum forms). */
  readonly theta: readonly number[];
  readonly coefficients: Readonly<Record<string, number>>;
  /** Summed Huber loss at the optimum. */
  readonly objective: number;
  readonly delta: number;
  readonly points: number;
  readonly starts: number;
  /** How the winning start stopped. */
  readonly status: LbfgsStatus;
  /** Objective evaluations over all starts and the polish. */
  readonly evaluations: number;
  readonly r2Loss: number;
  readonly rmseLoss: number;
  readonly r2LogLoss: number;
  readonly rmseLogLoss: number;
  readonly residuals: readonly FitResidual[];
  readonly fittedRange: Readonly<Partial<Record<FormInput, InputRange>>>;
}

/** Parameter names and which are fitted as logs, for either kind of form. */
export function fitLayout(form: FitForm): FormLayout {
  if (form.kind === 'power-sum') return formLayout(form);
  return { names: form.params, isLog: form.params.map(() => false), inputs: form.inputs };
}

/** Coefficients from a fitting-space vector. */
export function coefficientsOf(form: FitForm, theta: ArrayLike<number>): Record<string, number> {
  return fromTheta(fitLayout(form), theta);
}

/** Number of points. */
export function size(data: FitData): number {
  return data.loss.length;
}

/** The objective (summed Huber loss of log residuals) and its gradient, for one data set. */
export interface CompiledObjective {
  readonly n: number;
  readonly f: (theta: Float64Array, grad: Float64Array) => number;
  /** log L̂ at every point for theta, into out. */
  readonly logPredict: (theta: ArrayLike<number>, out: Float64Array) => void;
  /**
   * Per-parameter scale the optimiser works in (θ = u·scale), or none. An exponent multiplies log x (~20 for
   * parameter counts) where its coefficient enters with weight 1; scaling exponents by 1 / mean|log x| evens the
   * gradient out and saves ~20% of the evaluations of a Hoffmann-grid fit, with the same optimum.
   */
  readonly scale?: Float64Array;
}

/**
 * Compile the objective of a form on data. `indices` selects (with repetition, for bootstrap) the points used;
 * default all.
 */
export function compileObjective(form: FitForm, data: FitData, delta: number, indices?: ArrayLike<number>, space: 'log' | 'linear' = 'log'): CompiledObjective {
  const linear = space === 'linear';
  const layout = fitLayout(form);
  const all = size(data);
  const idx = indices ?? Int32Array.from({ length: all }, (_, i) => i);
  const m = idx.length;
  const inputs = layout.inputs;
  const nIn = inputs.length;
  const logL = new Float64Array(m); // the target: log L, or L in linear space
  const w = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const i = idx[j];
    logL[j] = linear ? data.loss[i] : Math.log(data.loss[i]);
    w[j] = data.weight ? data.weight[i] : 1;
  }
  const n = layout.names.length;
  if (form.kind === 'power-sum') {
    const logX = new Float64Array(m * nIn);
    inputs.forEach((name, k) => {
      const col = data.inputs[name];
      if (!col) throw new Error(`data has no '${name}' column, which law '${form.id}' needs`);
      // A linear input enters the exponent as itself (e^(s·p·x)), every other one as its log (x^(s·p)).
      const linearInput = form.linearInputs?.includes(name) ?? false;
      for (let j = 0; j < m; j++) logX[j * nIn + k] = linearInput ? col[idx[j]] : Math.log(col[idx[j]]);
    });
    // Terms flattened: the constant is a term without factors.
    const terms = (form.constant ? [{ coef: form.constant, factors: [] as PowerSumForm['terms'][number]['factors'] }] : []).concat(form.terms);
    const K = terms.length;
    const termCoef = new Int32Array(K);
    const factorStart = new Int32Array(K + 1);
    const fParam: number[] = [];
    const fInput: number[] = [];
    const fSign: number[] = [];
    terms.forEach((t, k) => {
      termCoef[k] = layout.names.indexOf(t.coef);
      factorStart[k] = fParam.length;
      for (const f of t.factors) {
        fParam.push(layout.names.indexOf(f.exponent));
        fInput.push(inputs.indexOf(f.input));
        fSign.push(f.sign);
      }
    });
    factorStart[K] = fParam.length;
    const scaleSum = new Float64Array(n);
    const scaleCount = new Float64Array(n);
    fParam.forEach((param, q) => {
      let mean = 0;
      for (let j = 0; j < m; j++) mean += Math.abs(logX[j * nIn + fInput[q]]);
      scaleSum[param] += mean / Math.max(1, m);
      scaleCount[param] += 1;
    });
    const scale = Float64Array.from(scaleSum, (sum, i) => (scaleCount[i] > 0 && sum > 0 ? scaleCount[i] / sum : 1));
    const factorParam = Int32Array.from(fParam);
    const factorInput = Int32Array.from(fInput);
    const factorSign = Float64Array.from(fSign);
    // Column-wise kernel: every loop runs over points with a fixed term, so V8 keeps it tight (2–3x faster
    // than looping over terms inside each point). log L̂ = log Σ_k e^{z_k} is summed without the usual max
    // shift: a term without factors (E) is then one exp for all points, not one per point. Overflow (z > 709)
    // or underflow of every term gives a non-finite objective, which the line search treats as "too far";
    // every start of the built-in grids has |z| < 100.
    const logXCol = inputs.map((_, k) => Float64Array.from({ length: m }, (_, j) => logX[j * nIn + k]));
    // Training records repeat inputs (one model at several token counts, one budget for many models): a
    // single-factor term then needs one exp per distinct value, gathered per point.
    const distinct = logXCol.map((col) => {
      const d = distinctValues(col);
      return d.values.length > 0.75 * m ? null : { ...d, exps: new Float64Array(d.values.length) };
    });
    const varying: number[] = [];
    const constants: number[] = [];
    for (let k = 0; k < K; k++) (factorStart[k + 1] > factorStart[k] ? varying : constants).push(k);
    const Z = Array.from({ length: K }, () => new Float64Array(m));
    const sc = new Float64Array(m);
    const constExp = new Float64Array(K);
    const fill = (theta: ArrayLike<number>): void => {
      let c0 = 0;
      for (const k of constants) {
        constExp[k] = Math.exp(theta[termCoef[k]]);
        c0 += constExp[k];
      }
      sc.fill(c0);
      for (const k of varying) {
        const zk = Z[k];
        const c0k = theta[termCoef[k]];
        const q0 = factorStart[k];
        if (factorStart[k + 1] - q0 === 1) {
          // One factor (every built-in term but co-design's): one fused pass.
          const c = factorSign[q0] * theta[factorParam[q0]];
          const d = distinct[factorInput[q0]];
          if (d) {
            const { values, index, exps } = d;
            for (let u = 0; u < values.length; u++) exps[u] = Math.exp(c0k + c * values[u]);
            for (let j = 0; j < m; j++) {
              const e = exps[index[j]];
              zk[j] = e;
              sc[j] += e;
            }
            continue;
          }
          const lx = logXCol[factorInput[q0]];
          for (let j = 0; j < m; j++) {
            const e = Math.exp(c0k + c * lx[j]);
            zk[j] = e;
            sc[j] += e;
          }
          continue;
        }
        zk.fill(c0k);
        for (let q = q0; q < factorStart[k + 1]; q++) {
          const c = factorSign[q] * theta[factorParam[q]];
          const lx = logXCol[factorInput[q]];
          for (let j = 0; j < m; j++) zk[j] += c * lx[j];
        }
        for (let j = 0; j < m; j++) {
          const e = Math.exp(zk[j]);
          zk[j] = e;
          sc[j] += e;
        }
      }
    };
    const logPredict = (theta: ArrayLike<number>, out: Float64Array): void => {
      fill(theta);
      for (let j = 0; j < m; j++) out[j] = Math.log(sc[j]);
    };
    const singleFactor = varying.every((k) => factorStart[k + 1] - factorStart[k] === 1);
    if (!linear && singleFactor && varying.length >= 1 && varying.length <= 3) {
      const f = fusedObjective({ varying, constants, termCoef, factorStart, factorParam, factorSign, factorInput, logXCol, logL, w, delta, constExp });
      return { n, f, logPredict, scale };
    }
    const f = (theta: Float64Array, grad: Float64Array): number => {
      fill(theta);
      let total = 0;
      let sumSc = 0;
      for (let j = 0; j < m; j++) {
        const s = sc[j];
        const r = linear ? s - logL[j] : Math.log(s) - logL[j];
        const a = r < 0 ? -r : r;
        let dr: number;
        if (a <= delta) {
          total += w[j] * 0.5 * r * r;
          dr = w[j] * r;
        } else {
          total += w[j] * delta * (a - 0.5 * delta);
          dr = r < 0 ? -w[j] * delta : w[j] * delta;
        }
        const v = linear ? dr : dr / s; // d(objective)/d(z_k) = v·e_k
        sc[j] = v;
        sumSc += v;
      }
      grad.fill(0);
      for (const k of constants) grad[termCoef[k]] += constExp[k] * sumSc;
      for (const k of varying) {
        const zk = Z[k];
        const q0 = factorStart[k];
        if (factorStart[k + 1] - q0 === 1) {
          const lx = logXCol[factorInput[q0]];
          let gc = 0;
          let gp = 0;
          for (let j = 0; j < m; j++) {
            const v = sc[j] * zk[j];
            gc += v;
            gp += v * lx[j];
          }
          grad[termCoef[k]] += gc;
          grad[factorParam[q0]] += factorSign[q0] * gp;
          continue;
        }
        let gc = 0;
        for (let j = 0; j < m; j++) {
          const v = sc[j] * zk[j];
          zk[j] = v;
          gc += v;
        }
        grad[termCoef[k]] += gc;
        for (let q = q0; q < factorStart[k + 1]; q++) {
          const lx = logXCol[factorInput[q]];
          let gp = 0;
          for (let j = 0; j < m; j++) gp += zk[j] * lx[j];
          grad[factorParam[q]] += factorSign[q] * gp;
        }
      }
      return total;
    };
    return { n, f, logPredict, scale };
  }

  // Expression form: evaluate with mathjs, central-difference gradient.
  const points: Partial<LossInputs>[] = [];
  for (let j = 0; j < m; j++) {
    const x: Partial<Record<FormInput, number>> = {};
    for (const name of inputs) {
      const col = data.inputs[name];
      if (!col) throw new Error(`data has no '${name}' column, which law '${form.id}' needs`);
      x[name] = col[idx[j]];
    }
    points.push(x);
  }
  const logPredict = (theta: ArrayLike<number>, out: Float64Array): void => {
    for (let j = 0; j < m; j++) {
      const p = form.evaluate(theta, points[j]);
      out[j] = p > 0 ? Math.log(p) : NaN;
    }
  };
  const value = (theta: ArrayLike<number>): number => {
    let total = 0;
    for (let j = 0; j < m; j++) {
      const p = form.evaluate(theta, points[j]);
      if (!(p > 0)) return Infinity;
      const r = linear ? p - logL[j] : Math.log(p) - logL[j];
      const a = Math.abs(r);
      total += w[j] * (a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta));
    }
    return total;
  };
  const probe = new Float64Array(n);
  const f = (theta: Float64Array, grad: Float64Array): number => {
    const f0 = value(theta);
    probe.set(theta);
    for (let i = 0; i < n; i++) {
      const h = 1e-6 * Math.max(1, Math.abs(theta[i]));
      probe[i] = theta[i] + h;
      const fp = value(probe);
      probe[i] = theta[i] - h;
      const fm = value(probe);
      probe[i] = theta[i];
      grad[i] = (fp - fm) / (2 * h);
    }
    return f0;
  };
  return { n, f, logPredict };
}

interface FusedParts {
  readonly varying: readonly number[];
  readonly constants: readonly number[];
  readonly termCoef: Int32Array;
  readonly factorStart: Int32Array;
  readonly factorParam: Int32Array;
  readonly factorSign: Float64Array;
  readonly factorInput: Int32Array;
  readonly logXCol: readonly Float64Array[];
  readonly logL: Float64Array;
  readonly w: Float64Array;
  readonly delta: number;
  readonly constExp: Float64Array;
}

/** A term's input as its distinct values and, per point, the index of its value. */
function distinctValues(col: Float64Array): { values: Float64Array; index: Int32Array } {
  const at = new Map<number, number>();
  const index = Int32Array.from(col, (v) => {
    let u = at.get(v);
    if (u === undefined) at.set(v, (u = at.size));
    return u;
  });
  return { values: Float64Array.from(at.keys()), index };
}

/**
 * The objective of a log-space power sum of constants and at most three one-factor terms (Chinchilla's
 * E + A/N^α + B/D^β, and most published forms). Each term takes one exp per distinct input value (training
 * records repeat model sizes and token counts); then one pass over the points computes the log, the Huber loss
 * and every gradient sum. ~1.5x faster than a pass per term that stores every term's value per point.
 */
function fusedObjective(p: FusedParts): (theta: Float64Array, grad: Float64Array) => number {
  const { varying, termCoef, factorStart, factorParam, factorSign, factorInput, logXCol } = p;
  const term = (k: number): FusedTerm => {
    const q = factorStart[k];
    const { values, index } = distinctValues(logXCol[factorInput[q]]);
    return { coef: termCoef[k], exponent: factorParam[q], sign: factorSign[q], values, index, x: logXCol[factorInput[q]], exps: new Float64Array(values.length) };
  };
  const t1 = term(varying[0]);
  const kernel: FusedKernel = {
    V: varying.length,
    constants: Int32Array.from(p.constants),
    termCoef,
    constExp: p.constExp,
    logL: p.logL,
    w: p.w,
    delta: p.delta,
    t1,
    t2: varying.length > 1 ? term(varying[1]) : t1,
    t3: varying.length > 2 ? term(varying[2]) : t1,
  };
  return (theta, grad) => fusedEvaluate(kernel, theta, grad);
}

interface FusedTerm {
  readonly coef: number;
  readonly exponent: number;
  readonly sign: number;
  /** Distinct log input values, the index of each point's value, and exp of the term at each distinct value. */
  readonly values: Float64Array;
  readonly index: Int32Array;
  readonly x: Float64Array;
  readonly exps: Float64Array;
}

interface FusedKernel {
  readonly V: number;
  readonly constants: Int32Array;
  readonly termCoef: Int32Array;
  readonly constExp: Float64Array;
  readonly logL: Float64Array;
  readonly w: Float64Array;
  readonly delta: number;
  readonly t1: FusedTerm;
  readonly t2: FusedTerm;
  readonly t3: FusedTerm;
}

function fillExps(t: FusedTerm, theta: Float64Array): void {
  const a = theta[t.coef];
  const b = t.sign * theta[t.exponent];
  const { values, exps } = t;
  for (let u = 0; u < values.length; u++) exps[u] = Math.exp(a + b * values[u]);
}

/**
 * The fused kernel, at top level with its data passed in and read into locals once. Written as a closure over the
 * data, every objective compiled after the first in a process (a warm-up, bootstrap refits) ran ~1.5–2x slower
 * than the first: V8's optimised code for one closure did not serve the later ones as well. One function serves
 * every objective alike.
 */
function fusedEvaluate(k: FusedKernel, theta: Float64Array, grad: Float64Array): number {
  const { V, constants, termCoef, constExp, logL, w, delta, t1, t2, t3 } = k;
  const m = logL.length;
  let cE = 0;
  for (let c = 0; c < constants.length; c++) {
    const e = Math.exp(theta[termCoef[constants[c]]]);
    constExp[constants[c]] = e;
    cE += e;
  }
  fillExps(t1, theta);
  if (V > 1) fillExps(t2, theta);
  if (V > 2) fillExps(t3, theta);
  const e1s = t1.exps, i1 = t1.index, x1 = t1.x; // prettier-ignore
  const e2s = t2.exps, i2 = t2.index, x2 = t2.x; // prettier-ignore
  const e3s = t3.exps, i3 = t3.index, x3 = t3.x; // prettier-ignore
  let total = 0;
  let sumQ = 0;
  let g1 = 0, g1x = 0, g2 = 0, g2x = 0, g3 = 0, g3x = 0; // prettier-ignore
  for (let j = 0; j < m; j++) {
    const e1 = e1s[i1[j]];
    const e2 = V > 1 ? e2s[i2[j]] : 0;
    const e3 = V > 2 ? e3s[i3[j]] : 0;
    const s = cE + e1 + e2 + e3;
    const r = Math.log(s) - logL[j];
    const a = r < 0 ? -r : r;
    const wj = w[j];
    let dr: number;
    if (a <= delta) {
      total += wj * 0.5 * r * r;
      dr = wj * r;
    } else {
      total += wj * delta * (a - 0.5 * delta);
      dr = r < 0 ? -wj * delta : wj * delta;
    }
    const q = dr / s; // d(objective)/d(z_k) = q·e_k
    sumQ += q;
    const v1 = q * e1;
    g1 += v1;
    g1x += v1 * x1[j];
    const v2 = q * e2;
    g2 += v2;
    g2x += v2 * x2[j];
    const v3 = q * e3;
    g3 += v3;
    g3x += v3 * x3[j];
  }
  grad.fill(0);
  for (let c = 0; c < constants.length; c++) grad[termCoef[constants[c]]] += constExp[constants[c]] * sumQ;
  grad[t1.coef] += g1;
  grad[t1.exponent] += t1.sign * g1x;
  if (V > 1) {
    grad[t2.coef] += g2;
    grad[t2.exponent] += t2.sign * g2x;
  }
  if (V > 2) {
    grad[t3.coef] += g3;
    grad[t3.exponent] += t3.sign * g3x;
  }
  return total;
}

/** Every point of the form's start grid (Cartesian product, layout order), or at most `maxStarts` of them. */
export function startGrid(form: FitForm, fallback?: Readonly<Record<string, number>>, maxStarts?: number): number[][] {
  const layout = fitLayout(form);
  const axes = layout.names.map((name, i) => {
    const axis = form.startGrid[name];
    if (axis && axis.length > 0) return [...axis];
    const v = fallback?.[name];
    if (v === undefined) throw new Error(`no start value for parameter '${name}'`);
    return [layout.isLog[i] ? Math.log(v) : v];
  });
  const total = axes.reduce((p, a) => p * a.length, 1);
  const take = maxStarts !== undefined && maxStarts < total ? maxStarts : total;
  const out: number[][] = [];
  for (let t = 0; t < take; t++) {
    // Evenly strided through the grid so a subset still spans every axis.
    let k = take === total ? t : Math.floor((t * total) / take);
    const point = new Array<number>(axes.length);
    for (let i = axes.length - 1; i >= 0; i--) {
      point[i] = axes[i][k % axes[i].length];
      k = Math.floor(k / axes[i].length);
    }
    out.push(point);
  }
  return out;
}

/** Run L-BFGS from every start; the lowest objective wins (the first on ties). */
export function multiStart(
  objective: CompiledObjective,
  starts: readonly (readonly number[])[],
  lbfgs?: LbfgsOptions,
): { theta: Float64Array; f: number; status: LbfgsStatus; evaluations: number } {
  const n = objective.n;
  const ws = new LbfgsWorkspace(n, lbfgs?.memory ?? 10);
  const best = new Float64Array(n);
  // Optimise u = θ / scale when the objective offers a scale.
  const scale = objective.scale;
  const theta = new Float64Array(n);
  const f = scale
    ? (u: Float64Array, g: Float64Array): number => {
        for (let i = 0; i < n; i++) theta[i] = u[i] * scale[i];
        const v = objective.f(theta, g);
        for (let i = 0; i < n; i++) g[i] *= scale[i];
        return v;
      }
    : objective.f;
  const u0 = new Float64Array(n);
  let bestF = Infinity;
  let bestStatus: LbfgsStatus = 'non-finite';
  let evaluations = 0;
  for (const start of starts) {
    for (let i = 0; i < n; i++) u0[i] = scale ? start[i] / scale[i] : start[i];
    const r = minimizeLbfgs(f, u0, lbfgs, ws);
    evaluations += r.evaluations;
    if (r.f < bestF) {
      bestF = r.f;
      for (let i = 0; i < n; i++) best[i] = scale ? r.x[i] * scale[i] : r.x[i];
      bestStatus = r.status;
    }
  }
  return { theta: best, f: bestF, status: bestStatus, evaluations };
}

function stats(logPred: Float64Array, data: FitData, idx: ArrayLike<number>) {
  const m = idx.length;
  let meanL = 0;
  let meanLog = 0;
  for (let j = 0; j < m; j++) {
    meanL += data.loss[idx[j]];
    meanLog += Math.log(data.loss[idx[j]]);
  }
  meanL /= m;
  meanLog /= m;
  let ssRes = 0;
  let ssTot = 0;
  let ssResLog = 0;
  let ssTotLog = 0;
  for (let j = 0; j < m; j++) {
    const L = data.loss[idx[j]];
    const p = Math.exp(logPred[j]);
    ssRes += (p - L) ** 2;
    ssTot += (L - meanL) ** 2;
    ssResLog += (logPred[j] - Math.log(L)) ** 2;
    ssTotLog += (Math.log(L) - meanLog) ** 2;
  }
  return {
    r2Loss: 1 - ssRes / ssTot,
    rmseLoss: Math.sqrt(ssRes / m),
    r2LogLoss: 1 - ssResLog / ssTotLog,
    rmseLogLoss: Math.sqrt(ssResLog / m),
  };
}

/** Range of every input the form reads, over the data. */
export function dataRange(form: FitForm, data: FitData, idx?: ArrayLike<number>): Partial<Record<FormInput, InputRange>> {
  const out: Partial<Record<FormInput, InputRange>> = {};
  for (const name of fitLayout(form).inputs) {
    const col = data.inputs[name];
    if (!col) continue;
    let min = Infinity;
    let max = -Infinity;
    const m = idx ? idx.length : col.length;
    for (let j = 0; j < m; j++) {
      const v = col[idx ? idx[j] : j];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    out[name] = { min, max };
  }
  return out;
}

/** Fit a form to data (all points, or the points `indices`). */
export function fitForm(form: FitForm, data: FitData, options: FitOptions = {}, indices?: ArrayLike<number>, fallbackStart?: Readonly<Record<string, number>>): FitResult {
  const delta = options.delta ?? 1e-3;
  const idx = indices ?? Int32Array.from({ length: size(data) }, (_, i) => i);
  const objective = compileObjective(form, data, delta, idx, options.space);
  const starts = options.starts ?? startGrid(form, fallbackStart, options.maxStarts);
  let best = multiStart(objective, starts, options.lbfgs);
  if (!Number.isFinite(best.f)) throw new Error(`fit of '${form.id}' failed: no start reached a finite objective`);
  if (options.polish ?? true) {
    const polished = multiStart(objective, [Array.from(best.theta)], { ...options.lbfgs, ...TIGHT_LBFGS });
    // Keep the winner's stopping status: the polish always ends on a line search at machine precision.
    const evaluations = best.evaluations + polished.evaluations;
    best = polished.f <= best.f ? { ...polished, status: best.status, evaluations } : { ...best, evaluations };
  }
  const logPred = new Float64Array(idx.length);
  objective.logPredict(best.theta, logPred);
  const residuals: FitResidual[] = [];
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j];
    residuals.push({ row: data.rows ? data.rows[i] : i, loss: data.loss[i], predicted: Math.exp(logPred[j]), logResidual: logPred[j] - Math.log(data.loss[i]) });
  }
  const layout = fitLayout(form);
  return {
    formId: form.id,
    paramNames: layout.names,
    theta: Array.from(best.theta),
    coefficients: fromTheta(layout, best.theta),
    objective: best.f,
    delta,
    points: idx.length,
    starts: starts.length,
    status: best.status,
    evaluations: best.evaluations,
    ...stats(logPred, data, idx),
    residuals,
    fittedRange: dataRange(form, data, idx),
  };
}

export interface BootstrapOptions {
  readonly count: number;
  readonly delta?: number;
  /**
   * Starts per resample. Default: the full-data optimum only, refitted with tight tolerances (TIGHT_LBFGS) so
   * each resample reaches its own optimum rather than stopping at once on the flat valley.
   */
  readonly starts?: readonly (readonly number[])[];
  readonly lbfgs?: LbfgsOptions;
  readonly space?: 'log' | 'linear';
  /** Two-sided level of the percentile intervals (default 0.95). */
  readonly level?: number;
}

export interface BootstrapResult {
  readonly count: number;
  readonly level: number;
  /** Percentile interval of each coefficient. */
  readonly ci: Readonly<Record<string, readonly [number, number]>>;
  /** Bootstrap standard deviation of each coefficient. */
  readonly sd: Readonly<Record<string, number>>;
}

function quantile(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Seeded non-parametric bootstrap: resample points with replacement, refit, take percentiles. */
export function bootstrap(form: FitForm, data: FitData, fit: FitResult, rng: Rng, options: BootstrapOptions): BootstrapResult {
  const delta = options.delta ?? fit.delta;
  const n = size(data);
  const layout = fitLayout(form);
  const P = layout.names.length;
  const samples = Array.from({ length: P }, () => new Float64Array(options.count));
  const starts = options.starts ?? [fit.theta];
  const idx = new Int32Array(n);
  for (let b = 0; b < options.count; b++) {
    for (let i = 0; i < n; i++) idx[i] = rng.int(n);
    const objective = compileObjective(form, data, delta, idx, options.space);
    const best = multiStart(objective, starts, options.lbfgs ?? TIGHT_LBFGS);
    const coef = fromTheta(layout, best.theta);
    layout.names.forEach((name, p) => {
      samples[p][b] = coef[name];
    });
  }
  const level = options.level ?? 0.95;
  const ci: Record<string, readonly [number, number]> = {};
  const sd: Record<string, number> = {};
  layout.names.forEach((name, p) => {
    const s = samples[p].slice().sort();
    ci[name] = [quantile(s, (1 - level) / 2), quantile(s, 1 - (1 - level) / 2)];
    let mean = 0;
    for (const v of s) mean += v;
    mean /= s.length;
    let v2 = 0;
    for (const v of s) v2 += (v - mean) ** 2;
    sd[name] = Math.sqrt(v2 / Math.max(1, s.length - 1));
  });
  return { count: options.count, level, ci, sd };
}

export type Holdout =
  | { readonly kind: 'kfold'; readonly k: number }
  | { readonly kind: 'largest'; readonly fraction: number; readonly by: FormInput }
  /** Each group (data set) held out in turn, fitted on the others. */
  | { readonly kind: 'group' };

export interface HoldoutFold {
  /** The held-out group, for leave-one-group-out. */
  readonly group?: string;
  readonly train: number;
  readonly test: number;
  readonly rmseLoss: number;
  /** Mean |L̂ − L| / L over the held-out points. */
  readonly meanAbsRelError: number;
  readonly maxAbsRelError: number;
}

export interface HoldoutResult {
  readonly split: string;
  readonly folds: readonly HoldoutFold[];
  readonly rmseLoss: number;
  readonly meanAbsRelError: number;
  readonly maxAbsRelError: number;
}

/** Held-out evaluation: refit on each training part, score the held-out part. */
export function holdoutEvaluation(form: FitForm, data: FitData, holdout: Holdout, rng: Rng, options: FitOptions = {}, fallbackStart?: Readonly<Record<string, number>>): HoldoutResult {
  const n = size(data);
  const splits: { train: number[]; test: number[] }[] = [];
  if (holdout.kind === 'kfold') {
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let f = 0; f < holdout.k; f++) {
      const test = order.filter((_, i) => i % holdout.k === f);
      const train = order.filter((_, i) => i % holdout.k !== f);
      splits.push({ train, test });
    }
  } else if (holdout.kind === 'group') {
    const groups = data.groups;
    if (!groups) throw new Error('holdout: the data has no group column');
    const names = [...new Set(groups)];
    if (names.length < 2) throw new Error(`holdout: leave-one-group-out needs at least 2 groups, found ${names.length}`);
    for (const g of names) {
      splits.push({ train: groups.flatMap((x, i) => (x === g ? [] : [i])), test: groups.flatMap((x, i) => (x === g ? [i] : [])) });
    }
  } else {
    const col = data.inputs[holdout.by];
    if (!col) throw new Error(`holdout: data has no '${holdout.by}' column`);
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => col[a] - col[b]);
    const nTest = Math.max(1, Math.round(n * holdout.fraction));
    splits.push({ train: order.slice(0, n - nTest), test: order.slice(n - nTest) });
  }
  const delta = options.delta ?? 1e-3;
  const folds: HoldoutFold[] = [];
  let sq = 0;
  let rel = 0;
  let maxRel = 0;
  let count = 0;
  for (const split of splits) {
    const fit = fitForm(form, data, options, Int32Array.from(split.train), fallbackStart);
    const testObjective = compileObjective(form, data, delta, Int32Array.from(split.test), options.space);
    const logPred = new Float64Array(split.test.length);
    testObjective.logPredict(fit.theta, logPred);
    let fSq = 0;
    let fRel = 0;
    let fMax = 0;
    split.test.forEach((i, j) => {
      const L = data.loss[i];
      const p = Math.exp(logPred[j]);
      fSq += (p - L) ** 2;
      const r = Math.abs(p - L) / L;
      fRel += r;
      if (r > fMax) fMax = r;
    });
    folds.push({ ...(holdout.kind === 'group' && data.groups ? { group: data.groups[split.test[0]] } : {}), train: split.train.length, test: split.test.length, rmseLoss: Math.sqrt(fSq / split.test.length), meanAbsRelError: fRel / split.test.length, maxAbsRelError: fMax });
    sq += fSq;
    rel += fRel;
    maxRel = Math.max(maxRel, fMax);
    count += split.test.length;
  }
  const split = holdout.kind === 'kfold' ? `kfold:${holdout.k}` : holdout.kind === 'group' ? 'group (leave one group out)' : `largest:${holdout.fraction} by ${holdout.by}`;
  return { split, folds, rmseLoss: Math.sqrt(sq / count), meanAbsRelError: rel / count, maxAbsRelError: maxRel };
}
