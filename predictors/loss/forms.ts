/**
 * Law forms: the formula without its coefficients, in a shape the fitter can differentiate.
 *
 * Every built-in law is a sum of power terms: L = E + Σ_k C_k · Π_j x_j^(s·p). Written in logs it is a
 * log-sum-exp, log L = LSE(e, c_k + Σ_j s·p·log x_j), which is Hoffmann et al.'s parametrisation of the
 * Chinchilla fit (Hoffmann et al. 2022): coefficients E, C_k are fitted as their logs (so they stay positive), exponents
 * as themselves. One generic kernel gives exact gradients for Chinchilla, Gemstones, Nemotron-Flash and the
 * co-design law alike.
 */
import type { FormInput, InputName, InputRange, LossLaw } from './law.js';
import type { PrecisionPenalties } from './precision-penalty.js';
import { rangeWarnings } from './law.js';

/** x_input^(sign · exponent). `sign` = −1 for the usual A / N^α. */
export interface PowerFactor {
  readonly input: FormInput;
  readonly exponent: string;
  readonly sign: 1 | -1;
}

/** coef · Π factors. */
export interface PowerTerm {
  readonly coef: string;
  readonly factors: readonly PowerFactor[];
}

export interface PowerSumForm {
  readonly kind: 'power-sum';
  readonly id: string;
  readonly name: string;
  readonly formula: string;
  /** The irreducible loss E, or null for a law without one. */
  readonly constant: string | null;
  readonly terms: readonly PowerTerm[];
  /**
   * Inputs that enter as themselves rather than as their logs: a factor on one is e^(sign·p·x), not x^(sign·p)
   * (the exp(−P/γ_post) of the quantisation penalty). Default none.
   */
  readonly linearInputs?: readonly FormInput[];
  /**
   * Default starting grid for the fitter, in fitting space (log of each coefficient, the exponents as they
   * are). The fitter runs L-BFGS from every point of the Cartesian product.
   */
  readonly startGrid: Readonly<Record<string, readonly number[]>>;
}

/** Parameter layout of a form: names in fitting order and whether each is fitted as its log. */
export interface FormLayout {
  readonly names: readonly string[];
  readonly isLog: readonly boolean[];
  readonly inputs: readonly FormInput[];
}

export function formLayout(form: PowerSumForm): FormLayout {
  const names: string[] = [];
  const isLog: boolean[] = [];
  const inputs: FormInput[] = [];
  const add = (name: string, log: boolean) => {
    const at = names.indexOf(name);
    if (at >= 0) {
      if (isLog[at] !== log) throw new Error(`form ${form.id}: '${name}' is used both as a coefficient and an exponent`);
      return;
    }
    names.push(name);
    isLog.push(log);
  };
  if (form.constant) add(form.constant, true);
  for (const t of form.terms) {
    add(t.coef, true);
    for (const f of t.factors) {
      add(f.exponent, false);
      if (!inputs.includes(f.input)) inputs.push(f.input);
    }
  }
  return { names, isLog, inputs };
}

/** Coefficients (natural scale) → fitting-space vector. */
export function toTheta(layout: FormLayout, coefficients: Readonly<Record<string, number>>): Float64Array {
  const theta = new Float64Array(layout.names.length);
  layout.names.forEach((name, i) => {
    const v = coefficients[name];
    if (v === undefined || !Number.isFinite(v)) throw new Error(`missing coefficient '${name}'`);
    if (layout.isLog[i] && v <= 0) throw new Error(`coefficient '${name}' must be > 0, got ${v}`);
    theta[i] = layout.isLog[i] ? Math.log(v) : v;
  });
  return theta;
}

/** Fitting-space vector → coefficients (natural scale). */
export function fromTheta(layout: FormLayout, theta: ArrayLike<number>): Record<string, number> {
  const out: Record<string, number> = {};
  layout.names.forEach((name, i) => {
    out[name] = layout.isLog[i] ? Math.exp(theta[i]) : theta[i];
  });
  return out;
}

