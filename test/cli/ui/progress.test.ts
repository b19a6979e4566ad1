import { describe, expect, it } from 'vitest';
import type { StudyEvent } from '../../../search/study.js';
import { scatterChart, stepChart, wantsLogScale } from '../../../cli/ui/charts.js';
import { frontierLines, plainPrinter, progressLine } from '../../../cli/ui/plain.js';
import { budgetFraction, etaMs, formatDuration, initialProgress, reduceProgress, RATE_WINDOW_MS, type ProgressState } from '../../../cli/ui/progress.js';
import { parseObjectives } from '../../../core/objectives.js';

const started: StudyEvent = { type: 'started', study: 's', resumed: false, generation: 0, evaluations: 0, budget: { evaluations: 1000 } };
const gen = (generation: number, evaluations: number, failed = 0): StudyEvent => ({ type: 'generation', generation, asked: 100, evaluations, failed });
const fold = (events: [StudyEvent, number][]): ProgressState => events.reduce((s, [e, t]) => reduceProgress(s, e, t), initialProgress());

describe('progress state from study events', () => {
  it('counts evaluations, the rate over the window, the ETA and the budget share', () => {
    // 0 s: start; 2 s: 100 evaluated; 4 s: 200 evaluated → 50 candidates/s; 800 left → 16 s.
    const s = fold([
      [started, 0],
      [gen(0, 100), 2000],
      [gen(1, 200, 3), 4000],
    ]);
    expect(s.evaluations).toBe(200);
    expect(s.failed).toBe(3);
    expect(s.generation).toBe(2);
    expect(s.candidatesPerS).toBeCloseTo(50, 10);
    expect(etaMs(s)).toBeCloseTo(16_000, 6);
    expect(budgetFraction(s)).toBeCloseTo(0.2, 12);
    expect(formatDuration(etaMs(s))).toBe('16s');
  });

  it('lets a pause age out of the rate: only the last window counts', () => {
    // 100 evaluated by 1 s, then a 60 s pause, then 100 more in the next 2 s.
    const t1 = 1000;
    const t2 = t1 + 60_000;
    const s = fold([
      [started, 0],
      [gen(0, 100), t1],
      [gen(1, 100), t2],
      [gen(2, 200), t2 + 2000],
    ]);
    expect(RATE_WINDOW_MS).toBeLessThan(60_000);
    // Samples older than the window are dropped: the rate is over t2 → t2 + 2 s, 100 in 2 s.
    expect(s.candidatesPerS).toBeCloseTo(100 / 2, 10);
  });

  it('marks the points a frontier change added as newest, and keeps the hypervolume history', () => {
    const p = (seq: number, o: number[]) => ({ seq, genes: [seq], objectives: o });
    let s = fold([
      [started, 0],
      [{ type: 'frontier-changed', generation: 0, frontier: [p(1, [3, 1]), p(2, [2, 2])] }, 10],
      [{ type: 'hypervolume', generation: 0, hypervolume: 4, improved: true, staleGenerations: 0 }, 10],
    ]);
    expect([...s.newest].sort()).toEqual([1, 2]);
    s = reduceProgress(s, { type: 'frontier-changed', generation: 1, frontier: [p(2, [2, 2]), p(5, [1, 3])] }, 20);
    expect([...s.newest]).toEqual([5]);
    s = reduceProgress(s, { type: 'failed-candidate', generation: 1, seq: 7, genes: [0], error: 'boom' }, 21);
    expect(s.lastError).toBe('candidate 7: boom');
    expect(s.hypervolumeHistory).toEqual([{ evaluations: 0, hypervolume: 4 }]);
  });
});

