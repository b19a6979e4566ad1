/**
 * Loss laws: a named formula over architecture and training quantities, with coefficients.
 *
 * A law sees an architecture only through `LossInputs` (plain numbers), so the same law works for a preset, a
 * search candidate or a row of a team's training records. Laws are pure: no I/O, no clocks.
 */
import type { LlmArchitecture } from '../../core/architecture.js';
import { countParams, type ParamCounts } from '../../core/params.js';
import type { PrecisionPenalties } from './precision-penalty.js';

/** Everything a built-in or user law may depend on. Counts are plain numbers (parameters, tokens). */
export interface LossInputs {
  /** N: total parameters, embeddings included. */
  readonly params: number;
  /** Parameters used per token, embeddings included (MoE: active experts only; = params for dense). */
  readonly activeParams: number;
  /** Parameters outside the token embedding and the (untied) LM head. */
  readonly nonEmbeddingParams: number;
  /** Non-embedding parameters used per token (MoE: active experts only). */
  readonly activeNonEmbeddingParams: number;
  /** D: training tokens. */
  readonly trainingTokens: number;
  /** d: model width (hidden size). */
  readonly width: number;
  /** l: number of decoder layers. */
  readonly depth: number;
  /**
   * r: FFN intermediate size / width. For MoE the activated width, K·r_expert (plus shared experts), as in the
   * co-design paper.
   */
  readonly ffnRatio: number;
  /** d_m = d / gqa, gqa = heads / kvHeads: the KV dimension as the co-design paper defines it. */
  readonly kvDim: number;
  /** ρ = K / E, active experts over experts; 1 for a dense model. */
  readonly moeActivationRate: number;
}

export type InputName = keyof LossInputs;

/** What a fitted form may read: the law inputs, and the bits of the quantisation-penalty form (penalty-fit.ts). */
export type FormInput = InputName | 'bits';

export const INPUT_NAMES: readonly InputName[] = [
  'params',
  'activeParams',
  'nonEmbeddingParams',
  'activeNonEmbeddingParams',
  'trainingTokens',
  'width',
  'depth',
  'ffnRatio',
  'kvDim',
  'moeActivationRate',
];

/** The closed interval of an input over the data a law was fitted on. */
export interface InputRange {
  readonly min: number;
  readonly max: number;
}

/** A loss law: formula + coefficients + where it was fitted. `predict` returns loss in nats per token. */
export interface LossLaw {
  readonly id: string;
  readonly name: string;
  /** Where the formula and its coefficients come from (paper, or "fitted by hwnas fit on <file>"). */
  readonly source: string;
  /** Human-readable formula, with the coefficient names used in `coefficients`. */
  readonly formula: string;
  readonly coefficients: Readonly<Record<string, number>>;
  /** The LossInputs fields the formula reads. */
  readonly inputs: readonly InputName[];
  /** Range of each input over the fitting data; inputs without an entry are not checked. */
  readonly fittedRange: Readonly<Partial<Record<InputName, InputRange>>>;
  predict(x: LossInputs): number;
  /** One message per input outside its fitted range by more than the law's slack; empty when inside. */
  outOfRange(x: LossInputs): string[];
  /**
   * Penalty constants a law file supplies (a fit on the user's own paired runs): for KV-cache or activation
   * quantisation, which has no published constants, or in place of the published weight constants.
   */
  readonly precisionPenalty?: PrecisionPenalties;
}

/**
 * Relative slack before an input counts as "far outside" the fitted range: 10% beyond either end. Inside that,
 * a power law changes too little for the warning to be useful.
 */
export const DEFAULT_RANGE_SLACK = 0.1;

/** One input outside the range a law (or penalty) was fitted on. */
export interface RangeIssue {
  /** Which law or penalty. */
  readonly source: string;
  readonly input: string;
  readonly value: number;
  readonly range: InputRange;
  readonly side: 'below' | 'above' | 'not finite';
}

/** Inputs outside their fitted range by more than `slack`. */
export function rangeIssues<K extends string = InputName>(
  source: string,
  x: Readonly<Partial<Record<K, number>>>,
  ranges: Readonly<Partial<Record<K, InputRange>>>,
  slack = DEFAULT_RANGE_SLACK,
): RangeIssue[] {
  const out: RangeIssue[] = [];
  for (const name of Object.keys(ranges) as K[]) {
    const range = ranges[name];
    const value = x[name];
    if (!range || value === undefined) continue;
    const side = !Number.isFinite(value) ? 'not finite' : value < range.min * (1 - slack) ? 'below' : value > range.max * (1 + slack) ? 'above' : null;
    if (side) out.push({ source, input: name, value, range, side });
  }
  return out;
}

/** A range issue as one message. */
export function rangeIssueText(i: RangeIssue): string {
  if (i.side === 'not finite') return `${i.source}: ${i.input} is ${i.value}`;
  return `${i.source}: ${i.input}=${fmtValue(i.value)} is ${i.side} the fitted range [${fmtValue(i.range.min)}, ${fmtValue(i.range.max)}]`;
}

/** The messages of `LossLaw.outOfRange`, shared by every law. */
export function rangeWarnings<K extends string = InputName>(
  lawId: string,
  x: Readonly<Partial<Record<K, number>>>,
  ranges: Readonly<Partial<Record<K, InputRange>>>,
  slack = DEFAULT_RANGE_SLACK,
): string[] {
  return rangeIssues(lawId, x, ranges, slack).map(rangeIssueText);
}

/** A number as range messages print it: 4 significant digits, exponent form for large or tiny values. */
export function fmtValue(v: number): string {
  return Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

/**
 * The law inputs of an architecture trained on `trainingTokens` tokens.
 *
 * ffnRatio: intermediate / width for a dense MLP (gated or not — the co-design grid is SwiGLU); for MoE the
 * activated width K·expertIntermediate (+ shared experts' width) over d, as the co-design paper (arXiv 2602.10377) defines r.
 * depth: every decoder layer counts, whatever its mixer (hybrids included).
 */
export function lossInputs(arch: LlmArchitecture, trainingTokens: number, params: ParamCounts = countParams(arch)): LossInputs {
  const p = params;
  const d = arch.hiddenSize;
  let ffnRatio: number;
  let moeActivationRate: number;
  if (arch.mlp.kind === 'dense') {
    ffnRatio = arch.mlp.intermediateSize / d;
    moeActivationRate = 1;
  } else {
    const activeWidth = arch.mlp.activeExperts * arch.mlp.expertIntermediateSize + arch.mlp.sharedExperts * arch.mlp.sharedIntermediateSize;
    ffnRatio = activeWidth / d;
    moeActivationRate = arch.mlp.activeExperts / arch.mlp.experts;
  }
  const gqa = arch.heads / arch.kvHeads;
  return {
    params: p.total,
    activeParams: p.activePerToken,
    nonEmbeddingParams: p.nonEmbedding,
    activeNonEmbeddingParams: p.activeNonEmbedding,
    trainingTokens,
    width: d,
    depth: arch.layers.length,
    ffnRatio,
    kvDim: d / gqa,
    moeActivationRate,
  };
}
