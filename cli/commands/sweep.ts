import type { Architecture, LlmArchitecture } from '../../core/architecture.js';
import { missingMetrics, nanMetricMessage, nanMetrics, parseConstraints, parseObjectives, scoreMetrics } from '../../core/objectives.js';
import { paretoIndices } from '../../core/pareto.js';
import { SPACES } from '../../core/spaces/index.js';
import { analyticMetrics, DEFAULT_TRAINING_TOKENS, lossOptionsOf, type AnalyticSpec } from '../../search/evaluate/analytic.js';
import { numberFlag, parseFlags } from '../args.js';
import { resolveSpace } from '../../search/space-file.js';
import { hasPrecisionFlags, PRICING_FLAGS, readDevice, readPrecisionLoss, readWorkload, withPrecisionFlags } from '../architecture-input.js';
import { frontierLossSummary } from '../loss-parts.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { checkOutput, outputLine, writeOutput } from '../output.js';
import { loadLaw } from './analyze.js';

const FLAGS = {
  space: { type: 'string' },
  ...PRICING_FLAGS,
  objectives: { type: 'string' },
  constraint: { type: 'string', multiple: true },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const HELP = `hwnas sweep --space <id> --device <id|file.json> --out <file.csv|file.jsonl>
  [--batch --prompt --generate] [--weights --activations --kv] [--attention-weights --mlp-weights --embedding-weights]
  [--ideal | --paper] [--loss-law id|file] [--training-tokens 1e10] [--training-precision bf16] [--ptq-b none|exponent]
  [--objectives loss,latency] [--constraint "decodeMsPerToken<=20" ...]

Evaluates every candidate of a finite space with the analytic evaluator; one row per candidate with its genes,
every metric and is_pareto (feasible and non-dominated for the objectives). loss = baseLoss + quantPenalty +
trainingPrecisionPenalty at trainingTokens (papers.md §5); the summary gives the frontier's precisions and where
its losses extrapolate.`;

/** Prefixes a UsageError's message with the flag it came from. */
function withFlag<T>(flag: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`--${flag}: ${error.message}`);
    throw error;
  }
}

/** Largest space a sweep enumerates; beyond it, search instead. */
const MAX_SWEEP = 2_000_000;

function csvCell(v: unknown): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const command: Command = {
  name: 'sweep',
  summary: 'evaluate every candidate of a finite space and mark the Pareto frontier',
  async run(argv) {
    const { values: f } = parseFlags('sweep', argv, FLAGS);
    if (f.help) {
      console.log(HELP);
      return 0;
    }
    if (!f.space) throw new UsageError(`--space is required; one of: ${Object.keys(SPACES).join(', ')}, or a space file`);
    const spaceId = f.space;
    const space = withFlag('space', () => resolveSpace(spaceId));
    if (!space.enumerate || space.size() > MAX_SWEEP) throw new UsageError(`--space ${spaceId}: ${space.size().toExponential(2)} candidates is too many to sweep (limit ${MAX_SWEEP}); use hwnas search`);
    if (!f.out) throw new UsageError('--out <file.csv|file.jsonl> is required');
    const format = f.out.endsWith('.csv') ? 'csv' : f.out.endsWith('.jsonl') ? 'jsonl' : null;
    if (!format) throw new UsageError(`--out: '${f.out}' must end in .csv or .jsonl`);
    const output = { flag: 'out', path: f.out };
    checkOutput(output);
    if (f.ideal && f.paper) throw new UsageError('give --ideal or --paper, not both');
    const lawId = f['loss-law'] ?? 'codesign';
    const law = loadLaw(lawId);
    const spec: AnalyticSpec = {
      kind: 'analytic',
      device: readDevice(f.device),
      workload: readWorkload(f),
      mode: f.paper ? 'paper' : f.ideal ? 'ideal' : 'roofline',
      law: lawId,
      trainingTokens: numberFlag('training-tokens', f['training-tokens'], DEFAULT_TRAINING_TOKENS, { min: 1 }),
      precisionLoss: readPrecisionLoss(f),
    };
    const first = space.decode(space.enumerate()[Symbol.iterator]().next().value as number[]);
    const objectives = parseObjectives(f.objectives ?? (first.family === 'llm' ? 'loss,latency' : 'latency,params'));
    const constraints = parseConstraints(f.constraint ?? []);
    const overrides = hasPrecisionFlags(f) ? f : null;
    // The metrics the objectives and constraints name must be ones this space's candidates have.
    const sample = analyticMetrics(overrides && first.family === 'llm' ? withPrecisionFlags(first, overrides) : first, spec, law);
    const gives = `it gives: ${Object.keys(sample).join(', ')}`;
    const lacking = missingMetrics(sample, objectives, []);
    if (lacking.length > 0) throw new UsageError(`--objectives: space ${spaceId} gives no ${lacking.join(', ')}; ${gives}`);
    const lackingC = missingMetrics(sample, [], constraints);
    if (lackingC.length > 0) throw new UsageError(`--constraint: space ${spaceId} gives no ${lackingC.join(', ')}; ${gives}`);

    const t0 = performance.now();
    const rows: { genes: Record<string, number | string>; name?: string; metrics: Record<string, number>; arch: Architecture }[] = [];
    const points: number[][] = [];
    const violations: number[] = [];
    for (const genes of space.enumerate()) {
      let arch: Architecture = space.decode(genes);
      if (overrides && arch.family === 'llm') arch = withPrecisionFlags(arch, overrides);
      const metrics = analyticMetrics(arch, spec, law);
      const nan = nanMetrics(metrics, objectives, constraints);
      if (nan.length > 0) throw new UsageError(nanMetricMessage(nan[0], lawId, space.key(genes)));
      const score = scoreMetrics(metrics, objectives, constraints);
      rows.push({ genes: space.describe(genes), ...(arch.family === 'llm' && arch.name ? { name: arch.name } : {}), metrics, arch });
      points.push(score.objectives);
      violations.push(score.violation);
    }
    const pareto = new Set(paretoIndices(points, violations));
    const seconds = (performance.now() - t0) / 1e3;

    const geneNames = space.genes.map((g) => g.name);
    const metricNames = Object.keys(rows[0].metrics);
    let text: string;
    if (format === 'csv') {
      const lines = [[...geneNames, 'name', ...metricNames, 'is_pareto'].join(',')];
      rows.forEach((r, i) => lines.push([...geneNames.map((g) => csvCell(r.genes[g])), csvCell(r.name ?? ''), ...metricNames.map((m) => String(r.metrics[m])), pareto.has(i) ? '1' : '0'].join(',')));
      text = lines.join('\n') + '\n';
    } else {
      text = rows.map((r, i) => JSON.stringify({ genes: r.genes, ...(r.name ? { name: r.name } : {}), metrics: r.metrics, is_pareto: pareto.has(i) })).join('\n') + '\n';
    }
    const written = writeOutput(output, text);
    console.log(`${rows.length} candidates of ${spaceId} on ${spec.device.id} in ${seconds.toFixed(2)} s (${Math.round(rows.length / seconds)} candidates/s); ${pareto.size} on the frontier of ${objectives.map((o) => o.metric).join(' vs ')}${constraints.length ? ` under ${constraints.map((c) => c.text).join(', ')}` : ''}; ${outputLine(written, f.out)}`);
    const front = [...pareto].map((i) => rows[i].arch).filter((a): a is LlmArchitecture => a.family === 'llm');
    if (front.length > 0 && objectives.some((o) => o.metric === 'loss')) for (const line of frontierLossSummary(front, law, lossOptionsOf(spec))) console.log(line);
    return 0;
  },
};
