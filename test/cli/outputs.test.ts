/**
 * Every command's outputs: checked before any work starts (a missing folder, a folder where a file goes, a folder
 * of other files), written all or nothing (a full disk leaves the old output and no temporary file), and an
 * existing output replaced with a line that says so.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.js';
import { canMount, fillDisk, smallDisk } from '../fs-faults.js';
import { captureConsole } from './console.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'hwnas-outputs-'));
const { errors } = captureConsole();

/** Exit 2, one line matching `pattern`, and the folder's listing unchanged. */
async function refused(dir: string, argv: string[], pattern: RegExp): Promise<void> {
  const before = readdirSync(dir).sort();
  errors.length = 0;
  expect(await main(argv)).toBe(2);
  expect(errors).toHaveLength(1);
  expect(errors[0]).not.toContain('\n');
  expect(errors[0]).toMatch(pattern);
  expect(readdirSync(dir).sort()).toEqual(before);
}

const quick = ['--space', 'nb201', '--evaluator', 'slow-test', '--cost-ms', '0', '--evaluations', '30', '--generation-size', '10', '--strategy', 'random', '--quiet'];
const shared = tmp();
const db = join(shared, 's.db');

beforeAll(async () => {
  vi.spyOn(console, 'error').mockImplementation(() => {});
  vi.spyOn(console, 'log').mockImplementation(() => {});
  const llm = ['--space', 'llm-codesign', '--device', 'jetson-agx-orin', '--evaluations', '60', '--generation-size', '20', '--db', db, '--quiet'];
  expect(await main(['search', ...quick, '--db', db, '--name', 's'])).toBe(0);
  expect(await main(['search', ...llm, '--seed', '1', '--name', 'llm1'])).toBe(0);
  expect(await main(['search', ...llm, '--seed', '2', '--name', 'llm2'])).toBe(0);
  vi.restoreAllMocks();
}, 120_000);

describe('output paths checked before any work', () => {
  it('search --out: a missing folder or a folder is refused before the database is created', async () => {
    const d = tmp();
    mkdirSync(join(d, 'adir'));
    const dbPath = join(d, 'new.db');
    await refused(d, ['search', ...quick, '--db', dbPath, '--out', join(d, 'nodir', 'f.json')], /^--out: no folder '.*nodir' for .*f\.json \(create it first\)$/);
    await refused(d, ['search', ...quick, '--db', dbPath, '--out', join(d, 'adir')], /^--out: .*adir is a folder; give a file path$/);
    expect(existsSync(dbPath)).toBe(false);
  });

  it('sweep, fit, measure and calibrate refuse a bad --out before their work', async () => {
    const d = tmp();
    const nodir = join(d, 'nodir');
    await refused(d, ['sweep', '--space', 'nb201', '--device', 'jetson-agx-orin', '--objectives', 'latency,params', '--out', join(nodir, 'g.csv')], /^--out: no folder .*nodir/);
    const runs = join(d, 'runs.csv');
    // Chinchilla's published law (Hoffmann et al. 2022): L = 1.69 + 406.4/N^0.34 + 410.7/D^0.28.
    const rows = ['N,D,loss'];
    for (const n of [1e8, 3e8, 1e9, 3e9]) for (const t of [2e9, 2e10, 2e11]) rows.push(`${n},${t},${1.69 + 406.4 / n ** 0.34 + 410.7 / t ** 0.28}`);
    writeFileSync(runs, rows.join('\n') + '\n');
    await refused(d, ['fit', '--data', runs, '--law', 'chinchilla', '--out', join(nodir, 'law.json')], /^--out: no folder .*nodir/);
    await refused(d, ['fit', '--data', runs, '--law', 'chinchilla', '--out', d], /^--out: .* is a folder; give a file path$/);
    await refused(d, ['measure', '--space', 'nb201', '--sample', '1', '--out', join(nodir, 'm.csv')], /^--out: no folder .*nodir/);
    await refused(d, ['calibrate', '--quick', '--out', join(nodir, 'd.json')], /^--out: no folder .*nodir/);
  });

  it('report --out an existing folder: one line, no <dir>.tmp left', async () => {
    const d = tmp();
    mkdirSync(join(d, 'r.html'));
    await refused(d, ['report', 's', '--db', db, '--out', join(d, 'r.html')], /^--out: .*r\.html is a folder; give a file path$/);
    await refused(d, ['export', 's', '--db', db, '--format', 'csv', '--out', join(d, 'r.html')], /^--out: .*r\.html is a folder; give a file path$/);
  });

  it('export --format hf refuses a folder of other files, untouched', async () => {
    const d = tmp();
    const mine = join(d, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'notes.md'), 'mine');
    await refused(d, ['export', 'llm1', '--db', db, '--format', 'hf', '--out', mine], /^--out: .*mine holds other files \(no summary\.json of an earlier export\); give a new or empty folder$/);
    expect(readdirSync(mine)).toEqual(['notes.md']);
  });
});

