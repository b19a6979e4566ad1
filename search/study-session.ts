/**
 * One session of a study, in the steps a reader can follow: start (restore the checkpoint), ask a generation,
 * evaluate what it lacks, tell the strategy, checkpoint, and stop. See study.ts for the resume contract.
 */
import type { Objective } from '../core/objectives.js';
import { nanMetrics, scoreMetrics } from '../core/objectives.js';
import type { Genes } from '../core/space.js';
import { CandidateHasher, RecentRecords } from './candidate-cache.js';
import { evaluateGuarded } from './evaluate/pool.js';
import { COMMIT_EVERY_MS, GroupCommit } from './group-commit.js';
import type { CandidateRecord, Checkpoint, FinishedCandidate } from './store/types.js';
import type { Evaluated, Strategy } from './strategy.js';
import type { StudyEvent, StudyOutcome, StudyRun, StudyState } from './study.js';
import {
  INITIAL_LOOP_STATE,
  advanceLoop,
  restoreLoop,
  saveLoop,
  summaryOf,
  type FrontierPoint,
  type LoopState,
  type SavedLoopState,
  type StopReason,
} from './study-loop.js';

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

/** A generation's distinct candidates in ask order, and the candidate at each position asked. */
interface Plan {
  readonly entries: readonly Entry[];
  readonly at: readonly Entry[];
}

/** Generations in a row that bring nothing new before the space counts as used up. */
const BARREN_LIMIT = 50;

export class StudySession {
  private readonly objectives: readonly Objective[];
  private readonly emit: (event: StudyEvent) => void;
  private readonly started = performance.now();
  private readonly checkpoint: Checkpoint | undefined;
  private readonly strategy: Strategy;
  private loop: LoopState;
  private readonly sessionStartElapsedMs: number;
  private readonly recent = new RecentRecords();
  private readonly hasher: CandidateHasher;
  private readonly pending: GroupCommit;
  /** Candidates of the generation in flight recorded so far (done, failed): counted in a stop's outcome. */
  private inFlightRecorded = { done: 0, failed: 0 };
  /** The generation asked and not yet told, if any: what a checkpoint taken now must name. */
  private inFlight: { readonly hashes: readonly string[]; readonly asked: readonly Genes[] } | undefined;

  constructor(private readonly run: StudyRun) {
    const { store, study, space, objectives, constraints } = run;
    this.objectives = objectives;
    this.emit = run.onEvent ?? (() => {});
    const ctx = { space, objectiveCount: objectives.length, seed: study.seed, options: run.strategyOptions ?? {}, objectives, constraints };
    this.checkpoint = store.checkpoint(study.id);
    if (this.checkpoint) {
      this.strategy = run.strategy.create(ctx, this.checkpoint.strategyState);
      const saved = this.checkpoint.loopState as SavedLoopState;
      this.loop = restoreLoop(saved, store.genesBySeq(study.id, saved.frontier.map((p) => p.seq)));
    } else {
      this.strategy = run.strategy.create(ctx);
      this.loop = INITIAL_LOOP_STATE;
    }
    this.sessionStartElapsedMs = this.loop.elapsedMs;
    this.hasher = new CandidateHasher(space);
    this.pending = new GroupCommit(store, study.id, run.commitEveryMs ?? COMMIT_EVERY_MS, this.checkpoint !== undefined || store.nextSeq(study.id) > 0);
  }

  /** Runs generations until a budget is spent, the strategy is exhausted or the signal aborts. */
  async runToEnd(): Promise<StudyOutcome> {
    this.start();
    try {
      // An empty batch: the study ended between generations (its last checkpoint, taken after the tell).
      if (this.checkpoint && this.checkpoint.batch.length > 0) {
        if (!(await this.completeGeneration(this.replayInFlight(this.checkpoint)))) return this.stop('signal');
      }
      for (;;) {
        const reason = this.budgetSpent();
        if (reason) return this.stop(reason);
        const plan = this.ask();
        if (!plan) return this.stop('exhausted');
        if (!(await this.completeGeneration(plan))) return this.stop('signal');
      }
    } catch (error) {
      // A crash that reaches here (not a kill) still keeps what was evaluated: the rows held are consistent.
      try {
        this.pending.commit();
      } catch {
        // the store itself failed; the error that matters is the first one
      }
      throw error;
    }
  }

