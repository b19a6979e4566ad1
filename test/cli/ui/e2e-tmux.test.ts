/**
 * End to end through a real pseudo-terminal: tmux runs `hwnas` with no arguments; the test drives the launcher
 * with keys, runs a short search in the live view, exports from it, goes back and quits.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fromHfConfig } from '../../../core/hf-config.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const repo = resolve(import.meta.dirname, '../../..');
const socket = `hwnas-e2e-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', 'e2e');

async function waitFor(what: RegExp, ms: number): Promise<string> {
  const end = Date.now() + ms;
  let last = '';
  while (Date.now() < end) {
    last = screen();
    if (what.test(last)) return last;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what} on the screen:\n${last}`);
}

async function keys(...k: string[]): Promise<void> {
  for (const key of k) {
    tmux('send-keys', '-t', 'e2e', key);
    await new Promise((r) => setTimeout(r, 150));
  }
}

afterAll(() => {
  if (hasTmux) spawnSync('tmux', ['-L', socket, 'kill-server']);
});

describe('hwnas in a terminal (tmux)', () => {
  it.skipIf(!hasTmux)(`launch → short search → export → quit${hasTmux ? '' : ' (SKIPPED: tmux is not installed; apt-get install tmux)'}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-e2e-'));
    // CI=true would (rightly) turn the UI off: the pseudo-terminal here stands for a user's terminal.
    // --db: the launcher on another database than hwnas.db.
    const cmd = `cd ${dir} && env -u CI -u HWNAS_DB node ${join(repo, 'bin/hwnas.js')} --db other.db; echo EXIT=$? > exit.txt`;
    tmux('new-session', '-d', '-s', 'e2e', '-x', '120', '-y', '40', cmd);
    const opening = await waitFor(/❯ New search/, 30_000);
    expect(opening).toMatch(/database other\.db/);
    await keys('Enter');
    await waitFor(/Start search/, 5000);
    // Budget 2000 → 500, typed: up past threads and seed to the budget, type 500, enter keeps it; enter starts.
    await keys('Up', 'Up', 'Up', '5', '0', '0');
    await waitFor(/❯ budget\s+✎ 500/, 5000);
    await keys('Enter');
    await waitFor(/❯ budget\s+‹ 500 ›/, 5000);
    await keys('Enter');
    const running = await waitFor(/finished \(evaluations\)/, 60_000);
    expect(running).toMatch(/500\/500 evaluated/);
    expect(running).toMatch(/frontier: loss \(y\) vs latencyMs \(x\)/);
    await keys('e');
    await waitFor(/exported \S+-frontier\.json/, 30_000);
    const study = 'llm-codesign-jetson-agx-orin-nsga2-s0-loss.latency';
    const frontier = JSON.parse(readFileSync(join(dir, `${study}-frontier.json`), 'utf8')) as { candidates: unknown[] };
    expect(frontier.candidates.length).toBeGreaterThan(0);
    const summary = JSON.parse(readFileSync(join(dir, `${study}-hf`, 'summary.json'), 'utf8')) as { entries: { dir: string; modelType: string | null }[] };
    expect(summary.entries).toHaveLength(frontier.candidates.length);
    const first = summary.entries.find((e) => e.modelType)!;
    expect(fromHfConfig(JSON.parse(readFileSync(join(dir, `${study}-hf`, first.dir, 'config.json'), 'utf8'))).family).toBe('llm');
    await keys('q');
    const back = await waitFor(/❯ New search/, 10_000);
    expect(back).toMatch(/study llm-codesign-jetson-agx-orin-nsga2-s0-loss\.latency: finished \(evaluations\), 500 evaluated/);
    expect(existsSync(join(dir, 'other.db'))).toBe(true);
    expect(existsSync(join(dir, 'hwnas.db'))).toBe(false);
    await keys('q');
    const end = Date.now() + 10_000;
    while (!existsSync(join(dir, 'exit.txt')) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(join(dir, 'exit.txt'), 'utf8').trim()).toBe('EXIT=0');
  }, 120_000);
});
