/**
 * The live view of a running study: progress bar (evaluations, rate, ETA), generation, hypervolume over time,
 * the frontier as a terminal scatter plot with the newest points marked, the best candidates, failures, keys.
 * Presentational: everything comes in through props, sized to the width and height given.
 */
import { Box, Text } from 'ink';
import React from 'react';
import type { Objective } from '../../core/objectives.js';
import type { Genes } from '../../core/space.js';
import type { FrontierPoint } from '../../search/study.js';
import type { ServerView } from './control.js';
import { MARK_CHAR, scatterChart, stepChart, wantsLogScale, type Mark } from './charts.js';
import { budgetFraction, etaMs, formatDuration, formatNumber, type ProgressState } from './progress.js';
import { countText, metricText } from '../format.js';

export interface LiveViewProps {
  readonly state: ProgressState;
  /** What is searched, e.g. "llm-codesign on jetson-agx-orin · nsga2". */
  readonly subtitle: string;
  readonly objectives: readonly Objective[];
  readonly describe: (genes: Genes) => Record<string, number | string>;
  /** The training tokens the loss is predicted after, for its column header. */
  readonly lossTokens?: number;
  /**
   * What precision costs a candidate's loss (quantisation + training precision, nats/token): shown beside the loss,
   * so that a low loss bought with a costly precision is seen as such.
   */
  readonly precisionCost?: (genes: Genes) => number | undefined;
  readonly paused: boolean;
  readonly stopping?: boolean;
  readonly message?: string;
  readonly showHelp?: boolean;
  /** Footer text for a finished study (the launcher offers more keys than `hwnas search`). */
  readonly finishedKeys?: string;
  /** A study on a server: who works on it. */
  readonly server?: ServerView;
  readonly width: number;
  readonly height: number;
}

/** The metric value of objective j of a frontier point, in the metric's own sign. */
export function objectiveValue(p: FrontierPoint, objectives: readonly Objective[], j: number): number {
  const v = p.objectives[j];
  return objectives[j]?.direction === 'max' ? -v : v;
}

function bar(fraction: number | null, width: number): string {
  if (fraction === null) return '';
  const full = Math.round(fraction * width);
  return '█'.repeat(full) + '░'.repeat(Math.max(0, width - full));
}

function statusText(p: LiveViewProps): { text: string; color: string } {
  const f = p.state.finished;
  if (f) return { text: `${f.status} (${f.reason})`, color: f.status === 'finished' ? 'green' : 'yellow' };
  if (p.stopping) return { text: 'stopping…', color: 'yellow' };
  if (p.paused) return { text: p.server ? 'paused (no new generation)' : 'paused', color: 'yellow' };
  return { text: 'running', color: 'cyan' };
}

// Plot cells are coloured with ANSI codes inside one string per row: a Text node per run of marks would cost
// the layout engine hundreds of nodes per frame, which a fast study feels.
const ANSI: Record<Mark, [string, string]> = { ' ': ['', ''], old: ['\u001b[36m', '\u001b[39m'], new: ['\u001b[95;1m', '\u001b[39;22m'] };

const NO_COLOR = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';

export function scatterRowText(cells: readonly Mark[]): string {
  let out = '';
  let i = 0;
  while (i < cells.length) {
    const m = cells[i];
    let j = i;
    while (j < cells.length && cells[j] === m) j++;
    out += NO_COLOR ? MARK_CHAR[m].repeat(j - i) : ANSI[m][0] + MARK_CHAR[m].repeat(j - i) + ANSI[m][1];
    i = j;
  }
  return out;
}

function ScatterRows({ rows }: { rows: readonly { label: string; cells: readonly Mark[] }[] }) {
  return (
    <>
      {rows.map((row, r) => (
        <Text key={r} wrap="truncate">
          <Text dimColor>{row.label}</Text>
          {scatterRowText(row.cells)}
        </Text>
      ))}
    </>
  );
}

const HELP = [
  'p  pause / resume evaluation (the candidates in flight finish first)',
  'q  stop: finish the batch in flight, checkpoint, exit (resume later with hwnas resume <study>)',
  'e  export the current frontier (JSON, and Hugging Face configs for LLM spaces)',
  '?  show / hide this help',
];

// On a server the other workers are other processes: this one can stop asking, not stop them.
const SERVER_HELP = [
  'p  pause / resume: ask no new generation (the workers finish the one in flight) and lease nothing in this process',
  'q  stop: checkpoint what is recorded, exit; candidates handed out stay for the workers; hwnas resume <study> continues',
  'e  export the current frontier (JSON, and Hugging Face configs for LLM spaces)',
  '?  show / hide this help',
];

