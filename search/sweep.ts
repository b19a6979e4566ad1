/**
 * Every candidate of a finite space priced by the analytic evaluator, the Pareto frontier marked: what
 * `hwnas sweep` writes, as data.
 */
import type { Architecture } from '../core/architecture.js';
import { parseConstraints, parseObjectives, scoreMetrics, type Constraint, type Objective } from '../core/objectives.js';
import { paretoIndices } from '../core/pareto.js';
import type { SearchSpace } from '../core/space.js';
import { UsageError } from '../core/usage-error.js';
import type { Workload } from '../core/workload.js';
import type { DeviceProfile } from '../hardware/device.js';
import { getDevice } from '../hardware/devices.js';
import { resolveLaw } from '../predictors/loss/index.js';
import { DEFAULT_WORKLOAD } from './analyze.js';
import { analyticMetrics, DEFAULT_PRECISION_LOSS, DEFAULT_TRAINING_TOKENS, type AnalyticSpec, type PrecisionLossSpec } from './evaluate/analytic.js';
import { resolveSpace, type SpaceRef } from './space-file.js';

/** Largest space a sweep enumerates; beyond it, search instead. */
export const MAX_SWEEP = 2_000_000;

export interface SweepOptions {
  /** A built-in space id, a space file, a space definition (defineSpace), or a SearchSpace. */
  readonly space: SpaceRef | SearchSpace;
  readonly device: string | DeviceProfile;
  readonly workload?: Partial<Workload>;
  /** Default: loss,latency for LLM spaces, latency,params for CNN spaces. */
  readonly objectives?: string;
  readonly constraints?: readonly string[];
  readonly mode?: 'roofline' | 'ideal' | 'paper';
  readonly lossLaw?: string;
  readonly trainingTokens?: number;
  /** Training precision and the reading of the post-training penalty's b (default: bf16, none). */
  readonly precisionLoss?: Partial<PrecisionLossSpec>;
  /** Changes each decoded architecture before pricing (the CLI's precision flags). */
  readonly transform?: (arch: Architecture) => Architecture;
}

export interface SweepRow {
  readonly genes: Readonly<Record<string, number | string>>;
  readonly name?: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly isPareto: boolean;
}

export interface SweepResult {
  readonly space: SearchSpace;
  readonly device: DeviceProfile;
  readonly objectives: readonly Objective[];
  readonly constraints: readonly Constraint[];
  readonly rows: readonly SweepRow[];
  readonly seconds: number;
}

export function sweep(options: SweepOptions): SweepResult {
  const space = typeof options.space !== 'string' && typeof options.space.decode === 'function' ? (options.space as SearchSpace) : resolveSpace(options.space as SpaceRef);
  if (!space.enumerate || space.size() > MAX_SWEEP) throw new UsageError(`space ${space.id}: ${space.size().toExponential(2)} candidates is too many to sweep (limit ${MAX_SWEEP}); search it instead`);
  const lawId = options.lossLaw ?? 'codesign';
  const law = resolveLaw(lawId);
  const spec: AnalyticSpec = {
    kind: 'analytic',
    device: typeof options.device === 'string' ? getDevice(options.device) : options.device,
    workload: { ...DEFAULT_WORKLOAD, ...options.workload },
    mode: options.mode ?? 'roofline',
    law: lawId,
    trainingTokens: options.trainingTokens ?? DEFAULT_TRAINING_TOKENS,
    precisionLoss: { ...DEFAULT_PRECISION_LOSS, ...options.precisionLoss },
  };
  const first = space.decode(space.enumerate()[Symbol.iterator]().next().value as number[]);
  const objectives = parseObjectives(options.objectives ?? (first.family === 'llm' ? 'loss,latency' : 'latency,params'));
  const constraints = parseConstraints(options.constraints ?? []);
  const t0 = performance.now();
  const rows: Omit<SweepRow, 'isPareto'>[] = [];
  const points: number[][] = [];
  const violations: number[] = [];
  for (const genes of space.enumerate()) {
    let arch: Architecture = space.decode(genes);
    if (options.transform) arch = options.transform(arch);
    const metrics = analyticMetrics(arch, spec, law);
    const score = scoreMetrics(metrics, objectives, constraints);
    rows.push({ genes: space.describe(genes), ...(arch.family === 'llm' && arch.name ? { name: arch.name } : {}), metrics });
    points.push(score.objectives);
    violations.push(score.violation);
  }
  const pareto = new Set(paretoIndices(points, violations));
  return { space, device: spec.device, objectives, constraints, rows: rows.map((r, i) => ({ ...r, isPareto: pareto.has(i) })), seconds: (performance.now() - t0) / 1e3 };
}
