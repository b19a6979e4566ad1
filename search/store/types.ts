/** Plain records the store reads and writes. JSON columns are decoded; non-finite numbers survive (json.ts). */

export type StudyStatus = 'running' | 'stopped' | 'finished';
export type CandidateStatus = 'pending' | 'running' | 'done' | 'failed';

/** What the study keeps up to date for listings, so `hwnas studies` needs no scan of the candidates. */
export interface StudySummary {
  readonly frontierSize?: number;
  readonly hypervolume?: number;
  /**
   * Best value of each objective over feasible candidates, in the metric's own sign: together the ideal point,
   * which is usually no single candidate (see bestCandidates).
   */
  readonly best?: Readonly<Record<string, number>>;
  /** For each objective, the frontier candidate best at it, with its value of every objective. */
  readonly bestCandidates?: readonly { readonly metric: string; readonly seq: number; readonly values: Readonly<Record<string, number>> }[];
  readonly stopReason?: string;
  readonly generation?: number;
}

/** A file a study read when it began, kept with it (search/study-inputs.ts). */
export interface StoredFile {
  /** The path as the study's config gave it. */
  readonly path: string;
  readonly sha256: string;
  readonly text: string;
}

/** The files of a study's config, by the config field that names them. */
export interface StudyInputs {
  readonly space?: StoredFile;
  readonly lossLaw?: StoredFile;
  readonly deviceFile?: StoredFile;
  /** `device` given as a profile file (`--device board.json`). */
  readonly device?: StoredFile;
  /** The profile files among a split's `devices` (`--devices pi.json,rtx-4090`), in their order. */
  readonly devices?: readonly StoredFile[];
  /** The profile files among the devices a study measures on (`--measure-on pi.json,jetson-orin-nano`), in order. */
  readonly measureOn?: readonly StoredFile[];
}

export interface NewStudy {
  readonly name: string;
  /** The validated study configuration, as plain data (provenance for exports and resume). */
  readonly config: unknown;
  readonly seed: number;
  readonly space: string;
  readonly device: string;
  readonly objectives: readonly string[];
  readonly constraints: readonly string[];
  readonly strategy: string;
  readonly hwnasVersion: string;
  /** The evaluator spec (plain data) the study's candidates are priced with. */
  readonly evaluator?: unknown;
  /** The files the study read when it began, with their content (absent in studies recorded before schema v8). */
  readonly inputs?: StudyInputs;
}

export interface StudyRecord extends NewStudy {
  readonly id: number;
  readonly status: StudyStatus;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Candidates evaluated (done or failed). */
  readonly evaluations: number;
  readonly failed: number;
  readonly summary: StudySummary;
}

export interface NewCandidate {
  /** Order in which the strategy asked for it; unique within the study. */
  readonly seq: number;
  readonly hash: string;
  readonly genes: readonly number[];
  readonly generation: number;
}

export interface CandidateRecord extends NewCandidate {
  readonly status: CandidateStatus;
  readonly metrics?: Readonly<Record<string, number>>;
  /** Minimisation objectives as told to the strategy; Infinity for failed candidates. */
  readonly objectives?: readonly number[];
  readonly violation?: number;
  readonly error?: string;
  readonly evalMs?: number;
}

/** A candidate with its result, written once (`recordCandidates`). */
export type FinishedCandidate = CandidateRecord & { readonly status: 'done' | 'failed' };

export type CandidateResult =
  | {
      readonly hash: string;
      readonly ok: true;
      readonly metrics: Readonly<Record<string, number>>;
      readonly objectives: readonly number[];
      readonly violation: number;
      readonly evalMs: number;
    }
  | { readonly hash: string; readonly ok: false; readonly error: string; readonly evalMs: number };

/** The latest checkpoint of a study: enough to continue exactly where it was. */
export interface Checkpoint {
  readonly generation: number;
  /** The strategy's state taken right after the ask of this generation. */
  readonly strategyState: unknown;
  /** The loop's own counters (evaluations, stale generations, frontier), as after the previous generation. */
  readonly loopState: unknown;
  /** Content hashes of the candidates asked in this generation, in ask order (repeats included). */
  readonly batch: readonly string[];
  /**
   * The genes asked in this generation, in ask order (parallel to `batch`): what a resume evaluates for a
   * candidate with no row yet. Absent in checkpoints before schema v4, whose asked candidates all had rows.
   */
  readonly genes?: readonly (readonly number[])[];
}
