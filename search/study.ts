/**
 * The study loop: ask → evaluate → tell → record, durable in the store and resumable exactly.
 *
 * Exact resume. A checkpoint holds the strategy's state taken right after an ask, the loop's counters as they
 * were before that generation (with the sequence numbers its new candidates take), and the hashes and genes
 * asked, in order. A candidate is written once, with its result. Rows and checkpoints go to the store in group
 * commits (one transaction at most every `commitEveryMs`, with the latest checkpoint when one is due at a
 * generation's start), so a fast evaluator's generations share a transaction and a slow one commits after every
 * evaluator call. The invariant: every candidate of a generation before the stored checkpoint's is recorded;
 * rows may run ahead of it. After a kill at any moment the study restores that checkpoint (or starts afresh if
 * there is none), and replays: each generation's asked candidates already recorded are reused (never counted
 * twice, numbered as before), the others are evaluated, the strategy is told the whole generation in ask order —
 * exactly what the uninterrupted run told it — and the study goes on. A kill loses about `commitEveryMs` of
 * evaluations at most (or the evaluator call in flight, if longer). The strategy contract allows a restored strategy to accept the tell of candidates asked before
 * its state was taken.
 */
import type { Constraint, Objective } from '../core/objectives.js';
import { scoreMetrics } from '../core/objectives.js';
import { dominates, hypervolume, paretoIndices } from '../core/pareto.js';
import type { Genes, SearchSpace } from '../core/space.js';
import { UsageError } from '../cli/errors.js';
import type { Evaluator } from './evaluate/evaluator.js';
import { StudyLock } from './store/lock.js';
import { evaluateGuarded } from './evaluate/pool.js';
import type { SqliteStore } from './store/sqlite.js';
import { contentHash } from './store/hash.js';
import type { CandidateRecord, Checkpoint, FinishedCandidate, StudyRecord, StudySummary } from './store/types.js';
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

/** What the loop asks of its store (the SQLite store; a benchmark measures the loop against one that keeps nothing). */
export type StudyStore = Pick<SqliteStore, 'path' | 'checkpoint' | 'record' | 'candidatesByHash' | 'setStatus' | 'nextSeq' | 'genesBySeq'>;

