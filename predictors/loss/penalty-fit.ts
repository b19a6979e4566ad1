/**
 * Fitting a quantisation penalty of Eq. 2's form (Kumar et al. 2025, arXiv 2411.04330) to a team's paired runs: for each run, the loss at
 * full precision and after quantising one tensor class (weights, activations or KV cache) to some bits. The fit is
 * the one laws get (fit.ts): Huber on log residuals summed, L-BFGS from a grid of starts, seeded bootstrap and
 * held-out evaluation. The target is δ = loss after − loss before, and
 *   log δ = log C_T + γ_D·log D − γ_N·log N − bits / γ_post
 * is a power sum with one term whose bits factor enters linearly (fitted as its rate 1 / γ_post).
 */
import type { Rng } from '../../core/rng.js';
import { DataError, type Table } from './data.js';
import { bootstrap, fitForm, holdoutEvaluation, type BootstrapResult, type FitData, type FitOptions, type FitResult, type Holdout, type HoldoutResult } from './fit.js';
import type { PowerSumForm } from './forms.js';
import type { InputRange } from './law.js';
import { ptqPenalty, type PenaltyInput, type PenaltySpec, type PenaltyTensor, type PtqConstants } from './precision-penalty.js';
import { GPTQ_CHECK_POINTS } from './precision-published.js';

export const PENALTY_FORM: PowerSumForm = {
  kind: 'power-sum',
  id: 'quantisation-penalty',
  name: "quantisation penalty of Kumar et al.'s Eq. 2 form",
  formula: 'C_T · D^gamma_D / N^gamma_N · exp(−bits · inv_gamma_post)   (N = non-embedding parameters, D = training tokens; γ_post = 1 / inv_gamma_post)',
  constant: null,
  terms: [
    {
      coef: 'C_T',
      factors: [
        { input: 'trainingTokens', exponent: 'gamma_D', sign: 1 },
        { input: 'nonEmbeddingParams', exponent: 'gamma_N', sign: -1 },
        { input: 'bits', exponent: 'inv_gamma_post', sign: -1 },
      ],
    },
  ],
  linearInputs: ['bits'],
  // log C_T, the exponents and the rate around Kumar et al.'s (−2.8, 0.51, 0.34, 1.69); the objective is convex
  // in these (log δ is linear in them), so the grid only guards against a flat start.
  startGrid: { C_T: [-6, -3, 0], gamma_D: [0.25, 0.5, 1], gamma_N: [0.25, 0.5, 1], inv_gamma_post: [0.5, 1, 2] },
};

/** Fields a paired-runs column can map to. */
export const PENALTY_FIELDS = ['nonEmbeddingParams', 'trainingTokens', 'bits', 'lossBefore', 'lossAfter', 'weight', 'group'] as const;
export type PenaltyField = (typeof PENALTY_FIELDS)[number];

/** Default columns: the field names, or N, D, loss_before, loss_after. */
export function defaultPenaltyColumns(header: readonly string[]): Partial<Record<PenaltyField, string>> {
  const map: Partial<Record<PenaltyField, string>> = {};
  for (const f of PENALTY_FIELDS) if (header.includes(f)) map[f] = f;
  const alias: [PenaltyField, string][] = [['nonEmbeddingParams', 'N'], ['trainingTokens', 'D'], ['lossBefore', 'loss_before'], ['lossAfter', 'loss_after']];
  for (const [field, col] of alias) if (!map[field] && header.includes(col)) map[field] = col;
  return map;
}

/**
 * Paired runs → FitData of δ = after − before. Every cell is checked and named by row and column; in log space a
 * row whose loss did not rise (δ ≤ 0: noise at high bits) cannot be fitted and is named.
 */
export function pairedRunsToFitData(table: Table, where: string, map: Partial<Record<PenaltyField, string>>, space: 'log' | 'linear' = 'log'): FitData {
  const columnOf = (field: PenaltyField): number => {
    const col = map[field];
    if (!col) throw new DataError(`${where}: no column mapped to '${field}'; columns: ${table.header.join(', ')} (name them N, D, bits, loss_before, loss_after or map them with --col ${field}=<column>)`);
    const c = table.header.indexOf(col);
    if (c < 0) throw new DataError(`${where}: no column '${col}' (mapped to '${field}'); columns: ${table.header.join(', ')}`);
    return c;
  };
  for (const field of ['nonEmbeddingParams', 'trainingTokens', 'bits', 'lossBefore', 'lossAfter'] as const) columnOf(field);
  const n = table.rows.length;
  const minPoints = 5; // four constants and one more
  if (n < minPoints) throw new DataError(`${where}: ${n} data rows; the penalty has 4 constants and needs at least ${minPoints}`);
  const read = (field: PenaltyField, ok: (v: number) => boolean, what: string): Float64Array => {
    const c = columnOf(field);
    return Float64Array.from(table.rows, (r, i) => {
      const text = r[c].trim();
      const v = text === '' ? NaN : Number(text);
      if (!ok(v)) throw new DataError(`${where}: ${table.labels[i]}, column '${table.header[c]}' (${field}): expected ${what}, got '${r[c]}'`);
      return v;
    });
  };
  const positive = (v: number) => Number.isFinite(v) && v > 0;
  const N = read('nonEmbeddingParams', positive, 'a finite number > 0');
  const D = read('trainingTokens', positive, 'a finite number > 0');
  const bits = read('bits', positive, 'a number of bits > 0');
  const before = read('lossBefore', positive, 'a finite loss > 0');
  const after = read('lossAfter', positive, 'a finite loss > 0');
  const delta = Float64Array.from(after, (a, i) => a - before[i]);
  if (space === 'log') {
    delta.forEach((d, i) => {
      if (!(d > 0)) throw new DataError(`${where}: ${table.labels[i]}: loss after (${after[i]}) is not above loss before (${before[i]}); the penalty is fitted on log δ and needs δ > 0: drop the row (--where) or fit with --residuals linear`);
    });
  }
  const weight = map.weight ? read('weight', (v) => Number.isFinite(v) && v >= 0, 'a finite number ≥ 0') : undefined;
  let groups: string[] | undefined;
  if (map.group) {
    const c = columnOf('group');
    groups = table.rows.map((r, i) => {
      const g = r[c].trim();
      if (g === '') throw new DataError(`${where}: ${table.labels[i]}, column '${table.header[c]}' (group): empty`);
      return g;
    });
  }
  return { inputs: { nonEmbeddingParams: N, trainingTokens: D, bits }, loss: delta, weight, rows: table.rowIds, groups };
}

