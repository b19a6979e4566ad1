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
 * evaluations at most (or the evaluator call in flight, if longer). The strategy contract allows a restored strategy
 * to accept the tell of candidates asked before its state was taken.
 *
 * The steps of one session live in study-session.ts, the loop's state in study-loop.ts.
 */
import type { FarmSpec } from './evaluate/farm.js';
import type { Constraint, Objective } from '../core/objectives.js';
import type { Genes, SearchSpace } from '../core/space.js';
import { UsageError } from '../core/usage-error.js';
import type { Evaluator } from './evaluate/evaluator.js';
import type { Store } from './store/store.js';
import type { StudyRecord } from './store/types.js';
import type { StrategyFactory } from './strategy.js';
import type { FrontierPoint, StopReason } from './study-loop.js';
import { StudySession } from './study-session.js';

export type { FrontierPoint, StopReason } from './study-loop.js';

export interface Budget {
  /** Distinct candidates evaluated (done or failed), over the whole study. */
  readonly evaluations?: number;
  /** Running time over all sessions of the study, ms. Not reproducible by nature: a resumed study stops elsewhere. */
  readonly wallTimeMs?: number;
  /** Stop after this many generations in a row without an increase of the hypervolume. */
  readonly patience?: number;
}

/** Progress, as plain data: what a terminal UI or a JSON log subscribes to. */
export type StudyEvent =
  | {
      readonly type: 'started';
      readonly study: string;
      readonly resumed: boolean;
      readonly generation: number;
      readonly evaluations: number;
      readonly budget: Budget;
      /** A resumed study's state so far (absent when it starts afresh): its failures, frontier and hypervolume. */
      readonly failed?: number;
      readonly frontier?: readonly FrontierPoint[];
      readonly hypervolume?: number;
    }
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

/**
 * What the loop asks of its store (SQLite or PostgreSQL; a benchmark measures the loop against one that keeps
 * nothing). With a `queue` (a server store) the loop evaluates nothing itself: each generation's candidates become
 * tasks that workers lease, and the strategy is told once the whole generation is recorded.
 */
export type StudyStore = Pick<Store, 'location' | 'checkpoint' | 'record' | 'candidatesByHash' | 'setStatus' | 'nextSeq' | 'genesBySeq' | 'lockStudy' | 'queue'>;

export interface StudyRun {
  readonly store: StudyStore;
  readonly study: StudyRecord;
  readonly space: SearchSpace;
  readonly strategy: StrategyFactory;
  readonly strategyOptions?: Readonly<Record<string, unknown>>;
  readonly objectives: readonly Objective[];
  readonly constraints: readonly Constraint[];
  /** Evaluates the candidates here; not used (and may be absent) when the store has a queue: workers evaluate. */
  readonly evaluator?: Evaluator;
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
  /**
   * Aborting it stops the study with a checkpoint to resume from: after the evaluator call in flight, or at once
   * when the evaluator honours the signal (the measured one does), abandoning the candidates of that call.
   */
  readonly signal?: AbortSignal;
  /**
   * Called once the study's lock is held, before the study starts: what a resume changes in the study (a raised
   * budget) is written here, so that a resume refused by the lock writes nothing.
   */
  readonly onLocked?: () => void | Promise<void>;
  /**
   * With a queue: the device each task needs (a measured latency is measured on that device), or null for any
   * worker. Default null.
   */
  readonly taskDevice?: string | null;
  /**
   * With a queue: a study measured on several devices (evaluate/farm.ts). Each candidate is a task per part, each on
   * its device; this process merges a candidate's parts and records it once all are in.
   */
  readonly farm?: FarmSpec;
  /**
   * Awaited before each new generation is asked, once the budget leaves room for one (the live view's pause on a
   * server, where workers finish the generation in flight and get nothing new). It must return once the signal aborts.
   */
  readonly beforeAsk?: (signal?: AbortSignal) => Promise<void>;
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

/** What a study holds before a session starts, read without writing anything. */
export interface StudyState {
  readonly evaluations: number;
  readonly failed: number;
  readonly generation: number;
  readonly frontier: readonly FrontierPoint[];
  readonly hypervolume: number;
  /** Why a session under this budget would stop at once (budget spent, space used up), or undefined if it has work. */
  readonly stopsAt: StopReason | undefined;
}

/** The study's state from its last checkpoint, and whether `budget` leaves it anything to do. Reads only. */
export async function inspectStudy(run: Omit<StudyRun, 'evaluator'>): Promise<StudyState> {
  return (await StudySession.start(run)).inspect();
}

/** Runs (or resumes) a study until a budget is spent, the strategy is exhausted or the signal aborts. */
export async function runStudy(run: StudyRun): Promise<StudyOutcome> {
  // Two processes running one study would each tell the strategy the other's results: refuse the second.
  const lock = await run.store.lockStudy(run.study);
  if ('heldBy' in lock) {
    throw new UsageError(`study '${run.study.name}' is running in ${lock.heldBy}; wait for it or stop it first`);
  }
  try {
    await run.onLocked?.();
    return await (await StudySession.start(run)).runToEnd();
  } finally {
    await lock.release();
  }
}