/** Value of a power-sum form at one point. */
export function evaluatePowerSum(form: PowerSumForm, c: Readonly<Record<string, number>>, x: Readonly<Partial<Record<FormInput, number>>>): number {
  let sum = form.constant ? c[form.constant] : 0;
  for (const t of form.terms) {
    let v = c[t.coef];
    for (const f of t.factors) {
      const value = x[f.input] as number;
      v *= form.linearInputs?.includes(f.input) ? Math.exp(f.sign * c[f.exponent] * value) : Math.pow(value, f.sign * c[f.exponent]);
    }
    sum += v;
  }
  return sum;
}

/** What a law carries beside its form and coefficients. */
export interface LawMeta {
  readonly id?: string;
  readonly name?: string;
  readonly source: string;
  readonly fittedRange: Readonly<Partial<Record<InputName, InputRange>>>;
  readonly precisionPenalty?: PrecisionPenalties;
}

/** A law from a power-sum form and its coefficients. */
export function powerSumLaw(
  form: PowerSumForm,
  coefficients: Readonly<Record<string, number>>,
  meta: LawMeta,
): LossLaw {
  const layout = formLayout(form);
  toTheta(layout, coefficients); // validates: every coefficient present, positive where it must be
  const id = meta.id ?? form.id;
  const coefs = Object.freeze({ ...coefficients });
  return {
    id,
    name: meta.name ?? form.name,
    source: meta.source,
    formula: form.formula,
    coefficients: coefs,
    // A law's form reads law inputs only (the penalty form that reads bits is fitted, never made a law).
    inputs: layout.inputs as readonly InputName[],
    fittedRange: meta.fittedRange,
    predict: (x) => evaluatePowerSum(form, coefs, x),
    outOfRange: (x) => rangeWarnings(id, x, meta.fittedRange),
    ...(meta.precisionPenalty ? { precisionPenalty: meta.precisionPenalty } : {}),
  };
}

const range = (from: number, to: number, step: number): number[] => {
  const out: number[] = [];
  for (let v = from; v <= to + 1e-12; v += step) out.push(Number(v.toFixed(10)));
  return out;
};

/**
 * Chinchilla form. N is the parameter count the model uses per token, embeddings included: Hoffmann et al. count
 * total parameters with embeddings (the main reason their exponents differ from Kaplan's non-embedding counts,
 * Pearce & Song 2024), and all their models are dense, so total = active. For an MoE we take the active
 * parameters — the law was never fitted on MoE, and `outOfRange` says so through moeActivationRate.
 */
export const CHINCHILLA_FORM: PowerSumForm = {
  kind: 'power-sum',
  id: 'chinchilla',
  name: 'Chinchilla form E + A/N^alpha + B/D^beta',
  formula: 'E + A / N^alpha + B / D^beta   (N = activeParams incl. embeddings, D = trainingTokens)',
  constant: 'E',
  terms: [
    { coef: 'A', factors: [{ input: 'activeParams', exponent: 'alpha', sign: -1 }] },
    { coef: 'B', factors: [{ input: 'trainingTokens', exponent: 'beta', sign: -1 }] },
  ],
  // Hoffmann et al. 2022 (App. D.2): α, β ∈ {0, 0.5, …, 2}; e ∈ {−1, −.5, …, 1}; a, b ∈ {0, 5, …, 25}: 4,500 starts.
  startGrid: { E: range(-1, 1, 0.5), A: range(0, 25, 5), alpha: range(0, 2, 0.5), B: range(0, 25, 5), beta: range(0, 2, 0.5) },
};

/** Gemstones (McLeish et al. 2025) width/depth law; N = params_active_precise of their data, D = tokens. */
export const GEMSTONES_FORM: PowerSumForm = {
  kind: 'power-sum',
  id: 'gemstones',
  name: 'Gemstones width/depth law',
  formula: 'E + A_w / width^alpha_w + A_l / depth^alpha_l + A_N / N^alpha_N + A_D / D^alpha_D   (N = activeParams, D = trainingTokens)',
  constant: 'E',
  terms: [
    { coef: 'A_w', factors: [{ input: 'width', exponent: 'alpha_w', sign: -1 }] },
    { coef: 'A_l', factors: [{ input: 'depth', exponent: 'alpha_l', sign: -1 }] },
    { coef: 'A_N', factors: [{ input: 'activeParams', exponent: 'alpha_N', sign: -1 }] },
    { coef: 'A_D', factors: [{ input: 'trainingTokens', exponent: 'alpha_D', sign: -1 }] },
  ],
  startGrid: {
    E: [0, 1],
    A_w: [0, 5],
    alpha_w: [0.25, 0.75],
    A_l: [0, 5],
    alpha_l: [0.25, 0.75],
    A_N: [0, 10],
    alpha_N: [0.25, 0.75],
    A_D: [0, 10],
    alpha_D: [0.25, 0.75],
  },
};

