import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.js';
import { captureConsole } from './console.js';
import { HF_MODEL_TYPES, fromHfConfig } from '../../core/hf-config.js';
import { countParams } from '../../core/params.js';
import { hfParamCount } from '../../core/hf-params.js';
import { getSpace } from '../../core/spaces/index.js';
import { SqliteStore } from '../../search/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'hwnas-hf-'));
const db = join(dir, 'hf.db');
const { errors, logs } = captureConsole();

beforeAll(async () => {
  vi.spyOn(console, 'error').mockImplementation(() => {});
  vi.spyOn(console, 'log').mockImplementation(() => {});
  const common = ['--device', 'jetson-agx-orin', '--generation-size', '50', '--db', db, '--quiet'];
  expect(await main(['search', '--space', 'llm-codesign', '--evaluations', '250', '--seed', '3', '--name', 'dense', ...common])).toBe(0);
  expect(await main(['search', '--space', 'llm-hybrid', '--evaluations', '150', '--seed', '1', '--name', 'hybrid', ...common])).toBe(0);
  expect(await main(['search', '--space', 'nb201', '--objectives', 'latency,params', '--evaluations', '40', '--name', 'cnn', ...common])).toBe(0);
  vi.restoreAllMocks();
});

/** The frontier's metrics by seq, read straight from the store (independent of the export code). */
function storedMetrics(study: string): Map<number, { genes: readonly number[]; metrics: Record<string, number> }> {
  const store = SqliteStore.open(db, { readonly: true });
  try {
    const s = store.getStudy(study)!;
    return new Map([...store.candidates(s.id, ['done'])].map((c) => [c.seq, { genes: c.genes, metrics: { ...c.metrics! } }]));
  } finally {
    store.close();
  }
}

