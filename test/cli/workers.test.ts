/**
 * Studies on a real PostgreSQL server worked on by real `hwnas` processes: a coordinator and three workers killed
 * with SIGKILL at random moments end with exactly the candidates of an uninterrupted SQLite run; a coordinator that
 * hangs (SIGSTOP) loses its study to a worker and is fenced off when it wakes, and one stopped inside a transaction
 * has its every session ended (no wait for a server timeout); a coordinator whose event loop is blocked is not taken
 * over; a worker that hangs past its lease loses its candidates to another and its late results are dropped; a
 * worker of another device takes nothing; two studies share one server; the server goes away mid-study and comes
 * back; bad URLs, wrong passwords and a newer schema are one line each, without the password.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { createRng } from '../../core/rng.js';
import { SqliteStore, contentHash, type CandidateRecord, type StudyRecord } from '../../search/store/index.js';
import { PostgresStore } from '../../search/store/postgres/postgres.js';
import { PG_SCHEMA_VERSION } from '../../search/store/postgres/schema.js';
import { redactUrl } from '../../search/store/postgres/url.js';
import { captureConsole } from './console.js';
import { TEST_PASSWORD, onTestProcessEnd, startPostgres, type TestServer } from '../postgres-server.js';

const bin = resolve('bin/hwnas.js');
const { errors } = captureConsole();

let server: TestServer;
const children = new Set<ChildProcess>();
/** What the processes of the current test said, shown when it fails. */
let spoken: { readonly args: string[]; readonly stderr: () => string }[] = [];
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') for (const p of spoken) process.stderr.write(`hwnas ${p.args.join(' ')}\n${p.stderr().slice(-4000)}\n`);
  spoken = [];
});
const killChildren = () => {
  for (const c of children) c.kill('SIGKILL');
};
// Killed by a signal, the test process takes its hwnas processes with it (its server goes too).
const forgetChildren = onTestProcessEnd(killChildren);
afterAll(() => {
  forgetChildren();
  killChildren();
  server?.destroy();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A real hwnas process; its stderr is kept, and `exited` says how it ended. */
function hwnas(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  children.add(child);
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, signal) => {
      children.delete(child);
      done({ code, signal });
    }),
  );
  const said = { args, stderr: () => stderr };
  spoken.push(said);
  return { child, exited, stderr: said.stderr };
}

function studyYaml(dir: string, name: string, lines: string[]): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, [`name: ${name}`, 'space: nb201', 'evaluator: slow-test', ...(lines.some((l) => l.startsWith('seed:')) ? [] : ['seed: 3']), ...lines].join('\n'));
  return file;
}

const row = (c: CandidateRecord) => ({ seq: c.seq, genes: c.genes.join('.'), generation: c.generation, status: c.status, metrics: c.metrics, objectives: c.objectives, error: c.error });
const summary = (s: StudyRecord) => ({ status: s.status, evaluations: s.evaluations, failed: s.failed, frontierSize: s.summary.frontierSize, hypervolume: s.summary.hypervolume });

/** The uninterrupted reference: the same study file on SQLite, in this process. */
async function sqliteRun(dir: string, yaml: string, name: string) {
  const db = join(dir, `${name}-ref.db`);
  expect(await main(['search', '-c', yaml, '--db', db, '--quiet'])).toBe(0);
  const store = SqliteStore.open(db, { readonly: true });
  try {
    const study = store.getStudy(name)!;
    return { rows: [...store.candidates(study.id)].map(row), summary: summary(study) };
  } finally {
    store.close();
  }
}

async function snapshot(url: string, name: string) {
  const store = await PostgresStore.open(url, { readonly: true });
  try {
    const study = (await store.getStudy(name))!;
    const rows: ReturnType<typeof row>[] = [];
    for await (const c of store.candidates(study.id)) rows.push(row(c));
    return { rows, summary: summary(study), tasks: await store.tasks(study.id) };
  } finally {
    await store.close();
  }
}

/** Polls the study until it is finished (or the time is up). */
async function untilFinished(url: string, name: string, timeoutMs: number, onTick?: (s: StudyRecord | undefined) => Promise<void>) {
  const store = await PostgresStore.open(url, { readonly: true });
  try {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = await store.getStudy(name);
      if (s?.status === 'finished') return s;
      if (Date.now() > end) throw new Error(`study ${name} not finished after ${timeoutMs} ms (status ${s?.status}, ${s?.evaluations} evaluated)`);
      await onTick?.(s);
      await sleep(100);
    }
  } finally {
    await store.close();
  }
}

