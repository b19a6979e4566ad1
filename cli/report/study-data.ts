/**
 * What the report and the Hugging Face export read from a study: its provenance, the frontier (recomputed from
 * the recorded candidates exactly as `hwnas export` does), the hypervolume after each generation, and what is
 * needed to re-price one frontier point with the per-operator roofline.
 */
import { parseObjectives, type Objective } from '../../core/objectives.js';
import { hypervolume, paretoIndices } from '../../core/pareto.js';
import type { SearchSpace } from '../../core/space.js';
import { studySpace } from '../../search/study-inputs.js';
import type { Workload } from '../../core/workload.js';
import type { DeviceProfile } from '../../hardware/device.js';
import { getDevice } from '../../hardware/devices.js';
import type { CandidateRecord, Store, StudyRecord } from '../../search/store/index.js';
import { metricCatalog, parseStudyConfig, type StudyConfig } from '../../search/study-config.js';
import { devicePricingPart, lossPricingPart, type EvaluatorSpec } from '../../search/evaluate/registry.js';
import { UsageError } from '../errors.js';
import type { PrecisionLossSpec } from '../../search/evaluate/analytic.js';

export interface EvaluatorInfo {
  readonly kind: string;
  readonly device: DeviceProfile | null;
  readonly workload: Workload | null;
  readonly law: string | null;
  /** The law file's text as the study stored it (schema v8), read instead of the file named by `law`. */
  readonly lawText: string | null;
  readonly mode: 'roofline' | 'ideal' | 'paper' | null;
  readonly trainingTokens: number | null;
  /** How precision was priced in loss; null for studies priced before it was. */
  readonly precisionLoss: PrecisionLossSpec | null;
}

export interface HypervolumePoint {
  readonly generation: number;
  /** Distinct candidates evaluated once this generation was complete. */
  readonly evaluations: number;
  readonly hypervolume: number;
}

export interface StudyData {
  readonly study: StudyRecord;
  readonly config: StudyConfig;
  readonly space: SearchSpace;
  readonly objectives: readonly Objective[];
  readonly evaluator: EvaluatorInfo;
  /** Every evaluated candidate (done or failed), in ask order. */
  readonly candidates: readonly CandidateRecord[];
  /** The feasible non-dominated candidates, sorted by the second objective (or the first when alone). */
  readonly frontier: readonly CandidateRecord[];
  readonly hypervolumeCurve: readonly HypervolumePoint[];
  /** The hypervolume reference point (the study's own, from its checkpoint, when recorded). */
  readonly reference: readonly number[] | null;
}

/** The evaluator by its kinds: "analytic", "analytic+module", "farm: analytic, measured on pixel7, rpi5". */
function evaluatorKindText(spec: EvaluatorSpec): string {
  if (spec.kind === 'combined') return spec.parts.map(evaluatorKindText).join('+');
  if (spec.kind === 'farm') return `farm: ${evaluatorKindText(spec.base)}, measured on ${spec.measured.map((m) => m.device.id).join(', ')}`;
  return spec.kind;
}

function evaluatorInfo(study: StudyRecord): EvaluatorInfo {
  const spec = study.evaluator as EvaluatorSpec | undefined;
  // A combined study (the law beside your own evaluators) or a farm's base holds these in one of its parts.
  const pricing = spec ? lossPricingPart(spec) : undefined;
  const onDevice = spec ? devicePricingPart(spec) : undefined;
  let device = onDevice?.device ?? null;
  if (!device && study.device) {
    try {
      device = getDevice(study.device);
    } catch {
      device = null;
    }
  }
  return {
    kind: spec ? evaluatorKindText(spec) : 'unknown',
    device,
    workload: onDevice?.workload ?? (spec && 'workload' in spec ? spec.workload : null),
    law: pricing?.law ?? null,
    lawText: pricing?.lawText ?? null,
    mode: onDevice?.mode ?? (spec && 'mode' in spec ? spec.mode : null),
    trainingTokens: pricing?.trainingTokens ?? null,
    precisionLoss: pricing?.precisionLoss ?? null,
  };
}

