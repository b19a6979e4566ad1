/**
 * Running a study as it is stored: its recorded config, evaluator spec and copies of its files, nothing read from
 * the files it was started with. What a worker taking over an orphaned study does on a server store, where the
 * coordinator evaluates nothing itself (the workers do, this one's own loop among them).
 */
import type { EvaluatorSpec } from './evaluate/registry.js';
import { runPreparedStudy } from './run-search.js';
import type { Store } from './store/store.js';
import type { StudyRecord } from './store/types.js';
import { parseStudyConfig, resolveStudy, type ResolvedStudy } from './study-config.js';
import type { StudyEvent, StudyOutcome } from './study.js';

/** A stored study, resolved from its record alone. */
export function resolveStored(study: StudyRecord, where: string): ResolvedStudy {
  const file = `${where}: study '${study.name}' config`;
  const config = parseStudyConfig(study.config, { file });
  // The copies of its files and its evaluator spec as the study recorded them: none of its files is read here.
  const evaluator = study.evaluator as EvaluatorSpec | undefined;
  return resolveStudy(config, { file }, { ...(study.inputs ? { inputs: study.inputs } : {}), ...(evaluator ? { evaluator } : {}) });
}

/** Coordinates a stored study on a server store (workers evaluate) until it ends or the signal aborts. */
export function coordinateStored(store: Store, study: StudyRecord, opts: { signal?: AbortSignal; onEvent?: (e: StudyEvent) => void } = {}): Promise<StudyOutcome> {
  return runPreparedStudy(store, study, resolveStored(study, store.location), { ...opts, workersOnly: true });
}
