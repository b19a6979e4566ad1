import { didYouMean } from '../core/suggest.js';
import { COMMANDS } from './commands/index.js';
import { UsageError } from './errors.js';
import { StoreError } from '../search/store/errors.js';
import { defaultDbPath } from './default-db.js';
import { HWNAS_VERSION } from './version.js';

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    `hwnas ${HWNAS_VERSION} — hardware-aware neural architecture search`,
    '',
    'usage: hwnas <command> [flags]      hwnas <command> --help for its flags',
    '       hwnas [--db hwnas.db | --storage postgresql://…]   on a terminal: the launcher (new search, browse, resume, export, report)',
    '       hwnas --version',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'The database defaults to hwnas.db in the working directory, or $HWNAS_STORAGE (a file or a postgresql:// URL) or',
    '$HWNAS_DB when set.',
  ].join('\n');
}

const HELP = new Set(['--help', '-h', 'help']);
const VERSION = new Set(['--version', '-V', 'version']);

/** `hwnas` alone or with `--db <file>` / `--storage <url>`: the launcher on a terminal, the usage elsewhere. */
async function launcher(argv: readonly string[]): Promise<number> {
  let storage = defaultDbPath();
  if (argv.length > 0) {
    const { storageOf, STORAGE_FLAGS } = await import('./open-store.js');
    try {
      storage = storageOf((await import('./args.js')).parseFlags('', argv, STORAGE_FLAGS).values);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      throw new UsageError(`hwnas: ${error.message}; the launcher takes --db <file> or --storage <url> only (hwnas --help lists the commands)`);
    }
  }
  if (!(await import('./ui/terminal.js')).interactiveTerminal()) {
    console.log(usage());
    return argv.length > 0 ? 2 : 0;
  }
  return (await import('./ui/run-launcher.js')).runLauncher(storage);
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name !== undefined && HELP.has(name)) {
      const topic = rest[0] !== undefined ? COMMANDS[rest[0]] : undefined;
      console.log(topic ? `hwnas ${rest[0]} — ${topic.summary}\n\n${(await topic.load()).command.help(rest.slice(1))}` : usage());
      return 0;
    }
    if (name !== undefined && VERSION.has(name)) {
      console.log(`hwnas ${HWNAS_VERSION}`);
      return 0;
    }
    if (name === undefined || name.startsWith('--db') || name.startsWith('--storage')) return await launcher(argv);
    const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!entry) throw new UsageError(`hwnas: unknown command '${name}'${didYouMean(name, Object.keys(COMMANDS))}; valid: ${Object.keys(COMMANDS).join(', ')}`);
    const { command } = await entry.load();
    // --help anywhere before a `--` (commands with sub-commands read which one from the arguments).
    const end = rest.indexOf('--');
    const flags = end < 0 ? rest : rest.slice(0, end);
    if (flags.includes('--help') || flags.includes('-h')) {
      console.log(`hwnas ${name} — ${entry.summary}\n\n${command.help(rest)}`);
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
