/**
 * Exact resume under SIGKILL: a real `hwnas search` process is killed at random moments, resumed (and killed
 * again) until it finishes; the recorded candidates and the frontier must equal those of an uninterrupted run.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng.js';
import { SqliteStore } from '../../search/store/index.js';
import { hwnas } from './hwnas-process.js';

/** Everything recorded, in ask order, and the frontier as export computes it. */
function snapshot(db: string) {
  const store = SqliteStore.open(db, { readonly: true });
  const study = store.getStudy('k')!;
  const rows = [...store.candidates(study.id, ['pending', 'running', 'done', 'failed'])].map((c) => ({
    seq: c.seq,
    genes: c.genes.join('.'),
    generation: c.generation,
    status: c.status,
    metrics: c.metrics,
    error: c.error,
  }));
  const summary = { status: study.status, evaluations: study.evaluations, failed: study.failed, frontierSize: study.summary.frontierSize, hypervolume: study.summary.hypervolume };
  store.close();
  const done = rows.filter((r) => r.status === 'done');
  const dominated = (a: Record<string, number>, b: Record<string, number>) =>
    b.loss <= a.loss && b.latencyMs <= a.latencyMs && (b.loss < a.loss || b.latencyMs < a.latencyMs);
  const frontier = done.filter((r) => !done.some((o) => dominated(r.metrics!, o.metrics!))).map((r) => r.seq);
  return { rows, frontier, summary };
}

function studyExists(db: string): boolean {
  if (!existsSync(db)) return false;
  const store = SqliteStore.open(db, { readonly: true });
  try {
    return store.getStudy('k') !== undefined;
  } finally {
    store.close();
  }
}

describe('exact resume of a real hwnas process', () => {
  it('SIGKILL at random moments, resumed each time, ends with the same candidates and frontier', async () => {
    const d = mkdtempSync(join(tmpdir(), 'hwnas-kill-'));
    const config = join(d, 'study.yaml');
    writeFileSync(
      config,
      [
        'name: k',
        'space: nb201',
        'strategy: nsga2',
        'strategyOptions: {populationSize: 16}',
        'generationSize: 16',
        'evaluations: 240',
        'seed: 3',
        'evaluator: slow-test',
        'costMs: 4',
        'chunkSize: 4',
        'testFaults: {throwRate: 0.05}',
      ].join('\n'),
    );
    const ref = join(d, 'ref.db');
    // The loop's own running time (from the started event to the exit), to place kills inside it.
    let startedAt = 0;
    const r = await hwnas(['search', '-c', config, '--db', ref, '--json'], () => {
      startedAt ||= performance.now();
    });
    const loopMs = performance.now() - startedAt;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const expected = snapshot(ref);
    expect(expected.rows).toHaveLength(240);
    expect(expected.rows.some((x) => x.status === 'failed')).toBe(true);

    const db = join(d, 'killed.db');
    const rng = createRng(20261129);
    let kills = 0;
    let runs = 0;
    for (;;) {
      runs++;
      expect(runs).toBeLessThan(30);
      const args = studyExists(db) ? ['resume', 'k', '--db', db, '--json'] : ['search', '-c', config, '--db', db, '--json'];
      // Four kills at random moments of the loop (each within a sixth of a full run, so that four fit), then let it finish.
      const delay = kills < 4 ? rng.next() * (loopMs / 6) : undefined;
      let scheduled = false;
      const out = await hwnas(args, (_line, child) => {
        if (delay === undefined || scheduled) return;
        scheduled = true;
        setTimeout(() => child.kill('SIGKILL'), delay);
      });
      if (out.signal === 'SIGKILL') {
        kills++;
        continue;
      }
      expect(out.stderr).toBe('');
      expect(out.code).toBe(0);
      break;
    }
    expect(kills).toBe(4);
    const got = snapshot(db);
    expect(got.rows).toEqual(expected.rows);
    expect(got.frontier).toEqual(expected.frontier);
    expect(got.summary).toEqual(expected.summary);
  }, 300_000);

  it('SIGTERM stops gracefully with exit 0 and a checkpoint; resume completes the same study', async () => {
    const d = mkdtempSync(join(tmpdir(), 'hwnas-term-'));
    const common = ['--space', 'nb201', '--strategy', 'random', '--evaluator', 'slow-test', '--cost-ms', '10', '--evaluations', '120', '--generation-size', '12', '--chunk-size', '3', '--seed', '9', '--name', 'k'];
    const ref = join(d, 'ref.db');
    expect((await hwnas(['search', ...common, '--db', ref, '--quiet'])).code).toBe(0);
    const db = join(d, 't.db');
    let sent = false;
    let last: { type: string; reason?: string } | undefined;
    const stopped = await hwnas(['search', ...common, '--db', db, '--json'], (line, child) => {
      const e = JSON.parse(line) as { type: string };
      last = e;
      if (e.type === 'generation' && !sent) {
        sent = true;
        child.kill('SIGTERM');
      }
    });
    expect(stopped.code).toBe(0);
    expect(last).toMatchObject({ type: 'finished', reason: 'signal', status: 'stopped' });
    const mid = snapshot(db);
    expect(mid.summary.status).toBe('stopped');
    expect(mid.rows.length).toBeLessThan(120);
    expect((await hwnas(['resume', 'k', '--db', db, '--quiet'])).code).toBe(0);
    const got = snapshot(db);
    const expected = snapshot(ref);
    expect(got.rows).toEqual(expected.rows);
    expect(got.frontier).toEqual(expected.frontier);
    expect(got.summary.status).toBe('finished');
  }, 180_000);
});