describe('existing outputs replaced whole, and said so', () => {
  it('export and report say "replaced" when the file existed', async () => {
    const d = tmp();
    const csv = join(d, 'f.csv');
    const html = join(d, 'r.html');
    writeFileSync(csv, 'old');
    writeFileSync(html, 'old');
    errors.length = 0;
    expect(await main(['export', 's', '--db', db, '--format', 'csv', '--out', csv])).toBe(0);
    expect(await main(['report', 's', '--db', db, '--out', html])).toBe(0);
    expect(errors.join('\n')).toMatch(new RegExp(`replaced ${csv}`));
    expect(errors.join('\n')).toMatch(new RegExp(`replaced ${html}`));
    expect(readFileSync(csv, 'utf8')).toMatch(/^# hwnas-frontier\/1: study s, .*\n# provenance: .*\nseq,hash,/);
    expect(readdirSync(d).sort()).toEqual(['f.csv', 'r.html']);
    errors.length = 0;
    expect(await main(['export', 's', '--db', db, '--format', 'json', '--out', join(d, 'new.json')])).toBe(0);
    expect(errors.join('\n')).toMatch(/wrote .*new\.json/);
  });

  it('HF export into a folder holding an older export: the new export only, no stale candidate folders', async () => {
    const d = tmp();
    const out = join(d, 'hf');
    expect(await main(['export', 'llm1', '--db', db, '--format', 'hf', '--out', out])).toBe(0);
    // A folder per exported candidate, named after its architecture (beside README.md and summary.json).
    const folders = () => readdirSync(out, { withFileTypes: true }).filter((f) => f.isDirectory()).map((f) => f.name).sort();
    const first = folders();
    expect(first.length).toBeGreaterThan(0);
    expect(await main(['export', 'llm2', '--db', db, '--format', 'hf', '--out', out])).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { study: string; entries: { dir: string | null }[] };
    expect(summary.study).toBe('llm2');
    const now = folders();
    expect(now).toEqual(summary.entries.flatMap((e) => (e.dir ? [e.dir] : [])).sort());
    expect(first.some((f) => !now.includes(f))).toBe(true);
    expect(readdirSync(d)).toEqual(['hf']);
    expect(errors.join('\n')).toMatch(/replaced .*hf/);
  });
});

describe.skipIf(!canMount)('a full disk', () => {
  it('export and report: one line, the old file kept whole, no partial or temporary file', async () => {
    const d = smallDisk(512 * 1024);
    const csv = join(d, 'all.csv');
    const html = join(d, 'r.html');
    writeFileSync(csv, 'old csv\n');
    writeFileSync(html, 'old html\n');
    fillDisk(d);
    errors.length = 0;
    expect(await main(['export', 's', '--db', db, '--format', 'csv', '--all', '--out', csv])).toBe(2);
    expect(errors).toEqual([`--out: cannot write ${csv} (ENOSPC: no space left on the disk); nothing written`]);
    errors.length = 0;
    expect(await main(['report', 's', '--db', db, '--out', html])).toBe(2);
    expect(errors).toEqual([`--out: cannot write ${html} (ENOSPC: no space left on the disk); nothing written`]);
    expect(readFileSync(csv, 'utf8')).toBe('old csv\n');
    expect(readFileSync(html, 'utf8')).toBe('old html\n');
    expect(readdirSync(d).sort()).toEqual(['all.csv', 'filler', 'r.html']);
  });

  it('HF export that fails halfway leaves nothing', async () => {
    const d = smallDisk(24 * 1024);
    const out = join(d, 'hf');
    errors.length = 0;
    expect(await main(['export', 'llm1', '--db', db, '--format', 'hf', '--out', out])).toBe(2);
    expect(errors).toEqual([`--out: cannot write ${out} (ENOSPC: no space left on the disk); nothing written`]);
    expect(readdirSync(d)).toEqual([]);
  });
});
