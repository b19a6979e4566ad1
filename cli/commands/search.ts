import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Command } from '../command.js';
import { parseFlags } from '../args.js';
import { UsageError } from '../errors.js';
import { openStore } from '../open-store.js';
import { executeStudy, progressMode } from '../run-study.js';
import { HWNAS_VERSION } from '../version.js';
import { missingMetrics } from '../../core/objectives.js';
import { createRng } from '../../core/rng.js';
import { evaluateGuarded } from '../../search/evaluate/pool.js';
import { createEvaluator } from '../../search/evaluate/registry.js';
import { DEFAULT_DB } from '../../search/store/index.js';
import { parseStudyConfig, resolveStudy, studyConfigSchema, type ResolvedStudy, type StudyConfig } from '../../search/study-config.js';

const FLAGS = {
  config: { type: 'string', short: 'c' },
  name: { type: 'string' },
  db: { type: 'string' },
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
  predictor: { type: 'string' },
  'predictor-device': { type: 'string' },
  ideal: { type: 'boolean' },
  paper: { type: 'boolean' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  plain: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

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

/**
 * Prices one sample candidate before anything is written, so that an objective or constraint on a metric the
 * evaluator does not produce (loss for a CNN space, say) is one clear line instead of a study of failures.
 */
async function checkMetrics(resolved: ResolvedStudy): Promise<void> {
  const evaluator = await createEvaluator(resolved.evaluator);
  try {
    const genes = resolved.space.sample(createRng(resolved.config.seed));
    const [result] = await evaluateGuarded(evaluator, [resolved.space.decode(genes)], resolved.config.timeoutMs);
    if (!result.ok) return;
    const missing = missingMetrics(result.metrics, resolved.objectives, resolved.constraints);
    if (missing.length > 0) {
      throw new UsageError(
        `--objectives/--constraint: the ${resolved.evaluator.kind} evaluator gives no ${missing.join(', ')} for space ${resolved.space.id}; it gives: ${Object.keys(result.metrics).join(', ')}`,
      );
    }
  } finally {
    await evaluator.close?.();
  }
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
          '         [--strategy nsga2] [--evaluations N] [--wall-time 10m] [--patience G] [--seed S] [--name <study>] [--db hwnas.db]',
          '         [--evaluator analytic|slow-test] [--batch 1 --prompt 1024 --generate 16] [--loss-law codesign] [--ideal|--paper]',
          '         [--training-tokens 1e10] [--training-precision bf16|int8|int4] [--ptq-b none|exponent]   (loss = law + quantisation penalty, papers.md §5)',
          '         [--threads T] [--generation-size N] [--out frontier.json] [--json|--quiet|--plain]',
          '         [--latency analytic|calibrated|measured] [--device-file device.json]   (calibrated: a profile from hwnas calibrate; measured: timed here, one at a time)',
          '         [--latency predicted --predictor <dir> --predictor-device <name>]   (nb201/fbnet: a HELP-style predictor adapted with hwnas predictor adapt)',
          '       hwnas search -c study.yaml   (fields: ' + Object.keys(studyConfigSchema.shape).join(', ') + ')',
        ].join('\n'),
      );
      return 0;
    }
    const fromFile = values.config ? readConfigFile(values.config) : {};
    const flagged: Record<string, unknown> = {};
    const workload: Record<string, unknown> = {};
    for (const [flag, value] of Object.entries(values)) {
      if (value === undefined || ['config', 'json', 'quiet', 'plain', 'help'].includes(flag)) continue;
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
    if (!values.config && values.space === undefined) throw new UsageError('--space is required (or a config file with -c)');
    const merged = { ...fromFile, ...flagged };
    const sources = { file: values.config, flagKeys };
    const config: StudyConfig = parseStudyConfig(merged, sources);
    const resolved = resolveStudy(config, sources);
    await checkMetrics(resolved);
    const dbPath = config.db ?? DEFAULT_DB;
    // Check the name before creating anything: an existing database is opened read-only for it.
    if (existsSync(dbPath)) {
      const probe = openStore(dbPath, { readonly: false, mustExist: true });
      const clash = probe.getStudy(resolved.name);
      probe.close();
      if (clash) throw new UsageError(`study '${resolved.name}' already exists in ${dbPath}; continue it with 'hwnas resume ${resolved.name}' or choose another --name`);
    }
    const store = openStore(dbPath);
    try {
      const study = store.createStudy({
        name: resolved.name,
        config,
        seed: config.seed,
        space: config.space,
        device: config.device ?? '',
        objectives: resolved.objectives.map((o) => `${o.direction}:${o.metric}`),
        constraints: resolved.constraints.map((c) => c.text),
        strategy: config.strategy,
        hwnasVersion: HWNAS_VERSION,
        evaluator: resolved.evaluator,
      });
      return await executeStudy({ store, study, resolved, mode: progressMode(values), out: config.out });
    } finally {
      store.close();
    }
  },
};
