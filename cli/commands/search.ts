import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Command } from '../command.js';
import { helpText, parseFlags, type FlagSpecs } from '../args.js';
import { UsageError } from '../errors.js';
import { defaultDbPath, openStore, openStoreWaitLine, storageOf } from '../open-store.js';
import { isPostgresUrl } from '../../search/store/index.js';
import { checkOutput } from '../output.js';
import { executeStudy, progressMode, reportStudy, studyState } from '../run-study.js';
import { HWNAS_VERSION } from '../version.js';
import { countText } from '../format.js';
import { defaultDirection, METRIC_ALIASES, missingMetrics } from '../../core/objectives.js';
import { METRICS } from '../../core/metrics.js';
import { createRng } from '../../core/rng.js';
import { SPACES } from '../../core/spaces/index.js';
import { deviceIds } from '../../hardware/devices.js';
import { BUILTIN_LAW_IDS } from '../../predictors/loss/index.js';
import { lossRangeWarnings } from '../../search/loss-range.js';
import { lossPricingPart, specParts } from '../../search/evaluate/registry.js';
import { analyticMetrics, DEFAULT_PRECISION_LOSS, lawOfSpec, type AnalyticSpec } from '../../search/evaluate/analytic.js';
import { ROOFLINE_LATENCY_METRICS } from '../../search/evaluate/farm.js';
import { MEASURE_ON_NEEDS_SERVER, checkStudyMetrics, createStudyRecord, reopenStudy } from '../../search/run-search.js';
import type { StudyRecord } from '../../search/store/index.js';
import { inputDifferences, type StudyInputs } from '../../search/study-inputs.js';
import { STRATEGIES } from '../../search/strategies/index.js';
import { flagOf, identityDifferences, parseStudyConfig, resolveStudy, userConfigKeys, type ResolvedStudy, type StudyConfig } from '../../search/study-config.js';

