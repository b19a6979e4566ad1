/**
 * Every candidate of a finite space priced by the analytic evaluator, the Pareto frontier marked: what
 * `hwnas sweep` writes, as data.
 */
import type { Architecture } from '../core/architecture.js';
import type { LossLaw } from '../predictors/loss/index.js';
import { missingMetrics, nanMetricMessage, nanMetrics, parseConstraints, parseObjectives, scoreMetrics, type Constraint, type Objective } from '../core/objectives.js';
import { paretoIndices } from '../core/pareto.js';
import type { Genes, SearchSpace } from '../core/space.js';
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
  /** The priced architecture (after `transform`). */
  readonly architecture: Architecture;
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
  /** What priced the rows: the analytic evaluator's spec and its loss law. */
  readonly spec: AnalyticSpec;
  readonly law: LossLaw;
  readonly seconds: number;
}

/**
 * Refuses, before any work, objectives and constraints on metrics the space's candidates do not have (a frontier
 * of a metric nobody computes is no answer), and stops at the first candidate whose law gives NaN.
 */
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
  const priced = (genes: Genes): { arch: Architecture; metrics: Record<string, number> } => {
    let arch: Architecture = space.decode(genes);
    if (options.transform) arch = options.transform(arch);
    return { arch, metrics: analyticMetrics(arch, spec, law) };
  };
  const first = priced(space.enumerate()[Symbol.iterator]().next().value as Genes);
  const objectives = parseObjectives(options.objectives ?? (first.arch.family === 'llm' ? 'loss,latency' : 'latency,params'));
  const constraints = parseConstraints(options.constraints ?? []);
  const gives = `it gives: ${Object.keys(first.metrics).join(', ')}`;
  const lacking = missingMetrics(first.metrics, objectives, []);
  if (lacking.length > 0) throw new UsageError(`--objectives: space ${space.id} gives no ${lacking.join(', ')}; ${gives}`);
  const lackingConstraint = missingMetrics(first.metrics, [], constraints);
  if (lackingConstraint.length > 0) throw new UsageError(`--constraint: space ${space.id} gives no ${lackingConstraint.join(', ')}; ${gives}`);
  const t0 = performance.now();
  const rows: Omit<SweepRow, 'isPareto'>[] = [];
  const points: number[][] = [];
  const violations: number[] = [];
  for (const genes of space.enumerate()) {
    const { arch, metrics } = priced(genes);
    const nan = nanMetrics(metrics, objectives, constraints);
    if (nan.length > 0) throw new UsageError(nanMetricMessage(nan[0], lawId, space.key(genes)));
    const score = scoreMetrics(metrics, objectives, constraints);
    rows.push({ genes: space.describe(genes), architecture: arch, ...(arch.family === 'llm' && arch.name ? { name: arch.name } : {}), metrics });
    points.push(score.objectives);
    violations.push(score.violation);
  }
  const pareto = new Set(paretoIndices(points, violations));
  return { space, device: spec.device, objectives, constraints, spec, law, rows: rows.map((r, i) => ({ ...r, isPareto: pareto.has(i) })), seconds: (performance.now() - t0) / 1e3 };
}
