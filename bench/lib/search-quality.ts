/**
 * Search quality against a known frontier: the problems the strategies are judged on, and the scoring.
 *
 * A problem is a space, objectives and an evaluation served from memory (a lookup table for the finite spaces,
 * memoised analytic evaluation for the others), with a reference frontier: exact (every candidate enumerated) for
 * llm-codesign and nb201, from long reference runs for llm-hybrid and fbnet (bench/data/reference-frontiers.json,
 * written by bench/reference-frontiers.ts). A strategy runs as the study runs it (generations of `batch` asks,
 * repeats answered without counting) until a number of DISTINCT candidates; at each budget the found feasible
 * frontier is scored by
 * - share: the share of the reference frontier's points found exactly (distinct objective vectors);
 * - IGD: mean distance from each reference point to the nearest found point, objectives normalised to the
 *   reference frontier's ideal and nadir (0 when all found; lower is better);
 * - HV ratio: normalised hypervolume (reference point 1.1) of the found frontier over the reference frontier's.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConstraints, parseObjectives, scoreMetrics, type Constraint, type Objective } from '../../core/objectives.js';
import { boundsOf, igd, normalise, normalisedHypervolume, paretoIndices, type Bounds } from '../../core/pareto.js';
import type { Genes, SearchSpace } from '../../core/space.js';
import { fbnetSpace } from '../../core/spaces/fbnet.js';
import { llmCodesignSpace } from '../../core/spaces/llm-codesign.js';
import { llmHybridSpace } from '../../core/spaces/llm-hybrid.js';
import { nb201Space } from '../../core/spaces/nb201.js';
import { PAPER_WORKLOAD } from '../../core/workload.js';
import { getDevice } from '../../hardware/devices.js';
import { resolveLaw } from '../../predictors/loss/index.js';
import { analyticMetrics, DEFAULT_PRECISION_LOSS, DEFAULT_TRAINING_TOKENS, type AnalyticSpec } from '../../search/evaluate/analytic.js';
import { getStrategy } from '../../search/strategies/index.js';
import type { Evaluated } from '../../search/strategy.js';
import { nb201Accuracy } from './nb201-accuracy.js';

const here = dirname(fileURLToPath(import.meta.url));
export const REFERENCE_FRONTIERS_FILE = join(here, '..', 'data', 'reference-frontiers.json');

export interface QualityProblem {
  readonly id: string;
  readonly description: string;
  readonly space: SearchSpace;
  readonly objectives: readonly Objective[];
  readonly constraints: readonly Constraint[];
  /** The result of a candidate (memoised). */
  evaluate(genes: Genes): Evaluated;
  /** Whether `reference` is the exact frontier (every candidate enumerated). */
  readonly exact: boolean;
  /** Distinct-candidate budgets at which a run is scored, with their labels (1% and 5% of the space, or fixed). */
  readonly budgets: readonly { readonly label: string; readonly evaluations: number }[];
  /**
   * Options each strategy needs on this problem: MnasNet's latency target (the median latency of the reference
   * frontier, rounded) and quality metric.
   */
  readonly strategyOptions: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** The reference frontier of a problem, scored: its points, bounds and hypervolume. */
export interface Reference {
  readonly points: readonly (readonly number[])[];
  readonly keys: ReadonlySet<string>;
  readonly bounds: Bounds;
  readonly normalised: number[][];
  readonly hypervolume: number;
}

export function referenceOf(points: readonly (readonly number[])[]): Reference {
  const bounds = boundsOf(points);
  return { points, keys: new Set(points.map(pointKey)), bounds, normalised: normalise(points, bounds), hypervolume: normalisedHypervolume(points, bounds) };
}

const pointKey = (p: readonly number[]) => p.join(',');

/** Evaluation memoised by the candidate's key. */
function memoised(space: SearchSpace, objectives: readonly Objective[], constraints: readonly Constraint[], metricsOf: (g: Genes) => Record<string, number>) {
  const memo = new Map<string, Evaluated>();
  return (genes: Genes): Evaluated => {
    const key = space.key(genes);
    let r = memo.get(key);
    if (!r) {
      const metrics = metricsOf(genes);
      const s = scoreMetrics(metrics, objectives, constraints);
      r = { genes: genes.slice(), objectives: s.objectives, violation: s.violation, metrics };
      memo.set(key, r);
    }
    return r;
  };
}

