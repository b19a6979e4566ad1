/**
 * A study from its configuration to its frontier, as the library and the CLI run it: check the metrics before
 * anything is written, create (or reopen) the study, build its evaluator (worker threads or in-process), run the
 * loop, read the frontier back with its metrics. The CLI adds progress output and signals around the same steps.
 * The study lives in an SQLite file or on a PostgreSQL server (a postgresql:// URL): on a server this process
 * coordinates and, unless workers-only, evaluates beside `hwnas worker` processes.
 */
import { existsSync } from 'node:fs';
import { missingMetrics, nanMetricMessage, nanMetrics } from '../core/objectives.js';
import { createRng } from '../core/rng.js';
import { UsageError } from '../core/usage-error.js';
import type { Evaluator } from './evaluate/evaluator.js';
import { changedEvaluatorFiles, rehashEvaluatorFiles, taskDeviceOf, usesWorkerThreads, withThreads } from './evaluate/recorded-spec.js';
import { loadEvaluatorModule } from './evaluate/module.js';
import { createPoolEvaluator, evaluateGuarded } from './evaluate/pool.js';
import { createEvaluator, specParts, type EvaluatorSpec } from './evaluate/registry.js';
import { studyTimeoutMsPerCandidate } from './evaluate/timeouts.js';
import { DEFAULT_DB, StoreError, StudyExistsError, contentHash, isPostgresUrl, openStore, type NewStudy, type Store, type StudyRecord } from './store/index.js';
import { parseStudyConfig, resolveStudy, type ConfigSources, type ResolvedStudy, type StudyConfigInput } from './study-config.js';
import { spaceRefName } from './space-file.js';
import { runStudy, type StudyEvent, type StudyOutcome } from './study.js';
import { changedInputs } from './study-inputs.js';
import { runWorker } from './worker.js';

/**
 * The spec without the parts whose metrics are declared rather than probed (a user's command or module); measured
 * and predicted latency probed as the analytic metrics they add to (a measurement takes minutes on a small CPU).
 */
function probeSpec(spec: EvaluatorSpec): EvaluatorSpec | undefined {
  if (spec.kind === 'command' || spec.kind === 'module') return undefined;
  if (spec.kind === 'measured' || spec.kind === 'predicted') return { ...spec, kind: 'analytic' } as EvaluatorSpec;
  // A farm study's measured parts give what the catalog declares for each device.
  if (spec.kind === 'farm') return probeSpec(spec.base);
  if (spec.kind !== 'combined') return spec;
  const parts = spec.parts.filter((p) => p.kind !== 'command' && p.kind !== 'module').map((p) => probeSpec(p)!);
  return parts.length === 0 ? undefined : { ...spec, parts };
}

/** The kinds of a spec's parts, for messages: 'analytic+table+measured'. */
function evaluatorKinds(spec: EvaluatorSpec): string {
  return [...new Set(specParts(spec).filter((p) => p.kind !== 'combined' && p.kind !== 'farm').map((p) => p.kind))].join('+');
}

/** Why a study measured on several devices cannot run in one process. */
export const MEASURE_ON_NEEDS_SERVER =
  '--measure-on: a study measured on several devices needs a server storage (--storage postgresql://…) and a worker on each device (hwnas worker --device-file <device>)';

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
      const [result] = await evaluateGuarded(evaluator, [resolved.space.decode(genes)], studyTimeoutMsPerCandidate(probe, resolved.config.timeoutMs), [genes]);
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
    const kinds = evaluatorKinds(resolved.evaluator);
    throw new UsageError(`--objectives/--constraint: the ${kinds} evaluator gives no ${missing.join(', ')} for space ${resolved.space.id}; it gives: ${Object.keys(given).join(', ')}`);
  }
  // What the strategy itself reads from every result (MnasNet's reward: an accuracy and a latency).
  const read = resolved.strategy.readsMetrics?.({ options: resolved.config.strategyOptions, objectives: resolved.objectives }) ?? [];
  const unread = read.find((r) => typeof given[r.metric] !== 'number');
  if (unread) {
    const kinds = evaluatorKinds(resolved.evaluator);
    throw new UsageError(`--strategy ${resolved.strategy.id}: the ${kinds} evaluator gives no '${unread.metric}' for space ${resolved.space.id} (it gives: ${Object.keys(given).join(', ')}); ${unread.why}`);
  }
}

/** The study's limit per candidate (evaluate/timeouts.ts): every evaluator kind has one. */
function timeoutOf(resolved: ResolvedStudy): number {
  return studyTimeoutMsPerCandidate(resolved.evaluator, resolved.config.timeoutMs);
}

