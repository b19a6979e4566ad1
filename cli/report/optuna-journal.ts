/**
 * `hwnas export --format optuna`: a study as an Optuna journal, the JSON-lines log that Optuna's
 * JournalStorage(JournalFileBackend(path)) replays (optuna/storages/journal/_storage.py, _file.py), so that
 * `optuna-dashboard <file>` — or `optuna.load_study(storage=…)` — shows it.
 *
 * One CREATE_STUDY (directions in each metric's own sign), the metric names and hwnas's provenance as study
 * attributes, then one CREATE_TRIAL per candidate in ask order: genes as categorical parameters (internal value:
 * the choice index, which is what hwnas stores), objective values, every metric as a user attribute, the
 * normalised violation of each constraint under system_attrs.constraints (Optuna's convention: ≤ 0 feasible),
 * and a failed candidate as a FAIL trial. hwnas keeps no wall-clock time per candidate: a trial's start is the
 * study's creation plus the evaluation time of the candidates before it, its end that plus its own.
 */
import { constraintViolation, parseConstraints } from '../../core/objectives.js';
import type { StudyData } from './study-data.js';

/** Optuna's JournalOperation codes. */
const OP = { CREATE_STUDY: 0, SET_STUDY_USER_ATTR: 2, SET_STUDY_SYSTEM_ATTR: 3, CREATE_TRIAL: 4 } as const;
/** Optuna's StudyDirection and TrialState values. */
const DIRECTION = { min: 1, max: 2 } as const;
const STATE = { COMPLETE: 1, FAIL: 3 } as const;

const WORKER = 'hwnas-export-0';

/** Python's datetime.isoformat(timespec="microseconds") of a naive UTC time, which fromisoformat reads back. */
function isoMicro(ms: number): string {
  const d = new Date(ms);
  const frac = String(Math.round((ms - Math.floor(ms)) * 1000)).padStart(3, '0');
  return `${d.toISOString().slice(0, 23)}${frac}`;
}

function finiteOrString(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

export function optunaJournal(data: StudyData, opts: { all?: boolean } = {}): { text: string; trials: number } {
  const { study, space, objectives } = data;
  const logs: Record<string, unknown>[] = [];
  const log = (op: number, fields: Record<string, unknown>) => logs.push({ op_code: op, worker_id: WORKER, ...fields });
  log(OP.CREATE_STUDY, { study_name: study.name, directions: objectives.map((o) => DIRECTION[o.direction]) });
  log(OP.SET_STUDY_SYSTEM_ATTR, { study_id: 0, system_attr: { 'study:metric_names': objectives.map((o) => o.metric) } });
  const attrs: Record<string, unknown> = {
    hwnas_study: study.name,
    hwnas_version: study.hwnasVersion,
    space: study.space,
    device: study.device || null,
    strategy: study.strategy,
    seed: study.seed,
    objectives: study.objectives,
    constraints: study.constraints,
    evaluator: study.evaluator ?? null,
  };
  for (const [k, v] of Object.entries(attrs)) log(OP.SET_STUDY_USER_ATTR, { study_id: 0, user_attr: { [k]: v } });

  const constraints = parseConstraints(study.constraints);
  const distributions = Object.fromEntries(space.genes.map((g) => [g.name, JSON.stringify({ name: 'CategoricalDistribution', attributes: { choices: g.choices } })]));
  const frontier = new Set(data.frontier.map((c) => c.seq));
  const rows = opts.all === false ? data.candidates.filter((c) => frontier.has(c.seq)) : data.candidates;
  let clockMs = study.createdAt;
  for (const c of [...rows].sort((a, b) => a.seq - b.seq)) {
    const start = clockMs;
    clockMs += c.evalMs ?? 0;
    const ok = c.status === 'done' && c.metrics !== undefined;
    const values = ok ? objectives.map((o) => c.metrics![o.metric]) : null;
    const trial: Record<string, unknown> = {
      study_id: 0,
      state: ok ? STATE.COMPLETE : STATE.FAIL,
      // Optuna's own template: a single objective goes in "value", several in "values".
      value: values && values.length === 1 ? values[0] : null,
      values: values && values.length > 1 ? values : null,
      datetime_start: isoMicro(start),
      datetime_complete: isoMicro(clockMs),
      distributions,
      params: Object.fromEntries(space.genes.map((g, i) => [g.name, c.genes[i]])),
      user_attrs: { seq: c.seq, hash: c.hash, generation: c.generation, onFrontier: frontier.has(c.seq), ...(ok ? Object.fromEntries(Object.entries(c.metrics!).map(([k, v]) => [k, finiteOrString(v)])) : { error: c.error ?? 'failed' }) },
      system_attrs: ok && constraints.length > 0 ? { constraints: constraints.map((k) => finiteOrString(constraintViolation(c.metrics!, k))) } : {},
      intermediate_values: {},
    };
    log(OP.CREATE_TRIAL, trial);
  }
  return { text: logs.map((l) => JSON.stringify(l)).join('\n') + '\n', trials: rows.length };
}
