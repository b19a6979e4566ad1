/**
 * Several evaluators scoring the same candidates, their metrics merged: hwnas's own (roofline, calibrated profile,
 * predictor) beside a user's (a command, a module, a table), e.g. accuracy from a training script and latency from
 * the roofline. A later part's metric replaces an earlier part's of the same name (a user's measured latency
 * replaces the roofline's); a candidate fails if any part fails it.
 */
import type { EvaluationResult, Evaluator } from './evaluator.js';

export interface CombinedSpec<Part = unknown> {
  readonly kind: 'combined';
  readonly parts: readonly Part[];
  /** Metrics dropped from the merged result (e.g. the energy of a reference profile that is not the device's). */
  readonly omit?: readonly string[];
}

export function combineEvaluators(parts: readonly Evaluator[], omit: readonly string[] = []): Evaluator {
  return {
    id: parts.map((p) => p.id).join('+'),
    async evaluate(architectures, genes, options): Promise<EvaluationResult[]> {
      const each = await Promise.all(parts.map((p) => p.evaluate(architectures, genes, options)));
      return architectures.map((_, i) => {
        const metrics: Record<string, number> = {};
        for (let k = 0; k < parts.length; k++) {
          const r = each[k][i];
          if (!r.ok) return { ok: false, error: parts.length > 1 ? `${parts[k].id}: ${r.error}` : r.error };
          Object.assign(metrics, r.metrics);
        }
        for (const name of omit) delete metrics[name];
        return { ok: true, metrics };
      });
    },
    async close() {
      await Promise.all(parts.map((p) => p.close?.()));
    },
  };
}
