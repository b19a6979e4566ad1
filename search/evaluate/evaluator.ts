import type { Architecture } from '../../core/architecture.js';
import type { Metrics } from '../../core/metrics.js';

/** The outcome for one candidate: its metrics, or why it failed. */
export type EvaluationResult = { readonly ok: true; readonly metrics: Metrics } | { readonly ok: false; readonly error: string };

/** Turns candidates into metrics. Batches are the unit of work, so per-call overhead is paid once per batch. */
export interface Evaluator {
  readonly id: string;
  evaluate(architectures: readonly Architecture[]): Promise<EvaluationResult[]>;
  close?(): Promise<void>;
}