/** Who works on a server study: how many workers, what waits for them, and each worker with what it recorded. */
export function serverLine(server: ServerView): string {
  const a = server.activity;
  if (!a) return `workers: ${server.error ? `no answer from the server (${server.error})` : 'reading…'}`;
  const here = (w: { host: string; pid: number }) => w.host === server.host && w.pid === server.pid;
  const remote = a.workers.filter((w) => !here(w)).length;
  const mine = a.workers.length - remote;
  const who = a.workers.map((w) => `${here(w) ? 'this process' : `${w.host}:${w.pid}`} ${w.recorded} recorded${w.leased > 0 ? `, ${w.leased} in hand` : ''}`);
  const count = `workers ${a.workers.length}${mine > 0 && remote > 0 ? ` (${remote} remote, ${mine} here)` : ''}`;
  const tasks = `${a.waiting} waiting, ${a.leased} leased`;
  const none = a.workers.length === 0 && a.waiting + a.leased > 0 ? ' · no worker serving: start hwnas worker --storage <url>' : '';
  const error = server.error ? ` · last look failed: ${server.error}` : '';
  return [count, tasks, ...who].join(' · ') + none + error;
}

/** What a pause means on a server: the asking stops, the workers (other processes) do not. */
export function pausedText(server: ServerView): string {
  const a = server.activity;
  const left = a ? a.waiting + a.leased : undefined;
  const workers = left === undefined ? 'the workers finish the generation in flight' : left > 0 ? `the workers finish the ${left} candidate${left === 1 ? '' : 's'} left of this generation` : 'this generation is done, the workers wait';
  return `paused: nothing new is asked; ${workers}${server.workersOnly ? '' : '; this process leases nothing'}`;
}

/** Rows of the best-candidates table: frontier points spread over the x objective, newest marked. */
function tableRows(p: LiveViewProps, maxRows: number): { head: string; lines: { text: string; isNew: boolean }[] } {
  const { objectives, state } = p;
  const x = objectives.length > 1 ? 1 : 0;
  const sorted = [...state.frontier].sort((a, b) => objectiveValue(a, objectives, x) - objectiveValue(b, objectives, x));
  const picked: FrontierPoint[] = [];
  if (sorted.length <= maxRows) picked.push(...sorted);
  else for (let i = 0; i < maxRows; i++) picked.push(sorted[Math.round((i * (sorted.length - 1)) / Math.max(1, maxRows - 1))]);
  const geneNames = picked.length > 0 ? Object.keys(p.describe(picked[0].genes)) : [];
  // The loss's precision part beside it: '+0.0165' of the loss is what its precision costs.
  const cost = objectives.some((o) => o.metric === 'loss') ? p.precisionCost : undefined;
  const lossCols = (o: Objective) => (o.metric === 'loss' ? [p.lossTokens ? `loss@${countText(p.lossTokens)}` : 'loss', ...(cost ? ['precision cost'] : [])] : [o.metric]);
  const cols = ['seq', ...geneNames, ...objectives.flatMap(lossCols)];
  const cells = picked.map((pt) => {
    const d = p.describe(pt.genes);
    const values = objectives.flatMap((o, j) => {
      const text = metricText(o.metric, objectiveValue(pt, objectives, j));
      if (o.metric !== 'loss' || !cost) return [text];
      const c = cost(pt.genes);
      return [text, c === undefined ? '—' : `+${c.toFixed(4)}`];
    });
    return [String(pt.seq), ...geneNames.map((g) => String(d[g])), ...values];
  });
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padStart(widths[i])).join('  ');
  return { head: '  ' + fmt(cols), lines: cells.map((r, i) => ({ text: (state.newest.has(picked[i].seq) ? '◆ ' : '  ') + fmt(r), isNew: state.newest.has(picked[i].seq) })) };
}

