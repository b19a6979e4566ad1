import type { Architecture, LlmArchitecture } from '../../core/architecture.js';
import type { ParamCounts } from '../../core/params.js';
import type { Precision } from '../../core/precision.js';
import { DEFAULT_CNN_WORKLOAD, lowerCnn } from '../../core/lower-cnn.js';
import type { Metrics } from '../../core/metrics.js';
import type { Workload } from '../../core/workload.js';
import type { DeviceProfile } from '../../hardware/device.js';
import { paperClosedForm } from '../../hardware/paper-closed-form.js';
import { analyzeForward, analyzeLlm, type LlmAnalysis } from '../../hardware/roofline.js';
import { lawFromText, resolveLaw } from '../../predictors/loss/index.js';
import { lossInputs, type LossLaw } from '../../predictors/loss/law.js';
import { DEFAULT_TRAINING_PRECISION, lossParts, type LossOptions } from '../../predictors/loss/loss-parts.js';
import type { PtqBReading } from '../../predictors/loss/precision-penalty.js';
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
  /**
   * A law file's text as the study read it when it began: the law is built from it, so editing the file later
   * changes nothing in the study. Absent for built-in laws (and in studies recorded before it was kept).
   */
  readonly lawText?: string;
  /** D for laws that read training tokens (the co-design law is fitted at 10B), and for the precision penalties. */
  readonly trainingTokens: number;
  /**
   * Precision's cost in loss (predictors/loss/loss-parts.ts): quantisation penalties and training precision.
   * Absent in studies recorded before precision cost loss: they resume priced as they began (the law alone).
   */
  readonly precisionLoss?: PrecisionLossSpec;
}

/** How precision is priced in loss: the training precision of candidates that set none, and the reading of Table 2's b. */
export interface PrecisionLossSpec {
  readonly trainingPrecision: Precision;
  readonly ptqB: PtqBReading;
}

export const DEFAULT_TRAINING_TOKENS = 10e9;
export const DEFAULT_PRECISION_LOSS: PrecisionLossSpec = { trainingPrecision: DEFAULT_TRAINING_PRECISION, ptqB: 'none' };

/** The loss options of a spec (undefined: the law alone, as before precision cost loss). */
export function lossOptionsOf(spec: Pick<AnalyticSpec, 'trainingTokens' | 'precisionLoss'>): LossOptions | undefined {
  return spec.precisionLoss ? { trainingTokens: spec.trainingTokens, ...spec.precisionLoss } : undefined;
}

/** The roofline metrics of an LLM analysis, by the names in core/metrics.ts, plus the roofline breakdown. */
function rooflineMetrics(a: LlmAnalysis, m: Record<string, number>): Record<string, number> {
  m.latencyMs = a.totalLatencyMs;
  m.ttftMs = a.ttftMs;
  m.decodeMsPerToken = a.decode.latencyMsPerToken;
  m.tokensPerS = a.decode.tokensPerS;
  m.memoryBytes = a.memory.totalBytes;
  m.weightsBytes = a.memory.weightsBytes;
  m.kvCacheBytes = a.memory.kvCacheBytes;
  m.fitsMemory = a.memory.fits ? 1 : 0;
  m.energyJ = a.energyJ;
  m.energyJPerToken = a.energyJPerToken;
  m.params = a.params.total;
  m.activeParams = a.params.activePerToken;
  m.flops = a.prefill.flops + a.decode.flops;
  m.prefillComputeMs = a.breakdown.prefill.computeMs;
  m.prefillMemoryMs = a.breakdown.prefill.memoryMs;
  m.decodeComputeMs = a.breakdown.decode.computeMs;
  m.decodeMemoryMs = a.breakdown.decode.memoryMs;
  m.overheadMs = a.breakdown.prefill.overheadMs + a.breakdown.decode.overheadMs;
  return m;
}

/**
 * Metrics of an LLM analysis: the loss first (with precision priced: its parts and the training tokens), then
 * the roofline's. Built by assignment onto one object literal per shape: spreading a record into a literal put
 * every candidate's metrics in dictionary mode (10x slower on the sweep's hot path).
 */
function llmMetrics(arch: LlmArchitecture, a: LlmAnalysis, spec: AnalyticSpec, law: LossLaw): Metrics {
  return rooflineMetrics(a, llmLossMetrics(arch, spec, law, a.params));
}

/** An LLM's loss with its parts, priced as `spec` says (the split evaluator prices loss the same way). */
export function llmLossMetrics(arch: LlmArchitecture, spec: Pick<AnalyticSpec, 'trainingTokens' | 'precisionLoss'>, law: LossLaw, params: ParamCounts): Record<string, number> {
  const options = lossOptionsOf(spec);
  if (!options) return { loss: law.predict(lossInputs(arch, spec.trainingTokens, params)) };
  const p = lossParts(law, arch, options, params);
  return { loss: p.loss, baseLoss: p.baseLoss, quantPenalty: p.quantPenalty, trainingPrecisionPenalty: p.trainingPrecisionPenalty, trainingTokens: p.trainingTokens };
}

/** Prices one architecture; throws for nothing but programming errors. */
export function analyticMetrics(arch: Architecture, spec: AnalyticSpec, law: LossLaw): Metrics {
  if (arch.family === 'llm') {
    const a = spec.mode === 'paper' ? paperClosedForm(arch, spec.workload, spec.device) : analyzeLlm(arch, spec.workload, spec.device, { ideal: spec.mode === 'ideal', skipOpReports: true });
    // The analysis already counted the parameters: pass them on rather than count again on this hot path.
    return llmMetrics(arch, a, spec, law);
  }
  if (arch.family === 'partitioned') throw new Error('a partitioned model needs the split evaluator (search --devices)');
  const lowered = lowerCnn(arch, { ...DEFAULT_CNN_WORKLOAD, batch: spec.workload.batch });
  const f = analyzeForward(lowered.ops, spec.device, DEFAULT_CNN_WORKLOAD.precision, spec.mode !== 'roofline');
  return { latencyMs: f.latencyMs, flops: f.flops, params: lowered.params, energyJ: f.energyJ, memoryBytes: lowered.params * 4 };
}

/** The loss law of a spec: from the text the study stored, else by id or path. */
export function lawOfSpec(spec: Pick<AnalyticSpec, 'law' | 'lawText'>): LossLaw {
  return spec.lawText !== undefined ? lawFromText(spec.lawText, spec.law) : resolveLaw(spec.law);
}

export function createAnalyticEvaluator(spec: AnalyticSpec): Evaluator {
  const law = lawOfSpec(spec);
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
