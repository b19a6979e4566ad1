/**
 * Plain progress for logs and CI (no TTY, CI=true or --plain), on stderr: one line per generation, at most one
 * every `minIntervalMs` (the last always), with evaluations, rate, ETA, hypervolume and frontier size, the failed
 * candidates, and the stop line. Reads the events through the same reducer as the live view. The results (the
 * summary and the frontier table) are not progress: the command prints them on stdout (frontierLines).
 */
import type { Objective } from '../../core/objectives.js';
import type { Genes } from '../../core/space.js';
import type { FrontierPoint, StudyEvent } from '../../search/study.js';
import { metricHeader, metricText } from '../format.js';
import { objectiveValue } from './LiveView.js';
import { budgetFraction, etaMs, formatDuration, formatNumber, initialProgress, reduceProgress, type ProgressState } from './progress.js';

export interface PlainOptions {
  readonly write?: (line: string) => void;
  readonly now?: () => number;
  /** Least time between two generation lines (default 1 s; 0 prints every generation). */
  readonly minIntervalMs?: number;
  /** The command said where the study resumes (hwnas resume): no second 'resuming' line. */
  readonly announced?: boolean;
}

/** A line within a generation (slow evaluators: one candidate at a time): evaluations so far, rate and ETA. */
export function midGenerationLine(s: ProgressState): string {
  const f = budgetFraction(s);
  const evals = s.budget.evaluations ? `${s.evaluations}/${s.budget.evaluations} evaluated` : `${s.evaluations} evaluated`;
  return [`generation ${s.generation} in progress: ${evals}${f === null ? '' : ` (${Math.floor(f * 100)}%)`}`, `${formatNumber(s.candidatesPerS)}/s`, `ETA ${formatDuration(etaMs(s))}`].join(', ');
}

export function progressLine(s: ProgressState): string {
  const f = budgetFraction(s);
  const evals = s.budget.evaluations ? `${s.evaluations}/${s.budget.evaluations} evaluated` : `${s.evaluations} evaluated`;
  return [
    `generation ${Math.max(0, s.generation - 1)}: ${evals}${f === null ? '' : ` (${Math.floor(f * 100)}%)`}`,
    `${s.failed} failed`,
    `${formatNumber(s.candidatesPerS)}/s`,
    `ETA ${formatDuration(etaMs(s))}`,
    `hypervolume ${formatNumber(s.hypervolume)}`,
    `frontier ${s.frontier.length}`,
  ].join(', ');
}

/**
 * The frontier as text lines: up to `rows` points spread over the second objective, each with its genes and
 * objective values in their units. Results, not progress: callers print them on stdout.
 */
export function frontierLines(frontier: readonly FrontierPoint[], objectives: readonly Objective[], describe: (g: Genes) => Record<string, number | string>, rows = 10, trainingTokens?: number): string[] {
  if (frontier.length === 0) return ['frontier: empty (no feasible candidate)'];
  const x = objectives.length > 1 ? 1 : 0;
  const sorted = [...frontier].sort((a, b) => objectiveValue(a, objectives, x) - objectiveValue(b, objectives, x));
  const picked = sorted.length <= rows ? sorted : Array.from({ length: rows }, (_, i) => sorted[Math.round((i * (sorted.length - 1)) / (rows - 1))]);
  const genes = Object.keys(describe(picked[0].genes));
  const head = ['seq', ...genes, ...objectives.map((o) => metricHeader(o.metric, trainingTokens))];
  const body = picked.map((p) => {
    const d = describe(p.genes);
    return [String(p.seq), ...genes.map((g) => String(d[g])), ...objectives.map((o, j) => metricText(o.metric, objectiveValue(p, objectives, j)))];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const fmt = (r: string[]) => '  ' + r.map((c, i) => c.padStart(widths[i])).join('  ');
  return [`frontier (${frontier.length} points${picked.length < sorted.length ? `, ${picked.length} shown` : ''}):`, fmt(head), ...body.map(fmt)];
}

/** An onEvent handler that prints plain lines. */
export function plainPrinter(options: PlainOptions = {}): (e: StudyEvent) => void {
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const now = options.now ?? Date.now;
  const interval = options.minIntervalMs ?? 1000;
  let state = initialProgress();
  let pending = false;
  let lastPrintedAt = -Infinity;
  const flush = (force: boolean) => {
    if (!pending) return;
    const t = now();
    if (!force && t - lastPrintedAt < interval) return;
    pending = false;
    lastPrintedAt = t;
    write(progressLine(state));
  };
  return (e) => {
    // A generation's line waits for its hypervolume and frontier events, which follow it.
    if (e.type !== 'hypervolume' && e.type !== 'frontier-changed') flush(e.type === 'finished');
    state = reduceProgress(state, e, now());
    switch (e.type) {
      case 'started':
        lastPrintedAt = now();
        if (e.resumed && options.announced) break;
        write(`${e.resumed ? 'resuming' : 'starting'} study ${e.study} at generation ${e.generation} (${e.evaluations} evaluated${e.resumed && e.frontier ? `, frontier of ${e.frontier.length}` : ''})${e.budget.evaluations ? `; budget ${e.budget.evaluations} evaluations in total` : ''}`);
        break;
      case 'batch-evaluated':
        // A slow generation (measured latency: seconds per candidate) shows its progress as it goes.
        if (now() - lastPrintedAt >= interval) {
          lastPrintedAt = now();
          write(midGenerationLine(state));
        }
        break;
      case 'hypervolume':
        pending = true;
        break;
      case 'frontier-changed':
        flush(false);
        break;
      case 'failed-candidate':
        write(`  candidate ${e.seq} failed: ${e.error}`);
        break;
      case 'finished':
        write(`${e.status} (${e.reason}) after ${formatDuration(e.elapsedMs)}: ${e.evaluations} evaluated, ${e.failed} failed, hypervolume ${formatNumber(e.hypervolume)}`);
        break;
      default:
        break;
    }
  };
}
