import type { Command } from './command.js';
import { UsageError } from './errors.js';
import { StoreError } from '../search/store/errors.js';

/**
 * Sub-commands, loaded lazily so that `hwnas analyze` does not pay for TensorFlow.js or SQLite start-up.
 * Add a command: one file in commands/ exporting `command`, and one line here.
 */
const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  analyze: () => import('./commands/analyze.js'),
  devices: () => import('./commands/devices.js'),
  models: () => import('./commands/models.js'),
  sweep: () => import('./commands/sweep.js'),
  fit: () => import('./commands/fit.js'),
  search: () => import('./commands/search.js'),
  studies: () => import('./commands/studies.js'),
  resume: () => import('./commands/resume.js'),
  export: () => import('./commands/export.js'),
  report: () => import('./commands/report.js'),
  predictor: () => import('./commands/predictor.js'),
  calibrate: () => import('./commands/calibrate.js'),
  measure: () => import('./commands/measure.js'),
  split: () => import('./commands/split.js'),
  worker: () => import('./commands/worker.js'),
  copy: () => import('./commands/copy.js'),
};

function usage(): string {
  return [
    'hwnas — hardware-aware neural architecture search',
    '',
    'usage: hwnas <command> [flags]     (hwnas <command> --help for its flags)',
    '',
    'commands: ' + Object.keys(COMMANDS).join(', '),
  ].join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  // No command on a terminal: the interactive launcher (cli/ui) on --db/--storage, HWNAS_STORAGE or hwnas.db;
  // otherwise, or in CI, the usage.
  if ((name === undefined || name === '--db' || name === '--storage') && (await import('./ui/terminal.js')).interactiveTerminal()) {
    try {
      const { storageOf, STORAGE_FLAGS } = await import('./open-store.js');
      const { values } = (await import('./args.js')).parseFlags('', argv, STORAGE_FLAGS);
      return (await import('./ui/run-launcher.js')).runLauncher(storageOf(values));
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      console.error(error.message);
      return 2;
    }
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return 0;
  }
  const load = COMMANDS[name];
  try {
    if (!load) throw new UsageError(`hwnas: unknown command '${name}'; valid: ${Object.keys(COMMANDS).join(', ')}`);
    const { command } = await load();
    if (command.usage && (rest.includes('--help') || rest.includes('-h'))) {
      console.log(`${command.usage}\n\n${command.summary}`);
      return 0;
    }
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message);
      return 2;
    }
    // The database refused or failed (damaged, read-only, a full disk): one line naming the file.
    if (error instanceof StoreError) {
      console.error(error.message);
      return error.exitCode;
    }
    throw error;
  }
}
