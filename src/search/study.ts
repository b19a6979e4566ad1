/**
 * The study loop: ask → evaluate → tell → record, durable in the store and resumable exactly.
 *
 * Exact resume. Each generation starts with one transaction holding the new candidates (pending) and a
 * checkpoint: the strategy's state taken right after its ask, the loop's counters as they were before the
 * generation, and the content hashes asked, in order. Results are recorded in batched transactions as they come.
 * After a kill at any moment the study restores that checkpoint, evaluates only the candidates still pending
 * (results already recorded are reused, never counted twice), tells the strategy the whole generation in ask
 * order — exactly what the uninterrupted run told it — and goes on. The strategy contract allows a restored
 * strategy to accept the tell of candidates asked before its state was taken.
 */
import type { Constraint, Objective } from '../core/objectives.js';
import { scoreMetrics } from '../core/objectives.js';
import { hypervolume, paretoIndices } from '../core/pareto.js';
import type { Genes, SearchSpace } from '../core/space.js';
import { UsageError } from '../cli/errors.js';
import type { Evaluator } from './evaluate/evaluator.js';
import { StudyLock } from './store/lock.js';
import { evaluateGuarded } from './evaluate/pool.js';
import type { SqliteStore } from './store/sqlite.js';
import { contentHash } from './store/hash.js';
import type { CandidateRecord, CandidateResult, StudyRecord, StudySummary } from './store/types.js';
import type { Evaluated, Strategy, StrategyFactory } from './strategy.js';

export interface Budget {
  /** Distinct candidates evaluated (done or failed), over the whole study. */
  readonly evaluations?: number;
  /** Running time over all sessions of the study, ms. Not reproducible by nature: a resumed study stops elsewhere. */
  readonly wallTimeMs?: number;
  /** Stop after this many generations in a row without an increase of the hypervolume. */
  readonly patience?: number;
}

export type StopReason = 'evaluations' | 'wall-time' | 'patience' | 'exhausted' | 'signal';

export interface FrontierPoint {
  readonly seq: number;
  readonly genes: Genes;
  readonly objectives: readonly number[];
}

/** Progress, as plain data: what a terminal UI or a JSON log subscribes to. */
export type StudyEvent =
  | { readonly type: 'started'; readonly study: string; readonly resumed: boolean; readonly generation: number; readonly evaluations: number; readonly budget: Budget }
  | {
      readonly type: 'batch-evaluated';
      readonly generation: number;
      /** Candidates evaluated in this call of the evaluator. */
      readonly evaluated: number;
      readonly failed: number;
      /** Candidates of the generation whose result was already in the store (repeats, or recorded before a kill). */
      readonly reused: number;
      readonly totalEvaluations: number;
      readonly candidatesPerS: number;
      readonly elapsedMs: number;
    }
  | { readonly type: 'generation'; readonly generation: number; readonly asked: number; readonly evaluations: number; readonly failed: number }
  | { readonly type: 'hypervolume'; readonly generation: number; readonly hypervolume: number; readonly improved: boolean; readonly staleGenerations: number }
  | { readonly type: 'frontier-changed'; readonly generation: number; readonly frontier: readonly FrontierPoint[] }
  | { readonly type: 'failed-candidate'; readonly generation: number; readonly seq: number; readonly genes: Genes; readonly error: string }
  | {
      readonly type: 'finished';
      readonly reason: StopReason;
      readonly status: 'finished' | 'stopped';
      readonly generation: number;
      readonly evaluations: number;
      readonly failed: number;
      readonly frontierSize: number;
      readonly hypervolume: number;
      readonly elapsedMs: number;
    };

/** The loop's own state, saved in every checkpoint as it was before that checkpoint's generation. */
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

export interface StudyRun {
  readonly store: SqliteStore;
  readonly study: StudyRecord;
  readonly space: SearchSpace;
  readonly strategy: StrategyFactory;
  readonly strategyOptions?: Readonly<Record<string, unknown>>;
  readonly objectives: readonly Objective[];
  readonly constraints: readonly Constraint[];
  readonly evaluator: Evaluator;
  readonly budget: Budget;
  /** Candidates asked per generation. */
  readonly batchSize: number;
  /** Candidates per evaluator call and per results transaction (default: the whole generation). */
  readonly recordEvery?: number;
  readonly timeoutMsPerCandidate?: number;
  readonly onEvent?: (event: StudyEvent) => void;
  /** Aborting it stops the study after the evaluator call in flight, with a checkpoint to resume from. */
  readonly signal?: AbortSignal;
}