/** Nadir of the points plus 10% of the range (as the study loop fixes it). */
function referenceOf(points: readonly (readonly number[])[]): number[] {
  const m = points[0].length;
  const ref: number[] = [];
  for (let j = 0; j < m; j++) {
    const col = points.map((p) => p[j]);
    const lo = Math.min(...col);
    const hi = Math.max(...col);
    const range = hi - lo;
    ref.push(hi + (range > 0 ? 0.1 * range : Math.max(Math.abs(hi) * 0.1, 1e-9)));
  }
  return ref;
}

const feasible = (r: CandidateRecord) => r.status === 'done' && r.violation === 0 && (r.objectives ?? []).every(Number.isFinite);

/** The hypervolume after each generation, with the frontier grown generation by generation. */
export function hypervolumeCurve(candidates: readonly CandidateRecord[], reference: readonly number[]): HypervolumePoint[] {
  const byGeneration = new Map<number, CandidateRecord[]>();
  for (const c of candidates) {
    const list = byGeneration.get(c.generation) ?? [];
    list.push(c);
    byGeneration.set(c.generation, list);
  }
  const curve: HypervolumePoint[] = [];
  let front: (readonly number[])[] = [];
  let evaluations = 0;
  for (const g of [...byGeneration.keys()].sort((a, b) => a - b)) {
    const list = byGeneration.get(g)!;
    evaluations += list.length;
    const added = list.filter(feasible).map((c) => c.objectives!);
    if (added.length > 0) {
      const all = [...front, ...added];
      front = paretoIndices(all).map((i) => all[i]);
    }
    curve.push({ generation: g, evaluations, hypervolume: front.length > 0 ? hypervolume(front, reference) : 0 });
  }
  return curve;
}

/** What every reader of a study needs before its candidates: the record, its configuration, space and objectives. */
export type StudyHead = Pick<StudyData, 'study' | 'config' | 'space' | 'objectives' | 'evaluator'>;

/** Reads a study's head; an unknown study is a UsageError listing the known ones. */
export async function loadStudyHead(store: Store, name: string): Promise<StudyHead> {
  const study = await store.getStudy(name);
  if (!study) throw new UsageError(`unknown study '${name}' in ${store.location}; studies: ${(await store.listStudies()).map((s) => s.name).join(', ') || '(none)'}`);
  const config = parseStudyConfig(study.config, { file: `${store.location}: study '${name}' config` });
  const space = studySpace(config, study.inputs);
  const { known, directions } = metricCatalog(config, study.evaluator as EvaluatorSpec | undefined);
  const objectives = parseObjectives(config.objectives, known, directions);
  return { study, config, space, objectives, evaluator: evaluatorInfo(study) };
}

/** Reads a study for reporting; an unknown study is a UsageError listing the known ones. */
export async function loadStudyData(store: Store, name: string): Promise<StudyData> {
  const head = await loadStudyHead(store, name);
  const { study, objectives } = head;
  const candidates: CandidateRecord[] = [];
  for await (const c of store.candidates(study.id, ['done', 'failed'])) candidates.push(c);
  const points = candidates.map((r) => (r.status === 'done' ? r.objectives! : new Array<number>(objectives.length).fill(Infinity)));
  const violations = candidates.map((r) => (r.status === 'done' ? r.violation! : Infinity));
  const x = objectives.length > 1 ? 1 : 0;
  const frontier = paretoIndices(points, violations)
    .map((i) => candidates[i])
    .filter(feasible)
    .sort((a, b) => a.objectives![x] - b.objectives![x] || a.seq - b.seq);
  const loopState = (await store.checkpoint(study.id))?.loopState as { reference?: number[] | null } | undefined;
  const reference = loopState?.reference ?? (frontier.length > 0 ? referenceOf(frontier.map((c) => c.objectives!)) : null);
  return {
    ...head,
    candidates,
    frontier,
    hypervolumeCurve: reference ? hypervolumeCurve(candidates, reference) : [],
    reference,
  };
}
