/**
 * Disk and file faults under the study database, on real file systems (tmpfs mounts, see fs-faults.ts): a
 * read-only database (with and without the -wal/-shm files a killed writer leaves), a damaged page, a disk that
 * fills up during a study. Each is one line naming the file and what to do; what was recorded stays intact.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.js';
import { SqliteStore } from '../../search/store/index.js';
import { canMakeReadOnly, canMount, fillDisk, readOnlyFolder, smallDisk } from '../fs-faults.js';
import { captureConsole } from './console.js';

const { errors, logs } = captureConsole();
const quick = ['--space', 'nb201', '--evaluator', 'slow-test', '--cost-ms', '0', '--generation-size', '10', '--strategy', 'random', '--quiet'];
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const source = mkdtempSync(join(tmpdir(), 'hwnas-dbfault-'));
const clean = join(source, 'clean.db');

beforeAll(async () => {
  vi.spyOn(console, 'error').mockImplementation(() => {});
  expect(await main(['search', ...quick, '--evaluations', '40', '--db', clean, '--name', 's'])).toBe(0);
  vi.restoreAllMocks();
});

/** Runs a command; returns its exit code and its one line on stderr. */
async function oneLine(argv: string[]): Promise<{ code: number; line: string }> {
  errors.length = 0;
  const code = await main(argv);
  expect(errors, argv.join(' ')).toHaveLength(1);
  expect(errors[0]).not.toContain('\n');
  return { code, line: errors[0] };
}

