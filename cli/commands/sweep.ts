import { csvCell } from '../format.js';
import type { Architecture, LlmArchitecture } from '../../core/architecture.js';
import { SPACES } from '../../core/spaces/index.js';
import { DEFAULT_TRAINING_TOKENS, lossOptionsOf } from '../../search/evaluate/analytic.js';
import { sweep } from '../../search/sweep.js';
import { helpText, numberFlag, parseFlags } from '../args.js';
import { resolveSpace } from '../../search/space-file.js';
import { hasPrecisionFlags, PRICING_FLAGS, readDevice, readPrecisionLoss, readWorkload, withPrecisionFlags } from '../architecture-input.js';
import { frontierLossSummary } from '../loss-parts.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { checkOutput, outputLine, writeOutput } from '../output.js';
import { loadLaw } from './analyze.js';

const FLAGS = {
  space: { type: 'string', value: 'id|file', help: `a finite space: ${Object.keys(SPACES).join(', ')}, or a space file (.json/.yaml)` },
  ...PRICING_FLAGS,
  objectives: { type: 'string', value: 'm1,m2', help: 'metrics the frontier trades off (default loss,latency for LLM spaces, latency,params for CNNs)' },
  constraint: { type: 'string', multiple: true, value: 'spec', help: 'a budget a frontier candidate must meet, e.g. "decodeMsPerToken<=20" or "memory<=8GiB" (repeatable)' },
  out: { type: 'string', value: 'file.csv|file.jsonl', help: 'where to write one row per candidate (required)' },
} as const;

/** Prefixes a UsageError's message with the flag it came from. */
function withFlag<T>(flag: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`--${flag}: ${error.message}`);
    throw error;
  }
}


export const command: Command = {
  name: 'sweep',
  help: () =>
    helpText({
      usage: 'hwnas sweep --space <id> --device <id|file.json> --out <file.csv|file.jsonl> [flags]',
      description: `Evaluates every candidate of a finite space with the analytic evaluator: one row per candidate with its genes,
every metric and is_pareto (feasible and non-dominated for the objectives). loss = baseLoss + quantPenalty +
trainingPrecisionPenalty at trainingTokens (Kumar et al. 2025, Scaling Laws for Precision); the summary gives the
frontier's precisions and where its losses extrapolate.`,
      flags: FLAGS,
    }),
  async run(argv) {
    const { values: f } = parseFlags('sweep', argv, FLAGS);
    if (!f.space) throw new UsageError(`--space is required; one of: ${Object.keys(SPACES).join(', ')}, or a space file`);
    const spaceId = f.space;
    const space = withFlag('space', () => resolveSpace(spaceId));
    if (!f.out) throw new UsageError('--out <file.csv|file.jsonl> is required');
    const format = f.out.endsWith('.csv') ? 'csv' : f.out.endsWith('.jsonl') ? 'jsonl' : null;
    if (!format) throw new UsageError(`--out: '${f.out}' must end in .csv or .jsonl`);
    const output = { flag: 'out', path: f.out };
    checkOutput(output);
    if (f.ideal && f.paper) throw new UsageError('give --ideal or --paper, not both');
    const lawId = f['loss-law'] ?? 'codesign';
    loadLaw(lawId); // refuses a bad law with its flag's name before any work
    const overrides = hasPrecisionFlags(f) ? f : null;
    const result = sweep({
      space,
      device: readDevice(f.device),
      workload: readWorkload(f),
      mode: f.paper ? 'paper' : f.ideal ? 'ideal' : 'roofline',
      lossLaw: lawId,
      trainingTokens: numberFlag('training-tokens', f['training-tokens'], DEFAULT_TRAINING_TOKENS, { min: 1 }),
      precisionLoss: readPrecisionLoss(f),
      ...(f.objectives ? { objectives: f.objectives } : {}),
      constraints: f.constraint ?? [],
      ...(overrides ? { transform: (arch: Architecture) => (arch.family === 'llm' ? withPrecisionFlags(arch, overrides) : arch) } : {}),
    });
    const { rows, objectives, constraints, seconds } = result;

    const geneNames = space.genes.map((g) => g.name);
    const metricNames = Object.keys(rows[0].metrics);
    let text: string;
    if (format === 'csv') {
      const lines = [[...geneNames, 'name', ...metricNames, 'is_pareto'].join(',')];
      for (const r of rows) lines.push([...geneNames.map((g) => csvCell(r.genes[g])), csvCell(r.name ?? ''), ...metricNames.map((m) => String(r.metrics[m])), r.isPareto ? '1' : '0'].join(','));
      text = lines.join('\n') + '\n';
    } else {
      text = rows.map((r) => JSON.stringify({ genes: r.genes, ...(r.name ? { name: r.name } : {}), metrics: r.metrics, is_pareto: r.isPareto })).join('\n') + '\n';
    }
    const written = writeOutput(output, text);
    const front = rows.filter((r) => r.isPareto);
    console.log(`${rows.length} candidates of ${spaceId} on ${result.device.id} in ${seconds.toFixed(2)} s (${Math.round(rows.length / seconds)} candidates/s); ${front.length} on the frontier of ${objectives.map((o) => o.metric).join(' vs ')}${constraints.length ? ` under ${constraints.map((c) => c.text).join(', ')}` : ''}; ${outputLine(written, f.out)}`);
    const llmFront = front.map((r) => r.architecture).filter((a): a is LlmArchitecture => a.family === 'llm');
    if (llmFront.length > 0 && objectives.some((o) => o.metric === 'loss')) for (const line of frontierLossSummary(llmFront, result.law, lossOptionsOf(result.spec))) console.log(line);
    return 0;
  },
};
