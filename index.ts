/**
 * hwnas as a library: the functions the `hwnas` command composes.
 *
 *   import { analyze, sweep, runSearch, defineSpace } from 'hwnas';
 *
 * - analyze(model, device, options)  one LLM architecture priced on one device (roofline per operator, memory,
 *                                    energy, predicted loss), as `hwnas analyze`.
 * - sweep(options)                   every candidate of a finite space, the Pareto frontier marked, as `hwnas sweep`.
 * - runSearch(config, options)       a durable, resumable study (the fields of study.yaml), as `hwnas search`
 *                                    (resumeSearch(name, options) continues one, as `hwnas resume`);
 *                                    returns the frontier with every metric. `storage` (an SQLite file or a
 *                                    postgresql:// URL) says where the study lives.
 * - defineSpace(definition)          a space of your own (an LLM base and genes, as a space file holds), checked.
 * - summarizeSplit(chain, devices, link)  every partition of one model over devices (llmChain / cnnChain) priced over
 *                                    a link (parseLink), its latency/throughput frontier, as `hwnas split`.
 * Your own evaluators go in the config's `evaluators` (a command, a module, a table), with the metrics they declare.
 */
import type { UserSpaceSpec } from './core/spaces/user-space.js';
import { userSpace } from './core/spaces/user-space.js';

export { analyze, DEFAULT_WORKLOAD, type AnalyzeOptions, type AnalyzeResult } from './search/analyze.js';
export { sweep, MAX_SWEEP, type SweepOptions, type SweepResult, type SweepRow } from './search/sweep.js';
export { runSearch, resumeSearch, prepareStudy, type FrontierEntry, type RunOptions, type SearchResult } from './search/run-search.js';
export type { StudyConfig, StudyConfigInput } from './search/study-config.js';
export type { StudyEvent } from './search/study.js';
export type { CandidateDocument } from './search/evaluate/candidate-document.js';
export type { EvaluatorModule } from './search/evaluate/module.js';
export type { MetricDeclaration } from './search/evaluate/metric-declarations.js';
export { resolveSpace, type SpaceRef } from './search/space-file.js';
export { SPACES, getSpace } from './core/spaces/index.js';
export type { SearchSpace, Genes, Gene } from './core/space.js';
export type { Architecture, LlmArchitecture, Nb201Architecture, FbnetArchitecture, MnasnetArchitecture, PartitionedArchitecture } from './core/architecture.js';
export { MNASNET_PRESETS } from './core/spaces/mnasnet.js';
export { cnnChain, llmChain, type Chain } from './hardware/split-chain.js';
export { summarizeSplit, priceAllPartitions, describePartition, type SplitPrice, type SplitSummary } from './hardware/split.js';
export { parseLink, type Link } from './hardware/link.js';
export type { Workload } from './core/workload.js';
export { PRESETS, PRESET_IDS } from './core/presets.js';
export { getDevice, deviceIds, builtinDevices, loadDeviceFile } from './hardware/devices.js';
export type { DeviceProfile } from './hardware/device.js';
export type { LlmAnalysis } from './hardware/roofline.js';
export { UsageError } from './core/usage-error.js';
export type { UserSpaceSpec };

/** Checks a space definition (as a space file holds it) and returns it, plain data a study records and resumes from. */
export function defineSpace<T extends UserSpaceSpec>(definition: T): T {
  userSpace(definition, `space '${definition.id}'`);
  return definition;
}