  private elapsedMs(): number {
    return this.sessionStartElapsedMs + (performance.now() - this.started);
  }

  /** The state restored, and why a session would stop before asking anything (nothing in flight, budget spent). */
  inspect(): StudyState {
    const loop = this.loop;
    const inFlight = this.checkpoint !== undefined && this.checkpoint.batch.length > 0;
    return { evaluations: loop.evaluations, failed: loop.failed, generation: loop.generation, frontier: loop.frontier, hypervolume: loop.hypervolume, stopsAt: inFlight ? undefined : this.budgetSpent() };
  }

  private start(): void {
    const { study, store, budget } = this.run;
    const resumed = this.checkpoint !== undefined || study.evaluations > 0;
    const loop = this.loop;
    this.emit({
      type: 'started',
      study: study.name,
      resumed,
      generation: loop.generation,
      evaluations: loop.evaluations,
      budget,
      ...(resumed ? { failed: loop.failed, frontier: loop.frontier, hypervolume: loop.hypervolume } : {}),
    });
    store.setStatus(study.id, 'running', summaryOf(this.loop, this.objectives));
  }

  /** Why the study must stop before asking another generation, if it must. */
  private budgetSpent(): StopReason | undefined {
    const { budget, signal } = this.run;
    const loop = this.loop;
    if (signal?.aborted) return 'signal';
    if (budget.evaluations !== undefined && loop.evaluations >= budget.evaluations) return 'evaluations';
    if (budget.patience !== undefined && loop.staleGenerations >= budget.patience) return 'patience';
    if (budget.wallTimeMs !== undefined && this.elapsedMs() >= budget.wallTimeMs) return 'wall-time';
    if (this.strategy.done() || loop.barrenGenerations >= BARREN_LIMIT) return 'exhausted';
    return undefined;
  }

  /**
   * Asks the strategy for the next generation, numbers its new candidates and checkpoints when one is due;
   * undefined when the strategy has nothing more to ask.
   */
  private ask(): Plan | undefined {
    const n = Math.min(this.run.batchSize, (this.run.budget.evaluations ?? Infinity) - this.loop.evaluations);
    // Copies: the strategy may reuse its arrays, and the checkpoint may be written after its next tell.
    const asked = this.strategy.ask(n).map((g) => g.slice());
    if (asked.length === 0) return undefined;
    const hashes = asked.map((g) => this.hasher.hashOf(g));
    const plan = this.plan(hashes, (i) => asked[i]);
    const fresh = this.numberFresh(plan.entries, this.loop.nextSeq);
    this.loop = { ...this.loop, nextSeq: this.loop.nextSeq + fresh, elapsedMs: this.elapsedMs() };
    // The checkpoint keeps the loop as before this generation, with the sequence numbers it takes, the strategy
    // right after its ask, and the asked hashes and genes; committed with every row held so far.
    if (this.pending.checkpointDue()) this.checkpointNow(hashes, asked);
    this.inFlight = { hashes, asked };
    return plan;
  }

  /**
   * The generation in flight when the study stopped: the checkpoint's loop already counts its new candidates in
   * nextSeq; those recorded before the stop are reused, the others evaluated now.
   */
  private replayInFlight(checkpoint: Checkpoint): Plan {
    const cpGenes = checkpoint.genes;
    const plan = this.plan(checkpoint.batch, (i) => cpGenes?.[i]);
    const { entries } = plan;
    const fresh = entries.filter((e) => !e.record || e.record.generation === this.loop.generation).length;
    this.numberFresh(entries, this.loop.nextSeq - fresh);
    for (const e of entries) {
      if (!e.genes) throw new Error(`study '${this.run.study.name}': checkpoint names candidate ${e.hash}, which is not in the store`);
    }
    this.inFlight = { hashes: checkpoint.batch, asked: entries.map((e) => e.genes!) };
    return plan;
  }

