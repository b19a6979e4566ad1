/**
 * A worker: leases candidates waiting in a server store's queue, evaluates them with their study's own evaluator
 * (rebuilt from the spec the study recorded, as worker threads rebuild theirs), and records each result once. A
 * heartbeat renews its leases while it evaluates; a worker that dies or hangs lets them expire and another worker
 * takes them. Idle, it takes over a running study whose coordinator is gone (its strategy continues here from the
 * last checkpoint), so a study outlives the process that started it.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Constraint, Objective } from '../core/objectives.js';
import type { SearchSpace } from '../core/space.js';
import type { Evaluator } from './evaluate/evaluator.js';
import { createPoolEvaluator, evaluateGuarded } from './evaluate/pool.js';
import { farmPartSpec } from './evaluate/farm.js';
import { changedEvaluatorFiles, taskDeviceOf, usesWorkerThreads, withThreads } from './evaluate/recorded-spec.js';
import { createEvaluator, specParts, type EvaluatorSpec } from './evaluate/registry.js';
import { finishedRow } from './finished-row.js';
import type { LeasedTask, TaskQueue } from './store/queue.js';
import type { StudyRecord } from './store/types.js';
import { parseConstraints, parseObjectives } from '../core/objectives.js';
import { studySpace } from './study-inputs.js';
import { studyTimeoutMsPerCandidate } from './evaluate/timeouts.js';
import { metricCatalog, parseStudyConfig } from './study-config.js';

export interface WorkerOptions {
  readonly queue: TaskQueue;
  /** Unique among the workers of the store; default host, pid and a random part. */
  readonly id?: string;
  /** Only these studies (by id). */
  readonly studyIds?: readonly number[];
  /** The devices whose tasks this worker leases; null stands for tasks that need no device. Default [null]. */
  readonly devices?: readonly (string | null)[];
  /** Worker threads of the evaluator (0: in this process). */
  readonly threads?: number;
  /** How long a lease lasts without a heartbeat. Default 30 s. */
  readonly leaseMs?: number;
  /** Stop once no task has waited for this worker, and no study it serves has been running, for `idleExitMs`. */
  readonly exitWhenIdle?: boolean;
  /** Default 10 s: a worker started a little before its study does not leave at once. */
  readonly idleExitMs?: number;
  /** Stops the worker after the candidates in hand are recorded. */
  readonly signal?: AbortSignal;
  /** Runs a study whose coordinator is gone, here (resolves when it stops); absent: never take over. */
  readonly takeOver?: (study: StudyRecord) => Promise<void>;
  /** How long a study must be seen without a coordinator before it is taken over. Default 2 s. */
  readonly takeOverAfterMs?: number;
  /**
   * With takeOver: a coordinator that holds its lock but has not said it is alive for this long has its every
   * session ended, and the study is taken over. It says so from a thread of its own: silent means its process is
   * stopped (a hung machine) or gone, not busy; a main thread blocked for ever is never taken over. Default 60 s.
   */
  readonly coordinatorTimeoutMs?: number;
  /** What the worker says of its machine (the device farm's tables name it). */
  readonly machine?: unknown;
  /** Wraps each study's evaluator. */
  readonly wrapEvaluator?: (evaluator: Evaluator) => Evaluator;
  /**
   * Awaited before each lease (the live view's pause): while it waits this worker leases nothing, so the tasks it
   * would have taken go to the other workers. It must return once the signal aborts.
   */
  readonly hold?: (signal?: AbortSignal) => Promise<void>;
  readonly log?: (line: string) => void;
}

export interface WorkerSummary {
  readonly id: string;
  /** Candidates evaluated here. */
  readonly evaluated: number;
  /** Results recorded (the others were dropped: their lease had passed to another worker). */
  readonly recorded: number;
  readonly tookOver: number;
}

/** Work in one lease: long enough that a lease's round trips are a small share, short enough to share a generation. */
const TARGET_LEASE_MS = 200;
const MAX_LEASE = 256;
/** Longest wait between two looks at the queue when no notification comes. */
const IDLE_POLL_MS = 500;

interface StudyContext {
  readonly space: SearchSpace;
  readonly objectives: readonly Objective[];
  readonly constraints: readonly Constraint[];
  readonly evaluator: Evaluator;
  readonly timeoutMs: number;
}