function analyticSpec(device: string): AnalyticSpec {
  // As `hwnas search` prices candidates by default (the loss pays for precision).
  return { kind: 'analytic', device: getDevice(device), workload: PAPER_WORKLOAD, mode: 'roofline', law: 'codesign', trainingTokens: DEFAULT_TRAINING_TOKENS, precisionLoss: DEFAULT_PRECISION_LOSS };
}

function shareBudgets(size: number): QualityProblem['budgets'] {
  return [
    { label: '1%', evaluations: Math.round(0.01 * size) },
    { label: '5%', evaluations: Math.round(0.05 * size) },
  ];
}

/** Fixed budgets for spaces too large to enumerate: llm-codesign's 1% and 5%, rounded. */
const LARGE_SPACE_BUDGETS: QualityProblem['budgets'] = [
  { label: '400', evaluations: 400 },
  { label: '2000', evaluations: 2000 },
];

/** llm-codesign on Jetson AGX Orin, the paper's workload: loss vs end-to-end latency (the table). */
export function codesignProblem(): QualityProblem {
  const space = llmCodesignSpace;
  const spec = analyticSpec('jetson-agx-orin');
  const law = resolveLaw(spec.law);
  const objectives = parseObjectives('loss,latency');
  return {
    id: 'llm-codesign',
    description: 'llm-codesign, jetson-agx-orin, loss vs latencyMs (37,800 candidates, exact frontier)',
    space,
    objectives,
    constraints: [],
    evaluate: memoised(space, objectives, [], (g) => analyticMetrics(space.decode(g), spec, law)),
    exact: true,
    budgets: shareBudgets(space.size()),
    strategyOptions: { mnas: { target: 100 } },
  };
}

/**
 * nb201 on Raspberry Pi 5: NAS-Bench-201's CIFAR-10 test accuracy (the accuracy table, 200 epochs) against the
 * roofline latency of the CIFAR network (15,625 cells, exact frontier).
 */
export function nb201Problem(): QualityProblem {
  const space = nb201Space;
  const spec = analyticSpec('raspberry-pi-5');
  const law = resolveLaw(spec.law);
  const accuracy = nb201Accuracy();
  const objectives: Objective[] = [
    { metric: 'accuracy', direction: 'max' },
    { metric: 'latencyMs', direction: 'min' },
  ];
  return {
    id: 'nb201',
    description: 'nb201, raspberry-pi-5, CIFAR-10 accuracy (NAS-Bench-201 table) vs latencyMs (15,625 cells, exact frontier)',
    space,
    objectives,
    constraints: [],
    evaluate: memoised(space, objectives, [], (g) => ({ ...analyticMetrics(space.decode(g), spec, law), accuracy: accuracy(g) })),
    exact: true,
    budgets: shareBudgets(space.size()),
    strategyOptions: { mnas: { target: 1.75, qualityMetric: 'accuracy' } },
  };
}

/** llm-hybrid on Jetson AGX Orin, the paper's workload: loss vs latency (1.4·10^8 candidates, reference frontier). */
export function hybridProblem(): QualityProblem {
  const space = llmHybridSpace;
  const spec = analyticSpec('jetson-agx-orin');
  const law = resolveLaw(spec.law);
  const objectives = parseObjectives('loss,latency');
  return {
    id: 'llm-hybrid',
    description: 'llm-hybrid, jetson-agx-orin, loss vs latencyMs (1.4e8 candidates, frontier of long reference runs)',
    space,
    objectives,
    constraints: parseConstraints([]),
    evaluate: memoised(space, objectives, [], (g) => analyticMetrics(space.decode(g), spec, law)),
    exact: false,
    budgets: LARGE_SPACE_BUDGETS,
    strategyOptions: { mnas: { target: 65 } },
  };
}

/** fbnet on Snapdragon 8 Gen 3: parameters (capacity, maximised) vs latency (9^22 networks, reference frontier). */
export function fbnetProblem(): QualityProblem {
  const space = fbnetSpace;
  const spec = analyticSpec('snapdragon-8-gen-3');
  const law = resolveLaw(spec.law);
  const objectives = parseObjectives('max:params,latency');
  return {
    id: 'fbnet',
    description: 'fbnet, snapdragon-8-gen-3, parameters (max) vs latencyMs (9^22 networks, frontier of long reference runs)',
    space,
    objectives,
    constraints: [],
    evaluate: memoised(space, objectives, [], (g) => analyticMetrics(space.decode(g), spec, law)),
    exact: false,
    budgets: LARGE_SPACE_BUDGETS,
    strategyOptions: { mnas: { target: 1.6, qualityMetric: 'params' } },
  };
}