describe('terminal charts', () => {
  it('places scatter points by hand-worked cells, newest over older, y upwards', () => {
    // Labels are 1 character wide ("0"/"1"/"2"), plus " │": the plot is 10 − 3 = 7 columns by 3 rows.
    const c = scatterChart(
      [
        { x: 0, y: 0 },
        { x: 6, y: 2 },
        { x: 3, y: 1, newest: true },
        { x: 3, y: 1 },
      ],
      10,
      4,
    );
    expect(c.rows).toHaveLength(3);
    expect(c.rows[0].label).toBe('2 │');
    expect(c.rows[2].cells[0]).toBe('old');
    expect(c.rows[0].cells[6]).toBe('old');
    expect(c.rows[1].cells[3]).toBe('new');
    expect(c.rows.flatMap((r) => r.cells).filter((m) => m !== ' ')).toHaveLength(3);
  });

  it('uses a log x axis only for positive values spanning more than the ratio', () => {
    expect(wantsLogScale([10, 300])).toBe(true);
    expect(wantsLogScale([10, 150])).toBe(false);
    expect(wantsLogScale([0, 1000])).toBe(false);
    // On a log axis 10, 100, 1000 are evenly spaced: columns 0, 3, 6 of a 7-column plot.
    // Equal y values are padded to 0.95–1.05: labels 4 wide, so width 13 leaves 13 − 6 = 7 columns.
    const c = scatterChart([{ x: 10, y: 1 }, { x: 100, y: 1 }, { x: 1000, y: 1 }], 13, 2, { logX: true });
    const row = c.rows.find((r) => r.cells.some((m) => m !== ' '))!;
    expect(row.cells.map((m, i) => (m === ' ' ? -1 : i)).filter((i) => i >= 0)).toEqual([0, 3, 6]);
    expect(c.xAxis).toContain('(log)');
  });

  it('draws a step chart with the lowest value at one eighth and the highest full', () => {
    const rows = stepChart([1, 2], 6, 1);
    // label "2"/"1" is 1 wide, plot 6 − 3 = 3 columns; one row: lowest → ▁, highest → █.
    expect(rows).toHaveLength(1);
    expect(rows[0].endsWith('│▁██') || rows[0].endsWith('│▁▁█')).toBe(true);
  });
});

