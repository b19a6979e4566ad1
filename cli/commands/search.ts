import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Command } from '../command.js';
import { parseFlags } from '../args.js';
import { UsageError } from '../errors.js';
import { checkOutput } from '../output.js';
import { openStoreWaitLine, storageOf } from '../open-store.js';
import { executeStudy, progressMode } from '../run-study.js';
import { HWNAS_VERSION } from '../version.js';
import { createStudyRecord, prepareStudy } from '../../search/run-search.js';
import { isPostgresUrl } from '../../search/store/index.js';
import { studyConfigSchema } from '../../search/study-config.js';

const FLAGS = {
  config: { type: 'string', short: 'c' },
  name: { type: 'string' },
  db: { type: 'string' },
  storage: { type: 'string' },
  'workers-only': { type: 'boolean' },
  space: { type: 'string' },
  device: { type: 'string' },
  objectives: { type: 'string' },
  constraint: { type: 'string', multiple: true },
  strategy: { type: 'string' },
  'strategy-options': { type: 'string' },
  seed: { type: 'string' },
  evaluations: { type: 'string' },
  'wall-time': { type: 'string' },
  patience: { type: 'string' },
  'generation-size': { type: 'string' },
  evaluator: { type: 'string' },
  'cost-ms': { type: 'string' },
  threads: { type: 'string' },
  'chunk-size': { type: 'string' },
  'timeout-ms': { type: 'string' },
  batch: { type: 'string' },
  prompt: { type: 'string' },
  generate: { type: 'string' },
  'loss-law': { type: 'string' },
  'training-tokens': { type: 'string' },
  'training-precision': { type: 'string' },
  'ptq-b': { type: 'string' },
  latency: { type: 'string' },
  'device-file': { type: 'string' },
  devices: { type: 'string' },
  link: { type: 'string' },
  predictor: { type: 'string' },
  'predictor-device': { type: 'string' },
  'evaluator-command': { type: 'string' },
  'evaluator-module': { type: 'string' },
  'evaluator-table': { type: 'string' },
  metric: { type: 'string', multiple: true },
  retries: { type: 'string' },
  'table-key': { type: 'string' },
  ideal: { type: 'boolean' },
  paper: { type: 'boolean' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  plain: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

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

export const command: Command = {
  name: 'search',
  summary: 'search a space for the Pareto frontier, recorded as a resumable study',
  async run(argv) {
    const { values } = parseFlags('search', argv, FLAGS);
    if (values.help) {
      console.log(
        [
          'usage: hwnas search --space <id> [--device <id>] [--objectives loss,latency] [--constraint "decodeMsPerToken<=20"]...',
          '         [--strategy nsga2] [--evaluations N] [--wall-time 10m] [--patience G] [--seed S] [--name <study>]',
          '         [--db hwnas.db | --storage postgresql://user@host:5432/db [--workers-only]]   (also HWNAS_STORAGE; workers: hwnas worker)',
          '         [--evaluator analytic|slow-test] [--batch 1 --prompt 1024 --generate 16] [--loss-law codesign] [--ideal|--paper]',
          '         [--training-tokens 1e10] [--training-precision bf16|int8|int4] [--ptq-b none|exponent]   (loss = law + quantisation penalty, papers.md §5)',
          '         [--threads T] [--generation-size N] [--out frontier.json] [--json|--quiet|--plain]',
          '         [--latency analytic|calibrated|measured] [--device-file device.json]   (calibrated: a profile from hwnas calibrate; measured: timed here, one at a time)',
          '         [--latency predicted --predictor <dir> --predictor-device <name>]   (nb201/fbnet: a HELP-style predictor adapted with hwnas predictor adapt)',
          '         [--latency table --device pixel2]   (nb201/fbnet: the device\'s measured latency from HELP\'s shipped table)',
          '         [--evaluator-command "python3 train.py" | --evaluator-module eval.ts | --evaluator-table metrics.csv [--table-key arch_str|genes|values]]',
          '           --metric max:accuracy:% [--metric ...] [--retries N] [--timeout-ms T]   (your own evaluator and the metrics it declares, beside hwnas\'s)',
          '       nb201 candidates carry cifar10Accuracy, cifar100Accuracy and imagenet16Accuracy (%, NAS-Bench-201\'s trained table)',
          '         [--devices a,b[,c] [--link 100Mbit/s,2ms]]   (split each candidate over devices in order: its cuts become genes, priced as hwnas split prices one partition)',
          '       hwnas search -c study.yaml   (fields: ' + Object.keys(studyConfigSchema.shape).join(', ') + ')',
        ].join('\n'),
      );
      return 0;
    }
    const fromFile = values.config ? readConfigFile(values.config) : {};
    const flagged: Record<string, unknown> = {};
    const workload: Record<string, unknown> = {};
    for (const [flag, value] of Object.entries(values)) {
      if (value === undefined || ['config', 'json', 'quiet', 'plain', 'help', 'storage', 'workers-only', ...USER_EVALUATOR_FLAGS].includes(flag)) continue;
      if (flag === 'constraint') flagged.constraints = value;
      else if (flag === 'strategy-options') {
        try {
          flagged.strategyOptions = JSON.parse(value as string);
        } catch {
          throw new UsageError(`--strategy-options: expected a JSON object such as '{"populationSize":50}'`);
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
    if (!values.config && values.space === undefined) throw new UsageError('--space is required (or a config file with -c)');
    const merged = { ...fromFile, ...flagged };
    const resolved = await prepareStudy(merged, { file: values.config, flagKeys });
    if (resolved.config.out !== undefined) checkOutput({ flag: 'out', path: resolved.config.out });
    // A flag beats the config file's db, which beats HWNAS_STORAGE.
    const storage = values.storage !== undefined || values.db !== undefined ? storageOf(values) : (resolved.config.db ?? storageOf({}));
    if (values['workers-only'] && !isPostgresUrl(storage)) throw new UsageError('--workers-only: needs a server storage (--storage postgresql://…); an SQLite study is evaluated by its own process');
    const { store, study } = await createStudyRecord(resolved, HWNAS_VERSION, { storage, onWait: openStoreWaitLine });
    try {
      return await executeStudy({ store, storage, study, resolved, mode: progressMode(values), out: resolved.config.out, workersOnly: values['workers-only'] ?? false });
    } finally {
      await store.close();
    }
  },
};
