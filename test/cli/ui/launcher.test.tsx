import { render } from 'ink-testing-library';
import React from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { Launcher, type LauncherAction, type StudyRow } from '../../../cli/ui/Launcher.js';
import { searchArgv, searchFields, searchProblemChecker } from '../../../cli/ui/run-launcher.js';

const tick = (ms = 120) => new Promise((r) => setTimeout(r, ms));
/** Waits until the frame satisfies `ok` (ink redraws at most 30 times a second; this machine may be loaded). */
async function until(ok: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}
const KEY = { up: '\u001B[A', down: '\u001B[B', right: '\u001B[C', left: '\u001B[D', enter: '\r' };

const studies: StudyRow[] = [
  { name: 'first', status: 'finished (evaluations)', evaluations: 500, failed: 0, frontierSize: 12, best: 'loss 2.9000 (#3, latencyMs 14.2 ms) · latencyMs 9.1 ms (#8, loss 3.2000)', space: 'llm-codesign', device: 'jetson-agx-orin', strategy: 'nsga2', updatedAt: Date.now() },
  { name: 'second', status: 'stopped (signal)', evaluations: 80, failed: 2, frontierSize: 5, best: '', space: 'nb201', device: 'rtx-4090', strategy: 'random', updatedAt: Date.now() },
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
    expect(frame).toContain('frontier  12 · loss 2.9000 (#3');
    ui.stdin.write(KEY.down);
    await until(() => /❯ second/.test(ui.lastFrame()!));
    ui.stdin.write('e');
    await until(() => actions.length > 0);
    expect(actions).toEqual([{ kind: 'export', study: 'second' }]);
  });
});

