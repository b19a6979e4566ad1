import type { Command } from '../command.js';
import { choiceFlag, helpText, parseFlags } from '../args.js';
import { UsageError } from '../errors.js';
import { writeFrontierDocument } from '../frontier-document.js';
import { STORAGE_FLAGS, STORAGE_USAGE, openStore, storageOf } from '../open-store.js';
import { checkOutput, OutputFile, outputLine, writeOutput, type OutputOutcome } from '../output.js';
import { loadStudyData, loadStudyHead } from '../report/study-data.js';
import { HWNAS_VERSION } from '../version.js';

export const EXPORT_FORMATS = ['json', 'csv', 'hf', 'optuna'] as const;

const FLAGS = {
  format: { type: 'string', value: EXPORT_FORMATS.join('|'), help: 'json and csv: the frontier document; hf: a transformers config.json and README.md card per frontier architecture; optuna: a JournalStorage file optuna-dashboard opens' },
  out: { type: 'string', value: 'path', help: 'the file to write (a folder for hf) (required)' },
  all: { type: 'boolean', help: 'every evaluated candidate, not only the frontier (json, csv, optuna)' },
  ...STORAGE_FLAGS,
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
  help: () => helpText({ usage: `hwnas export <study> --format json|csv|hf|optuna --out <path> [--all] ${STORAGE_USAGE}`, description: DESCRIPTION, flags: FLAGS }),
  async run(argv) {
    const { values, positionals } = parseFlags('export', argv, FLAGS, true);
    if (positionals.length !== 1) throw new UsageError(`hwnas export: name one study (hwnas studies lists them); usage: hwnas export <study> --format json|csv|hf|optuna --out <path>`);
    const format = choiceFlag('format', values.format, EXPORT_FORMATS);
    if (!values.out) throw new UsageError(`--out is required: the ${format === 'hf' ? 'folder' : 'file'} to write`);
    const name = positionals[0];
    const dbPath = storageOf(values);
    if (format === 'hf') {
      if (values.all) throw new UsageError('--all: the hf format exports the frontier only');
      await (await import('../report/hf.js')).runHfExport({ dbPath, name, out: values.out });
      return 0;
    }
    const output = { flag: 'out', path: values.out };
    checkOutput(output);
    const store = await openStore(dbPath, { readonly: true });
    let written: OutputOutcome;
    let count: number;
    try {
      if (format === 'optuna') {
        const { optunaJournal } = await import('../report/optuna-journal.js');
        const journal = optunaJournal(await store.readSnapshot(() => loadStudyData(store, name)), { all: values.all ?? true });
        written = writeOutput(output, journal.text);
        console.error(`${outputLine(written, values.out)}: ${journal.trials} trials of study ${name} as an Optuna journal (optuna-dashboard ${values.out})`);
        return 0;
      }
      // One consistent snapshot of the study while others may still record into it; written candidate by candidate
      // into the all-or-nothing output file (a study may hold hundreds of thousands).
      [written, count] = await store.readSnapshot(async () => {
        const head = await loadStudyHead(store, name);
        const file = OutputFile.open(output);
        try {
          const n = await writeFrontierDocument(store, head, { format, all: values.all ?? false, exportedWith: HWNAS_VERSION }, (t) => file.write(t));
          return [file.commit(), n] as const;
        } catch (error) {
          file.abort();
          throw error;
        }
      });
    } finally {
      await store.close();
    }
    console.error(`${outputLine(written, values.out)}: ${count} ${values.all ? 'candidates' : 'frontier candidates'} of study ${name}`);
    return 0;
  },
};
