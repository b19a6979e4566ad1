import type { Command } from '../command.js';
import { parseFlags } from '../args.js';
import { UsageError } from '../errors.js';
import { isPostgresUrl } from '../../search/store/index.js';
import { reopenStudy } from '../../search/run-search.js';
import { checkOutput } from '../output.js';
import { STORAGE_FLAGS, STORAGE_USAGE, openStoreWaitLine, storageOf } from '../open-store.js';
import { executeStudy, progressMode } from '../run-study.js';

const USAGE = `usage: hwnas resume <study> ${STORAGE_USAGE} [--workers-only] [--evaluations N] [--wall-time 10m] [--patience G] [--threads T] [--force] [--json|--quiet|--plain]\n  --force: resume although files of the study's own evaluators (module, table, the scripts its command names) changed since it began`;

export const command: Command = {
  name: 'resume',
  summary: 'continue a stopped or killed study exactly where it was (optionally with a larger budget)',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseFlags(
      'resume',
      argv,
      {
        ...STORAGE_FLAGS,
        'workers-only': { type: 'boolean' },
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
    const storage = storageOf(values);
    if (values['workers-only'] && !isPostgresUrl(storage)) throw new UsageError('--workers-only: needs a server storage (--storage postgresql://…)');
    const overrides: Record<string, string> = {};
    if (values.evaluations !== undefined) overrides.evaluations = values.evaluations;
    if (values['wall-time'] !== undefined) overrides.wallTime = values['wall-time'];
    if (values.patience !== undefined) overrides.patience = values.patience;
    if (values.threads !== undefined) overrides.threads = values.threads;
    // Everything is checked against a read-only connection first: a bad flag or an unknown study writes nothing.
    const { store, study, resolved, onLocked, notes } = await reopenStudy(name, { storage, overrides, force: values.force ?? false, onWait: openStoreWaitLine });
    for (const note of notes) console.error(note);
    try {
      if (resolved.config.out !== undefined) checkOutput({ flag: 'out', path: resolved.config.out });
      return await executeStudy({ store, storage, study, resolved, mode: progressMode(values), out: resolved.config.out, onLocked, workersOnly: values['workers-only'] ?? false });
    } finally {
      await store.close();
    }
  },
};
