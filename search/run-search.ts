/**
 * A study from its configuration to its frontier, as the library and the CLI run it: check the metrics before
 * anything is written, create (or reopen) the study, build its evaluator (worker threads or in-process), run the
 * loop, read the frontier back with its metrics. The CLI adds progress output and signals around the same steps.
 */
import { existsSync } from 'node:fs';
import { missingMetrics, nanMetricMessage, nanMetrics } from '../core/objectives.js';
import { createRng } from '../core/rng.js';
import { UsageError } from '../core/usage-error.js';
import type { Evaluator } from './evaluate/evaluator.js';
import { changedFiles, hashFiles } from './evaluate/identity.js';
import { loadEvaluatorModule } from './evaluate/module.js';
import { createPoolEvaluator, evaluateGuarded } from './evaluate/pool.js';
import { createEvaluator, specParts, type EvaluatorSpec } from './evaluate/registry.js';
import { studyTimeoutMsPerCandidate } from './evaluate/timeouts.js';
import { DEFAULT_DB, SqliteStore, StoreError, StudyExistsError, contentHash, type NewStudy, type StudyRecord } from './store/index.js';
import { parseStudyConfig, resolveStudy, type ConfigSources, type ResolvedStudy, type StudyConfigInput } from './study-config.js';
import { spaceRefName } from './space-file.js';
import { runStudy, type StudyEvent, type StudyOutcome } from './study.js';
import { changedInputs } from './study-inputs.js';

const USER_KINDS: ReadonlySet<string> = new Set(['command', 'module', 'table']);

/**
 * The spec without the parts whose metrics are declared rather than probed (a user's command or module); measured
 * and predicted latency probed as the analytic metrics they add to (a measurement takes minutes on a small CPU).
 */
function probeSpec(spec: EvaluatorSpec): EvaluatorSpec | undefined {
  if (spec.kind === 'command' || spec.kind === 'module') return undefined;
  if (spec.kind === 'measured' || spec.kind === 'predicted') return { ...spec, kind: 'analytic' } as EvaluatorSpec;
  if (spec.kind !== 'combined') return spec;
  const parts = spec.parts.filter((p) => p.kind !== 'command' && p.kind !== 'module').map((p) => probeSpec(p)!);
  return parts.length === 0 ? undefined : { ...spec, parts };
}

/** A measured candidate takes seconds: one per evaluator call and per task, so progress and a stop come candidate by candidate. */
function oneAtATime(spec: EvaluatorSpec): boolean {
  return specParts(spec).some((p) => p.kind === 'measured');
}

/**
 * Before anything is written: loads the study's modules (a bad one is one clear line, not a study of failures),
 * prices one sample candidate with hwnas's own evaluators and checks that every objective and constraint names a
 * metric they give or a user's evaluator declares. A command is not run here: it may be a training run.
 */
export async function checkStudyMetrics(resolved: ResolvedStudy): Promise<void> {
  for (const part of specParts(resolved.evaluator)) {
    if (part.kind !== 'module') continue;
    try {
      await loadEvaluatorModule(part.file);
    } catch (error) {
      throw new UsageError(`evaluators: ${(error as Error).message}`);
    }
  }
  const probe = probeSpec(resolved.evaluator);
  const declared = resolved.declared.map((d) => d.name);
  let given: Record<string, number> = Object.fromEntries(declared.map((n) => [n, 0]));
  if (probe) {
    const evaluator = await createEvaluator(probe);
    try {
      const genes = resolved.space.sample(createRng(resolved.config.seed));
      const [result] = await evaluateGuarded(evaluator, [resolved.space.decode(genes)], studyTimeoutMsPerCandidate(probe, resolved.config.timeoutMs, false), [genes]);
      // A failed sample (a table without this candidate, say) says nothing about the metrics: the study will tell.
      if (!result.ok) return;
      const nan = nanMetrics(result.metrics, resolved.objectives, resolved.constraints);
      if (nan.length > 0) throw new UsageError(nanMetricMessage(nan[0], resolved.config.lossLaw, resolved.space.key(genes)));
      given = { ...result.metrics, ...given };
    } finally {
      await evaluator.close?.();
    }
  }
  const missing = missingMetrics(given, resolved.objectives, resolved.constraints);
  if (missing.length > 0) {
    const kinds = specParts(resolved.evaluator).filter((p) => p.kind !== 'combined').map((p) => p.kind).join('+');
    throw new UsageError(`--objectives/--constraint: the ${kinds} evaluator gives no ${missing.join(', ')} for space ${resolved.space.id}; it gives: ${Object.keys(given).join(', ')}`);
  }
  // What the strategy itself reads from every result (MnasNet's reward: an accuracy and a latency).
  const read = resolved.strategy.readsMetrics?.({ options: resolved.config.strategyOptions, objectives: resolved.objectives }) ?? [];
  const unread = read.find((r) => typeof given[r.metric] !== 'number');
  if (unread) {
    const kinds = specParts(resolved.evaluator).filter((p) => p.kind !== 'combined').map((p) => p.kind).join('+');
    throw new UsageError(`--strategy ${resolved.strategy.id}: the ${kinds} evaluator gives no '${unread.metric}' for space ${resolved.space.id} (it gives: ${Object.keys(given).join(', ')}); ${unread.why}`);
  }
}

