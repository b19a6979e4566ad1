/**
 * Many writers on one database: real `hwnas search` processes at once. Writers wait their turn (immediate
 * transactions, a busy timeout) instead of failing with SQLITE_BUSY, a name started twice at once gets the
 * ordinary "already exists" line, and the study lock keys on the real file, not on the path given.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.js';
import { SqliteStore } from '../../../search/store/index.js';
import { StudyLock, studyLockPath } from '../../../search/store/lock.js';
import { captureConsole } from '../../cli/console.js';

const bin = resolve('bin/hwnas.js');
const { errors } = captureConsole();

function hwnas(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('exit', (code) => done({ code, stderr }));
  });
}

// Small generations, no evaluation cost: a commit every few milliseconds from each writer, so they collide.
const busy = ['--space', 'nb201', '--evaluator', 'slow-test', '--cost-ms', '0', '--evaluations', '4000', '--generation-size', '4', '--strategy', 'random', '--quiet'];

describe('many writers on one database', () => {
  it('two studies written at once by two processes both finish, every candidate recorded', async () => {
    const d = mkdtempSync(join(tmpdir(), 'hwnas-writers-'));
    const db = join(d, 'w.db');
    // The database exists first, so that both processes write from their first commit.
    expect(await main(['search', ...busy, '--evaluations', '4', '--db', db, '--name', 'seed'])).toBe(0);
    const [a, b] = await Promise.all([hwnas(['search', ...busy, '--db', db, '--name', 'a', '--seed', '1']), hwnas(['search', ...busy, '--db', db, '--name', 'b', '--seed', '2'])]);
    expect(a.stderr).toBe('');
    expect(b.stderr).toBe('');
    expect([a.code, b.code]).toEqual([0, 0]);
    const store = SqliteStore.open(db, { readonly: true });
    for (const name of ['a', 'b']) {
      const s = store.getStudy(name)!;
      expect([s.status, s.evaluations]).toEqual(['finished', 4000]);
      expect([...store.candidates(s.id)]).toHaveLength(4000);
    }
    store.close();
  }, 120_000);

  it('one name started twice at once: one study, and the other process gets the one-line refusal', async () => {
    const d = mkdtempSync(join(tmpdir(), 'hwnas-writers-'));
    const db = join(d, 't.db');
    const runs = await Promise.all([1, 2, 3].map(() => hwnas(['search', ...busy, '--evaluations', '200', '--db', db, '--name', 'twice'])));
    const codes = runs.map((r) => r.code).sort();
    // The first to create it runs; the others are refused (exit 2: already exists, or running in another process).
    expect(codes[0]).toBe(0);
    for (const r of runs.filter((x) => x.code !== 0)) {
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/study 'twice' (already exists in .*t\.db|is running in process \d+)/);
    }
    const store = SqliteStore.open(db, { readonly: true });
    expect(store.listStudies().map((s) => [s.name, s.evaluations])).toEqual([['twice', 200]]);
    store.close();
  }, 120_000);

  it('keys the study lock on the real file: a resume through a symlink of a held study is refused and writes nothing, not even its budget', async () => {
    const d = mkdtempSync(join(tmpdir(), 'hwnas-writers-'));
    const db = join(d, 'real.db');
    expect(await main(['search', ...busy, '--evaluations', '8', '--db', db, '--name', 'held'])).toBe(0);
    const link = join(d, 'link.db');
    symlinkSync(db, link);
    const store = SqliteStore.open(db, { readonly: true });
    const id = store.getStudy('held')!.id;
    store.close();
    // This process holds the study through the real path; a resume through the link must see the lock.
    expect(studyLockPath(link, id)).toBe(studyLockPath(db, id));
    const lock = StudyLock.acquire(studyLockPath(db, id));
    expect(lock).toBeInstanceOf(StudyLock);
    try {
      errors.length = 0;
      expect(await main(['resume', 'held', '--db', link, '--evaluations', '16', '--quiet'])).toBe(2);
      expect(errors.join('\n')).toMatch(/study 'held' is running in process \d+/);
    } finally {
      (lock as StudyLock).release();
    }
    // The refused resume wrote nothing: not even its raised budget.
    const after = SqliteStore.open(db, { readonly: true });
    expect(after.getStudy('held')!.evaluations).toBe(8);
    expect((after.getStudy('held')!.config as { evaluations: number }).evaluations).toBe(8);
    after.close();
  }, 60_000);
});
