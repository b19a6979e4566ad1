/**
 * How a loss is shown wherever one is shown: the total, its parts (the law's base loss, the quantisation penalty,
 * the training-precision penalty) and the training tokens it is predicted at. One formatter for every command.
 */
import type { LossParts } from '../predictors/loss/loss-parts.js';
import { formatCount } from './report/format.js';

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
  for (const note of parts.notModelled) lines.push(`  not modelled: ${note}`);
  for (const w of warnings) lines.push(`  warning: ${w}`);
  return lines;
}
