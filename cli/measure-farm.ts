/**
 * `hwnas measure --storage URL --devices a,b`: the sample measured on several devices at once, by the device farm's
 * workers (`hwnas worker --device-file <device>` on each device). The sample becomes one task per architecture and
 * device on the server, in a study of its own (rerun, the same command picks up what is already measured); each
 * device's worker leases only its own; the command waits for all of them and writes one CSV per device with the
 * columns `hwnas predictor adapt --samples` reads (arch_str, latency_ms), then the spread, rounds and stability of
 * each figure and the machine that measured it.
 */
import { csvCell } from './format.js';
import { basename, dirname, join } from 'node:path';
import type { Genes, SearchSpace } from '../core/space.js';
import type { Workload } from '../core/workload.js';
import type { DeviceProfile } from '../hardware/device.js';
import type { TimingOptions } from '../hardware/measure/timer.js';
import { DEFAULT_TRAINING_TOKENS } from '../search/evaluate/analytic.js';
import type { MeasuredSpec } from '../search/evaluate/measured.js';
import { contentHash, type CandidateRecord, type NewTask } from '../search/store/index.js';
import type { PostgresStore } from '../search/store/postgres/postgres.js';
import { UsageError } from './errors.js';
import { outputLine, writeOutputs, type FileOutput } from './output.js';
import { HWNAS_VERSION } from './version.js';

export interface FarmMeasure {
  readonly store: PostgresStore;
  readonly space: SearchSpace;
  readonly genes: readonly Genes[];
  readonly devices: readonly DeviceProfile[];
  readonly seed: number;
  readonly workload: Workload;
  readonly timing: Partial<TimingOptions>;
  readonly archStr: (g: Genes) => string;
  /** The CSV named on the command line: each device's table goes beside it, named after the device. */
  readonly out: string;
  readonly log: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** `m.csv` for device `pi5` → `m-pi5.csv`. */
export function deviceCsv(out: string, device: string): string {
  return join(dirname(out), `${basename(out, '.csv')}-${device}.csv`);
}


export async function measureOnFarm(m: FarmMeasure): Promise<void> {
  const { store, space, genes, devices } = m;
  const ids = devices.map((d) => d.id);
  // Named by what is measured, so that the same command run again finds its study (and what it already holds).
  const name = `measure-${space.id}-s${m.seed}-n${genes.length}-${contentHash('measure', ids.join(',')).slice(0, 8)}`;
  const spec: MeasuredSpec = { kind: 'measured', device: devices[0], workload: m.workload, mode: 'roofline', law: 'codesign', trainingTokens: DEFAULT_TRAINING_TOKENS, seed: m.seed, timing: m.timing };
  const study =
    (await store.getStudy(name)) ??
    (await store.createStudy({
      name,
      // A config workers can read (they price with the recorded spec); no strategy runs: the sample is fixed.
      config: { name, space: space.id, objectives: 'latency', strategy: 'random', evaluations: genes.length * ids.length, generationSize: genes.length * ids.length, seed: m.seed, evaluator: 'measured' },
      seed: m.seed,
      space: space.id,
      device: ids.join(','),
      objectives: ['min:latencyMs'],
      constraints: [],
      strategy: 'measure',
      hwnasVersion: HWNAS_VERSION,
      evaluator: spec,
    }));
  // Held while waiting: no worker takes this study over (it has no strategy to run).
  const lock = await store.lockStudy(study);
  if ('heldBy' in lock) throw new UsageError(`measurement ${name} is being collected by ${lock.heldBy}`);
  try {
    const tasks: NewTask[] = [];
    ids.forEach((device, j) => {
      genes.forEach((g, i) => tasks.push({ seq: j * genes.length + i, hash: contentHash(space.id, `${space.key(g)}@${device}`), genes: g, generation: 0, device }));
    });
    await store.setStatus(study.id, 'running', {});
    await store.enqueue(study.id, tasks);
    m.log(`${tasks.length} measurements waiting on ${store.location} for the workers of ${ids.join(', ')} (hwnas worker --device-file <device>)`);
    const missing = new Map(tasks.map((t) => [t.hash, t]));
    const got = new Map<string, CandidateRecord>();
    while (missing.size > 0) {
      for (const [h, r] of await store.candidatesByHash(study.id, [...missing.keys()])) {
        missing.delete(h);
        got.set(h, r);
        m.log(`[${got.size}/${tasks.length}] ${tasks[r.seq].device}: ${m.archStr(r.genes)}: ${r.status === 'done' ? `${r.metrics!.latencyMs.toFixed(2)} ms` : `failed (${r.error})`}`);
      }
      if (missing.size === 0) break;
      if (m.signal?.aborted) throw new UsageError(`stopped with ${missing.size} measurements missing; run the same command again to collect them`);
      await store.waitForResults(study.id, 1000, m.signal);
    }
    await store.setStatus(study.id, 'finished', {});
    const { bySeq, workers } = await store.recordedBy(study.id);
    // Every table built before any is written: all of them, or none (a failed measurement names itself).
    const files: { output: FileOutput; content: string; device: string }[] = [];
    for (const device of ids) {
      const rows = [['arch_str', 'latency_ms', 'spread', 'rounds', 'stable', 'device', 'host', 'cpu', 'logical_cpus'].join(',')];
      for (const t of tasks.filter((x) => x.device === device)) {
        const r = got.get(t.hash)!;
        if (r.status !== 'done') throw new UsageError(`${device}: ${m.archStr(t.genes)} failed to measure (${r.error}); nothing written`);
        const w = workers.get(bySeq.get(r.seq) ?? '');
        const machine = (w?.machine ?? {}) as { cpu?: string; logicalCpus?: number };
        const x = r.metrics!;
        rows.push([m.archStr(t.genes), x.latencyMs.toFixed(4), (x.latencySpread ?? NaN).toFixed(4), x.latencyRounds ?? '', x.latencyStable ?? '', device, w?.host ?? '', machine.cpu ?? '', machine.logicalCpus ?? ''].map(csvCell).join(','));
      }
      files.push({ output: { flag: 'out', path: deviceCsv(m.out, device) }, content: rows.join('\n') + '\n', device });
    }
    const outcomes = writeOutputs(files);
    files.forEach((f, i) => m.log(`${outputLine(outcomes[i], f.output.path)}: ${tasks.length / ids.length} measurements of ${f.device}`));
  } finally {
    await lock.release();
  }
}