const FLAGS = {
  space: { type: 'string', value: 'id|file', help: 'the search space (below), or a space file (.json/.yaml)', group: 'what to search' },
  device: { type: 'string', value: 'id|file.json', help: `the device: ${deviceIds().join(', ')}, or a profile file`, group: 'what to search' },
  objectives: { type: 'string', value: 'm1,m2[,m3]', help: 'metrics to optimise, comma-separated; min:/max: sets a direction (default loss,latency)', group: 'what to search' },
  constraint: { type: 'string', multiple: true, value: 'spec', help: 'a budget every frontier candidate meets: "decodeMsPerToken<=20", "memory<=8GiB" (repeatable)', group: 'what to search' },
  devices: { type: 'string', value: 'a,b[,c]', help: 'split each candidate over these devices in order: its cuts become genes, priced as hwnas split prices one partition', group: 'what to search' },
  link: { type: 'string', value: '100Mbit/s,2ms', help: "--devices: the link between consecutive devices, bandwidth and latency (hwnas split --help)", group: 'what to search' },
  batch: { type: 'string', value: 'N', help: 'workload: sequences per request (default 1)', group: 'what to search' },
  prompt: { type: 'string', value: 'N', help: 'workload: prompt tokens (default 1024)', group: 'what to search' },
  generate: { type: 'string', value: 'N', help: 'workload: generated tokens (default 16)', group: 'what to search' },
  strategy: { type: 'string', value: 'id', help: 'the search strategy (below; default nsga2)', group: 'how' },
  'strategy-options': { type: 'string', value: 'json', help: `the strategy's options as JSON, e.g. '{"populationSize":50}'`, group: 'how' },
  seed: { type: 'string', value: 'S', help: 'seed: the same seed gives the same study (default 0)', group: 'how' },
  'generation-size': { type: 'string', value: 'N', help: 'candidates asked per generation (default 64)', group: 'how' },
  evaluations: { type: 'string', value: 'N', help: 'budget: candidates evaluated in total, over every session of the study (default 1000)', group: 'budget' },
  'wall-time': { type: 'string', value: '10m', help: 'budget: running time in total (90s, 10m, 2h)', group: 'budget' },
  patience: { type: 'string', value: 'G', help: 'budget: stop after G generations without a better hypervolume', group: 'budget' },
  latency: { type: 'string', value: 'analytic|calibrated|measured|predicted|table', help: "where latency comes from: the roofline on --device (default), on a calibrated --device-file, timed on this machine, a HELP-style --predictor, or (nb201, fbnet) the --device's column of HELP's measured table", group: 'pricing' },
  'device-file': { type: 'string', value: 'device.json', help: 'a calibrated profile from hwnas calibrate', group: 'pricing' },
  'measure-on': { type: 'string', value: 'a,b[,c]', help: 'measure latency on each of these devices (ids or profile files), each by its own hwnas worker --device-file on a server storage; objectives name them as latency@<device>', group: 'pricing' },
  predictor: { type: 'string', value: 'dir', help: '--latency predicted: a predictor from hwnas predictor meta-train', group: 'pricing' },
  'predictor-device': { type: 'string', value: 'name', help: '--latency predicted: the device it was adapted to (hwnas predictor adapt)', group: 'pricing' },
  'loss-law': { type: 'string', value: 'id|law.json', help: `loss law: ${BUILTIN_LAW_IDS.join(', ')} (default codesign), or a law file from hwnas fit`, group: 'pricing' },
  'training-tokens': { type: 'string', value: 'N', help: 'training tokens D the loss is predicted at (default 1e10)', group: 'pricing' },
  'training-precision': { type: 'string', value: 'bf16|int8|int4', help: 'the precision candidates are trained in unless they say (default bf16); below 16 bits it costs loss (Kumar et al. 2025, Scaling Laws for Precision)', group: 'pricing' },
  'ptq-b': { type: 'string', value: 'none|exponent', help: "how Kumar et al.'s unresolved constant b of the post-training quantisation penalty is read (default none)", group: 'pricing' },
  ideal: { type: 'boolean', help: 'the pure roofline: efficiency 1, no per-operator overhead', group: 'pricing' },
  paper: { type: 'boolean', help: 'the closed forms of the co-design paper (arXiv 2602.10377)', group: 'pricing' },
  evaluator: { type: 'string', value: 'analytic', help: 'the evaluator (analytic; --latency chooses the others)', group: 'pricing' },
  'evaluator-command': { type: 'string', value: '"cmd"', help: 'your own evaluator: a command run per candidate (a candidate JSON on stdin, metrics JSON on stdout)', group: 'your own evaluator' },
  'evaluator-module': { type: 'string', value: 'eval.ts', help: 'your own evaluator: a JS/TS module exporting evaluate(candidate)', group: 'your own evaluator' },
  'evaluator-table': { type: 'string', value: 'metrics.csv', help: 'your own evaluator: a table of metrics per candidate', group: 'your own evaluator' },
  metric: { type: 'string', multiple: true, value: 'max:name:unit', help: 'a metric your evaluator gives, with its direction and unit, e.g. max:accuracy:% (repeatable)', group: 'your own evaluator' },
  retries: { type: 'string', value: 'N', help: '--evaluator-command: tries per candidate before it counts as failed', group: 'your own evaluator' },
  'table-key': { type: 'string', value: 'arch_str|genes|values', help: "--evaluator-table: the column that names the candidate (default: read from the table's header)", group: 'your own evaluator' },
  threads: { type: 'string', value: 'T', help: 'worker threads (default 0: in this process)', group: 'running' },
  'chunk-size': { type: 'string', value: 'N', help: 'candidates per worker task (default 16)', group: 'running' },
  'timeout-ms': { type: 'string', value: 'ms', help: 'time allowed per candidate before it counts as failed', group: 'running' },
  name: { type: 'string', value: 'study', help: 'the study name (default: space-device-strategy-seed-objectives-constraints)', group: 'the study' },
  db: { type: 'string', value: 'file|url', help: 'the database: an SQLite file (default hwnas.db, or $HWNAS_STORAGE / $HWNAS_DB) or a postgresql:// URL', group: 'the study' },
  storage: { type: 'string', value: 'url', help: 'the same as --db: postgresql://user@host:5432/db (workers on any machine: hwnas worker)', group: 'the study' },
  'workers-only': { type: 'boolean', help: 'with a server storage: evaluate nothing here, leave every candidate to hwnas worker processes', group: 'the study' },
  config: { type: 'string', short: 'c', value: 'study.yaml', help: `a study file; flags override its fields (${userConfigKeys().join(', ')})`, group: 'the study' },
  out: { type: 'string', value: 'frontier.json', help: 'write the frontier document (as hwnas export --format json)', group: 'output' },
  json: { type: 'boolean', help: 'results as one JSON object on stdout; progress as JSON lines on stderr', group: 'output' },
  quiet: { type: 'boolean', help: 'no progress; the summary line only', group: 'output' },
  plain: { type: 'boolean', help: 'progress as plain lines, even on a terminal', group: 'output' },
  // The slow test evaluator's knob (tests and demos): accepted, not listed.
  'cost-ms': { type: 'string', value: 'ms', help: 'slow test evaluator: CPU time per candidate', hidden: true },
} as const satisfies FlagSpecs;

