/**
 * One session of a study, in the steps a reader can follow: start (restore the checkpoint), ask a generation,
 * evaluate what it lacks, tell the strategy, checkpoint, and stop. See study.ts for the resume contract.
 */
import type { Objective } from '../core/objectives.js';
import type { Genes } from '../core/space.js';
import { CandidateHasher, RecentRecords } from './candidate-cache.js';
import { evaluateGuarded } from './evaluate/pool.js';
import { farmPartDevices, mergeFarmParts, type FarmSpec } from './evaluate/farm.js';
import { finishedRow } from './finished-row.js';
import { COMMIT_EVERY_MS, GroupCommit } from './group-commit.js';
import type { CandidateRecord, Checkpoint, FinishedCandidate, StudySummary } from './store/types.js';
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

/** The longest wait between two looks at a generation's tasks (results also wake the loop as they are recorded). */
const WAIT_POLL_MS = 1000;

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
  /** On a server store: the checkpoint due at this generation's ask, written with its tasks (one statement). */
  private dueCheckpoint: { readonly checkpoint: Checkpoint; readonly summary: StudySummary } | undefined;
  /** Candidates of the generation in flight recorded so far (done, failed): counted in a stop's outcome. */
  private inFlightRecorded = { done: 0, failed: 0 };
  /** The generation asked and not yet told, if any: what a checkpoint taken now must name. */
  private inFlight: { readonly hashes: readonly string[]; readonly asked: readonly Genes[] } | undefined;

  private constructor(
    private readonly run: StudyRun,
    checkpoint: Checkpoint | undefined,
    frontierGenes: ReadonlyMap<number, Genes>,
    storeHasRows: boolean,
  ) {
    const { store, study, space, objectives, constraints } = run;
    this.objectives = objectives;
    this.emit = run.onEvent ?? (() => {});
    const ctx = { space, objectiveCount: objectives.length, seed: study.seed, options: run.strategyOptions ?? {}, objectives, constraints };
    this.checkpoint = checkpoint;
    if (checkpoint) {
      this.strategy = run.strategy.create(ctx, checkpoint.strategyState);
      this.loop = restoreLoop(checkpoint.loopState as SavedLoopState, frontierGenes);
    } else {
      this.strategy = run.strategy.create(ctx);
      this.loop = INITIAL_LOOP_STATE;
    }
    this.sessionStartElapsedMs = this.loop.elapsedMs;
    this.hasher = new CandidateHasher(space);
    // With a queue, workers record the results: the store is always asked whether a candidate is there.
    this.pending = new GroupCommit(store, study.id, run.commitEveryMs ?? COMMIT_EVERY_MS, storeHasRows || store.queue !== undefined);
  }

  /** Reads what a session starts from: the checkpoint, the genes of its frontier, whether rows exist already. */
  static async start(run: StudyRun): Promise<StudySession> {
    const { store, study } = run;
    const checkpoint = await store.checkpoint(study.id);
    const saved = checkpoint?.loopState as SavedLoopState | undefined;
    const genes = saved ? await store.genesBySeq(study.id, saved.frontier.map((p) => p.seq)) : new Map<number, Genes>();
    const hasRows = checkpoint !== undefined || (await store.nextSeq(study.id)) > 0;
    return new StudySession(run, checkpoint, genes, hasRows);
  }

  /** Runs generations until a budget is spent, the strategy is exhausted or the signal aborts. */
  async runToEnd(): Promise<StudyOutcome> {
    await this.begin();
    try {
      // An empty batch: the study ended between generations (its last checkpoint, taken after the tell).
      if (this.checkpoint && this.checkpoint.batch.length > 0) {
        if (!(await this.completeGeneration(await this.replayInFlight(this.checkpoint)))) return await this.stop('signal');
      }
      for (;;) {
        let reason = this.budgetSpent();
        if (!reason && this.run.beforeAsk) {
          await this.run.beforeAsk(this.run.signal);
          reason = this.budgetSpent();
        }
        if (reason) return await this.stop(reason);
        const plan = await this.ask();
        if (!plan) return await this.stop('exhausted');
        if (!(await this.completeGeneration(plan))) return await this.stop('signal');
      }
    } catch (error) {
      // A crash that reaches here (not a kill) still keeps what was evaluated: the rows held are consistent.
      try {
        await this.pending.commit();
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

  private async begin(): Promise<void> {
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
    await store.setStatus(study.id, 'running', summaryOf(this.loop, this.objectives));
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
  private async ask(): Promise<Plan | undefined> {
    const n = Math.min(this.run.batchSize, (this.run.budget.evaluations ?? Infinity) - this.loop.evaluations);
    // Copies: the strategy may reuse its arrays, and the checkpoint may be written after its next tell.
    const asked = this.strategy.ask(n).map((g) => g.slice());
    if (asked.length === 0) return undefined;
    const hashes = asked.map((g) => this.hasher.hashOf(g));
    const plan = await this.plan(hashes, (i) => asked[i]);
    const fresh = this.numberFresh(plan.entries, this.loop.nextSeq);
    this.loop = { ...this.loop, nextSeq: this.loop.nextSeq + fresh, elapsedMs: this.elapsedMs() };
    // The checkpoint keeps the loop as before this generation, with the sequence numbers it takes, the strategy
    // right after its ask, and the asked hashes and genes; committed with every row held so far.
    if (this.pending.checkpointDue()) {
      if (this.run.store.queue) this.dueCheckpoint = this.checkpointOf(hashes, asked);
      else await this.checkpointNow(hashes, asked);
    }
    this.inFlight = { hashes, asked };
    return plan;
  }

  /**
   * The generation in flight when the study stopped: the checkpoint's loop already counts its new candidates in
   * nextSeq; those recorded before the stop are reused, the others evaluated now.
   */
  private async replayInFlight(checkpoint: Checkpoint): Promise<Plan> {
    const cpGenes = checkpoint.genes;
    const plan = await this.plan(checkpoint.batch, (i) => cpGenes?.[i]);
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
  private async plan(hashes: readonly string[], genesAt: (i: number) => Genes | undefined): Promise<Plan> {
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
      for (const [h, record] of await this.run.store.candidatesByHash(this.run.study.id, misses)) {
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
    const evaluate = this.run.store.queue ? this.evaluateByWorkers : this.evaluate;
    if (!(await evaluate.call(this, generation, todo, plan.entries.length - todo.length, doneBefore))) return false;
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
      if (!this.run.evaluator) throw new Error(`study '${this.run.study.name}': no evaluator, and the store has no queue for workers`);
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
        const row = finishedRow({ seq: e.seq, hash: e.hash, genes: e.genes!, generation }, results[k], evalMs, objectives, constraints);
        e.record = row;
        this.pending.add(row);
        if (row.status === 'failed') {
          failed++;
          this.emit({ type: 'failed-candidate', generation, seq: e.seq, genes: e.genes!, error: row.error! });
        }
      }
      if (this.pending.due()) await this.pending.commit();
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

  /**
   * The generation's candidates without a result become tasks that workers lease (this process's own worker among
   * them, unless the study runs workers-only); waits until every one is recorded, then reads the records back.
   * Workers score metrics as this process would, so what the strategy is told does not depend on who evaluated.
   */
  private async evaluateByWorkers(generation: number, todo: readonly Entry[], reused: number, doneBefore: number): Promise<boolean> {
    const queue = this.run.store.queue!;
    const studyId = this.run.study.id;
    const farm = this.run.farm;
    // A candidate is one task, or (a study measured on several devices) one task per part, each on its device.
    const devices = farm ? farmPartDevices(farm) : [this.run.taskDevice ?? null];
    const parts = devices.length;
    const checkpoint = this.dueCheckpoint;
    this.dueCheckpoint = undefined;
    await this.pending.commit();
    // The tasks and the checkpoint due (if any) in one statement.
    await queue.enqueue(
      studyId,
      todo.flatMap((e) => devices.map((device, part) => ({ seq: e.seq, hash: e.hash, genes: e.genes!, generation, device, part, parts }))),
      checkpoint,
    );
    if (checkpoint) this.pending.noteCheckpoint();
    const missing = new Map(todo.map((e) => [e.hash, e]));
    this.inFlightRecorded = { done: doneBefore, failed: 0 };
    const t0 = performance.now();
    // Each look reads the results recorded since the last one (one query): no count first, no second read at the end.
    while (missing.size > 0) {
      const hashes = [...missing.keys()];
      const got = await this.run.store.candidatesByHash(studyId, hashes);
      if (farm) for (const [h, r] of await this.mergeParts(farm, parts, generation, hashes.filter((h) => !got.has(h)), missing)) got.set(h, r);
      let failed = 0;
      for (const [h, r] of got) {
        const e = missing.get(h)!;
        missing.delete(h);
        e.record = r;
        if (r.status === 'failed') {
          failed++;
          this.emit({ type: 'failed-candidate', generation, seq: r.seq, genes: r.genes, error: r.error ?? 'failed' });
        }
      }
      if (got.size > 0) {
        this.inFlightRecorded = { done: this.inFlightRecorded.done + got.size, failed: this.inFlightRecorded.failed + failed };
        const ms = performance.now() - t0;
        const done = todo.length - missing.size;
        this.emit({
          type: 'batch-evaluated',
          generation,
          evaluated: got.size,
          failed,
          reused,
          totalEvaluations: this.loop.evaluations + doneBefore + done,
          candidatesPerS: ms > 0 ? (done * 1000) / ms : Infinity,
          elapsedMs: this.elapsedMs(),
        });
      }
      if (missing.size === 0) break;
      if (this.run.signal?.aborted) return false;
      await queue.waitForResults(studyId, WAIT_POLL_MS, this.run.signal);
    }
    return true;
  }

  /**
   * Candidates of a study measured on several devices whose parts are all recorded: merged, scored and recorded
   * here (record() skips one a previous coordinator recorded already), in one statement.
   */
  private async mergeParts(farm: FarmSpec, parts: number, generation: number, hashes: readonly string[], entries: ReadonlyMap<string, Entry>): Promise<Map<string, CandidateRecord>> {
    const out = new Map<string, CandidateRecord>();
    if (hashes.length === 0) return out;
    const rows: FinishedCandidate[] = [];
    for (const [hash, list] of await this.run.store.queue!.partsOf(this.run.study.id, hashes)) {
      if (list.length < parts) continue;
      const e = entries.get(hash)!;
      const evalMs = list.reduce((sum, p) => sum + p.evalMs, 0);
      rows.push(finishedRow({ seq: e.seq, hash, genes: e.genes!, generation }, mergeFarmParts(farm, list.map((p) => p.result)), evalMs, this.objectives, this.run.constraints));
    }
    if (rows.length === 0) return out;
    await this.run.store.record(this.run.study.id, rows);
    for (const r of rows) out.set(r.hash, r);
    return out;
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
  private async checkpointNow(batch: readonly string[], genes: readonly Genes[]): Promise<void> {
    const t0 = performance.now();
    await this.pending.commit(this.checkpointOf(batch, genes));
    this.pending.checkpointTook(t0);
  }

  private checkpointOf(batch: readonly string[], genes: readonly Genes[]): { checkpoint: Checkpoint; summary: StudySummary } {
    const checkpoint: Checkpoint = { generation: this.loop.generation, strategyState: this.strategy.state(), loopState: saveLoop(this.loop), batch, genes };
    return { checkpoint, summary: summaryOf(this.loop, this.objectives) };
  }

  /**
   * A last checkpoint, so that readers (report's hypervolume reference) and a resume start from here. Between
   * generations it holds the strategy after its tell and an empty batch; stopped inside a generation, the
   * strategy is still as right after its ask (nothing told), so it is that generation's checkpoint.
   */
  private async stop(reason: StopReason): Promise<StudyOutcome> {
    const { store, study } = this.run;
    const loop = this.loop;
    await this.checkpointNow(this.inFlight?.hashes ?? [], this.inFlight?.asked ?? []);
    const status = reason === 'signal' ? 'stopped' : 'finished';
    await store.setStatus(study.id, status, summaryOf(loop, this.objectives, reason));
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
