/**
 * The PostgreSQL store on a real server: the same records as SQLite (every double exact, Infinity and NaN
 * included), the schema's version marks, one-line refusals (bad URLs, wrong passwords, a newer schema), the
 * lease protocol (SKIP LOCKED leases, expiry, each result recorded exactly once, device routing), a silent
 * coordinator's sessions all ended, its heartbeat beating through a blocked main thread, and the library's runSearch
 * and resumeSearch on the server as on SQLite.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resumeSearch, runSearch } from '../../../search/run-search.js';
import { PostgresStore, withoutApplicationName } from '../../../search/store/postgres/postgres.js';
import { PG_MIGRATIONS, PG_SCHEMA_VERSION } from '../../../search/store/postgres/schema.js';
import { redactUrl } from '../../../search/store/postgres/url.js';
import { StoreError, contentHash, type FinishedCandidate, type NewStudy } from '../../../search/store/index.js';
import type { LeasedTask } from '../../../search/store/queue.js';
import { TEST_PASSWORD, startPostgres, type TestServer } from '../../postgres-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(() => server?.destroy());

let dbs = 0;
const freshDb = () => server.createDatabase(`store${++dbs}`);

const newStudy = (name: string): NewStudy => ({
  name,
  config: { space: 'nb201', evaluations: 10 },
  seed: 5,
  space: 'nb201',
  device: 'none',
  objectives: ['min:loss', 'min:latencyMs'],
  constraints: [],
  strategy: 'random',
  hwnasVersion: 'test',
  evaluator: { kind: 'slow-test', costMs: 0 },
});

function done(seq: number, metrics: Record<string, number>, objectives: number[], violation = 0): FinishedCandidate {
  return { seq, hash: contentHash('nb201', `k${seq}`), genes: [seq, 1, 2], generation: 0, status: 'done', metrics, objectives, violation, evalMs: 1.5 };
}

/** A leased task's result: done, with this loss as its one metric and objective. */
function finished(t: LeasedTask, loss: number): FinishedCandidate {
  return { seq: t.seq, hash: t.hash, genes: t.genes, generation: 0, status: 'done', metrics: { loss }, objectives: [loss], violation: 0, evalMs: 1 };
}