/** A command runs in-process (it starts processes itself, `concurrency` at once); everything else in threads when asked. */
export function usesWorkerThreads(spec: EvaluatorSpec, threads: number): boolean {
  return threads > 0 && !specParts(spec).some((p) => p.kind === 'command');
}

/** The study's limit per candidate (evaluate/timeouts.ts): every evaluator kind has one. */
function timeoutOf(resolved: ResolvedStudy): number {
  const hasCommand = specParts(resolved.evaluator).some((p) => p.kind === 'command');
  return studyTimeoutMsPerCandidate(resolved.evaluator, resolved.config.timeoutMs, hasCommand);
}

export function createStudyEvaluator(resolved: ResolvedStudy): Promise<Evaluator> {
  const c = resolved.config;
  if (usesWorkerThreads(resolved.evaluator, c.threads)) {
    return Promise.resolve(createPoolEvaluator({ spec: resolved.evaluator, threads: c.threads, chunkSize: oneAtATime(resolved.evaluator) ? 1 : c.chunkSize, timeoutMsPerCandidate: timeoutOf(resolved) }));
  }
  return createEvaluator(resolved.evaluator);
}

/**
 * Files of a recorded study's evaluators that changed since it began (module, table, the scripts a command line
 * names), as 'path (sha256 old → new)'.
 */
export function changedEvaluatorFiles(spec: EvaluatorSpec): string[] {
  return specParts(spec).flatMap((p) => (USER_KINDS.has(p.kind) ? changedFiles((p as { files: Record<string, string> }).files) : []));
}

/** A recorded spec with its commands running `threads` processes at once (a resume may change --threads). */
export function withThreads(spec: EvaluatorSpec, threads: number): EvaluatorSpec {
  if (spec.kind === 'combined') return { ...spec, parts: spec.parts.map((p) => withThreads(p, threads)) };
  return spec.kind === 'command' ? { ...spec, concurrency: Math.max(1, threads) } : spec;
}

/** The same spec with its files' hashes taken now (what `resume --force` records). */
export function rehashEvaluatorFiles(spec: EvaluatorSpec): EvaluatorSpec {
  if (spec.kind === 'combined') return { ...spec, parts: spec.parts.map(rehashEvaluatorFiles) };
  if (spec.kind === 'command' || spec.kind === 'module' || spec.kind === 'table') return { ...spec, files: hashFiles(Object.keys(spec.files)) };
  return spec;
}

export interface RunOptions {
  readonly onEvent?: (event: StudyEvent) => void;
  /**
   * Aborting stops the study with a checkpoint to resume from: after the evaluator call in flight, or at once when
   * the evaluator honours the signal (the measured one does; the candidate in flight is evaluated again on resume).
   */
  readonly signal?: AbortSignal;
  /** Wraps the evaluator (the live view's pause gate). */
  readonly wrapEvaluator?: (evaluator: Evaluator) => Evaluator;
  /** Run once the study's lock is held, before it starts (a resume's changes to the study: see reopenStudy). */
  readonly onLocked?: () => void;
}

