import type { Command } from '../command.js';
import { choiceFlag, parseFlags } from '../args.js';
import { UsageError } from '../errors.js';
import { paretoIndices } from '../../core/pareto.js';
import { studySpace } from '../../search/study-inputs.js';
import { getDevice } from '../../hardware/devices.js';
import type { CandidateRecord, StudyRecord } from '../../search/store/index.js';
import type { SearchSpace } from '../../core/space.js';
import { parseStudyConfig } from '../../search/study-config.js';
import { STORAGE_FLAGS, STORAGE_USAGE, openStore, storageOf } from '../open-store.js';
import { checkOutput, OutputFile, outputLine, type OutputOutcome } from '../output.js';

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** JSON keeps Infinity and NaN as strings ("Infinity"), as the rest of the export's readers expect. */
const finite = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v);

/** One candidate as exported (a JSON object, or the cells of a CSV row). */
interface Exported {
  readonly seq: number;
  readonly hash: string;
  readonly generation: number;
  readonly status: string;
  readonly isPareto: boolean;
  readonly genes: Readonly<Record<string, number | string>>;
  readonly geneIndices: readonly number[];
  readonly architecture: unknown;
  readonly metrics: Readonly<Record<string, number>>;
  readonly violation: number | null | undefined;
  readonly error: string | null;
}

/**
 * The JSON document `{ provenance, candidates: [...] }`, written candidate by candidate: byte for byte what
 * JSON.stringify(document, finite, 2) gives, without the whole document as one string.
 */
async function writeJson(write: (text: string) => void, provenance: unknown, candidates: AsyncIterable<Exported>): Promise<void> {
  const head = JSON.stringify({ provenance }, finite, 2);
  write(`${head.slice(0, -2)},\n  "candidates": [`);
  // A candidate stringified inside `{"c":[…]}` comes out indented as in the document; the wrapper is cut off.
  const open = '{\n  "c": [\n'.length;
  const close = '\n  ]\n}'.length;
  let first = true;
  for await (const c of candidates) {
    // Only metrics and the violation can be non-finite; a replacer on every key would cost as much as the rest.
    const text = JSON.stringify({ c: [c] }, hasNonFinite(c) ? finite : undefined, 2);
    write(`${first ? '\n' : ',\n'}${text.slice(open, -close)}`);
    first = false;
  }
  write(first ? ']\n}\n' : '\n  ]\n}\n');
}

function hasNonFinite(c: Exported): boolean {
  if (c.violation != null && !Number.isFinite(c.violation)) return true;
  for (const k in c.metrics) if (!Number.isFinite(c.metrics[k])) return true;
  return false;
}

/** The CSV: one row per candidate, the study's provenance repeated in its columns (rendered once). */
async function writeCsv(
  write: (text: string) => void,
  ctx: { study: StudyRecord; space: SearchSpace; lossLaw: string | null; device: unknown; config: unknown; metricNames: readonly string[] },
  candidates: AsyncIterable<Exported>,
): Promise<void> {
  const { study, space, metricNames } = ctx;
  const geneNames = space.genes.map((g) => g.name);
  const head = [
    'seq', 'hash', 'generation', 'status', 'is_pareto',
    ...geneNames.map((g) => `gene_${g}`),
    ...metricNames,
    'violation', 'error', 'architecture',
    'study', 'seed', 'space', 'device', 'strategy', 'loss_law', 'objectives', 'constraints', 'device_profile', 'config',
  ];
  write(head.join(',') + '\n');
  const tail = [study.name, study.seed, study.space, study.device, study.strategy, ctx.lossLaw, study.objectives.join(' '), study.constraints.join(' '), ctx.device, ctx.config]
    .map(csvCell)
    .join(',');
  for await (const c of candidates) {
    const cells = [
      c.seq, c.hash, c.generation, c.status, c.isPareto ? 1 : 0,
      ...geneNames.map((g) => c.genes[g]),
      ...metricNames.map((m) => c.metrics[m]),
      c.violation, c.error, c.architecture,
    ];
    write(cells.map(csvCell).join(',') + ',' + tail + '\n');
  }
}

const USAGE = `usage: hwnas export <study> --format json|csv|hf --out <path> [--all] ${STORAGE_USAGE}`;