/**
 * Nemotron-Flash depth/width form L0 + a·depth^−α + b·width^−β + c·D^−γ (Nemotron-Flash writes L(D, W, N) with D
 * the depth and W the width; we read its N as the training-token count, the only quantity not already fixed by
 * depth and width for their fixed-recipe sweeps).
 */
export const NEMOTRON_FLASH_FORM: PowerSumForm = {
  kind: 'power-sum',
  id: 'nemotron-flash',
  name: 'Nemotron-Flash depth/width form',
  formula: 'L0 + a / depth^alpha + b / width^beta + c / D^gamma   (D = trainingTokens)',
  constant: 'L0',
  terms: [
    { coef: 'a', factors: [{ input: 'depth', exponent: 'alpha', sign: -1 }] },
    { coef: 'b', factors: [{ input: 'width', exponent: 'beta', sign: -1 }] },
    { coef: 'c', factors: [{ input: 'trainingTokens', exponent: 'gamma', sign: -1 }] },
  ],
  startGrid: { L0: [0, 0.5, 1], a: [0, 2, 5], alpha: [0.25, 0.75, 1.5], b: [0, 5], beta: [0.25, 0.75], c: [0, 5, 10], gamma: [0.25, 0.75] },
};

/**
 * The co-design law (arXiv 2602.10377):
 *   L̂ = A_l / l^alpha_l + A_moe·ρ^p_rho / (r^p_r · d^−p_d) + A_d / (r^p_r · d^alpha_d) + A_kv / d_m^alpha_kv + E
 * The r exponent is shared by the two terms, as in the paper. The law is for 10B training tokens and does not
 * read D.
 */
export const CODESIGN_FORM: PowerSumForm = {
  kind: 'power-sum',
  id: 'codesign',
  name: 'Hardware co-design loss law (PLAS)',
  formula: 'A_l / l^alpha_l + A_moe·rho^p_rho / (r^p_r · d^-p_d) + A_d / (r^p_r · d^alpha_d) + A_kv / d_m^alpha_kv + E',
  constant: 'E',
  terms: [
    { coef: 'A_l', factors: [{ input: 'depth', exponent: 'alpha_l', sign: -1 }] },
    {
      coef: 'A_moe',
      factors: [
        { input: 'moeActivationRate', exponent: 'p_rho', sign: 1 },
        { input: 'ffnRatio', exponent: 'p_r', sign: -1 },
        { input: 'width', exponent: 'p_d', sign: 1 },
      ],
    },
    {
      coef: 'A_d',
      factors: [
        { input: 'ffnRatio', exponent: 'p_r', sign: -1 },
        { input: 'width', exponent: 'alpha_d', sign: -1 },
      ],
    },
    { coef: 'A_kv', factors: [{ input: 'kvDim', exponent: 'alpha_kv', sign: -1 }] },
  ],
  startGrid: {
    E: [0, 1],
    A_l: [0, 3],
    alpha_l: [0.5, 1.5],
    A_moe: [-4, 0],
    p_rho: [0.5, 1],
    p_r: [0.1, 0.5],
    p_d: [0.1, 0.5],
    A_d: [0, 6],
    alpha_d: [0.5, 1],
    A_kv: [-2, 0],
    alpha_kv: [0.05, 0.5],
  },
};

export const BUILTIN_FORMS: Readonly<Record<string, PowerSumForm>> = {
  chinchilla: CHINCHILLA_FORM,
  codesign: CODESIGN_FORM,
  gemstones: GEMSTONES_FORM,
  'nemotron-flash': NEMOTRON_FLASH_FORM,
};
