import type { Command } from '../command.js';
import { choiceFlag, helpText, parseFlags } from '../args.js';
import { UsageError } from '../errors.js';
import { writeFrontierDocument } from '../frontier-document.js';
import { defaultDbPath, openStore } from '../open-store.js';
import { checkOutput, OutputFile, outputLine, writeOutput, type OutputOutcome } from '../output.js';
import { loadStudyData, loadStudyHead } from '../report/study-data.js';
import { HWNAS_VERSION } from '../version.js';

export const EXPORT_FORMATS = ['json', 'csv', 'hf', 'optuna'] as const;

const FLAGS = {
  format: { type: 'string', value: EXPORT_FORMATS.join('|'), help: 'json and csv: the frontier document; hf: a transformers config.json and README.md card per frontier architecture; optuna: a JournalStorage file optuna-dashboard opens' },
  out: { type: 'string', value: 'path', help: 'the file to write (a folder for hf) (required)' },
  all: { type: 'boolean', help: 'every evaluated candidate, not only the frontier (json, csv, optuna)' },
  db: { type: 'string', value: 'file', help: 'the database (default hwnas.db, or $HWNAS_DB)' },
} as const;

const DESCRIPTION = `Writes a study's frontier with its provenance. json and csv are one document (the same one hwnas search --out
writes): candidates sorted by the first objective, best first, each with its genes, architecture and metrics, and
the study's configuration, evaluator, device profile and loss law once at the top (in CSV, in # comment lines
above the header: pandas.read_csv(path, comment='#')).
hf writes one folder per frontier architecture, named after it, holding a transformers config.json (untrained
weights: an architecture to train) and a README.md model card; a candidate no transformers class represents
exactly is listed with the reason, and nothing written at all is an error.
optuna writes the study as an Optuna journal (JournalFileStorage): optuna-dashboard <file> shows it.`;

export const command: Command = {
  name: 'export',
  help: () => helpText({ usage: 'hwnas export <study> --format json|csv|hf|optuna --out <path> [--all] [--db hwnas.db]', description: DESCRIPTION, flags: FLAGS }),
  async run(argv) {
    const { values, positionals } = parseFlags('export', argv, FLAGS, true);
    if (positionals.length !== 1) throw new UsageError(`hwnas export: name one study (hwnas studies lists them); usage: hwnas export <study> --format json|csv|hf|optuna --out <path>`);
    const format = choiceFlag('format', values.format, EXPORT_FORMATS);
    if (!values.out) throw new UsageError(`--out is required: the ${format === 'hf' ? 'folder' : 'file'} to write`);
    const name = positionals[0];
    const dbPath = values.db ?? defaultDbPath();
    if (format === 'hf') {
      if (values.all) throw new UsageError('--all: the hf format exports the frontier only');
      await (await import('../report/hf.js')).runHfExport({ dbPath, name, out: values.out });
      return 0;
    }
    const output = { flag: 'out', path: values.out };
    checkOutput(output);
    const store = openStore(dbPath, { readonly: true });
    let written: OutputOutcome;
    let count: number;
    try {
      if (format === 'optuna') {
        const { optunaJournal } = await import('../report/optuna-journal.js');
        const journal = optunaJournal(store.snapshot(() => loadStudyData(store, name)), { all: values.all ?? true });
        written = writeOutput(output, journal.text);
        console.error(`${outputLine(written, values.out)}: ${journal.trials} trials of study ${name} as an Optuna journal (optuna-dashboard ${values.out})`);
        return 0;
      }
      const head = loadStudyHead(store, name);
      // Written candidate by candidate into the all-or-nothing output file (a study may hold hundreds of thousands).
      const file = OutputFile.open(output);
      try {
        count = writeFrontierDocument(store, head, { format, all: values.all ?? false, exportedWith: HWNAS_VERSION }, (t) => file.write(t));
      } catch (error) {
        file.abort();
        throw error;
      }
      written = file.commit();
    } finally {
      store.close();
    }
    console.error(`${outputLine(written, values.out)}: ${count} ${values.all ? 'candidates' : 'frontier candidates'} of study ${name}`);
    return 0;
  },
};
