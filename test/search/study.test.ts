import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Architecture, Nb201Architecture } from '../../core/architecture.js';
import { parseObjectives } from '../../core/objectives.js';
import { nb201Space } from '../../core/spaces/nb201.js';
import { createEvaluator } from '../../search/evaluate/registry.js';
import type { SlowTestSpec } from '../../search/evaluate/slow-test.js';
import type { Evaluator } from '../../search/evaluate/evaluator.js';
import { getStrategy } from '../../search/strategies/index.js';
import { SqliteStore } from '../../search/store/index.js';
import { runStudy, type Budget, type StudyEvent } from '../../search/study.js';
import { toySpace } from './strategies/toy.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'hwnas-study-'));
const objectives = parseObjectives('loss,latency');

async function start(opts: {
  path: string;
  name?: string;
  strategy?: string;
  budget?: Budget;
  spec?: SlowTestSpec;
  onEvent?: (e: StudyEvent) => void;
  signal?: AbortSignal;
  recordEvery?: number;
  commitEveryMs?: number;
  evaluator?: Evaluator;
}) {
  const store = SqliteStore.open(opts.path);
  const name = opts.name ?? 's';
  const study =
    store.getStudy(name) ??
    store.createStudy({
      name,
      config: {},
      seed: 11,
      space: 'nb201',
      device: 'none',
      objectives: ['loss', 'latencyMs'],
      constraints: [],
      strategy: opts.strategy ?? 'nsga2',
      hwnasVersion: 'test',
    });
  try {
    return await runStudy({
      store,
      study,
      space: nb201Space,
      strategy: getStrategy(opts.strategy ?? 'nsga2'),
      strategyOptions: (opts.strategy ?? 'nsga2') === 'nsga2' ? { populationSize: 12 } : {},
      objectives,
      constraints: [],
      evaluator: opts.evaluator ?? (await createEvaluator(opts.spec ?? { kind: 'slow-test', costMs: 0, faults: { throwRate: 0.05 } })),
      budget: opts.budget ?? { evaluations: 90 },
      batchSize: 12,
      recordEvery: opts.recordEvery ?? 5,
      commitEveryMs: opts.commitEveryMs,
      onEvent: opts.onEvent,
      signal: opts.signal,
    });
  } finally {
    store.close();
  }
}

/** Every recorded candidate in ask order, and the feasible non-dominated ones found by brute force. */
function snapshot(path: string) {
  const store = SqliteStore.open(path, { readonly: true });
  const study = store.getStudy('s')!;
  const all = [...store.candidates(study.id, ['pending', 'running', 'done', 'failed'])];
  store.close();
  const done = all.filter((c) => c.status === 'done');
  const dominated = (a: readonly number[], b: readonly number[]) => b.every((v, j) => v <= a[j]) && b.some((v, j) => v < a[j]);
  const frontier = done
    .filter((c) => !done.some((d) => dominated(c.objectives!, d.objectives!)))
    .map((c) => c.seq)
    .sort((a, b) => a - b);
  return {
    study,
    rows: all.map((c) => ({ seq: c.seq, genes: c.genes.join(''), generation: c.generation, status: c.status, metrics: c.metrics, error: c.error })),
    frontier,
  };
}