describe('hwnas export --format hf', () => {
  it('writes a transformers config per frontier architecture whose parameter count round-trips exactly', async () => {
    const out = join(dir, 'dense-hf');
    expect(await main(['export', 'dense', '--format', 'hf', '--out', out, '--db', db])).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { entries: { seq: number; dir: string; modelType: string | null }[] };
    // The frontier of `export --format json` is the same set of candidates.
    const jsonOut = join(dir, 'dense.json');
    expect(await main(['export', 'dense', '--format', 'json', '--out', jsonOut, '--db', db])).toBe(0);
    const frontierSeqs = (JSON.parse(readFileSync(jsonOut, 'utf8')) as { candidates: { seq: number }[] }).candidates.map((c) => c.seq).sort((a, b) => a - b);
    expect(summary.entries.map((e) => e.seq).sort((a, b) => a - b)).toEqual(frontierSeqs);
    expect(summary.entries.length).toBeGreaterThan(3);

    const stored = storedMetrics('dense');
    const space = getSpace('llm-codesign');
    for (const e of summary.entries) {
      // Every co-design architecture has a transformers family (dense → llama/qwen, MoE → mixtral/qwen2-moe).
      expect(e.modelType).not.toBeNull();
      const cfg = JSON.parse(readFileSync(join(out, e.dir, 'config.json'), 'utf8')) as Record<string, unknown>;
      expect(HF_MODEL_TYPES).toContain(cfg.model_type);
      expect(Array.isArray(cfg.architectures)).toBe(true);
      const back = fromHfConfig(cfg);
      const rec = stored.get(e.seq)!;
      const original = space.decode(rec.genes);
      if (original.family !== 'llm') throw new Error('expected an LLM');
      const p = countParams(back);
      expect(p.total).toBe(countParams(original).total);
      expect(p.activePerToken).toBe(countParams(original).activePerToken);
      // …and agrees with the parameter count the study recorded when it priced the candidate.
      expect(p.total).toBe(rec.metrics.params);
      expect(back.layers).toHaveLength(original.layers.length);
    }
  });

  it('writes a card with the predicted metrics, latency breakdown, device, workload and provenance', () => {
    const out = join(dir, 'dense-hf');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { entries: { seq: number; dir: string }[] };
    const stored = storedMetrics('dense');
    const e = summary.entries[0];
    // The card is the folder's README.md (what the Hub shows), with the Hub's metadata header.
    const card = readFileSync(join(out, e.dir, 'README.md'), 'utf8');
    expect(card.startsWith('---\nlibrary_name: transformers\n')).toBe(true);
    const m = stored.get(e.seq)!.metrics;
    expect(card).toMatch(new RegExp(`\\| loss \\(nats/token\\) \\| ${m.loss.toFixed(4)} \\| law \`codesign\`: .*, at 10B training tokens \\|`));
    expect(card).toContain(`| end-to-end latency | ${Number(m.latencyMs.toPrecision(4))} ms |`);
    expect(card).toContain('## Latency breakdown (roofline)');
    expect(card).toMatch(/\| prefill \| [\d.]+ ms \|/);
    expect(card).toContain('| device | NVIDIA Jetson AGX Orin');
    expect(card).toContain('| workload | batch 1, prompt 1024 tokens, 16 generated tokens |');
    expect(card).toContain('| space / strategy / seed | llm-codesign / nsga2 / 3 |');
    expect(card).toMatch(/\| hwnas version \| \d+\.\d+\.\d+ \(study\)/);
    expect(card).toContain('"memoryBandwidthBytesPerS"');
  });

  it('a hybrid frontier: a folder per candidate a transformers class represents exactly, the reason for each other one', async () => {
    const out = join(dir, 'hybrid-hf');
    errors.length = 0;
    const code = await main(['export', 'hybrid', '--format', 'hf', '--out', out, '--db', db]);
    const summary = existsSync(join(out, 'summary.json')) ? (JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { entries: { seq: number; dir: string | null; modelType: string | null; skipped?: string }[] }) : null;
    const stored = storedMetrics('hybrid');
    const space = getSpace('llm-hybrid');
    const frontier = [...stored.keys()];
    if (!summary) {
      // No candidate of this frontier has a class: nothing written, exit 2, the reasons in one line.
      expect(code).toBe(2);
      expect(errors[0]).toMatch(/^--format hf: none of the \d+ frontier candidates of study 'hybrid' has a transformers class that represents it exactly \(\d+ × /);
      return;
    }
    expect(code).toBe(0);
    for (const e of summary.entries) {
      expect(frontier).toContain(e.seq);
      const arch = space.decode(stored.get(e.seq)!.genes);
      if (arch.family !== 'llm') throw new Error('expected an LLM');
      if (e.modelType === null) {
        expect(e.dir).toBeNull();
        expect(e.skipped).toMatch(/DeltaNet layers|sliding-window layers beside Mamba-2|mixer-only or MLP-only layers with a gated/);
        expect(errors.join('\n')).toContain(`seq ${e.seq}: no transformers class: ${e.skipped}`);
      } else {
        expect(readdirSync(join(out, e.dir!)).sort()).toEqual(['README.md', 'config.json']);
        const cfg = JSON.parse(readFileSync(join(out, e.dir!, 'config.json'), 'utf8')) as Record<string, unknown>;
        expect(hfParamCount(cfg)).toBe(countParams(arch).total);
        expect(countParams(fromHfConfig(cfg)).total).toBe(countParams(arch).total);
      }
    }
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toMatch(/\| no transformers class: /);
  });

  it('folders are named after the architecture; Mamba-2 layers with an MLP go to Bamba; a frontier with no class writes nothing, exit 2', async () => {
    const spaceFile = (mixers: string) => {
      const f = join(dir, `space-${mixers.replace(/\W/g, '')}.yaml`);
      writeFileSync(f, `id: mixers\nbase: llama-3.2-1b\ngenes:\n  - { name: depth, set: layers, choices: [2, 4] }\n  - { name: width, set: hiddenSize, choices: [1024, 2048] }\n  - { name: mixer, set: mixer, choices: [${mixers}] }\n`);
      return f;
    };
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const common = ['--device', 'jetson-agx-orin', '--strategy', 'exhaustive', '--evaluations', '8', '--generation-size', '8', '--db', db, '--quiet'];
    expect(await main(['search', '--space', spaceFile('mamba2'), '--name', 'mamba', ...common])).toBe(0);
    const out = join(dir, 'mamba-hf');
    expect(await main(['export', 'mamba', '--format', 'hf', '--out', out, '--db', db])).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { entries: { dir: string; modelType: string }[] };
    for (const e of summary.entries) {
      expect(e.modelType).toBe('bamba');
      // Named after the architecture (class, depth, width for a user space's unnamed ones), never candidate-<seq>.
      expect(e.dir).not.toMatch(/^candidate-/);
      expect(existsSync(join(out, e.dir, 'config.json'))).toBe(true);
    }

    expect(await main(['search', '--space', spaceFile('deltanet'), '--name', 'delta', ...common])).toBe(0);
    const none = join(dir, 'delta-hf');
    errors.length = 0;
    expect(await main(['export', 'delta', '--format', 'hf', '--out', none, '--db', db])).toBe(2);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/none of the \d+ frontier candidates of study 'delta' has a transformers class that represents it exactly \(\d+ × DeltaNet layers: .*\); nothing written/);
    expect(existsSync(none)).toBe(false);
    vi.restoreAllMocks();
  });

  it("the law beside the user's own evaluator: the search's loss notes, and the card's law, device and pricing, are the law part's", async () => {
    const module = join(dir, 'score.mjs');
    writeFileSync(module, 'export function evaluate(c) { return { score: c.architecture.layers.length % 5 }; }\n');
    const argv = ['search', '--space', 'llm-codesign', '--device', 'jetson-agx-orin', '--evaluator-module', module, '--metric', 'max:score', '--objectives', 'loss,latency,max:score'];
    expect(await main([...argv, '--evaluations', '40', '--name', 'mine', '--db', db])).toBe(0);
    const said = logs.join('\n');
    expect(said).toContain('frontier precisions: ');
    expect(said).toContain('loss = base (codesign law) + quantisation penalty + training-precision penalty, at 10B training tokens');
    expect(said).toContain('loss (nats/token, 10B tokens)');
    const out = join(dir, 'mine-hf');
    expect(await main(['export', 'mine', '--format', 'hf', '--out', out, '--db', db])).toBe(0);
    const { entries } = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { entries: { dir: string }[] };
    const card = readFileSync(join(out, entries[0].dir, 'README.md'), 'utf8');
    expect(card).toMatch(/\| loss \(nats\/token\) \| [\d.]+ \| law `codesign`: .*, at 10B training tokens \|/);
    expect(card).toContain('| device | NVIDIA Jetson AGX Orin');
    expect(card).toContain('| workload | batch 1, prompt 1024 tokens, 16 generated tokens |');
    expect(card).toContain('| pricing | analytic+module evaluator, roofline mode |');
    expect(card).toContain('| loss law | codesign |');
  });

  it('refuses bad input with one line, exit 2, nothing written', async () => {
    const out = join(dir, 'never');
    for (const [argv, pattern] of [
      [['export', 'nope', '--format', 'hf', '--out', out, '--db', db], /unknown study 'nope'.*dense/],
      [['export', 'dense', '--format', 'hf', '--out', out, '--all', '--db', db], /--all: the hf format exports the frontier only/],
      [['export', 'dense', '--format', 'onnx', '--out', out, '--db', db], /--format: unknown 'onnx'; valid: json, csv, hf, optuna/],
      [['export', 'cnn', '--format', 'hf', '--out', out, '--db', db], /--format hf: study 'cnn' searched nb201 \(nb201 architectures\)/],
    ] as [string[], RegExp][]) {
      errors.length = 0;
      expect(await main(argv)).toBe(2);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(pattern);
      expect(existsSync(out)).toBe(false);
    }
  });
});
