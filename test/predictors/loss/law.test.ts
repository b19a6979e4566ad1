import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../../core/presets.js';
import { BUILTIN_LAWS, getLaw, lawFromSpec, loadLawFile, lossInputs, parseLawSpec } from '../../../predictors/loss/index.js';
import type { LossInputs } from '../../../predictors/loss/law.js';

const dense = (over: Partial<LossInputs>): LossInputs => ({
  params: 1e9,
  activeParams: 1e9,
  nonEmbeddingParams: 9e8,
  activeNonEmbeddingParams: 9e8,
  trainingTokens: 2e10,
  width: 2048,
  depth: 16,
  ffnRatio: 4,
  kvDim: 512,
  moeActivationRate: 1,
  ...over,
});

describe('lossInputs from an architecture', () => {
  it('Qwen2.5-0.5B: l=24, d=896, r=4864/896, d_m=896/(14/2)=128, ρ=1', () => {
    const x = lossInputs(PRESETS['qwen2.5-0.5b'], 1e10);
    expect(x.depth).toBe(24);
    expect(x.width).toBe(896);
    expect(x.ffnRatio).toBeCloseTo(4864 / 896, 12);
    expect(x.kvDim).toBe(128);
    expect(x.moeActivationRate).toBe(1);
    expect(x.activeParams).toBe(x.params);
    expect(x.trainingTokens).toBe(1e10);
  });

  it('Mixtral-8x7B: r counts the activated width K·r_expert = 2·14336/4096, ρ = 2/8', () => {
    const x = lossInputs(PRESETS['mixtral-8x7b'], 1e10);
    expect(x.ffnRatio).toBeCloseTo((2 * 14336) / 4096, 12);
    expect(x.moeActivationRate).toBe(0.25);
    expect(x.kvDim).toBe(1024);
    expect(x.activeParams).toBeLessThan(x.params);
  });
});

describe('the co-design law (papers.md §1)', () => {
  const law = getLaw('codesign');
  it('matches the formula worked by hand for Qwen2.5-0.5B (3.475358)', () => {
    // 9.96/24^1.63 + 0.031/(r^0.17·896^-0.33) + 500/(r^0.17·896^0.97) + 0.2/128^0.05 + 2.53, r = 4864/896
    expect(law.predict(lossInputs(PRESETS['qwen2.5-0.5b'], 1e10))).toBeCloseTo(3.475358364, 8);
    expect(law.outOfRange(lossInputs(PRESETS['qwen2.5-0.5b'], 1e10))).toEqual([]);
  });

  it('matches the hand-worked MoE value for Mixtral-8x7B (2.895504) and warns that d=4096 is off the grid', () => {
    const x = lossInputs(PRESETS['mixtral-8x7b'], 1e10);
    expect(law.predict(x)).toBeCloseTo(2.895504091, 8);
    const warnings = law.outOfRange(x);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/width=4096 is above the fitted range \[768, 3072\]/);
  });

  it('warns for depth below the grid and for a training budget other than 10B tokens', () => {
    const warnings = law.outOfRange(dense({ depth: 2, trainingTokens: 1e11 }));
    expect(warnings.some((w) => w.includes('depth=2 is below'))).toBe(true);
    expect(warnings.some((w) => w.includes('trainingTokens'))).toBe(true);
  });

  it('loss falls with depth and width, as its exponents say', () => {
    expect(law.predict(dense({ depth: 32 }))).toBeLessThan(law.predict(dense({ depth: 8 })));
    expect(law.predict(dense({ width: 3072 }))).toBeLessThan(law.predict(dense({ width: 1024 })));
  });
});

