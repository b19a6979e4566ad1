import type { Command } from '../command.js';
import { parseFlags } from '../args.js';
import { UsageError } from '../errors.js';
import { DEFAULT_DB } from '../../search/store/index.js';
import type { EvaluatorSpec } from '../../search/evaluate/registry.js';
import { changedEvaluatorFiles, rehashEvaluatorFiles, withThreads } from '../../search/run-search.js';
import { parseStudyConfig, resolveStudy } from '../../search/study-config.js';
import { openStore } from '../open-store.js';
import { executeStudy, progressMode } from '../run-study.js';

const USAGE = 'usage: hwnas resume <study> [--db hwnas.db] [--evaluations N] [--wall-time 10m] [--patience G] [--threads T] [--force] [--json|--quiet|--plain]\n  --force: resume although files of the study\'s own evaluators (module, table, the scripts its command names) changed since it began';

export const command: Command = {
  name: 'resume',
  summary: 'continue a stopped or killed study exactly where it was (optionally with a larger budget)',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseFlags(
      'resume',
      argv,
      {
        db: { type: 'string' },
        evaluations: { type: 'string' },
        'wall-time': { type: 'string' },
        patience: { type: 'string' },
        threads: { type: 'string' },
        force: { type: 'boolean' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean' },
        plain: { type: 'boolean' },
      },
      true,
    );
    if (positionals.length !== 1) throw new UsageError(USAGE);
    const name = positionals[0];
    const dbPath = values.db ?? DEFAULT_DB;
    // Validate everything against a read-only connection first: a bad flag or an unknown study writes nothing.
    const probe = openStore(dbPath, { readonly: true });
    const found = probe.getStudy(name);
    const names = probe.listStudies().map((s) => s.name);
    probe.close();
    if (!found) throw new UsageError(`unknown study '${name}' in ${dbPath}; studies: ${names.join(', ') || '(none)'}`);
    const overrides: Record<string, string> = {};
    if (values.evaluations !== undefined) overrides.evaluations = values.evaluations;
    if (values['wall-time'] !== undefined) overrides.wallTime = values['wall-time'];
    if (values.patience !== undefined) overrides.patience = values.patience;
    if (values.threads !== undefined) overrides.threads = values.threads;
    const stored = parseStudyConfig(found.config, { file: `${dbPath}: study '${name}' config` });
    const sources = { flagKeys: new Set(Object.keys(overrides)) };
    const config = parseStudyConfig({ ...stored, ...overrides }, sources);
    // Price the rest of the study exactly as it began: with the evaluator spec recorded then (device profile inline).
    const fresh = resolveStudy(config, sources);
    let recorded = found.evaluator ? withThreads(found.evaluator as EvaluatorSpec, config.threads) : fresh.evaluator;
    // The study's own evaluators must be the ones its records came from.
    const changed = changedEvaluatorFiles(recorded);
    if (changed.length > 0) {
      if (!values.force) throw new UsageError(`study '${name}': its evaluator changed since it began: ${changed.join('; ')}; its records would not compare with new ones. Resume anyway with --force, or start a new study`);
      recorded = rehashEvaluatorFiles(recorded);
    }
    const resolved = { ...fresh, evaluator: recorded };
    const store = openStore(dbPath, { mustExist: true });
    try {
      const study = store.getStudy(name)!;
      if (Object.keys(overrides).length > 0) store.setConfig(study.id, config);
      if (changed.length > 0) store.setEvaluator(study.id, recorded);
      return await executeStudy({ store, study, resolved, mode: progressMode(values), out: config.out });
    } finally {
      store.close();
    }
  },
};
