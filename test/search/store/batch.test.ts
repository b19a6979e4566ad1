import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HashIndex } from '../../../search/store/hash-index.js';
import { MIGRATIONS } from '../../../search/store/schema.js';
import { APPLICATION_ID, SCHEMA_VERSION, SqliteStore, contentHash } from '../../../search/store/index.js';
import type { FinishedCandidate } from '../../../search/store/types.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'hwnas-batch-'));
const study = (name = 's1') => ({
  name,
  config: {},
  seed: 1,
  space: 'toy',
  device: 'dev',
  objectives: ['loss', 'latencyMs'],
  constraints: [],
  strategy: 'random',
  hwnasVersion: '0.1.0',
});
const h = (k: string | number) => contentHash('toy', String(k));
const done = (seq: number, generation = 0): FinishedCandidate => ({
  seq,
  hash: h(seq),
  genes: [seq, 0.5, -seq],
  generation,
  status: 'done',
  metrics: { loss: seq / 3, latencyMs: seq === 2 ? Infinity : seq },
  objectives: [seq / 3, seq],
  violation: seq % 2,
  evalMs: 0.25,
});
const failed = (seq: number): FinishedCandidate => ({ seq, hash: h(seq), genes: [seq], generation: 1, status: 'failed', error: `bad ${seq}` });

describe('HashIndex', () => {
  it('finds the batch of each hash through growth; hashes sharing 52 bits and odd hashes kept apart', () => {
    const ix = new HashIndex();
    const hs = Array.from({ length: 70_000 }, (_, i) => h(i));
    hs.forEach((x, i) => ix.set(x, i % 1000));
    ix.set('aaaaaaaaaaaaa000', 1);
    ix.set('aaaaaaaaaaaaa001', 2);
    ix.set('h1', 3);
    ix.set('AAAAAAAAAAAAA000', 4);
    expect(hs.every((x, i) => ix.get(x) === i % 1000)).toBe(true);
    expect([ix.get('aaaaaaaaaaaaa000'), ix.get('aaaaaaaaaaaaa001'), ix.get('h1'), ix.get('AAAAAAAAAAAAA000')]).toEqual([1, 2, 3, 4]);
    expect([ix.get(h('none')), ix.get('h2'), ix.get('zzzzzzzzzzzzzzzz')]).toEqual([undefined, undefined, undefined]);
    expect(ix.size).toBe(70_004);
  });
});

describe('SqliteStore batches (schema v6)', () => {
  it('keeps each commit as one batch row, reads candidates back exactly and in seq order, never counts a repeat', () => {
    const s = SqliteStore.open(join(tmp(), 'b.db'));
    const { id } = s.createStudy(study());
    // Seq 5 written before 3 and 4, in another batch: ask order is seq order, not write order.
    expect(s.recordCandidates(id, [done(0), done(1), done(2), done(5, 1)])).toBe(4);
    expect(s.recordCandidates(id, [done(3), failed(4), done(1), failed(4)])).toBe(2);
    expect(s.recordCandidates(id, [done(2)])).toBe(0);
    expect(s.database.prepare(`SELECT count(*) FROM hwnas_candidate_batches`).pluck().get()).toBe(2);
    expect([s.getStudy('s1')!.evaluations, s.getStudy('s1')!.failed]).toEqual([6, 1]);
    const all = [...s.candidates(id)];
    expect(all.map((c) => c.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(all[2]).toEqual({ ...done(2) });
    expect(all[4]).toEqual({ seq: 4, hash: h(4), genes: [4], generation: 1, status: 'failed', violation: Infinity, error: 'bad 4' });
    expect([...s.candidates(id, ['failed'])].map((c) => c.seq)).toEqual([4]);
    expect(s.nextSeq(id)).toBe(6);
    expect(s.has(id, h(5))).toBe(true);
    expect(s.has(id, h(9))).toBe(false);
    expect(s.genesBySeq(id, [5, 0, 9])).toEqual(new Map([[5, [5, 0.5, -5]], [0, [0, 0.5, -0]]]));
    s.close();
    // Another connection, read-only: builds its own hash map, sees rows a writer adds later.
    const r = SqliteStore.open(s.path, { readonly: true });
    expect(r.candidate(id, h(1))).toEqual(done(1));
    const w = SqliteStore.open(s.path);
    expect(w.recordCandidates(id, [done(6), done(0)])).toBe(1);
    expect([...r.candidatesByHash(id, [h(6), h(0), h(7)]).keys()].sort()).toEqual([h(6), h(0)].sort());
    w.close();
    r.close();
  });

  it('migrates a v5 database: rows kept and readable beside new batches, a pending row completed in place', () => {
    const path = join(tmp(), 'v5.db');
    const raw = new Database(path);
    for (const m of MIGRATIONS.slice(0, 5)) raw.exec(m);
    raw.pragma(`application_id = ${APPLICATION_ID}`);
    raw.pragma('user_version = 5');
    raw.prepare(`INSERT INTO studies (name, config, seed, space, device, objectives, constraints, strategy, status, created_at, updated_at, hwnas_version, evaluations)
      VALUES ('old', '{}', 1, 'toy', '', '[]', '[]', 'random', 'stopped', 0, 0, '0.0.1', 1)`).run();
    const add = raw.prepare(`INSERT INTO candidates (study_id, seq, hash, genes, generation, status, metrics, objectives, violation, created_at)
      VALUES (1, ?, ?, ?, 0, ?, ?, ?, ?, 0)`);
    add.run(0, h(0), '[0]', 'done', '{"loss":7}', '[7]', 0);
    add.run(2, h(2), '[2]', 'pending', null, null, null);
    raw.close();
    // Read-only, the old file is read as it is.
    const ro = SqliteStore.open(path, { readonly: true });
    expect([...ro.candidates(1)].map((c) => c.seq)).toEqual([0]);
    ro.close();
    const s = SqliteStore.open(path);
    expect(s.database.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(s.recordCandidates(1, [done(0), done(1), done(2), done(3)])).toBe(3);
    expect(s.unfinished(1)).toEqual([]);
    expect(s.database.prepare(`SELECT status FROM hwnas_candidates WHERE seq = 2`).pluck().get()).toBe('done');
    expect([...s.candidates(1)].map((c) => [c.seq, c.metrics!.loss])).toEqual([
      [0, 7],
      [1, 1 / 3],
      [2, 2 / 3],
      [3, 1],
    ]);
    expect(s.getStudy('old')!.evaluations).toBe(4);
    expect(s.nextSeq(1)).toBe(4);
    s.close();
  });
});