const DESCRIPTION = `Searches a space for the Pareto frontier of the objectives under the constraints, as a study recorded in the
database: stopped or killed at any moment, it continues exactly where it was. Running the same search again
(same space, device, objectives, constraints, strategy, seed, workload, pricing) continues that study, or reports
it when its budget is already spent; a different search gets its own name. Results (the summary and the frontier)
go to stdout, progress to stderr.`;

function searchHelp(): string {
  const aliases = new Map<string, string[]>();
  for (const [alias, metric] of Object.entries(METRIC_ALIASES)) aliases.set(metric, [...(aliases.get(metric) ?? []), alias]);
  const pad = (s: string, n: number) => s.padEnd(n);
  const idWidth = Math.max(...[...Object.keys(SPACES), ...Object.keys(STRATEGIES)].map((id) => id.length)) + 1;
  const metricWidth = Math.max(...Object.keys(METRICS).map((m) => m.length + (aliases.get(m) ?? []).join(', ').length + 4));
  return helpText({
    usage: ['hwnas search --space <id> [--device <id>] [--objectives loss,latency] [--constraint "decodeMsPerToken<=20"] [flags]', 'hwnas search -c study.yaml [flags]'],
    description: DESCRIPTION,
    flags: FLAGS,
    sections: [
      { title: 'spaces (--space)', lines: Object.entries(SPACES).map(([id, s]) => `  ${pad(id, idWidth)} ${s.description}`) },
      { title: 'strategies (--strategy)', lines: Object.entries(STRATEGIES).map(([id, s]) => `  ${pad(id, idWidth)} ${s.description}`) },
      {
        title: 'metrics (--objectives, --constraint), with aliases; each is minimised unless marked max (max:/min: overrides)',
        lines: Object.entries(METRICS).map(([m, what]) => {
          const a = aliases.get(m);
          return `  ${pad(`${m}${a ? ` (${a.join(', ')})` : ''}`, metricWidth)} ${defaultDirection(m) === 'max' ? 'max' : 'min'}  ${what}`;
        }),
      },
      { title: 'constraint units', lines: ['  sizes: B, kB, MB, GB, KiB, MiB, GiB (memory<=8GiB); times: us, ms, s (ttft<=200ms); energy: mJ, J, kJ'] },
    ],
  });
}

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

const USER_EVALUATOR_FLAGS = ['evaluator-command', 'evaluator-module', 'evaluator-table', 'metric', 'retries', 'table-key'];

