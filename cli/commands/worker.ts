import { cpus, hostname } from 'node:os';
import type { Command } from '../command.js';
import { helpText, numberFlag, parseFlags } from '../args.js';
import { UsageError } from '../errors.js';
import { STORAGE_FLAGS, openStore, storageOf } from '../open-store.js';
import { getDevice } from '../../hardware/devices.js';
import { coordinateStored } from '../../search/coordinate.js';
import { isPostgresUrl } from '../../search/store/index.js';
import { parseDurationMs } from '../../search/study-config.js';
import { runWorker } from '../../search/worker.js';

const FLAGS = {
  ...STORAGE_FLAGS,
  study: { type: 'string', value: 'name', help: 'serve this study only (default: every study on the server)' },
  threads: { type: 'string', value: 'T', help: 'worker threads (default 0: in this process)' },
  'device-file': { type: 'string', value: 'device.json|id', help: 'this machine is that device: lease only the candidates measured on it' },
  'exit-when-idle': { type: 'boolean', help: 'exit once no task has waited and no study it serves has run for 10 s' },
  lease: { type: 'string', value: '30s', help: 'how long a leased candidate stays this worker\'s without a heartbeat' },
  'take-over-after': { type: 'string', value: '2s', help: 'take over a running study whose coordinator died after this long' },
  'coordinator-timeout': { type: 'string', value: '60s', help: 'take over a study whose coordinator\'s process has given no sign of life this long' },
  'no-take-over': { type: 'boolean', help: 'never run a study\'s strategy here' },
  quiet: { type: 'boolean', help: 'no progress lines' },
} as const;

const USAGE = `hwnas worker --storage postgresql://user@host:5432/db [--study <name>] [--threads T] [--device-file device.json|<device id>]
         [--exit-when-idle] [--lease 30s] [--take-over-after 2s] [--coordinator-timeout 60s] [--no-take-over] [--quiet]`;

const DESCRIPTION = `Leases candidates waiting on the server, evaluates them with their study's recorded evaluator, and records each
result once; runs until stopped (SIGINT/SIGTERM: the candidates in hand are recorded first) or, with
--exit-when-idle, once no task has waited for it and no study it serves has been running for 10 s. A worker with --device-file is that
device (a calibrated profile, or a built-in device id for the machine it runs on) and leases only the candidates
measured on it; without, only candidates that need no particular device. A running study whose coordinator died
is taken over (its strategy continues here from its last checkpoint) unless --no-take-over; so is one whose
coordinator holds the study but has given no sign of life for --coordinator-timeout: its process is stopped (a hung
machine, SIGSTOP) or gone. A coordinator that is only busy (a synchronous evaluator, a long strategy step) still
beats, from a thread of its own, and is not taken over; nor is one whose main thread is blocked for ever. Its
every session on the server is ended first (which needs the same database role, or pg_signal_backend), and should
it wake up, its writes are refused. The storage may also come from HWNAS_STORAGE (a URL there stays out of ps and
shell history).`;

export const command: Command = {
  name: 'worker',
  help: () => helpText({ usage: USAGE.split('\n').map((l) => l.trim()), description: DESCRIPTION, flags: FLAGS }),
  async run(argv) {
    const { values } = parseFlags('worker', argv, FLAGS);
    const storage = storageOf(values);
    if (!isPostgresUrl(storage)) throw new UsageError('hwnas worker: needs a server storage (--storage postgresql://user@host:5432/db or HWNAS_STORAGE)');
    const threads = numberFlag('threads', values.threads, 0, { integer: true });
    const duration = (flag: string, value: string | undefined, fallback: number) => {
      if (value === undefined) return fallback;
      try {
        const ms = parseDurationMs(value);
        if (ms > 0) return ms;
      } catch {
        // the message below
      }
      throw new UsageError(`--${flag}: expected a duration such as 500ms, 30s or 2m, got '${value}'`);
    };
    const leaseMs = duration('lease', values.lease, 30_000);
    const takeOverAfterMs = duration('take-over-after', values['take-over-after'], 2000);
    const coordinatorTimeoutMs = duration('coordinator-timeout', values['coordinator-timeout'], 60_000);
    let device: string | null = null;
    if (values['device-file'] !== undefined) {
      try {
        device = getDevice(values['device-file']).id;
      } catch (error) {
        throw new UsageError(`--device-file: ${(error as Error).message}`);
      }
    }
    const log = values.quiet ? () => {} : (line: string) => console.error(`hwnas: ${line}`);
    // A worker may start before any study does (a farm waiting for work): an empty database is set up, not refused.
    const store = await openStore(storage);
    try {
      let studyIds: number[] | undefined;
      if (values.study !== undefined) {
        const study = await store.getStudy(values.study);
        if (!study) throw new UsageError(`--study: unknown study '${values.study}' on ${store.location}; studies: ${(await store.listStudies()).map((s) => s.name).join(', ') || '(none)'}`);
        studyIds = [study.id];
      }
      const controller = new AbortController();
      const onSignal = (signal: NodeJS.Signals) => {
        if (controller.signal.aborted) {
          console.error(`hwnas: second ${signal}, exiting now; the candidates in hand go to other workers when their lease expires`);
          process.exit(130);
        }
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      log(`worker on ${store.location}${device ? ` as device ${device}` : ''}${values.study ? `, study ${values.study}` : ''}: waiting for candidates`);
      try {
        const summary = await runWorker({
          queue: store.queue!,
          ...(studyIds ? { studyIds } : {}),
          devices: [device],
          threads,
          leaseMs,
          exitWhenIdle: values['exit-when-idle'] ?? false,
          signal: controller.signal,
          takeOverAfterMs,
          coordinatorTimeoutMs,
          ...(values['no-take-over'] ? {} : { takeOver: async (study) => void (await coordinateStored(store, study, { signal: controller.signal })) }),
          machine: { host: hostname(), cpu: cpus()[0]?.model ?? 'unknown', logicalCpus: cpus().length, platform: process.platform, arch: process.arch, node: process.version },
          log,
        });
        log(`worker ${summary.id}: evaluated ${summary.evaluated}, recorded ${summary.recorded}${summary.evaluated > summary.recorded ? ` (${summary.evaluated - summary.recorded} dropped: their leases had passed to other workers)` : ''}${summary.tookOver > 0 ? `, took over ${summary.tookOver} stud${summary.tookOver === 1 ? 'y' : 'ies'}` : ''}`);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      return 0;
    } finally {
      await store.close();
    }
  },
};