/** Runs a created (or recorded) study with its evaluator; the evaluator is closed however the run ends. */
export async function runPreparedStudy(store: SqliteStore, study: StudyRecord, resolved: ResolvedStudy, options: RunOptions = {}): Promise<StudyOutcome> {
  const c = resolved.config;
  let evaluator: Evaluator | undefined;
  try {
    evaluator = await createStudyEvaluator(resolved);
    if (options.wrapEvaluator) evaluator = options.wrapEvaluator(evaluator);
    return await runStudy({
      store,
      study,
      space: resolved.space,
      strategy: resolved.strategy,
      strategyOptions: c.strategyOptions,
      objectives: resolved.objectives,
      constraints: resolved.constraints,
      evaluator,
      budget: resolved.budget,
      batchSize: c.generationSize,
      recordEvery: oneAtATime(resolved.evaluator) ? 1 : c.chunkSize * Math.max(1, c.threads),
      // Every kind has a limit; a command's own (which kills its process group) stays in front of the shared one.
      timeoutMsPerCandidate: timeoutOf(resolved),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onLocked ? { onLocked: options.onLocked } : {}),
    });
  } finally {
    await evaluator?.close?.();
  }
}

export interface FrontierEntry {
  readonly seq: number;
  readonly genes: Readonly<Record<string, number | string>>;
  readonly metrics: Readonly<Record<string, number>>;
}

/** The frontier's candidates with their gene values and every recorded metric. */
export function frontierEntries(store: SqliteStore, study: StudyRecord, resolved: ResolvedStudy, outcome: StudyOutcome): FrontierEntry[] {
  return outcome.frontier.map((p) => {
    const rec = store.candidate(study.id, contentHash(resolved.space.id, resolved.space.key(p.genes)));
    return { seq: p.seq, genes: resolved.space.describe(p.genes), metrics: rec?.metrics ?? {} };
  });
}

/**
 * Opens a database, turning a refused or missing file into a one-line usage error; a fault of the machine (a full
 * disk) stays a StoreError with its own exit code.
 */
export function openStudyStore(path: string, options: { mustExist?: boolean; readonly?: boolean } = {}): SqliteStore {
  try {
    return SqliteStore.open(path, options);
  } catch (error) {
    if (error instanceof StoreError && error.exitCode === 2) throw new UsageError(error.message);
    throw error;
  }
}

/** Validates and resolves a configuration and checks its metrics; writes nothing. */
export async function prepareStudy(input: StudyConfigInput | Record<string, unknown>, sources: ConfigSources = {}): Promise<ResolvedStudy> {
  const config = parseStudyConfig(input, sources);
  const resolved = resolveStudy(config, sources);
  await checkStudyMetrics(resolved);
  return resolved;
}

/** Creates the study's record; a name already in the database is refused (resume it instead). */
export function createStudyRecord(resolved: ResolvedStudy, hwnasVersion: string, dbPath: string = resolved.config.db ?? DEFAULT_DB): { store: SqliteStore; study: StudyRecord } {
  const taken = () => new UsageError(`study '${resolved.name}' already exists in ${dbPath}; continue it with 'hwnas resume ${resolved.name}' or choose another --name`);
  // Check the name before creating anything: an existing database is opened for it first.
  if (existsSync(dbPath)) {
    const probe = openStudyStore(dbPath, { mustExist: true });
    let clash;
    try {
      clash = probe.getStudy(resolved.name);
    } finally {
      probe.close();
    }
    if (clash) throw taken();
  }
  const store = openStudyStore(dbPath);
  try {
    // Another process may take the name between the check above and the insert: the same line then.
    const create = (study: NewStudy) => {
      try {
        return store.createStudy(study);
      } catch (error) {
        if (error instanceof StudyExistsError) throw taken();
        throw error;
      }
    };
    const study = create({
      name: resolved.name,
      config: resolved.config,
      seed: resolved.config.seed,
      space: spaceRefName(resolved.config.space),
      device: resolved.config.device ?? '',
      objectives: resolved.objectives.map((o) => `${o.direction}:${o.metric}`),
      constraints: resolved.constraints.map((c) => c.text),
      strategy: resolved.config.strategy,
      hwnasVersion,
      evaluator: resolved.evaluator,
      // The files the study reads are kept in it: it resumes and exports from these copies, whatever happens to the files.
      inputs: resolved.inputs,
    });
    return { store, study };
  } catch (error) {
    store.close();
    throw error;
  }
}

/**
 * Reopens a recorded study to continue it, with a larger budget or other threads (`overrides`, as study fields):
 * its evaluator as recorded when it began (device profile inline), refused if the files of its own evaluators
 * changed since, unless `force` (then their new identity is recorded). Nothing is written here: what the resume
 * changes in the study (the config, the evaluator's new identity) is in `onLocked`, for the run to write once the
 * study's lock is held — a resume refused because another process runs the study changes nothing.
 */