/** --evaluator-command/-module/-table with its --metric declarations → one entry of the config's `evaluators`. */
function userEvaluatorFromFlags(values: Record<string, unknown>): Record<string, unknown> | undefined {
  const given = (['evaluator-command', 'evaluator-module', 'evaluator-table'] as const).filter((f) => values[f] !== undefined);
  if (given.length === 0) {
    const stray = ['metric', 'retries', 'table-key'].find((f) => values[f] !== undefined);
    if (stray) throw new UsageError(`--${stray}: belongs to --evaluator-command, --evaluator-module or --evaluator-table, and none is given`);
    return undefined;
  }
  if (given.length > 1) throw new UsageError(`--${given[0]} and --${given[1]}: one evaluator of your own on the command line (several in a config file's evaluators:)`);
  if (values.metric === undefined) throw new UsageError(`--${given[0]}: declare the metrics it gives with --metric, e.g. --metric max:accuracy:%`);
  const kind = given[0].replace('evaluator-', '');
  if (values['table-key'] !== undefined && kind !== 'table') throw new UsageError('--table-key: only with --evaluator-table');
  if (values.retries !== undefined && kind !== 'command') throw new UsageError('--retries: only with --evaluator-command');
  return {
    [kind]: values[given[0]],
    metrics: values.metric,
    ...(values.retries !== undefined ? { retries: values.retries } : {}),
    ...(values['table-key'] !== undefined ? { key: values['table-key'] } : {}),
  };
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new UsageError(`${path}: malformed YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new UsageError(`${path}: expected a mapping of study fields at the top level`);
  return data as Record<string, unknown>;
}

/** Where a search goes: a new study under a free name, or the study this very configuration already is. */
type Placement = { readonly kind: 'new'; readonly name: string } | { readonly kind: 'same'; readonly study: StudyRecord };

/**
 * Optuna's load_if_exists, by configuration: a study of the same configuration (budget, threads and output
 * aside) is continued; a name held by a different configuration is refused when given with --name, and skipped
 * (name-2, name-3, …) when it is the default.
 */
async function place(dbPath: string, config: StudyConfig, inputs: StudyInputs, base: string, explicit: boolean): Promise<Placement> {
  if (!isPostgresUrl(dbPath) && !existsSync(dbPath)) return { kind: 'new', name: base };
  let store;
  try {
    // A server is opened for writing, as the search will: an empty one gets hwnas's schema (a read-only look refuses it).
    store = await openStore(dbPath, isPostgresUrl(dbPath) ? {} : { readonly: true, mustExist: true });
  } catch (error) {
    // A file another process has just created and not yet given its tables: no study in it yet. The creation
    // below settles a race for the name ('already exists').
    if (error instanceof UsageError && /empty database/.test(error.message)) return { kind: 'new', name: base };
    throw error;
  }
  try {
    for (let k = 1; k < 1000; k++) {
      const name = k === 1 ? base : `${base}-${k}`;
      const study = await store.getStudy(name);
      if (!study) return { kind: 'new', name };
      let differs: string[];
      try {
        differs = identityDifferences(parseStudyConfig(study.config), config).map(flagOf);
        // The same flags over an edited space, law or device file: another search.
        differs.push(...inputDifferences(study.inputs, inputs).map((key) => `the content of ${flagOf(key)}'s file`));
      } catch {
        differs = ['its stored configuration'];
      }
      if (differs.length === 0) return { kind: 'same', study };
      if (explicit) {
        throw new UsageError(
          `study '${name}' in ${store.location} is a different search (${differs.join(', ')} differ${differs.length === 1 ? 's' : ''}); continue it with 'hwnas resume ${name}', or choose another --name (or none: a default name of its own)`,
        );
      }
    }
  } finally {
    await store.close();
  }
  throw new UsageError(`${dbPath}: 999 studies already take the name '${base}' and its variants; give --name`);
}

/**
 * The study a `hwnas search` command line asks for, validated and resolved — flags over the study file — without
 * writing anything (the launcher checks its form with it).
 */
