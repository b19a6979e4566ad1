/**
 * The study's own evaluators through `hwnas search` and `hwnas resume`: a command killed with its hwnas process
 * (SIGKILL) resumes to the records of an uninterrupted run; a changed evaluator file refuses the resume unless
 * forced; NAS-Bench-201's accuracy and HELP's measured latency as objectives; bad evaluator flags.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { formatNb201ArchStr } from '../../core/spaces/nb201.js';
import { readTextFile, shippedDataFile } from '../../hardware/shipped-files.js';
import { loadHelpLatencyTable, shippedHelpTableFile } from '../../predictors/latency/data.js';
import { parseCsv } from '../../predictors/loss/data.js';
import { SqliteStore } from '../../search/store/index.js';
import { captureConsole } from './console.js';
import { hwnas } from './hwnas-process.js';

const { errors } = captureConsole();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rows(db: string, name: string) {
  const store = SqliteStore.open(db, { readonly: true });
  const study = store.getStudy(name)!;
  const out = [...store.candidates(study.id, ['pending', 'running', 'done', 'failed'])].map((c) => ({ seq: c.seq, genes: c.genes.join('.'), status: c.status, metrics: c.metrics, error: c.error }));
  store.close();
  return out;
}

describe('a command evaluator in a study', () => {
  const d = mkdtempSync(join(tmpdir(), 'hwnas-cmd-study-'));
  const script = join(d, 'evaluator.mjs');
  copyFileSync(resolve('test/search/evaluate/fixtures/evaluator.mjs'), script);
  const config = join(d, 'study.yaml');
  writeFileSync(
    config,
    [
      'name: c',
      'space: nb201',
      'device: raspberry-pi-5',
      'objectives: max:score,latency',
      'strategy: nsga2',
      'strategyOptions: {populationSize: 8}',
      'generationSize: 8',
      'evaluations: 32',
      'threads: 4',
      'seed: 2',
      'evaluators:',
      `  - command: node ${script}`,
      '    metrics: [max:score]',
    ].join('\n'),
  );

  it('SIGKILL of hwnas mid-study, then resume: the same records as an uninterrupted run', async () => {
    const ref = join(d, 'ref.db');
    const r = await hwnas(['search', '-c', config, '--db', ref, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const expected = rows(ref, 'c');
    expect(expected).toHaveLength(32);
    // score = 10 × genes[0] + genes[1], from the script; latency from the roofline beside it.
    for (const row of expected) {
      const g = row.genes.split('.').map(Number);
      expect(row.metrics!.score).toBe(10 * g[0] + g[1]);
      expect(row.metrics!.latencyMs).toBeGreaterThan(0);
    }
    const db = join(d, 'killed.db');
    // Killed after the first evaluator call was recorded, mid-study.
    const killed = await hwnas(['search', '-c', config, '--db', db, '--json'], (line, child) => {
      if ((JSON.parse(line) as { type: string }).type === 'batch-evaluated') child.kill('SIGKILL');
    });
    expect(killed.signal).toBe('SIGKILL');
    expect(rows(db, 'c').length).toBeLessThan(32);
    const resumed = await hwnas(['resume', 'c', '--db', db, '--json']);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(rows(db, 'c')).toEqual(expected);
  }, 240_000);

  it('SIGKILL of hwnas ends the command it was running: its process group does not outlive it', async () => {
    const pids = join(d, 'pids');
    const child = spawn(process.execPath, [resolve('bin/hwnas.js'), 'search', '--space', 'nb201', '--device', 'raspberry-pi-5', '--evaluator-command', `echo $$ >> ${pids}; exec sleep 300`, '--metric', 'max:score', '--objectives', 'max:score,latency', '--strategy', 'random', '--evaluations', '2', '--threads', '2', '--db', join(d, 'orphans.db'), '--quiet'], { stdio: 'ignore' });
    const running = () => (existsSync(pids) ? readFileSync(pids, 'utf8').trim().split('\n').filter(Boolean).map(Number) : []);
    // A process that is gone, or a zombie nobody reaped yet, is not running.
    const alive = (pid: number) => existsSync(`/proc/${pid}/stat`) && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    for (let t = 0; running().length < 2; t++) {
      if (t > 600) throw new Error('the commands did not start');
      await sleep(50);
    }
    expect(running().every(alive)).toBe(true);
    child.kill('SIGKILL');
    // Within a second of hwnas's end each group ends itself; ten are allowed on a loaded machine.
    for (let t = 0; running().some(alive); t++) {
      if (t > 200) throw new Error(`the commands outlived hwnas: ${running().filter(alive).join(', ')}`);
      await sleep(50);
    }
  }, 60_000);

  it('a changed script refuses the resume (exit 2, nothing written) unless --force', async () => {
    const db = join(d, 'changed.db');
    expect((await hwnas(['search', '-c', config, '--db', db, '--evaluations', '8', '--quiet'])).code).toBe(0);
    writeFileSync(script, readFileSync(script, 'utf8') + '\n// changed\n');
    const before = readFileSync(db);
    const refused = await hwnas(['resume', 'c', '--db', db, '--evaluations', '16', '--quiet']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/study 'c': its evaluator changed since it began: .*evaluator\.mjs \(sha256 [0-9a-f]{12} → [0-9a-f]{12}\).*--force/);
    expect(readFileSync(db).equals(before)).toBe(true);
    const forced = await hwnas(['resume', 'c', '--db', db, '--evaluations', '16', '--force', '--quiet']);
    expect(forced.code).toBe(0);
    expect(rows(db, 'c')).toHaveLength(16);
    // The new identity is recorded: the next resume is not refused.
    expect((await hwnas(['resume', 'c', '--db', db, '--evaluations', '17', '--quiet'])).code).toBe(0);
  }, 240_000);
});

describe('NAS-Bench-201: accuracy and measured latency from the shipped tables', () => {
  it("--objectives max:cifar10Accuracy,latency --latency table --device pixel2: every record holds the tables' values", async () => {
    const d = mkdtempSync(join(tmpdir(), 'hwnas-nb201-table-'));
    const db = join(d, 't.db');
    const code = await main(['search', '--space', 'nb201', '--latency', 'table', '--device', 'pixel2', '--objectives', 'cifar10Accuracy,latency', '--constraint', 'cifar100Accuracy>=60', '--strategy', 'random', '--evaluations', '40', '--db', db, '--name', 'p', '--quiet']);
    expect(errors).toEqual([]);
    expect(code).toBe(0);
    const latency = loadHelpLatencyTable(shippedHelpTableFile('nb201'), 'nb201');
    const rowOf = new Map(latency.genes.map((g, i) => [g.join('.'), i]));
    const accuracy = parseCsv(readTextFile(shippedDataFile('accuracy/nb201_accuracy.csv.gz')), 'accuracy');
    const accOf = new Map(accuracy.rows.map((r) => [r[1], r]));
    const store = SqliteStore.open(db, { readonly: true });
    const study = store.getStudy('p')!;
    // cifar10Accuracy is maximised without max: (its declared direction).
    expect(study.objectives).toEqual(['max:cifar10Accuracy', 'min:latencyMs']);
    const recorded = [...store.candidates(study.id, ['done'])];
    store.close();
    expect(recorded).toHaveLength(40);
    for (const c of recorded) {
      expect(c.metrics!.latencyMs).toBe(latency.latencyMs.pixel2[rowOf.get(c.genes.join('.'))!]);
      const acc = accOf.get(formatNb201ArchStr(c.genes))!;
      expect(c.metrics!.cifar10Accuracy).toBe(Number(acc[2]));
      expect(c.metrics!.cifar100Accuracy).toBe(Number(acc[3]));
      // Priced on a reference profile, its energy is not pixel2's: dropped.
      expect(c.metrics!.energyJ).toBeUndefined();
      expect(c.metrics!.flops).toBeGreaterThan(0);
      expect(c.violation).toBe(Math.max(0, (60 - c.metrics!.cifar100Accuracy) / 60));
    }
  }, 120_000);

  it('bad evaluator flags and devices: one line, exit 2, no database', async () => {
    const d = mkdtempSync(join(tmpdir(), 'hwnas-user-bad-'));
    const db = join(d, 'x.db');
    const table = join(d, 't.csv');
    writeFileSync(table, 'genes,acc\n0.0.0.0.0.0,1\n');
    const cases: [string[], RegExp][] = [
      [['--evaluator-command', 'python3 x.py'], /--evaluator-command: declare the metrics it gives with --metric/],
      [['--metric', 'max:acc'], /--metric: belongs to --evaluator-command/],
      [['--evaluator-table', table, '--metric', 'max:acc:%=accuracy'], /t\.csv: no column 'accuracy' \(metric acc\)/],
      [['--evaluator-module', join(d, 'none.ts'), '--metric', 'acc'], /evaluators\[0\]\.module: no file .*none\.ts/],
      [['--evaluator-table', table, '--metric', 'max:acc', '--objectives', 'max:accuracy,latency'], /unknown metric 'accuracy'; valid metrics: .*acc/],
      [['--latency', 'table', '--device', 'pixel9'], /--device: 'pixel9' is not a device of HELP's nb201 table; one of .*pixel2/],
    ];
    for (const [flags, message] of cases) {
      errors.length = 0;
      const code = await main(['search', '--space', 'nb201', '--device', 'raspberry-pi-5', '--objectives', 'latency', '--db', db, ...flags]);
      expect(code, flags.join(' ')).toBe(2);
      expect(errors.join('\n'), flags.join(' ')).toMatch(message);
      expect(existsSync(db)).toBe(false);
    }
  });
});
