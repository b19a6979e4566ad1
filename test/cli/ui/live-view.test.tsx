import { render } from 'ink-testing-library';
import React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StudyControl, type ServerView } from '../../../cli/ui/control.js';
import { LiveApp } from '../../../cli/ui/LiveApp.js';
import { serverLine } from '../../../cli/ui/LiveView.js';
import { parseObjectives } from '../../../core/objectives.js';
import type { Evaluator } from '../../../search/evaluate/evaluator.js';
import type { StudyEvent } from '../../../search/study.js';
import { precisionCostOf } from '../../../cli/loss-parts.js';
import { createEvaluator } from '../../../search/evaluate/registry.js';
import { parseStudyConfig, resolveStudy } from '../../../search/study-config.js';

const tick = (ms = 120) => new Promise((r) => setTimeout(r, ms));
/** Waits until the frame satisfies `ok` (ink redraws at most 30 times a second; this machine may be loaded). */
async function until(ok: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}
const objectives = parseObjectives('loss,latency');
const describeGenes = (g: readonly number[]) => ({ layers: 4 * (g[0] + 1), width: 256 * (g[1] + 1) });
const point = (seq: number, loss: number, latencyMs: number) => ({ seq, genes: [seq % 8, seq % 3], objectives: [loss, latencyMs] });

function feed(control: StudyControl, events: StudyEvent[]) {
  for (const e of events) control.onEvent(e);
}

const EVENTS: StudyEvent[] = [
  { type: 'started', study: 'demo', resumed: false, generation: 0, evaluations: 0, budget: { evaluations: 100 } },
  { type: 'failed-candidate', generation: 0, seq: 3, genes: [3, 0], error: 'boom' },
  { type: 'generation', generation: 0, asked: 50, evaluations: 50, failed: 1 },
  { type: 'hypervolume', generation: 0, hypervolume: 12.5, improved: true, staleGenerations: 0 },
  { type: 'frontier-changed', generation: 0, frontier: [point(1, 4.0, 10), point(2, 3.5, 40)] },
  { type: 'generation', generation: 1, asked: 0, evaluations: 50, failed: 1 },
  { type: 'hypervolume', generation: 1, hypervolume: 20, improved: true, staleGenerations: 0 },
  { type: 'frontier-changed', generation: 1, frontier: [point(1, 4.0, 10), point(2, 3.5, 40), point(9, 3.0, 300)] },
];

