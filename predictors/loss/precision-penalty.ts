/**
 * What precision costs in loss (Kumar et al. 2025, arXiv 2411.04330): Kumar et al.'s post-training quantisation penalty (Eq. 2) and the
 * effective parameter count of training in low precision (Eqs. 3–4). Pure formulas; `loss-parts.ts` adds them to
 * a law's loss.
 */
import type { Precision } from '../../core/precision.js';
import type { InputRange } from './law.js';
import { KUMAR_PRECISION_LAW } from './precision-published.js';

/** The constants of Eq. 2's form, δ = C_T · D^γ_D / N^γ_N · exp(−P / γ_post). */
export interface PtqConstants {
  readonly C_T: number;
  readonly gamma_D: number;
  readonly gamma_N: number;
  readonly gamma_post: number;
}

/** The quantities a penalty reads, whose fitted ranges are checked. */
export type PenaltyInput = 'nonEmbeddingParams' | 'trainingTokens' | 'bits';

/** Penalty constants with where they come from and where they were fitted. */
export interface PenaltySpec extends PtqConstants {
  readonly source: string;
  readonly fittedRange: Readonly<Partial<Record<PenaltyInput, InputRange>>>;
}

/** The tensors whose quantisation at inference can cost loss. */
export const PENALTY_TENSORS = ['weights', 'activations', 'kvCache'] as const;
export type PenaltyTensor = (typeof PENALTY_TENSORS)[number];

/** Penalty constants by tensor (a law file's `precisionPenalty`). */
export type PrecisionPenalties = Readonly<Partial<Record<PenaltyTensor, PenaltySpec>>>;

/**
 * How to read Table 2's unresolved b: 'none' leaves it out (Eq. 2 as printed; the default), 'exponent' reads it
 * as an offset inside the exponential, exp(−P/γ_post + b), which multiplies every penalty by e^b ≈ 3.09.
 */
export const PTQ_B_READINGS = ['none', 'exponent'] as const;
export type PtqBReading = (typeof PTQ_B_READINGS)[number];

/** Bits per element of a precision: integer formats their width, floating formats 16 or 32. */
export function bitsOf(p: Precision): number {
  switch (p) {
    case 'int4':
      return 4;
    case 'int8':
      return 8;
    case 'fp32':
      return 32;
    default:
      return 16;
  }
}

/** Eq. 2: the loss (nats) that quantising a model's N non-embedding weights to `bits` after training on D tokens adds. */
export function ptqPenalty(c: PtqConstants, nonEmbeddingParams: number, trainingTokens: number, bits: number): number {
  return (c.C_T * Math.pow(trainingTokens, c.gamma_D)) / Math.pow(nonEmbeddingParams, c.gamma_N) * Math.exp(-bits / c.gamma_post);
}

function weightPenaltyOf(reading: PtqBReading): PenaltySpec {
  const k = KUMAR_PRECISION_LAW;
  const r = k.fittedRange;
  return Object.freeze({
    ...k.ptq,
    C_T: reading === 'exponent' ? k.ptq.C_T * Math.exp(k.unresolvedB) : k.ptq.C_T,
    source: `${k.source}, Eq. 2${reading === 'exponent' ? ` with b = ${k.unresolvedB} read inside the exponential` : ' (b of Table 2 left out)'}`,
    fittedRange: { nonEmbeddingParams: r.nonEmbeddingParams, trainingTokens: r.trainingTokens, bits: r.bits },
  });
}

const PUBLISHED_WEIGHT_PENALTY: Readonly<Record<PtqBReading, PenaltySpec>> = { none: weightPenaltyOf('none'), exponent: weightPenaltyOf('exponent') };

/** Kumar et al.'s weight constants under a reading of b (its e^b folds into C_T: the two are one constant). */
export function publishedWeightPenalty(reading: PtqBReading = 'none'): PenaltySpec {
  return PUBLISHED_WEIGHT_PENALTY[reading];
}

/**
 * Eqs. 3–4: N_eff / N = Π_x (1 − exp(−P_x/γ_x + n_x)) over weights, activations and KV cache trained at P_w, P_a,
 * P_kv bits.
 */
export function effectiveParamsFactor(weightBits: number, activationBits: number, kvBits: number): number {
  const t = KUMAR_PRECISION_LAW.training;
  const factor = (bits: number, gamma: number, offset: number) => 1 - Math.exp(-bits / gamma + offset);
  return factor(weightBits, t.gamma_w, t.n_w) * factor(activationBits, t.gamma_a, t.n_a) * factor(kvBits, t.gamma_kv, t.n_kv);
}

/** The training precision the built-in laws' models were trained at, and the reference of the training penalty. */
export const REFERENCE_TRAINING_BITS = 16;

/**
 * The loss that training weights, activations and KV cache at `bits` (instead of 16) adds, by Eqs. 3–4:
 * A·(N·f(bits))^−α − A·(N·f(16))^−α with Kumar et al.'s A and α. Zero at 16 bits and above: the built-in laws were
 * fitted on models trained in bf16, so their loss already holds f(16) (N_eff = 0.994 N).
 */
export function trainingPrecisionPenalty(nonEmbeddingParams: number, bits: number): number {
  if (bits >= REFERENCE_TRAINING_BITS) return 0;
  const { A, alpha } = KUMAR_PRECISION_LAW.training;
  const at = (b: number) => A * Math.pow(nonEmbeddingParams * effectiveParamsFactor(b, b, b), -alpha);
  return at(bits) - at(REFERENCE_TRAINING_BITS);
}