describe('launcher: typed values, kept selection, refused combinations', () => {
  function startWith(extra: Partial<React.ComponentProps<typeof Launcher>>) {
    const actions: LauncherAction[] = [];
    const ui = render(<Launcher fields={searchFields()} studies={studies} dbPath="hwnas.db" onAction={(a) => actions.push(a)} size={{ columns: 160, rows: 30 }} {...extra} />);
    unmount = ui.unmount;
    return { ui, actions };
  }
  const press = async (ui: ReturnType<typeof render>, k: string, shown: RegExp) => {
    ui.stdin.write(k);
    await until(() => shown.test(ui.lastFrame()!));
    expect(ui.lastFrame()).toMatch(shown);
  };

  it('takes a typed budget and constraint (enter keeps, esc drops), and starts with them', async () => {
    const { ui, actions } = startWith({ initialScreen: 'new' });
    await tick();
    // From Start: up past threads and seed to the budget; type 750.
    await press(ui, KEY.up, /❯ threads/);
    await press(ui, KEY.up, /❯ seed/);
    await press(ui, KEY.up, /❯ budget/);
    for (const ch of '750') ui.stdin.write(ch);
    await until(() => /❯ budget\s+✎ 750/.test(ui.lastFrame()!));
    await press(ui, KEY.enter, /❯ budget\s+‹ 750 ›\s+typed/);
    // Up twice to the constraint; type one, drop it with esc, type another and keep it.
    await press(ui, KEY.up, /❯ strategy/);
    await press(ui, KEY.up, /❯ constraint/);
    for (const ch of 'ttft<=5') ui.stdin.write(ch);
    await until(() => /✎ ttft<=5/.test(ui.lastFrame()!));
    await press(ui, '\u001B', /❯ constraint\s+‹ none ›/);
    for (const ch of 'decodeMsPerToken<=15') ui.stdin.write(ch);
    await until(() => /✎ decodeMsPerToken<=15/.test(ui.lastFrame()!));
    await press(ui, KEY.enter, /‹ decodeMsPerToken<=15 ›/);
    ui.stdin.write(KEY.enter);
    await until(() => actions.length > 0);
    expect(actions[0]).toMatchObject({ kind: 'search', values: { evaluations: '750', constraint: 'decodeMsPerToken<=15' } });
  });

  it('refuses a combination the search would refuse when it is chosen, and keeps what was entered', async () => {
    const validate = await searchProblemChecker();
    const { ui, actions } = startWith({ initialScreen: 'new', validate });
    await tick();
    // Up to the space (the first field) and over to fbnet: its candidates have no loss.
    for (let i = 0; i < 9; i++) ui.stdin.write(KEY.up);
    await until(() => /❯ space/.test(ui.lastFrame()!));
    let guard = 0;
    while (!/❯ space\s+‹ fbnet ›/.test(ui.lastFrame()!) && guard++ < 10) {
      ui.stdin.write(KEY.right);
      await tick(60);
    }
    await until(() => /cannot start: .*space fbnet gives no loss/.test(ui.lastFrame()!));
    ui.stdin.write(KEY.enter);
    await tick(200);
    expect(actions).toEqual([]);
    // Objectives latency,params: allowed; everything else as entered.
    for (let i = 0; i < 3; i++) ui.stdin.write(KEY.down);
    await until(() => /❯ objectives/.test(ui.lastFrame()!));
    // Left from loss,latency: the last presets (NAS-Bench-201 accuracy, then latency,params).
    guard = 0;
    while (!/❯ objectives\s+‹ latency,params ›/.test(ui.lastFrame()!) && guard++ < 10) {
      ui.stdin.write(KEY.left);
      await tick(60);
    }
    expect(ui.lastFrame()).toMatch(/❯ objectives\s+‹ latency,params ›/);
    await until(() => !/cannot start/.test(ui.lastFrame()!));
    ui.stdin.write(KEY.enter);
    await until(() => actions.length > 0);
    expect(actions[0]).toMatchObject({ kind: 'search', values: { space: 'fbnet', objectives: 'latency,params', device: 'jetson-agx-orin' } });
  });

  it('comes back with the study of the last action selected and the form as it was entered', async () => {
    const { ui, actions } = startWith({ initialScreen: 'studies', initialStudy: 'second' });
    await until(() => /❯ second/.test(ui.lastFrame()!));
    ui.stdin.write('h');
    await until(() => actions.length > 0);
    expect(actions).toEqual([{ kind: 'report', study: 'second' }]);
    unmount?.();
    const back = startWith({ initialScreen: 'new', initialValues: { ...Object.fromEntries(searchFields().map((f) => [f.key, f.choices[f.initial]])), evaluations: '750', space: 'nb201' } });
    await until(() => /budget\s+750/.test(back.ui.lastFrame()!));
    expect(back.ui.lastFrame()).toMatch(/space\s+nb201/);
  });
});

describe('launcher → search arguments', () => {
  it('maps the form onto hwnas search flags, the database included, and lets the search name the study', () => {
    const values = { space: 'llm-codesign', device: 'jetson-agx-orin', workload: 'serving', objectives: 'loss,latency', constraint: 'memory<=8GiB', strategy: 'nsga2', evaluations: '2000', seed: '0', threads: '0' };
    const argv = searchArgv(values, 'x.db');
    const flag = (f: string) => argv[argv.indexOf(f) + 1];
    expect(argv).not.toContain('--name');
    expect([flag('--batch'), flag('--prompt'), flag('--generate')]).toEqual(['8', '512', '128']);
    expect(flag('--constraint')).toBe('memory<=8GiB');
    expect(flag('--db')).toBe('x.db');
    expect(searchArgv({ ...values, constraint: 'none' }, 'x.db')).not.toContain('--constraint');
  });

  it('a study file (with its own evaluators) replaces the form: -c, the study named by its file or its configuration', () => {
    const values = { config: 'accuracy.yaml', space: 'llm-codesign', device: 'jetson-agx-orin', workload: 'chat', objectives: 'loss,latency', constraint: 'none', strategy: 'nsga2', evaluations: '2000', seed: '0', threads: '0' };
    // No --name: the file's own name: field, else the default name of its configuration (the same file again continues its study).
    expect(searchArgv(values, 'x.db')).toEqual(['-c', 'accuracy.yaml', '--db', 'x.db']);
  });
});
