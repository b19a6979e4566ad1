import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../search/store/schema.js';
import { APPLICATION_ID, SCHEMA_VERSION, SqliteStore, StoreError, contentHash, decodeJson, encodeJson } from '../../../search/store/index.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'hwnas-store-'));
  dirs.push(d);
  return d;
}
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const study = (name = 's1') => ({
  name,
  config: { evaluations: 10, note: 'x' },
  seed: 7,
  space: 'toy',
  device: 'dev',
  objectives: ['loss', 'latencyMs'],
  constraints: ['memoryBytes<=100'],
  strategy: 'random',
  hwnasVersion: '0.1.0',
});
const checkpoint = (generation: number, batch: string[]) => ({ generation, strategyState: { g: generation }, loopState: {}, batch });

afterEach(() => {
  dirs.length = 0;
});

describe('SqliteStore', () => {
  it('creates a marked, versioned WAL database and reopens it', () => {
    const path = join(tmp(), 'a.db');
    const s = SqliteStore.open(path);
    const rec = s.createStudy(study());
    expect(rec.status).toBe('running');
    expect(rec.config).toEqual({ evaluations: 10, note: 'x' });
    s.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    const again = SqliteStore.open(path);
    expect(again.listStudies().map((x) => x.name)).toEqual(['s1']);
    expect(() => again.createStudy(study())).toThrow(/already exists/);
    again.close();
  });

  it('refuses a text file, a foreign SQLite database and a newer schema, leaving each byte-identical', () => {
    const d = tmp();
    const text = join(d, 'notes.db');
    writeFileSync(text, 'hello, this is not a database at all\n');
    const foreign = join(d, 'foreign.db');
    const f = new Database(foreign);
    f.exec('CREATE TABLE people (name TEXT); INSERT INTO people VALUES (\'ada\')');
    f.close();
    const newer = join(d, 'newer.db');
    SqliteStore.open(newer).close();
    const n = new Database(newer);
    n.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    n.pragma('journal_mode = DELETE');
    n.close();
    for (const [p, re] of [
      [text, /not an hwnas database \(not an SQLite file\)/],
      [foreign, /not an hwnas database \(an SQLite file of another program, with tables people\)/],
      [newer, /newer hwnas/],
    ] as const) {
      const before = sha(p);
      expect(() => SqliteStore.open(p)).toThrow(re);
      expect(() => SqliteStore.open(p, { readonly: true })).toThrow(StoreError);
      expect(sha(p)).toBe(before);
      expect(existsSync(`${p}-wal`)).toBe(false);
    }
  });

  it("gives hwnas's tables names of their own (hwnas_*), upgrading a v6 database in place, studies and candidates kept", () => {
    const path = join(tmp(), 'v6.db');
    const raw = new Database(path);
    for (const m of MIGRATIONS.slice(0, 6)) raw.exec(m);
    raw.pragma(`application_id = ${APPLICATION_ID}`);
    raw.pragma('user_version = 6');
    raw.prepare(`INSERT INTO studies (name, config, seed, space, device, objectives, constraints, strategy, status, created_at, updated_at, hwnas_version, evaluations)
      VALUES ('old', '{}', 1, 'toy', '', '[]', '[]', 'random', 'stopped', 0, 0, '0.0.1', 1)`).run();
    raw.prepare(`INSERT INTO candidates (study_id, seq, hash, genes, generation, status, metrics, objectives, violation, created_at)
      VALUES (1, 0, ?, '[0]', 0, 'done', ?, ?, 0, 0)`).run(contentHash('toy', 'a'), encodeJson({ loss: 1 }), encodeJson([1]));
    raw.close();
    // Read-only, a v6 file is read under its old names.
    const ro = SqliteStore.open(path, { readonly: true });
    expect(ro.listStudies().map((x) => x.name)).toEqual(['old']);
    ro.close();
    const s = SqliteStore.open(path);
    expect([...s.candidates(1)].map((c) => [c.seq, c.metrics])).toEqual([[0, { loss: 1 }]]);
    s.recordCandidates(1, [{ seq: 1, hash: contentHash('toy', 'b'), genes: [1], generation: 0, status: 'done', metrics: { loss: 2 }, objectives: [2], violation: 0, evalMs: 1 }]);
    s.close();
    const check = new Database(path);
    const tables = check.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`).pluck().all();
    expect(tables).toEqual(['hwnas_candidate_batches', 'hwnas_candidates', 'hwnas_checkpoints', 'hwnas_metric_keys', 'hwnas_studies']);
    const indexes = check.prepare(`SELECT name FROM sqlite_schema WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all();
    expect(indexes.every((n) => String(n).startsWith('hwnas_'))).toBe(true);
    // Foreign keys follow the renamed table.
    expect(check.prepare(`SELECT "table" FROM pragma_foreign_key_list('hwnas_candidates')`).pluck().all()).toEqual(['hwnas_studies']);
    expect(check.pragma('foreign_key_check')).toEqual([]);
    // Another program's table named `studies` (Optuna's) now fits beside hwnas's.
    check.exec('CREATE TABLE studies (study_id INTEGER PRIMARY KEY, study_name TEXT)');
    check.close();
    const again = SqliteStore.open(path, { readonly: true });
    expect(again.getStudy('old')!.evaluations).toBe(2);
    again.close();
  });

  it("refuses to write to a database holding another program's tables, naming the file and the tables, byte-identical", () => {
    const d = tmp();
    // An hwnas v6 database into which another program (optuna-dashboard) added its tables and failed.
    const v6 = join(d, 'mixed.db');
    const raw = new Database(v6);
    for (const m of MIGRATIONS.slice(0, 6)) raw.exec(m);
    raw.pragma(`application_id = ${APPLICATION_ID}`);
    raw.pragma('user_version = 6');
    raw.exec('CREATE TABLE alembic_version (version_num TEXT); CREATE TABLE trials (trial_id INTEGER PRIMARY KEY); CREATE TABLE version_info (id INTEGER)');
    raw.close();
    // A current hwnas database with the same visitor.
    const v7 = join(d, 'current.db');
    SqliteStore.open(v7).close();
    const c = new Database(v7);
    c.exec('CREATE TABLE studies (study_id INTEGER PRIMARY KEY); CREATE TABLE trials (trial_id INTEGER PRIMARY KEY)');
    c.pragma('wal_checkpoint(TRUNCATE)');
    c.close();
    for (const [p, names] of [
      [v6, 'alembic_version, trials, version_info'],
      [v7, 'studies, trials'],
    ] as const) {
      const before = sha(p);
      let message = '';
      try {
        SqliteStore.open(p);
      } catch (error) {
        expect(error).toBeInstanceOf(StoreError);
        message = (error as Error).message;
      }
      expect(message).toBe(`${p}: holds tables of another program (${names}); hwnas writes only to a database of its own: use another --db, or drop those tables`);
      expect(sha(p)).toBe(before);
      // Reading hwnas's own tables is harmless.
      const ro = SqliteStore.open(p, { readonly: true });
      expect(ro.listStudies()).toEqual([]);
      ro.close();
    }
    // A foreign SQLite file is named by what it holds.
    const foreign = join(d, 'optuna.db');
    const f = new Database(foreign);
    f.exec('CREATE TABLE studies (study_id INTEGER PRIMARY KEY); CREATE TABLE trials (trial_id INTEGER PRIMARY KEY)');
    f.close();
    expect(() => SqliteStore.open(foreign)).toThrow(`${foreign}: not an hwnas database (an SQLite file of another program, with tables studies, trials)`);
  });

  it('never creates a file when it must exist', () => {
    const p = join(tmp(), 'missing.db');
    expect(() => SqliteStore.open(p, { mustExist: true })).toThrow(/no such database/);
    expect(() => SqliteStore.open(p, { readonly: true })).toThrow(/no such database/);
    expect(existsSync(p)).toBe(false);
  });

  it('records a generation, de-duplicates by content hash and never counts a result twice', () => {
    const s = SqliteStore.open(join(tmp(), 'b.db'));
    const { id } = s.createStudy(study());
    const h1 = contentHash('toy', '0.1');
    const h2 = contentHash('toy', '1.0');
    expect(h1).not.toBe(h2);
    expect(h1).toBe(contentHash('toy', '0.1'));
    const cp0 = checkpoint(0, [h1, h2, h1]);
    const fresh = s.beginGeneration(id, [{ hash: h1, genes: [0, 1] }, { hash: h2, genes: [1, 0] }], 0, 0, (f) => {
      expect(f.map((c) => c.seq)).toEqual([0, 1]);
      return { checkpoint: cp0, summary: {} };
    });
    expect(fresh.map((c) => c.hash)).toEqual([h1, h2]);
    // The same genes again in the study: the unique (study, hash) index skips it, and the numbering goes on.
    const h3 = contentHash('toy', '1.1');
    const again = s.beginGeneration(id, [{ hash: h1, genes: [0, 1] }, { hash: h3, genes: [1, 1] }], 1, 2, () => ({ checkpoint: cp0, summary: {} }));
    expect(again).toEqual([{ seq: 2, hash: h3, genes: [1, 1], generation: 1 }]);
    expect(s.checkpoint(id)).toEqual(checkpoint(0, [h1, h2, h1]));
    expect(s.unfinished(id).map((c) => c.seq)).toEqual([0, 1, 2]);
    expect(s.has(id, h1)).toBe(true);
    expect(s.has(id, contentHash('toy', '9'))).toBe(false);
    s.markRunning(id, 0, 0);
    expect(s.unfinished(id).map((c) => c.status)).toEqual(['running', 'pending', 'pending']);
    const r1 = { hash: h1, ok: true as const, metrics: { loss: 2.5, latencyMs: Infinity }, objectives: [2.5, Infinity], violation: 0, evalMs: 1 };
    const r2 = { hash: h2, ok: false as const, error: 'boom', evalMs: 2 };
    expect(s.recordResults(id, [r1, r2])).toBe(2);
    expect(s.recordResults(id, [r1, r2])).toBe(0);
    const st = s.getStudy('s1')!;
    expect([st.evaluations, st.failed]).toEqual([2, 1]);
    const c1 = s.candidate(id, h1)!;
    expect(c1.metrics).toEqual({ loss: 2.5, latencyMs: Infinity });
    expect(c1.objectives).toEqual([2.5, Infinity]);
    const c2 = s.candidate(id, h2)!;
    expect([c2.status, c2.error, c2.violation]).toEqual(['failed', 'boom', Infinity]);
    expect([...s.candidates(id)].map((c) => c.seq)).toEqual([0, 1]);
    expect(s.unfinished(id).map((c) => c.seq)).toEqual([2]);
    expect(s.nextSeq(id)).toBe(3);
    s.close();
  });

  it('lets a read-only connection read while a writer holds an open transaction', () => {
    const path = join(tmp(), 'c.db');
    const w = SqliteStore.open(path);
    const { id } = w.createStudy(study());
    const h = contentHash('toy', '3');
    w.beginGeneration(id, [{ hash: h, genes: [3] }], 0, 0, () => ({ checkpoint: checkpoint(0, [h]), summary: {} }));
    const r = SqliteStore.open(path, { readonly: true });
    w.database.prepare('BEGIN IMMEDIATE').run();
    w.database.prepare(`UPDATE hwnas_studies SET evaluations = 99`).run();
    // The reader sees the last committed state, without waiting for the writer.
    expect(r.getStudy('s1')!.evaluations).toBe(0);
    expect(() => r.createStudy(study('other'))).toThrow(/read-only/);
    w.database.prepare('COMMIT').run();
    expect(r.getStudy('s1')!.evaluations).toBe(99);
    r.close();
    w.close();
  });

  it('migrates a v1 database to the current schema, keeping its studies', () => {
    const path = join(tmp(), 'v1.db');
    const raw = new Database(path);
    raw.exec(MIGRATIONS[0]);
    raw.pragma(`application_id = ${APPLICATION_ID}`);
    raw.pragma('user_version = 1');
    raw.prepare(`INSERT INTO studies (name, config, seed, space, device, objectives, constraints, strategy, status, created_at, updated_at, hwnas_version)
      VALUES ('old', '{}', 1, 'nb201', '', '[]', '[]', 'random', 'stopped', 0, 0, '0.0.1')`).run();
    raw.close();
    // Read-only, an old database is read as it is (no migration, nothing written).
    const ro = SqliteStore.open(path, { readonly: true });
    expect(ro.listStudies().map((x) => [x.name, x.evaluator])).toEqual([['old', undefined]]);
    expect(ro.unfinished(1)).toEqual([]);
    ro.close();
    const s = SqliteStore.open(path);
    expect(s.getStudy('old')).toMatchObject({ name: 'old', status: 'stopped', hwnasVersion: '0.0.1' });
    expect(s.getStudy('old')!.evaluator).toBeUndefined();
    const rec = s.createStudy({ ...study('new'), evaluator: { kind: 'slow-test', costMs: 1 } });
    expect(rec.evaluator).toEqual({ kind: 'slow-test', costMs: 1 });
    s.close();
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    check.close();
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(2);
  });

  it('keeps non-finite numbers through JSON', () => {
    const v = { a: [1, Infinity, -Infinity], b: { c: NaN }, d: 'x' };
    const back = decodeJson<typeof v>(encodeJson(v));
    expect(back.a).toEqual([1, Infinity, -Infinity]);
    expect(Number.isNaN(back.b.c)).toBe(true);
    expect(back.d).toBe('x');
  });

  it('writes finished candidates once, metrics exact as float64 blobs, and reads rows of older versions as JSON', () => {
    const s = SqliteStore.open(join(tmp(), 'e.db'));
    const { id } = s.createStudy(study());
    const h = (k: string) => contentHash('toy', k);
    const done = (seq: number, metrics: Record<string, number>) => ({
      seq,
      hash: h(String(seq)),
      genes: [seq, 1],
      generation: 0,
      status: 'done' as const,
      metrics,
      objectives: [metrics.loss ?? 0, Infinity],
      violation: 0.5,
      evalMs: 2,
    });
    const rows = [
      done(0, { loss: 0.1, latencyMs: Infinity, odd: NaN }),
      done(1, { loss: 1 / 3, latencyMs: -0 }),
      { seq: 2, hash: h('2'), genes: [2, 2], generation: 1, status: 'failed' as const, error: 'boom', evalMs: 1 },
      done(3, { latencyMs: 7, loss: 2 ** -1074 }),
    ];
    expect(s.recordCandidates(id, rows)).toBe(4);
    // Already finished: neither written again nor counted twice.
    expect(s.recordCandidates(id, [done(0, { loss: 9, latencyMs: 9 })])).toBe(0);
    expect([s.getStudy('s1')!.evaluations, s.getStudy('s1')!.failed]).toEqual([4, 1]);
    // A row as schema v3 wrote it: JSON text, Infinity tagged.
    s.database
      .prepare(`INSERT INTO hwnas_candidates (study_id, seq, hash, genes, generation, status, metrics, objectives, violation, eval_ms, created_at)
        VALUES (?, 4, ?, '[4,4]', 1, 'done', ?, ?, 0, 3, 0)`)
      .run(id, h('4'), encodeJson({ loss: 4, latencyMs: Infinity }), encodeJson([4, Infinity]));
    const got = [...s.candidates(id)];
    expect(got.map((c) => c.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(got[0].metrics!.loss).toBe(0.1);
    expect(got[0].metrics!.latencyMs).toBe(Infinity);
    expect(Number.isNaN(got[0].metrics!.odd)).toBe(true);
    expect(Object.is(got[1].metrics!.latencyMs, -0)).toBe(true);
    expect(got[1].metrics!.loss).toBe(1 / 3);
    expect(Object.keys(got[3].metrics!)).toEqual(['latencyMs', 'loss']);
    expect(got[3].metrics!.loss).toBe(2 ** -1074);
    expect(got[0].objectives).toEqual([0.1, Infinity]);
    expect([got[0].violation, got[0].evalMs, got[0].genes]).toEqual([0.5, 2, [0, 1]]);
    expect([got[2].status, got[2].error, got[2].violation, got[2].metrics]).toEqual(['failed', 'boom', Infinity, undefined]);
    expect(got[4]).toMatchObject({ metrics: { loss: 4, latencyMs: Infinity }, objectives: [4, Infinity], genes: [4, 4] });
    expect([...s.candidatesByHash(id, [h('1'), h('4'), h('none')]).keys()].sort()).toEqual([h('1'), h('4')].sort());
    s.close();
    // Another connection (no names cached) reads the same.
    const r = SqliteStore.open(s.path, { readonly: true });
    expect(r.candidate(id, h('3'))!.metrics).toEqual({ latencyMs: 7, loss: 2 ** -1074 });
    r.close();
  });

  it('hashes as sha256 of space and key, truncated to 64 bits (the digest older databases hold)', () => {
    expect(contentHash('nb201', '0.1.2')).toBe(createHash('sha256').update('nb201').update('\0').update('0.1.2').digest('hex').slice(0, 16));
  });

  it('migrates a v3 database with candidates: rows kept and readable, a pending row completed once', () => {
    const path = join(tmp(), 'v3.db');
    const raw = new Database(path);
    for (const m of MIGRATIONS.slice(0, 3)) raw.exec(m);
    raw.pragma(`application_id = ${APPLICATION_ID}`);
    raw.pragma('user_version = 3');
    raw.prepare(`INSERT INTO studies (name, config, seed, space, device, objectives, constraints, strategy, status, created_at, updated_at, hwnas_version, evaluations)
      VALUES ('old', '{}', 1, 'toy', '', '[]', '[]', 'random', 'stopped', 0, 0, '0.0.1', 1)`).run();
    const add = raw.prepare(`INSERT INTO candidates (study_id, seq, hash, genes, generation, status, metrics, objectives, violation, created_at)
      VALUES (1, ?, ?, ?, 0, ?, ?, ?, ?, 0)`);
    add.run(0, contentHash('toy', 'a'), '[0]', 'done', encodeJson({ loss: 1, latencyMs: Infinity }), encodeJson([1, Infinity]), 0);
    add.run(1, contentHash('toy', 'b'), '[1]', 'pending', null, null, null);
    raw.close();
    const s = SqliteStore.open(path);
    expect([...s.candidates(1)]).toMatchObject([{ seq: 0, genes: [0], metrics: { loss: 1, latencyMs: Infinity }, objectives: [1, Infinity] }]);
    expect(s.unfinished(1).map((c) => c.seq)).toEqual([1]);
    const finished = { seq: 1, hash: contentHash('toy', 'b'), genes: [1], generation: 0, status: 'done' as const, metrics: { loss: 2 }, objectives: [2], violation: 0, evalMs: 1 };
    expect(s.recordCandidates(1, [finished])).toBe(1);
    expect(s.recordCandidates(1, [finished])).toBe(0);
    expect(s.unfinished(1)).toEqual([]);
    expect([...s.candidates(1)].map((c) => [c.seq, c.status, c.metrics])).toEqual([
      [0, 'done', { loss: 1, latencyMs: Infinity }],
      [1, 'done', { loss: 2 }],
    ]);
    expect(s.getStudy('old')!.evaluations).toBe(2);
    expect(s.nextSeq(1)).toBe(2);
    s.close();
  });
});
