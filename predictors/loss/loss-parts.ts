/**
 * A law's loss with what precision costs added, in parts: the law's own (base) loss, the quantisation penalty of
 * every tensor deployed below its training precision, and the penalty of training in low precision.
 *
 * Weights (Kumar et al. 2025's Eq. 2). The published law is for uniform precision: it was measured
 * quantising the transformer blocks (GPTQ quantises the blocks' linear layers; embeddings and LM head stay 16-bit;
 * Kumar's N counts non-embedding parameters). Per-class precision is priced by the parameter count each class
 * quantises, which assumes that every weight carries the same share of the penalty, whatever tensor it sits in:
 *   δ_weights = Σ_c (N_c / N) · δ_PTQ(N, D, P_c)
 * over attention, MLP and norm weights (Σ N_c = N: blocks at one precision give Eq. 2 exactly) and the embedding
 * table + LM head, charged at the same rate per parameter on top. N is every non-embedding parameter, all experts
 * of an MoE included: each expert sees about K/E of the tokens and holds about K/E of the active weights, so
 * tokens per parameter, which the penalty grows with, are D / N_total.
 *
 * Training precision (Eqs. 3–4): trainingPrecisionPenalty, relative to 16-bit training. Weights deployed at or
 * above the training precision pay no post-training penalty (already in it); Eq. 2 is for bf16-trained models,
 * so for a model trained in int8 and deployed at int4 it is an estimate (Kumar et al. find low-precision-trained
 * models no more fragile, and the general term of their Eqs. 8–9 has no published constants).
 *
 * Activations and KV cache: no published constants. Their quantisation is left out and said so (`notModelled`)
 * unless the law file supplies constants of Eq. 2's form for them (fitted by `hwnas fit --penalty`).
 */
import { weightPrecision, type LlmArchitecture, type WeightClass } from '../../core/architecture.js';
import { countParams, type ParamCounts } from '../../core/params.js';
import type { Precision } from '../../core/precision.js';
import { lossInputs, rangeIssues, rangeIssueText, type LossLaw, type RangeIssue } from './law.js';
import { KUMAR_PRECISION_LAW } from './precision-published.js';
import { bitsOf, ptqPenalty, publishedWeightPenalty, trainingPrecisionPenalty, type PenaltySpec, type PenaltyTensor, type PtqBReading } from './precision-penalty.js';

/** How a loss is predicted beside the architecture: training tokens, training precision, the reading of b. */
export interface LossOptions {
  /** D: training tokens. */
  readonly trainingTokens: number;
  /** For architectures that set no training precision (default bf16). */
  readonly trainingPrecision?: Precision;
  /** Table 2's b (default 'none'). */
  readonly ptqB?: PtqBReading;
}

export const DEFAULT_TRAINING_PRECISION: Precision = 'bf16';

/** One tensor's quantisation penalty. */
export interface PenaltyTerm {
  /** Which constants priced it. */
  readonly kind: PenaltyTensor;
  /** What was quantised, for people: 'MLP weights', 'KV cache'. */
  readonly tensor: string;
  readonly precision: Precision;
  readonly nats: number;
}

/** A tensor quantised at inference whose penalty has no constants. */
export interface UnmodelledTensor {
  readonly kind: Exclude<PenaltyTensor, 'weights'>;
  readonly tensor: string;
  readonly precision: Precision;
}

/** Why a penalty is left out, and how to supply one. */
export function notModelledText(u: UnmodelledTensor): string {
  return `${u.tensor} ${u.precision} (no published constants: supply precisionPenalty.${u.kind} in a law file, or fit one with hwnas fit --penalty ${u.kind})`;
}

/** A loss and its parts; loss = baseLoss + quantPenalty + trainingPrecisionPenalty (nats/token). */
export interface LossParts {
  readonly loss: number;
  /** The law's own prediction (models trained in bf16, deployed unquantised). */
  readonly baseLoss: number;
  /** Σ of the quantisation penalties modelled (terms). */
  readonly quantPenalty: number;
  readonly trainingPrecisionPenalty: number;
  readonly trainingTokens: number;
  readonly trainingPrecision: Precision;
  /** The penalties modelled, one per quantised tensor class. */
  readonly terms: readonly PenaltyTerm[];
  /** Quantised tensors whose penalty is not modelled (no constants: notModelledText says so). */
  readonly notModelled: readonly UnmodelledTensor[];
  /** Where the weight penalty's constants come from. */
  readonly weightPenaltySource: string;
}

