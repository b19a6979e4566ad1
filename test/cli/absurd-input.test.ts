/**
 * Options a strategy does not have, and sizes far beyond any real model or study: one line naming the flag or
 * the file and field, exit 2, nothing written — instead of being ignored, spinning for minutes or growing past
 * the memory (num_hidden_layers: 100000000 grew past 4 GB; populationSize 1e8 spun for minutes).
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { STRATEGIES } from '../../search/strategies/index.js';
import { captureConsole } from './console.js';

const { errors } = captureConsole();

async function refused(dir: string, argv: string[], pattern: RegExp): Promise<void> {
  errors.length = 0;
  expect(await main(argv), argv.join(' ')).toBe(2);
  expect(errors, argv.join(' ')).toHaveLength(1);
  expect(errors[0]).not.toContain('\n');
  expect(errors[0]).toMatch(pattern);
  expect(readdirSync(dir).filter((f) => f.endsWith('.db'))).toEqual([]);
}

describe('strategy options', () => {
  it('every strategy declares its options; an unknown one is refused, naming the valid ones', async () => {
    const d = mkdtempSync(join(tmpdir(), 'hwnas-absurd-'));
    const base = ['search', '--space', 'nb201', '--evaluator', 'slow-test', '--db', join(d, 's.db')];
    for (const [id, factory] of Object.entries(STRATEGIES)) {
      const valid = Object.keys(factory.options.shape);
      const message = `--strategy-options: strategy ${id} has no option 'bogus'; its options: ${valid.length > 0 ? valid.join(', ') : '(none)'}`;
      await refused(d, [...base, '--strategy', id, '--strategy-options', '{"bogus":1}'], new RegExp(`^${message.replace(/[()]/g, '\\$&')}$`));
    }
    await refused(d, [...base, '--strategy', 'nsga2', '--strategy-options', '{"populationSize":"many"}'], /^--strategy-options: populationSize: expected an integer in \[2, 100000\], got "many"$/);
    await refused(d, [...base, '--strategy', 'nsga2', '--strategy-options', '{"tournament":"duel"}'], /^--strategy-options: tournament: expected one of rank, dominance, got "duel"$/);
    await refused(d, [...base, '--strategy', 'mnas', '--strategy-options', '{}'], /^--strategy-options: strategy mnas needs option target/);
    const yaml = join(d, 'study.yaml');
    writeFileSync(yaml, 'space: nb201\nevaluator: slow-test\nstrategy: aging\nstrategyOptions: {populationSize: 20, sampleSzie: 5}\n');
    await refused(d, ['search', '-c', yaml, '--db', join(d, 's.db')], /study\.yaml: strategyOptions: strategy aging has no option 'sampleSzie'; its options: populationSize, sampleSize$/);
  });
});

describe('absurd sizes', () => {
  it('population, generation and sample sizes past their limits are refused at once', async () => {
    const d = mkdtempSync(join(tmpdir(), 'hwnas-absurd-'));
    const base = ['search', '--space', 'nb201', '--evaluator', 'slow-test', '--db', join(d, 's.db')];
    await refused(d, [...base, '--strategy', 'nsga2', '--strategy-options', '{"populationSize":1e8}'], /^--strategy-options: populationSize: expected an integer in \[2, 100000\], got 100000000$/);
    await refused(d, [...base, '--strategy', 'aging', '--strategy-options', '{"populationSize":1e8}'], /^--strategy-options: populationSize: expected an integer in \[2, 100000\]/);
    await refused(d, [...base, '--strategy', 'anneal', '--strategy-options', '{"chains":1e9}'], /^--strategy-options: chains: expected an integer in \[1, 100000\]/);
    await refused(d, [...base, '--strategy', 'roofline', '--strategy-options', '{"initialSamples":1e9}'], /^--strategy-options: initialSamples: expected an integer in \[1, 100000\]/);
    await refused(d, [...base, '--generation-size', '100000000'], /^--generation-size: expected an integer in \[1, 100000\]/);
    await refused(d, [...base, '--chunk-size', '1e9'], /^--chunk-size: expected an integer in \[1, 100000\]/);
    await refused(d, [...base, '--prompt', '1e12'], /^--prompt: expected an integer in \[1, 100000000\], got '1e12'$/);
  });

  it('a model config or architecture file with 100,000,000 layers is one line, not gigabytes', async () => {
    const d = mkdtempSync(join(tmpdir(), 'hwnas-absurd-'));
    const hf = join(d, 'config.json');
    writeFileSync(hf, JSON.stringify({ model_type: 'llama', hidden_size: 896, num_attention_heads: 14, num_key_value_heads: 2, num_hidden_layers: 100_000_000, intermediate_size: 4864, vocab_size: 151_936 }));
    await refused(d, ['analyze', '--config', hf, '--device', 'jetson-agx-orin'], /config\.json: num_hidden_layers: 100000000 is above the limit of 10000 layers/);
    const own = join(d, 'arch.json');
    writeFileSync(own, JSON.stringify({ vocabSize: 32000, hiddenSize: 512, heads: 8, kvHeads: 8, mlp: { kind: 'dense', intermediateSize: 2048 }, layers: 100_000_000 }));
    await refused(d, ['analyze', '--config', own, '--device', 'jetson-agx-orin'], /arch\.json: layers: .*10000/);
    writeFileSync(hf, JSON.stringify({ model_type: 'llama', hidden_size: 1e12, num_attention_heads: 14, num_hidden_layers: 2, intermediate_size: 4864, vocab_size: 151_936 }));
    await refused(d, ['analyze', '--config', hf, '--device', 'jetson-agx-orin'], /config\.json: hidden_size: 1000000000000 is above the limit of/);
  });
});
