/**
 * How a loss is shown wherever one is shown: the total, its parts (the law's base loss, the quantisation penalty,
 * the training-precision penalty) and the training tokens it is predicted at. One formatter for every command.
 */
import { uniformWeights, weightPrecision, type LlmArchitecture, type TensorPrecisions } from '../core/architecture.js';
import { countParams } from '../core/params.js';
import { bitsOf } from '../predictors/loss/precision-penalty.js';
import type { LossLaw } from '../predictors/loss/law.js';
import { fmtValue } from '../predictors/loss/law.js';
import { lossParts, lossRangeIssues, notModelledText, type LossOptions, type LossParts } from '../predictors/loss/loss-parts.js';
import { formatCount } from './report/format.js';
import type { Genes, SearchSpace } from '../core/space.js';
import { lawOfSpec, lossOptionsOf } from '../search/evaluate/analytic.js';
import { lossPricingPart, type EvaluatorSpec } from '../search/evaluate/registry.js';

/** The loss metrics of a candidate (search/evaluate/analytic.ts); parts are absent for studies priced before them. */
export interface LossMetrics {
  readonly loss?: number;
  readonly baseLoss?: number;
  readonly quantPenalty?: number;
  readonly trainingPrecisionPenalty?: number;
  readonly trainingTokens?: number;
}

const nats = (v: number) => v.toFixed(4);

/**
 * One line: "3.4919 nats/token = base 3.4754 + quantisation 0.0165 + training precision 0.0000, at 10B training
 * tokens". Without parts (a study priced before precision cost loss): the loss, and the tokens when known.
 */
export function lossPartsText(m: LossMetrics, trainingTokens = m.trainingTokens): string {
  if (m.loss === undefined) return '—';
  const tokens = trainingTokens !== undefined ? `, at ${formatCount(trainingTokens)} training tokens` : '';
  if (m.baseLoss === undefined) return `${nats(m.loss)} nats/token (law only: precision not priced)${tokens}`;
  return `${nats(m.loss)} nats/token = base ${nats(m.baseLoss)} + quantisation ${nats(m.quantPenalty ?? 0)} + training precision ${nats(m.trainingPrecisionPenalty ?? 0)}${tokens}`;
}

/** The parts in detail, one line each after the first: each quantised tensor's penalty, what is not modelled, and the warnings. */
export function lossPartsLines(parts: LossParts, warnings: readonly string[]): string[] {
  const lines = [`${lossPartsText(parts)}, trained in ${parts.trainingPrecision}`];
  if (parts.trainingPrecisionPenalty > 0) lines.push(`  training precision: ${parts.trainingPrecision} weights, activations and KV cache (effective parameters, Kumar et al. 2025 Eqs. 3–4)`);
  // Terms that round to zero (the norm vectors' share) are in the sum, not in the list.
  const shown = parts.terms.filter((t) => t.nats >= 5e-5);
  if (shown.length > 0) lines.push(`  quantisation: ${shown.map((t) => `${t.tensor} ${t.precision} +${nats(t.nats)}`).join(', ')}`);
  if (parts.terms.some((t) => t.kind === 'weights')) lines.push(`  weight penalty from ${parts.weightPenaltySource}`);
  for (const u of parts.notModelled) lines.push(`  not modelled: ${notModelledText(u)}`);
  for (const w of warnings) lines.push(`  warning: ${w}`);
  return lines;
}

/** A candidate's precisions in a few characters: its weights (per class when they differ), and a quantised KV cache. */
export function precisionLabel(p: TensorPrecisions): string {
  const weights = uniformWeights(p) ? p.weights : `attn ${p.attentionWeights ?? p.weights}/mlp ${p.mlpWeights ?? p.weights}/emb ${p.embeddingWeights ?? p.weights}`;
  return bitsOf(p.kvCache) < 16 ? `${weights}, KV ${p.kvCache}` : weights;
}

