/**
 * Studies on a PostgreSQL server (a real one, started here with fsync on and asynchronous commits, the durability
 * of SQLite's WAL with synchronous=NORMAL), worked on by `hwnas worker` processes.
 * - Throughput with 1, 2 and 4 workers on an evaluator that waits 50 ms per candidate without using the CPU (an
 *   evaluation done elsewhere: near-linear is the goal), and on the analytic evaluator (the server's and the
 *   protocol's own ceiling: candidates recorded per second). Figures are candidates recorded per second from the
 *   first result to the last (process start-up excluded).
 * - Overhead per candidate against the same study on SQLite: NSGA-II on llm-codesign with the analytic evaluator,
 *   in one process either way (on the server: the coordinator and its own worker).
 * - Take-over time: a coordinator (`hwnas search --workers-only`) SIGKILLed mid-study; the time until a worker
 *   holds the study's lock, and until the study records again.
 * - A study measured on two devices (search --measure-on): the queue's cost per candidate in three parts (enqueued,
 *   leased by three workers, each part recorded, merged and recorded by the coordinator) against one whole task.
 * The machine is shared: figures are noisy; ratios are steadier than absolute values.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseObjectives } from '../core/objectives.js';
import { llmCodesignSpace } from '../core/spaces/llm-codesign.js';
import { PAPER_WORKLOAD } from '../core/workload.js';
import { getDevice } from '../hardware/devices.js';
import { DEFAULT_TRAINING_TOKENS, createAnalyticEvaluator, type AnalyticSpec } from '../search/evaluate/analytic.js';
import type { EvaluatorSpec } from '../search/evaluate/registry.js';
import { getStrategy } from '../search/strategies/index.js';
import { coordinateStored } from '../search/coordinate.js';
import { SqliteStore, contentHash, type Store, type StudyRecord } from '../search/store/index.js';
import { farmPartDevices, mergeFarmParts, type FarmSpec } from '../search/evaluate/farm.js';
import { finishedRow } from '../search/finished-row.js';
import { PostgresStore } from '../search/store/postgres/postgres.js';
import { runStudy } from '../search/study.js';
import { runWorker } from '../search/worker.js';
import { startPostgres, type TestServer } from '../test/postgres-server.js';
import type { BenchResult } from './types.js';

const bin = resolve('bin/hwnas.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const analytic: AnalyticSpec = { kind: 'analytic', device: getDevice('jetson-agx-orin'), workload: PAPER_WORKLOAD, mode: 'roofline', law: 'codesign', trainingTokens: DEFAULT_TRAINING_TOKENS };

function createStudy(store: Store, name: string, spec: EvaluatorSpec, space: string, evaluations: number, generationSize: number): Promise<StudyRecord> {
  const config = { name, space, device: 'jetson-agx-orin', strategy: 'nsga2', strategyOptions: { populationSize: generationSize }, generationSize, evaluations, seed: 1, evaluator: spec.kind };
  return Promise.resolve(store.createStudy({ name, config, seed: 1, space, device: 'jetson-agx-orin', objectives: ['min:loss', 'min:latencyMs'], constraints: [], strategy: 'nsga2', hwnasVersion: 'bench', evaluator: spec }));
}

function worker(url: string, study: string): ChildProcess {
  return spawn(process.execPath, [bin, 'worker', '--storage', url, '--study', study, '--no-take-over', '--quiet'], { stdio: 'ignore' });
}

async function untilWorkers(store: PostgresStore, n: number): Promise<void> {
  while ((await store.recordedBy(-1)).workers.size < n) await sleep(100);
}

/** Candidates recorded per second from the first result to the last, with `n` worker processes. */
async function throughput(url: string, name: string, spec: EvaluatorSpec, space: string, evaluations: number, generationSize: number, n: number): Promise<number> {
  const store = await PostgresStore.open(url);
  const procs: ChildProcess[] = [];
  try {
    const study = await createStudy(store, name, spec, space, evaluations, generationSize);
    for (let i = 0; i < n; i++) procs.push(worker(url, name));
    await untilWorkers(store, n);
    await coordinateStored(store, study);
    const times = (await store.finishTimes(study.id)).sort((a, b) => a - b);
    return ((times.length - 1) * 1000) / (times[times.length - 1] - times[0]);
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await store.close();
  }
}

