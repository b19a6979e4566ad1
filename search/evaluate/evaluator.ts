import type { Architecture } from '../../core/architecture.js';
import type { Metrics } from '../../core/metrics.js';
import type { Genes } from '../../core/space.js';

/** The outcome for one candidate: its metrics, or why it failed. */
export type EvaluationResult = { readonly ok: true; readonly metrics: Metrics } | { readonly ok: false; readonly error: string };

/** What a caller may pass with a batch besides the candidates. */
export interface EvaluateOptions {
  /**
   * Aborting it abandons the batch: an evaluator that honours it (the measured one stops between timed runs; a
   * worker thread is terminated) rejects with the signal's reason, and no result of the batch is recorded.
   */
  readonly signal?: AbortSignal;
}

/**
 * Turns candidates into metrics. Batches are the unit of work, so per-call overhead is paid once per batch.
 * `genes` (parallel to `architectures`, given by the study) is what a user's evaluator keys on; the built-in ones
 * need only the architecture.
 */
export interface Evaluator {
  readonly id: string;
  evaluate(architectures: readonly Architecture[], genes?: readonly Genes[], options?: EvaluateOptions): Promise<EvaluationResult[]>;
  close?(): Promise<void>;
}