export function LiveView(p: LiveViewProps) {
  const { state, width, objectives } = p;
  const w = Math.max(40, width);
  const status = statusText(p);
  const fraction = budgetFraction(state);
  const budgetText = state.budget.evaluations ? `${state.evaluations}/${state.budget.evaluations}` : String(state.evaluations);
  const stats = `${budgetText} evaluated · ${formatNumber(state.candidatesPerS)}/s · ETA ${formatDuration(etaMs(state))} · gen ${state.generation} · elapsed ${formatDuration(state.elapsedMs)}`;
  const barWidth = Math.max(10, Math.min(40, w - stats.length - 8));

  const server = p.server;
  const help = server ? SERVER_HELP : HELP;
  const pausedOnServer = server !== undefined && p.paused && state.finished === undefined && !p.stopping;
  // Height budget: header 2, hv title 1 + chart, frontier title 1 + plot + axis 1, table head 1 + rows, failure 1, keys 1
  // (a server study: its workers 1, and 1 while paused).
  const fixed = 2 + 1 + 1 + 1 + 1 + 1 + 1 + (p.showHelp ? help.length : 0) + (server ? 1 : 0) + (pausedOnServer ? 1 : 0);
  let free = Math.max(6, p.height - fixed - 1);
  const hvRows = free >= 24 ? 4 : free >= 14 ? 2 : 0;
  free -= hvRows;
  const tableMax = Math.min(8, Math.max(2, Math.floor(free / 3)));
  const table = tableRows(p, Math.min(tableMax, Math.max(0, state.frontier.length)));
  free -= Math.min(tableMax, table.lines.length);
  const plotRows = Math.max(4, free);

  const xi = objectives.length > 1 ? 1 : 0;
  const points = state.frontier.map((pt) => ({
    x: objectiveValue(pt, objectives, xi),
    y: objectiveValue(pt, objectives, 0),
    newest: state.newest.has(pt.seq),
  }));
  const chart = scatterChart(points, w - 1, plotRows, { logX: wantsLogScale(points.map((pt) => pt.x)) });
  const hv = hvRows > 0 && state.hypervolumeHistory.length > 0 ? stepChart(state.hypervolumeHistory.map((h) => h.hypervolume), w - 1, hvRows) : [];
  const finished = state.finished !== undefined;

  return (
    <Box flexDirection="column" width={w}>
      <Text wrap="truncate">
        {/* The status first: a long study name is what the terminal's width cuts. */}
        <Text bold>hwnas</Text> · <Text color={status.color}>{status.text}</Text> · study <Text bold>{state.study}</Text> · {p.subtitle}
        {server ? ` · on ${server.location}` : ''}
      </Text>
      <Text wrap="truncate">
        <Text color="green">{bar(fraction, barWidth)}</Text> {fraction === null ? '' : `${Math.floor(fraction * 100)}% `}
        {stats}
      </Text>
      {server && (
        <Text wrap="truncate" color={server.error ? 'red' : undefined}>
          {serverLine(server)}
        </Text>
      )}
      {pausedOnServer && (
        <Text wrap="truncate" color="yellow">
          {pausedText(server)}
        </Text>
      )}
      <Text wrap="truncate">
        hypervolume <Text bold>{formatNumber(state.hypervolume)}</Text> · frontier {state.frontier.length} points
      </Text>
      {hv.map((line, i) => (
        <Text key={`hv${i}`} wrap="truncate" color="green">
          {line}
        </Text>
      ))}
      <Text wrap="truncate">
        frontier: <Text bold>{objectives[0]?.metric ?? ''}</Text> (y) vs <Text bold>{objectives[xi]?.metric ?? ''}</Text> (x) ·{' '}
        <Text color="cyan">{MARK_CHAR.old}</Text> frontier <Text color="magentaBright">{MARK_CHAR.new}</Text> new in the last change
      </Text>
      {state.frontier.length === 0 ? <Text dimColor>(no feasible candidate yet)</Text> : <ScatterRows rows={chart.rows} />}
      {state.frontier.length > 0 && (
        <Text dimColor wrap="truncate">
          {chart.xAxis}
        </Text>
      )}
      <Text bold wrap="truncate">
        {table.head}
      </Text>
      {table.lines.map((l, i) => (
        <Text key={`t${i}`} wrap="truncate" color={l.isNew ? 'magentaBright' : undefined}>
          {l.text}
        </Text>
      ))}
      <Text wrap="truncate" color={state.failed > 0 ? 'red' : undefined}>
        failed {state.failed}
        {state.lastError ? ` · last error: ${state.lastError}` : ''}
      </Text>
      {p.showHelp && help.map((h) => <Text key={h} wrap="truncate">{h}</Text>)}
      <Text wrap="truncate" dimColor={!p.message}>
        {finished ? (p.finishedKeys ?? 'e export · q quit') : `p ${server ? 'pause asking' : 'pause'} · q stop (checkpoint) · e export · ? help`}
        {p.message ? ` │ ${p.message}` : ''}
      </Text>
    </Box>
  );
}
