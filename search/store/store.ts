/**
 * The one interface every storage of studies implements (as Optuna's storages share one abstract class): the SQLite
 * file (sqlite.ts, the embedded default) and a PostgreSQL server (postgres/, for studies worked on by several
 * processes and machines). The study loop, the commands and `hwnas copy` see only this. SQLite answers at once
 * (its methods return values); PostgreSQL answers with promises: callers always `await`.
 */
import type {
  CandidateRecord,
  CandidateStatus,
  Checkpoint,
  FinishedCandidate,
  NewStudy,
  StudyRecord,
  StudyStatus,
  StudySummary,
} from './types.js';
import type { TaskQueue } from './queue.js';

export type Awaitable<T> = T | Promise<T>;

/** Held while one process runs a study's strategy; released when the study stops (or the process dies). */
export interface CoordinatorLock {
  release(): Awaitable<void>;
}

export interface Store {
  /** Where the studies are, fit to print: a file path, or a server URL without its password. */
  readonly location: string;
  readonly readonly: boolean;
  close(): Awaitable<void>;

  createStudy(study: NewStudy, now?: number): Awaitable<StudyRecord>;
  getStudy(name: string): Awaitable<StudyRecord | undefined>;
  listStudies(): Awaitable<StudyRecord[]>;
  /** Replaces a study's stored config (a resume that raises its budget). */
  setConfig(studyId: number, config: unknown, now?: number): Awaitable<void>;
  /** Replaces a study's evaluator spec (a forced resume records the identity of the files it now runs). */
  setEvaluator(studyId: number, evaluator: unknown, now?: number): Awaitable<void>;
  setStatus(studyId: number, status: StudyStatus, summary: StudySummary, now?: number): Awaitable<void>;

  /**
   * One transaction: finished candidates (a candidate already recorded is left as it is and not counted again),
   * then the study's checkpoint and listing summary when given. Returns the number of candidates recorded.
   */
  record(
    studyId: number,
    candidates: readonly FinishedCandidate[],
    checkpoint?: { readonly checkpoint: Checkpoint; readonly summary: StudySummary },
    now?: number,
  ): Awaitable<number>;
  checkpoint(studyId: number): Awaitable<Checkpoint | undefined>;
  /** The recorded candidates among these content hashes, by hash. */
  candidatesByHash(studyId: number, hashes: readonly string[]): Awaitable<Map<string, CandidateRecord>>;
  candidate(studyId: number, hash: string): Awaitable<CandidateRecord | undefined>;
  /** The genes of the candidates with these sequence numbers (those that exist). */
  genesBySeq(studyId: number, seqs: readonly number[]): Awaitable<Map<number, number[]>>;
  /** The next free ask sequence number. */
  nextSeq(studyId: number): Awaitable<number>;
  /** Every candidate of a study in ask order, streamed (a study may hold millions). */
  candidates(studyId: number, statuses?: readonly CandidateStatus[]): Iterable<CandidateRecord> | AsyncIterable<CandidateRecord>;

  /**
   * The right to run a study's strategy, for one process at a time: a lock file beside an SQLite database, an
   * advisory lock on a PostgreSQL server. `heldBy` says who has it when it is taken.
   */
  lockStudy(study: StudyRecord): Awaitable<CoordinatorLock | { readonly heldBy: string }>;

  /**
   * Runs `read` so that every query of this store inside it sees one committed state, whatever other processes
   * write meanwhile (an export's two passes over a study that is still running).
   */
  readSnapshot<T>(read: () => Promise<T>): Promise<T>;
  /** A study's status as a listing shows it: 'running' only while a live process runs it, else 'interrupted'. */
  liveStatus(study: StudyRecord): Awaitable<string>;

  /** Candidates waiting for evaluation, leased by workers (a server store); absent where only one process works. */
  readonly queue?: TaskQueue;
}
