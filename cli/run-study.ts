/**
 * Running a prepared study from the command line: progress (live view, plain lines or JSON events, all on
 * stderr), signals, the evaluator's lifetime, and the results (summary and frontier on stdout, the frontier
 * document in --out). Shared by `hwnas search` and `hwnas resume`.
 */
import { runPreparedStudy } from '../search/run-search.js';
import type { Store, StudyRecord } from '../search/store/index.js';
import { inspectStudy, type FrontierPoint, type StudyEvent, type StudyOutcome, type StudyState } from '../search/study.js';
import type { ResolvedStudy } from '../search/study-config.js';
import type { LlmArchitecture } from '../core/architecture.js';
import { lawOfSpec, lossOptionsOf } from '../search/evaluate/analytic.js';
import { lossPricingPart } from '../search/evaluate/registry.js';
import { frontierLossSummary } from './loss-parts.js';
import { frontierDocument, frontierJson, writeFrontierDocument } from './frontier-document.js';
import { OutputFile, outputLine } from './output.js';
import { loadStudyHead } from './report/study-data.js';
import { frontierLines, plainPrinter } from './ui/plain.js';
import { formatNumber } from './ui/progress.js';
import type { LiveSession, RenderLiveView } from './ui/live.js';
import { interactiveTerminal } from './ui/terminal.js';
import { HWNAS_VERSION } from './version.js';

export type ProgressMode = 'json' | 'text' | 'quiet' | 'tui';

/** --json, --quiet, --plain, or the live terminal view when a terminal is attached (not CI). */
export function progressMode(values: { json?: boolean; quiet?: boolean; plain?: boolean }): ProgressMode {
  if (values.json) return 'json';
  if (values.quiet) return 'quiet';
  return values.plain || !interactiveTerminal() ? 'text' : 'tui';
}

/** Progress on stderr: JSON lines of events, or plain lines. */
export function progressPrinter(mode: 'json' | 'text' | 'quiet', options: { readonly announced?: boolean } = {}): (e: StudyEvent) => void {
  if (mode === 'quiet') return () => {};
  if (mode === 'json') return (e) => process.stderr.write(JSON.stringify(e) + '\n');
  return plainPrinter({ announced: options.announced ?? false });
}

/** What a session ended with, or what a study held when there was nothing to run. */
interface Result {
  readonly status: string;
  readonly reason: string;
  readonly evaluations: number;
  readonly failed: number;
  readonly frontier: readonly FrontierPoint[];
  readonly hypervolume: number;
}

/**
 * The results, on stdout: a summary line and the frontier table (--quiet: the line only), or with --json one
 * JSON object (the outcome and the frontier document). `--out` gets the frontier document.
 */
