import type { Architecture } from '../../core/architecture.js';
import type { Metrics } from '../../core/metrics.js';
import { countParams } from '../../core/params.js';
import { cutIndices } from '../../core/spaces/partitioned.js';
import type { Workload } from '../../core/workload.js';
import type { DeviceProfile } from '../../hardware/device.js';
import type { Link } from '../../hardware/link.js';
import { cnnChain, llmChain } from '../../hardware/split-chain.js';
import { pricePartition, priceUnits } from '../../hardware/split.js';
import type { LossLaw } from '../../predictors/loss/law.js';
import { lawOfSpec, llmLossMetrics, type PrecisionLossSpec } from './analytic.js';
import type { EvaluationResult, Evaluator } from './evaluator.js';

/**
 * The split evaluator (search --devices): a candidate is a model with its cuts (core/spaces/partitioned.ts),
 * priced over the devices in order and the link as `hwnas split` prices one partition (hardware/split.ts).
 */
export interface SplitSpec {
  readonly kind: 'split';
  readonly devices: readonly DeviceProfile[];
  readonly link: Link;
  readonly workload: Workload;
  /** The roofline with the devices' efficiencies, or the ideal one. */
  readonly mode: 'roofline' | 'ideal';
  readonly law: string;
  /** The loss-law file's text as the study stored it (search/study-inputs.ts): every worker prices with it. */
  readonly lawText?: string;
  readonly trainingTokens: number;
  /** How precision costs loss, as the analytic evaluator prices it. */
  readonly precisionLoss?: PrecisionLossSpec;
}

/**
 * Metrics of one partition: latencyMs end to end, requestsPerS pipelined (CNN forward passes; LLM prompts), for an
 * LLM ttftMs, decodeMsPerToken and tokensPerS (pipelined decode) and its loss; memoryBytes of the fullest device,
 * fitsMemory when every device holds its share, energyJ over the devices, transferBytes over the link.
 */
export function splitMetrics(arch: Architecture, spec: SplitSpec, law: LossLaw): Metrics {
  if (arch.family !== 'partitioned') throw new Error(`the split evaluator prices partitioned models (search --devices), got a ${arch.family} architecture`);
  const model = arch.model;
  const chain = model.family === 'llm' ? llmChain(model, spec.workload) : cnnChain(model, spec.workload.batch);
  const ideal = spec.mode === 'ideal';
  const prices = spec.devices.map((d) => priceUnits(chain, d, ideal));
  const p = pricePartition(chain, spec.devices, prices, spec.link, cutIndices(arch, chain.units.length));
  const common = {
    latencyMs: p.latencyMs,
    requestsPerS: p.prefill.perS,
    memoryBytes: Math.max(...p.stages.map((st) => st.memoryBytes)),
    fitsMemory: p.fits ? 1 : 0,
    energyJ: p.energyJ,
    transferBytes: p.transferBytes,
  };
  if (chain.kind === 'llm') {
    const params = countParams(chain.arch);
    return { ...llmLossMetrics(chain.arch, spec, law, params), ...common, ttftMs: p.prefill.latencyMs, decodeMsPerToken: p.decode!.latencyMs, tokensPerS: p.decode!.perS, params: params.total };
  }
  return { ...common, params: chain.params, flops: chain.flops };
}

export function createSplitEvaluator(spec: SplitSpec): Evaluator {
  const law = lawOfSpec(spec);
  return {
    id: 'split',
    async evaluate(archs): Promise<EvaluationResult[]> {
      return archs.map((arch) => {
        try {
          return { ok: true, metrics: splitMetrics(arch, spec, law) };
        } catch (error) {
          return { ok: false, error: error instanceof Error ? error.message : String(error) };
        }
      });
    },
  };
}