/** The analytic NSGA-II study in one process: SQLite, or the server with the coordinator's own worker. */
async function oneProcess(kind: 'sqlite' | 'postgres', location: string, name: string, evaluations: number): Promise<number> {
  const store: Store = kind === 'sqlite' ? SqliteStore.open(location) : await PostgresStore.open(location);
  try {
    const study = await createStudy(store, name, analytic, 'llm-codesign', evaluations, 100);
    const stop = new AbortController();
    const t0 = performance.now();
    const local = store.queue ? runWorker({ queue: store.queue, studyIds: [study.id], signal: stop.signal }) : undefined;
    await runStudy({
      store,
      study,
      space: llmCodesignSpace,
      strategy: getStrategy('nsga2'),
      strategyOptions: { populationSize: 100 },
      objectives: parseObjectives('loss,latency'),
      constraints: [],
      evaluator: createAnalyticEvaluator(analytic),
      budget: { evaluations },
      batchSize: 100,
    });
    const ms = performance.now() - t0;
    stop.abort();
    await local;
    return ms;
  } finally {
    await store.close();
  }
}

/**
 * The queue's own cost per candidate, µs: `n` candidates as whole tasks (one worker), or in three parts as a study
 * measured on two devices has them (a worker per device, in this process, leasing as hwnas worker does at most),
 * then merged and recorded as its coordinator does. Evaluation itself costs nothing here.
 */
async function queueCostUs(url: string, inParts: boolean, n: number): Promise<number> {
  const store = await PostgresStore.open(url);
  try {
    const study = await createStudy(store, inParts ? 'parts' : 'whole', analytic, 'nb201', n, n);
    const farm: FarmSpec = { kind: 'farm', base: analytic, measured: ['raspberry-pi-5', 'jetson-orin-nano'].map((id) => ({ ...analytic, kind: 'measured' as const, device: getDevice(id), latencyOnly: true })) };
    const devices = inParts ? farmPartDevices(farm) : [null];
    const objectives = inParts ? parseObjectives('flops,latency@raspberry-pi-5', ['flops', 'latencyMs@raspberry-pi-5']) : parseObjectives('flops,latency');
    const hashes = Array.from({ length: n }, (_, i) => contentHash('nb201', `c${i}`));
    const t0 = performance.now();
    await store.enqueue(study.id, hashes.flatMap((hash, seq) => devices.map((device, part) => ({ seq, hash, genes: [seq], generation: 0, device, part, parts: devices.length }))));
    await Promise.all(
      devices.map(async (device) => {
        const id = `w-${device}`;
        for (;;) {
          const tasks = await store.lease(id, { devices: [device], limit: 256, leaseMs: 60_000 });
          if (tasks.length === 0) return;
          const metrics: Record<string, number> = device === null ? { flops: 1, latencyMs: 2 } : { latencyMs: 3 };
          if (inParts) await store.completeParts(id, tasks, tasks.map((t) => ({ part: t.part!, device: t.device, result: { ok: true, metrics }, evalMs: 0, worker: id })));
          else await store.complete(id, tasks, tasks.map((t) => finishedRow(t, { ok: true, metrics }, 0, objectives, [])));
        }
      }),
    );
    if (inParts) {
      const parts = await store.partsOf(study.id, hashes);
      const rows = hashes.map((hash, seq) => finishedRow({ seq, hash, genes: [seq], generation: 0 }, mergeFarmParts(farm, parts.get(hash)!.map((p) => p.result)), 0, objectives, []));
      await store.record(study.id, rows);
    }
    const us = ((performance.now() - t0) / n) * 1e3;
    const recorded = await store.getStudy(study.name);
    if (recorded!.evaluations !== n || recorded!.failed !== 0) throw new Error('not every candidate was recorded, done');
    return us;
  } finally {
    await store.close();
  }
}