async function publish(opts: { store: Store; study: StudyRecord; resolved: ResolvedStudy; mode: ProgressMode; out?: string; result: Result; note?: string }): Promise<void> {
  const { store, study, resolved, mode, out, result } = opts;
  const needsDocument = out !== undefined || mode === 'json';
  const head = needsDocument ? await loadStudyHead(store, study.name) : undefined;
  // --json: the document is built once, printed with the outcome and written to --out as it is.
  const doc = mode === 'json' ? await frontierDocument(store, head!, { exportedWith: HWNAS_VERSION }) : undefined;
  if (out !== undefined) {
    // The frontier document, streamed into the all-or-nothing output file (as hwnas export --format json).
    const file = OutputFile.open({ flag: 'out', path: out });
    try {
      if (doc) file.write(await frontierJson(doc));
      else await writeFrontierDocument(store, head!, { format: 'json', exportedWith: HWNAS_VERSION }, (t) => file.write(t));
    } catch (error) {
      file.abort();
      throw error;
    }
    const written = file.commit();
    if (mode !== 'quiet') console.error(outputLine(written, out));
  }
  const outcome = { study: study.name, status: result.status, reason: result.reason, evaluations: result.evaluations, failed: result.failed, frontierSize: result.frontier.length, hypervolume: result.hypervolume };
  if (mode === 'json') {
    console.log(JSON.stringify({ outcome, ...doc }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
    return;
  }
  const line = `study ${study.name}: ${result.status} (${result.reason}); ${result.evaluations} evaluated, ${result.failed} failed, frontier of ${result.frontier.length}, hypervolume ${formatNumber(result.hypervolume)}`;
  console.log(opts.note ? `${line}\n${opts.note}` : line);
  if (mode === 'quiet') return;
  for (const l of lossSummary(resolved, result.frontier)) console.log(l);
  if (result.frontier.length === 0 && result.status === 'stopped') console.log('frontier: none yet (stopped before a generation was complete)');
  else {
    const tokens = lossPricingPart(resolved.evaluator)?.trainingTokens;
    for (const l of frontierLines(result.frontier, resolved.objectives, (g) => resolved.space.describe(g), 10, tokens)) console.log(l);
  }
}

/** The study's state before a session, under the budget resolved (reads only). */
export function studyState(store: Store, study: StudyRecord, resolved: ResolvedStudy): Promise<StudyState> {
  return inspectStudy({ store, study, space: resolved.space, strategy: resolved.strategy, strategyOptions: resolved.config.strategyOptions, objectives: resolved.objectives, constraints: resolved.constraints, budget: resolved.budget, batchSize: resolved.config.generationSize });
}

/** Prints the results of a study that has nothing left to do under its budget, without running or writing it. */
export async function reportStudy(opts: { store: Store; study: StudyRecord; resolved: ResolvedStudy; mode: ProgressMode; out?: string; state: StudyState; note?: string }): Promise<number> {
  const { study, state } = opts;
  await publish({
    ...opts,
    result: { status: study.status, reason: study.summary.stopReason ?? state.stopsAt ?? 'unknown', evaluations: state.evaluations, failed: state.failed, frontier: state.frontier, hypervolume: state.hypervolume },
  });
  return 0;
}

/** Runs a prepared study to its end or to a signal; SIGINT/SIGTERM stop it with a checkpoint (exit 0). */
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
  /** Where the live view draws (tests); default this terminal. */
  renderLiveView?: RenderLiveView;
  /** The command has said where the study resumes, with its budget: the progress lines do not say it again. */
  announced?: boolean;
}): Promise<number> {
  const { store, study, resolved } = opts;
  const controller = new AbortController();
  const stop = () => controller.abort();
  let live: LiveSession | undefined;
  // First signal: stop the evaluation in flight (a candidate being measured is abandoned and measured again on
  // resume), checkpoint, exit 0. A second one exits at once: every transaction is atomic, so resume continues
  // from the last commit.
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      console.error(`hwnas: second ${signal}, exiting now; 'hwnas resume ${study.name}' continues from the last checkpoint`);
      process.exit(130);
    }
    stop();
    // The view shows it, and a paused study lets go.
    live?.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let outcome: StudyOutcome;
  // The live terminal view (cli/ui): its keys stop the study through the same signal, and pause it: an SQLite
  // study's evaluator; a server study's asking (no new generation: the workers finish the one in flight) and this
  // process's own worker (the other workers are other processes; they are not paused).
  const mode = opts.mode;
  // Its parts wait for the devices' own workers: say which, once (the live view says it in its workers line).
  if (resolved.evaluator.kind === 'farm' && mode === 'text') {
    const devices = resolved.evaluator.measured.map((m) => m.device.id);
    console.error(`candidates are measured on ${devices.join(', ')}: each needs a worker on that device (hwnas worker --storage ${store.location} --device-file <${devices.join('|')}>)`);
  }
  if (mode === 'tui') {
    const workersOnly = opts.workersOnly ?? false;
    live = await (await import('./ui/live.js')).attachLiveView({ study, resolved, dbPath: opts.storage, abort: stop, store, workersOnly, ...(opts.renderLiveView ? { render: opts.renderLiveView } : {}) });
  }
  try {
    const view = live;
    outcome = await runPreparedStudy(store, study, resolved, {
      ...(view && !store.queue ? { wrapEvaluator: (e) => view.wrap(e) } : {}),
      ...(view && store.queue ? { hold: (signal) => view.hold(signal) } : {}),
      onEvent: view ? view.onEvent : progressPrinter(mode === 'tui' ? 'quiet' : mode, { announced: opts.announced ?? false }),
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
  // A server's URL is shown without its password: it comes from HWNAS_STORAGE, PGPASSWORD or ~/.pgpass.
  const where = store.queue ? ` --storage ${store.location}` : store.location !== 'hwnas.db' ? ` --db ${store.location}` : '';
  const note = outcome.status === 'stopped' ? `continue it with: hwnas resume ${study.name}${where}` : undefined;
  await publish({ store, study, resolved, mode: opts.mode, ...(opts.out !== undefined ? { out: opts.out } : {}), result: outcome, ...(note ? { note } : {}) });
  return 0;
}

/** What the frontier's losses are made of (cli/loss-parts.ts), for a study whose objectives include loss. */
function lossSummary(resolved: ResolvedStudy, frontier: readonly FrontierPoint[]): string[] {
  const spec = lossPricingPart(resolved.evaluator);
  if (!spec || !resolved.objectives.some((o) => o.metric === 'loss')) return [];
  const front = frontier.map((p) => resolved.space.decode(p.genes)).filter((a): a is LlmArchitecture => a.family === 'llm');
  return front.length > 0 ? frontierLossSummary(front, lawOfSpec(spec), lossOptionsOf(spec)) : [];
}