export function prepareSearch(argv: readonly string[]): { values: ReturnType<typeof parseFlags<typeof FLAGS>>['values']; config: StudyConfig; resolved: ResolvedStudy } {
  const { values } = parseFlags('search', argv, FLAGS);
  const fromFile = values.config ? readConfigFile(values.config) : {};
  const flagged: Record<string, unknown> = {};
  const workload: Record<string, unknown> = {};
  for (const [flag, value] of Object.entries(values)) {
    if (value === undefined || ['config', 'json', 'quiet', 'plain', 'storage', 'workers-only', ...USER_EVALUATOR_FLAGS].includes(flag)) continue;
    if (flag === 'constraint') flagged.constraints = value;
    else if (flag === 'strategy-options') {
      try {
        flagged.strategyOptions = JSON.parse(value as string);
      } catch {
        throw new UsageError(`--strategy-options: expected a JSON object such as '{"populationSize":50}', got '${String(value)}'`);
      }
    } else if (flag === 'batch') workload.batch = value;
    else if (flag === 'prompt') workload.promptTokens = value;
    else if (flag === 'generate') workload.generatedTokens = value;
    else if (flag === 'ideal' || flag === 'paper') {
      if (values.ideal && values.paper) throw new UsageError('--ideal and --paper exclude each other');
      flagged.mode = flag;
    } else flagged[camel(flag)] = value;
  }
  const flagKeys = new Set(Object.keys(flagged));
  if (Object.keys(workload).length > 0) {
    flagKeys.add('workload');
    const base = (fromFile.workload ?? {}) as Record<string, unknown>;
    flagged.workload = { ...(typeof base === 'object' ? base : {}), ...workload };
  }
  const entry = userEvaluatorFromFlags(values);
  if (entry) {
    flagKeys.add('evaluators');
    flagged.evaluators = [...(Array.isArray(fromFile.evaluators) ? fromFile.evaluators : []), entry];
  }
  if (!values.config && values.space === undefined) throw new UsageError(`--space is required (or a study file with -c); spaces: ${Object.keys(SPACES).join(', ')}`);
  const merged = { ...fromFile, ...flagged };
  const sources = { file: values.config, flagKeys };
  const config: StudyConfig = parseStudyConfig(merged, sources);
  return { values, config, resolved: resolveStudy(config, sources) };
}

/**
 * The objectives and constraints the analytic pricing of one sample candidate does not give (loss for a CNN
 * space), as the one-line refusal; null when all are there. Synchronous: the launcher checks its form with it.
 */
export function analyticMetricsProblem(resolved: ResolvedStudy): string | null {
  const spec = specParts(resolved.evaluator).find((p) => p.kind === 'analytic' || p.kind === 'measured' || p.kind === 'predicted') as AnalyticSpec | undefined;
  if (!spec) return null;
  const sample: Record<string, number> = analyticMetrics(resolved.space.decode(resolved.space.sample(createRng(resolved.config.seed))), { ...spec, kind: 'analytic' }, lawOfSpec(spec));
  // A study measured on several devices has no roofline latency: each device's is measured (search/evaluate/farm.ts).
  if (resolved.evaluator.kind === 'farm') for (const m of ROOFLINE_LATENCY_METRICS) delete sample[m];
  // The study's own evaluators and the shipped tables give what they declare.
  const metrics = { ...sample, ...Object.fromEntries(resolved.declared.map((d) => [d.name, 0])) };
  const missing = missingMetrics(metrics, resolved.objectives, resolved.constraints);
  return missing.length === 0 ? null : `--objectives/--constraint: space ${resolved.space.id} gives no ${missing.join(', ')}; it gives: ${Object.keys(metrics).join(', ')}`;
}

