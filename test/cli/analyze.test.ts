import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.js';

const BIN = join(import.meta.dirname, '../../bin/hwnas.js');
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

describe('hwnas analyze', () => {
  it('prints the documented JSON fields', () => {
    const out = JSON.parse(execFileSync(process.execPath, [BIN, 'analyze', '--model', 'llama-3.2-1b', '--device', 'jetson-agx-orin', '--json'], { encoding: 'utf8' }));
    expect(out.params.total).toBe(1_235_814_400);
    for (const key of ['embedding', 'nonEmbedding', 'activePerToken']) expect(out.params[key]).toBeGreaterThan(0);
    expect(out.prefill.flops).toBeGreaterThan(0);
    expect(out.decode.bytesPerToken).toBeGreaterThan(out.memory.weightsBytes * 0.9);
    expect(out.totalLatencyMs).toBeCloseTo(out.prefill.latencyMs + out.decode.latencyMsPerToken * 16, 6);
    expect(out.memory.fits).toBe(true);
    expect(out.loss.predicted).toBeGreaterThan(2.5);
    expect(out.ops[0]).toMatchObject({ name: 'embedding', kind: 'embedding', phase: 'prefill' });
    for (const op of out.ops) expect(['compute', 'memory', 'overhead']).toContain(op.bound);
  });

  it('reads a Hugging Face config.json and a hwnas architecture file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-analyze-'));
    const hf = join(dir, 'config.json');
    writeFileSync(hf, JSON.stringify({ model_type: 'qwen2', hidden_size: 896, intermediate_size: 4864, num_attention_heads: 14, num_hidden_layers: 24, num_key_value_heads: 2, tie_word_embeddings: true, vocab_size: 151936 }));
    expect(JSON.parse(run('analyze', '--config', hf, '--device', 'rtx-4090', '--json').stdout).params.total).toBe(494_032_768);
    const own = join(dir, 'arch.json');
    writeFileSync(own, JSON.stringify({ vocabSize: 1000, hiddenSize: 256, heads: 4, kvHeads: 2, layers: 4, mlp: { kind: 'dense', intermediateSize: 1024 } }));
    expect(run('analyze', '--config', own, '--device', 'raspberry-pi-5').status).toBe(0);
    writeFileSync(own, JSON.stringify({ vocabSize: 1000, hiddenSize: 256, heads: 4, kvHeads: 3, layers: 4, mlp: { kind: 'dense', intermediateSize: 1024 } }));
    const bad = run('analyze', '--config', own, '--device', 'raspberry-pi-5');
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe(`${own}: kvHeads: heads must be a multiple of kvHeads`);
  });

  it('bad input: one line naming the valid choices, exit 2 (in-process: five start-ups of the CLI cost more than the checks)', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
    try {
      for (const args of [['--model', 'gpt-5', '--device', 'rtx-4090'], ['--model', 'qwen2.5-0.5b', '--device', 'tpu'], ['--model', 'qwen2.5-0.5b', '--device', 'rtx-4090', '--weights', 'fp8'], ['--model', 'qwen2.5-0.5b', '--device', 'rtx-4090', '--frobnicate']]) {
        out.length = 0;
        err.length = 0;
        expect(await main(['analyze', ...args]), args.join(' ')).toBe(2);
        expect(err).toHaveLength(1);
        expect(err[0]).not.toContain('\n');
        expect(out).toEqual([]);
      }
      err.length = 0;
      await main(['analyze', '--model', 'gpt-5', '--device', 'rtx-4090']);
      expect(err[0]).toMatch(/valid: .*qwen2\.5-0\.5b/);
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  });

  it('a bad device file names the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-device-'));
    const file = join(dir, 'dev.json');
    writeFileSync(file, JSON.stringify({ id: 'my-board', name: 'x', kind: 'soc', peakFlopsPerS: { fp16: 1e12 }, memoryBandwidthBytesPerS: -5, memoryBytes: 8e9, idlePowerW: 1, maxPowerW: 5, computeEfficiency: 0.5, memoryEfficiency: 0.5, opOverheadS: 0, source: 'me' }));
    const r = run('analyze', '--model', 'smollm2-135m', '--device', file);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/memoryBandwidthBytesPerS/);
  });

  it('takes a model folder as from_pretrained does, and states its units and the tokens the loss is after (in-process)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-analyze-dir-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'qwen2', hidden_size: 896, intermediate_size: 4864, num_attention_heads: 14, num_hidden_layers: 24, num_key_value_heads: 2, tie_word_embeddings: true, vocab_size: 151936 }));
    const out: string[] = [];
    const err: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
    try {
      expect(await main(['analyze', '--config', dir, '--device', 'rtx-4090', '--json'])).toBe(0);
      expect(JSON.parse(out.join('')).params.total).toBe(494_032_768);
      out.length = 0;
      expect(await main(['analyze', '--config', dir, '--device', 'rtx-4090'])).toBe(0);
      const text = out.join('\n');
      expect(text).toContain('(units: sizes in binary units (1 GiB = 2^30 bytes), parameters in decimal (1B = 10^9)');
      expect(text).toMatch(/^params +494M total \(494,032,768\)/m);
      expect(text).toMatch(/^loss \(codesign\) +[\d.]+ nats\/token = base .*, at 10B training tokens/m);
      // A folder without a config.json is one clear line.
      const empty = mkdtempSync(join(tmpdir(), 'hwnas-empty-'));
      expect(await main(['analyze', '--config', empty, '--device', 'rtx-4090'])).toBe(2);
      expect(err).toEqual([`--config: ${empty} is a folder without a config.json (give the model folder, or the config file itself)`]);
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  });
});
