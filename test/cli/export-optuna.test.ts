/**
 * `hwnas export --format optuna`: an Optuna journal (JournalFileBackend's JSON lines) that Optuna and
 * optuna-dashboard replay. Checked line by line against the journal format of optuna/storages/journal/_storage.py,
 * and — where a Python with optuna is at hand (python3, or $HWNAS_OPTUNA_PYTHON) — loaded by Optuna itself.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.js';
import { nb201Space } from '../../core/spaces/nb201.js';
import { SqliteStore } from '../../search/store/index.js';
import { captureConsole } from './console.js';

const dir = mkdtempSync(join(tmpdir(), 'hwnas-optuna-'));
const db = join(dir, 'o.db');
captureConsole();

beforeAll(async () => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  // Two minimised objectives and a constraint that some candidates break.
  const argv = ['search', '--space', 'nb201', '--evaluator', 'slow-test', '--cost-ms', '0', '--objectives', 'loss,latency', '--constraint', 'memory<=6MB', '--evaluations', '40', '--generation-size', '10', '--strategy', 'random', '--name', 'o', '--db', db, '--quiet'];
  expect(await main(argv)).toBe(0);
  vi.restoreAllMocks();
});

const python = process.env.HWNAS_OPTUNA_PYTHON ?? 'python3';
const hasOptuna = spawnSync(python, ['-c', 'import optuna'], { encoding: 'utf8' }).status === 0;

describe('hwnas export --format optuna', () => {
  it('writes the study and every candidate as Optuna journal operations', async () => {
    const out = join(dir, 'o.log');
    expect(await main(['export', 'o', '--format', 'optuna', '--out', out, '--db', db])).toBe(0);
    const logs = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // CREATE_STUDY (0) with both directions MINIMIZE (1); the metric names (SET_STUDY_SYSTEM_ATTR, 3).
    expect(logs[0]).toMatchObject({ op_code: 0, study_name: 'o', directions: [1, 1] });
    expect(logs[1]).toMatchObject({ op_code: 3, study_id: 0, system_attr: { 'study:metric_names': ['loss', 'latencyMs'] } });
    const trials = logs.filter((l) => l.op_code === 4);
    const store = SqliteStore.open(db, { readonly: true });
    const rows = [...store.candidates(store.getStudy('o')!.id, ['done', 'failed'])].sort((a, b) => a.seq - b.seq);
    store.close();
    expect(trials).toHaveLength(rows.length);
    trials.forEach((t, i) => {
      const r = rows[i];
      // Genes as categorical parameters: the internal value is the choice index.
      expect(t.params).toEqual(Object.fromEntries(nb201Space.genes.map((g, k) => [g.name, r.genes[k]])));
      const dist = JSON.parse((t.distributions as Record<string, string>)[nb201Space.genes[0].name]) as { name: string; attributes: { choices: unknown[] } };
      expect(dist).toEqual({ name: 'CategoricalDistribution', attributes: { choices: nb201Space.genes[0].choices } });
      if (r.status === 'done') {
        expect(t).toMatchObject({ state: 1, value: null, values: [r.metrics!.loss, r.metrics!.latencyMs] });
        const over = (r.metrics!.memoryBytes - 6e6) / 6e6;
        expect((t.system_attrs as { constraints: number[] }).constraints).toEqual([over > 0 ? over : 0]);
      } else {
        expect(t).toMatchObject({ state: 3, values: null });
      }
      expect((t.user_attrs as { seq: number }).seq).toBe(r.seq);
    });
  });

  it.skipIf(!hasOptuna)(`Optuna replays the journal: same trials, same Pareto front${hasOptuna ? '' : ' (SKIPPED: no Python with optuna; pip install optuna, or set HWNAS_OPTUNA_PYTHON)'}`, async () => {
    const out = join(dir, 'o.log');
    const script = [
      'import json, sys, warnings',
      'warnings.simplefilter("ignore")',
      'import optuna',
      'storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(sys.argv[1]))',
      'study = optuna.load_study(study_name="o", storage=storage)',
      'print(json.dumps({"trials": len(study.trials), "complete": len([t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]), "names": study.metric_names, "best": sorted(t.user_attrs["seq"] for t in study.best_trials)}))',
    ].join('\n');
    const r = spawnSync(python, ['-c', script, out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout) as { trials: number; complete: number; names: string[]; best: number[] };
    const doc = JSON.parse(readFileSync(out, 'utf8').trim().split('\n')[0]) as { study_name: string };
    expect(doc.study_name).toBe('o');
    const jsonOut = join(dir, 'o.json');
    expect(await main(['export', 'o', '--format', 'json', '--out', jsonOut, '--db', db])).toBe(0);
    const frontier = (JSON.parse(readFileSync(jsonOut, 'utf8')) as { candidates: { seq: number }[] }).candidates.map((c) => c.seq).sort((a, b) => a - b);
    expect(got.trials).toBe(40);
    expect(got.names).toEqual(['loss', 'latencyMs']);
    // Optuna's own constrained Pareto front is hwnas's frontier.
    expect(got.best).toEqual(frontier);
  });
});
