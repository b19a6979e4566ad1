/**
 * The live view of a study on a real PostgreSQL server, drawn by ink-testing-library through the same
 * executeStudy that `hwnas search --storage postgresql://…` runs, while a real `hwnas worker` process evaluates every
 * candidate (--workers-only): the view follows the worker's results, names the worker and counts what it recorded;
 * p stops the asking (the worker finishes the generation in flight, nothing new is handed out); e exports without
 * the password; q stops the coordinator with a checkpoint, and `hwnas resume` ends the study with exactly the
 * candidates of an uninterrupted SQLite run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { render } from 'ink-testing-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.js';
import { executeStudy } from '../../../cli/run-study.js';
import type { RenderLiveView } from '../../../cli/ui/live.js';
import { createStudyRecord, prepareStudy, runSearch } from '../../../search/run-search.js';
import { SqliteStore, type CandidateRecord } from '../../../search/store/index.js';
import { PostgresStore } from '../../../search/store/postgres/postgres.js';
import { TEST_PASSWORD, onTestProcessEnd, startPostgres, type TestServer } from '../../postgres-server.js';
import { captureConsole } from '../console.js';

const bin = resolve('bin/hwnas.js');
const { logs } = captureConsole();

let server: TestServer;
const children = new Set<ChildProcess>();
const killChildren = () => {
  for (const c of children) c.kill('SIGKILL');
};
const forgetChildren = onTestProcessEnd(killChildren);
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(() => {
  forgetChildren();
  killChildren();
  server?.destroy();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `ok` holds; fails with what the screen showed when it never does. */
async function until(what: string, ok: () => boolean | Promise<boolean>, screen: () => string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`never saw ${what}; the view showed:\n${screen()}`);
    await sleep(50);
  }
}

const row = (c: CandidateRecord) => ({ seq: c.seq, genes: c.genes.join('.'), generation: c.generation, status: c.status, metrics: c.metrics, objectives: c.objectives });

const STUDY = { name: 'lv', space: 'nb201', evaluator: 'slow-test', seed: 3, strategy: 'nsga2', strategyOptions: { populationSize: 8 }, generationSize: 8, evaluations: 48 };

