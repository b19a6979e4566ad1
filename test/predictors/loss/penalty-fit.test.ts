import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { command } from '../../../cli/commands/fit.js';
import { PRESETS } from '../../../core/presets.js';
import { loadLawFile } from '../../../predictors/loss/index.js';
import { lossParts } from '../../../predictors/loss/loss-parts.js';
import { captureConsole } from '../../cli/console.js';
import { createRng } from '../../../core/rng.js';
import { parseCsv } from '../../../predictors/loss/data.js';
import { compileObjective } from '../../../predictors/loss/fit.js';
import { defaultPenaltyColumns, gptqCheck, pairedRunsToFitData, PENALTY_FORM, runPenaltyFit } from '../../../predictors/loss/penalty-fit.js';
import { ptqPenalty, publishedWeightPenalty } from '../../../predictors/loss/precision-penalty.js';

/** Paired runs on a 4×4×4 grid of N, D and bits, the loss after quantising = before + δ(constants)·e^(noise·z). */
function pairedRuns(constants: { C_T: number; gamma_D: number; gamma_N: number; gamma_post: number }, noise = 0, seed = 1): string {
  const rng = createRng(seed);
  const lines = ['N,D,bits,loss_before,loss_after'];
  for (const N of [30e6, 60e6, 110e6, 220e6]) {
    for (const D of [1.5e9, 4e9, 10e9, 26e9]) {
      for (const bits of [3, 4, 5, 6]) {
        const before = 2.7648 + 4299 * N ** -0.4965 + 18060 * D ** -0.4965;
        lines.push([N, D, bits, before, before + ptqPenalty(constants, N, D, bits) * Math.exp(noise * rng.normal())].join(','));
      }
    }
  }
  return lines.join('\n') + '\n';
}

const TRUE = { C_T: 0.05, gamma_D: 0.45, gamma_N: 0.3, gamma_post: 0.7 };
const data = (csv: string) => {
  const table = parseCsv(csv, 'runs.csv');
  return pairedRunsToFitData(table, 'runs.csv', defaultPenaltyColumns(table.header));
};

describe('fitting a quantisation penalty to paired runs', () => {
  it('the objective has exact gradients (the bits factor enters linearly)', () => {
    const obj = compileObjective(PENALTY_FORM, data(pairedRuns(TRUE, 0.05)), 1e-3);
    const theta = Float64Array.from([Math.log(0.03), 0.4, 0.35, 1.2]);
    const g = new Float64Array(4);
    obj.f(theta, g);
    for (let i = 0; i < 4; i++) {
      const p = Float64Array.from(theta);
      p[i] += 1e-6;
      const fp = obj.f(p, new Float64Array(4));
      p[i] -= 2e-6;
      const fm = obj.f(p, new Float64Array(4));
      expect(g[i]).toBeCloseTo((fp - fm) / 2e-6, 6);
    }
  });

  it('recovers the constants that generated noise-free runs', () => {
    const r = runPenaltyFit(data(pairedRuns(TRUE)), createRng(0), { tensor: 'kvCache', dataSource: 'runs.csv' });
    expect(r.penalty.C_T).toBeCloseTo(TRUE.C_T, 6);
    expect(r.penalty.gamma_D).toBeCloseTo(TRUE.gamma_D, 6);
    expect(r.penalty.gamma_N).toBeCloseTo(TRUE.gamma_N, 6);
    expect(r.penalty.gamma_post).toBeCloseTo(TRUE.gamma_post, 6);
    expect(r.penalty.fittedRange).toEqual({ trainingTokens: { min: 1.5e9, max: 26e9 }, nonEmbeddingParams: { min: 30e6, max: 220e6 }, bits: { min: 3, max: 6 } });
    expect(r.gptq).toBeNull(); // only a weight penalty is checked against GPTQ
  });

  it('with 10% noise: bootstrap intervals (seeded) bracket the true constants', () => {
    const runs = data(pairedRuns(TRUE, 0.1, 7));
    const r = runPenaltyFit(runs, createRng(3), { tensor: 'weights', dataSource: 'runs.csv', bootstrapCount: 60 });
    const again = runPenaltyFit(runs, createRng(3), { tensor: 'weights', dataSource: 'runs.csv', bootstrapCount: 60 });
    expect(again.bootstrap).toEqual(r.bootstrap);
    for (const name of ['C_T', 'gamma_D', 'gamma_N', 'gamma_post'] as const) {
      const [lo, hi] = r.bootstrap!.ci[name];
      expect(lo, name).toBeLessThan(TRUE[name]);
      expect(hi, name).toBeGreaterThan(TRUE[name]);
      expect(lo).toBeLessThan(r.penalty[name]);
      expect(hi).toBeGreaterThan(r.penalty[name]);
    }
    // A weight penalty is checked against the published GPTQ points.
    expect(r.gptq!.map((g) => `${g.model} ${g.bits}`)).toEqual(['OPT-125M 4', 'OPT-125M 3', 'OPT-350M 4', 'OPT-1.3B 4', 'OPT-1.3B 3']);
  });

  it("fitted on Kumar et al.'s own penalty, reproduces it (and so their GPTQ ratios)", () => {
    const kumar = publishedWeightPenalty();
    const r = runPenaltyFit(data(pairedRuns(kumar)), createRng(0), { tensor: 'weights', dataSource: 'runs.csv' });
    gptqCheck(kumar).forEach((row, i) => expect(r.gptq![i].ratio).toBeCloseTo(row.ratio, 5));
  });

  it('names a row whose loss did not rise, and a bad cell', () => {
    const rows = pairedRuns(TRUE).split('\n');
    rows[3] = '30000000,1500000000,5,3.5,3.49';
    expect(() => data(rows.join('\n'))).toThrow(/runs\.csv: line 4: loss after \(3\.49\) is not above loss before \(3\.5\)/);
    rows[3] = '30000000,1500000000,x,3.5,3.6';
    expect(() => data(rows.join('\n'))).toThrow("runs.csv: line 4, column 'bits' (bits): expected a number of bits > 0, got 'x'");
    expect(() => data('N,D,bits,before,after\n1,2,3,4,5\n')).toThrow(/no column mapped to 'lossBefore'/);
  });
});