describe.skipIf(!canMakeReadOnly)('a read-only database', () => {
  it('is read by studies and export, and refused by search and resume with one line; nothing changes', async () => {
    const ro = readOnlyFolder((dir) => copyFileSync(clean, join(dir, 'x.db')));
    const db = join(ro, 'x.db');
    const before = sha(db);
    logs.length = 0;
    expect(await main(['studies', '--db', db])).toBe(0);
    expect(logs.join('\n')).toMatch(/^s\s+finished/m);
    const out = mkdtempSync(join(tmpdir(), 'hwnas-dbfault-out-'));
    expect(await main(['export', 's', '--db', db, '--format', 'csv', '--out', join(out, 'a.csv')])).toBe(0);
    for (const argv of [
      ['resume', 's', '--db', db, '--evaluations', '60', '--quiet'],
      ['search', ...quick, '--evaluations', '20', '--db', db, '--name', 't'],
    ]) {
      const r = await oneLine(argv);
      expect(r.code).toBe(2);
      expect(r.line).toBe(`${db}: read-only (the file or its folder cannot be written); make them writable, or copy the database somewhere writable`);
    }
    expect(sha(db)).toBe(before);
    expect(readdirSync(ro)).toEqual(['x.db']);
  });

  it('with the -wal and -shm files of a killed writer: read by studies, refused by resume with one line', async () => {
    const ro = readOnlyFolder((dir) => {
      const db = join(dir, 'x.db');
      copyFileSync(clean, db);
      // A writer killed after a commit that is still only in the WAL.
      const script = `const D = require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))}); const d = new D(${JSON.stringify(db)}); d.pragma('wal_autocheckpoint = 0'); d.prepare("UPDATE hwnas_studies SET name = 'renamed'").run(); process.kill(process.pid, 'SIGKILL');`;
      spawnSync(process.execPath, ['-e', script]);
    });
    expect(readdirSync(ro).sort()).toEqual(['x.db', 'x.db-shm', 'x.db-wal']);
    const db = join(ro, 'x.db');
    logs.length = 0;
    expect(await main(['studies', '--db', db])).toBe(0);
    // The commit in the WAL is read.
    expect(logs.join('\n')).toMatch(/^renamed\s+finished/m);
    const r = await oneLine(['resume', 'renamed', '--db', db, '--evaluations', '60', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.line).toMatch(new RegExp(`^${db}: read-only `));
  });
});

describe('a damaged database', () => {
  it('studies, export, resume and report: one line naming the file and what to do, the file untouched', async () => {
    const d = mkdtempSync(join(tmpdir(), 'hwnas-dbfault-'));
    const db = join(d, 'bad.db');
    copyFileSync(clean, db);
    // Every page after the first (the header and the schema) overwritten: the tables' b-trees are garbage.
    const pageSize = readFileSync(db).readUInt16BE(16);
    const fd = openSync(db, 'r+');
    const junk = Buffer.alloc(pageSize, 0xa5);
    for (let off = pageSize; off < statSync(db).size; off += pageSize) writeSync(fd, junk, 0, pageSize, off);
    closeSync(fd);
    const before = sha(db);
    const out = mkdtempSync(join(tmpdir(), 'hwnas-dbfault-out-'));
    for (const argv of [
      ['studies', '--db', db],
      ['export', 's', '--db', db, '--format', 'json', '--out', join(out, 'e.json')],
      ['resume', 's', '--db', db, '--evaluations', '60', '--quiet'],
      ['report', 's', '--db', db, '--out', join(out, 'r.html')],
      ['search', ...quick, '--evaluations', '20', '--db', db, '--name', 't'],
    ]) {
      const r = await oneLine(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.line).toBe(`${db}: the database is damaged (database disk image is malformed); nothing was changed. Keep a copy, and recover what it holds with: sqlite3 ${db} .recover | sqlite3 recovered.db`);
      expect(sha(db)).toBe(before);
    }
    expect(readdirSync(out)).toEqual([]);
    expect(readdirSync(d)).toEqual(['bad.db']);
  });
});

describe.skipIf(!canMount)('a disk that fills up during a study', () => {
  it('stops with one line naming the file; what was recorded is intact and resumes once there is space', async () => {
    // 16 MiB: once the filler is gone, the resumed study needs room for its WAL, which grows to about 4 MB (1,000
    // pages) between checkpoints; on a 4 MiB disk a loaded machine's many small commits filled it again.
    const d = smallDisk(16 * 2 ** 20);
    const db = join(d, 'x.db');
    copyFileSync(clean, db);
    // Leave ~200 kB: a study of 2,000 candidates with many commits runs out of it.
    const filler = join(d, 'filler');
    fillDisk(d);
    const room = 200 * 1024;
    const size = statSync(filler).size;
    spawnSync('truncate', ['-s', String(size - room), filler]);
    // 1 ms per candidate: each commit (every 50 ms) holds a few dozen candidates, so the first ones fit however fast
    // the machine runs (at no cost per candidate a first commit could hold hundreds, more than the room left).
    const r = await oneLine(['search', ...quick, '--cost-ms', '1', '--evaluations', '2000', '--generation-size', '4', '--db', db, '--name', 'full']);
    expect(r.code).toBe(1);
    expect(r.line).toMatch(new RegExp(`^${db}: the disk is full \\(.*\\); what was recorded is kept: free some space, then resume the study$`));
    const store = SqliteStore.open(db, { readonly: true });
    const recorded = store.getStudy('full')!.evaluations;
    expect([...store.candidates(store.getStudy('full')!.id)]).toHaveLength(recorded);
    expect(store.getStudy('s')!.evaluations).toBe(40);
    store.close();
    expect(recorded).toBeGreaterThan(0);
    expect(recorded).toBeLessThan(2000);
    rmSync(filler);
    errors.length = 0;
    const resumed = await main(['resume', 'full', '--db', db, '--quiet']);
    expect({ resumed, errors }).toEqual({ resumed: 0, errors: [] });
    const after = SqliteStore.open(db, { readonly: true });
    expect(after.getStudy('full')!.evaluations).toBe(2000);
    expect(new Set([...after.candidates(after.getStudy('full')!.id)].map((c) => c.genes.join())).size).toBe(2000);
    after.close();
  }, 120_000);
});