describe('the live view of a study on a PostgreSQL server', () => {
  it('follows a remote worker, pauses the asking, exports, stops with a checkpoint; the resumed study is the uninterrupted one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-live-server-'));
    // The reference: the same study on SQLite in one go (the slow-test metrics do not depend on its cost).
    const refDb = join(dir, 'ref.db');
    await runSearch({ ...STUDY, costMs: 0 }, { storage: refDb });
    const ref = SqliteStore.open(refDb, { readonly: true });
    const expected = [...ref.candidates(ref.getStudy('lv')!.id)].map(row);
    ref.close();
    expect(expected).toHaveLength(48);

    const url = server.createDatabase('live');
    const resolved = await prepareStudy({ ...STUDY, costMs: 40 });
    const { store, study } = await createStudyRecord(resolved, 'test', { storage: url });
    const worker = spawn(process.execPath, [bin, 'worker', '--storage', url, '--study', 'lv', '--no-take-over', '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.add(worker);
    let workerErr = '';
    worker.stderr!.on('data', (b: Buffer) => (workerErr += b.toString()));
    const workerExit = new Promise<number | null>((done) => worker.on('exit', (code) => (children.delete(worker), done(code))));

    let ui: ReturnType<typeof render> | undefined;
    const renderLiveView: RenderLiveView = (tree) => {
      ui = render(tree);
      return { unmount: ui.unmount, waitUntilExit: async () => {} };
    };
    // The last frame drawn: when CI is set, ink's unmount writes one more, blank, frame (is-in-ci), which is not the view.
    const frame = () => ui?.frames.findLast((f) => f.trim() !== '') ?? '';
    const screen = () => `${frame()}\n(worker stderr: ${workerErr.slice(-2000)})`;
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const run = executeStudy({ store, storage: url, study, resolved, mode: 'tui', workersOnly: true, renderLiveView });
      await until('the first results', () => /[1-9]\d*\/48 evaluated/.test(frame()), screen);
      expect(frame()).toContain('on postgresql://postgres@127.0.0.1:');
      ui!.stdin.write('p');
      await until('the pause', () => frame().includes('paused (no new generation)'), screen);
      // Paused: the worker finishes the generation in flight and nothing more is handed out.
      const queue = store.queue!;
      await until('the generation in flight done', async () => {
        const a = await queue.studyActivity(study.id);
        return a.waiting + a.leased === 0;
      }, screen);
      const evaluated = (await queue.studyById(study.id))!.evaluations;
      expect(evaluated % 8).toBe(0);
      expect(evaluated).toBeGreaterThan(0);
      expect(evaluated).toBeLessThan(48);
      await sleep(1000);
      expect((await queue.studyById(study.id))!.evaluations).toBe(evaluated);
      expect(await queue.studyActivity(study.id)).toMatchObject({ waiting: 0, leased: 0 });
      // The view: the progress, a frontier, and the one worker serving, by host and pid, with what it recorded.
      const serving = new RegExp(`workers 1 · 0 waiting, 0 leased · [^ ]+:${worker.pid} ${evaluated} recorded`);
      await until('the worker and its records', () => serving.test(frame()) && frame().includes(`${evaluated}/48 evaluated`), screen);
      expect(frame()).toContain('paused: nothing new is asked; this generation is done, the workers wait');
      expect(frame()).toMatch(/frontier [1-9]\d* points/);
      expect(frame()).toMatch(/p pause asking · q stop/);

      ui!.stdin.write('e');
      await until('the export', () => frame().includes('exported lv-frontier.json'), screen);
      const doc = JSON.parse(readFileSync(join(dir, 'lv-frontier.json'), 'utf8')) as { candidates: unknown[] };
      expect(doc.candidates.length).toBeGreaterThan(0);

      ui!.stdin.write('q');
      expect(await run).toBe(0);
      expect(frame()).toContain('stopped (signal)');
      expect(ui!.frames.join('\n')).not.toContain(TEST_PASSWORD);
      expect(logs.join('\n')).toContain(`study lv: stopped (signal); ${evaluated} evaluated`);
      expect(logs.join('\n')).not.toContain(TEST_PASSWORD);
    } finally {
      process.chdir(cwd);
      ui?.unmount();
      await store.close();
    }
    expect(existsSync(join(dir, 'lv-frontier.json'))).toBe(true);

    // Stopped cleanly: no coordinator holds it, it is 'stopped', and a resume (the worker still serving) ends it.
    const look = await PostgresStore.open(url, { readonly: true });
    try {
      const s = (await look.getStudy('lv'))!;
      expect(s.status).toBe('stopped');
      expect(await look.coordinatorMissing(s.id)).toBe(true);
    } finally {
      await look.close();
    }
    expect(await main(['resume', 'lv', '--storage', url, '--quiet'])).toBe(0);
    const after = await PostgresStore.open(url, { readonly: true });
    try {
      const s = (await after.getStudy('lv'))!;
      expect(s.status).toBe('finished');
      const rows: ReturnType<typeof row>[] = [];
      for await (const c of after.candidates(s.id)) rows.push(row(c));
      expect(rows).toEqual(expected);
    } finally {
      await after.close();
    }
    worker.kill('SIGTERM');
    expect(await workerExit).toBe(0);
    // A worker that left serves no more: its row stays (it recorded candidates), but it is not counted.
    const gone = await PostgresStore.open(url, { readonly: true });
    try {
      expect(await gone.studyActivity((await gone.getStudy('lv'))!.id)).toEqual({ workers: [], waiting: 0, leased: 0 });
    } finally {
      await gone.close();
    }
  }, 180_000);
});
