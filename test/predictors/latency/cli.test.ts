import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRng } from '../../../core/rng.js';
import type { Genes } from '../../../core/space.js';
import { formatNb201ArchStr, nb201Space } from '../../../core/spaces/nb201.js';
import { main } from '../../../cli/main.js';

// Additive synthetic latencies (ms) per device: base + Σ edges cost[op].
const COST: Record<string, number[]> = { a: [0, 0.1, 0.5, 1.6, 0.4], b: [0, 0.3, 0.6, 0.9, 0.5], c: [0, 0.2, 0.5, 1.2, 0.45], e: [0, 0.25, 0.55, 1.1, 0.5] };
const lat = (d: string, g: Genes) => 1 + g.reduce((s, op) => s + COST[d][op], 0);

const dir = mkdtempSync(join(tmpdir(), 'hwnas-predictor-cli-'));
const data = join(dir, 'table.csv');
const out = join(dir, 'model');
let genes: Genes[] = [];

beforeAll(async () => {
  const rng = createRng(7);
  const seen = new Set<string>();
  while (genes.length < 60) {
    const g = nb201Space.sample(rng);
    if (!seen.has(g.join())) seen.add(g.join()), genes.push(g);
  }
  const header = 'nb201_index,arch_str,op_e0,op_e1,op_e2,op_e3,op_e4,op_e5,is_help_reference_arch,a,b,c,e';
  const rows = genes.map((g, i) => [i, formatNb201ArchStr(g), ...g, i < 10 ? 1 : 0, ...['a', 'b', 'c', 'e'].map((d) => lat(d, g))].join(','));
  writeFileSync(data, [header, ...rows].join('\n'));
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  expect(await main(['predictor', 'meta-train', '--space', 'nb201', '--data', data, '--devices', 'a,b', '--valid-devices', 'c', '--iterations', '2', '--out', out, '--json'])).toBe(0);
  log.mockRestore();
}, 60_000);

afterEach(() => vi.restoreAllMocks());

function samples(name: string, rows: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, ['arch_str,latency_ms', ...rows].join('\n'));
  return file;
}

describe('hwnas predictor', () => {
  it('meta-train writes the tfjs weights, manifest and metadata', () => {
    for (const f of ['model.json', 'weights.bin', 'metadata.json']) expect(existsSync(join(out, f))).toBe(true);
  });

  it('adapt rejects bad sample CSVs with the row and writes nothing', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const good = genes.slice(0, 10).map((g) => `${formatNb201ArchStr(g)},${lat('e', g)}`);
    const cases: [string, string[], RegExp][] = [
      ['unknown.csv', [...good, '|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|,3'], /unknown\.csv: row 11: arch_str: node 1: unknown operation 'conv'/],
      ['zero.csv', [good[0].replace(/,[^,]+$/, ',0'), ...good.slice(1)], /zero\.csv: row 1: latency_ms: latency must be > 0/],
    ];
    for (const [name, rows, message] of cases) {
      expect(await main(['predictor', 'adapt', '--predictor', out, '--device', 'e', '--samples', samples(name, rows)])).toBe(2);
      expect(err.mock.calls.at(-1)?.[0]).toMatch(message);
    }
    const noColumn = join(dir, 'nocol.csv');
    writeFileSync(noColumn, 'arch_str,ms\nx,1\n');
    expect(await main(['predictor', 'adapt', '--predictor', out, '--device', 'e', '--samples', noColumn])).toBe(2);
    expect(err.mock.calls.at(-1)?.[0]).toMatch(/nocol\.csv: missing column 'latency_ms'/);
    expect(existsSync(join(out, 'adapted'))).toBe(false);
  });

  it('adapt registers the device; eval reports the backend and scores as JSON', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const file = samples('e.csv', genes.slice(0, 15).map((g) => `${formatNb201ArchStr(g)},${lat('e', g)}`));
    expect(await main(['predictor', 'adapt', '--predictor', out, '--device', 'e', '--samples', file, '--json'])).toBe(0);
    expect(existsSync(join(out, 'adapted', 'e', 'metadata.json'))).toBe(true);
    expect(await main(['predictor', 'eval', '--predictor', out, '--data', data, '--devices', 'e', '--json'])).toBe(0);
    const report = JSON.parse(String(log.mock.calls.at(-1)?.[0]));
    expect(report.backend).toMatch(/wasm|tensorflow|cpu/);
    const ours = report.scores.find((s: { method: string }) => s.method === 'predictor');
    expect(ours.spearman).toBeGreaterThan(0.9);
    expect(await main(['predictor', 'eval', '--predictor', out, '--data', data, '--devices', 'e'])).toBe(0);
    const text = log.mock.calls.map((c) => String(c[0])).join('\n');
    expect(text).toMatch(/predictor\s+0\.9\d\d \/ /);
    expect(text).toMatch(/'predictor' is what adapt uses by default here: (ridge-only|ridge-prior|meta-learned)/);
    expect(text).toMatch(/HELP's own query set/);
  });

  it("meta-train without --data reads HELP's shipped table and its device split (data/latency)", async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await main(['predictor', 'meta-train', '--space', 'nb201', '--iterations', '1', '--out', join(dir, 'shipped'), '--json'])).toBe(0);
    const report = JSON.parse(String(log.mock.calls.at(-1)?.[0]));
    // HELP's default NAS-Bench-201 split (Lee et al. 2021): 9 meta-train devices, 4 meta-valid.
    expect(report.trainDevices).toEqual(['1080ti_1', '1080ti_32', '1080ti_256', 'silver_4114', 'silver_4210r', 'samsung_a50', 'pixel3', 'essential_ph_1', 'samsung_s7']);
    expect(report.validDevices).toEqual(['titanx_1', 'titanx_32', 'titanx_256', 'gold_6240']);
  });

  it('adapt takes fewer than 10 samples: the embedding uses the references present, the method is the rule for that count', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const file = samples('e3.csv', genes.slice(2, 5).map((g) => `${formatNb201ArchStr(g)},${lat('e', g)}`));
    expect(await main(['predictor', 'adapt', '--predictor', out, '--device', 'e3', '--samples', file, '--json'])).toBe(0);
    const report = JSON.parse(String(log.mock.calls.at(-1)?.[0]));
    const rule = JSON.parse(readFileSync(join(out, 'metadata.json'), 'utf8')).rule as { measurements: number; method: string }[];
    expect(report).toMatchObject({ samples: 3, references: 3, method: rule.find((e) => e.measurements === 3)!.method });
    expect(await main(['predictor', 'adapt', '--predictor', out, '--device', 'e3', '--samples', file, '--method', 'ridge-only', '--json'])).toBe(0);
    expect(JSON.parse(String(log.mock.calls.at(-1)?.[0]))).toMatchObject({ method: 'ridge-only', steps: 0 });
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await main(['predictor', 'adapt', '--predictor', out, '--device', 'e3', '--samples', file, '--method', 'magic'])).toBe(2);
    expect(err.mock.calls.at(-1)?.[0]).toMatch(/--method/);
  });

  it('eval names an unknown device', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await main(['predictor', 'eval', '--predictor', out, '--data', data, '--devices', 'pixel9'])).toBe(2);
    expect(err.mock.calls.at(-1)?.[0]).toMatch(/--devices: unknown device 'pixel9'/);
  });
});