describe('Chinchilla and Gemstones laws', () => {
  it('Chinchilla with Hoffmann et al.’s coefficients: 1.69 + 406.4/1e9^0.34 + 410.7/2e10^0.28 = 2.580048', () => {
    expect(getLaw('chinchilla').predict(dense({}))).toBeCloseTo(2.580047872, 8);
  });

  it('Chinchilla flags an MoE (fitted on dense models only) and a model beyond 16B', () => {
    expect(getLaw('chinchilla').outOfRange(dense({ moeActivationRate: 0.25 }))[0]).toMatch(/moeActivationRate/);
    expect(getLaw('chinchilla').outOfRange(dense({ activeParams: 7e10 }))[0]).toMatch(/activeParams=7.000e\+10 is above/);
  });

  it('Gemstones: e^0.392 + e^1.452·w^−0.245 + e^−0.078·d^−0.387 + e^7.97·N^−0.5 + e^10.06·D^−0.476', () => {
    const x = dense({ width: 1024, depth: 28, activeParams: 5.43e8, trainingTokens: 1e11 });
    const expected =
      Math.exp(0.392) + Math.exp(1.452) * 1024 ** -0.245 + Math.exp(-0.078) * 28 ** -0.387 + Math.exp(7.97) * 5.43e8 ** -0.5 + Math.exp(10.06) * 1e11 ** -0.476;
    expect(getLaw('gemstones').predict(x)).toBeCloseTo(expected, 12);
  });

  it('every built-in law names its source and fitted range', () => {
    for (const law of Object.values(BUILTIN_LAWS)) {
      expect(law.source.length).toBeGreaterThan(10);
      expect(Object.keys(law.fittedRange).length).toBeGreaterThan(0);
    }
  });

  it('nemotron-flash is a form without published coefficients: getLaw says to fit it; unknown ids list the valid ones', () => {
    expect(() => getLaw('nemotron-flash')).toThrow(/hwnas fit --law nemotron-flash/);
    expect(() => getLaw('kaplan')).toThrow(/built in: codesign, chinchilla, gemstones/);
  });
});

describe('law files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hwnas-law-'));

  it('a user law in YAML: formula over inputs with parameters, evaluated safely', () => {
    const path = join(dir, 'mine.yaml');
    writeFileSync(path, ['id: my-law', 'formula: "E + A / N^alpha + B / D^beta"', 'parameters: {E: 1.69, A: 406.4, alpha: 0.34, B: 410.7, beta: 0.28}', 'fittedRange: {activeParams: {min: 1e8, max: 1e10}}'].join('\n'));
    const law = loadLawFile(path);
    expect(law.id).toBe('my-law');
    expect(law.predict(dense({}))).toBeCloseTo(2.580047872, 8);
    expect(law.outOfRange(dense({ activeParams: 1e12 }))).toHaveLength(1);
  });

  it('a fitted law in JSON (built-in form + coefficients) predicts like the built-in law', () => {
    const path = join(dir, 'fitted.json');
    writeFileSync(path, JSON.stringify({ format: 'hwnas-loss-law/1', id: 'chinchilla-fit', form: 'chinchilla', coefficients: { E: 1.69, A: 406.4, alpha: 0.34, B: 410.7, beta: 0.28 } }));
    expect(loadLawFile(path).predict(dense({}))).toBeCloseTo(getLaw('chinchilla').predict(dense({})), 12);
  });

  it('refuses what is not arithmetic on parameters and inputs, naming the culprit', () => {
    const spec = (formula: string) => parseLawSpec(JSON.stringify({ formula, parameters: { a: 1 } }), 'law.json');
    expect(() => spec('a + import("fs")')).toThrow(/function 'import' is not allowed/);
    expect(() => spec('a + foo')).toThrow(/unknown symbol 'foo'/);
    expect(() => spec('a = 3')).toThrow(/not allowed/);
    expect(() => spec('a + "x"')).toThrow(/only numbers/);
    expect(() => spec('f(x) = x')).toThrow(/not allowed/);
    expect(() => spec('2 * width')).toThrow(/does not use parameter\(s\) a/);
  });

  it('names the file and field of a malformed law file', () => {
    expect(() => parseLawSpec('{"form": "chinchilla", "coefficients": {"E": "x"}}', 'bad.json')).toThrow(/bad.json: coefficients.E/);
    expect(() => parseLawSpec('{"form": "chinchilla", "formula": "a"}', 'bad.json')).toThrow(/exactly one of/);
    expect(() => parseLawSpec('{"form": "kaplan", "coefficients": {}}', 'bad.json')).toThrow(/form: unknown 'kaplan'/);
    const law = parseLawSpec('{"form": "chinchilla", "coefficients": {"E": 1.7}}', 'partial.json');
    expect(() => lawFromSpec(law)).toThrow(/missing coefficient 'A'/);
  });
});