export async function runWorker(opts: WorkerOptions): Promise<WorkerSummary> {
  const { queue } = opts;
  const id = opts.id ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const devices = opts.devices ?? [null];
  const threads = opts.threads ?? 0;
  const leaseMs = opts.leaseMs ?? 30_000;
  const log = opts.log ?? (() => {});
  const signal = opts.signal;
  /** By study and part ('<id>:<part>'): a farm study's parts have evaluators of their own. */
  const contexts = new Map<string, Promise<StudyContext>>();
  const excluded = new Set<number>();
  const coordinating = new Map<number, Promise<void>>();
  const freeSince = new Map<number, number>();
  /** Studies this worker failed to coordinate (a config it cannot resolve): not tried again. */
  const cannotCoordinate = new Set<number>();
  let evaluated = 0;
  let recorded = 0;
  let tookOver = 0;
  let limit = Math.max(1, threads);

  await queue.registerWorker({ id, host: hostname(), pid: process.pid, device: devices.find((d) => d !== null) ?? null, ...(opts.machine !== undefined ? { machine: opts.machine } : {}) });
  let heartbeatFailed = false;
  /** Leases in hand: only these are renewed (a lease whose answer was lost with a dropped connection expires). */
  const inHand = new Set<string>();
  const heartbeat = setInterval(() => {
    queue.heartbeat(id, [...inHand], leaseMs).then(
      () => (heartbeatFailed = false),
      (error: unknown) => {
        if (!heartbeatFailed) log(`worker ${id}: heartbeat failed (${(error as Error).message}); leases may pass to other workers`);
        heartbeatFailed = true;
      },
    );
  }, Math.max(10, Math.floor(leaseMs / 3)));
  heartbeat.unref();

  const contextOf = (studyId: number, part: number): Promise<StudyContext> => {
    const key = `${studyId}:${part}`;
    let c = contexts.get(key);
    if (!c) {
      c = (async () => {
        const study = await queue.studyById(studyId);
        if (!study) throw new Error(`study ${studyId} is gone`);
        // What pricing needs, and no more (a worker never runs the strategy of the studies it evaluates for): the
        // space from the copy of its file the study stored, the loss law's text in the recorded spec.
        const config = parseStudyConfig(study.config, { file: `study '${study.name}' config` });
        const recorded = study.evaluator as EvaluatorSpec | undefined;
        if (!recorded) throw new Error(`study '${study.name}' recorded no evaluator spec`);
        // A study measured on several devices: this task is one part of its candidate, with its own evaluator.
        const evaluates = recorded.kind === 'farm' ? (farmPartSpec(recorded, part) as EvaluatorSpec) : recorded;
        // The study's own evaluators (a command, a module, a table) run here from the files the study recorded:
        // files that differ on this machine would give records that do not compare with the others.
        const changed = changedEvaluatorFiles(evaluates);
        if (changed.length > 0) throw new Error(`its evaluator's files differ here from those the study began with: ${changed.join('; ')}`);
        // A command runs `threads` processes at once (in this process); everything else in `threads` worker threads.
        const spec = withThreads(evaluates, threads);
        // The study's own metrics (declared by its evaluators) are objectives and constraints like the built-in ones.
        const { known, directions } = metricCatalog(config, recorded);
        const resolved = { space: studySpace(config, study.inputs), objectives: parseObjectives(config.objectives, known, directions), constraints: parseConstraints(config.constraints, known) };
        // Every kind has a limit (evaluate/timeouts.ts); a command's own, which kills its process group, stays in front.
        const timeoutMs = studyTimeoutMsPerCandidate(spec, config.timeoutMs);
        const evaluator =
          usesWorkerThreads(spec, threads) && taskDeviceOf(spec) === null
            ? createPoolEvaluator({ spec, threads, chunkSize: Math.max(1, config.chunkSize), timeoutMsPerCandidate: timeoutMs })
            : await createEvaluator(spec);
        return {
          space: resolved.space,
          objectives: resolved.objectives,
          constraints: resolved.constraints,
          evaluator: opts.wrapEvaluator ? opts.wrapEvaluator(evaluator) : evaluator,
          timeoutMs,
        };
      })();
      contexts.set(key, c);
    }
    return c;
  };

  /**
   * Evaluates one lease's tasks study by study (and part by part) and records them; tasks of a study this worker
   * cannot price go back.
   */
  const work = async (tasks: readonly LeasedTask[]): Promise<void> => {
    const byStudy = new Map<string, LeasedTask[]>();
    for (const t of tasks) {
      const key = `${t.studyId}:${t.part ?? 0}`;
      const list = byStudy.get(key);
      if (list) list.push(t);
      else byStudy.set(key, [t]);
    }
    for (const [key, list] of byStudy) {
      const { studyId } = list[0];
      const part = list[0].part ?? 0;
      let ctx: StudyContext;
      try {
        ctx = await contextOf(studyId, part);
      } catch (error) {
        contexts.delete(key);
        excluded.add(studyId);
        log(`worker ${id}: cannot evaluate study ${studyId} here (${(error as Error).message}); leaving its candidates to other workers`);
        await queue.release(id, list);
        continue;
      }
      const t0 = performance.now();
      const genes = list.map((t) => t.genes);
      const results = await evaluateGuarded(ctx.evaluator, genes.map((g) => ctx.space.decode(g)), ctx.timeoutMs, genes);
      const ms = performance.now() - t0;
      const evalMs = ms / list.length;
      evaluated += list.length;
      if ((list[0].parts ?? 1) > 1) {
        // A part of each candidate: kept as it is; the coordinator scores the candidate once all its parts are in.
        recorded += await queue.completeParts(id, list, list.map((t, k) => ({ part, device: t.device, result: results[k], evalMs, worker: id })));
      } else {
        const rows = list.map((t, k) => finishedRow(t, results[k], evalMs, ctx.objectives, ctx.constraints));
        recorded += await queue.complete(id, list, rows);
      }
      // The next lease holds about TARGET_LEASE_MS of work at this evaluator's pace.
      limit = Math.min(MAX_LEASE, Math.max(Math.max(1, threads), Math.round(TARGET_LEASE_MS / Math.max(evalMs, 1e-3))));
    }
  };

  const coordinatorTimeoutMs = opts.coordinatorTimeoutMs ?? 60_000;
  let endFailed = false;
  /** A coordinator that holds its lock without a sign of life: its sessions are ended (taken over at the next look). */
  const endHung = async (study: StudyRecord): Promise<void> => {
    let ended: string | undefined;
    try {
      ended = await queue.endHungCoordinator(study.id, coordinatorTimeoutMs);
    } catch (error) {
      if (!endFailed) log(`worker ${id}: study '${study.name}': cannot end the session of a silent coordinator (${(error as Error).message})`);
      endFailed = true;
      return;
    }
    if (ended) {
      log(`worker ${id}: study '${study.name}': its coordinator ${ended} gave no sign of life for ${coordinatorTimeoutMs / 1000} s (its process stopped or gone); ended its hold on the study`);
    }
  };

  const takeOverOrphans = async (running: readonly StudyRecord[]): Promise<void> => {
    if (!opts.takeOver) return;
    const now = Date.now();
    for (const study of running) {
      if (opts.studyIds && !opts.studyIds.includes(study.id)) continue;
      if (coordinating.has(study.id) || excluded.has(study.id) || cannotCoordinate.has(study.id)) continue;
      if (!(await queue.coordinatorMissing(study.id))) {
        freeSince.delete(study.id);
        await endHung(study);
        continue;
      }
      const since = freeSince.get(study.id) ?? now;
      freeSince.set(study.id, since);
      // A coordinator whose connection dropped takes its lock back within a second of the server's return.
      if (now - since < (opts.takeOverAfterMs ?? 2000)) continue;
      freeSince.delete(study.id);
      log(`worker ${id}: study '${study.name}' has no coordinator; taking it over from its last checkpoint`);
      tookOver++;
      const run = opts.takeOver(study).then(
        () => log(`worker ${id}: study '${study.name}' stopped coordinating here`),
        (error: unknown) => {
          const message = (error as Error).message;
          // Another process took it first: the usual race, tried again later. Anything else: not again here.
          if (!/is running in/.test(message)) cannotCoordinate.add(study.id);
          log(`worker ${id}: study '${study.name}': ${message}`);
        },
      );
      coordinating.set(study.id, run.finally(() => coordinating.delete(study.id)));
    }
  };

  const idle = async (running: readonly StudyRecord[]): Promise<boolean> => {
    if (coordinating.size > 0) return false;
    if (await queue.hasTasksFor(devices, opts.studyIds)) return false;
    return !running.some((s) => !opts.studyIds || opts.studyIds.includes(s.id));
  };

  let idleSince: number | undefined;
  try {
    while (!signal?.aborted) {
      if (opts.hold) {
        await opts.hold(signal);
        if (signal?.aborted) break;
      }
      const tasks = await queue.lease(id, { ...(opts.studyIds ? { studyIds: opts.studyIds } : {}), devices, limit, leaseMs, ...(excluded.size > 0 ? { excludeStudyIds: [...excluded] } : {}) });
      if (tasks.length > 0) {
        idleSince = undefined;
        inHand.add(tasks[0].token);
        try {
          await work(tasks);
        } finally {
          inHand.delete(tasks[0].token);
        }
        continue;
      }
      // One look at the running studies serves the take-over and the idle check.
      const running = opts.takeOver || opts.exitWhenIdle ? await queue.runningStudies() : [];
      await takeOverOrphans(running);
      if (opts.exitWhenIdle) {
        if (!(await idle(running))) idleSince = undefined;
        else if (Date.now() - (idleSince ??= Date.now()) >= (opts.idleExitMs ?? 10_000)) break;
      }
      await queue.waitForTasks(IDLE_POLL_MS, signal);
    }
    await Promise.all(coordinating.values());
  } finally {
    clearInterval(heartbeat);
    for (const c of contexts.values()) await c.then((x) => x.evaluator.close?.(), () => {});
    await queue.unregisterWorker(id).catch(() => {});
  }
  return { id, evaluated, recorded, tookOver };
}