export interface StudyOutcome {
  readonly reason: StopReason;
  readonly status: 'finished' | 'stopped';
  readonly evaluations: number;
  readonly failed: number;
  readonly generation: number;
  readonly frontier: readonly FrontierPoint[];
  readonly hypervolume: number;
}

/** The loop state as checkpointed: frontier points without their genes (the store has them, by seq). */
type SavedLoopState = Omit<LoopState, 'frontier'> & { readonly frontier: readonly { readonly seq: number; readonly objectives: readonly number[] }[] };

// Encoding the genes of a large frontier every generation cost a fifth of the study's time on a fast evaluator.
function saveLoop(loop: LoopState): SavedLoopState {
  return { ...loop, frontier: loop.frontier.map((p) => ({ seq: p.seq, objectives: p.objectives })) };
}

function restoreLoop(saved: SavedLoopState, store: SqliteStore, studyId: number): LoopState {
  const genes = store.genesBySeq(studyId, saved.frontier.map((p) => p.seq));
  return {
    ...saved,
    frontier: saved.frontier.map((p) => {
      const g = genes.get(p.seq);
      if (!g) throw new Error(`checkpoint names frontier candidate ${p.seq}, which is not in the store`);
      return { seq: p.seq, genes: g, objectives: p.objectives };
    }),
  };
}

const BARREN_LIMIT = 50;
const RECENT_LIMIT = 20_000;

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

