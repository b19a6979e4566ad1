import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { captureConsole } from './console.js';
import { SqliteStore } from '../../search/store/index.js';
import { lowerNb201 } from '../../core/lower-cnn.js';
import { getDevice } from '../../hardware/devices.js';
import { parseLink } from '../../hardware/link.js';
import { cnnChain } from '../../hardware/split-chain.js';
import { pricePartition, priceUnits } from '../../hardware/split.js';
import { MNAS_EXPONENTS, mnasReward } from '../../search/strategies/mnas.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'hwnas-cli-'));
const { errors, logs } = captureConsole();

const quick = ['--space', 'nb201', '--evaluator', 'slow-test', '--cost-ms', '0', '--evaluations', '40', '--generation-size', '10', '--strategy', 'random', '--quiet'];

/** A bad input: exit 2, exactly one line, and the directory unchanged. */
async function refused(dir: string, argv: string[], pattern: RegExp) {
  const before = readdirSync(dir).sort();
  errors.length = 0;
  const code = await main(argv);
  expect(code).toBe(2);
  expect(errors).toHaveLength(1);
  expect(errors[0]).not.toContain('\n');
  expect(errors[0]).toMatch(pattern);
  expect(readdirSync(dir).sort()).toEqual(before);
  errors.length = 0;
}