/** A fitted penalty's prediction against one published GPTQ measurement (Kumar et al. 2025, arXiv 2411.04330). */
export interface GptqCheckRow {
  readonly model: string;
  readonly bits: number;
  /** The OPT token bracket's geometric centre. */
  readonly trainingTokens: number;
  readonly measuredNats: number;
  readonly predictedNats: number;
  readonly ratio: number;
}

/** The penalty at the GPTQ points whose training tokens papers.md gives (a plausibility check: weights, 2.5x). */
export function gptqCheck(c: PtqConstants): GptqCheckRow[] {
  return GPTQ_CHECK_POINTS.points.flatMap((p) => {
    if (!p.trainingTokens) return [];
    const D = Math.sqrt(p.trainingTokens.min * p.trainingTokens.max);
    const measuredNats = Math.log(p.quantisedPerplexity / p.fp16Perplexity);
    const predictedNats = ptqPenalty(c, p.nonEmbeddingParams, D, p.bits);
    return [{ model: p.model, bits: p.bits, trainingTokens: D, measuredNats, predictedNats, ratio: predictedNats / measuredNats }];
  });
}

export interface PenaltyFitRequest {
  readonly tensor: PenaltyTensor;
  readonly fit?: FitOptions;
  readonly bootstrapCount?: number;
  readonly holdout?: Holdout;
  readonly dataSource: string;
}

export interface PenaltyFitReport {
  readonly fit: FitResult;
  /** Intervals of C_T, γ_D, γ_N and γ_post (γ_post's from the rate's, inverted). */
  readonly bootstrap: BootstrapResult | null;
  readonly holdout: HoldoutResult | null;
  /** The fitted constants, as a law file's precisionPenalty entry holds them. */
  readonly penalty: PenaltySpec;
  /** Weights only: the fitted penalty at the published GPTQ points. */
  readonly gptq: readonly GptqCheckRow[] | null;
}

/** Fits the penalty of one tensor class to paired runs. */
export function runPenaltyFit(data: FitData, rng: Rng, request: PenaltyFitRequest): PenaltyFitReport {
  const fit = fitForm(PENALTY_FORM, data, request.fit);
  const c = fit.coefficients;
  const penalty: PenaltySpec = {
    C_T: c.C_T,
    gamma_D: c.gamma_D,
    gamma_N: c.gamma_N,
    gamma_post: 1 / c.inv_gamma_post,
    source: `fitted by hwnas fit --penalty ${request.tensor} on ${request.dataSource} (${fit.points} paired runs, Huber δ=${fit.delta}, ${fit.starts} starts)`,
    fittedRange: fit.fittedRange as Partial<Record<PenaltyInput, InputRange>>,
  };
  let boot = request.bootstrapCount && request.bootstrapCount > 0 ? bootstrap(PENALTY_FORM, data, fit, rng, { count: request.bootstrapCount, delta: fit.delta, space: request.fit?.space }) : null;
  if (boot) {
    const [lo, hi] = boot.ci.inv_gamma_post;
    const { inv_gamma_post: _rate, ...ci } = boot.ci;
    const { inv_gamma_post: rateSd, ...sd } = boot.sd;
    // γ_post = 1 / rate is monotone: the percentile interval maps end to end; the sd by the delta method.
    boot = { ...boot, ci: { ...ci, gamma_post: [1 / hi, 1 / lo] }, sd: { ...sd, gamma_post: rateSd / c.inv_gamma_post ** 2 } };
  }
  const hold = request.holdout ? holdoutEvaluation(PENALTY_FORM, data, request.holdout, rng, request.fit) : null;
  return { fit, bootstrap: boot, holdout: hold, penalty, gptq: request.tensor === 'weights' ? gptqCheck(penalty) : null };
}
