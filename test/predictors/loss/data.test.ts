import { mkdtempSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { command } from '../../../cli/commands/fit.js';
import { UsageError } from '../../../cli/errors.js';
import { parseCsv, parseJsonRecords, tableToFitData } from '../../../predictors/loss/data.js';
import { loadLawFile } from '../../../predictors/loss/index.js';

describe('CSV and JSON records', () => {
  it('parses quoted fields, doubled quotes, CRLF and a BOM, numbering rows by line', () => {
    const t = parseCsv('\ufeffname,N,loss\r\n"a, b",1e9,2.5\r\n"say ""hi""",2e9,2.4\r\n', 'x.csv');
    expect(t.header).toEqual(['name', 'N', 'loss']);
    expect(t.rows).toEqual([
      ['a, b', '1e9', '2.5'],
      ['say "hi"', '2e9', '2.4'],
    ]);
    expect(t.labels).toEqual(['line 2', 'line 3']);
  });

  it('names the line of a ragged row and an unterminated quote', () => {
    expect(() => parseCsv('a,b\n1,2\n3\n', 'x.csv')).toThrow('x.csv: line 3: 1 fields, the header has 2');
    expect(() => parseCsv('a,b\n"1,2\n', 'x.csv')).toThrow(/line 2: unterminated/);
  });

  it('reads JSON records', () => {
    const t = parseJsonRecords('{"records": [{"N": 1, "loss": 2}, {"N": 3, "loss": 4}]}', 'r.json');
    expect(t.rows).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
    expect(t.labels[1]).toBe('record 1');
  });

  const table = parseCsv(['N,D,loss', '1e8,2e9,3.1', '2e8,4e9,2.9', '4e8,8e9,2.7', '8e8,1.6e10,2.6', '1.6e9,3.2e10,2.5', '3.2e9,6.4e10,2.4'].join('\n'), 'runs.csv');
  const map = { params: 'N', trainingTokens: 'D', loss: 'loss' };

  it('activeParams falls back to params (dense runs)', () => {
    const data = tableToFitData(table, 'runs.csv', map, ['activeParams', 'trainingTokens'], 6);
    expect(Array.from(data.inputs.activeParams!)).toEqual([1e8, 2e8, 4e8, 8e8, 1.6e9, 3.2e9]);
  });

  it('bad data: one message naming the file, row and column', () => {
    const bad = (cellText: string) => parseCsv(`N,D,loss\n1e8,2e9,3.1\n${cellText},4e9,2.9\n`, 'runs.csv');
    expect(() => tableToFitData(bad('-5'), 'runs.csv', map, ['activeParams'], 2)).toThrow("runs.csv: line 3, column 'N' (activeParams): expected a finite number > 0, got '-5'");
    expect(() => tableToFitData(bad('NaN'), 'runs.csv', map, ['activeParams'], 2)).toThrow(/line 3, column 'N'/);
    expect(() => tableToFitData(bad(''), 'runs.csv', map, ['activeParams'], 2)).toThrow(/line 3, column 'N'.*got ''/);
    expect(() => tableToFitData(table, 'runs.csv', { ...map, params: 'params' }, ['activeParams'], 2)).toThrow(/no column 'params' \(mapped to 'activeParams'\)/);
    expect(() => tableToFitData(table, 'runs.csv', map, ['width'], 2)).toThrow(/no column mapped to 'width'/);
    expect(() => tableToFitData(table, 'runs.csv', map, ['activeParams', 'trainingTokens'], 7)).toThrow(/6 data rows; the law has 6 parameters and needs at least 7/);
  });
});

describe('hwnas fit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hwnas-fit-'));
  const csv = join(dir, 'runs.csv');
  // Points of 1.8 + 400/N^0.3 + 2000/D^0.35 on a 4×4 grid.
  const lines = ['model,N_params,tokens,val_loss'];
  for (const n of [1e8, 3e8, 1e9, 3e9]) for (const d of [2e9, 6e9, 2e10, 6e10]) lines.push(`m,${n},${d},${1.8 + 400 / n ** 0.3 + 2000 / d ** 0.35}`);
  writeFileSync(csv, lines.join('\n'));

  it('fits, prints JSON and writes a law file that loadLawFile reads back', async () => {
    const out = join(dir, 'law.json');
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const code = await command.run(['--data', csv, '--law', 'chinchilla', '--col-N', 'N_params', '--col-D', 'tokens', '--col-loss', 'val_loss', '--starts', '60', '--bootstrap', '5', '--holdout', 'largest:0.25', '--out', out, '--json']);
    log.mockRestore();
    expect(code).toBe(0);
    const file = JSON.parse(readFileSync(out, 'utf8'));
    expect(file.coefficients.alpha).toBeCloseTo(0.3, 4);
    expect(file.coefficients.E).toBeCloseTo(1.8, 4);
    expect(file.fit.holdout.split).toBe('largest:0.25 by activeParams');
    expect(Object.keys(file.fit.bootstrap.ci)).toEqual(['E', 'A', 'alpha', 'B', 'beta']);
    const law = loadLawFile(out);
    expect(law.predict({ params: 1e9, activeParams: 1e9, trainingTokens: 2e10 } as never)).toBeCloseTo(1.8 + 400 / 1e9 ** 0.3 + 2000 / 2e10 ** 0.35, 5);
  });

  it('fits a user formula declared in YAML (start values from its parameters) and writes it back as a formula law', async () => {
    const lawPath = join(dir, 'mine.yaml');
    writeFileSync(lawPath, ['id: shared-exponent', 'formula: "E + A / N^a + B / D^b"', 'parameters: {E: 2, A: 300, a: 0.25, B: 1500, b: 0.3}'].join('\n'));
    const out = join(dir, 'mine-fit.json');
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const code = await command.run(['--data', csv, '--law', lawPath, '--col-N', 'N_params', '--col-D', 'tokens', '--col-loss', 'val_loss', '--out', out]);
    log.mockRestore();
    expect(code).toBe(0);
    const file = JSON.parse(readFileSync(out, 'utf8'));
    expect(file.formula).toBe('E + A / N^a + B / D^b');
    expect(file.coefficients.a).toBeCloseTo(0.3, 3);
    expect(file.coefficients.b).toBeCloseTo(0.35, 3);
    expect(loadLawFile(out).id).toBe('shared-exponent-fit');
  });

  it('reads a gzip-compressed CSV (.csv.gz) as the CSV itself', async () => {
    const gz = join(dir, 'runs.csv.gz');
    writeFileSync(gz, gzipSync(lines.join('\n')));
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const code = await command.run(['--data', gz, '--law', 'chinchilla', '--col-N', 'N_params', '--col-D', 'tokens', '--col-loss', 'val_loss', '--starts', '60', '--json']);
    const printed = JSON.parse(String(log.mock.calls.at(-1)?.[0]));
    log.mockRestore();
    expect(code).toBe(0);
    expect(printed.coefficients.alpha).toBeCloseTo(0.3, 4);
    expect(printed.fit.points).toBe(16);
  });

  it("--data chinchilla-epoch: the shipped data set with Epoch's mapping and 5-point exclusion built in (240 points, their α, β)", async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const code = await command.run(['--data', 'chinchilla-epoch', '--law', 'chinchilla', '--starts', '100', '--json']);
    const printed = JSON.parse(String(log.mock.calls.at(-1)?.[0]));
    log.mockRestore();
    expect(code).toBe(0);
    expect(printed.fit.points).toBe(240);
    // Besiroglu et al. 2024: α = 0.3478, β = 0.3658 (with the 5 excluded points β moves to about 0.45).
    expect(printed.coefficients.alpha).toBeCloseTo(0.348, 2);
    expect(printed.coefficients.beta).toBeCloseTo(0.366, 2);
    expect(printed.source).toMatch(/^fitted by hwnas fit on chinchilla-epoch: .*Epoch AI/);
  });

  it('bad data or flags: a UsageError naming the row/column or flag, and nothing written', async () => {
    const badCsv = join(dir, 'bad.csv');
    writeFileSync(badCsv, lines.map((l, i) => (i === 5 ? l.replace(/,[^,]+$/, ',0') : l)).join('\n'));
    const out = join(dir, 'never.json');
    const run = (argv: string[]) => command.run([...argv, '--out', out]);
    await expect(run(['--data', badCsv, '--law', 'chinchilla', '--col-N', 'N_params', '--col-D', 'tokens', '--col-loss', 'val_loss'])).rejects.toThrow(
      new UsageError(`${badCsv}: line 6, column 'val_loss' (loss): expected a finite number > 0, got '0'`),
    );
    await expect(run(['--data', csv, '--law', 'chinchilla', '--col-D', 'tokens', '--col-loss', 'val_loss'])).rejects.toThrow(/no column mapped to 'activeParams' \(or params\)/);
    await expect(run(['--data', csv, '--law', 'kaplan'])).rejects.toThrow(/--law: unknown 'kaplan'/);
    await expect(run(['--data', csv, '--law', 'chinchilla', '--holdout', 'half'])).rejects.toThrow(/--holdout: expected kfold/);
    await expect(run(['--data', join(dir, 'missing.csv'), '--law', 'chinchilla'])).rejects.toThrow(/--data: cannot read/);
    expect(existsSync(out)).toBe(false);
  });
});