describe('PostgresStore', () => {
  it('records candidates exactly (doubles, -0, Infinity, NaN) and reads them back in ask order, once each', async () => {
    const s = await PostgresStore.open(freshDb());
    try {
      const st = await s.createStudy(newStudy('a'));
      expect(st.status).toBe('stopped');
      const rows: FinishedCandidate[] = [
        done(2, { loss: 0.1 + 0.2, latencyMs: Infinity, x: NaN }, [0.30000000000000004, Infinity], 0),
        done(0, { loss: 1 / 3, latencyMs: 5e-324, score: -0 }, [1 / 3, 5e-324, -0], 0.125),
        { seq: 1, hash: contentHash('nb201', 'k1'), genes: [1, 1, 2], generation: 0, status: 'failed', error: 'boom', evalMs: 2 },
      ];
      expect(await s.record(st.id, rows)).toBe(3);
      // The same rows again (a retried transaction, a late worker): nothing recorded or counted twice.
      expect(await s.record(st.id, rows)).toBe(0);
      const all = [];
      for await (const c of s.candidates(st.id)) all.push(c);
      expect(all.map((c) => c.seq)).toEqual([0, 1, 2]);
      // -0 too (a maximised metric of 0 is the objective -0): toEqual tells it from 0.
      expect(all[0]).toEqual({ seq: 0, hash: rows[1].hash, genes: [0, 1, 2], generation: 0, status: 'done', metrics: { loss: 1 / 3, latencyMs: 5e-324, score: -0 }, objectives: [1 / 3, 5e-324, -0], violation: 0.125, evalMs: 1.5 });
      expect(Object.is(all[0].objectives![2], -0)).toBe(true);
      expect(all[1]).toEqual({ seq: 1, hash: rows[2].hash, genes: [1, 1, 2], generation: 0, status: 'failed', violation: Infinity, error: 'boom', evalMs: 2 });
      expect(all[2].metrics).toEqual({ loss: 0.30000000000000004, latencyMs: Infinity, x: NaN });
      expect(all[2].objectives).toEqual([0.30000000000000004, Infinity]);
      const again = (await s.getStudy('a'))!;
      expect([again.evaluations, again.failed]).toEqual([3, 1]);
      expect(await s.nextSeq(st.id)).toBe(3);
      expect([...(await s.genesBySeq(st.id, [1, 7])).entries()]).toEqual([[1, [1, 1, 2]]]);
      expect((await s.candidatesByHash(st.id, [rows[0].hash, 'nope'])).size).toBe(1);
      await expect(s.createStudy(newStudy('a'))).rejects.toThrow(/already exists/);
    } finally {
      await s.close();
    }
  });

  it('keeps the latest checkpoint and summary in the same transaction as the rows', async () => {
    const s = await PostgresStore.open(freshDb());
    try {
      const st = await s.createStudy(newStudy('c'));
      const checkpoint = { generation: 3, strategyState: { rng: [1, 2], best: Infinity }, loopState: { evaluations: 9 }, batch: ['a', 'b'], genes: [[1], [2]] };
      await s.record(st.id, [done(0, { loss: 1 }, [1])], { checkpoint, summary: { frontierSize: 1, hypervolume: 0.5 } });
      expect(await s.checkpoint(st.id)).toEqual(checkpoint);
      expect((await s.getStudy('c'))!.summary).toEqual({ frontierSize: 1, hypervolume: 0.5 });
    } finally {
      await s.close();
    }
  });

  it('creates the schema once, reads it read-only, and refuses a server of a newer schema untouched', async () => {
    const url = freshDb();
    await expect(PostgresStore.open(url, { readonly: true })).rejects.toThrow(/no hwnas studies on this server \(empty database\)/);
    const s = await PostgresStore.open(url);
    await s.createStudy(newStudy('n'));
    await s.close();
    const db = new URL(url).pathname.slice(1);
    expect(server.sql(db, `SELECT value FROM hwnas_meta WHERE key = 'schema_version'`).trim()).toBe(String(PG_SCHEMA_VERSION));
    const ro = await PostgresStore.open(url, { readonly: true });
    expect((await ro.listStudies()).map((x) => x.name)).toEqual(['n']);
    await expect(ro.createStudy(newStudy('m'))).rejects.toThrow(/read-only transaction/);
    await ro.close();
    server.sql(db, `UPDATE hwnas_meta SET value = '${PG_SCHEMA_VERSION + 1}' WHERE key = 'schema_version'`);
    for (const readonly of [false, true]) {
      const error = await PostgresStore.open(url, { readonly }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as Error).message).toBe(
        `${redactUrl(url)}: written by a newer hwnas (schema v${PG_SCHEMA_VERSION + 1}; this hwnas reads up to v${PG_SCHEMA_VERSION}); upgrade hwnas`,
      );
    }
    expect(server.sql(db, 'SELECT name FROM hwnas_studies').trim()).toBe('n');
  });

  it('many processes opening an empty server at once all find (or make) one schema', async () => {
    // Two searches started together on a new server raced: one saw the other's tables half-made and refused them.
    for (let round = 0; round < 10; round++) {
      const url = freshDb();
      const stores = await Promise.all(Array.from({ length: 6 }, () => PostgresStore.open(url)));
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('upgrades a server of schema v1 in place (its studies and waiting tasks kept, with no stored files); a read-only command refuses it untouched', async () => {
    const url = freshDb();
    const db = new URL(url).pathname.slice(1);
    // A database as hwnas's first PostgreSQL schema left it, with one study.
    server.sql(db, `CREATE TABLE hwnas_meta (key text PRIMARY KEY, value text NOT NULL); ${PG_MIGRATIONS[0]};
      INSERT INTO hwnas_meta VALUES ('application', 'hwnas'), ('schema_version', '1');
      INSERT INTO hwnas_studies (name, config, seed, space, device, objectives, constraints, strategy, status, created_at, updated_at, hwnas_version)
        VALUES ('old', '{"space":"nb201"}', 5, 'nb201', 'none', '["min:loss"]', '[]', 'random', 'stopped', 1, 1, 'v1');
      INSERT INTO hwnas_tasks (study_id, seq, hash, genes, generation, created_at) SELECT id, 0, 'h0', '[1]', 0, 1 FROM hwnas_studies`);
    const error = await PostgresStore.open(url, { readonly: true }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`${redactUrl(url)}: hwnas schema v1 is older than this hwnas (v${PG_SCHEMA_VERSION}); a writing command (search, resume, worker) upgrades it`);
    expect(server.sql(db, `SELECT value FROM hwnas_meta WHERE key = 'schema_version'`).trim()).toBe('1');
    const s = await PostgresStore.open(url);
    try {
      expect(server.sql(db, `SELECT value FROM hwnas_meta WHERE key = 'schema_version'`).trim()).toBe(String(PG_SCHEMA_VERSION));
      const old = (await s.getStudy('old'))!;
      expect([old.name, old.seed, old.hwnasVersion, old.inputs]).toEqual(['old', 5, 'v1', undefined]);
      // A task waiting from before is a whole candidate (part 0 of 1), leased as before.
      expect((await s.lease('w', { devices: [null], limit: 5, leaseMs: 60_000 })).map((t) => [t.seq, t.part, t.parts])).toEqual([[0, 0, 1]]);
      // A study begun now keeps its files' copies, read back exactly.
      const inputs = { space: { path: 'my space.yaml', sha256: 'ab'.repeat(32), text: 'genes:\n  - {name: w, choices: [1, 2]}\n' } };
      await s.createStudy({ ...newStudy('new'), inputs });
      expect((await s.getStudy('new'))!.inputs).toEqual(inputs);
    } finally {
      await s.close();
    }
  });

  it('reads one committed state inside readSnapshot while another process records; lists a study without its coordinator as interrupted', async () => {
    const url = freshDb();
    const s = await PostgresStore.open(url);
    const ro = await PostgresStore.open(url, { readonly: true });
    try {
      const st = await s.createStudy(newStudy('snap'));
      await s.record(st.id, [done(0, { loss: 1 }, [1]), done(1, { loss: 2 }, [2])]);
      const seqs = async () => {
        const out: number[] = [];
        for await (const c of ro.candidates(st.id)) out.push(c.seq);
        return out;
      };
      const [before, after] = await ro.readSnapshot(async () => {
        const first = await seqs();
        // Recorded between the two passes, on another connection: not seen inside the snapshot.
        expect(await s.record(st.id, [done(2, { loss: 3 }, [3])])).toBe(1);
        return [first, await seqs()];
      });
      expect([before, after]).toEqual([[0, 1], [0, 1]]);
      expect(await seqs()).toEqual([0, 1, 2]);
      // 'running' with no process holding its lock: interrupted; with its coordinator's lock held: running.
      await s.setStatus(st.id, 'running', {});
      const running = (await ro.getStudy('snap'))!;
      expect(await ro.liveStatus(running)).toBe('interrupted');
      const lock = await s.lockStudy(running);
      expect('release' in lock).toBe(true);
      expect(await ro.liveStatus(running)).toBe('running');
      if ('release' in lock) await lock.release();
      expect(await ro.liveStatus(running)).toBe('interrupted');
    } finally {
      await ro.close();
      await s.close();
    }
  });

  it("a silent coordinator has its every session ended (its lock's, its heartbeat's, its listener's, one inside a transaction holding the study's row), never the ender's own nor a bystander's", async () => {
    const url = freshDb();
    const db = new URL(url).pathname.slice(1);
    // A's URL names its sessions itself: hwnas's own name wins (node-postgres would let the URL's win), so that A's
    // every session can still be found and ended.
    const [a, b, c] = [await PostgresStore.open(`${url}?application_name=mine&connect_timeout=10`), await PostgresStore.open(url), await PostgresStore.open(url)];
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    /** Each store's sessions on the server now, by pid, with their last statement. */
    const sessions = (store: PostgresStore) =>
      server
        .sql(db, `SELECT pid || ' ' || translate(left(query, 60), E'\\n', ' ') FROM pg_stat_activity WHERE application_name = '${store.applicationName}'`)
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => ({ pid: Number(line.split(' ')[0]), query: line.slice(line.indexOf(' ') + 1) }));
    try {
      // Every connection of a store carries its name, without credentials, within the server's 63 bytes.
      expect(a.applicationName).toMatch(/^hwnas [0-9a-f-]{36}$/);
      expect(a.applicationName).not.toBe(b.applicationName);
      expect(withoutApplicationName('postgresql://u@h/db?application_name=x&sslmode=require')).toBe('postgresql://u@h/db?sslmode=require');
      expect(withoutApplicationName('postgresql://u@h/db?application_name=x')).toBe('postgresql://u@h/db');
      expect(withoutApplicationName('postgresql://u@h/db')).toBe('postgresql://u@h/db');
      const st = await a.createStudy(newStudy('h'));
      await a.setStatus(st.id, 'running', {});
      const running = (await a.getStudy('h'))!;
      expect('release' in (await a.lockStudy(running))).toBe(true);
      await a.waitForTasks(1);
      // A's next write waits on a task row the blocker holds, inside A's transaction that holds the study's row (FOR
      // SHARE): as a coordinator stopped there, whose transaction a take-over's UPDATE of the row would wait for.
      await blocker.query('BEGIN');
      await blocker.query(`INSERT INTO hwnas_tasks (study_id, seq, hash, genes, generation, created_at) VALUES ($1, 0, 'blocker', '[]', 0, 0)`, [st.id]);
      const write = a.enqueue(st.id, [{ seq: 0, hash: contentHash('nb201', 'h0'), genes: [0], generation: 0, device: null }]);
      write.catch(() => {}); // awaited below; a test failing before that must not leave it unhandled
      const blockerPid = (await blocker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      // Its lock's, its heartbeat's, its listener's, and the transaction's sessions, by their last statements.
      const kinds = ['SELECT pg_try_advisory_lock', 'UPDATE hwnas_coordinator_beats SET seen_at', 'LISTEN', 'WITH ins AS'];
      await until(() => {
        const now = sessions(a).map((x) => x.query).join('|');
        return kinds.every((k) => now.includes(k)) && server.sql(db, `SELECT count(*) FROM pg_stat_activity WHERE ${blockerPid} = ANY(pg_blocking_pids(pid))`).trim() === '1';
      });
      const before = sessions(a);
      // Its heartbeat goes on while its transaction holds the study's row (the beat has a row of its own).
      const seenAt = () => Number(server.sql(db, `SELECT extract(epoch FROM seen_at) FROM hwnas_coordinator_beats WHERE study_id = ${st.id}`));
      const seen = seenAt();
      await until(() => seenAt() > seen);
      // B coordinates a study of its own: not ended by B, nor are B's sessions when B ends A's.
      const own = await b.createStudy(newStudy('own'));
      await b.setStatus(own.id, 'running', {});
      expect('release' in (await b.lockStudy((await b.getStudy('own'))!))).toBe(true);
      await c.listStudies();
      const [bBefore, cBefore] = [sessions(b), sessions(c)];
      expect(await b.endHungCoordinator(own.id, 0)).toBeUndefined();
      // Silent for 0 s: any coordinator is; A's every session goes, in one statement.
      expect(await b.endHungCoordinator(st.id, 0)).toMatch(/\(.{8}\)$/);
      const alive = () => new Set(server.sql(db, 'SELECT pid FROM pg_stat_activity').trim().split('\n').map(Number));
      await until(() => before.every((x) => !alive().has(x.pid)));
      for (const x of [...bBefore, ...cBefore]) expect(alive().has(x.pid)).toBe(true);
      // Nobody took the study: A takes its lock again once the blocker is gone, and its write goes through.
      await blocker.query('ROLLBACK');
      await write;
      expect((await a.tasks(st.id)).map((t) => t.hash)).toEqual([contentHash('nb201', 'h0')]);
    } finally {
      await blocker.end();
      for (const s of [a, b, c]) await s.close();
    }
  });

  it("a coordinator's heartbeat beats while its main thread is blocked, and stops once the study names another coordinator", async () => {
    const url = freshDb();
    const db = new URL(url).pathname.slice(1);
    const s = await PostgresStore.open(url);
    try {
      const st = await s.createStudy(newStudy('b'));
      await s.setStatus(st.id, 'running', {});
      expect('release' in (await s.lockStudy((await s.getStudy('b'))!))).toBe(true);
      const seenAt = () => Number(server.sql(db, `SELECT extract(epoch FROM seen_at) FROM hwnas_coordinator_beats WHERE study_id = ${st.id}`));
      // psql runs synchronously: nothing of this thread runs from t0 to the last read (a timer here could not beat).
      const t0 = Number(server.sql(db, 'SELECT extract(epoch FROM now())'));
      const end = Date.now() + 3000;
      while (Date.now() < end) {
        // busy, as a synchronous evaluator
      }
      expect(seenAt()).toBeGreaterThan(t0);
      // Taken over (the row names another): the heartbeat's session ends for good.
      const beating = () => server.sql(db, `SELECT count(*) FROM pg_stat_activity WHERE application_name = '${s.applicationName}' AND query LIKE 'UPDATE hwnas_coordinator_beats SET seen_at%'`).trim();
      expect(beating()).toBe('1');
      // As another coordinator's lockStudy writes it.
      server.sql(db, `UPDATE hwnas_coordinator_beats SET token = 'another' WHERE study_id = ${st.id}`);
      await until(() => beating() === '0');
    } finally {
      await s.close();
    }
  });

  it('refuses bad URLs, wrong passwords, missing databases and absent servers in one line without the password', async () => {
    freshDb();
    const cases: [string, RegExp][] = [
      ['postgresql://', /not a valid URL|no host/],
      ['postgresql://postgres@127.0.0.1:0/x', /port must be 1–65535/],
      ['mysql://u@h/db', /expected a postgresql:\/\/ URL/],
      ['postgresql://postgres@127.0.0.1', /no database name/],
      [server.url(`store${dbs}`, 'wrong-secret'), /password authentication failed for user "postgres" \(check the password/],
      [server.url('no_such_db'), /database "no_such_db" does not exist \(create it first/],
      [`postgresql://postgres:hunter2@127.0.0.1:${await closedPort()}/x`, /cannot connect \(connection refused\)/],
    ];
    for (const [url, message] of cases) {
      const error = await PostgresStore.open(url, { reconnectTimeoutMs: 0 }).catch((e: unknown) => e);
      expect(error, url).toBeInstanceOf(StoreError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toMatch(/wrong-secret|hunter2|hwnas-test-secret/);
    }
    expect(redactUrl('postgresql://u:p%40ss@h:5432/db?password=x&sslmode=require')).toBe('postgresql://u@h:5432/db');
  });

  it('leases with SKIP LOCKED, routes by device, hands an expired lease on, and records each result once', async () => {
    const s = await PostgresStore.open(freshDb());
    try {
      const st = await s.createStudy(newStudy('q'));
      const tasks = [0, 1, 2, 3].map((seq) => ({ seq, hash: contentHash('nb201', `t${seq}`), genes: [seq], generation: 0, device: seq === 3 ? 'pi5' : null }));
      await s.enqueue(st.id, tasks);
      await s.enqueue(st.id, tasks); // again: nothing doubles
      expect((await s.tasks(st.id)).length).toBe(4);
      // Two workers at once never get the same task.
      const [a, b] = await Promise.all([s.lease('A', { devices: [null], limit: 2, leaseMs: 60_000 }), s.lease('B', { devices: [null], limit: 2, leaseMs: 60_000 })]);
      expect([...a, ...b].map((t) => t.seq).sort()).toEqual([0, 1, 2]);
      // A worker of another device takes nothing; the pi5 worker takes only its own.
      expect(await s.lease('C', { devices: ['jetson'], limit: 10, leaseMs: 60_000 })).toEqual([]);
      expect((await s.lease('P', { devices: ['pi5'], limit: 10, leaseMs: 60_000 })).map((t) => t.seq)).toEqual([3]);
      // A's lease expires (short lease, no heartbeat): D takes its task and records it; A's late result is dropped.
      const shortA = a.length > 0 ? a : b;
      const owner = a.length > 0 ? 'A' : 'B';
      await s.release(owner, shortA);
      const relet = await s.lease(owner, { devices: [null], limit: 1, leaseMs: 1 });
      await new Promise((r) => setTimeout(r, 20));
      const taken = await s.lease('D', { devices: [null], limit: 1, leaseMs: 60_000 });
      expect(taken.map((t) => t.seq)).toEqual(relet.map((t) => t.seq));
      expect(taken[0].leases).toBe(2);
      expect(await s.complete('D', taken, [finished(taken[0], 1)])).toBe(1);
      expect(await s.complete(owner, relet, [finished(relet[0], 99)])).toBe(0);
      expect((await s.candidate(st.id, taken[0].hash))!.metrics).toEqual({ loss: 1 });
      expect((await s.getStudy('q'))!.evaluations).toBe(1);
      expect(await s.waiting(st.id, tasks.map((t) => t.hash))).toBe(3);
      // A recorded candidate is never enqueued again.
      await s.enqueue(st.id, [tasks[taken[0].seq]]);
      expect((await s.tasks(st.id)).map((t) => t.seq)).not.toContain(taken[0].seq);
    } finally {
      await s.close();
    }
  });
});

describe('workers on machines whose clocks disagree', () => {
  it("a worker whose clock is an hour behind is still seen serving the study: its heartbeats are stamped by the server's clock", async () => {
    const s = await PostgresStore.open(freshDb());
    try {
      const st = await s.createStudy(newStudy('clock'));
      await s.enqueue(st.id, [{ seq: 0, hash: contentHash('nb201', 'c0'), genes: [0], generation: 0, device: null }]);
      // The worker's machine: an hour behind the server.
      vi.spyOn(Date, 'now').mockReturnValue(Date.now() - 3_600_000);
      await s.registerWorker({ id: 'W', host: 'behind', pid: 1, device: null });
      const [task] = await s.lease('W', { devices: [null], limit: 1, leaseMs: 60_000 });
      await s.heartbeat('W', [task.token], 60_000);
      expect(await s.complete('W', [task], [finished(task, 1)])).toBe(1);
      vi.restoreAllMocks();
      // No lease held now: it is listed by its recent heartbeat alone.
      const activity = await s.studyActivity(st.id);
      expect(activity).toMatchObject({ waiting: 0, leased: 0 });
      expect(activity.workers.map((w) => `${w.host} ${w.recorded}`)).toEqual(['behind 1']);
    } finally {
      vi.restoreAllMocks();
      await s.close();
    }
  });
});

describe('a candidate in parts (a study measured on several devices)', () => {
  it('a task per part, each leased by its device; each part recorded once (a late one from an expired lease dropped); recorded parts are not enqueued again', async () => {
    const s = await PostgresStore.open(freshDb());
    try {
      const st = await s.createStudy(newStudy('parts'));
      const hash = contentHash('nb201', 'p0');
      const devices = [null, 'pi5', 'orin'];
      const tasks = devices.map((device, part) => ({ seq: 0, hash, genes: [0, 1], generation: 0, device, part, parts: 3 }));
      await s.enqueue(st.id, tasks);
      expect((await s.tasks(st.id)).map((t) => t.device)).toEqual(devices);
      expect(await s.waiting(st.id, [hash])).toBe(1);
      const part = (t: LeasedTask, metrics: Record<string, number>) => ({ part: t.part!, device: t.device, result: { ok: true as const, metrics }, evalMs: 2, worker: 'w' });
      // Each device's worker takes its own part only.
      const [any] = await s.lease('A', { devices: [null], limit: 10, leaseMs: 60_000 });
      const pi = await s.lease('P', { devices: ['pi5'], limit: 10, leaseMs: 1 });
      expect([any.part, any.parts, pi.map((t) => t.part)]).toEqual([0, 3, [1]]);
      expect(await s.completeParts('A', [any], [part(any, { flops: 7 })])).toBe(1);
      // P's lease expires; Q takes the part and records it; P's late answer is dropped.
      await new Promise((r) => setTimeout(r, 20));
      const q = await s.lease('Q', { devices: ['pi5'], limit: 10, leaseMs: 60_000 });
      expect(q.map((t) => t.part)).toEqual([1]);
      expect(await s.completeParts('Q', q, [part(q[0], { latencyMs: 3 })])).toBe(1);
      expect(await s.completeParts('P', pi, [part(pi[0], { latencyMs: 999 })])).toBe(0);
      // A failed part is kept as failed, with its reason.
      const orin = await s.lease('O', { devices: ['orin'], limit: 10, leaseMs: 60_000 });
      expect(await s.completeParts('O', orin, [{ part: 2, device: 'orin', result: { ok: false, error: 'out of memory' }, evalMs: 1, worker: 'O' }])).toBe(1);
      const got = (await s.partsOf(st.id, [hash])).get(hash)!;
      expect(got.map((p) => [p.part, p.device, p.result, p.worker])).toEqual([
        [0, null, { ok: true, metrics: { flops: 7 } }, 'A'],
        [1, 'pi5', { ok: true, metrics: { latencyMs: 3 } }, 'Q'],
        [2, 'orin', { ok: false, error: 'out of memory' }, 'O'],
      ]);
      expect(await s.tasks(st.id)).toEqual([]);
      // A coordinator that asks again (a take-over) enqueues no part already recorded; no candidate was recorded.
      await s.enqueue(st.id, tasks);
      expect(await s.tasks(st.id)).toEqual([]);
      expect((await s.getStudy('parts'))!.evaluations).toBe(0);
    } finally {
      await s.close();
    }
  });
});

/** Polls a synchronous check (psql) until it holds, for up to 20 s. */
async function until(check: () => boolean): Promise<void> {
  const end = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

describe('the library on a server', () => {
  it('runSearch and resumeSearch with storage: a URL give the candidates and frontier of the same study on SQLite; the URL is never stored', async () => {
    const url = freshDb();
    const file = join(mkdtempSync(join(tmpdir(), 'hwnas-lib-')), 'lib.db');
    const config = { name: 'lib', space: 'nb201', evaluator: 'slow-test', costMs: 0, strategy: 'nsga2', strategyOptions: { populationSize: 8 }, generationSize: 8, evaluations: 24, seed: 7 } as const;
    const onServer = await runSearch(config, { storage: url });
    const onFile = await runSearch({ ...config, db: file });
    expect(onServer.db).toBe(redactUrl(url));
    expect(onServer.evaluations).toBe(24);
    expect({ ...onServer, db: file }).toEqual(onFile);
    // Continued with a larger budget on each side: the same again (the checkpoint came back exactly).
    const resumedOnServer = await resumeSearch('lib', { storage: url, overrides: { evaluations: 40 } });
    const resumedOnFile = await resumeSearch('lib', { db: file, overrides: { evaluations: 40 } });
    expect(resumedOnServer.evaluations).toBe(40);
    expect({ ...resumedOnServer, db: file }).toEqual(resumedOnFile);
    // A URL in the config's db is where the study goes, and is not kept with it (it may carry a password).
    await runSearch({ ...config, name: 'lib-db', evaluations: 8, db: url });
    const s = await PostgresStore.open(url, { readonly: true });
    try {
      const stored = (await s.getStudy('lib-db'))!;
      expect(stored.evaluations).toBe(8);
      expect(JSON.stringify(stored.config)).not.toContain(TEST_PASSWORD);
      expect((stored.config as { db?: string }).db).toBeUndefined();
    } finally {
      await s.close();
    }
    // Workers only: a server's; an SQLite study is evaluated by its own process.
    await expect(runSearch({ ...config, name: 'w', db: file }, { workersOnly: true })).rejects.toThrow(/workersOnly: needs a server storage/);
  }, 120_000);
});
