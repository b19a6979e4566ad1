import { render } from 'ink-testing-library';
import React from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { Launcher, type LauncherAction, type StudyRow } from '../../../cli/ui/Launcher.js';
import { searchArgv, searchFields } from '../../../cli/ui/run-launcher.js';

const tick = (ms = 120) => new Promise((r) => setTimeout(r, ms));
/** Waits until the frame satisfies `ok` (ink redraws at most 30 times a second; this machine may be loaded). */
async function until(ok: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}
const KEY = { up: '\u001B[A', down: '\u001B[B', right: '\u001B[C', left: '\u001B[D', enter: '\r' };

const studies: StudyRow[] = [
  { name: 'first', status: 'finished (evaluations)', evaluations: 500, failed: 0, frontierSize: 12, best: { loss: 2.9, latencyMs: 14.2 }, space: 'llm-codesign', device: 'jetson-agx-orin', strategy: 'nsga2', updatedAt: Date.now() },
  { name: 'second', status: 'stopped (signal)', evaluations: 80, failed: 2, frontierSize: 5, best: {}, space: 'nb201', device: 'rtx-4090', strategy: 'random', updatedAt: Date.now() },
];

let unmount: (() => void) | undefined;
afterEach(() => unmount?.());

function start(initialScreen?: 'menu' | 'new' | 'studies') {
  const actions: LauncherAction[] = [];
  const ui = render(<Launcher fields={searchFields()} studies={studies} dbPath="hwnas.db" onAction={(a) => actions.push(a)} size={{ columns: 120, rows: 30 }} {...(initialScreen ? { initialScreen } : {})} />);
  unmount = ui.unmount;
  return { ui, actions };
}

describe('launcher', () => {
  it('defaults to the co-design space on Jetson AGX Orin, loss vs latency, NSGA-II', async () => {
    const { ui, actions } = start();
    await tick();
    expect(ui.lastFrame()).toContain('❯ New search');
    ui.stdin.write(KEY.enter);
    await until(() => ui.lastFrame()!.includes('Start search'));
    const frame = ui.lastFrame()!;
    expect(frame).toMatch(/space\s+llm-codesign/);
    expect(frame).toMatch(/device\s+jetson-agx-orin/);
    expect(frame).toMatch(/objectives\s+loss,latency/);
    expect(frame).toMatch(/strategy\s+nsga2/);
    ui.stdin.write(KEY.enter);
    await until(() => actions.length > 0);
    expect(actions).toEqual([
      { kind: 'search', values: { config: 'none', space: 'llm-codesign', device: 'jetson-agx-orin', workload: 'chat', objectives: 'loss,latency', constraint: 'none', strategy: 'nsga2', evaluations: '2000', seed: '0', threads: '0' } },
    ]);
  });

  it('changes a field with the arrow keys', async () => {
    const { ui, actions } = start('new');
    await tick();
    // From Start: up to threads, right to 1; up twice to budget, left to 1000. Each key waits for its redraw.
    const steps: [string, RegExp][] = [
      [KEY.up, /❯ threads/],
      [KEY.right, /❯ threads\s+‹ 1 ›/],
      [KEY.up, /❯ seed/],
      [KEY.up, /❯ budget/],
      [KEY.left, /❯ budget\s+‹ 1000 ›/],
    ];
    for (const [k, shown] of steps) {
      ui.stdin.write(k);
      await until(() => shown.test(ui.lastFrame()!));
      expect(ui.lastFrame()).toMatch(shown);
    }
    ui.stdin.write(KEY.enter);
    await until(() => actions.length > 0);
    expect(actions).toHaveLength(1);
    const a = actions[0];
    expect(a.kind === 'search' && a.values.threads).toBe('1');
    expect(a.kind === 'search' && a.values.evaluations).toBe('1000');
  });

  it('lists studies and turns r, e and h into resume, export and report of the selected one', async () => {
    const { ui, actions } = start('studies');
    await until(() => ui.lastFrame()!.includes('first'));
    const frame = ui.lastFrame()!;
    expect(frame).toMatch(/❯ first\s+finished \(evaluations\)\s+500 evaluated/);
    expect(frame).toContain('loss=2.9 latencyMs=14.2');
    ui.stdin.write(KEY.down);
    await until(() => /❯ second/.test(ui.lastFrame()!));
    ui.stdin.write('e');
    await until(() => actions.length > 0);
    expect(actions).toEqual([{ kind: 'export', study: 'second' }]);
  });
});

describe('launcher → search arguments', () => {
  it('maps the form onto hwnas search flags with a study name not yet taken', () => {
    const values = { space: 'llm-codesign', device: 'jetson-agx-orin', workload: 'serving', objectives: 'loss,latency', constraint: 'memory<=8GB', strategy: 'nsga2', evaluations: '2000', seed: '0', threads: '0' };
    const argv = searchArgv(values, 'x.db', new Set(['llm-codesign-jetson-agx-orin-nsga2-s0', 'llm-codesign-jetson-agx-orin-nsga2-s0-2']));
    const flag = (f: string) => argv[argv.indexOf(f) + 1];
    expect(flag('--name')).toBe('llm-codesign-jetson-agx-orin-nsga2-s0-3');
    expect([flag('--batch'), flag('--prompt'), flag('--generate')]).toEqual(['8', '512', '128']);
    expect(flag('--constraint')).toBe('memory<=8GB');
    expect(flag('--db')).toBe('x.db');
    expect(searchArgv({ ...values, constraint: 'none' }, 'x.db', new Set())).not.toContain('--constraint');
  });

  it('a study file (with its own evaluators) replaces the form: -c, named after the file', () => {
    const values = { config: 'accuracy.yaml', space: 'llm-codesign', device: 'jetson-agx-orin', workload: 'chat', objectives: 'loss,latency', constraint: 'none', strategy: 'nsga2', evaluations: '2000', seed: '0', threads: '0' };
    expect(searchArgv(values, 'x.db', new Set(['accuracy']))).toEqual(['-c', 'accuracy.yaml', '--name', 'accuracy-2', '--db', 'x.db']);
  });
});
