import type { Command } from '../command.js';
import { helpText, numberFlag, parseFlags } from '../args.js';
import { UsageError } from '../errors.js';
import { MEASURE_ON_NEEDS_SERVER, reopenStudy } from '../../search/run-search.js';
import { STORAGE_FLAGS, STORAGE_USAGE, openStore, openStoreWaitLine, storageOf } from '../open-store.js';
import { isPostgresUrl } from '../../search/store/index.js';
import { checkOutput } from '../output.js';
import { executeStudy, progressMode, reportStudy, studyState } from '../run-study.js';

const FLAGS = {
  more: { type: 'string', value: 'N', help: "evaluate N more candidates than the study has (as Optuna's n_trials)", group: 'budget' },
  evaluations: { type: 'string', value: 'N', help: 'evaluate until the study has N candidates in total', group: 'budget' },
  'wall-time': { type: 'string', value: '10m', help: 'running time in total, over every session', group: 'budget' },
  patience: { type: 'string', value: 'G', help: 'stop after G generations without a better hypervolume', group: 'budget' },
  threads: { type: 'string', value: 'T', help: 'worker threads (default: as the study was started)' },
  force: { type: 'boolean', help: "resume although files of the study's own evaluators (module, table, the scripts its command names) changed since it began" },
  ...STORAGE_FLAGS,
  'workers-only': { type: 'boolean', help: 'with a server storage: evaluate nothing here, leave every candidate to hwnas worker processes' },
  out: { type: 'string', value: 'frontier.json', help: 'write the frontier document (as hwnas export --format json)' },
  json: { type: 'boolean', help: 'results as one JSON object on stdout; progress as JSON lines on stderr' },
  quiet: { type: 'boolean', help: 'no progress; the summary line only' },
  plain: { type: 'boolean', help: 'progress as plain lines, even on a terminal' },
} as const;

const USAGE = `hwnas resume <study> [--more N | --evaluations N] [--wall-time 10m] [--patience G] [--threads T] [--force] ${STORAGE_USAGE} [--workers-only]`;

export const command: Command = {
  name: 'resume',
  help: () =>
    helpText({
      usage: USAGE,
      description: `Continues a study exactly where it stopped or was killed, priced as it began. Its budget is the one it was
started with unless given here: --evaluations N counts the total (the study stops at N candidates), --more N adds
N to what it has evaluated. A study whose budget is spent is reported, not run.`,
      flags: FLAGS,
    }),
  async run(argv) {
    const { values, positionals } = parseFlags('resume', argv, FLAGS, true);
    if (positionals.length !== 1) throw new UsageError(`hwnas resume: name one study (hwnas studies lists them); usage: ${USAGE}`);
    if (values.more !== undefined && values.evaluations !== undefined) throw new UsageError('--more and --evaluations exclude each other: --more N adds N, --evaluations N is the total');
    const more = values.more === undefined ? undefined : numberFlag('more', values.more, 0, { integer: true, min: 1 });
    const name = positionals[0];
    const dbPath = storageOf(values);
    if (values['workers-only'] && !isPostgresUrl(dbPath)) throw new UsageError('--workers-only: needs a server storage (--storage postgresql://…)');
    const overrides: Record<string, string | number> = {};
    if (values.evaluations !== undefined) overrides.evaluations = values.evaluations;
    if (more !== undefined) overrides.evaluations = await evaluatedSoFar(dbPath, name) + more;
    if (values['wall-time'] !== undefined) overrides.wallTime = values['wall-time'];
    if (values.patience !== undefined) overrides.patience = values.patience;
    if (values.threads !== undefined) overrides.threads = values.threads;
    if (values.out !== undefined) overrides.out = values.out;
    // Reopened as it began (its stored files, its recorded evaluator); nothing is written until its lock is held.
    const { store, study, resolved, onLocked, notes } = await reopenStudy(name, { storage: dbPath, overrides, force: values.force ?? false, onWait: openStoreWaitLine });
    try {
      for (const note of notes) console.error(note);
      if (resolved.evaluator.kind === 'farm' && !store.queue) throw new UsageError(MEASURE_ON_NEEDS_SERVER);
      const config = resolved.config;
      if (config.out !== undefined) checkOutput({ flag: 'out', path: config.out });
      const mode = progressMode(values);
      const state = await studyState(store, study, resolved);
      const budget = more !== undefined ? `${more} more: ${config.evaluations} evaluations in total` : `${config.evaluations} evaluations in total${values.evaluations === undefined ? ' (as started; --more N adds N)' : ''}`;
      if (state.stopsAt !== undefined) {
        if (mode !== 'json' && mode !== 'quiet') console.error(`study ${name} has nothing left to do (${state.stopsAt}, ${state.evaluations} evaluated; budget ${budget}); reporting it. Evaluate more with: hwnas resume ${name} --more N`);
        return await reportStudy({ store, study, resolved, mode, out: config.out, state });
      }
      if (mode !== 'json' && mode !== 'quiet') console.error(`resuming study ${name} at ${state.evaluations} evaluated; budget ${budget}`);
      return await executeStudy({ store, storage: dbPath, study, resolved, mode, out: config.out, onLocked, workersOnly: values['workers-only'] ?? false, announced: true });
    } finally {
      await store.close();
    }
  },
};

/** How many candidates a study has evaluated (for --more); an unknown study is left to reopenStudy's message. */
async function evaluatedSoFar(dbPath: string, name: string): Promise<number> {
  const probe = await openStore(dbPath, { readonly: true });
  try {
    return (await probe.getStudy(name))?.evaluations ?? 0;
  } finally {
    await probe.close();
  }
}
