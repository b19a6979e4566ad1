/**
 * Rows and checkpoints written to the store in group commits: one transaction at most every `commitEveryMs`, so a
 * fast evaluator's generations share a transaction and a slow one commits after every evaluator call. Rows may
 * run ahead of the stored checkpoint (a resume replays the generations after it and finds them); every candidate
 * of a generation before the stored checkpoint's is recorded.
 */
import type { CandidateRecord, Checkpoint, FinishedCandidate, StudySummary } from './store/types.js';
import type { StudyStore } from './study.js';

/** Long enough that a commit (one transaction, one checkpoint) is a small share of a fast study, short enough to lose little. */
export const COMMIT_EVERY_MS = 50;
/**
 * A checkpoint waits at least this many times as long as the last one took, so that checkpoints stay a bounded
 * share (1/20) of a study's time however large the strategy's state grows; rows still commit every commitEveryMs.
 */
const CHECKPOINT_COST_FACTOR = 20;
/** Rows held for one commit at most, whatever the time. */
const COMMIT_MAX_ROWS = 10_000;
/** Hashes of one session kept in memory to spare the store a query for every new candidate (~50 MB at the limit). */
const SESSION_HASHES_LIMIT = 1_000_000;

export class GroupCommit {
  private rows: FinishedCandidate[] = [];
  private readonly rowsByHash = new Map<string, CandidateRecord>();
  private lastCommit = performance.now();
  // Checkpoints keep their own clock: a slow evaluator commits rows after every call, and its resume should still
  // replay no more than about commitEveryMs of generations.
  private lastCheckpoint = this.lastCommit;
  /** Wall time of the last checkpoint (taking the state, encoding and committing it). */
  private lastCheckpointMs = 0;
  // A study with nothing recorded before this session holds only what this session recorded: a hash not in
  // `recorded` is new, with no query. Past SESSION_HASHES_LIMIT, ask the store.
  private readonly recorded = new Set<string>();
  private probeStore: boolean;

  constructor(
    private readonly store: StudyStore,
    private readonly studyId: number,
    private readonly commitEveryMs: number,
    /** Whether the store may already hold candidates of this study (a resume, or rows from an earlier session). */
    storeHasRows: boolean,
  ) {
    this.probeStore = storeHasRows;
  }

  /** A finished row not yet committed, by content hash. */
  held(hash: string): CandidateRecord | undefined {
    return this.rowsByHash.get(hash);
  }

  /** Whether the store may hold this hash (false only when it certainly does not). */
  mayBeStored(hash: string): boolean {
    return this.probeStore || this.recorded.has(hash);
  }

  add(row: FinishedCandidate): void {
    this.rows.push(row);
    this.rowsByHash.set(row.hash, row);
    if (!this.probeStore) {
      this.recorded.add(row.hash);
      if (this.recorded.size > SESSION_HASHES_LIMIT) {
        this.probeStore = true;
        this.recorded.clear();
      }
    }
  }

  /** Time for a commit of the rows held. */
  due(): boolean {
    return performance.now() - this.lastCommit >= this.commitEveryMs || this.rows.length >= COMMIT_MAX_ROWS;
  }

  /** Time for a checkpoint (with the rows held). */
  checkpointDue(): boolean {
    if (this.commitEveryMs === 0) return true;
    return performance.now() - this.lastCheckpoint >= Math.max(this.commitEveryMs, CHECKPOINT_COST_FACTOR * this.lastCheckpointMs);
  }

  /** Records how long the checkpoint just committed took, from `startedAt` (before its state was taken). */
  checkpointTook(startedAt: number): void {
    this.lastCheckpointMs = performance.now() - startedAt;
  }

  /** A checkpoint was written by other means (with a generation's tasks, on a server store). */
  noteCheckpoint(): void {
    this.lastCommit = this.lastCheckpoint = performance.now();
  }

  /** Writes the rows held, and the checkpoint with its summary when given, in one transaction. */
  async commit(checkpoint?: { readonly checkpoint: Checkpoint; readonly summary: StudySummary }): Promise<void> {
    if (this.rows.length === 0 && !checkpoint) return;
    await this.store.record(this.studyId, this.rows, checkpoint);
    this.rows = [];
    this.rowsByHash.clear();
    this.lastCommit = performance.now();
    if (checkpoint) this.lastCheckpoint = this.lastCommit;
  }
}