/** SIGKILLs a coordinator mid-study; ms until a worker holds the study, and until the study records again. */
async function takeOver(server: TestServer, dir: string, takeOverAfter: string): Promise<{ lockMs: number; progressMs: number }> {
  const db = `takeover${takeOverAfter.replace(/\W/g, '')}`;
  const url = server.createDatabase(db);
  const yaml = join(dir, `${db}.yaml`);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(yaml, ['name: t', 'space: nb201', 'evaluator: slow-test', 'costMs: 0', 'strategy: nsga2', 'strategyOptions: {populationSize: 16}', 'generationSize: 16', 'evaluations: 100000', 'seed: 2'].join('\n'));
  const coordinator = spawn(process.execPath, [bin, 'search', '-c', yaml, '--storage', url, '--workers-only', '--quiet'], { stdio: 'ignore' });
  const store = await PostgresStore.open(url);
  let w: ChildProcess | undefined;
  try {
    let study: StudyRecord | undefined;
    while (!(study = await store.getStudy('t'))) await sleep(100);
    w = spawn(process.execPath, [bin, 'worker', '--storage', url, '--take-over-after', takeOverAfter, '--quiet'], { stdio: 'ignore' });
    while (((await store.getStudy('t'))?.evaluations ?? 0) < 200) await sleep(50);
    const before = await store.coordinatorOf(study.id);
    coordinator.kill('SIGKILL');
    const t0 = performance.now();
    let lockMs = NaN;
    for (;;) {
      const now = await store.coordinatorOf(study.id);
      if (now && now !== before) {
        lockMs = performance.now() - t0;
        break;
      }
      await sleep(10);
    }
    const at = (await store.getStudy('t'))!.evaluations;
    while ((await store.getStudy('t'))!.evaluations === at) await sleep(10);
    return { lockMs, progressMs: performance.now() - t0 };
  } finally {
    coordinator.kill('SIGKILL');
    w?.kill('SIGKILL');
    await store.close();
  }
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'hwnas-dist-bench-'));
  const server = await startPostgres({ durable: true });
  const out: BenchResult[] = [];
  try {
    const sleepSpec: EvaluatorSpec = { kind: 'slow-test', costMs: 0, sleepMs: 50 };
    const rates: Record<number, number> = {};
    for (const n of [1, 2, 4]) {
      rates[n] = await throughput(server.createDatabase(`sleep${n}`), `sleep${n}`, sleepSpec, 'nb201', 320, 64, n);
      out.push({ name: `50 ms/candidate (waiting, no CPU), ${n} worker${n > 1 ? 's' : ''}: candidates recorded per second`, value: rates[n], unit: 'candidates/s' });
    }
    out.push({ name: '50 ms/candidate: speed-up of 4 workers over 1 (4 is linear)', value: rates[4] / rates[1], unit: '×' });
    for (const n of [1, 2, 4]) {
      const r = await throughput(server.createDatabase(`analytic${n}`), `analytic${n}`, analytic, 'llm-codesign', 20_000, 1000, n);
      out.push({ name: `analytic (llm-codesign, generations of 1,000), ${n} worker${n > 1 ? 's' : ''}: candidates recorded per second`, value: r, unit: 'candidates/s' });
    }
    const n = 5000;
    const url = server.createDatabase('overhead');
    await oneProcess('sqlite', join(dir, 'warm.db'), 'warm', 1000);
    await oneProcess('postgres', url, 'warm', 1000);
    const sqlite: number[] = [];
    const pg: number[] = [];
    for (let rep = 0; rep < 3; rep++) {
      sqlite.push(await oneProcess('sqlite', join(dir, `s${rep}.db`), `s${rep}`, n));
      pg.push(await oneProcess('postgres', url, `p${rep}`, n));
    }
    const s = Math.min(...sqlite);
    const p = Math.min(...pg);
    out.push({ name: 'analytic NSGA-II study in one process on SQLite, best of 3', value: (n / s) * 1e3, unit: 'candidates/s' });
    out.push({ name: 'the same on PostgreSQL (coordinator + its own worker), best of 3', value: (n / p) * 1e3, unit: 'candidates/s' });
    out.push({ name: 'PostgreSQL overhead per candidate over SQLite', value: ((p - s) / n) * 1e3, unit: 'µs' });
    const whole: number[] = [];
    const inParts: number[] = [];
    for (let rep = 0; rep < 3; rep++) {
      whole.push(await queueCostUs(server.createDatabase(`whole${rep}`), false, 5000));
      inParts.push(await queueCostUs(server.createDatabase(`parts${rep}`), true, 5000));
    }
    out.push({ name: 'queue cost per candidate, one task (enqueue, lease, record), best of 3', value: Math.min(...whole), unit: 'µs' });
    out.push({ name: 'queue cost per candidate measured on 2 devices (3 parts leased and recorded, merged, recorded), best of 3', value: Math.min(...inParts), unit: 'µs' });
    for (const after of ['2s', '200ms']) {
      const t = await takeOver(server, dir, after);
      out.push({ name: `take-over after the coordinator's SIGKILL (--take-over-after ${after}): a worker holds the study`, value: t.lockMs, unit: 'ms' });
      out.push({ name: `take-over (--take-over-after ${after}): the study records again`, value: t.progressMs, unit: 'ms' });
    }
    return out;
  } finally {
    server.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