export const PROBLEMS: Readonly<Record<string, () => QualityProblem>> = {
  'llm-codesign': codesignProblem,
  nb201: nb201Problem,
  'llm-hybrid': hybridProblem,
  fbnet: fbnetProblem,
};

/** The exact frontier of a finite problem: every candidate evaluated. */
export function exactFrontier(problem: QualityProblem): number[][] {
  const points: number[][] = [];
  const violations: number[] = [];
  for (const g of problem.space.enumerate!()) {
    const r = problem.evaluate(g);
    points.push(r.objectives as number[]);
    violations.push(r.violation);
  }
  return paretoIndices(points, violations).map((i) => points[i]);
}

/** The stored frontier of long reference runs (bench/reference-frontiers.ts). */
export function storedFrontier(problemId: string): number[][] {
  const all = JSON.parse(readFileSync(REFERENCE_FRONTIERS_FILE, 'utf8')) as Record<string, { points: number[][] }>;
  const entry = all[problemId];
  if (!entry) throw new Error(`${REFERENCE_FRONTIERS_FILE}: no frontier for ${problemId}; run bench/reference-frontiers.ts`);
  return entry.points;
}

const references = new WeakMap<QualityProblem, Reference>();

export function referenceFor(problem: QualityProblem): Reference {
  let ref = references.get(problem);
  if (!ref) {
    ref = referenceOf(problem.exact ? exactFrontier(problem) : storedFrontier(problem.id));
    references.set(problem, ref);
  }
  return ref;
}

export interface Score {
  readonly distinct: number;
  /** Candidates asked, repeats included. */
  readonly asks: number;
  readonly share: number;
  readonly igd: number;
  readonly hvRatio: number;
}

/** Scores a found set of objective vectors (feasible ones only) against the reference. */
export function scoreFound(found: readonly (readonly number[])[], ref: Reference): Omit<Score, 'distinct' | 'asks'> {
  const front = paretoIndices(found).map((i) => found[i]);
  let hits = 0;
  for (const k of new Set(front.map(pointKey))) if (ref.keys.has(k)) hits++;
  return {
    share: hits / ref.keys.size,
    igd: front.length > 0 ? igd(normalise(front, ref.bounds), ref.normalised) : Infinity,
    hvRatio: front.length > 0 ? normalisedHypervolume(front, ref.bounds) / ref.hypervolume : 0,
  };
}

/**
 * Runs strategy `id` on `problem` until each budget (ascending) of distinct candidates and scores it there. A
 * generation asks min(batch, what is left of the budget), as the study does; a strategy that stops proposing
 * anything new (200 generations in a row) is scored where it stopped.
 */
export function runStrategy(problem: QualityProblem, id: string, seed: number, options: Readonly<Record<string, unknown>> = {}, batch = 64): Score[] {
  const { space } = problem;
  const strategy = getStrategy(id).create({
    space,
    objectiveCount: problem.objectives.length,
    seed,
    options: { ...problem.strategyOptions[id], ...options },
    objectives: problem.objectives,
    constraints: problem.constraints,
  });
  const ref = referenceFor(problem);
  const seen = new Set<string>();
  const found: (readonly number[])[] = [];
  const out: Score[] = [];
  let asks = 0;
  let barren = 0;
  for (const { evaluations } of problem.budgets) {
    while (seen.size < evaluations && barren < 200 && !strategy.done()) {
      const asked = strategy.ask(Math.min(batch, evaluations - seen.size));
      asks += asked.length;
      const before = seen.size;
      const results = asked.map((g) => {
        const r = problem.evaluate(g);
        const key = space.key(g);
        if (!seen.has(key)) {
          seen.add(key);
          if (r.violation <= 0) found.push(r.objectives);
        }
        return r;
      });
      barren = seen.size === before ? barren + 1 : 0;
      if (asked.length > 0) strategy.tell(results);
    }
    out.push({ distinct: seen.size, asks, ...scoreFound(found, ref) });
  }
  return out;
}
