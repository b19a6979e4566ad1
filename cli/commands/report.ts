import { join, parse } from 'node:path';
import type { Command } from '../command.js';
import { helpText, numberFlag, parseFlags } from '../args.js';
import { UsageError } from '../errors.js';
import { STORAGE_FLAGS, STORAGE_USAGE, openStore, storageOf } from '../open-store.js';
import { checkOutput, outputLine, writeOutputs, type FileOutput } from '../output.js';
import { HWNAS_VERSION } from '../version.js';
import type { PlotName } from '../report/html.js';

/** The plots a report may hold, each also a PNG with --png. */
const PLOTS: readonly PlotName[] = ['frontier', 'hypervolume', 'operators', 'roofline'];

const FLAGS = {
  out: { type: 'string', value: 'report.html', help: 'the HTML file to write (required)' },
  png: { type: 'boolean', help: 'also write each plot as a PNG beside it' },
  'color-by': { type: 'string', value: 'gene', help: 'colour the candidates by this gene' },
  point: { type: 'string', value: 'seq', help: 'the frontier candidate whose per-operator roofline is shown (default: one in the middle)' },
  ...STORAGE_FLAGS,
} as const;

const USAGE = `hwnas report <study> --out report.html [--png] [--color-by <gene>] [--point <seq>] ${STORAGE_USAGE}`;

export const command: Command = {
  name: 'report',
  help: () =>
    helpText({
      usage: USAGE,
      description: `One self-contained HTML page of a study: the frontier plotted for each pair of objectives (a 3-objective study
gets its three pairs), the hypervolume over evaluations, the frontier table, and the per-operator roofline of one
frontier candidate.`,
      flags: FLAGS,
    }),
  async run(argv) {
    const { values, positionals } = parseFlags('report', argv, FLAGS, true);
    if (positionals.length !== 1) throw new UsageError(`hwnas report: name one study (hwnas studies lists them); usage: ${USAGE}`);
    if (!values.out) throw new UsageError('--out is required: the HTML file to write');
    const point = values.point === undefined ? undefined : numberFlag('point', values.point, 0, { integer: true, min: 0 });
    // The page, and its plots as PNG files beside it: all checked before the study is read.
    const base = parse(values.out);
    const pngOf = (name: string): FileOutput => ({ flag: 'out', path: join(base.dir, `${base.name}-${name}.png`) });
    const html: FileOutput = { flag: 'out', path: values.out };
    checkOutput(html);
    if (values.png) for (const name of PLOTS) checkOutput(pngOf(name));
    const { loadStudyData } = await import('../report/study-data.js');
    const store = await openStore(storageOf(values), { readonly: true });
    let data;
    try {
      data = await loadStudyData(store, positionals[0]);
    } finally {
      await store.close();
    }
    const genes = data.space.genes.map((g) => g.name);
    if (values['color-by'] !== undefined && !genes.includes(values['color-by'])) {
      throw new UsageError(`--color-by: unknown gene '${values['color-by']}' of space ${data.space.id}; valid: ${genes.join(', ')}`);
    }
    if (point !== undefined && !data.frontier.some((c) => c.seq === point)) {
      throw new UsageError(`--point: candidate ${point} is not on the frontier; frontier seqs: ${data.frontier.map((c) => c.seq).join(', ') || '(none)'}`);
    }
    const { buildReport } = await import('../report/html.js');
    const report = await buildReport(data, {
      exporterVersion: HWNAS_VERSION,
      ...(values['color-by'] !== undefined ? { colorBy: values['color-by'] } : {}),
      ...(point !== undefined ? { pointSeq: point } : {}),
    });
    const files: { output: FileOutput; content: string | Buffer }[] = [{ output: html, content: report.html }];
    if (values.png) {
      const { svgToPng } = await import('../report/plots.js');
      for (const [name, svg] of Object.entries(report.svgs)) {
        if (svg) files.push({ output: pngOf(name), content: svgToPng(svg) });
      }
      // A study of three or more objectives: the other planes of its frontier too.
      // Their names depend on the objectives, so they are checked once the study is read (still before any write).
      for (const p of report.frontierPlots.slice(1)) {
        const output = pngOf(`frontier-${p.y}-vs-${p.x}`);
        checkOutput(output);
        files.push({ output, content: svgToPng(p.svg) });
      }
    }
    // All or nothing: every file complete in its temporary sibling before any is renamed into place.
    const outcomes = writeOutputs(files);
    console.error(`${files.map((f, i) => outputLine(outcomes[i], f.output.path)).join(', ')} (frontier of ${data.frontier.length}, point ${report.chosenSeq ?? '—'}, colour ${report.colorBy})`);
    return 0;
  },
};
