/**
 * Running a prepared study from the command line: progress output (live view, plain lines, JSON events), signals,
 * the evaluator's lifetime, and the frontier file. Shared by \`hwnas search\` and \`hwnas resume\`.
 */
import { frontierEntries, runPreparedStudy } from '../search/run-search.js';
import type { Store, StudyRecord } from '../search/store/index.js';
import type { StudyEvent, StudyOutcome } from '../search/study.js';
import type { ResolvedStudy } from '../search/study-config.js';
import type { LlmArchitecture } from '../core/architecture.js';
import { lawOfSpec, lossOptionsOf } from '../search/evaluate/analytic.js';
import { frontierLossSummary } from './loss-parts.js';
import { outputLine, writeOutput } from './output.js';
import { plainPrinter } from './ui/plain.js';
import { interactiveTerminal } from './ui/terminal.js';

export type ProgressMode = 'json' | 'text' | 'quiet' | 'tui';

/** --json, --quiet, --plain, or the live terminal view when a terminal is attached (not CI). */
export function progressMode(values: { json?: boolean; quiet?: boolean; plain?: boolean }): ProgressMode {
  if (values.json) return 'json';
  if (values.quiet) return 'quiet';
  return values.plain || !interactiveTerminal() ? 'text' : 'tui';
}

/** Prints progress: JSON lines of events on stdout, or a short line per generation on stderr. */
export function progressPrinter(mode: 'json' | 'text' | 'quiet'): (e: StudyEvent) => void {
  if (mode === 'quiet') return () => {};
  if (mode === 'json') return (e) => process.stdout.write(JSON.stringify(e) + '\n');
  return plainPrinter();
}

/**
 * Runs a prepared study to its end or to a signal; SIGINT/SIGTERM stop it with a checkpoint (exit 0). On a server
 * store this process coordinates and, unless workers-only, evaluates beside `hwnas worker` processes.
 */
export async function executeStudy(opts: {
  store: Store;
  /** The storage as the user named it (the live view reopens it to export). */
  storage: string;
  study: StudyRecord;
  resolved: ResolvedStudy;
  mode: ProgressMode;
  out?: string;
  /** Run once the study's lock is held (see StudyRun.onLocked). */
  onLocked?: () => void | Promise<void>;
  /** On a server store: evaluate nothing here, leave every candidate to `hwnas worker` processes. */
  workersOnly?: boolean;
}): Promise<number> {
  const { store, study, resolved } = opts;
  const controller = new AbortController();
  const stop = () => controller.abort();
  // First signal: finish the evaluator call in flight, checkpoint, exit 0. A second one (an evaluator that does
  // not return) exits at once: every transaction is atomic, so resume continues from the last commit.
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      console.error(`hwnas: second ${signal}, exiting now; 'hwnas resume ${study.name}' continues from the last checkpoint`);
      process.exit(130);
    }
    stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let outcome: StudyOutcome;
  // The live terminal view (cli/ui): its keys pause the evaluator and stop the study through the same signal. A
  // server study prints plain lines (its candidates are evaluated by other processes too).
  const mode = store.queue && opts.mode === 'tui' ? 'text' : opts.mode;
  const live = mode === 'tui' ? await (await import('./ui/live.js')).attachLiveView({ study, resolved, dbPath: opts.storage, abort: stop }) : undefined;
  try {
    outcome = await runPreparedStudy(store, study, resolved, {
      ...(live ? { wrapEvaluator: (e) => live.wrap(e) } : {}),
      onEvent: live
        ? live.onEvent
        : mode === 'text'
          ? plainPrinter({ objectives: resolved.objectives, describe: (g) => resolved.space.describe(g) })
          : progressPrinter(mode === 'tui' ? 'quiet' : mode),
      signal: controller.signal,
      ...(opts.onLocked ? { onLocked: opts.onLocked } : {}),
      workersOnly: opts.workersOnly ?? false,
      log: (line) => console.error(`hwnas: ${line}`),
    });
  } finally {
    await live?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const lossNotes = lossSummary(resolved, outcome);
  if (opts.out) {
    const frontier = await frontierEntries(store, study, resolved, outcome);
    const written = writeOutput({ flag: 'out', path: opts.out }, JSON.stringify({ study: study.name, status: outcome.status, reason: outcome.reason, ...(lossNotes.length ? { lossNotes } : {}), frontier }, null, 2) + '\n');
    if (opts.mode !== 'quiet') console.error(outputLine(written, opts.out));
  }
  if (opts.mode !== 'json') {
    const line = `study ${study.name}: ${outcome.status} (${outcome.reason}); ${outcome.evaluations} evaluated, ${outcome.failed} failed, frontier of ${outcome.frontier.length}, hypervolume ${outcome.hypervolume.toPrecision(6)}`;
    for (const l of [line, ...lossNotes]) {
      if (opts.mode === 'text') console.error(l);
      else console.log(l);
    }
  }
  return 0;
}

/** What the frontier's losses are made of (cli/loss-parts.ts), for a study whose objectives include loss. */
function lossSummary(resolved: ResolvedStudy, outcome: StudyOutcome): string[] {
  const spec = resolved.evaluator;
  if (!('law' in spec) || !resolved.objectives.some((o) => o.metric === 'loss')) return [];
  const front = outcome.frontier.map((p) => resolved.space.decode(p.genes)).filter((a): a is LlmArchitecture => a.family === 'llm');
  return front.length > 0 ? frontierLossSummary(front, lawOfSpec(spec), lossOptionsOf(spec)) : [];
}
