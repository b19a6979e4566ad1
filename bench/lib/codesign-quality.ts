/**
 * Hypervolume ratio of each strategy's found frontier to the exact frontier of llm-codesign (enumerated), for
 * Jetson AGX Orin with the paper's workload, minimising (loss, end-to-end latency) under a memory budget.
 * Shared by the quality benchmark and the codesign experiment.
 */
import { parseConstraints, parseObjectives, scoreMetrics } from '../../core/objectives.js';
import { boundsOf, normalisedHypervolume, paretoIndices } from '../../core/pareto.js';
import { llmCodesignSpace } from '../../core/spaces/llm-codesign.js';
import { PAPER_WORKLOAD } from '../../core/workload.js';
import { getDevice } from '../../hardware/devices.js';
import { resolveLaw } from '../../predictors/loss/index.js';
import { analyticMetrics, DEFAULT_PRECISION_LOSS, type AnalyticSpec } from '../../search/evaluate/analytic.js';
import { getStrategy } from '../../search/strategies/index.js';
import type { Evaluated } from '../../search/strategy.js';

export const QUALITY_OBJECTIVES = 'loss,latency';
export const QUALITY_CONSTRAINTS = ['memory<=2GiB'];

export interface GridTable {
  readonly scores: Map<string, Evaluated>;
  readonly exactFront: number[][];
  readonly size: number;
}

export function codesignGrid(): GridTable {
  const space = llmCodesignSpace;
  const spec: AnalyticSpec = { kind: 'analytic', device: getDevice('jetson-agx-orin'), workload: PAPER_WORKLOAD, mode: 'roofline', law: 'codesign', trainingTokens: 10e9, precisionLoss: DEFAULT_PRECISION_LOSS };
  const law = resolveLaw('codesign');
  const objectives = parseObjectives(QUALITY_OBJECTIVES);
  const constraints = parseConstraints(QUALITY_CONSTRAINTS);
  const scores = new Map<string, Evaluated>();
  const points: number[][] = [];
  const violations: number[] = [];
  for (const genes of space.enumerate!()) {
    const metrics = analyticMetrics(space.decode(genes), spec, law);
    const s = scoreMetrics(metrics, objectives, constraints);
    scores.set(space.key(genes), { genes, objectives: s.objectives, violation: s.violation, metrics });
    points.push(s.objectives);
    violations.push(s.violation);
  }
  const exactFront = paretoIndices(points, violations).map((i) => points[i]);
  return { scores, exactFront, size: scores.size };
}

/**
 * Runs one strategy for `budgets` (ascending) evaluations; at each budget, the HV ratio of the found feasible
 * frontier to the exact one, and the share of exact frontier points found.
 */
export function hvRatios(grid: GridTable, strategyId: string, seed: number, budgets: readonly number[], batch = 20): { hv: number; recovered: number }[] {
  const space = llmCodesignSpace;
  const objectives = parseObjectives(QUALITY_OBJECTIVES);
  const constraints = parseConstraints(QUALITY_CONSTRAINTS);
  const strategy = getStrategy(strategyId).create({ space, objectiveCount: 2, seed, options: {}, objectives, constraints });
  const bounds = boundsOf(grid.exactFront);
  const exactHv = normalisedHypervolume(grid.exactFront, bounds);
  const found: number[][] = [];
  const exactKeys = new Set(grid.exactFront.map((p) => p.join(',')));
  const out: { hv: number; recovered: number }[] = [];
  let evaluated = 0;
  let stalls = 0;
  for (const budget of budgets) {
    while (evaluated < budget && stalls < 100) {
      const asked = strategy.ask(Math.min(batch, budget - evaluated));
      if (asked.length === 0) {
        stalls++;
        continue;
      }
      const results = asked.map((g) => grid.scores.get(space.key(g))!);
      strategy.tell(results);
      for (const r of results) if (r.violation <= 0) found.push(r.objectives as number[]);
      evaluated += asked.length;
    }
    const front = paretoIndices(found).map((i) => found[i]);
    const recovered = new Set(front.map((p) => p.join(',')).filter((k) => exactKeys.has(k))).size / exactKeys.size;
    out.push({ hv: front.length ? normalisedHypervolume(front, bounds) / exactHv : 0, recovered });
  }
  return out;
}