  /**
   * The distinct candidates of a generation in ask order, each with its record when one is in the store (recent
   * ones from memory, the others in one query). `genesAt(i)` gives the genes asked at position i, when known
   * (always in a live generation; from the checkpoint on resume).
   */
  private plan(hashes: readonly string[], genesAt: (i: number) => Genes | undefined): Plan {
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
      const record = this.recent.get(h) ?? this.pending.held(h);
      const e: Entry = { hash: h, genes: record?.genes ?? genesAt(i), seq: record?.seq ?? -1, record, evaluated: undefined };
      byHash.set(h, e);
      at[i] = e;
      entries.push(e);
      if (!record && this.pending.mayBeStored(h)) misses.push(h);
    }
    if (misses.length > 0) {
      for (const [h, record] of this.run.store.candidatesByHash(this.run.study.id, misses)) {
        const e = byHash.get(h)!;
        e.record = record;
        e.genes = record.genes;
        e.seq = record.seq;
      }
    }
    return { entries, at };
  }

  /**
   * Numbers the candidates new to the study (no record, or one of this very generation recorded before a kill)
   * from `firstSeq` in ask order, as the uninterrupted run did; returns how many there are.
   */
  private numberFresh(entries: readonly Entry[], firstSeq: number): number {
    const generation = this.loop.generation;
    let seq = firstSeq;
    for (const e of entries) {
      if (e.record && e.record.generation !== generation) continue;
      if (e.seq < 0) e.seq = seq;
      seq++;
    }
    return seq - firstSeq;
  }

  /**
   * Finishes generation `loop.generation` from its plan: evaluates those without a result, tells the strategy
   * every asked candidate in ask order, and moves the loop on. False when stopped midway.
   */
  private async completeGeneration(plan: Plan): Promise<boolean> {
    const generation = this.loop.generation;
    const todo: Entry[] = [];
    let doneBefore = 0;
    for (const e of plan.entries) {
      const status = e.record?.status;
      if (status === 'done' || status === 'failed') {
        if (e.record!.generation === generation) doneBefore++;
      } else {
        todo.push(e);
      }
    }
    if (!(await this.evaluate(generation, todo, plan.entries.length - todo.length, doneBefore))) return false;
    this.tell(plan, todo.length + doneBefore);
    this.inFlight = undefined;
    this.inFlightRecorded = { done: 0, failed: 0 };
    return true;
  }

  /** Evaluates the candidates of `todo` in order, holding their rows for the next commit; false when stopped midway. */
  private async evaluate(generation: number, todo: readonly Entry[], reused: number, doneBefore: number): Promise<boolean> {
    const { space, objectives, constraints } = this.run;
    const step = Math.max(1, this.run.recordEvery ?? todo.length);
    let finished = doneBefore;
    this.inFlightRecorded = { done: doneBefore, failed: 0 };
    for (let i = 0; i < todo.length; i += step) {
      // Let the event loop turn: an in-process evaluator may never yield, and signals arrive as events.
      await new Promise((r) => setImmediate(r));
      if (this.run.signal?.aborted) return false;
      const part = todo.slice(i, i + step);
      const t0 = performance.now();
      const genes = part.map((e) => e.genes!);
      const archs = genes.map((g) => space.decode(g));
      let results;
      try {
        results = await evaluateGuarded(this.run.evaluator, archs, this.run.timeoutMsPerCandidate, genes, this.run.signal);
      } catch (error) {
        // Stopped during the call: the candidates in flight are abandoned, unrecorded, and evaluated on resume.
        if (this.run.signal?.aborted) return false;
        throw error;
      }
      const ms = performance.now() - t0;
      const evalMs = ms / part.length;
      let failed = 0;
      for (let k = 0; k < part.length; k++) {
        const e = part[k];
        const res = results[k];
        // Literal objects of one shape (object spread here cost more than the store's insert).
        let row: FinishedCandidate;
        // A NaN objective or constraint metric is no result (a law out of its domain): the candidate fails, saying so.
        const nan = res.ok ? nanMetrics(res.metrics, objectives, constraints) : [];
        if (res.ok && nan.length === 0) {
          const score = scoreMetrics(res.metrics, objectives, constraints);
          row = { seq: e.seq, hash: e.hash, genes: e.genes!, generation, status: 'done', metrics: res.metrics, objectives: score.objectives, violation: score.violation, error: undefined, evalMs };
        } else {
          failed++;
          const error = res.ok ? `${nan.join(', ')} is NaN` : res.error;
          row = { seq: e.seq, hash: e.hash, genes: e.genes!, generation, status: 'failed', metrics: undefined, objectives: undefined, violation: undefined, error, evalMs };
        }
        e.record = row;
        this.pending.add(row);
        if (row.status === 'failed') this.emit({ type: 'failed-candidate', generation, seq: e.seq, genes: e.genes!, error: row.error! });
      }
      if (this.pending.due()) this.pending.commit();
      finished += part.length;
      this.inFlightRecorded = { done: this.inFlightRecorded.done + part.length, failed: this.inFlightRecorded.failed + failed };
      this.emit({
        type: 'batch-evaluated',
        generation,
        evaluated: part.length,
        failed,
        reused,
        totalEvaluations: this.loop.evaluations + finished,
        candidatesPerS: ms > 0 ? (part.length * 1000) / ms : Infinity,
        elapsedMs: this.elapsedMs(),
      });
    }
    return true;
  }

  /** Tells the strategy every asked candidate in ask order, and moves the loop on by what the generation added. */
  private tell({ entries, at }: Plan, fresh: number): void {
    const generation = this.loop.generation;
    const told: Evaluated[] = new Array(at.length);
    for (let i = 0; i < at.length; i++) {
      const e = at[i];
      if (e.evaluated === undefined) {
        const r = e.record!;
        const ok = r.status === 'done';
        e.evaluated = {
          genes: r.genes,
          objectives: ok ? r.objectives! : new Array<number>(this.objectives.length).fill(Infinity),
          violation: ok ? r.violation! : Infinity,
          metrics: r.metrics ?? {},
        };
      }
      told[i] = e.evaluated;
    }
    this.strategy.tell(told);
    // Count only the candidates this generation introduced: repeats of older ones were counted then.
    let failed = 0;
    const feasible: FrontierPoint[] = [];
    for (const e of entries) {
      const r = e.record!;
      this.recent.remember(r);
      if (r.generation !== generation) continue;
      if (r.status === 'failed') failed++;
      else if (r.violation === 0 && r.objectives!.every(Number.isFinite)) feasible.push({ seq: r.seq, genes: r.genes, objectives: r.objectives! });
    }
    const next = advanceLoop(this.loop, { fresh, failed, feasible }, this.elapsedMs());
    this.loop = next.loop;
    this.emit({ type: 'generation', generation, asked: at.length, evaluations: this.loop.evaluations, failed: this.loop.failed });
    this.emit({ type: 'hypervolume', generation, hypervolume: this.loop.hypervolume, improved: next.improved, staleGenerations: this.loop.staleGenerations });
    if (next.changed) this.emit({ type: 'frontier-changed', generation, frontier: this.loop.frontier });
  }

  /** Commits the rows held with a checkpoint: the strategy as now, the loop, and the generation asked (if any). */
  private checkpointNow(batch: readonly string[], genes: readonly Genes[]): void {
    const t0 = performance.now();
    const checkpoint: Checkpoint = { generation: this.loop.generation, strategyState: this.strategy.state(), loopState: saveLoop(this.loop), batch, genes };
    this.pending.commit({ checkpoint, summary: summaryOf(this.loop, this.objectives) });
    this.pending.checkpointTook(t0);
  }

  /**
   * A last checkpoint, so that readers (report's hypervolume reference) and a resume start from here. Between
   * generations it holds the strategy after its tell and an empty batch; stopped inside a generation, the
   * strategy is still as right after its ask (nothing told), so it is that generation's checkpoint.
   */
  private stop(reason: StopReason): StudyOutcome {
    const { store, study } = this.run;
    const loop = this.loop;
    this.checkpointNow(this.inFlight?.hashes ?? [], this.inFlight?.asked ?? []);
    const status = reason === 'signal' ? 'stopped' : 'finished';
    store.setStatus(study.id, status, summaryOf(loop, this.objectives, reason));
    // A stop inside a generation: its candidates recorded so far count (the frontier is the told generations').
    const outcome = {
      reason,
      status,
      evaluations: loop.evaluations + this.inFlightRecorded.done,
      failed: loop.failed + this.inFlightRecorded.failed,
      generation: loop.generation,
      frontier: loop.frontier,
      hypervolume: loop.hypervolume,
    } as const;
    this.emit({ type: 'finished', ...outcome, frontierSize: loop.frontier.length, elapsedMs: this.elapsedMs() });
    return outcome;
  }
}