const CLASS_LABEL: Readonly<Record<WeightClass | 'norms', string>> = {
  attention: 'attention weights',
  mlp: 'MLP weights',
  norms: 'norm weights',
  embeddings: 'embedding + LM head weights',
};

const WEIGHT_TERMS = ['attention', 'mlp', 'norms', 'embeddings'] as const;

function weightSpec(law: LossLaw, options: LossOptions): PenaltySpec {
  return law.precisionPenalty?.weights ?? publishedWeightPenalty(options.ptqB);
}

/** The loss of `arch` under `law`, with precision's costs added, in parts. */
export function lossParts(law: LossLaw, arch: LlmArchitecture, options: LossOptions, params: ParamCounts = countParams(arch)): LossParts {
  const D = options.trainingTokens;
  const baseLoss = law.predict(lossInputs(arch, D, params));
  const p = arch.precision;
  const trainingPrecision = p.training ?? options.trainingPrecision ?? DEFAULT_TRAINING_PRECISION;
  const trainingBits = bitsOf(trainingPrecision);
  const N = params.nonEmbedding;
  const terms: PenaltyTerm[] = [];
  const notModelled: UnmodelledTensor[] = [];
  const weights = weightSpec(law, options);
  for (const cls of WEIGHT_TERMS) {
    const precision = weightPrecision(p, cls);
    const bits = bitsOf(precision);
    const count = params.byClass[cls];
    if (bits >= trainingBits || count === 0) continue;
    terms.push({ kind: 'weights', tensor: CLASS_LABEL[cls], precision, nats: (count / N) * ptqPenalty(weights, N, D, bits) });
  }
  const other = (kind: UnmodelledTensor['kind'], tensor: string, precision: Precision) => {
    const bits = bitsOf(precision);
    if (bits >= trainingBits) return;
    const spec = law.precisionPenalty?.[kind];
    if (spec) terms.push({ kind, tensor, precision, nats: ptqPenalty(spec, N, D, bits) });
    else notModelled.push({ kind, tensor, precision });
  };
  other('activations', 'activations', p.activations);
  other('kvCache', 'KV cache', p.kvCache);
  const quantPenalty = terms.reduce((s, t) => s + t.nats, 0);
  const trainingPenalty = trainingPrecisionPenalty(N, trainingBits);
  return {
    loss: baseLoss + quantPenalty + trainingPenalty,
    baseLoss,
    quantPenalty,
    trainingPrecisionPenalty: trainingPenalty,
    trainingTokens: D,
    trainingPrecision,
    terms,
    notModelled,
    weightPenaltySource: weights.source,
  };
}

/**
 * Every warning about where the prediction extrapolates: the law's inputs outside its fitted range, and N, D or
 * bits outside the range of each penalty that applies. Separate from lossParts: a search prices thousands of
 * candidates a second and shows the warnings of a few.
 */
export function lossWarnings(law: LossLaw, arch: LlmArchitecture, options: LossOptions, params: ParamCounts = countParams(arch), parts: LossParts = lossParts(law, arch, options, params)): string[] {
  return lossRangeIssues(law, arch, options, params, parts).map(rangeIssueText);
}

/** lossWarnings as data, for summaries over many candidates. */
export function lossRangeIssues(law: LossLaw, arch: LlmArchitecture, options: LossOptions, params: ParamCounts = countParams(arch), parts: LossParts = lossParts(law, arch, options, params)): RangeIssue[] {
  const out = rangeIssues(law.id, lossInputs(arch, options.trainingTokens, params), law.fittedRange);
  const N = params.nonEmbedding;
  const D = options.trainingTokens;
  const weights = weightSpec(law, options);
  for (const t of parts.terms) {
    const spec = t.kind === 'weights' ? weights : law.precisionPenalty?.[t.kind];
    if (!spec) continue;
    const label = `${t.kind === 'weights' ? 'weight' : t.tensor} quantisation penalty`;
    out.push(...rangeIssues(label, { nonEmbeddingParams: N, trainingTokens: D, bits: bitsOf(t.precision) }, spec.fittedRange));
  }
  if (parts.trainingPrecisionPenalty > 0) {
    const r = KUMAR_PRECISION_LAW.fittedRange;
    const ranges = { nonEmbeddingParams: r.nonEmbeddingParams, bits: r.trainingBits };
    out.push(...rangeIssues('training-precision penalty', { nonEmbeddingParams: N, bits: bitsOf(parts.trainingPrecision) }, ranges));
  }
  // Weight classes at one precision share N, D and bits: one issue each.
  return [...new Map(out.map((i) => [rangeIssueText(i), i])).values()];
}
