/**
 * Files a study reads (a loss-law file, a user space file, a device file) are stored in it when it begins:
 * edited or deleted afterwards, they change nothing in the study — resume prices with the stored law (and says
 * the file changed), export decodes genes with the stored space, a deleted device file does not block a resume.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { getDevice } from '../../hardware/devices.js';
import { SqliteStore } from '../../search/store/index.js';
import { captureConsole } from './console.js';

const { errors } = captureConsole();

/** Every candidate's genes and metrics in ask order. */
function recorded(db: string, name: string): { genes: string; metrics: unknown }[] {
  const store = SqliteStore.open(db, { readonly: true });
  try {
    const s = store.getStudy(name)!;
    return [...store.candidates(s.id)].map((c) => ({ genes: c.genes.join('.'), metrics: c.metrics }));
  } finally {
    store.close();
  }
}

const llm = ['--space', 'llm-codesign', '--device', 'jetson-agx-orin', '--strategy', 'random', '--generation-size', '20', '--quiet'];

describe('inputs that change under a study', () => {
  it('a loss-law file edited between runs: resume prices with the law the study began with, and says so', async () => {
    const d = mkdtempSync(join(tmpdir(), 'hwnas-inputs-'));
    const law = join(d, 'law.json');
    const lawA = JSON.stringify({ id: 'mine', formula: 'E + A / N^alpha', parameters: { E: 1.7, A: 400, alpha: 0.34 } });
    const lawB = JSON.stringify({ id: 'mine', formula: 'E + A / N^alpha', parameters: { E: 2.7, A: 400, alpha: 0.34 } });
    writeFileSync(law, lawA);
    // The reference: 80 candidates priced with law A in one run.
    const ref = join(d, 'ref.db');
    expect(await main(['search', ...llm, '--loss-law', law, '--evaluations', '80', '--db', ref, '--name', 's'])).toBe(0);
    const db = join(d, 'x.db');
    expect(await main(['search', ...llm, '--loss-law', law, '--evaluations', '40', '--db', db, '--name', 's'])).toBe(0);
    writeFileSync(law, lawB);
    errors.length = 0;
    expect(await main(['resume', 's', '--db', db, '--evaluations', '80', '--quiet'])).toBe(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^study 's': ${law} changed since it began \\(sha256 [0-9a-f]{12} → [0-9a-f]{12}\\); it goes on with the copy stored in the study$`));
    expect(recorded(db, 's')).toEqual(recorded(ref, 's'));
    // The law file deleted: the same.
    rmSync(law);
    expect(await main(['resume', 's', '--db', db, '--evaluations', '100', '--quiet'])).toBe(0);
    expect(errors.at(-1)).toMatch(/law\.json is gone; it goes on with the copy stored in the study$/);
  }, 120_000);

  it('a user space file edited after the study: export decodes the genes with the choices the study used', async () => {
    const d = mkdtempSync(join(tmpdir(), 'hwnas-inputs-'));
    const space = join(d, 'my.yaml');
    const spec = (depths: string) => `id: my-space\nbase: qwen2.5-0.5b\ngenes:\n  - {name: depth, set: layers, choices: [${depths}]}\n  - {name: width, set: hiddenSize, choices: [768, 896]}\n`;
    writeFileSync(space, spec('12, 24'));
    const db = join(d, 'x.db');
    expect(await main(['search', '--space', space, '--device', 'jetson-agx-orin', '--strategy', 'exhaustive', '--evaluations', '4', '--db', db, '--name', 'u', '--quiet'])).toBe(0);
    const before = join(d, 'before.json');
    expect(await main(['export', 'u', '--db', db, '--format', 'json', '--all', '--out', before])).toBe(0);
    const doc = JSON.parse(readFileSync(before, 'utf8')) as { candidates: { genes: { depth: number }; architecture: { layers: unknown[] } }[] };
    for (const c of doc.candidates) expect(c.architecture.layers).toHaveLength(c.genes.depth);
    writeFileSync(space, spec('24, 12'));
    const after = join(d, 'after.json');
    expect(await main(['export', 'u', '--db', db, '--format', 'json', '--all', '--out', after])).toBe(0);
    expect(readFileSync(after, 'utf8')).toBe(readFileSync(before, 'utf8'));
    rmSync(space);
    expect(await main(['export', 'u', '--db', db, '--format', 'csv', '--all', '--out', join(d, 'gone.csv')])).toBe(0);
    expect(await main(['report', 'u', '--db', db, '--out', join(d, 'r.html')])).toBe(0);
  }, 120_000);

  it('a deleted --device-file does not block a resume: the profile is stored with the study', async () => {
    const d = mkdtempSync(join(tmpdir(), 'hwnas-inputs-'));
    const device = join(d, 'board.json');
    writeFileSync(device, JSON.stringify(getDevice('jetson-agx-orin')));
    const kept = join(d, 'kept.json');
    copyFileSync(device, kept);
    const db = join(d, 'x.db');
    const argv = ['--space', 'llm-codesign', '--device-file', device, '--strategy', 'random', '--generation-size', '20', '--quiet'];
    expect(await main(['search', ...argv, '--evaluations', '20', '--db', db, '--name', 'b'])).toBe(0);
    rmSync(device);
    expect(await main(['resume', 'b', '--db', db, '--evaluations', '40', '--quiet'])).toBe(0);
    const store = SqliteStore.open(db, { readonly: true });
    expect(store.getStudy('b')!.evaluations).toBe(40);
    store.close();
    // Priced as one uninterrupted run on that profile.
    copyFileSync(kept, device);
    const ref = join(d, 'ref.db');
    expect(await main(['search', ...argv, '--evaluations', '40', '--db', ref, '--name', 'b'])).toBe(0);
    expect(recorded(db, 'b')).toEqual(recorded(ref, 'b'));
  }, 120_000);

  it('a profile file in a split\'s --devices, edited after the study began: resume prices with the stored profile', async () => {
    const d = mkdtempSync(join(tmpdir(), 'hwnas-inputs-'));
    const board = join(d, 'board.json');
    const pi = getDevice('raspberry-pi-5');
    writeFileSync(board, JSON.stringify({ ...pi, id: 'board' }));
    const argv = ['--space', 'nb201', '--devices', `${board},rtx-4090`, '--objectives', 'latency,requestsPerS', '--strategy', 'random', '--generation-size', '10', '--quiet'];
    const ref = join(d, 'ref.db');
    expect(await main(['search', ...argv, '--evaluations', '40', '--db', ref, '--name', 'p'])).toBe(0);
    const db = join(d, 'x.db');
    expect(await main(['search', ...argv, '--evaluations', '20', '--db', db, '--name', 'p'])).toBe(0);
    // Ten times the compute: every latency on the board would change if the file were read again.
    writeFileSync(board, JSON.stringify({ ...pi, id: 'board', peakFlopsPerS: { fp32: 10 * pi.peakFlopsPerS.fp32! } }));
    errors.length = 0;
    expect(await main(['resume', 'p', '--db', db, '--evaluations', '40', '--quiet'])).toBe(0);
    expect(errors.at(-1)).toMatch(/board\.json changed since it began .*; it goes on with the copy stored in the study$/);
    expect(recorded(db, 'p')).toEqual(recorded(ref, 'p'));
  }, 120_000);
});
