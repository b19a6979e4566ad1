import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.js';
import { captureConsole } from './console.js';
import { kneePoint } from '../../cli/report/html.js';
import { hypervolumeCurve, loadStudyData } from '../../cli/report/study-data.js';
import { SqliteStore, type CandidateRecord } from '../../search/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'hwnas-report-'));
const db = join(dir, 'r.db');
const { errors } = captureConsole();

beforeAll(async () => {
  vi.spyOn(console, 'error').mockImplementation(() => {});
  expect(await main(['search', '--space', 'llm-codesign', '--device', 'jetson-agx-orin', '--evaluations', '240', '--generation-size', '40', '--seed', '2', '--name', 'rep', '--db', db, '--quiet'])).toBe(0);
  vi.restoreAllMocks();
});

const cand = (seq: number, generation: number, objectives: number[], status: 'done' | 'failed' = 'done', violation = 0): CandidateRecord => ({
  seq,
  hash: String(seq),
  genes: [seq],
  generation,
  status,
  ...(status === 'done' ? { objectives, violation, metrics: {} } : { error: 'x' }),
});

describe('report data', () => {
  it('grows the hypervolume generation by generation (hand-worked 2-D areas)', () => {
    // Reference (4, 4). Generation 0: (1, 3) → 3 × 1 = 3. Generation 1 adds (2, 1): 3 + 2 × 2 = 7; the
    // infeasible (0, 0) and the failed candidate count as evaluations but not as points.
    const curve = hypervolumeCurve([cand(0, 0, [1, 3]), cand(1, 0, [3, 3.5]), cand(2, 1, [2, 1]), cand(3, 1, [0, 0], 'done', 0.5), cand(4, 1, [], 'failed')], [4, 4]);
    expect(curve).toEqual([
      { generation: 0, evaluations: 2, hypervolume: 3 },
      { generation: 1, evaluations: 5, hypervolume: 7 },
    ]);
  });

  it('picks the knee: the frontier point nearest the ideal corner once scaled', () => {
    const f = [cand(0, 0, [0, 10]), cand(1, 0, [4, 4]), cand(2, 0, [10, 0])];
    expect(kneePoint(f)!.seq).toBe(1);
  });

  it("ends the curve at the hypervolume the study loop itself recorded", async () => {
    const store = SqliteStore.open(db, { readonly: true });
    try {
      const data = await loadStudyData(store, 'rep');
      const recorded = store.getStudy('rep')!.summary.hypervolume!;
      expect(data.hypervolumeCurve.at(-1)!.hypervolume).toBeCloseTo(recorded, 9);
      expect(data.hypervolumeCurve.at(-1)!.evaluations).toBe(240);
    } finally {
      store.close();
    }
  });
});

