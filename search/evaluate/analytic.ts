import type { Architecture } from '../../core/architecture.js';
import { DEFAULT_CNN_WORKLOAD, lowerFbnet, lowerNb201 } from '../../core/lower-cnn.js';
import type { Metrics } from '../../core/metrics.js';
import type { Workload } from '../../core/workload.js';
import type { DeviceProfile } from '../../hardware/device.js';
import { paperClosedForm } from '../../hardware/paper-closed-form.js';
import { analyzeForward, analyzeLlm, type LlmAnalysis } from '../../hardware/roofline.js';
import { resolveLaw } from '../../predictors/loss/index.js';
import { lossInputs, type LossLaw } from '../../predictors/loss/law.js';
import type { EvaluationResult, Evaluator } from './evaluator.js';

/**
 * The analytic evaluator: lowering + roofline (+ a loss law for LLMs). Pure arithmetic, so it runs in-process in
 * batches. Its spec is plain data (the device profile inline) so that a study records exactly what priced its
 * candidates and a worker can rebuild it.
 */
export interface AnalyticSpec {
  readonly kind: 'analytic';
  readonly device: DeviceProfile;
  readonly workload: Workload;
  readonly mode: 'roofline' | 'ideal' | 'paper';
  /** A built-in law id or the path of a law file (`hwnas fit --out`). */
  readonly law: string;
  /** D for laws that read training tokens (the co-design law is fitted at 10B). */
  readonly trainingTokens: number;
}

export const DEFAULT_TRAINING_TOKENS = 10e9;

/** Metrics of an LLM analysis, by the names in core/metrics.ts, plus the roofline breakdown. */
export function llmMetrics(a: LlmAnalysis, loss: number): Metrics {
  return {
    loss,
    latencyMs: a.totalLatencyMs,
    ttftMs: a.ttftMs,
    decodeMsPerToken: a.decode.latencyMsPerToken,
    tokensPerS: a.decode.tokensPerS,
    memoryBytes: a.memory.totalBytes,
    weightsBytes: a.memory.weightsBytes,
    kvCacheBytes: a.memory.kvCacheBytes,
    fitsMemory: a.memory.fits ? 1 : 0,
    energyJ: a.energyJ,
    energyJPerToken: a.energyJPerToken,
    params: a.params.total,
    activeParams: a.params.activePerToken,
    flops: a.prefill.flops + a.decode.flops,
    prefillComputeMs: a.breakdown.prefill.computeMs,
    prefillMemoryMs: a.breakdown.prefill.memoryMs,
    decodeComputeMs: a.breakdown.decode.computeMs,
    decodeMemoryMs: a.breakdown.decode.memoryMs,
    overheadMs: a.breakdown.prefill.overheadMs + a.breakdown.decode.overheadMs,
  };
}

/** Prices one architecture; throws for nothing but programming errors. */
export function analyticMetrics(arch: Architecture, spec: AnalyticSpec, law: LossLaw): Metrics {
  if (arch.family === 'llm') {
    const a = spec.mode === 'paper' ? paperClosedForm(arch, spec.workload, spec.device) : analyzeLlm(arch, spec.workload, spec.device, { ideal: spec.mode === 'ideal', skipOpReports: true });
    // The analysis already counted the parameters: pass them on rather than count again on this hot path.
    return llmMetrics(a, law.predict(lossInputs(arch, spec.trainingTokens, a.params)));
  }
  const lowered = arch.family === 'nb201' ? lowerNb201(arch, { ...DEFAULT_CNN_WORKLOAD, batch: spec.workload.batch }) : lowerFbnet(arch, { ...DEFAULT_CNN_WORKLOAD, batch: spec.workload.batch });
  const f = analyzeForward(lowered.ops, spec.device, DEFAULT_CNN_WORKLOAD.precision, spec.mode !== 'roofline');
  return { latencyMs: f.latencyMs, flops: f.flops, params: lowered.params, energyJ: f.energyJ, memoryBytes: lowered.params * 4 };
}

export function createAnalyticEvaluator(spec: AnalyticSpec): Evaluator {
  const law = resolveLaw(spec.law);
  return {
    id: 'analytic',
    async evaluate(archs): Promise<EvaluationResult[]> {
      return archs.map((arch) => {
        try {
          return { ok: true, metrics: analyticMetrics(arch, spec, law) };
        } catch (error) {
          return { ok: false, error: error instanceof Error ? error.message : String(error) };
        }
      });
    },
  };
}