function setup(size = { columns: 80, rows: 30 }) {
  const abort = vi.fn();
  const exportNow = vi.fn(async () => 'exported demo-frontier.json');
  const control = new StudyControl({ study: 'demo', abort, exportNow, minNotifyMs: 0 });
  const ui = render(<LiveApp control={control} subtitle="llm-codesign on jetson-agx-orin · nsga2" objectives={objectives} describe={describeGenes} size={size} />);
  return { control, abort, exportNow, ui };
}

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe('live study view', () => {
  it('shows progress, hypervolume, the frontier with its newest point, the best candidates and the last error', async () => {
    const { control, ui } = setup();
    cleanup = ui.unmount;
    feed(control, EVENTS);
    await tick();
    const frame = ui.lastFrame()!;
    expect(frame).toContain('study demo');
    expect(frame).toContain('50/100 evaluated');
    expect(frame).toContain('50%');
    expect(frame).toContain('gen 2');
    expect(frame).toContain('hypervolume 20');
    expect(frame).toContain('frontier 3 points');
    expect(frame).toContain('failed 1 · last error: candidate 3: boom');
    // The point the last change added is marked in the plot and in the table; older ones are not.
    expect(frame).toContain('◆');
    const rows = frame.split('\n');
    const row9 = rows.find((l) => /^◆\s+9\s/.test(l));
    expect(row9).toBeDefined();
    // Values in their units: loss to 4 decimals, latency in ms.
    expect(row9!.trim().split(/\s+/).slice(1)).toEqual(['9', '8', '256', '3.0000', '300.0', 'ms']);
    expect(rows.some((l) => /^\s+1\s+8\s+512\s+4\.0000\s+10 ms$/.test(l))).toBe(true);
  });

  it('beside the loss, what its precision costs, as the study prices it (int4 pays, fp16 nothing)', async () => {
    const resolved = resolveStudy(parseStudyConfig({ space: 'llm-codesign', device: 'jetson-agx-orin' }, {}), {});
    const cost = precisionCostOf(resolved.evaluator, resolved.space)!;
    const int4 = [0, 2, 2, 0, 1, 2];
    const fp16 = [4, 1, 2, 3, 1, 0];
    expect([resolved.space.describe(int4).precision, resolved.space.describe(fp16).precision]).toEqual(['int4', 'fp16']);
    // The study's own evaluator's record of each: its penalties are what the view shows.
    const evaluator = await createEvaluator(resolved.evaluator);
    const [a, b] = await evaluator.evaluate([resolved.space.decode(int4), resolved.space.decode(fp16)], [int4, fp16]);
    const penalty = (r: typeof a) => (r.ok ? r.metrics.quantPenalty + r.metrics.trainingPrecisionPenalty : NaN);
    expect(penalty(a)).toBeGreaterThan(0.001);
    expect(penalty(b)).toBe(0);
    const control = new StudyControl({ study: 'p', abort: vi.fn(), exportNow: vi.fn(async () => ''), minNotifyMs: 0 });
    const ui = render(<LiveApp control={control} subtitle="llm-codesign" objectives={objectives} describe={(g) => resolved.space.describe(g)} lossTokens={1e10} precisionCost={cost} size={{ columns: 120, rows: 30 }} />);
    cleanup = ui.unmount;
    const loss = (r: typeof a) => (r.ok ? r.metrics.loss : NaN);
    const latency = (r: typeof a) => (r.ok ? r.metrics.latencyMs : NaN);
    feed(control, [EVENTS[0], { type: 'frontier-changed', generation: 0, frontier: [{ seq: 1, genes: int4, objectives: [loss(a), latency(a)] }, { seq: 2, genes: fp16, objectives: [loss(b), latency(b)] }] }]);
    await until(() => ui.lastFrame()!.includes('precision cost'));
    const frame = ui.lastFrame()!;
    expect(frame).toMatch(/loss@10B\s+precision cost/);
    expect(frame).toContain(`+${penalty(a).toFixed(4)}`);
    expect(frame).toContain('+0.0000');
  });

  it('fits the terminal: no line wider than the columns, no more lines than the rows', async () => {
    for (const size of [
      { columns: 60, rows: 20 },
      { columns: 120, rows: 40 },
    ]) {
      const { control, ui } = setup(size);
      feed(control, EVENTS);
      await tick();
      const lines = ui.lastFrame()!.split('\n');
      ui.unmount();
      // Visible width: colour codes take no columns.
      expect(Math.max(...lines.map((l) => [...l.replace(/\u001b\[[0-9;]*m/g, '')].length))).toBeLessThanOrEqual(size.columns);
      expect(lines.length).toBeLessThanOrEqual(size.rows);
    }
  });

  it('p pauses the evaluator (nothing new starts) and resumes it; ? shows help; e exports', async () => {
    const { control, exportNow, ui } = setup();
    cleanup = ui.unmount;
    feed(control, EVENTS.slice(0, 1));
    let calls = 0;
    const inner: Evaluator = { id: 'x', evaluate: async (a) => (calls++, a.map(() => ({ ok: true as const, metrics: {} }))) };
    const gated = control.wrap(inner);
    await tick();
    ui.stdin.write('p');
    await until(() => ui.lastFrame()!.includes('paused'));
    expect(control.isPaused()).toBe(true);
    expect(ui.lastFrame()).toContain('paused');
    let done = false;
    const pending = gated.evaluate([]).then(() => (done = true));
    await tick(60);
    expect(done).toBe(false);
    expect(calls).toBe(0);
    ui.stdin.write('p');
    await pending;
    expect(calls).toBe(1);
    await until(() => ui.lastFrame()!.includes('running'));
    expect(ui.lastFrame()).toContain('running');
    ui.stdin.write('?');
    await until(() => ui.lastFrame()!.includes('q  stop'));
    expect(ui.lastFrame()).toContain('q  stop: finish the batch in flight, checkpoint');
    ui.stdin.write('e');
    await until(() => ui.lastFrame()!.includes('exported'));
    expect(exportNow).toHaveBeenCalledTimes(1);
    expect(ui.lastFrame()).toContain('exported demo-frontier.json');
  });

  it('q stops with the study signal, releasing a paused evaluator', async () => {
    const { control, abort, ui } = setup();
    cleanup = ui.unmount;
    feed(control, EVENTS.slice(0, 1));
    const gated = control.wrap({ id: 'x', evaluate: async () => [] });
    await tick();
    ui.stdin.write('p');
    await tick();
    const pending = gated.evaluate([]);
    ui.stdin.write('q');
    await pending;
    expect(abort).toHaveBeenCalledTimes(1);
    expect(control.isPaused()).toBe(false);
    await until(() => ui.lastFrame()!.includes('stopping…'));
    expect(ui.lastFrame()).toContain('stopping…');
    control.onEvent({ type: 'finished', reason: 'signal', status: 'stopped', generation: 0, evaluations: 0, failed: 0, frontierSize: 0, hypervolume: 0, elapsedMs: 5 });
    await until(() => ui.lastFrame()!.includes('stopped (signal)'));
    expect(ui.lastFrame()).toContain('stopped (signal)');
  });

  it('a server study: who works on it, what a pause means there (the asking stops, this process leases nothing), its help', async () => {
    const { control, ui } = setup({ columns: 160, rows: 40 });
    cleanup = ui.unmount;
    feed(control, EVENTS);
    control.setServer({
      location: 'postgresql://hwnas@db.lab:5432/nas',
      host: 'desk',
      pid: 77,
      workersOnly: false,
      activity: {
        workers: [
          { id: 'g', host: 'gpu-7', pid: 4242, device: null, leased: 3, recorded: 41 },
          { id: 'd', host: 'desk', pid: 77, device: null, leased: 0, recorded: 9 },
        ],
        waiting: 2,
        leased: 3,
      },
    });
    await until(() => ui.lastFrame()!.includes('workers 2'));
    expect(ui.lastFrame()).toContain('· on postgresql://hwnas@db.lab:5432/nas');
    expect(ui.lastFrame()).toContain('workers 2 (1 remote, 1 here) · 2 waiting, 3 leased · gpu-7:4242 41 recorded, 3 in hand · this process 9 recorded');
    expect(ui.lastFrame()).toContain('p pause asking · q stop');
    // Paused: the gate before each ask and each lease of this process's worker holds until resumed or stopped.
    ui.stdin.write('p');
    await until(() => ui.lastFrame()!.includes('paused'));
    expect(ui.lastFrame()).toContain('paused (no new generation)');
    expect(ui.lastFrame()).toContain('paused: nothing new is asked; the workers finish the 5 candidates left of this generation; this process leases nothing');
    let released = false;
    const held = control.waitWhilePaused().then(() => (released = true));
    const aborted = new AbortController();
    const heldUntilAbort = control.waitWhilePaused(aborted.signal);
    await tick(60);
    expect(released).toBe(false);
    aborted.abort();
    await heldUntilAbort;
    expect(released).toBe(false);
    ui.stdin.write('p');
    await held;
    expect(control.isPaused()).toBe(false);
    ui.stdin.write('?');
    await until(() => ui.lastFrame()!.includes('q  stop'));
    expect(ui.lastFrame()).toContain('p  pause / resume: ask no new generation (the workers finish the one in flight) and lease nothing in this process');
    expect(ui.lastFrame()).toContain('q  stop: checkpoint what is recorded, exit; candidates handed out stay for the workers');
  });

  it('a server study fits the terminal with its workers line, paused', async () => {
    const { control, ui } = setup({ columns: 60, rows: 20 });
    cleanup = ui.unmount;
    feed(control, EVENTS);
    const server: ServerView = { location: 'postgresql://u@h/d', host: 'h', pid: 1, workersOnly: true, activity: { workers: [], waiting: 8, leased: 0 } };
    control.setServer(server);
    control.pause();
    await until(() => ui.lastFrame()!.includes('paused'));
    const lines = ui.lastFrame()!.split('\n');
    expect(Math.max(...lines.map((l) => [...l.replace(/\u001b\[[0-9;]*m/g, '')].length))).toBeLessThanOrEqual(60);
    expect(lines.length).toBeLessThanOrEqual(20);
  });

  it('the workers line: none serving yet, not read yet, the server not answering', () => {
    const base: ServerView = { location: 'postgresql://u@h/d', host: 'h', pid: 1, workersOnly: true };
    expect(serverLine(base)).toBe('workers: reading…');
    expect(serverLine({ ...base, activity: { workers: [], waiting: 8, leased: 0 } })).toBe('workers 0 · 8 waiting, 0 leased · no worker serving: start hwnas worker --storage <url>');
    expect(serverLine({ ...base, error: 'postgresql://u@h/d: connection refused' })).toBe('workers: no answer from the server (postgresql://u@h/d: connection refused)');
  });
});