describe('hwnas report', () => {
  it('writes one self-contained page: frontier plot, hypervolume curve, frontier table, roofline breakdown', async () => {
    const out = join(dir, 'out', 'report.html');
    mkdirSync(join(dir, 'out'));
    expect(await main(['report', 'rep', '--out', out, '--db', db, '--color-by', 'precision'])).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).not.toMatch(/<script|<link|<img|src="http|href="http|@import/);
    expect(html.match(/<svg/g)).toHaveLength(4);
    expect(html).toContain('Frontier: loss vs latencyMs');
    expect(html).toContain('Hypervolume over evaluations');
    expect(html).toMatch(/Candidate \d+: operators by latency/);
    expect(html).toMatch(/Candidate \d+: roofline \(NVIDIA Jetson AGX Orin/);
    // The colour legend is the chosen gene.
    expect(html).toMatch(/<text[^>]*>precision<\/text>/);
    // One table row per frontier candidate, the same set `hwnas export --format json` writes.
    const json = join(dir, 'rep.json');
    expect(await main(['export', 'rep', '--format', 'json', '--out', json, '--db', db])).toBe(0);
    const frontier = (JSON.parse(readFileSync(json, 'utf8')) as { candidates: { seq: number }[] }).candidates.map((c) => c.seq).sort((a, b) => a - b);
    const table = html.slice(html.indexOf('<h2>Frontier table</h2>'), html.indexOf('<h2>Roofline breakdown'));
    const seqs = [...table.matchAll(/<tr(?: class="chosen")?><td>(\d+)<\/td>/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
    expect(seqs).toEqual(frontier);
  });

  it('breaks down the point chosen with --point, and writes PNGs with --png', async () => {
    const store = SqliteStore.open(db, { readonly: true });
    const data = await loadStudyData(store, 'rep');
    store.close();
    const seq = data.frontier[0].seq;
    const out = join(dir, 'p', 'r.html');
    mkdirSync(join(dir, 'p'));
    expect(await main(['report', 'rep', '--out', out, '--db', db, '--point', String(seq), '--png'])).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain(`<h2>Roofline breakdown of candidate ${seq}</h2>`);
    expect(html).toMatch(new RegExp(`<tr class="chosen"><td>${seq}</td>`));
    for (const name of ['frontier', 'hypervolume', 'operators', 'roofline']) {
      const png = readFileSync(join(dir, 'p', `r-${name}.png`));
      expect([...png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    }
    expect(readdirSync(join(dir, 'p')).sort()).toEqual(['r-frontier.png', 'r-hypervolume.png', 'r-operators.png', 'r-roofline.png', 'r.html']);
  });

  it('draws a 3-objective frontier in each plane of two objectives, without a staircase through a projection', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await main(['search', '--space', 'llm-codesign', '--device', 'jetson-agx-orin', '--objectives', 'loss,latency,memory', '--evaluations', '120', '--generation-size', '40', '--name', 'three', '--db', db, '--quiet'])).toBe(0);
    // Output folders must exist (cli/output.ts): the report goes into one of its own.
    mkdirSync(join(dir, 't'));
    const out = join(dir, 't', 'three.html');
    expect(await main(['report', 'three', '--out', out, '--db', db, '--png'])).toBe(0);
    const store = SqliteStore.open(db, { readonly: true });
    const data = await loadStudyData(store, 'three');
    store.close();
    const { buildReport } = await import('../../cli/report/html.js');
    const report = await buildReport(data, { exporterVersion: 'test' });
    expect(report.frontierPlots.map((p) => `${p.y}|${p.x}`)).toEqual(['loss|latencyMs', 'loss|memoryBytes', 'latencyMs|memoryBytes']);
    for (const p of report.frontierPlots) {
      const layers = (p.spec.layer as { mark: { type: string } }[]).map((l) => l.mark.type);
      expect(layers).not.toContain('line');
      expect(p.spec.title).toBe(`Frontier of 3 objectives: ${p.y} vs ${p.x}`);
    }
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('3 objectives: the frontier is drawn in each plane of two of them');
    for (const name of ['frontier-loss-vs-memoryBytes', 'frontier-latencyMs-vs-memoryBytes']) expect(existsSync(join(dir, 't', `three-${name}.png`))).toBe(true);
    // A 2-objective study keeps its one staircase.
    const two = (await import('../../cli/report/html.js')).buildReport;
    const store2 = SqliteStore.open(db, { readonly: true });
    const rep = await two(await loadStudyData(store2, 'rep'), { exporterVersion: 'test' });
    store2.close();
    expect(rep.frontierPlots).toHaveLength(1);
    expect((rep.frontierPlots[0].spec.layer as { mark: { type: string } }[]).map((l) => l.mark.type)).toContain('line');
    vi.restoreAllMocks();
  });

  it('refuses bad input with one line, exit 2, nothing written', async () => {
    const out = join(dir, 'never.html');
    for (const [argv, pattern] of [
      [['report', 'rep', '--out', out, '--db', db, '--color-by', 'colour'], /--color-by: unknown gene 'colour'.*valid: layers, width/],
      [['report', 'rep', '--out', out, '--db', db, '--point', '999999'], /--point: candidate 999999 is not on the frontier/],
      [['report', 'nope', '--out', out, '--db', db], /unknown study 'nope'/],
      [['report', 'rep', '--db', db], /--out is required/],
    ] as [string[], RegExp][]) {
      errors.length = 0;
      expect(await main(argv)).toBe(2);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(pattern);
      expect(existsSync(out)).toBe(false);
    }
  });
});
