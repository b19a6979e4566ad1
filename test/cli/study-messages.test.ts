/**
 * What the study commands say about odd situations: a killed study is "interrupted", not "running"; a study
 * named after a space file's path stays a plain name (its exports land in the working folder); measuring nothing
 * is refused.
 */
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { exportFrontierNow } from '../../cli/ui/live.js';
import { StudyLock, studyLockPath } from '../../search/store/lock.js';
import { defaultStudyName, parseStudyConfig } from '../../search/study-config.js';
import { captureConsole } from './console.js';

const { errors, logs } = captureConsole();
const quick = ['--space', 'nb201', '--evaluator', 'slow-test', '--cost-ms', '0', '--evaluations', '20', '--generation-size', '10', '--strategy', 'random', '--quiet'];

describe('hwnas studies', () => {
  it('shows a study left "running" by a killed process as interrupted, and one whose process lives as running', async () => {
    const d = mkdtempSync(join(tmpdir(), 'hwnas-msg-'));
    const db = join(d, 's.db');
    expect(await main(['search', ...quick, '--db', db, '--name', 'k'])).toBe(0);
    // What a SIGKILL leaves: status running, and (maybe) a lock file of a process that is gone.
    const raw = new Database(db);
    raw.prepare(`UPDATE hwnas_studies SET status = 'running'`).run();
    raw.close();
    const id = 1;
    writeFileSync(studyLockPath(db, id), '999999999');
    logs.length = 0;
    expect(await main(['studies', '--db', db])).toBe(0);
    expect(logs.join('\n')).toMatch(/^k\s+interrupted\b/m);
    logs.length = 0;
    expect(await main(['studies', '--db', db, '--json'])).toBe(0);
    expect(JSON.parse(logs[0])).toMatchObject({ name: 'k', status: 'interrupted' });
    // A live process holding the lock: running.
    const lock = StudyLock.acquire(studyLockPath(db, id));
    expect(lock).toBeInstanceOf(StudyLock);
    try {
      logs.length = 0;
      expect(await main(['studies', '--db', db])).toBe(0);
      expect(logs.join('\n')).toMatch(/^k\s+running\b/m);
    } finally {
      (lock as StudyLock).release();
    }
  });
});

describe('default study names', () => {
  it('a space file given by path names the study by its file, never by the path', () => {
    const name = defaultStudyName(parseStudyConfig({ space: '../spaces/my.yaml', evaluator: 'slow-test' }));
    expect(name).toBe('my-nodevice-nsga2-s0-loss.latency');
    expect(defaultStudyName(parseStudyConfig({ space: '/abs/dir/Tiny Space.yml', evaluator: 'slow-test', deviceFile: '../d/board.json' }))).toBe('Tiny_Space-board-nsga2-s0-loss.latency');
  });

  it("the live view's export of a study named after a path (older databases) writes in the working folder", async () => {
    const d = mkdtempSync(join(tmpdir(), 'hwnas-msg-'));
    const work = join(d, 'work');
    mkdirSync(work);
    const db = join(work, 's.db');
    expect(await main(['search', ...quick, '--db', db, '--name', 'plain'])).toBe(0);
    const raw = new Database(db);
    raw.prepare(`UPDATE hwnas_studies SET name = '../spaces/my.yaml-nodevice-random-s0'`).run();
    raw.close();
    const cwd = process.cwd();
    process.chdir(work);
    try {
      const said = await exportFrontierNow(db, '../spaces/my.yaml-nodevice-random-s0', false);
      expect(said).toBe('exported spaces_my.yaml-nodevice-random-s0-frontier.json');
    } finally {
      process.chdir(cwd);
    }
    expect(readdirSync(d)).toEqual(['work']);
    expect(readdirSync(work).sort()).toEqual(['s.db', 'spaces_my.yaml-nodevice-random-s0-frontier.json']);
  });
});

describe('hwnas measure', () => {
  it('--sample 0 without --reference measures nothing: refused, no CSV', async () => {
    const d = mkdtempSync(join(tmpdir(), 'hwnas-msg-'));
    errors.length = 0;
    expect(await main(['measure', '--space', 'nb201', '--sample', '0', '--out', join(d, 'm.csv')])).toBe(2);
    expect(errors).toEqual(["--sample: 0 architectures to measure; give --sample 1 or more (or --reference)"]);
    expect(await main(['measure', '--space', 'mnasnet', '--sample', '0', '--out', join(d, 'm.csv')])).toBe(2);
    expect(errors.at(-1)).toBe('--sample: 0 architectures to measure; give --sample 1 or more (or --model)');
    expect(readdirSync(d)).toEqual([]);
  });
});