export function createStudyEvaluator(resolved: ResolvedStudy): Promise<Evaluator> {
  const c = resolved.config;
  if (usesWorkerThreads(resolved.evaluator, c.threads)) {
    return Promise.resolve(createPoolEvaluator({ spec: resolved.evaluator, threads: c.threads, chunkSize: oneAtATime(resolved.evaluator) ? 1 : c.chunkSize, timeoutMsPerCandidate: timeoutOf(resolved) }));
  }
  return createEvaluator(resolved.evaluator);
}

export interface RunOptions {
  readonly onEvent?: (event: StudyEvent) => void;
  /**
   * Aborting stops the study with a checkpoint to resume from: after the evaluator call in flight, or at once when
   * the evaluator honours the signal (the measured one does; the candidate in flight is evaluated again on resume).
   */
  readonly signal?: AbortSignal;
  /** Wraps the evaluator (the live view's pause gate on SQLite; on a server, this process's own worker's). */
  readonly wrapEvaluator?: (evaluator: Evaluator) => Evaluator;
  /**
   * On a server store: awaited before each generation is asked and before each lease of this process's own worker
   * (the live view's pause: the other workers finish the generation in flight, nothing new is asked). It must
   * return once the signal given aborts.
   */
  readonly hold?: (signal?: AbortSignal) => Promise<void>;
  /** On a server store: evaluate nothing in this process, leave every candidate to `hwnas worker` processes. */
  readonly workersOnly?: boolean;
  /** Lines about the server and this process's own worker (a server that went away, a study it cannot evaluate). */
  readonly log?: (line: string) => void;
  /** Run once the study's lock is held, before it starts (a resume's changes to the study: see reopenStudy). */
  readonly onLocked?: () => void | Promise<void>;
}

/**
 * Runs a created (or recorded) study to its end, or to the signal. With an SQLite store this process evaluates
 * (its evaluator is closed however the run ends); with a server store it coordinates, and its own worker (unless
 * workers-only) leases the study's candidates beside the other workers.
 */