describe('study loop', () => {
  it('fails a candidate whose objective metric is NaN, saying so, and keeps it off the frontier', async () => {
    const path = join(tmp(), 'nan.db');
    const store = SqliteStore.open(path);
    const study = store.createStudy({ name: 's', config: {}, seed: 1, space: 'nb201', device: 'none', objectives: ['loss', 'latencyMs'], constraints: [], strategy: 'random', hwnasVersion: 'test' });
    // NaN loss for cells whose first edge is 'none' (a law out of its domain, say); the others a plain trade-off.
    const evaluator = {
      id: 'nan-some',
      async evaluate(archs: readonly Architecture[]) {
        return archs.map((a) => {
          const edges = (a as Nb201Architecture).edges;
          const k = edges.filter((e) => e === 'nor_conv_3x3').length;
          return { ok: true as const, metrics: { loss: edges[0] === 'none' ? NaN : 3 - k / 10, latencyMs: 1 + k } };
        });
      },
    };
    try {
      await runStudy({ store, study, space: nb201Space, strategy: getStrategy('random'), objectives, constraints: [], evaluator, budget: { evaluations: 60 }, batchSize: 20 });
    } finally {
      store.close();
    }
    const snap = snapshot(path);
    expect(snap.rows).toHaveLength(60);
    for (const r of snap.rows) {
      const nan = nb201Space.decode(r.genes.split('').map(Number)).edges[0] === 'none';
      expect([r.status, r.error]).toEqual(nan ? ['failed', 'loss is NaN'] : ['done', undefined]);
    }
    expect(snap.rows.some((r) => r.status === 'failed')).toBe(true);
    expect(snap.study.failed).toBe(snap.rows.filter((r) => r.status === 'failed').length);
  });

  it('records every candidate once, fails injected errors, and reports the brute-force frontier', async () => {
    const path = join(tmp(), 'a.db');
    const events: StudyEvent[] = [];
    const outcome = await start({ path, onEvent: (e) => events.push(e) });
    expect(outcome.reason).toBe('evaluations');
    const snap = snapshot(path);
    expect(snap.rows).toHaveLength(90);
    expect(new Set(snap.rows.map((r) => r.genes)).size).toBe(90);
    expect(snap.rows.every((r) => r.status === 'done' || r.status === 'failed')).toBe(true);
    const failed = snap.rows.filter((r) => r.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((r) => r.error === 'slow-test: injected failure')).toBe(true);
    expect([snap.study.evaluations, snap.study.failed, snap.study.status]).toEqual([90, failed.length, 'finished']);
    expect(outcome.frontier.map((p) => p.seq).sort((a, b) => a - b)).toEqual(snap.frontier);
    expect(snap.study.summary.frontierSize).toBe(snap.frontier.length);
    // Events are plain data in order: started first, finished last, one failed-candidate per failure.
    expect(events[0].type).toBe('started');
    expect(events.at(-1)).toMatchObject({ type: 'finished', reason: 'evaluations', evaluations: 90 });
    expect(events.filter((e) => e.type === 'failed-candidate')).toHaveLength(failed.length);
    expect(JSON.parse(JSON.stringify(events.filter((e) => e.type !== 'hypervolume')))).toBeTruthy();
  });

  it('after crashes at many points and resumes, ends with the same candidates and frontier as an uninterrupted run', async () => {
    const d = tmp();
    const ref = join(d, 'ref.db');
    await start({ path: ref });
    const expected = snapshot(ref);
    for (const killAt of [1, 7, 13, 30]) {
      const path = join(d, `k${killAt}.db`);
      let count = 0;
      // A crash at the killAt-th event: the process state is lost; the store keeps what was committed.
      const crash = (e: StudyEvent) => {
        if (e.type !== 'started' && ++count === killAt) throw new Error('simulated crash');
      };
      await expect(start({ path, onEvent: crash })).rejects.toThrow('simulated crash');
      count = -1e9;
      // Resume twice more with crashes, then to the end.
      let resumes = 0;
      for (;;) {
        let n = 0;
        const again = (e: StudyEvent) => {
          if (resumes < 2 && e.type === 'batch-evaluated' && ++n === 3) throw new Error('simulated crash');
        };
        try {
          await start({ path, onEvent: again });
          break;
        } catch (error) {
          expect((error as Error).message).toBe('simulated crash');
          resumes++;
        }
      }
      const got = snapshot(path);
      expect(got.rows).toEqual(expected.rows);
      expect(got.frontier).toEqual(expected.frontier);
      expect(got.study.evaluations).toBe(90);
    }
  });

  it('stops on the signal with status stopped, and resumes to the same result', async () => {
    const d = tmp();
    const ref = join(d, 'ref.db');
    await start({ path: ref, strategy: 'random' });
    const path = join(d, 'sig.db');
    const controller = new AbortController();
    const stopped = await start({
      path,
      strategy: 'random',
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'batch-evaluated' && e.totalEvaluations >= 20) controller.abort();
      },
    });
    expect(stopped.status).toBe('stopped');
    expect(snapshot(path).study.status).toBe('stopped');
    const done = await start({ path, strategy: 'random' });
    expect(done.status).toBe('finished');
    expect(snapshot(path).rows).toEqual(snapshot(ref).rows);
  });

  it('a stop abandons the candidate being evaluated (an evaluator that honours the signal): it is not recorded, and resume evaluates it', async () => {
    const d = tmp();
    const ref = join(d, 'ref.db');
    await start({ path: ref, strategy: 'random', recordEvery: 1 });
    const path = join(d, 'abandon.db');
    const inner = await createEvaluator({ kind: 'slow-test', costMs: 0, faults: { throwRate: 0.05 } });
    const controller = new AbortController();
    let calls = 0;
    // A slow measurement: the 17th candidate never finishes on its own; the stop arrives while it runs.
    const slow: Evaluator = {
      id: 'slow',
      async evaluate(archs, _genes, options) {
        if (++calls < 17) return inner.evaluate(archs);
        setTimeout(() => controller.abort(), 10);
        return new Promise((_, reject) => options?.signal?.addEventListener('abort', () => reject(options.signal!.reason), { once: true }));
      },
    };
    const stopped = await start({ path, strategy: 'random', recordEvery: 1, evaluator: slow, signal: controller.signal });
    expect(stopped.status).toBe('stopped');
    // The outcome counts what was recorded before the stop, inside the unfinished generation too.
    expect(stopped.evaluations).toBe(16);
    const mid = snapshot(path);
    // Exactly the 16 candidates evaluated before it, none of them marked failed by the stop.
    expect(mid.rows.map((r) => r.seq)).toEqual(snapshot(ref).rows.slice(0, 16).map((r) => r.seq));
    expect(mid.rows.filter((r) => r.error !== undefined && /abort/i.test(r.error))).toEqual([]);
    const done = await start({ path, strategy: 'random', recordEvery: 1 });
    expect(done.status).toBe('finished');
    expect(snapshot(path).rows).toEqual(snapshot(ref).rows);
  });

  it('refuses a second process (here: a second run) on a study that is running, and takes over a stale lock', async () => {
    const path = join(tmp(), 'l.db');
    let second: Promise<unknown> | undefined;
    const first = start({
      path,
      spec: { kind: 'slow-test', costMs: 1 },
      onEvent: (e) => {
        if (e.type === 'batch-evaluated' && !second) second = start({ path }).catch((error: unknown) => error);
      },
    });
    await first;
    expect(String(await second)).toMatch(/study 's' is running in process \d+ \(lock /);
    // A lock left by a dead process (pid 2^22 + 1 is above Linux's pid range) does not block a resume.
    writeFileSync(`${path}.study-1.lock`, String(2 ** 22 + 1));
    const out = await start({ path, budget: { evaluations: 100 } });
    expect(out.evaluations).toBe(100);
  });

  it('stops after `patience` generations without hypervolume gain', async () => {
    const events: StudyEvent[] = [];
    const out = await start({ path: join(tmp(), 'p.db'), budget: { patience: 2, evaluations: 5000 }, onEvent: (e) => events.push(e) });
    expect(out.reason).toBe('patience');
    const hv = events.filter((e): e is Extract<StudyEvent, { type: 'hypervolume' }> => e.type === 'hypervolume');
    expect(hv.slice(-2).every((e) => !e.improved)).toBe(true);
    expect(hv.at(-3)!.improved).toBe(true);
    // Hypervolume never decreases with a fixed reference point.
    hv.slice(1).forEach((e, i) => expect(e.hypervolume).toBeGreaterThanOrEqual(hv[i].hypervolume));
  });

  it('resumes exactly whether every evaluator call commits with a checkpoint or many generations share one commit', async () => {
    const d = tmp();
    const ref = join(d, 'ref.db');
    await start({ path: ref });
    const expected = snapshot(ref);
    // 0: a commit (and a checkpoint) at every chance. 1e9: nothing committed before a crash but what the crash
    // handler saves, so resumes replay generations from the start over rows recorded ahead of any checkpoint.
    for (const commitEveryMs of [0, 1e9]) {
      const path = join(d, `c${commitEveryMs}.db`);
      let crashes = 0;
      for (;;) {
        let n = 0;
        const crash = (e: StudyEvent) => {
          if (crashes < 3 && e.type === 'batch-evaluated' && ++n === 4) throw new Error('simulated crash');
        };
        try {
          await start({ path, onEvent: crash, commitEveryMs });
          break;
        } catch (error) {
          expect((error as Error).message).toBe('simulated crash');
          crashes++;
        }
      }
      expect(crashes).toBe(3);
      const got = snapshot(path);
      expect(got.rows).toEqual(expected.rows);
      expect(got.frontier).toEqual(expected.frontier);
      expect([got.study.evaluations, got.study.failed]).toEqual([expected.study.evaluations, expected.study.failed]);
    }
  });

  it.each(['nsga2', 'tpe', 'roofline', 'aging'])('%s asks no candidate twice: a finite space runs to the budget, and is exhausted only when all of it is evaluated', async (strategy) => {
    // 8 × 8 × 6 = 384 candidates; before duplicate elimination NSGA-II stopped 'exhausted' at 19,998 of llm-codesign's 37,800.
    const space = toySpace([8, 8, 6]);
    const run = async (evaluations: number) => {
      const store = SqliteStore.open(':memory:');
      const study = store.createStudy({ name: 'x', config: {}, seed: 3, space: space.id, device: 'none', objectives: ['loss', 'latencyMs'], constraints: [], strategy, hwnasVersion: 'test' });
      let asked = 0;
      const out = await runStudy({
        store,
        study,
        space,
        strategy: getStrategy(strategy),
        strategyOptions: strategy === 'nsga2' || strategy === 'aging' ? { populationSize: 20 } : {},
        objectives,
        constraints: [],
        evaluator: await createEvaluator({ kind: 'slow-test', costMs: 0 }),
        budget: { evaluations },
        batchSize: 16,
        onEvent: (e) => {
          if (e.type === 'generation') asked += e.asked;
        },
      });
      store.close();
      return { ...out, asked };
    };
    const partial = await run(300);
    expect([partial.reason, partial.evaluations, partial.asked]).toEqual(['evaluations', 300, 300]);
    const whole = await run(1000);
    expect([whole.reason, whole.evaluations, whole.asked]).toEqual(['exhausted', 384, 384]);
  });
});
