import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, parse } from 'node:path';
import type { Command } from '../command.js';
import { numberFlag, parseFlags } from '../args.js';
import { UsageError } from '../errors.js';
import { DEFAULT_DB } from '../../search/store/index.js';
import { openStore } from '../open-store.js';
import { HWNAS_VERSION } from '../version.js';

const USAGE = 'usage: hwnas report <study> --out report.html [--png] [--color-by <gene>] [--point <seq>] [--db hwnas.db]';

export const command: Command = {
  name: 'report',
  summary: 'one self-contained HTML page: frontier plot, hypervolume curve, frontier table, roofline breakdown',
  async run(argv) {
    const { values, positionals } = parseFlags(
      'report',
      argv,
      { db: { type: 'string' }, out: { type: 'string' }, png: { type: 'boolean' }, 'color-by': { type: 'string' }, point: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      true,
    );
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError(USAGE);
    if (!values.out) throw new UsageError('--out is required: the HTML file to write');
    const point = values.point === undefined ? undefined : numberFlag('point', values.point, 0, { integer: true, min: 0 });
    const { loadStudyData } = await import('../report/study-data.js');
    const store = openStore(values.db ?? DEFAULT_DB, { readonly: true });
    let data;
    try {
      data = loadStudyData(store, positionals[0]);
    } finally {
      store.close();
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
    const files: { path: string; content: string | Buffer }[] = [{ path: values.out, content: report.html }];
    if (values.png) {
      const { svgToPng } = await import('../report/plots.js');
      const base = parse(values.out);
      for (const [name, svg] of Object.entries(report.svgs)) {
        if (svg) files.push({ path: join(base.dir, `${base.name}-${name}.png`), content: svgToPng(svg) });
      }
    }
    // Each file goes to a temporary name first and is renamed into place: no half-written report.
    try {
      for (const f of files) {
        mkdirSync(dirname(f.path) || '.', { recursive: true });
        writeFileSync(`${f.path}.tmp`, f.content);
        renameSync(`${f.path}.tmp`, f.path);
      }
    } catch (error) {
      throw new UsageError(`--out: cannot write ${values.out} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    console.error(`wrote ${files.map((f) => f.path).join(', ')} (frontier of ${data.frontier.length}, point ${report.chosenSeq ?? '—'}, colour ${report.colorBy})`);
    return 0;
  },
};
