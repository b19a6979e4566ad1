import type { Architecture } from '../../core/architecture.js';
import type { Metrics } from '../../core/metrics.js';
import type { Genes } from '../../core/space.js';

/** The outcome for one candidate: its metrics, or why it failed. */
export type EvaluationResult = { readonly ok: true; readonly metrics: Metrics } | { readonly ok: false; readonly error: string };

/**
 * Turns candidates into metrics. Batches are the unit of work, so per-call overhead is paid once per batch.
 * `genes` (parallel to `architectures`, given by the study) is what a user's evaluator keys on; the built-in ones
 * need only the architecture.
 */
export interface Evaluator {
  readonly id: string;
  evaluate(architectures: readonly Architecture[], genes?: readonly Genes[]): Promise<EvaluationResult[]>;
  close?(): Promise<void>;
}
