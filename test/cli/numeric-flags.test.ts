/**
 * A negative number after a flag is the flag's value, checked like any other: `--evaluations -5` is one line
 * naming --evaluations and '-5', not node's "argument is ambiguous".
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { captureConsole } from './console.js';

const { errors } = captureConsole();

describe('negative numbers as flag values', () => {
  it('are refused by the flag that takes them, one line each, nothing written', async () => {
    const d = mkdtempSync(join(tmpdir(), 'hwnas-numeric-'));
    const db = join(d, 'x.db');
    const nb = ['--space', 'nb201', '--evaluator', 'slow-test', '--db', db];
    const cases: [string[], RegExp][] = [
      [['search', ...nb, '--evaluations', '-5'], /^--evaluations: /],
      [['search', ...nb, '--seed', '-3'], /^--seed: /],
      [['search', ...nb, '--generation-size', '-1'], /^--generation-size: /],
      [['search', ...nb, '--threads', '-2'], /^--threads: /],
      [['search', ...nb, '--chunk-size', '-16'], /^--chunk-size: /],
      [['search', ...nb, '--patience', '-1'], /^--patience: /],
      [['search', ...nb, '--timeout-ms', '-100'], /^--timeout-ms: /],
      [['search', ...nb, '--cost-ms', '-.5'], /^--cost-ms: /],
      [['resume', 'any', '--db', db, '--evaluations', '-5'], /^--evaluations: .*'-5'|no such database/],
      [['fit', '--data', join(d, 'runs.csv'), '--law', 'chinchilla', '--seed', '-1', '--out', join(d, 'l.json')], /^--seed: .*'-1'/],
      [['fit', '--data', join(d, 'runs.csv'), '--law', 'chinchilla', '--bootstrap', '-10', '--out', join(d, 'l.json')], /^--bootstrap: .*'-10'/],
      [['measure', '--space', 'nb201', '--sample', '-1', '--out', join(d, 'm.csv')], /^--sample: .*'-1'/],
      [['measure', '--space', 'nb201', '--runs', '-7', '--out', join(d, 'm.csv')], /^--runs: .*'-7'/],
      [['report', 'any', '--db', db, '--point', '-4', '--out', join(d, 'r.html')], /^--point: .*'-4'/],
      [['analyze', '--model', 'qwen2.5-0.5b', '--device', 'jetson-agx-orin', '--prompt', '-1024'], /^--prompt: .*'-1024'/],
    ];
    // The study config's own checks name the flag (their wording is the config schema's).
    for (const [argv, pattern] of cases) {
      errors.length = 0;
      expect(await main(argv), argv.join(' ')).toBe(2);
      expect(errors, argv.join(' ')).toHaveLength(1);
      expect(errors[0], argv.join(' ')).toMatch(pattern);
      expect(errors[0]).not.toMatch(/ambiguous/);
    }
    expect(readdirSync(d)).toEqual([]);
  });
});