describe('hwnas worker on a PostgreSQL server', () => {
  it('3 workers and a coordinator, SIGKILLed at random moments, end with the candidates of an uninterrupted SQLite run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-workers-'));
    const yaml = studyYaml(dir, 'k', ['strategy: nsga2', 'strategyOptions: {populationSize: 16}', 'generationSize: 16', 'evaluations: 128', 'costMs: 25', 'testFaults: {throwRate: 0.05}']);
    const expected = await sqliteRun(dir, yaml, 'k');
    expect(expected.rows).toHaveLength(128);
    const url = server.createDatabase('kill');
    const worker = () => hwnas(['worker', '--study', 'k', '--lease', '2s', '--take-over-after', '300ms', '--quiet'], { HWNAS_STORAGE: url });
    const coordinator = hwnas(['search', '-c', yaml, '--storage', url, '--workers-only', '--quiet']);
    // Workers start once the study exists (--study names it).
    await untilStudy(url, 'k');
    const workers = [worker(), worker(), worker()];
    const rng = createRng(20261207);
    const kills: string[] = [];
    let coordinatorAlive = true;
    await untilFinished(url, 'k', 360_000, async (s) => {
      // Kills at random moments once work has begun: the coordinator second, workers otherwise.
      if (!s || s.evaluations === 0 || kills.length >= 6 || rng.next() > 0.08) return;
      if (kills.length === 1 && coordinatorAlive) {
        coordinator.child.kill('SIGKILL');
        coordinatorAlive = false;
        kills.push('coordinator');
        return;
      }
      const i = Math.floor(rng.next() * workers.length);
      workers[i].child.kill('SIGKILL');
      workers[i] = worker();
      kills.push(`worker ${i}`);
    });
    for (const w of workers) w.child.kill('SIGKILL');
    expect(kills.length).toBeGreaterThanOrEqual(3);
    expect(kills).toContain('coordinator');
    const got = await snapshot(url, 'k');
    expect(got.rows).toEqual(expected.rows);
    expect(got.summary).toEqual(expected.summary);
    expect(got.tasks).toEqual([]);
  }, 600_000);

  it('a worker that hangs past its lease loses its candidates to another; its late results are dropped, none counted twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-hang-'));
    const yaml = studyYaml(dir, 'h', ['strategy: random', 'generationSize: 4', 'evaluations: 8', 'costMs: 150']);
    const expected = await sqliteRun(dir, yaml, 'h');
    const url = server.createDatabase('hang');
    const coordinator = hwnas(['search', '-c', yaml, '--storage', url, '--workers-only', '--quiet']);
    await untilStudy(url, 'h');
    const a = hwnas(['worker', '--storage', url, '--lease', '1s', '--no-take-over']);
    // A holds a lease: stop it there (SIGSTOP: no heartbeat, no progress), as a machine that hangs.
    await untilLeased(url, 'h');
    a.child.kill('SIGSTOP');
    const b = hwnas(['worker', '--storage', url, '--lease', '1s', '--no-take-over']);
    await untilFinished(url, 'h', 120_000);
    expect((await coordinator.exited).code).toBe(0);
    a.child.kill('SIGCONT');
    await sleep(1500);
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    await Promise.all([a.exited, b.exited]);
    expect(a.stderr()).toMatch(/dropped: their leases had passed to other workers/);
    const got = await snapshot(url, 'h');
    expect(got.rows).toEqual(expected.rows);
    expect(got.summary).toEqual(expected.summary);
  }, 420_000);

  it('a coordinator stopped mid-study (SIGSTOP) loses the study to a worker past --coordinator-timeout; woken, its writes are refused; the study ends as on SQLite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-hung-'));
    const yaml = studyYaml(dir, 'g', ['strategy: nsga2', 'strategyOptions: {populationSize: 8}', 'generationSize: 8', 'evaluations: 48', 'costMs: 20']);
    const expected = await sqliteRun(dir, yaml, 'g');
    const url = server.createDatabase('hung');
    const coordinator = hwnas(['search', '-c', yaml, '--storage', url, '--workers-only', '--quiet']);
    await untilStudy(url, 'g');
    const w = hwnas(['worker', '--storage', url, '--take-over-after', '300ms', '--coordinator-timeout', '2s']);
    await untilEvaluated(url, ['g'], 8);
    // Stopped, it holds its lock (its connection stays open) but says nothing more: as a coordinator that hangs.
    coordinator.child.kill('SIGSTOP');
    await untilFinished(url, 'g', 240_000);
    expect(w.stderr()).toMatch(/study 'g': its coordinator .+ gave no sign of life for 2 s \(its process stopped or gone\); ended its hold on the study/);
    expect(w.stderr()).toMatch(/study 'g' has no coordinator; taking it over/);
    // Woken, the old coordinator finds another holder's token on the study: its next write is refused, and it stops.
    coordinator.child.kill('SIGCONT');
    expect((await coordinator.exited).code).toBe(1);
    expect(coordinator.stderr()).toMatch(/(is coordinated by .* now: this process lost it|was taken over by .* while this process was cut off)/);
    w.child.kill('SIGTERM');
    await w.exited;
    const got = await snapshot(url, 'g');
    expect(got.rows).toEqual(expected.rows);
    expect(got.summary).toEqual(expected.summary);
    expect(got.tasks).toEqual([]);
  }, 420_000);

  it("a coordinator stopped inside its transaction (holding the study's row) has its every session ended: the take-over waits for no server timeout", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-stuck-'));
    const yaml = studyYaml(dir, 's', ['strategy: nsga2', 'strategyOptions: {populationSize: 8}', 'generationSize: 8', 'evaluations: 24', 'costMs: 20']);
    const expected = await sqliteRun(dir, yaml, 's');
    // Generation 0 is seqs 0–7; each later one begins at 8 or above.
    expect(expected.rows.filter((r) => r.generation > 0).every((r) => r.seq >= 8)).toBe(true);
    const url = server.createDatabase('stuck');
    const db = 'stuck';
    const coordinator = hwnas(['search', '-c', yaml, '--storage', url, '--workers-only', '--quiet']);
    const study = await untilStudy(url, 's');
    // Rows of seqs 8–23 in an open transaction: the coordinator's write of generation 1 waits on them, inside its
    // own transaction, which holds the study's row (the fencing check's FOR SHARE).
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`INSERT INTO hwnas_tasks (study_id, seq, hash, genes, generation, created_at) SELECT $1, s, 'blocker ' || s, '[]', 1, 0 FROM generate_series(8, 23) s`, [study.id]);
      const blockerPid = (await blocker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      hwnas(['worker', '--storage', url, '--no-take-over', '--quiet']);
      await until(() => server.sql(db, `SELECT count(*) FROM pg_stat_activity WHERE ${blockerPid} = ANY(pg_blocking_pids(pid))`).trim() === '1', 'the coordinator to wait on the blocker');
      const name = server.sql(db, `SELECT application_name FROM pg_stat_activity WHERE ${blockerPid} = ANY(pg_blocking_pids(pid))`).trim();
      expect(name).toMatch(/^hwnas [0-9a-f-]{36}$/);
      // Stopped there; the blocker goes, the write completes, and the transaction stays open, holding the row.
      coordinator.child.kill('SIGSTOP');
      await blocker.query('ROLLBACK');
      const idleInTransaction = `SELECT count(*) FROM pg_stat_activity WHERE application_name = '${name}' AND state = 'idle in transaction'`;
      await until(() => server.sql(db, idleInTransaction).trim() === '1', 'the stopped coordinator to sit inside its transaction');
      const w = hwnas(['worker', '--storage', url, '--take-over-after', '300ms', '--coordinator-timeout', '2s']);
      await until(() => /study 's': its coordinator .+ gave no sign of life for 2 s/.test(w.stderr()), 'the worker to end the silent coordinator');
      // Every session of it ends now: none is left for the server's idle_in_transaction_session_timeout (60 s) to end.
      await until(() => server.sql(db, `SELECT count(*) FROM pg_stat_activity WHERE application_name = '${name}'`).trim() === '0', "the stopped coordinator's sessions to end", 20_000);
      await untilFinished(url, 's', 120_000);
      expect(w.stderr()).toMatch(/study 's' has no coordinator; taking it over/);
      coordinator.child.kill('SIGCONT');
      expect((await coordinator.exited).code).toBe(1);
      expect(coordinator.stderr()).toMatch(/(is coordinated by .* now: this process lost it|was taken over by .* while this process was cut off)/);
      const got = await snapshot(url, 's');
      expect(got.rows).toEqual(expected.rows);
      expect(got.summary).toEqual(expected.summary);
      expect(got.tasks).toEqual([]);
    } finally {
      await blocker.end();
      killChildren();
    }
  }, 420_000);

  it('a coordinator whose event loop is blocked past --coordinator-timeout (a synchronous evaluator) keeps beating from its thread and is not taken over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-busy-'));
    // One candidate, evaluated in the coordinator's own thread (threads: 0): its event loop is blocked for 6 s.
    const yaml = studyYaml(dir, 'busy', ['strategy: random', 'generationSize: 1', 'evaluations: 1', 'costMs: 6000']);
    const url = server.createDatabase('busy');
    // A worker that leases nothing here (only its device's candidates) but watches every study's coordinator.
    const watcher = hwnas(['worker', '--storage', url, '--device-file', 'raspberry-pi-5', '--take-over-after', '300ms', '--coordinator-timeout', '3s']);
    await untilWorkers(url, 1);
    const coordinator = hwnas(['search', '-c', yaml, '--storage', url]);
    expect((await coordinator.exited).code).toBe(0);
    watcher.child.kill('SIGTERM');
    await watcher.exited;
    expect(watcher.stderr()).not.toMatch(/gave no sign of life|taking it over/);
    const store = await PostgresStore.open(url, { readonly: true });
    try {
      const study = (await store.getStudy('busy'))!;
      expect([study.status, study.evaluations]).toEqual(['finished', 1]);
      // The block really lasted longer than the timeout: the candidate took its 6 s in the coordinator's thread.
      for await (const c of store.candidates(study.id)) expect(c.evalMs).toBeGreaterThanOrEqual(6000);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('a worker of another device takes nothing; a worker of that device takes the candidates', async () => {
    const url = server.createDatabase('devices');
    const store = await PostgresStore.open(url);
    try {
      const study = await store.createStudy({ name: 'd', config: { space: 'nb201', evaluator: 'slow-test', costMs: 0 }, seed: 1, space: 'nb201', device: 'jetson-orin-nano', objectives: ['min:loss', 'min:latencyMs'], constraints: [], strategy: 'random', hwnasVersion: 'test', evaluator: { kind: 'slow-test', costMs: 0 } });
      const genes = [0, 1, 2, 3, 4, 0];
      await store.enqueue(study.id, [{ seq: 0, hash: contentHash('nb201', 'x'), genes, generation: 0, device: 'jetson-orin-nano' }]);
      const wrong = hwnas(['worker', '--storage', url, '--device-file', 'raspberry-pi-5', '--exit-when-idle', '--no-take-over']);
      const plain = hwnas(['worker', '--storage', url, '--exit-when-idle', '--no-take-over']);
      await untilWorkers(url, 2);
      await sleep(1000);
      expect((await store.tasks(study.id)).map((t) => t.leases)).toEqual([0]);
      wrong.child.kill('SIGTERM');
      plain.child.kill('SIGTERM');
      await Promise.all([wrong.exited, plain.exited]);
      expect(wrong.stderr()).toMatch(/evaluated 0, recorded 0/);
      expect(plain.stderr()).toMatch(/evaluated 0, recorded 0/);
      const right = hwnas(['worker', '--storage', url, '--device-file', 'jetson-orin-nano', '--no-take-over']);
      for (let i = 0; i < 200 && (await store.tasks(study.id)).length > 0; i++) await sleep(100);
      right.child.kill('SIGTERM');
      await right.exited;
      expect(right.stderr()).toMatch(/as device jetson-orin-nano/);
      expect(right.stderr()).toMatch(/evaluated 1, recorded 1/);
      expect((await store.candidate(study.id, contentHash('nb201', 'x')))?.status).toBe('done');
    } finally {
      await store.close();
    }
  }, 420_000);

  it('a study of a command evaluator is evaluated by a worker as on SQLite; a worker whose script differs takes none of it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-command-'));
    const script = join(dir, 'evaluator.mjs');
    copyFileSync(resolve('test/search/evaluate/fixtures/evaluator.mjs'), script);
    const yaml = join(dir, 'e.yaml');
    writeFileSync(
      yaml,
      ['name: e', 'space: nb201', 'device: raspberry-pi-5', 'objectives: max:score,latency', 'strategy: nsga2', 'strategyOptions: {populationSize: 8}', 'generationSize: 8', 'evaluations: 16', 'seed: 2', 'evaluators:', `  - command: node ${script}`, '    metrics: [max:score]'].join('\n'),
    );
    const expected = await sqliteRun(dir, yaml, 'e');
    expect(expected.rows).toHaveLength(16);
    // score = 10 × genes[0] + genes[1], from the script (latency from the roofline beside it).
    for (const r of expected.rows) expect(r.metrics!.score).toBe(10 * Number(r.genes.split('.')[0]) + Number(r.genes.split('.')[1]));
    const url = server.createDatabase('command');
    const coordinator = hwnas(['search', '-c', yaml, '--storage', url, '--workers-only', '--quiet']);
    await untilStudy(url, 'e');
    // As on a machine whose copy of the script is another: the worker refuses the study and gives its candidates back.
    const original = readFileSync(script, 'utf8');
    writeFileSync(script, original + '// another version\n');
    const stale = hwnas(['worker', '--storage', url, '--no-take-over']);
    await until(() => /cannot evaluate study \d+ here \(its evaluator's files differ here/.test(stale.stderr()), 'the stale worker to refuse the study');
    stale.child.kill('SIGTERM');
    await stale.exited;
    expect(stale.stderr()).toMatch(/evaluated 0, recorded 0/);
    writeFileSync(script, original);
    // The command runs in the worker, two processes at once (--threads 2).
    const w = hwnas(['worker', '--storage', url, '--threads', '2', '--no-take-over']);
    await untilFinished(url, 'e', 240_000);
    expect((await coordinator.exited).code).toBe(0);
    w.child.kill('SIGTERM');
    await w.exited;
    expect(w.stderr()).toMatch(/evaluated 16, recorded 16/);
    const got = await snapshot(url, 'e');
    expect(got.rows).toEqual(expected.rows);
    expect(got.summary).toEqual(expected.summary);
  }, 420_000);

  it('two studies on one server at once, and a server that goes away mid-study and comes back: each ends as on SQLite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-two-'));
    const ya = studyYaml(dir, 'a', ['strategy: nsga2', 'strategyOptions: {populationSize: 8}', 'generationSize: 8', 'evaluations: 64', 'costMs: 20']);
    const yb = studyYaml(dir, 'b', ['strategy: aging', 'generationSize: 8', 'evaluations: 64', 'costMs: 20', 'seed: 4']);
    const [ea, eb] = [await sqliteRun(dir, ya, 'a'), await sqliteRun(dir, yb, 'b')];
    const url = server.createDatabase('two');
    // Each coordinator evaluates too; one shared worker helps both.
    const ca = hwnas(['search', '-c', ya, '--storage', url, '--quiet']);
    const cb = hwnas(['search', '-c', yb, '--storage', url, '--quiet']);
    await untilStudy(url, 'a');
    const w = hwnas(['worker', '--storage', url, '--no-take-over', '--quiet']);
    // Once both have recorded something, the server stops for two seconds.
    await untilEvaluated(url, ['a', 'b'], 8);
    server.stop();
    await sleep(2000);
    server.start();
    const [ra, rb] = await Promise.all([ca.exited, cb.exited]);
    w.child.kill('SIGTERM');
    await w.exited;
    expect([ra.code, rb.code]).toEqual([0, 0]);
    expect(ca.stderr() + cb.stderr()).toMatch(/waiting for the server/);
    expect(ca.stderr() + cb.stderr()).toMatch(/the server is back; going on/);
    expect(ca.stderr() + cb.stderr() + w.stderr()).not.toContain(TEST_PASSWORD);
    const [ga, gb] = [await snapshot(url, 'a'), await snapshot(url, 'b')];
    expect(ga.rows).toEqual(ea.rows);
    expect(gb.rows).toEqual(eb.rows);
    expect(ga.summary).toEqual(ea.summary);
    expect(gb.summary).toEqual(eb.summary);
  }, 420_000);

  it('hwnas copy moves a study to the server and back exactly, its files\' copies with it; resumed there, it continues as on SQLite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-copy-'));
    const url = server.createDatabase('copy');
    // A user's space file (160 architectures), deleted once the study began: both sides go on from the copy it keeps.
    const spaceFile = join(dir, 'my-space.yaml');
    writeFileSync(
      spaceFile,
      [
        'id: my-space',
        'base: qwen2.5-0.5b',
        'genes:',
        '  - {name: depth, set: layers, choices: [8, 12, 16, 20, 24]}',
        '  - {name: width, set: hiddenSize, choices: [512, 640, 768, 896]}',
        '  - {name: ffn, set: ffnRatio, choices: [2, 3, 4, 5]}',
        '  - {name: quant, set: weights, choices: [bf16, int8]}',
      ].join('\n'),
    );
    const yaml = join(dir, 'c.yaml');
    writeFileSync(
      yaml,
      ['name: c', `space: ${spaceFile}`, 'evaluator: slow-test', 'seed: 3', 'strategy: nsga2', 'strategyOptions: {populationSize: 8}', 'generationSize: 8', 'evaluations: 40', 'costMs: 0', 'testFaults: {throwRate: 0.1}'].join('\n'),
    );
    const a = join(dir, 'a.db');
    expect(await main(['search', '-c', yaml, '--db', a, '--quiet'])).toBe(0);
    rmSync(spaceFile);
    const b = join(dir, 'b.db');
    copyFileSync(a, b);
    expect(await main(['copy', '--from', a, '--to', url])).toBe(0);
    expect(errors.at(-1)).toBe(`copied study 'c' (40 candidates, finished) from ${a} to postgresql://postgres@127.0.0.1:${server.port}/copy`);
    // Copied again: refused before anything is written.
    errors.length = 0;
    expect(await main(['copy', '--from', a, '--to', url])).toBe(2);
    expect(errors).toEqual([`postgresql://postgres@127.0.0.1:${server.port}/copy already holds 'c'; nothing copied`]);
    // Continued on each side with a larger budget: the same candidates, so the checkpoint came over exactly.
    expect(await main(['resume', 'c', '--db', b, '--evaluations', '80', '--quiet'])).toBe(0);
    expect(await main(['resume', 'c', '--storage', url, '--evaluations', '80', '--quiet'])).toBe(0);
    const ref = SqliteStore.open(b, { readonly: true });
    const refStudy = ref.getStudy('c')!;
    const expected = { rows: [...ref.candidates(refStudy.id)].map(row), summary: summary(refStudy), checkpoint: ref.checkpoint(refStudy.id) };
    ref.close();
    expect(expected.rows).toHaveLength(80);
    const got = await snapshot(url, 'c');
    expect(got.rows).toEqual(expected.rows);
    expect(got.summary).toEqual(expected.summary);
    // And back to a new SQLite file: rows, counts, status and checkpoint as on the server.
    const back = join(dir, 'back.db');
    expect(await main(['copy', '--from', url, '--to', back, '--study', 'c'])).toBe(0);
    const s = SqliteStore.open(back, { readonly: true });
    const st = s.getStudy('c')!;
    expect([...s.candidates(st.id)].map(row)).toEqual(expected.rows);
    expect(summary(st)).toEqual(expected.summary);
    const pg = await PostgresStore.open(url, { readonly: true });
    const pgStudy = (await pg.getStudy('c'))!;
    const pgCheckpoint = await pg.checkpoint(pgStudy.id);
    await pg.close();
    // The space file's copy went to the server and came back.
    expect(pgStudy.inputs?.space?.path).toBe(spaceFile);
    expect(st.inputs).toEqual(pgStudy.inputs);
    expect(s.checkpoint(st.id)).toEqual(pgCheckpoint);
    // The strategy's state is the one SQLite reached (the loop's clock aside: wall time differs by nature).
    expect(pgCheckpoint!.strategyState).toEqual(expected.checkpoint!.strategyState);
    s.close();
  }, 420_000);

  it('the device farm: hwnas measure fans a sample out to two devices\' workers and writes the tables predictor adapt reads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-farm-'));
    const url = server.createDatabase('farm');
    const out = join(dir, 'm.csv');
    const measure = main(['measure', '--space', 'nb201', '--sample', '2', '--seed', '5', '--storage', url, '--devices', 'raspberry-pi-5,jetson-orin-nano', '--out', out, '--runs', '3', '--warmup', '1', '--max-rounds', '1', '--quiet']);
    const workers = ['raspberry-pi-5', 'jetson-orin-nano'].map((d) => hwnas(['worker', '--storage', url, '--device-file', d, '--no-take-over']));
    expect(await measure).toBe(0);
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    const { loadLatencySamples } = await import('../../predictors/latency/data.js');
    const tables = ['raspberry-pi-5', 'jetson-orin-nano'].map((d) => ({ d, text: readFileSync(join(dir, `m-${d}.csv`), 'utf8') }));
    for (const { d, text } of tables) {
      const samples = loadLatencySamples(`m-${d}.csv`, 'nb201', text);
      expect(samples.genes).toHaveLength(2);
      expect([...samples.latencyMs].every((ms) => ms > 0 && Number.isFinite(ms))).toBe(true);
      // Every row names the device that measured it.
      expect(text.trim().split('\n').slice(1).every((line) => line.includes(`,${d},`))).toBe(true);
    }
    // The same architectures in the same order on both devices.
    const archs = (text: string) => text.trim().split('\n').slice(1).map((l) => l.split(',')[0]);
    expect(archs(tables[0].text)).toEqual(archs(tables[1].text));
    expect(workers[0].stderr()).toMatch(/evaluated 2, recorded 2/);
    expect(workers[1].stderr()).toMatch(/evaluated 2, recorded 2/);
  }, 420_000);

  it('one study measured on two devices: each device\'s worker measures its part, the coordinator merges them into latencyMs@<device>; a worker that takes it over merges the rest; a third device takes nothing', async () => {
    const url = server.createDatabase('measureon');
    const devices = ['raspberry-pi-5', 'jetson-orin-nano'];
    const args = ['search', '--space', 'nb201', '--name', 'm', '--measure-on', devices.join(','), '--objectives', `max:cifar10Accuracy,latency@${devices[0]},latency@${devices[1]}`];
    const study = hwnas([...args, '--constraint', `latency@${devices[1]}<=10s`, '--strategy', 'random', '--evaluations', '6', '--generation-size', '3', '--seed', '4', '--storage', url, '--workers-only', '--plain']);
    // Any worker prices the device-independent part and takes the study over when its coordinator dies.
    const anyDevice = hwnas(['worker', '--storage', url, '--exit-when-idle', '--take-over-after', '200ms']);
    const measuring = devices.map((d) => hwnas(['worker', '--storage', url, '--device-file', d, '--exit-when-idle', '--no-take-over']));
    const other = hwnas(['worker', '--storage', url, '--device-file', 'rtx-4090', '--exit-when-idle', '--no-take-over']);
    // The coordinator dies once the first candidate is merged; the rest are merged by the worker that takes over.
    for (let t = 0; !/starting study/.test(study.stderr()); t++) {
      if (t > 600) throw new Error('the study did not start');
      await sleep(100);
    }
    await untilFinished(url, 'm', 240_000, async (s) => {
      if ((s?.evaluations ?? 0) >= 1 && study.child.exitCode === null && !study.child.killed) study.child.kill('SIGKILL');
    });
    for (const w of [anyDevice, ...measuring, other]) expect((await w.exited).code).toBe(0);
    expect(anyDevice.stderr()).toMatch(/taking it over/);
    expect(other.stderr()).toMatch(/evaluated 0, recorded 0/);
    // The coordinator said which workers its candidates wait for, without the password.
    expect(study.stderr()).toContain(`candidates are measured on ${devices.join(', ')}: each needs a worker on that device (hwnas worker --storage ${redactUrl(url)} --device-file <${devices.join('|')}>)`);
    expect(study.stderr()).not.toContain(TEST_PASSWORD);
    const store = await PostgresStore.open(url, { readonly: true });
    try {
      const s = (await store.getStudy('m'))!;
      expect(s.device).toBe(devices.join(','));
      const rows: CandidateRecord[] = [];
      for await (const c of store.candidates(s.id)) rows.push(c);
      expect(rows.map((r) => r.status)).toEqual(new Array(6).fill('done'));
      for (const r of rows) {
        const m = r.metrics!;
        // Each device's measurement under its own name; no unnamed latency (the roofline's is left out).
        for (const d of devices) expect(m[`latencyMs@${d}`]).toBeGreaterThan(0);
        expect(m.latencyMs).toBeUndefined();
        expect(m[`analyticLatencyMs@${devices[0]}`]).toBeGreaterThan(0);
        expect(r.objectives).toEqual([-m.cifar10Accuracy, m[`latencyMs@${devices[0]}`], m[`latencyMs@${devices[1]}`]]);
      }
      // Every candidate's parts: the accuracy and FLOPs anywhere, each latency by the worker that is that device.
      const parts = server.sql('measureon', `SELECT p.part, p.device, w.device FROM hwnas_parts p JOIN hwnas_workers w ON w.id = p.worker ORDER BY p.seq, p.part`);
      const lines = parts.trim().split('\n').map((l) => l.trim());
      expect(lines).toHaveLength(18);
      expect(new Set(lines)).toEqual(new Set([`0||`, `1|${devices[0]}|${devices[0]}`, `2|${devices[1]}|${devices[1]}`]));
      expect(await store.tasks(s.id)).toEqual([]);
    } finally {
      await store.close();
    }
  }, 420_000);

  it('bad URLs, wrong passwords and a newer schema: one line, exit 2, never the password', async () => {
    const url = server.createDatabase('refusals');
    const wrong = server.url('refusals', 'not-the-password');
    const cases: [string[], RegExp][] = [
      [['studies', '--storage', 'postgresql://nobody@/x'], /not a valid URL|no host/],
      [['studies', '--storage', 'postgresql://u:hunter2@127.0.0.1:5/'], /no database name/],
      [['studies', '--storage', wrong], /password authentication failed for user "postgres"/],
      [['search', '--space', 'nb201', '--evaluator', 'slow-test', '--storage', wrong], /password authentication failed/],
      [['worker', '--storage', wrong], /password authentication failed/],
      [['studies', '--storage', url], /no hwnas studies on this server \(empty database\)/],
      [['worker', '--db', 'hwnas.db'], /needs a server storage/],
      [['search', '--space', 'nb201', '--evaluator', 'slow-test', '--db', join(tmpdir(), 'x.db'), '--workers-only'], /--workers-only: needs a server storage/],
      [['studies', '--db', 'a.db', '--storage', url], /give one of them/],
    ];
    for (const [argv, pattern] of cases) {
      errors.length = 0;
      expect(await main(argv), argv.join(' ')).toBe(2);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(pattern);
      expect(errors[0]).not.toMatch(/not-the-password|hwnas-test-secret|hunter2/);
    }
    expect(await main(['search', '--space', 'nb201', '--evaluator', 'slow-test', '--cost-ms', '0', '--evaluations', '8', '--generation-size', '4', '--name', 'r', '--storage', url, '--quiet'])).toBe(0);
    server.sql('refusals', `UPDATE hwnas_meta SET value = '${PG_SCHEMA_VERSION + 1}' WHERE key = 'schema_version'`);
    for (const argv of [['studies', '--storage', url], ['resume', 'r', '--storage', url], ['worker', '--storage', url]]) {
      errors.length = 0;
      expect(await main(argv)).toBe(2);
      expect(errors).toEqual([`postgresql://postgres@127.0.0.1:${server.port}/refusals: written by a newer hwnas (schema v${PG_SCHEMA_VERSION + 1}; this hwnas reads up to v${PG_SCHEMA_VERSION}); upgrade hwnas`]);
    }
  }, 420_000);
});

async function until(check: () => boolean, what: string, timeoutMs = 240_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function poll<T>(url: string, what: string, check: (store: PostgresStore) => Promise<T | undefined>, timeoutMs = 240_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const store = await PostgresStore.open(url, { readonly: true }).catch(() => undefined);
    try {
      const v = store ? await check(store) : undefined;
      if (v !== undefined) return v;
    } finally {
      await store?.close();
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const untilStudy = (url: string, name: string) => poll(url, `study ${name}`, async (s) => (await s.getStudy(name)) ?? undefined);
const untilWorkers = (url: string, n: number) => poll(url, `${n} workers`, async (s) => ((await s.recordedBy(-1)).workers.size >= n ? true : undefined));
const untilLeased = (url: string, name: string) =>
  poll(url, `a lease in ${name}`, async (s) => {
    const study = await s.getStudy(name);
    return study && (await s.tasks(study.id)).some((t) => t.leaseOwner !== null) ? true : undefined;
  });
const untilEvaluated = (url: string, names: string[], n: number) =>
  poll(url, `${n} evaluations in ${names.join(', ')}`, async (s) => {
    for (const name of names) if (((await s.getStudy(name))?.evaluations ?? 0) < n) return undefined;
    return true;
  });
