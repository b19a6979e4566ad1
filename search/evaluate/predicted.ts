import { loadLatencyEvaluator } from '../../predictors/latency/evaluator.js';
import { createAnalyticEvaluator, type AnalyticSpec } from './analytic.js';
import type { EvaluationResult, Evaluator } from './evaluator.js';

/**
 * Latency from a HELP-style predictor adapted to the target device (`hwnas predictor adapt`); every other metric
 * (FLOPs, parameters, memory, energy, loss) from the analytic evaluator. The roofline's own latency is kept as
 * `rooflineLatencyMs` beside the predicted `latencyMs`. Plain strings in the spec let a worker thread rebuild it.
 */
export interface PredictedSpec extends Omit<AnalyticSpec, 'kind'> {
  readonly kind: 'predicted';
  /** The meta-trained predictor directory (`hwnas predictor meta-train --out`). */
  readonly predictorDir: string;
  /** The device name the predictor was adapted to. */
  readonly predictorDevice: string;
}

export function createPredictedEvaluator(spec: PredictedSpec): Evaluator {
  const { predictorDir, predictorDevice, ...rest } = spec;
  const analytic = createAnalyticEvaluator({ ...rest, kind: 'analytic' });
  const predictor = loadLatencyEvaluator(predictorDir, predictorDevice);
  return {
    id: `predicted:${predictorDevice}`,
    async evaluate(archs): Promise<EvaluationResult[]> {
      const [priced, predicted] = await Promise.all([analytic.evaluate(archs), predictor.evaluate(archs)]);
      return priced.map((a, i) => {
        const p = predicted[i];
        if (!a.ok) return a;
        if (!p.ok) return p;
        return { ok: true, metrics: { ...a.metrics, rooflineLatencyMs: a.metrics.latencyMs, latencyMs: p.metrics.latencyMs } };
      });
    },
  };
}