export const command: Command = {
  name: 'export',
  summary: 'write a study\'s frontier (or every candidate with --all) as JSON or CSV, with full provenance',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseFlags(
      'export',
      argv,
      { ...STORAGE_FLAGS, format: { type: 'string' }, out: { type: 'string' }, all: { type: 'boolean' } },
      true,
    );
    if (positionals.length !== 1) throw new UsageError(USAGE);
    const format = choiceFlag('format', values.format, ['json', 'csv', 'hf'] as const);
    if (!values.out) throw new UsageError('--out is required: the file to write');
    const name = positionals[0];
    const dbPath = storageOf(values);
    // Hugging Face configs and cards, one folder per frontier architecture (cli/report/hf.ts).
    if (format === 'hf') {
      if (values.all) throw new UsageError('--all: the hf format exports the frontier only');
      await (await import('../report/hf.js')).runHfExport({ dbPath, name, out: values.out });
      return 0;
    }
    const output = { flag: 'out', path: values.out };
    checkOutput(output);
    const store = await openStore(dbPath, { readonly: true });
    let written: OutputOutcome;
    try {
      const study = await store.getStudy(name);
      if (!study) {
        throw new UsageError(`unknown study '${name}' in ${store.location}; studies: ${(await store.listStudies()).map((s) => s.name).join(', ') || '(none)'}`);
      }
      const config = parseStudyConfig(study.config, { file: `${store.location}: study '${name}' config` });
      const space = studySpace(config, study.inputs);
      const spec = study.evaluator as { kind?: string; device?: unknown; law?: string } | undefined;
      let device: unknown = spec?.device ?? null;
      if (device === null && study.device) {
        try {
          device = getDevice(study.device);
        } catch (error) {
          device = { id: study.device, error: `profile not available: ${(error as Error).message}` };
        }
      }
      const lossLaw = spec?.law ?? null;
      const provenance = {
        study: study.name,
        status: study.status,
        seed: study.seed,
        space: study.space,
        device: study.device || null,
        deviceProfile: device,
        lossLaw,
        evaluator: spec ?? null,
        objectives: study.objectives,
        constraints: study.constraints,
        strategy: study.strategy,
        evaluations: study.evaluations,
        hwnasVersion: study.hwnasVersion,
        createdAt: new Date(study.createdAt).toISOString(),
        config,
      };
      const candidate = (r: CandidateRecord, isPareto: boolean): Exported => ({
        seq: r.seq,
        hash: r.hash,
        generation: r.generation,
        status: r.status,
        isPareto,
        genes: space.describe(r.genes),
        geneIndices: r.genes,
        architecture: space.decode(r.genes),
        metrics: r.metrics ?? {},
        violation: r.status === 'done' ? r.violation : null,
        error: r.error ?? null,
      });
      // Two passes over one snapshot of the study, so that memory does not grow with it: the objectives first (the
      // frontier needs them all, a few numbers per candidate), then each candidate written as it is read.
      written = await store.readSnapshot(async () => {
        const points: (readonly number[])[] = [];
        const violations: number[] = [];
        const metricNames = new Set<string>();
        const infinite = new Array<number>(study.objectives.length).fill(Infinity);
        for await (const r of store.candidates(study.id, ['done', 'failed'])) {
          points.push(r.status === 'done' ? r.objectives! : (r.objectives ?? infinite));
          violations.push(r.status === 'done' ? r.violation! : Infinity);
          if (r.metrics) for (const k in r.metrics) metricNames.add(k);
        }
        const pareto = new Uint8Array(points.length);
        for (const i of paretoIndices(points, violations)) pareto[i] = 1;
        points.length = 0;
        const chosen = async function* () {
          let i = 0;
          for await (const r of store.candidates(study.id, ['done', 'failed'])) {
            if (i >= pareto.length) break; // the snapshot holds no more; guard all the same
            const isPareto = pareto[i++] === 1;
            if (values.all || isPareto) yield candidate(r, isPareto);
          }
        };
        const file = OutputFile.open(output);
        try {
          if (format === 'json') await writeJson(file.write.bind(file), provenance, chosen());
          else await writeCsv(file.write.bind(file), { study, space, lossLaw, device, config, metricNames: [...metricNames].sort() }, chosen());
        } catch (error) {
          file.abort();
          throw error;
        }
        return file.commit();
      });
    } finally {
      await store.close();
    }
    console.error(outputLine(written, values.out));
    return 0;
  },
};
