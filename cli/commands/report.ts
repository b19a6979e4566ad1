import { join, parse } from 'node:path';
import type { Command } from '../command.js';
import { numberFlag, parseFlags } from '../args.js';
import { UsageError } from '../errors.js';
import { STORAGE_FLAGS, STORAGE_USAGE, openStore, storageOf } from '../open-store.js';
import { checkOutput, outputLine, writeOutputs, type FileOutput } from '../output.js';
import { HWNAS_VERSION } from '../version.js';
import type { PlotName } from '../report/html.js';

/** The plots a report may hold, each also a PNG with --png. */
const PLOTS: readonly PlotName[] = ['frontier', 'hypervolume', 'operators', 'roofline'];

const USAGE = `usage: hwnas report <study> --out report.html [--png] [--color-by <gene>] [--point <seq>] ${STORAGE_USAGE}`;

export const command: Command = {
  name: 'report',
  summary: 'one self-contained HTML page: frontier plot, hypervolume curve, frontier table, roofline breakdown',
  async run(argv) {
    const { values, positionals } = parseFlags(
      'report',
      argv,
      { ...STORAGE_FLAGS, out: { type: 'string' }, png: { type: 'boolean' }, 'color-by': { type: 'string' }, point: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      true,
    );
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError(USAGE);
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
    }
    // All or nothing: every file complete in its temporary sibling before any is renamed into place.
    const outcomes = writeOutputs(files);
    console.error(`${files.map((f, i) => outputLine(outcomes[i], f.output.path)).join(', ')} (frontier of ${data.frontier.length}, point ${report.chosenSeq ?? '—'}, colour ${report.colorBy})`);
    return 0;
  },
};
