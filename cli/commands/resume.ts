import type { Command } from '../command.js';
import { parseFlags } from '../args.js';
import { UsageError } from '../errors.js';
import { DEFAULT_DB } from '../../search/store/index.js';
import { reopenStudy } from '../../search/run-search.js';
import { checkOutput } from '../output.js';
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
    const overrides: Record<string, string> = {};
    if (values.evaluations !== undefined) overrides.evaluations = values.evaluations;
    if (values['wall-time'] !== undefined) overrides.wallTime = values['wall-time'];
    if (values.patience !== undefined) overrides.patience = values.patience;
    if (values.threads !== undefined) overrides.threads = values.threads;
    const { store, study, resolved, onLocked, notes } = reopenStudy(name, { db: values.db ?? DEFAULT_DB, overrides, force: values.force ?? false });
    for (const note of notes) console.error(note);
    try {
      if (resolved.config.out !== undefined) checkOutput({ flag: 'out', path: resolved.config.out });
      return await executeStudy({ store, study, resolved, mode: progressMode(values), out: resolved.config.out, onLocked });
    } finally {
      store.close();
    }
  },
};
