/**
 * The study loop's own state between generations (counters, frontier, hypervolume) and the pure steps that move
 * it on. Saved in every checkpoint as it was before that checkpoint's generation.
 */
import type { Objective } from '../core/objectives.js';
import { dominates, hypervolume, paretoIndices } from '../core/pareto.js';
import type { Genes } from '../core/space.js';
import type { StudySummary } from './store/types.js';

export type StopReason = 'evaluations' | 'wall-time' | 'patience' | 'exhausted' | 'signal';

export interface FrontierPoint {
  readonly seq: number;
  readonly genes: Genes;
  readonly objectives: readonly number[];
}

export interface LoopState {
  readonly generation: number;
  readonly evaluations: number;
  readonly failed: number;
  readonly nextSeq: number;
  readonly staleGenerations: number;
  readonly hypervolume: number;
  /** Hypervolume reference point, fixed from the first feasible generation (nadir + 10% of the range). */
  readonly reference: readonly number[] | null;
  readonly frontier: readonly FrontierPoint[];
  /** Generations in a row whose ask brought nothing new (only repeats): the space is used up. */
  readonly barrenGenerations: number;
  readonly elapsedMs: number;
}

export const INITIAL_LOOP_STATE: LoopState = {
  generation: 0,
  evaluations: 0,
  failed: 0,
  nextSeq: 0,
  staleGenerations: 0,
  hypervolume: 0,
  reference: null,
  frontier: [],
  barrenGenerations: 0,
  elapsedMs: 0,
};

/** The loop state as checkpointed: frontier points without their genes (the store has them, by seq). */
export type SavedLoopState = Omit<LoopState, 'frontier'> & { readonly frontier: readonly { readonly seq: number; readonly objectives: readonly number[] }[] };

// Encoding the genes of a large frontier every generation cost a fifth of the study's time on a fast evaluator.
export function saveLoop(loop: LoopState): SavedLoopState {
  return { ...loop, frontier: loop.frontier.map((p) => ({ seq: p.seq, objectives: p.objectives })) };
}

export function restoreLoop(saved: SavedLoopState, genesBySeq: ReadonlyMap<number, Genes>): LoopState {
  return {
    ...saved,
    frontier: saved.frontier.map((p) => {
      const g = genesBySeq.get(p.seq);
      if (!g) throw new Error(`checkpoint names frontier candidate ${p.seq}, which is not in the store`);
      return { seq: p.seq, genes: g, objectives: p.objectives };
    }),
  };
}

/**
 * The feasible non-dominated points of frontier ∪ added, in ask order (equal points all kept, as paretoIndices
 * does); the same array when no added point can enter it. Most of a generation is dominated by the frontier: those
 * points are dropped with a dominance check before the non-dominated sort of what remains.
 */
export function mergeFrontier(frontier: readonly FrontierPoint[], added: readonly FrontierPoint[]): readonly FrontierPoint[] {
  const entering = added.filter((p) => !frontier.some((f) => dominates(f.objectives, p.objectives)));
  if (entering.length === 0) return frontier;
  const all = [...frontier, ...entering];
  return paretoIndices(all.map((p) => p.objectives))
    .map((i) => all[i])
    .sort((a, b) => a.seq - b.seq);
}

function referenceFrom(points: readonly FrontierPoint[]): number[] {
  const m = points[0].objectives.length;
  const ref: number[] = [];
  for (let j = 0; j < m; j++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const p of points) {
      lo = Math.min(lo, p.objectives[j]);
      hi = Math.max(hi, p.objectives[j]);
    }
    const range = hi - lo;
    ref.push(hi + (range > 0 ? 0.1 * range : Math.max(Math.abs(hi) * 0.1, 1e-9)));
  }
  return ref;
}

/** What one generation added: candidates new to the study, those that failed, and the feasible ones. */
export interface GenerationResult {
  readonly fresh: number;
  readonly failed: number;
  readonly feasible: readonly FrontierPoint[];
}

/** The loop after a generation is told, and whether its frontier changed. */
export function advanceLoop(loop: LoopState, result: GenerationResult, elapsedMs: number): { loop: LoopState; changed: boolean; improved: boolean } {
  const frontier = result.feasible.length > 0 ? mergeFrontier(loop.frontier, result.feasible) : loop.frontier;
  const changed = frontier !== loop.frontier && (frontier.length !== loop.frontier.length || frontier.some((p, i) => p.seq !== loop.frontier[i].seq));
  const reference = loop.reference ?? (frontier.length > 0 ? referenceFrom(frontier) : null);
  // An unchanged frontier (under a reference already fixed) keeps its hypervolume.
  const hv = !changed && loop.reference ? loop.hypervolume : reference ? hypervolume(frontier.map((p) => p.objectives), reference) : 0;
  const improved = hv > loop.hypervolume;
  return {
    changed,
    improved,
    loop: {
      ...loop,
      generation: loop.generation + 1,
      evaluations: loop.evaluations + result.fresh,
      failed: loop.failed + result.failed,
      staleGenerations: improved ? 0 : loop.staleGenerations + 1,
      hypervolume: hv,
      reference,
      frontier,
      barrenGenerations: result.fresh === 0 ? loop.barrenGenerations + 1 : 0,
      elapsedMs,
    },
  };
}

/** What the store keeps for listings: frontier size, hypervolume, per-objective bests, the stop reason. */
export function summaryOf(loop: LoopState, objectives: readonly Objective[], stopReason?: StopReason): StudySummary {
  const best: Record<string, number> = {};
  const bestCandidates: { metric: string; seq: number; values: Record<string, number> }[] = [];
  const signed = (j: number, v: number) => (objectives[j].direction === 'max' ? -v : v);
  objectives.forEach((o, j) => {
    if (loop.frontier.length === 0) return;
    // The point best at objective j; ties go to the one best at the others in order, then the earliest.
    const order = [j, ...objectives.keys()].filter((k, i) => i === 0 || k !== j);
    const before = (p: FrontierPoint, q: FrontierPoint) => {
      for (const k of order) if (p.objectives[k] !== q.objectives[k]) return p.objectives[k] < q.objectives[k];
      return p.seq < q.seq;
    };
    let top = loop.frontier[0];
    for (const p of loop.frontier) if (before(p, top)) top = p;
    best[o.metric] = signed(j, top.objectives[j]);
    bestCandidates.push({ metric: o.metric, seq: top.seq, values: Object.fromEntries(objectives.map((q, k) => [q.metric, signed(k, top.objectives[k])])) });
  });
  return {
    frontierSize: loop.frontier.length,
    hypervolume: loop.hypervolume,
    best,
    bestCandidates,
    generation: loop.generation,
    ...(stopReason ? { stopReason } : {}),
  };
}