describe('hwnas search / studies / resume / export: bad input', () => {
  it('refuses bad flags and configs with one line, exit 2, and no database file', async () => {
    const d = tmp();
    const db = join(d, 'x.db');
    await refused(d, ['search', ...quick, '--db', db, '--bogus'], /bogus/);
    await refused(d, ['search', '--db', db, '--evaluations', '10'], /--space is required/);
    await refused(d, ['search', ...quick, '--db', db, '--space', 'nope'], /--space: unknown search space 'nope'; valid: .*nb201/);
    await refused(d, ['search', ...quick, '--db', db, '--evaluations', 'lots'], /^--evaluations: /);
    await refused(d, ['search', ...quick, '--db', db, '--seed=-3'], /^--seed: /);
    await refused(d, ['search', ...quick, '--db', db, '--strategy', 'magic'], /unknown strategy 'magic'/);
    await refused(d, ['search', ...quick, '--db', db, '--objectives', 'loss,speed'], /unknown metric 'speed'/);
    await refused(d, ['search', ...quick, '--db', db, '--evaluator', 'oracle'], /--evaluator: unknown evaluator 'oracle'/);
    await refused(d, ['search', ...quick, '--db', db, '--wall-time', 'soon'], /--wall-time: expected a duration/);
    await refused(d, ['search', ...quick, '--db', db, '--strategy-options', '{nope'], /--strategy-options: expected a JSON object/);
    // MnasNet's reward on the mnasnet space: no evaluator gives an accuracy, so the study is refused, not run on an invented one.
    await refused(d, ['search', '--space', 'mnasnet', '--device', 'raspberry-pi-5', '--objectives', 'latency', '--strategy', 'mnas', '--strategy-options', '{"target":50,"qualityMetric":"accuracy"}', '--db', db, '--quiet'], /^--strategy mnas: the analytic evaluator gives no 'accuracy' for space mnasnet .*your own evaluator/);
    const yaml = join(d, 'study.yaml');
    writeFileSync(yaml, 'space: nb201\nevaluator: slow-test\ncostMs: 0\nevaluatons: 20\n');
    await refused(d, ['search', '-c', yaml, '--db', db], /study\.yaml: .*unknown key 'evaluatons'/);
    writeFileSync(yaml, 'space: nb201\nevaluator: slow-test\nworkload: {batch: 0}\n');
    await refused(d, ['search', '-c', yaml, '--db', db], /study\.yaml: workload\.batch: /);
    writeFileSync(yaml, 'space: [nb201\n');
    await refused(d, ['search', '-c', yaml, '--db', db], /study\.yaml: malformed YAML/);
    await refused(d, ['search', '-c', join(d, 'missing.yaml'), '--db', db], /missing\.yaml: cannot read \(ENOENT\)/);
    await refused(d, ['studies', '--db', db], /x\.db: no such database/);
    await refused(d, ['resume', 'any', '--db', db], /x\.db: no such database/);
    await refused(d, ['export', 'any', '--format', 'json', '--out', join(d, 'o.json'), '--db', db], /x\.db: no such database/);
    expect(existsSync(db)).toBe(false);
  });

  it('refuses a foreign file, an unknown study and a taken name, leaving the database byte-identical', async () => {
    const d = tmp();
    const notes = join(d, 'notes.txt');
    writeFileSync(notes, 'not a database\n');
    await refused(d, ['search', ...quick, '--db', notes], /notes\.txt: not an hwnas database/);
    const foreign = join(d, 'f.db');
    const f = new Database(foreign);
    f.exec('CREATE TABLE t (x)');
    f.close();
    await refused(d, ['studies', '--db', foreign], /not an hwnas database/);
    const db = join(d, 'h.db');
    expect(await main(['search', ...quick, '--db', db, '--name', 'one'])).toBe(0);
    const sqlite = new Database(db);
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    sqlite.close();
    const sha = () => createHash('sha256').update(readFileSync(db)).digest('hex');
    const before = sha();
    errors.length = 0;
    // The same search under its name: reported (its budget is spent), nothing written.
    expect(await main(['search', ...quick, '--db', db, '--name', 'one'])).toBe(0);
    // A different search under a taken name: refused, naming what differs.
    await refused(d, ['search', ...quick, '--db', db, '--name', 'one', '--seed', '4'], /study 'one' in .* is a different search \(--seed differs\); continue it with 'hwnas resume one', or choose another --name/);
    await refused(d, ['resume', 'two', '--db', db], /unknown study 'two' in .*; studies: one/);
    await refused(d, ['resume', 'one', '--db', db, '--evaluations', '0'], /^--evaluations: /);
    await refused(d, ['export', 'two', '--format', 'csv', '--out', join(d, 'o.csv'), '--db', db], /unknown study 'two'/);
    await refused(d, ['export', 'one', '--format', 'xml', '--out', join(d, 'o.xml'), '--db', db], /--format: unknown 'xml'; valid: json, csv, hf, optuna/);
    await refused(d, ['export', 'one', '--format', 'csv', '--db', db], /--out is required/);
    expect(sha()).toBe(before);
  });

  it('uses hwnas.db in the working directory by default (and runs its worker threads from any directory)', () => {
    const d = tmp();
    const bin = resolve('bin/hwnas.js');
    const r = spawnSync(process.execPath, [bin, 'search', ...quick, '--name', 'here', '--threads', '1'], { cwd: d, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(existsSync(join(d, 'hwnas.db'))).toBe(true);
    const l = spawnSync(process.execPath, [bin, 'studies'], { cwd: d, encoding: 'utf8' });
    expect(l.stdout).toMatch(/here\s+finished \(evaluations\)\s+40\s+0\s/);
  }, 120_000);
});

describe('hwnas export', () => {
  it('records the analytic evaluator with its device profile and loss law, and exports them', async () => {
    const d = tmp();
    const db = join(d, 'a.db');
    const argv = ['search', '--space', 'llm-codesign', '--device', 'jetson-agx-orin', '--evaluations', '30', '--generation-size', '10', '--strategy', 'random'];
    expect(await main([...argv, '--db', db, '--name', 'a', '--quiet', '--constraint', 'decodeMsPerToken<=20'])).toBe(0);
    const out = join(d, 'a.json');
    expect(await main(['export', 'a', '--format', 'json', '--out', out, '--db', db])).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(doc.format).toBe('hwnas-frontier/1');
    // The device profile, the law and the workload appear once, in the evaluator that priced the candidates.
    expect(doc.provenance.evaluator).toMatchObject({ kind: 'analytic', mode: 'roofline', law: 'codesign', trainingTokens: 1e10, device: { id: 'jetson-agx-orin' }, workload: { batch: 1, promptTokens: 1024, generatedTokens: 16 } });
    expect(JSON.stringify(doc).split('"memoryBandwidthBytesPerS"')).toHaveLength(2);
    expect(doc.units).toMatchObject({ loss: 'nats/token', latencyMs: 'ms', memoryBytes: 'bytes' });
    // Sorted by the first objective (loss), best first.
    const losses = doc.candidates.map((c: { metrics: { loss: number } }) => c.metrics.loss);
    expect(losses).toEqual([...losses].sort((x, y) => x - y));
    expect(doc.candidates.length).toBeGreaterThan(0);
    for (const c of doc.candidates) {
      expect(c.architecture.family).toBe('llm');
      expect(c.metrics.decodeMsPerToken).toBeLessThanOrEqual(20);
      expect(c.violation).toBe(0);
    }
    await refused(d, [...argv, '--db', join(d, 'b.db'), '--device', 'toaster'], /^--device: unknown device 'toaster'/);
    await refused(d, [...argv, '--db', join(d, 'b.db'), '--loss-law', 'nolaw'], /^--loss-law: /);
    await refused(d, ['search', '--space', 'nb201', '--device', 'jetson-agx-orin', '--db', join(d, 'b.db')], /gives no loss for space nb201/);
  });

  it('--devices co-designs the architecture and its split: cut genes, partitioned candidates priced as hwnas split prices them', async () => {
    const d = tmp();
    const db = join(d, 's.db');
    const argv = ['search', '--space', 'nb201', '--devices', 'raspberry-pi-5,rtx-4090', '--link', '100Mbit/s,2ms', '--objectives', 'latency,requestsPerS', '--evaluations', '30', '--generation-size', '10', '--strategy', 'random', '--quiet'];
    expect(await main([...argv, '--db', db, '--name', 's'])).toBe(0);
    const out = join(d, 's.json');
    expect(await main(['export', 's', '--format', 'json', '--out', out, '--db', db, '--all'])).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    // The split evaluator, beside NAS-Bench-201's shipped accuracy table.
    const split = doc.provenance.evaluator.parts.find((p: { kind: string }) => p.kind === 'split');
    expect(split).toMatchObject({ kind: 'split', link: { bitsPerS: 100e6, latencyS: 0.002 } });
    expect(split.devices.map((x: { id: string }) => x.id)).toEqual(['raspberry-pi-5', 'rtx-4090']);
    expect(doc.candidates).toHaveLength(30);
    const units = lowerNb201({ family: 'nb201', edges: Array(6).fill('none') }).units.length;
    const link = parseLink('100Mbit/s,2ms');
    const devices = [getDevice('raspberry-pi-5'), getDevice('rtx-4090')];
    for (const c of doc.candidates.slice(0, 5)) {
      expect(c.architecture.family).toBe('partitioned');
      expect(c.genes.cut1).toBe(c.architecture.cutFractions[0]);
      const chain = cnnChain(c.architecture.model);
      const p = pricePartition(chain, devices, devices.map((x) => priceUnits(chain, x)), link, [Math.round(c.genes.cut1 * units)]);
      expect(c.metrics.latencyMs).toBeCloseTo(p.latencyMs, 9);
      expect(c.metrics.requestsPerS).toBeCloseTo(p.prefill.perS, 9);
    }
    const base = ['search', '--space', 'nb201', '--objectives', 'latency', '--db', join(d, 'b.db')];
    await refused(d, [...base, '--devices', 'raspberry-pi-5'], /^--devices: expected at least 2 devices/);
    await refused(d, [...base, '--devices', 'raspberry-pi-5,rtx-4090', '--device', 'rtx-4090'], /^--device: give --device \(one device\) or --devices/);
    await refused(d, [...base, '--devices', 'raspberry-pi-5,rtx-4090', '--latency', 'measured'], /^--latency: a split over --devices/);
    await refused(d, [...base, '--devices', 'raspberry-pi-5,rtx-4090', '--link', 'fast'], /^--link: link 'fast': bandwidth 'fast' needs a unit/);
    await refused(d, [...base, '--device', 'rtx-4090', '--link', '1Gbps'], /^--link: only for a split over --devices/);
  });

  it('--strategy mnas on the mnasnet space: the accuracy from the user\'s module, the latency from the roofline, the reward from both', async () => {
    const d = tmp();
    const db = join(d, 'm.db');
    const module = join(d, 'accuracy.mjs');
    // Stands in for a user's trained-accuracy evaluator: a deterministic function of the architecture.
    writeFileSync(module, 'export function evaluate(c) { const b = c.architecture.blocks; return { accuracy: 60 + b.reduce((s, x) => s + x.layers, 0) + (b[4].seRatio > 0 ? 1 : 0) }; }\n');
    const accuracyOf = (blocks: { layers: number; seRatio: number }[]) => 60 + blocks.reduce((s, x) => s + x.layers, 0) + (blocks[4].seRatio > 0 ? 1 : 0);
    const argv = ['search', '--space', 'mnasnet', '--device', 'raspberry-pi-5', '--evaluator-module', module, '--metric', 'max:accuracy:%', '--objectives', 'accuracy,latency', '--strategy', 'mnas', '--strategy-options', '{"target":12,"mode":"hard","populationSize":10,"sampleSize":3}', '--evaluations', '40', '--generation-size', '10', '--db', db, '--name', 'm', '--quiet'];
    expect(await main(argv)).toBe(0);
    const store = SqliteStore.open(db, { readonly: true });
    const study = store.getStudy('m')!;
    const rows = [...store.candidates(study.id)];
    const population = (store.checkpoint(study.id)!.strategyState as { population: { g: number[]; f: unknown[] }[] }).population;
    store.close();
    expect(rows).toHaveLength(40);
    // The strategy ranks its population by −ACC·(LAT/T)^w, hard (α = 0, β = −1), from each candidate's metrics.
    expect(population.length).toBeGreaterThan(0);
    for (const member of population) {
      const row = rows.find((r) => r.genes.join('.') === member.g.join('.'))!;
      const reward = mnasReward(row.metrics!.accuracy, row.metrics!.latencyMs, { target: 12, ...MNAS_EXPONENTS.hard });
      expect(Number(member.f[0])).toBeCloseTo(-reward, 9);
    }
    const out = join(d, 'm.json');
    expect(await main(['export', 'm', '--format', 'json', '--out', out, '--db', db, '--all'])).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    for (const c of doc.candidates) {
      expect(c.status).toBe('done');
      expect(c.metrics.accuracy).toBe(accuracyOf(c.architecture.blocks));
      expect(c.metrics.latencyMs).toBeGreaterThan(0);
    }
    // Without such an evaluator the study is refused (the first test): no accuracy is invented.
  });

  it('a split study on NAS-Bench-201 reads its accuracy from the shipped table (the model of each partitioned candidate)', async () => {
    const d = tmp();
    const db = join(d, 'n.db');
    expect(await main(['search', '--space', 'nb201', '--devices', 'raspberry-pi-5,rtx-4090', '--objectives', 'max:cifar10Accuracy,latency', '--evaluations', '20', '--generation-size', '10', '--strategy', 'random', '--db', db, '--name', 'n', '--quiet'])).toBe(0);
    const out = join(d, 'n.json');
    expect(await main(['export', 'n', '--format', 'json', '--out', out, '--db', db, '--all'])).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    for (const c of doc.candidates) {
      expect(c.status).toBe('done');
      expect(c.architecture.family).toBe('partitioned');
      expect(c.metrics.cifar10Accuracy).toBeGreaterThan(0);
    }
  });

  it('writes the frontier (or all candidates) with genes, architecture, metrics and provenance', async () => {
    const d = tmp();
    const db = join(d, 'e.db');
    expect(await main(['search', ...quick, '--db', db, '--name', 'e', '--seed', '5', '--constraint', 'memoryBytes<=6e6'])).toBe(0);
    const jsonPath = join(d, 'front.json');
    expect(await main(['export', 'e', '--format', 'json', '--out', jsonPath, '--db', db])).toBe(0);
    const doc = JSON.parse(readFileSync(jsonPath, 'utf8'));
    expect(doc.provenance).toMatchObject({ study: 'e', status: 'finished', evaluations: 40 });
    expect(doc.provenance.config).toMatchObject({ seed: 5, space: 'nb201', strategy: 'random', constraints: ['memoryBytes<=6e6'], evaluations: 40, evaluator: 'slow-test', costMs: 0 });
    // Recompute the constrained frontier by hand from every stored candidate.
    const store = SqliteStore.open(db, { readonly: true });
    const all = [...store.candidates(store.getStudy('e')!.id)];
    store.close();
    const ok = all.filter((c) => c.status === 'done' && c.metrics!.memoryBytes <= 6e6);
    const dom = (a: Record<string, number>, b: Record<string, number>) =>
      b.loss <= a.loss && b.latencyMs <= a.latencyMs && (b.loss < a.loss || b.latencyMs < a.latencyMs);
    const front = ok.filter((c) => !ok.some((o) => dom(c.metrics!, o.metrics!))).map((c) => c.seq);
    // The same set, sorted by the first objective (loss).
    const byLoss = ok.filter((c) => front.includes(c.seq)).sort((a, b) => a.metrics!.loss - b.metrics!.loss || a.seq - b.seq);
    expect(doc.candidates.map((c: { seq: number }) => c.seq)).toEqual(byLoss.map((c) => c.seq));
    const first = doc.candidates[0];
    expect(first.isPareto).toBe(true);
    expect(first.architecture.family).toBe('nb201');
    expect(Object.keys(first.genes)).toEqual(['edge_1_0', 'edge_2_0', 'edge_2_1', 'edge_3_0', 'edge_3_1', 'edge_3_2']);
    expect(first.architecture.edges).toEqual(Object.values(first.genes));
    // The evaluator's metrics, and NAS-Bench-201's trained accuracies (the shipped table) for every nb201 cell.
    expect(Object.keys(first.metrics).sort()).toEqual(['cifar100Accuracy', 'cifar10Accuracy', 'imagenet16Accuracy', 'latencyMs', 'loss', 'memoryBytes']);
    const csvPath = join(d, 'all.csv');
    expect(await main(['export', 'e', '--format', 'csv', '--out', csvPath, '--all', '--db', db])).toBe(0);
    const text = readFileSync(csvPath, 'utf8').trim().split('\n');
    // The provenance once, in comment lines above the header; then one row per candidate.
    expect(text[0]).toMatch(/^# hwnas-frontier\/1: study e, 40 candidates sorted by the first objective/);
    expect(JSON.parse(text[1].replace(/^# provenance: /, '')).config.seed).toBe(5);
    const lines = text.filter((l) => !l.startsWith('#'));
    const head = lines[0].split(',');
    expect(lines).toHaveLength(1 + 40);
    expect(head.slice(0, 5)).toEqual(['seq', 'hash', 'generation', 'status', 'is_pareto']);
    for (const col of ['gene_edge_1_0', 'loss', 'latencyMs', 'memoryBytes', 'architecture']) expect(head).toContain(col);
    expect(head).not.toContain('config');
    const paretoCol = head.indexOf('is_pareto');
    const seqs = lines.slice(1).filter((l) => l.split(',')[paretoCol] === '1').map((l) => Number(l.split(',')[0]));
    expect(seqs.sort((a, b) => a - b)).toEqual(front);
  });
});
