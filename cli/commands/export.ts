import type { Command } from '../command.js';
import { choiceFlag, parseFlags } from '../args.js';
import { UsageError } from '../errors.js';
import { paretoIndices } from '../../core/pareto.js';
import { resolveSpace } from '../../search/space-file.js';
import { getDevice } from '../../hardware/devices.js';
import { DEFAULT_DB, type CandidateRecord } from '../../search/store/index.js';
import { parseStudyConfig } from '../../search/study-config.js';
import { openStore } from '../open-store.js';
import { checkOutput, outputLine, writeOutput } from '../output.js';

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const USAGE = 'usage: hwnas export <study> --format json|csv|hf --out <path> [--all] [--db hwnas.db]';

export const command: Command = {
  name: 'export',
  summary: 'write a study\'s frontier (or every candidate with --all) as JSON or CSV, with full provenance',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseFlags(
      'export',
      argv,
      { db: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, all: { type: 'boolean' } },
      true,
    );
    if (positionals.length !== 1) throw new UsageError(USAGE);
    const format = choiceFlag('format', values.format, ['json', 'csv', 'hf'] as const);
    if (!values.out) throw new UsageError('--out is required: the file to write');
    const name = positionals[0];
    const dbPath = values.db ?? DEFAULT_DB;
    // Hugging Face configs and cards, one folder per frontier architecture (cli/report/hf.ts).
    if (format === 'hf') {
      if (values.all) throw new UsageError('--all: the hf format exports the frontier only');
      await (await import('../report/hf.js')).runHfExport({ dbPath, name, out: values.out });
      return 0;
    }
    const output = { flag: 'out', path: values.out };
    checkOutput(output);
    const store = openStore(dbPath, { readonly: true });
    let text: string;
    try {
      const study = store.getStudy(name);
      if (!study) {
        throw new UsageError(`unknown study '${name}' in ${dbPath}; studies: ${store.listStudies().map((s) => s.name).join(', ') || '(none)'}`);
      }
      const config = parseStudyConfig(study.config, { file: `${dbPath}: study '${name}' config` });
      const space = resolveSpace(config.space);
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
      const rows: CandidateRecord[] = [...store.candidates(study.id, ['done', 'failed'])];
      const points = rows.map((r) => (r.status === 'done' ? r.objectives! : r.objectives ?? new Array<number>(study.objectives.length).fill(Infinity)));
      const violations = rows.map((r) => (r.status === 'done' ? r.violation! : Infinity));
      const pareto = new Set(paretoIndices(points, violations));
      const chosen = rows.map((r, i) => ({ r, isPareto: pareto.has(i) })).filter((x) => values.all || x.isPareto);
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
      const candidate = ({ r, isPareto }: { r: CandidateRecord; isPareto: boolean }) => ({
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
      if (format === 'json') {
        text = JSON.stringify({ provenance, candidates: chosen.map(candidate) }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2) + '\n';
      } else {
        const metricNames = [...new Set(chosen.flatMap(({ r }) => Object.keys(r.metrics ?? {})))].sort();
        const geneNames = space.genes.map((g) => g.name);
        const head = [
          'seq', 'hash', 'generation', 'status', 'is_pareto',
          ...geneNames.map((g) => `gene_${g}`),
          ...metricNames,
          'violation', 'error', 'architecture',
          'study', 'seed', 'space', 'device', 'strategy', 'loss_law', 'objectives', 'constraints', 'device_profile', 'config',
        ];
        const lines = [head.join(',')];
        for (const x of chosen) {
          const c = candidate(x);
          lines.push(
            [
              c.seq, c.hash, c.generation, c.status, c.isPareto ? 1 : 0,
              ...geneNames.map((g) => c.genes[g]),
              ...metricNames.map((m) => c.metrics[m]),
              c.violation, c.error, c.architecture,
              study.name, study.seed, study.space, study.device, study.strategy, lossLaw, study.objectives.join(' '), study.constraints.join(' '), device, config,
            ]
              .map(csvCell)
              .join(','),
          );
        }
        text = lines.join('\n') + '\n';
      }
    } finally {
      store.close();
    }
    console.error(outputLine(writeOutput(output, text), values.out));
    return 0;
  },
};