export async function runPreparedStudy(store: Store, study: StudyRecord, resolved: ResolvedStudy, options: RunOptions = {}): Promise<StudyOutcome> {
  const c = resolved.config;
  const common = {
    store,
    study,
    space: resolved.space,
    strategy: resolved.strategy,
    strategyOptions: c.strategyOptions,
    objectives: resolved.objectives,
    constraints: resolved.constraints,
    budget: resolved.budget,
    batchSize: c.generationSize,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onLocked ? { onLocked: options.onLocked } : {}),
    // Every kind has a limit; a command's own (which kills its process group) stays in front of the shared one.
    timeoutMsPerCandidate: timeoutOf(resolved),
  };
  if (store.queue) {
    const device = taskDeviceOf(resolved.evaluator);
    const workerStop = new AbortController();
    const worker = options.workersOnly
      ? undefined
      : runWorker({
          queue: store.queue,
          studyIds: [study.id],
          devices: device === null ? [null] : [null, device],
          threads: c.threads,
          signal: workerStop.signal,
          ...(options.wrapEvaluator ? { wrapEvaluator: options.wrapEvaluator } : {}),
          ...(options.hold ? { hold: options.hold } : {}),
          ...(options.log ? { log: options.log } : {}),
        });
    try {
      return await runStudy({ ...common, taskDevice: device, ...(resolved.evaluator.kind === 'farm' ? { farm: resolved.evaluator } : {}), ...(options.hold ? { beforeAsk: options.hold } : {}) });
    } finally {
      workerStop.abort();
      await worker?.catch(() => undefined);
    }
  }
  if (options.workersOnly) throw new UsageError(`workers-only: needs a server storage (postgresql://…); a study in ${store.location} is evaluated by its own process`);
  if (resolved.evaluator.kind === 'farm') throw new UsageError(MEASURE_ON_NEEDS_SERVER);
  let evaluator: Evaluator | undefined;
  try {
    evaluator = await createStudyEvaluator(resolved);
    if (options.wrapEvaluator) evaluator = options.wrapEvaluator(evaluator);
    return await runStudy({
      ...common,
      evaluator,
      recordEvery: oneAtATime(resolved.evaluator) ? 1 : c.chunkSize * Math.max(1, c.threads),
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
export async function frontierEntries(store: Store, study: StudyRecord, resolved: ResolvedStudy, outcome: StudyOutcome): Promise<FrontierEntry[]> {
  const entries: FrontierEntry[] = [];
  for (const p of outcome.frontier) {
    const rec = await store.candidate(study.id, contentHash(resolved.space.id, resolved.space.key(p.genes)));
    entries.push({ seq: p.seq, genes: resolved.space.describe(p.genes), metrics: rec?.metrics ?? {} });
  }
  return entries;
}

export interface OpenStudyStoreOptions {
  readonly mustExist?: boolean;
  readonly readonly?: boolean;
  /** Told when a server goes away mid-study (and when it is back): the study waits for it. */
  readonly onWait?: (message: string) => void;
}

/**
 * Opens a storage (an SQLite file, or a postgresql:// URL), turning a refused, missing or unreachable one into a
 * one-line usage error; a fault of the machine (a full disk) stays a StoreError with its own exit code.
 */
export async function openStudyStore(location: string, options: OpenStudyStoreOptions = {}): Promise<Store> {
  try {
    return await openStore(location, options);
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

/** Where a study lives: `storage` when given, else the config's db, else hwnas.db in the working directory. */
export function storageOfStudy(resolved: ResolvedStudy, storage?: string): string {
  return storage ?? resolved.config.db ?? DEFAULT_DB;
}

/**
 * Creates the study's record in `storage` (see storageOfStudy); a name already there is refused (resume it
 * instead). A server URL, which may carry a password, is never stored with the study.
 */
export async function createStudyRecord(resolved: ResolvedStudy, hwnasVersion: string, options: { readonly storage?: string; readonly onWait?: (message: string) => void } = {}): Promise<{ store: Store; study: StudyRecord }> {
  const location = storageOfStudy(resolved, options.storage);
  const server = isPostgresUrl(location);
  const onWait = options.onWait ? { onWait: options.onWait } : {};
  const taken = (where: string) => new UsageError(`study '${resolved.name}' already exists in ${where}; continue it with 'hwnas resume ${resolved.name}' or choose another --name`);
  // Check the name before creating anything: an existing database is opened for it first.
  if (server || existsSync(location)) {
    const probe = await openStudyStore(location, { mustExist: !server, ...onWait });
    let clash: StudyRecord | undefined;
    try {
      clash = await probe.getStudy(resolved.name);
    } finally {
      await probe.close();
    }
    if (clash) throw taken(probe.location);
  }
  const store = await openStudyStore(location, onWait);
  try {
    const config = resolved.config.db !== undefined && isPostgresUrl(resolved.config.db) ? { ...resolved.config, db: undefined } : resolved.config;
    // Another process may take the name between the check above and the insert: the same line then.
    const create = async (study: NewStudy) => {
      try {
        return await store.createStudy(study);
      } catch (error) {
        if (error instanceof StudyExistsError) throw taken(store.location);
        throw error;
      }
    };
    const study = await create({
      name: resolved.name,
      config,
      seed: resolved.config.seed,
      space: spaceRefName(resolved.config.space),
      device: resolved.config.measureOn ?? resolved.config.device ?? '',
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
    await store.close();
    throw error;
  }
}

export interface ReopenOptions {
  /** The storage: an SQLite file or a postgresql:// URL (default hwnas.db). `db` is the same, by its older name. */
  readonly storage?: string;
  readonly db?: string;
  readonly overrides?: Readonly<Record<string, unknown>>;
  readonly force?: boolean;
  readonly onWait?: (message: string) => void;
}

function reopenLocation(options: ReopenOptions): string {
  if (options.storage !== undefined && options.db !== undefined && options.storage !== options.db) throw new UsageError('db and storage name the same thing: give one of them');
  return options.storage ?? options.db ?? DEFAULT_DB;
}

/**
 * Reopens a recorded study to continue it, with a larger budget or other threads (`overrides`, as study fields):
 * its evaluator as recorded when it began (device profile inline), refused if the files of its own evaluators
 * changed since, unless `force` (then their new identity is recorded). Nothing is written here: what the resume
 * changes in the study (the config, the evaluator's new identity) is in `onLocked`, for the run to write once the
 * study's lock is held — a resume refused because another process runs the study changes nothing.
 */
export async function reopenStudy(
  name: string,
  options: ReopenOptions = {},
): Promise<{ store: Store; study: StudyRecord; resolved: ResolvedStudy; onLocked: () => Promise<void>; notes: string[] }> {
  const location = reopenLocation(options);
  const overrides = options.overrides ?? {};
  const onWait = options.onWait ? { onWait: options.onWait } : {};
  const probe = await openStudyStore(location, { readonly: true, ...onWait });
  const where = probe.location;
  let found: StudyRecord | undefined;
  let names: string[];
  try {
    found = await probe.getStudy(name);
    names = (await probe.listStudies()).map((s) => s.name);
  } finally {
    await probe.close();
  }
  if (!found) throw new UsageError(`unknown study '${name}' in ${where}; studies: ${names.join(', ') || '(none)'}`);
  const stored = parseStudyConfig(found.config, { file: `${where}: study '${name}' config` });
  const sources = { flagKeys: new Set(Object.keys(overrides)) };
  const config = parseStudyConfig({ ...stored, ...overrides }, sources);
  const recordedSpec = found.evaluator as EvaluatorSpec | undefined;
  // The files the study read when it began are its stored copies (absent in studies recorded before they were kept).
  const fresh = resolveStudy(config, sources, { ...(found.inputs ? { inputs: found.inputs } : {}), ...(recordedSpec ? { evaluator: recordedSpec } : {}) });
  const notes = (found.inputs ? changedInputs(found.inputs) : []).map((change) => `study '${name}': ${change}; it goes on with the copy stored in the study`);
  let recorded = recordedSpec ? withThreads(recordedSpec, config.threads) : fresh.evaluator;
  // The study's own evaluators must be the ones its records came from.
  const changed = changedEvaluatorFiles(recorded);
  if (changed.length > 0) {
    if (!options.force) throw new UsageError(`study '${name}': its evaluator changed since it began: ${changed.join('; ')}; its records would not compare with new ones. Resume anyway with --force, or start a new study`);
    recorded = rehashEvaluatorFiles(recorded);
  }
  const store = await openStudyStore(location, { mustExist: true, ...onWait });
  try {
    const study = (await store.getStudy(name))!;
    const onLocked = async () => {
      if (Object.keys(overrides).length > 0) await store.setConfig(study.id, config);
      if (changed.length > 0) await store.setEvaluator(study.id, recorded);
    };
    return { store, study, resolved: { ...fresh, evaluator: recorded }, onLocked, notes };
  } catch (error) {
    await store.close();
    throw error;
  }
}

export interface SearchResult {
  readonly study: string;
  /** Where the study is: the SQLite file, or the server URL without its password. */
  readonly db: string;
  readonly status: StudyOutcome['status'];
  readonly reason: StudyOutcome['reason'];
  readonly evaluations: number;
  readonly failed: number;
  readonly hypervolume: number;
  /** The feasible non-dominated candidates, with their gene values and every metric recorded. */
  readonly frontier: readonly FrontierEntry[];
}

async function resultOf(store: Store, study: StudyRecord, resolved: ResolvedStudy, outcome: StudyOutcome): Promise<SearchResult> {
  return {
    study: study.name,
    db: store.location,
    status: outcome.status,
    reason: outcome.reason,
    evaluations: outcome.evaluations,
    failed: outcome.failed,
    hypervolume: outcome.hypervolume,
    frontier: await frontierEntries(store, study, resolved, outcome),
  };
}

/**
 * Runs a new study from a configuration (the fields of study.yaml; `db: ':memory:'` keeps nothing) to its end and
 * returns its frontier. `storage` (a file or a postgresql:// URL) replaces the config's db; on a server, workers
 * (`hwnas worker`) may share the evaluation. A bad configuration throws a UsageError before anything is written.
 */
export async function runSearch(config: StudyConfigInput, options: RunOptions & { readonly hwnasVersion?: string; readonly storage?: string } = {}): Promise<SearchResult> {
  const resolved = await prepareStudy(config);
  if (options.workersOnly && !isPostgresUrl(storageOfStudy(resolved, options.storage))) throw new UsageError('workersOnly: needs a server storage (postgresql://…)');
  const { store, study } = await createStudyRecord(resolved, options.hwnasVersion ?? 'library', { ...(options.storage !== undefined ? { storage: options.storage } : {}), ...waitOf(options) });
  try {
    return await resultOf(store, study, resolved, await runPreparedStudy(store, study, resolved, options));
  } finally {
    await store.close();
  }
}

/** Continues a recorded study (see reopenStudy) to its end and returns its frontier, as `hwnas resume`. */
export async function resumeSearch(name: string, options: RunOptions & Omit<ReopenOptions, 'onWait'> = {}): Promise<SearchResult> {
  if (options.workersOnly && !isPostgresUrl(reopenLocation(options))) throw new UsageError('workersOnly: needs a server storage (postgresql://…)');
  const { store, study, resolved, onLocked } = await reopenStudy(name, { ...options, ...waitOf(options) });
  try {
    return await resultOf(store, study, resolved, await runPreparedStudy(store, study, resolved, { ...options, onLocked }));
  } finally {
    await store.close();
  }
}

/** A server that goes away is waited for; the library says so through its log, when it has one. */
function waitOf(options: RunOptions): { onWait?: (message: string) => void } {
  return options.log ? { onWait: options.log } : {};
}