export const command: Command = {
  name: 'search',
  help: searchHelp,
  async run(argv) {
    const { values, config, resolved } = prepareSearch(argv);
    await checkStudyMetrics(resolved);
    const mode = progressMode(values);
    const spec = lossPricingPart(resolved.evaluator);
    if (spec && mode !== 'quiet' && resolved.objectives.some((o) => o.metric === 'loss')) {
      const warnings = lossRangeWarnings(resolved.space, spec.law, { trainingTokens: spec.trainingTokens, ...(spec.precisionLoss ?? DEFAULT_PRECISION_LOSS) }, { seed: config.seed });
      const head = `loss law ${spec.law} (at ${countText(spec.trainingTokens)} training tokens) is used outside the range it was fitted on; its losses there are extrapolations`;
      // Progress and warnings share stderr; with --json every line there is a JSON object.
      if (warnings.length > 0 && mode === 'json') process.stderr.write(JSON.stringify({ type: 'warning', message: head, details: warnings }) + '\n');
      else if (warnings.length > 0) console.error(`warning: ${head}:\n${warnings.map((w) => `  ${w}`).join('\n')}`);
    }
    if (config.out !== undefined) checkOutput({ flag: 'out', path: config.out });
    // A flag beats the study file's db, which beats $HWNAS_STORAGE / $HWNAS_DB.
    const dbPath = values.storage !== undefined || values.db !== undefined ? storageOf(values) : (config.db ?? defaultDbPath());
    const workersOnly = values['workers-only'] ?? false;
    if (workersOnly && !isPostgresUrl(dbPath)) throw new UsageError('--workers-only: needs a server storage (--storage postgresql://…); an SQLite study is evaluated by its own process');
    if (resolved.evaluator.kind === 'farm' && !isPostgresUrl(dbPath)) throw new UsageError(MEASURE_ON_NEEDS_SERVER);
    const placement = await place(dbPath, config, resolved.inputs, resolved.name, config.name !== undefined);
    if (placement.kind === 'new') {
      const named = { ...resolved, name: placement.name };
      const { store, study } = await createStudyRecord(named, HWNAS_VERSION, { storage: dbPath, onWait: openStoreWaitLine });
      try {
        return await executeStudy({ store, storage: dbPath, study, resolved: named, mode, out: config.out, workersOnly });
      } finally {
        await store.close();
      }
    }
    return continueStudy({ dbPath, study: placement.study, resolved, mode, config, workersOnly });
  },
};

/**
 * The same search again: priced exactly as it began (the evaluator recorded then), continued to the budget now
 * given, or — when that budget is already spent — reported without running or writing anything.
 */
async function continueStudy(opts: { dbPath: string; study: StudyRecord; resolved: ResolvedStudy; mode: ReturnType<typeof progressMode>; config: StudyConfig; workersOnly: boolean }): Promise<number> {
  const { dbPath, study, config, mode } = opts;
  const resolved: ResolvedStudy = { ...opts.resolved, name: study.name, ...(study.evaluator ? { evaluator: study.evaluator as ResolvedStudy['evaluator'] } : {}) };
  const probe = await openStore(dbPath, { readonly: true, mustExist: !isPostgresUrl(dbPath) });
  let state;
  try {
    state = await studyState(probe, study, resolved);
    if (state.stopsAt !== undefined) {
      if (mode !== 'json' && mode !== 'quiet') console.error(`study ${study.name} is this search, and its budget is spent (${state.stopsAt}, ${state.evaluations} evaluated); reporting it. Evaluate more with: hwnas resume ${study.name} --more N`);
      return await reportStudy({ store: probe, study, resolved, mode, out: config.out, state });
    }
  } finally {
    await probe.close();
  }
  if (mode !== 'json' && mode !== 'quiet') console.error(`study ${study.name} is this search: continuing it from ${state.evaluations} evaluated to ${config.evaluations} in total`);
  // Reopened as hwnas resume does: the recorded evaluator, refused if the study's own evaluator files changed.
  const overrides = Object.fromEntries((['evaluations', 'wallTime', 'patience', 'threads', 'chunkSize', 'timeoutMs', 'out'] as const).flatMap((k) => (config[k] !== undefined ? [[k, config[k]]] : [])));
  const reopened = await reopenStudy(study.name, { storage: dbPath, overrides, onWait: openStoreWaitLine });
  try {
    for (const note of reopened.notes) console.error(note);
    return await executeStudy({ store: reopened.store, storage: dbPath, study: reopened.study, resolved: reopened.resolved, onLocked: reopened.onLocked, mode, out: config.out, workersOnly: opts.workersOnly, announced: true });
  } finally {
    await reopened.store.close();
  }
}

