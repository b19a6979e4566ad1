/**
 * The worker protocol: a study's coordinator writes the candidates of a generation that lack a result as tasks;
 * workers lease them (a lease expires unless its worker's heartbeat renews it), evaluate them and record each
 * result exactly once; the coordinator tells the strategy when the whole generation is recorded. A task may name
 * a device: only a worker that is that device leases it (the device farm).
 */
import type { Checkpoint, FinishedCandidate, StudyRecord, StudySummary } from './types.js';

export interface NewTask {
  readonly seq: number;
  readonly hash: string;
  readonly genes: readonly number[];
  readonly generation: number;
  /** The device that must evaluate it (a measured latency), or null for any worker. */
  readonly device: string | null;
  /**
   * A candidate evaluated in parts (a study measured on several devices, search/evaluate/farm.ts): which part this
   * is, of how many. Default part 0 of 1: the whole candidate.
   */
  readonly part?: number;
  readonly parts?: number;
}

/** One part of a candidate's result, as a worker recorded it; the coordinator merges a candidate's parts. */
export interface PartResult {
  readonly part: number;
  readonly device: string | null;
  readonly result: { readonly ok: true; readonly metrics: Readonly<Record<string, number>> } | { readonly ok: false; readonly error: string };
  readonly evalMs: number;
  readonly worker: string;
}

export interface LeasedTask extends NewTask {
  readonly studyId: number;
  /** Names this lease: a result is recorded only while the lease that it answers still holds the task. */
  readonly token: string;
  /** Leases of this task so far, this one included. */
  readonly leases: number;
}

/** What a worker says of itself when it starts (shown by listings; the device farm's tables name the machine). */
export interface WorkerInfo {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly device: string | null;
  /** Free-form description of the machine (backend, CPU), as plain data. */
  readonly machine?: unknown;
}

/** A worker serving a study now, as its coordinator's live view shows it. */
export interface ServingWorker {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly device: string | null;
  /** Tasks of the study it holds now (leases not expired). */
  readonly leased: number;
  /** Results of the study it recorded over the study's whole life: candidates (in a study measured on several devices, parts). */
  readonly recorded: number;
}

/** Who works on a study now and what waits for them (read by the coordinator's live view every few seconds). */
export interface StudyActivity {
  /** Workers that hold a lease of the study now, or recorded its candidates and are alive (a recent heartbeat). */
  readonly workers: readonly ServingWorker[];
  /** Tasks (candidates, or their parts on several devices) waiting for a worker, not leased (or whose lease expired). */
  readonly waiting: number;
  /** Tasks leased by a worker now. */
  readonly leased: number;
}

export interface LeaseFilter {
  /** Only these studies (by id); all when absent. */
  readonly studyIds?: readonly number[];
  /** Never these studies (a worker that cannot evaluate them). */
  readonly excludeStudyIds?: readonly number[];
  /** Devices this worker is: null stands for tasks that need no device. */
  readonly devices: readonly (string | null)[];
  readonly limit: number;
  readonly leaseMs: number;
}

export interface TaskQueue {
  /**
   * Adds tasks (a task already waiting, or a candidate already recorded, is left as it is) and, when given, the
   * study's checkpoint and summary, in one transaction.
   */
  enqueue(studyId: number, tasks: readonly NewTask[], checkpoint?: { readonly checkpoint: Checkpoint; readonly summary: StudySummary }): Promise<void>;
  /** How many of these hashes are still waiting for a result. */
  waiting(studyId: number, hashes: readonly string[]): Promise<number>;
  /** Leases up to `limit` tasks nobody holds (never leased, or whose lease expired), lowest seqs first. */
  lease(workerId: string, filter: LeaseFilter): Promise<LeasedTask[]>;
  /**
   * Records the results of leased tasks, each exactly once: a task whose lease was lost (expired and handed to
   * another worker) is dropped. Returns how many were recorded.
   */
  complete(workerId: string, tasks: readonly LeasedTask[], results: readonly FinishedCandidate[]): Promise<number>;
  /** Records the results of leased parts of candidates, each exactly once, as complete does for whole ones. */
  completeParts(workerId: string, tasks: readonly LeasedTask[], results: readonly PartResult[]): Promise<number>;
  /** The parts recorded so far of these candidates (by hash). */
  partsOf(studyId: number, hashes: readonly string[]): Promise<Map<string, PartResult[]>>;
  /** Gives unfinished leases back at once (a worker that stops). */
  release(workerId: string, tasks: readonly LeasedTask[]): Promise<void>;
  /** Renews the worker's leases named by these tokens (those it has in hand), and its own heartbeat. */
  heartbeat(workerId: string, tokens: readonly string[], leaseMs: number): Promise<void>;
  registerWorker(worker: WorkerInfo): Promise<void>;
  unregisterWorker(workerId: string): Promise<void>;
  studyById(id: number): Promise<StudyRecord | undefined>;
  /** Studies whose status is running: what may still bring tasks, or need a coordinator. */
  runningStudies(): Promise<StudyRecord[]>;
  /** Whether a task waits (leased or not) that a worker of these devices could take. */
  hasTasksFor(devices: readonly (string | null)[], studyIds?: readonly number[]): Promise<boolean>;
  /** Whether no process holds the study's coordinator lock right now. */
  coordinatorMissing(studyId: number): Promise<boolean>;
  /**
   * Ends the hold of a coordinator silent for `silentMs` (its process stopped or gone), every session of it,
   * freeing the study for a take-over; returns who was ended, if anyone.
   */
  endHungCoordinator(studyId: number, silentMs: number): Promise<string | undefined>;
  /** The workers serving a study now and its tasks waiting or leased (see StudyActivity). */
  studyActivity(studyId: number): Promise<StudyActivity>;
  /** Waits for new tasks (true) or until the timeout (false). */
  waitForTasks(timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  /** Waits for results of the study to be recorded (true) or until the timeout (false). */
  waitForResults(studyId: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
}