describe('plain progress lines', () => {
  const objectives = parseObjectives('loss,latency');
  const describe_ = (g: readonly number[]) => ({ layers: g[0] });

  it('prints one line per generation once its hypervolume and frontier are known, then the stop line', () => {
    const lines: string[] = [];
    let t = 0;
    const print = plainPrinter({ write: (l) => lines.push(l), now: () => t, minIntervalMs: 0 });
    print(started);
    t = 1000;
    print(gen(0, 100));
    print({ type: 'hypervolume', generation: 0, hypervolume: 2.5, improved: true, staleGenerations: 0 });
    print({ type: 'frontier-changed', generation: 0, frontier: [{ seq: 4, genes: [8], objectives: [3.1, 20] }] });
    t = 2000;
    print({ type: 'finished', reason: 'evaluations', status: 'finished', generation: 1, evaluations: 100, failed: 0, frontierSize: 1, hypervolume: 2.5, elapsedMs: 2000 });
    expect(lines[0]).toBe('starting study s at generation 0 (0 evaluated); budget 1000 evaluations in total');
    expect(lines[1]).toBe('generation 0: 100/1000 evaluated (10%), 0 failed, 100/s, ETA 9s, hypervolume 2.5, frontier 1');
    expect(lines[2]).toBe('finished (evaluations) after 2s: 100 evaluated, 0 failed, hypervolume 2.5');
    // The frontier table is a result, printed by the command on stdout, not by the progress printer.
    expect(lines).toHaveLength(3);
  });

  it('shows a slow generation candidate by candidate, with the rate and ETA (measured latency)', () => {
    const lines: string[] = [];
    let t = 0;
    const print = plainPrinter({ write: (l) => lines.push(l), now: () => t, minIntervalMs: 1000 });
    print(started);
    // One candidate every 5 s: 1000 candidates at 0.2/s; after the second, 998 left → 4990 s = 1h23m.
    for (let k = 1; k <= 2; k++) {
      t = 5000 * k;
      print({ type: 'batch-evaluated', generation: 0, evaluated: 1, failed: 0, reused: 0, totalEvaluations: k, candidatesPerS: 0.2, elapsedMs: t });
    }
    expect(lines.slice(1)).toEqual(['generation 0 in progress: 1/1000 evaluated (0%), 0.2/s, ETA 1h23m', 'generation 0 in progress: 2/1000 evaluated (0%), 0.2/s, ETA 1h23m']);
  });

  it('a resumed study starts from its frontier and hypervolume, not from an empty one', () => {
    const frontier = [{ seq: 1, genes: [2], objectives: [3, 4] }];
    const s = fold([[{ type: 'started', study: 's', resumed: true, generation: 7, evaluations: 184, budget: { evaluations: 184 }, failed: 2, frontier, hypervolume: 1.5 }, 0]]);
    expect(s.frontier).toEqual(frontier);
    expect(s.hypervolume).toBe(1.5);
    expect(s.failed).toBe(2);
    const lines: string[] = [];
    plainPrinter({ write: (l) => lines.push(l), now: () => 0 })({ type: 'started', study: 's', resumed: true, generation: 7, evaluations: 184, budget: { evaluations: 184 }, frontier });
    expect(lines).toEqual(['resuming study s at generation 7 (184 evaluated, frontier of 1); budget 184 evaluations in total']);
    // hwnas resume has said where it resumes, with its budget: not a second time.
    const after: string[] = [];
    const announced = plainPrinter({ write: (l) => after.push(l), now: () => 0, announced: true });
    announced({ type: 'started', study: 's', resumed: true, generation: 7, evaluations: 184, budget: { evaluations: 184 }, frontier });
    expect(after).toEqual([]);
    // A study that starts is still announced.
    announced({ type: 'started', study: 's', resumed: false, generation: 0, evaluations: 0, budget: { evaluations: 10 } });
    expect(after).toEqual(['starting study s at generation 0 (0 evaluated); budget 10 evaluations in total']);
  });

  it('throttles generation lines but always prints the last one', () => {
    const lines: string[] = [];
    let t = 0;
    const print = plainPrinter({ write: (l) => lines.push(l), now: () => t, minIntervalMs: 1000 });
    print(started);
    for (let g = 0; g < 10; g++) {
      t += 100;
      print(gen(g, (g + 1) * 10));
      print({ type: 'hypervolume', generation: g, hypervolume: g, improved: true, staleGenerations: 0 });
    }
    print({ type: 'finished', reason: 'evaluations', status: 'finished', generation: 10, evaluations: 100, failed: 0, frontierSize: 0, hypervolume: 9, elapsedMs: 1000 });
    const genLines = lines.filter((l) => l.startsWith('generation'));
    expect(genLines).toHaveLength(2);
    expect(genLines[1]).toMatch(/^generation 9: 100\/1000/);
  });

  it('spreads the frontier table over the second objective', () => {
    const frontier = Array.from({ length: 30 }, (_, i) => ({ seq: i, genes: [i], objectives: [30 - i, i] }));
    const lines = frontierLines(frontier, objectives, describe_, 4);
    expect(lines[0]).toBe('frontier (30 points, 4 shown):');
    // Points 0, 10, 19, 29 (rounded even spacing of 30 over 4).
    expect(lines.slice(2).map((l) => Number(l.trim().split(/\s+/)[0]))).toEqual([0, 10, 19, 29]);
    expect(progressLine(initialProgress())).toMatch(/^generation 0: 0 evaluated/);
    // Values in their units: loss with 4 decimals, latency in ms.
    expect(lines[1].trim().split(/\s+/)).toEqual(['seq', 'layers', 'loss', '(nats/token)', 'latencyMs']);
    expect(lines[2].trim().split(/\s+/)).toEqual(['0', '0', '30.0000', '0', 'ms']);
    expect(frontierLines([], objectives, describe_)).toEqual(['frontier: empty (no feasible candidate)']);
  });
});