export function reopenStudy(
  name: string,
  options: { readonly db?: string; readonly overrides?: Readonly<Record<string, unknown>>; readonly force?: boolean } = {},
): { store: SqliteStore; study: StudyRecord; resolved: ResolvedStudy; onLocked: () => void; notes: string[] } {
  const dbPath = options.db ?? DEFAULT_DB;
  const overrides = options.overrides ?? {};
  const probe = openStudyStore(dbPath, { readonly: true });
  let found, names: string[];
  try {
    found = probe.getStudy(name);
    names = probe.listStudies().map((s) => s.name);
  } finally {
    probe.close();
  }
  if (!found) throw new UsageError(`unknown study '${name}' in ${dbPath}; studies: ${names.join(', ') || '(none)'}`);
  const stored = parseStudyConfig(found.config, { file: `${dbPath}: study '${name}' config` });
  const sources = { flagKeys: new Set(Object.keys(overrides)) };
  const config = parseStudyConfig({ ...stored, ...overrides }, sources);
  // The files the study read when it began are its stored copies (absent in studies recorded before they were kept).
  const fresh = resolveStudy(config, sources, found.inputs);
  const notes = (found.inputs ? changedInputs(found.inputs) : []).map((change) => `study '${name}': ${change}; it goes on with the copy stored in the study`);
  let recorded = found.evaluator ? withThreads(found.evaluator as EvaluatorSpec, config.threads) : fresh.evaluator;
  // The study's own evaluators must be the ones its records came from.
  const changed = changedEvaluatorFiles(recorded);
  if (changed.length > 0) {
    if (!options.force) throw new UsageError(`study '${name}': its evaluator changed since it began: ${changed.join('; ')}; its records would not compare with new ones. Resume anyway with --force, or start a new study`);
    recorded = rehashEvaluatorFiles(recorded);
  }
  const store = openStudyStore(dbPath, { mustExist: true });
  const study = store.getStudy(name)!;
  const onLocked = () => {
    if (Object.keys(overrides).length > 0) store.setConfig(study.id, config);
    if (changed.length > 0) store.setEvaluator(study.id, recorded);
  };
  return { store, study, resolved: { ...fresh, evaluator: recorded }, onLocked, notes };
}

export interface SearchResult {
  readonly study: string;
  readonly db: string;
  readonly status: StudyOutcome['status'];
  readonly reason: StudyOutcome['reason'];
  readonly evaluations: number;
  readonly failed: number;
  readonly hypervolume: number;
  /** The feasible non-dominated candidates, with their gene values and every metric recorded. */
  readonly frontier: readonly FrontierEntry[];
}

function resultOf(store: SqliteStore, study: StudyRecord, resolved: ResolvedStudy, outcome: StudyOutcome): SearchResult {
  return {
    study: study.name,
    db: store.path,
    status: outcome.status,
    reason: outcome.reason,
    evaluations: outcome.evaluations,
    failed: outcome.failed,
    hypervolume: outcome.hypervolume,
    frontier: frontierEntries(store, study, resolved, outcome),
  };
}

/**
 * Runs a new study from a configuration (the fields of study.yaml; `db: ':memory:'` keeps nothing) to its end and
 * returns its frontier. A bad configuration throws a UsageError before anything is written.
 */
export async function runSearch(config: StudyConfigInput, options: RunOptions & { readonly hwnasVersion?: string } = {}): Promise<SearchResult> {
  const resolved = await prepareStudy(config);
  const { store, study } = createStudyRecord(resolved, options.hwnasVersion ?? 'library');
  try {
    return resultOf(store, study, resolved, await runPreparedStudy(store, study, resolved, options));
  } finally {
    store.close();
  }
}

/** Continues a recorded study (see reopenStudy) to its end and returns its frontier, as `hwnas resume`. */
export async function resumeSearch(
  name: string,
  options: RunOptions & { readonly db?: string; readonly overrides?: Readonly<Record<string, unknown>>; readonly force?: boolean } = {},
): Promise<SearchResult> {
  const { store, study, resolved, onLocked } = reopenStudy(name, options);
  try {
    return resultOf(store, study, resolved, await runPreparedStudy(store, study, resolved, { ...options, onLocked }));
  } finally {
    store.close();
  }
}
