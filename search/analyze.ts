/**
 * One LLM architecture priced on one device: the roofline analysis (per operator, per phase, memory, energy) and
 * the predicted loss — what `hwnas analyze` prints, as data.
 */
import type { LlmArchitecture } from '../core/architecture.js';
import { PRESET_IDS, PRESETS } from '../core/presets.js';
import { UsageError } from '../core/usage-error.js';
import type { Workload } from '../core/workload.js';
import type { DeviceProfile } from '../hardware/device.js';
import { getDevice } from '../hardware/devices.js';
import { paperClosedForm } from '../hardware/paper-closed-form.js';
import { analyzeLlm, type LlmAnalysis } from '../hardware/roofline.js';
import { resolveLaw } from '../predictors/loss/index.js';
import { lossParts, lossWarnings, type LossParts } from '../predictors/loss/loss-parts.js';
import { uniformBoundWarning } from '../predictors/loss/uniform-bound.js';
import { DEFAULT_PRECISION_LOSS, DEFAULT_TRAINING_TOKENS, type PrecisionLossSpec } from './evaluate/analytic.js';

export const DEFAULT_WORKLOAD: Workload = { batch: 1, promptTokens: 1024, generatedTokens: 16 };

export interface AnalyzeOptions {
  readonly workload?: Partial<Workload>;
  /** The roofline with the device's efficiencies (default), the pure roofline, or the co-design paper's closed forms. */
  readonly mode?: 'roofline' | 'ideal' | 'paper';
  /** A built-in law id (default codesign) or a law file. */
  readonly lossLaw?: string;
  readonly trainingTokens?: number;
  /** Training precision and the reading of the post-training penalty's b (default: bf16, none). */
  readonly precisionLoss?: Partial<PrecisionLossSpec>;
}

export interface AnalyzeResult {
  /** Per operator and phase, memory, energy (hardware/roofline.ts). */
  readonly analysis: LlmAnalysis;
  readonly architecture: LlmArchitecture;
  readonly device: DeviceProfile;
  readonly workload: Workload;
  /** The predicted loss (`predicted` = `loss`) and its parts: the law's, quantisation and training precision. */
  readonly loss: LossParts & { readonly law: string; readonly predicted: number; readonly warnings: readonly string[] };
}

/** A preset id (qwen2.5-0.5b, ...) or an architecture; a built-in device id or a profile. */
export function analyze(model: string | LlmArchitecture, device: string | DeviceProfile, options: AnalyzeOptions = {}): AnalyzeResult {
  const arch = typeof model === 'string' ? PRESETS[model] : model;
  if (!arch) throw new UsageError(`unknown model '${String(model)}'; presets: ${PRESET_IDS.join(', ')}`);
  const profile = typeof device === 'string' ? getDevice(device) : device;
  const workload: Workload = { ...DEFAULT_WORKLOAD, ...options.workload };
  const law = resolveLaw(options.lossLaw ?? 'codesign');
  const a = options.mode === 'paper' ? paperClosedForm(arch, workload, profile) : analyzeLlm(arch, workload, profile, { ideal: options.mode === 'ideal' });
  const lossOptions = { trainingTokens: options.trainingTokens ?? DEFAULT_TRAINING_TOKENS, ...DEFAULT_PRECISION_LOSS, ...options.precisionLoss };
  const parts = lossParts(law, arch, lossOptions, a.params);
  const uniform = uniformBoundWarning(law.id, parts.loss, arch.vocabSize);
  const warnings = [...lossWarnings(law, arch, lossOptions, a.params, parts), ...(uniform ? [uniform] : [])];
  return { analysis: a, architecture: arch, device: profile, workload, loss: { law: law.id, predicted: parts.loss, ...parts, warnings } };
}
