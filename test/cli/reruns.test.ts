/**
 * Running a search again, as a user does with `npm start`: the same configuration continues its study or reports
 * it, a different one gets its own name; `resume --evaluations` is a total and `--more` adds, and both say so.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { SqliteStore } from '../../search/store/index.js';
import { captureConsole } from './console.js';

const { errors, logs } = captureConsole();
const tmp = () => mkdtempSync(join(tmpdir(), 'hwnas-rerun-'));
const search = ['search', '--space', 'nb201', '--evaluator', 'slow-test', '--cost-ms', '0', '--generation-size', '10', '--strategy', 'random', '--plain'];

function studies(db: string) {
  const store = SqliteStore.open(db, { readonly: true });
  try {
    return store.listStudies().map((s) => ({ name: s.name, evaluations: s.evaluations, status: s.status }));
  } finally {
    store.close();
  }
}

function sha(db: string): string {
  const sqlite = new Database(db);
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  sqlite.close();
  return createHash('sha256').update(readFileSync(db)).digest('hex');
}

describe('re-running a search', () => {
  it('continues the same configuration, reports it once its budget is spent, and names a different one apart', async () => {
    const db = join(tmp(), 'r.db');
    expect(await main([...search, '--evaluations', '30', '--db', db])).toBe(0);
    const name = 'nb201-nodevice-random-s0-loss.latency';
    expect(studies(db)).toEqual([{ name, evaluations: 30, status: 'finished' }]);

    // Again, unchanged: reported from the database, which is not written at all.
    const before = sha(db);
    logs.length = 0;
    errors.length = 0;
    expect(await main([...search, '--evaluations', '30', '--db', db])).toBe(0);
    expect(sha(db)).toBe(before);
    expect(logs[0]).toMatch(new RegExp(`^study ${name}: finished \\(evaluations\\); 30 evaluated, 0 failed, frontier of [1-9]`));
    expect(errors.join('\n')).toMatch(/budget is spent .*hwnas resume .* --more N/);

    // A larger budget: the same study continues to the new total.
    expect(await main([...search, '--evaluations', '50', '--db', db])).toBe(0);
    expect(studies(db)).toEqual([{ name, evaluations: 50, status: 'finished' }]);
    expect(errors.join('\n')).toMatch(/continuing it from 30 evaluated to 50 in total/);

    // Other objectives, another constraint: studies of their own, named after them.
    expect(await main([...search, '--evaluations', '20', '--db', db, '--objectives', 'latency,memory'])).toBe(0);
    expect(await main([...search, '--evaluations', '20', '--db', db, '--constraint', 'memory<=5MB'])).toBe(0);
    // The same name parts but another workload: the default name is taken by a different search, so -2.
    expect(await main([...search, '--evaluations', '20', '--db', db, '--batch', '4'])).toBe(0);
    expect(studies(db).map((s) => s.name).sort()).toEqual([name, `${name}-2`, 'nb201-nodevice-random-s0-latency.memory', `${name}-memory.le5MB`].sort());
    // ... and running that one again finds it under -2.
    const n = studies(db).length;
    expect(await main([...search, '--evaluations', '20', '--db', db, '--batch', '4'])).toBe(0);
    expect(studies(db)).toHaveLength(n);
  });

  it('the same flags over an edited law file are another search: a study of its own, the first one untouched', async () => {
    const d = tmp();
    const db = join(d, 'l.db');
    const law = join(d, 'law.json');
    const llm = ['search', '--space', 'llm-codesign', '--device', 'jetson-agx-orin', '--strategy', 'random', '--generation-size', '10', '--evaluations', '20', '--quiet', '--db', db, '--loss-law', law];
    writeFileSync(law, JSON.stringify({ id: 'mine', formula: 'E + A / N^alpha', parameters: { E: 1.7, A: 400, alpha: 0.34 } }));
    expect(await main(llm)).toBe(0);
    // Unchanged: the same study, reported.
    expect(await main(llm)).toBe(0);
    expect(studies(db)).toHaveLength(1);
    writeFileSync(law, JSON.stringify({ id: 'mine', formula: 'E + A / N^alpha', parameters: { E: 2.7, A: 400, alpha: 0.34 } }));
    expect(await main(llm)).toBe(0);
    const names = studies(db).map((s) => s.name);
    expect(names).toHaveLength(2);
    expect(names[1]).toBe(`${names[0]}-2`);
    // With --name the edited file is refused by name, naming what differs.
    errors.length = 0;
    expect(await main([...llm, '--name', names[0]])).toBe(2);
    expect(errors[0]).toMatch(/is a different search \(the content of --loss-law's file differs\)/);
  });

  it('resume: --evaluations is the total, --more adds, and a spent budget is reported, not run', async () => {
    const db = join(tmp(), 'm.db');
    expect(await main([...search, '--evaluations', '20', '--db', db, '--name', 's'])).toBe(0);
    errors.length = 0;
    logs.length = 0;
    expect(await main(['resume', 's', '--db', db, '--plain'])).toBe(0);
    expect(errors.join('\n')).toMatch(/study s has nothing left to do \(evaluations, 20 evaluated; budget 20 evaluations in total \(as started; --more N adds N\)\)/);
    // The report is the study's own frontier, never "empty" before it.
    expect(logs[0]).toMatch(/^study s: finished \(evaluations\); 20 evaluated, 0 failed, frontier of [1-9]/);
    expect(logs.join('\n')).not.toMatch(/empty/);

    errors.length = 0;
    expect(await main(['resume', 's', '--db', db, '--more', '10', '--plain'])).toBe(0);
    expect(errors.join('\n')).toMatch(/resuming study s at 20 evaluated; budget 10 more: 30 evaluations in total/);
    expect(studies(db)[0].evaluations).toBe(30);

    errors.length = 0;
    expect(await main(['resume', 's', '--db', db, '--evaluations', '40', '--plain'])).toBe(0);
    expect(errors.join('\n')).toMatch(/resuming study s at 30 evaluated; budget 40 evaluations in total/);
    expect(studies(db)[0].evaluations).toBe(40);

    errors.length = 0;
    expect(await main(['resume', 's', '--db', db, '--evaluations', '50', '--more', '5'])).toBe(2);
    expect(errors).toEqual(['--more and --evaluations exclude each other: --more N adds N, --evaluations N is the total']);
  });

  it('a database file with no tables yet (just created by another process, or touched) takes a new study', async () => {
    const db = join(tmp(), 'empty.db');
    writeFileSync(db, '');
    expect(await main([...search, '--evaluations', '10', '--db', db, '--name', 'first'])).toBe(0);
    expect(studies(db)).toEqual([{ name: 'first', evaluations: 10, status: 'finished' }]);
  });

  it('HWNAS_DB names the database every command uses when --db is not given', async () => {
    const db = join(tmp(), 'env.db');
    const before = process.env.HWNAS_DB;
    process.env.HWNAS_DB = db;
    try {
      expect(await main([...search, '--evaluations', '10', '--name', 'e'])).toBe(0);
      logs.length = 0;
      expect(await main(['studies'])).toBe(0);
      expect(logs.join('\n')).toMatch(/^e\s+finished \(evaluations\)\s+10\s/m);
      expect(studies(db).map((s) => s.name)).toEqual(['e']);
    } finally {
      if (before === undefined) delete process.env.HWNAS_DB;
      else process.env.HWNAS_DB = before;
    }
  });
});