/** The feasible non-dominated points of frontier ∪ added, in ask order (equal points all kept, as paretoIndices does). */
function mergeFrontier(frontier: readonly FrontierPoint[], added: readonly FrontierPoint[]): FrontierPoint[] {
  const all = [...frontier, ...added];
  if (all.length === 0) return [];
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

function summaryOf(loop: LoopState, objectives: readonly Objective[], stopReason?: StopReason): StudySummary {
  const best: Record<string, number> = {};
  objectives.forEach((o, j) => {
    if (loop.frontier.length === 0) return;
    const v = Math.min(...loop.frontier.map((p) => p.objectives[j]));
    best[o.metric] = o.direction === 'max' ? -v : v;
  });
  return {
    frontierSize: loop.frontier.length,
    hypervolume: loop.hypervolume,
    best,
    generation: loop.generation,
    ...(stopReason ? { stopReason } : {}),
  };
}

/** Runs (or resumes) a study until a budget is spent, the strategy is exhausted or the signal aborts. */
export async function runStudy(run: StudyRun): Promise<StudyOutcome> {
  // Two processes running one study would each tell the strategy the other's results: refuse the second.
  const lockPath = `${run.store.path}.study-${run.study.id}.lock`;
  const lock = run.store.path === ':memory:' ? undefined : StudyLock.acquire(lockPath);
  if (lock && !(lock instanceof StudyLock)) {
    throw new UsageError(`study '${run.study.name}' is running in process ${lock.heldBy} (lock ${lockPath}); wait for it or stop it first`);
  }
  try {
    return await runLocked(run);
  } finally {
    lock?.release();
  }
}

async function runLocked(run: StudyRun): Promise<StudyOutcome> {
  const { store, study, space, objectives, constraints, budget } = run;
  const emit = run.onEvent ?? (() => {});
  const started = performance.now();
  const ctx = { space, objectiveCount: objectives.length, seed: study.seed, options: run.strategyOptions ?? {}, objectives, constraints };
  const checkpoint = store.checkpoint(study.id);
  let strategy: Strategy;
  let loop: LoopState;
  let batch: readonly string[] | undefined;
  if (checkpoint) {
    strategy = run.strategy.create(ctx, checkpoint.strategyState);
    loop = restoreLoop(checkpoint.loopState as SavedLoopState, store, study.id);
    batch = checkpoint.batch;
  } else {
    strategy = run.strategy.create(ctx);
    loop = INITIAL_LOOP_STATE;
  }
  const sessionStartElapsed = loop.elapsedMs;
  const elapsed = () => sessionStartElapsed + (performance.now() - started);
  emit({ type: 'started', study: study.name, resumed: checkpoint !== undefined, generation: loop.generation, evaluations: loop.evaluations, budget });
  store.setStatus(study.id, 'running', summaryOf(loop, objectives));

  const finish = (reason: StopReason): StudyOutcome => {
    const status = reason === 'signal' ? 'stopped' : 'finished';
    store.setStatus(study.id, status, summaryOf(loop, objectives, reason));
    const outcome = {
      reason,
      status,
      evaluations: loop.evaluations,
      failed: loop.failed,
      generation: loop.generation,
      frontier: loop.frontier,
      hypervolume: loop.hypervolume,
    } as const;
    emit({ type: 'finished', ...outcome, frontierSize: loop.frontier.length, elapsedMs: elapsed() });
    return outcome;
  };

  // Finished candidates kept in memory (most recent first out last): strategies often ask again for candidates
  // of recent generations, and reading them back from the store costs a query and a JSON decode each. The store
  // stays the truth: a resumed study starts with an empty cache and reads the same values.
  const recent = new Map<string, CandidateRecord>();
  const remember = (r: CandidateRecord) => {
    recent.delete(r.hash);
    recent.set(r.hash, r);
    if (recent.size > RECENT_LIMIT) recent.delete(recent.keys().next().value!);
  };

  /** Evaluates what is still pending in the generation; false when stopped by the signal midway. */
  const evaluatePending = async (generation: number, records: Map<string, CandidateRecord>): Promise<boolean> => {
    const todo = [...records.values()].filter((r) => r.status === 'pending' || r.status === 'running').sort((a, b) => a.seq - b.seq);
    const reused = records.size - todo.length;
    const step = Math.max(1, run.recordEvery ?? todo.length);
    for (let i = 0; i < todo.length; i += step) {
      // Let the event loop turn: an in-process evaluator may never yield, and signals arrive as events.
      await new Promise((r) => setImmediate(r));
      if (run.signal?.aborted) return false;
      const part = todo.slice(i, i + step);
      store.markRunning(study.id, part[0].seq, part[part.length - 1].seq);
      const t0 = performance.now();
      const archs = part.map((r) => space.decode(r.genes));
      const results = await evaluateGuarded(run.evaluator, archs, run.timeoutMsPerCandidate);
      const ms = performance.now() - t0;
      const perCandidateMs = ms / part.length;
      const rows: CandidateResult[] = part.map((r, k) => {
        const res = results[k];
        if (!res.ok) return { hash: r.hash, ok: false, error: res.error, evalMs: perCandidateMs };
        const score = scoreMetrics(res.metrics, objectives, constraints);
        return { hash: r.hash, ok: true, metrics: res.metrics, objectives: score.objectives, violation: score.violation, evalMs: perCandidateMs };
      });
      store.recordResults(study.id, rows);
      let failed = 0;
      rows.forEach((row, k) => {
        const rec = part[k];
        if (row.ok) {
          records.set(rec.hash, { ...rec, status: 'done', metrics: row.metrics, objectives: row.objectives, violation: row.violation, evalMs: row.evalMs });
        } else {
          failed++;
          records.set(rec.hash, { ...rec, status: 'failed', error: row.error, evalMs: row.evalMs });
          emit({ type: 'failed-candidate', generation, seq: rec.seq, genes: rec.genes, error: row.error });
        }
      });
      emit({
        type: 'batch-evaluated',
        generation,
        evaluated: part.length,
        failed,
        reused,
        totalEvaluations: loop.evaluations + [...records.values()].filter((r) => r.generation === generation && (r.status === 'done' || r.status === 'failed')).length,
        candidatesPerS: ms > 0 ? (part.length * 1000) / ms : Infinity,
        elapsedMs: elapsed(),
      });
    }
    return true;
  };

  /** Finishes generation `loop.generation` whose asked hashes are `hashes`; false when stopped midway. */
  const completeGeneration = async (hashes: readonly string[], known?: ReadonlyMap<string, CandidateRecord>): Promise<boolean> => {
    const generation = loop.generation;
    const records = new Map<string, CandidateRecord>();
    for (const h of hashes) {
      if (records.has(h)) continue;
      const rec = known?.get(h) ?? recent.get(h) ?? store.candidate(study.id, h);
      if (!rec) throw new Error(`study '${study.name}': checkpoint names candidate ${h}, which is not in the store`);
      records.set(h, rec);
    }
    if (!(await evaluatePending(generation, records))) return false;
    const told: Evaluated[] = hashes.map((h) => {
      const r = records.get(h)!;
      const ok = r.status === 'done';
      return {
        genes: r.genes,
        objectives: ok ? r.objectives! : new Array<number>(objectives.length).fill(Infinity),
        violation: ok ? r.violation! : Infinity,
        metrics: r.metrics ?? {},
      };
    });
    strategy.tell(told);
    for (const r of records.values()) if (r.status === 'done' || r.status === 'failed') remember(r);
    // Count only the candidates this generation introduced: repeats of older ones were counted then.
    const fresh = [...records.values()].filter((r) => r.generation === generation);
    const failed = fresh.filter((r) => r.status === 'failed').length;
    const feasible: FrontierPoint[] = fresh
      .filter((r) => r.status === 'done' && r.violation === 0 && r.objectives!.every(Number.isFinite))
      .map((r) => ({ seq: r.seq, genes: r.genes, objectives: r.objectives! }));
    const frontier = feasible.length > 0 ? mergeFrontier(loop.frontier, feasible) : loop.frontier;
    const reference = loop.reference ?? (frontier.length > 0 ? referenceFrom(frontier) : null);
    const hv = reference ? hypervolume(frontier.map((p) => p.objectives), reference) : 0;
    const improved = hv > loop.hypervolume;
    const changed = frontier.length !== loop.frontier.length || frontier.some((p, i) => p.seq !== loop.frontier[i].seq);
    loop = {
      ...loop,
      generation: generation + 1,
      evaluations: loop.evaluations + fresh.length,
      failed: loop.failed + failed,
      staleGenerations: improved ? 0 : loop.staleGenerations + 1,
      hypervolume: hv,
      reference,
      frontier,
      barrenGenerations: fresh.length === 0 ? loop.barrenGenerations + 1 : 0,
      elapsedMs: elapsed(),
    };
    emit({ type: 'generation', generation, asked: hashes.length, evaluations: loop.evaluations, failed: loop.failed });
    emit({ type: 'hypervolume', generation, hypervolume: hv, improved, staleGenerations: loop.staleGenerations });
    if (changed) emit({ type: 'frontier-changed', generation, frontier });
    return true;
  };

  if (batch) {
    if (!(await completeGeneration(batch))) return finish('signal');
  }
  for (;;) {
    if (run.signal?.aborted) return finish('signal');
    if (budget.evaluations !== undefined && loop.evaluations >= budget.evaluations) return finish('evaluations');
    if (budget.patience !== undefined && loop.staleGenerations >= budget.patience) return finish('patience');
    if (budget.wallTimeMs !== undefined && elapsed() >= budget.wallTimeMs) return finish('wall-time');
    if (strategy.done() || loop.barrenGenerations >= BARREN_LIMIT) return finish('exhausted');
    const n = Math.min(run.batchSize, (budget.evaluations ?? Infinity) - loop.evaluations);
    const asked = strategy.ask(n);
    if (asked.length === 0) return finish('exhausted');
    const hashes = asked.map((g) => contentHash(space.id, space.key(g)));
    const proposals: { hash: string; genes: Genes }[] = [];
    const seen = new Set<string>();
    asked.forEach((genes, i) => {
      if (seen.has(hashes[i])) return;
      seen.add(hashes[i]);
      proposals.push({ hash: hashes[i], genes: genes.slice() });
    });
    // One transaction: the new candidates, and the checkpoint keeping the loop as before this generation with
    // the sequence numbers it just took.
    const fresh = store.beginGeneration(study.id, proposals, loop.generation, loop.nextSeq, (inserted) => {
      loop = { ...loop, nextSeq: loop.nextSeq + inserted.length, elapsedMs: elapsed() };
      return {
        checkpoint: { generation: loop.generation, strategyState: strategy.state(), loopState: saveLoop(loop), batch: hashes },
        summary: summaryOf(loop, objectives),
      };
    });
    const known = new Map<string, CandidateRecord>(fresh.map((c) => [c.hash, { ...c, status: 'pending' as const }]));
    if (!(await completeGeneration(hashes, known))) return finish('signal');
  }
}