describe('hwnas fit --penalty', () => {
  const out = captureConsole();
  const dir = mkdtempSync(join(tmpdir(), 'hwnas-penalty-'));
  const csv = join(dir, 'kv.csv');
  writeFileSync(csv, pairedRuns(TRUE));

  it('writes the base law with the penalty, which --loss-law then prices', async () => {
    const law = join(dir, 'law.json');
    expect(await command.run(['--penalty', 'kvCache', '--data', csv, '--out', law])).toBe(0);
    expect(out.logs.join('\n')).toMatch(/gamma_post\s+0\.7000/);
    const loaded = loadLawFile(law);
    expect(loaded.id).toBe('codesign');
    expect(loaded.precisionPenalty?.kvCache?.gamma_post).toBeCloseTo(TRUE.gamma_post, 6);
    const qwen = PRESETS['qwen2.5-0.5b'];
    const parts = lossParts(loaded, { ...qwen, precision: { ...qwen.precision, kvCache: 'int8' } }, { trainingTokens: 10e9 });
    expect(parts.terms.map((t) => t.tensor)).toEqual(['KV cache']);
    // A second class goes beside the first in the same file.
    expect(await command.run(['--penalty', 'activations', '--data', csv, '--law', law, '--out', law])).toBe(0);
    expect(Object.keys(JSON.parse(readFileSync(law, 'utf8')).precisionPenalty)).toEqual(['kvCache', 'activations']);
  });

  it('bad input: one line naming what is wrong, and no file', async () => {
    const law = join(dir, 'none.json');
    await expect(command.run(['--penalty', 'kv', '--data', csv, '--out', law])).rejects.toThrow("--penalty: unknown 'kv' (did you mean 'kvCache'?); valid: weights, activations, kvCache");
    await expect(command.run(['--penalty', 'weights', '--data', csv, '--col', 'bits=precision', '--out', law])).rejects.toThrow(/no column 'precision' \(mapped to 'bits'\)/);
    await expect(command.run(['--penalty', 'weights', '--data', csv, '--law', 'nemotron-flash', '--out', law])).rejects.toThrow(/has no published coefficients/);
    expect(existsSync(law)).toBe(false);
  });
});