export interface StudyRun {
  readonly store: StudyStore;
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
  /**
   * Results and checkpoints are written in one transaction at most this often (default COMMIT_EVERY_MS): a fast
   * evaluator's generations share a commit, a slow one commits after every evaluator call. A kill loses at most
   * this much evaluation work; the resume is exact either way.
   */
  readonly commitEveryMs?: number;
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

function restoreLoop(saved: SavedLoopState, store: StudyStore, studyId: number): LoopState {
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

/** One distinct candidate of a generation while it runs. */
interface Entry {
  readonly hash: string;
  genes: Genes | undefined;
  /** Ask sequence number; -1 until numbered. */
  seq: number;
  /** Its row: finished (done/failed), or pending/running as older versions wrote them; undefined until recorded. */
  record: CandidateRecord | undefined;
  /** What the strategy is told, built once however often the generation asked for it. */
  evaluated: Evaluated | undefined;
}

/** The candidate's number in the grid (mixed radix over the genes' choice counts), or -1 when a gene is out of range. */
function gridIndex(g: Genes, radix: readonly number[]): number {
  if (g.length !== radix.length) return -1;
  let k = 0;
  for (let i = 0; i < g.length; i++) {
    const v = g[i];
    if (!(v >= 0 && v < radix[i] && Number.isInteger(v))) return -1;
    k = k * radix[i] + v;
  }
  return k;
}

/** A generation's distinct candidates in ask order, and the candidate at each position asked. */
interface Plan {
  readonly entries: readonly Entry[];
  readonly at: readonly Entry[];
}

const BARREN_LIMIT = 50;
/** Long enough that a commit (one transaction, one checkpoint) is a small share of a fast study, short enough to lose little. */
export const COMMIT_EVERY_MS = 50;
/** Hashes of one session kept in memory to spare the store a query for every new candidate (~50 MB at the limit). */
const SESSION_HASHES_LIMIT = 1_000_000;
/** Rows held for one commit at most, whatever the time. */
const COMMIT_MAX_ROWS = 10_000;
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

/**
 * The feasible non-dominated points of frontier ∪ added, in ask order (equal points all kept, as paretoIndices
 * does); the same array when no added point can enter it. Most of a generation is dominated by the frontier: those
 * points are dropped with a dominance check before the non-dominated sort of what remains.
 */
function mergeFrontier(frontier: readonly FrontierPoint[], added: readonly FrontierPoint[]): readonly FrontierPoint[] {
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
  if (checkpoint) {
    strategy = run.strategy.create(ctx, checkpoint.strategyState);
    loop = restoreLoop(checkpoint.loopState as SavedLoopState, store, study.id);
  } else {
    strategy = run.strategy.create(ctx);
    loop = INITIAL_LOOP_STATE;
  }
  const sessionStartElapsed = loop.elapsedMs;
  const elapsed = () => sessionStartElapsed + (performance.now() - started);
  emit({ type: 'started', study: study.name, resumed: checkpoint !== undefined || study.evaluations > 0, generation: loop.generation, evaluations: loop.evaluations, budget });
  store.setStatus(study.id, 'running', summaryOf(loop, objectives));

  // The generation asked and not yet told, if any: what a checkpoint taken now must name.
  let inFlight: { readonly hashes: readonly string[]; readonly asked: readonly Genes[] } | undefined;
  const finish = (reason: StopReason): StudyOutcome => {
    // A last checkpoint, so that readers (report's hypervolume reference) and a resume start from here. Between
    // generations it holds the strategy after its tell and an empty batch; stopped inside a generation, the
    // strategy is still as right after its ask (nothing told), so it is that generation's checkpoint.
    commit({
      generation: loop.generation,
      strategyState: strategy.state(),
      loopState: saveLoop(loop),
      batch: inFlight?.hashes ?? [],
      genes: inFlight?.asked ?? [],
    });
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

  // Finished candidates kept in memory (first in, first out): strategies often ask again for candidates of
  // recent generations, and reading them back from the store costs a query and a decode each. The store stays
  // the truth: a resumed study starts with an empty cache and reads the same values.
  const recent = new Map<string, CandidateRecord>();
  const remember = (r: CandidateRecord) => {
    if (recent.has(r.hash)) return;
    recent.set(r.hash, r);
    if (recent.size > RECENT_LIMIT) recent.delete(recent.keys().next().value!);
  };
  // Content hashes of recent candidates: most of what a strategy asks late in a study repeats earlier candidates,
  // and the text key and its SHA-256 cost far more than a lookup by the candidate's number in the grid.
  const hashByIndex = new Map<number | string, string>();
  const radix = space.genes.map((gene) => gene.choices.length);
  const numbered = space.size() <= Number.MAX_SAFE_INTEGER;
  const hashOf = (g: Genes): string => {
    const index = numbered ? gridIndex(g, radix) : -1;
    const memo = index >= 0 ? index : space.key(g);
    let h = hashByIndex.get(memo);
    if (h === undefined) {
      h = contentHash(space.id, space.key(g));
      hashByIndex.set(memo, h);
      if (hashByIndex.size > RECENT_LIMIT) hashByIndex.delete(hashByIndex.keys().next().value!);
    }
    return h;
  };

  // What is evaluated but not yet committed. The store's invariant: every candidate of a generation before the
  // stored checkpoint's is recorded. Rows may run ahead of the checkpoint: a resume replays the generations after
  // it, deterministically, and finds those rows as results of the very generation that asks them.
  const commitEveryMs = run.commitEveryMs ?? COMMIT_EVERY_MS;
  let uncommitted: FinishedCandidate[] = [];
  const uncommittedByHash = new Map<string, CandidateRecord>();
  let lastCommit = performance.now();
  // Checkpoints keep their own clock: a slow evaluator commits rows after every call, and its resume should still
  // replay no more than about commitEveryMs of generations.
  let lastCheckpoint = lastCommit;
  // A study with nothing recorded before this session holds only what this session recorded: a hash missed by
  // the caches above and not in `recorded` is new, with no query. Past SESSION_HASHES_LIMIT, ask the store.
  const recorded = new Set<string>();
  let probeStore = checkpoint !== undefined || store.nextSeq(study.id) > 0;
  const commit = (cp?: Checkpoint) => {
    if (uncommitted.length === 0 && !cp) return;
    store.record(study.id, uncommitted, cp && { checkpoint: cp, summary: summaryOf(loop, objectives) });
    uncommitted = [];
    uncommittedByHash.clear();
    lastCommit = performance.now();
    if (cp) lastCheckpoint = lastCommit;
  };
  const checkpointDue = () => due() || performance.now() - lastCheckpoint >= commitEveryMs;
  const due = () => performance.now() - lastCommit >= commitEveryMs || uncommitted.length >= COMMIT_MAX_ROWS;

  /**
   * The distinct candidates of a generation in ask order, each with its record when one is in the store
   * (recent ones from memory, the others in one query). `genesAt(i)` gives the genes asked at position i, when
   * known (always in a live generation; from the checkpoint on resume).
   */
  const planGeneration = (hashes: readonly string[], genesAt: (i: number) => Genes | undefined): Plan => {
    const byHash = new Map<string, Entry>();
    const entries: Entry[] = [];
    const at: Entry[] = new Array(hashes.length);
    const misses: string[] = [];
    for (let i = 0; i < hashes.length; i++) {
      const h = hashes[i];
      const seen = byHash.get(h);
      if (seen) {
        at[i] = seen;
        continue;
      }
      const record = recent.get(h) ?? uncommittedByHash.get(h);
      const e: Entry = { hash: h, genes: record?.genes ?? genesAt(i), seq: record?.seq ?? -1, record, evaluated: undefined };
      byHash.set(h, e);
      at[i] = e;
      entries.push(e);
      if (!record && (probeStore || recorded.has(h))) misses.push(h);
    }
    if (misses.length > 0) {
      for (const [h, record] of store.candidatesByHash(study.id, misses)) {
        const e = byHash.get(h)!;
        e.record = record;
        e.genes = record.genes;
        e.seq = record.seq;
      }
    }
    return { entries, at };
  };

  /** Evaluates the candidates of `todo` in order; false when stopped by the signal midway. */
  const evaluateAll = async (generation: number, todo: readonly Entry[], reused: number, doneBefore: number): Promise<boolean> => {
    const step = Math.max(1, run.recordEvery ?? todo.length);
    let finished = doneBefore;
    for (let i = 0; i < todo.length; i += step) {
      // Let the event loop turn: an in-process evaluator may never yield, and signals arrive as events.
      await new Promise((r) => setImmediate(r));
      if (run.signal?.aborted) return false;
      const part = todo.slice(i, i + step);
      const t0 = performance.now();
      const archs = part.map((e) => space.decode(e.genes!));
      const results = await evaluateGuarded(run.evaluator, archs, run.timeoutMsPerCandidate);
      const ms = performance.now() - t0;
      const evalMs = ms / part.length;
      const rows: FinishedCandidate[] = [];
      let failed = 0;
      for (let k = 0; k < part.length; k++) {
        const e = part[k];
        const res = results[k];
        // Literal objects of one shape (object spread here cost more than the store's insert).
        if (res.ok) {
          const score = scoreMetrics(res.metrics, objectives, constraints);
          rows.push({ seq: e.seq, hash: e.hash, genes: e.genes!, generation, status: 'done', metrics: res.metrics, objectives: score.objectives, violation: score.violation, error: undefined, evalMs });
        } else {
          failed++;
          rows.push({ seq: e.seq, hash: e.hash, genes: e.genes!, generation, status: 'failed', metrics: undefined, objectives: undefined, violation: undefined, error: res.error, evalMs });
        }
      }
      for (let k = 0; k < part.length; k++) {
        const e = part[k];
        const row = rows[k];
        e.record = row;
        uncommitted.push(row);
        uncommittedByHash.set(row.hash, row);
        if (!probeStore) {
          recorded.add(row.hash);
          if (recorded.size > SESSION_HASHES_LIMIT) {
            probeStore = true;
            recorded.clear();
          }
        }
        if (row.status === 'failed') emit({ type: 'failed-candidate', generation, seq: e.seq, genes: e.genes!, error: row.error! });
      }
      if (due()) commit();
      finished += part.length;
      emit({
        type: 'batch-evaluated',
        generation,
        evaluated: part.length,
        failed,
        reused,
        totalEvaluations: loop.evaluations + finished,
        candidatesPerS: ms > 0 ? (part.length * 1000) / ms : Infinity,
        elapsedMs: elapsed(),
      });
    }
    return true;
  };

  /**
   * Finishes generation `loop.generation` from its plan (distinct candidates numbered, and the candidate at each
   * position asked). Evaluates those without a result, tells the strategy every asked candidate in ask
   * order, and moves the loop on. False when stopped midway.
   */
  const completeGeneration = async ({ entries, at }: Plan): Promise<boolean> => {
    const generation = loop.generation;
    const todo: Entry[] = [];
    let fresh = 0;
    let doneBefore = 0;
    for (const e of entries) {
      const status = e.record?.status;
      if (status === 'done' || status === 'failed') {
        if (e.record!.generation === generation) {
          fresh++;
          doneBefore++;
        }
      } else {
        fresh++;
        todo.push(e);
      }
    }
    if (!(await evaluateAll(generation, todo, entries.length - todo.length, doneBefore))) return false;
    const told: Evaluated[] = new Array(at.length);
    for (let i = 0; i < at.length; i++) {
      const e = at[i];
      if (e.evaluated === undefined) {
        const r = e.record!;
        const ok = r.status === 'done';
        e.evaluated = {
          genes: r.genes,
          objectives: ok ? r.objectives! : new Array<number>(objectives.length).fill(Infinity),
          violation: ok ? r.violation! : Infinity,
          metrics: r.metrics ?? {},
        };
      }
      told[i] = e.evaluated;
    }
    strategy.tell(told);
    // Count only the candidates this generation introduced: repeats of older ones were counted then.
    let failed = 0;
    const feasible: FrontierPoint[] = [];
    for (const e of entries) {
      const r = e.record!;
      remember(r);
      if (r.generation !== generation) continue;
      if (r.status === 'failed') failed++;
      else if (r.violation === 0 && r.objectives!.every(Number.isFinite)) feasible.push({ seq: r.seq, genes: r.genes, objectives: r.objectives! });
    }
    const frontier = feasible.length > 0 ? mergeFrontier(loop.frontier, feasible) : loop.frontier;
    const changed = frontier !== loop.frontier && (frontier.length !== loop.frontier.length || frontier.some((p, i) => p.seq !== loop.frontier[i].seq));
    const reference = loop.reference ?? (frontier.length > 0 ? referenceFrom(frontier) : null);
    // An unchanged frontier (under a reference already fixed) keeps its hypervolume.
    const hv = !changed && loop.reference ? loop.hypervolume : reference ? hypervolume(frontier.map((p) => p.objectives), reference) : 0;
    const improved = hv > loop.hypervolume;
    loop = {
      ...loop,
      generation: generation + 1,
      evaluations: loop.evaluations + fresh,
      failed: loop.failed + failed,
      staleGenerations: improved ? 0 : loop.staleGenerations + 1,
      hypervolume: hv,
      reference,
      frontier,
      barrenGenerations: fresh === 0 ? loop.barrenGenerations + 1 : 0,
      elapsedMs: elapsed(),
    };
    emit({ type: 'generation', generation, asked: at.length, evaluations: loop.evaluations, failed: loop.failed });
    emit({ type: 'hypervolume', generation, hypervolume: hv, improved, staleGenerations: loop.staleGenerations });
    if (changed) emit({ type: 'frontier-changed', generation, frontier });
    return true;
  };

  /**
   * Numbers the candidates new to the study (no record, or one of this very generation recorded before a kill)
   * from `firstSeq` in ask order, as the uninterrupted run did; returns how many there are.
   */
  const numberFresh = (entries: readonly Entry[], generation: number, firstSeq: number): number => {
    let seq = firstSeq;
    for (const e of entries) {
      if (e.record && e.record.generation !== generation) continue;
      if (e.seq < 0) e.seq = seq;
      seq++;
    }
    return seq - firstSeq;
  };

  try {
    // An empty batch: the study ended between generations (its last checkpoint, taken after the tell).
    if (checkpoint && checkpoint.batch.length > 0) {
      // The generation in flight when the study stopped: the checkpoint's loop already counts its new candidates
      // in nextSeq; those recorded before the stop are reused, the others evaluated now.
      const cpGenes = checkpoint.genes;
      const plan = planGeneration(checkpoint.batch, (i) => cpGenes?.[i]);
      const { entries } = plan;
      const fresh = entries.filter((e) => !e.record || e.record.generation === loop.generation).length;
      numberFresh(entries, loop.generation, loop.nextSeq - fresh);
      for (const e of entries) {
        if (!e.genes) throw new Error(`study '${study.name}': checkpoint names candidate ${e.hash}, which is not in the store`);
      }
      inFlight = { hashes: checkpoint.batch, asked: entries.map((e) => e.genes!) };
      if (!(await completeGeneration(plan))) return finish('signal');
      inFlight = undefined;
    }
    for (;;) {
      if (run.signal?.aborted) return finish('signal');
      if (budget.evaluations !== undefined && loop.evaluations >= budget.evaluations) return finish('evaluations');
      if (budget.patience !== undefined && loop.staleGenerations >= budget.patience) return finish('patience');
      if (budget.wallTimeMs !== undefined && elapsed() >= budget.wallTimeMs) return finish('wall-time');
      if (strategy.done() || loop.barrenGenerations >= BARREN_LIMIT) return finish('exhausted');
      const n = Math.min(run.batchSize, (budget.evaluations ?? Infinity) - loop.evaluations);
      // Copies: the strategy may reuse its arrays, and the checkpoint may be written after its next tell.
      const asked = strategy.ask(n).map((g) => g.slice());
      if (asked.length === 0) return finish('exhausted');
      const hashes = asked.map(hashOf);
      const plan = planGeneration(hashes, (i) => asked[i]);
      const { entries } = plan;
      const fresh = numberFresh(entries, loop.generation, loop.nextSeq);
      loop = { ...loop, nextSeq: loop.nextSeq + fresh, elapsedMs: elapsed() };
      // The checkpoint keeps the loop as before this generation, with the sequence numbers it takes, the strategy
      // right after its ask, and the asked hashes and genes; committed with every row held so far.
      if (checkpointDue()) {
        commit({ generation: loop.generation, strategyState: strategy.state(), loopState: saveLoop(loop), batch: hashes, genes: asked });
      }
      inFlight = { hashes, asked };
      if (!(await completeGeneration(plan))) return finish('signal');
      inFlight = undefined;
    }
  } catch (error) {
    // A crash that reaches here (not a kill) still keeps what was evaluated: the rows held are consistent.
    try {
      commit();
    } catch {
      // the store itself failed; the error that matters is the first one
    }
    throw error;
  }
}
