/**
 * Inputs that make a result meaningless are refused with one line, not reported as a result: a sweep on a
 * metric its space does not have, a fit to data with nothing to fit, a loss law that gives NaN.
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { captureConsole } from './console.js';

const { errors } = captureConsole();

async function refused(dir: string, argv: string[], pattern: RegExp): Promise<void> {
  const before = readdirSync(dir).sort();
  errors.length = 0;
  expect(await main(argv), argv.join(' ')).toBe(2);
  expect(errors, argv.join(' ')).toHaveLength(1);
  expect(errors[0]).not.toContain('\n');
  expect(errors[0]).toMatch(pattern);
  expect(readdirSync(dir).sort()).toEqual(before);
}

describe('degenerate inputs', () => {
  it('sweep: an objective or constraint on a metric the space does not have', async () => {
    const d = mkdtempSync(join(tmpdir(), 'hwnas-degenerate-'));
    const out = join(d, 'g.csv');
    await refused(d, ['sweep', '--space', 'nb201', '--device', 'jetson-agx-orin', '--objectives', 'loss,latency', '--out', out], /^--objectives: space nb201 gives no loss; it gives: .*latencyMs/);
    await refused(d, ['sweep', '--space', 'nb201', '--device', 'jetson-agx-orin', '--constraint', 'decodeMsPerToken<=20', '--out', out], /^--constraint: space nb201 gives no decodeMsPerToken; it gives: /);
  });

  it('fit: data with nothing to fit (a constant loss, or every run the same size)', async () => {
    const d = mkdtempSync(join(tmpdir(), 'hwnas-degenerate-'));
    const constant = join(d, 'same.csv');
    writeFileSync(constant, ['N,D,loss', ...Array.from({ length: 8 }, () => '1e9,2e10,2.5')].join('\n') + '\n');
    await refused(d, ['fit', '--data', constant, '--law', 'chinchilla', '--starts', '20', '--out', join(d, 'law.json')], /same\.csv: the loss is 2\.5 in every run: nothing to fit/);
    const flatLoss = join(d, 'flat.csv');
    writeFileSync(flatLoss, ['N,D,loss', ...[1e8, 3e8, 1e9, 3e9, 1e10, 3e10].map((n, i) => `${n},${2e9 * (i + 1)},3.1`)].join('\n') + '\n');
    await refused(d, ['fit', '--data', flatLoss, '--law', 'chinchilla', '--starts', '20', '--out', join(d, 'law.json')], /flat\.csv: the loss is 3\.1 in every run: nothing to fit/);
    const sameSize = join(d, 'size.csv');
    writeFileSync(sameSize, ['N,D,loss', ...[2.4, 2.5, 2.6, 2.7, 2.8, 2.9].map((l) => `1e9,2e10,${l}`)].join('\n') + '\n');
    await refused(d, ['fit', '--data', sameSize, '--law', 'chinchilla', '--starts', '20', '--out', join(d, 'law.json')], /size\.csv: every run has the same activeParams \(1000000000\) and trainingTokens \(20000000000\): a law of them cannot be fitted/);
  });

  it('a loss law that gives NaN: search and sweep refuse it, naming the law', async () => {
    const d = mkdtempSync(join(tmpdir(), 'hwnas-degenerate-'));
    // (E − N)^alpha with N in the hundreds of millions: a negative base to a fractional power, NaN everywhere.
    const law = join(d, 'nan-law.json');
    writeFileSync(law, JSON.stringify({ id: 'broken', formula: '(E - N)^alpha', parameters: { E: 1, alpha: 0.5 } }));
    await refused(d, ['search', '--space', 'llm-codesign', '--device', 'jetson-agx-orin', '--loss-law', law, '--evaluations', '20', '--db', join(d, 's.db'), '--quiet'], /^--loss-law: .*nan-law\.json gives loss NaN for /);
    await refused(d, ['sweep', '--space', 'llm-codesign', '--device', 'jetson-agx-orin', '--loss-law', law, '--out', join(d, 'g.csv')], /^--loss-law: .*nan-law\.json gives loss NaN for /);
  });
});