/** How many points of a frontier hold each precision: per candidate when uniform, per tensor class when any is mixed. */
function precisionMix(front: readonly LlmArchitecture[]): string {
  const count = (label: (p: TensorPrecisions) => string) => {
    const mix = new Map<string, number>();
    for (const a of front) mix.set(label(a.precision), (mix.get(label(a.precision)) ?? 0) + 1);
    return [...mix].sort((x, y) => y[1] - x[1]).map(([k, n]) => `${k} ${n}`).join(', ');
  };
  if (front.every((a) => uniformWeights(a.precision))) return count(precisionLabel);
  const classes = [
    ['attention', (p: TensorPrecisions) => weightPrecision(p, 'attention')],
    ['MLP', (p: TensorPrecisions) => weightPrecision(p, 'mlp')],
    ['embeddings', (p: TensorPrecisions) => weightPrecision(p, 'embeddings')],
    ['KV cache', (p: TensorPrecisions) => p.kvCache],
  ] as const;
  return classes.map(([name, of]) => `${name} ${count(of)}`).join('; ');
}

/**
 * What a frontier's losses are made of, for the end of a sweep or search: its precision mix, how the loss is
 * composed, the quantised tensors whose penalty is not modelled, and the inputs outside a fitted range (grouped,
 * with how many frontier points each concerns). `options` undefined: a study priced by the law alone.
 */
export function frontierLossSummary(front: readonly LlmArchitecture[], law: LossLaw, options: LossOptions | undefined): string[] {
  const lines = [`frontier precisions: ${precisionMix(front)}`];
  if (!options) return [...lines, `loss: the ${law.id} law alone (this study was priced before precision cost loss)`];
  lines.push(`loss = base (${law.id} law) + quantisation penalty + training-precision penalty, at ${formatCount(options.trainingTokens)} training tokens (Kumar et al. 2025, Scaling Laws for Precision; b of their Table 2 ${options.ptqB === 'exponent' ? 'read inside the exponential' : 'left out'})`);
  const unmodelled = new Map<string, string>();
  const issues = new Map<string, { text: string; points: number; lo: number; hi: number }>();
  for (const a of front) {
    const params = countParams(a);
    const parts = lossParts(law, a, options, params);
    for (const u of parts.notModelled) unmodelled.set(`${u.tensor} ${u.precision}`, u.kind);
    for (const i of lossRangeIssues(law, a, options, params, parts)) {
      const key = `${i.source}: ${i.input} ${i.side} the fitted range [${fmtValue(i.range.min)}, ${fmtValue(i.range.max)}]`;
      const g = issues.get(key) ?? { text: key, points: 0, lo: Infinity, hi: -Infinity };
      g.points++;
      g.lo = Math.min(g.lo, i.value);
      g.hi = Math.max(g.hi, i.value);
      issues.set(key, g);
    }
  }
  if (unmodelled.size > 0) lines.push(`not modelled: ${[...unmodelled.keys()].join(', ')} (no published constants: supply precisionPenalty.${[...new Set(unmodelled.values())].join('/')} in a law file, or fit with hwnas fit --penalty)`);
  for (const g of issues.values()) {
    const values = g.lo === g.hi ? fmtValue(g.lo) : `${fmtValue(g.lo)}–${fmtValue(g.hi)}`;
    lines.push(`warning: ${g.text} on ${g.points} of ${front.length} frontier points (${values})`);
  }
  return lines;
}

const precisionPenalty = (parts: LossParts) => parts.quantPenalty + parts.trainingPrecisionPenalty;

/**
 * What precision costs each candidate's loss (quantisation + training-precision penalties, nats/token), as the
 * study's evaluator prices it: for the live view's frontier table. Undefined when the study's loss is not hwnas's
 * law with precision priced (a CNN space, a study priced before precision cost loss).
 */
export function precisionCostOf(evaluator: EvaluatorSpec, space: SearchSpace): ((genes: Genes) => number | undefined) | undefined {
  const spec = lossPricingPart(evaluator);
  const options = spec ? lossOptionsOf(spec) : undefined;
  if (!spec || !options) return undefined;
  const law = lawOfSpec(spec);
  // The view redraws its table several times a second: each candidate is priced once.
  const known = new Map<string, number | undefined>();
  return (genes) => {
    const key = space.key(genes);
    if (known.has(key)) return known.get(key);
    const a = space.decode(genes);
    const cost = a.family === 'llm' ? precisionPenalty(lossParts(law, a, options, countParams(a))) : undefined;
    known.set(key, cost);
    return cost;
  };
}
