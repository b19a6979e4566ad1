/**
 * Running a prepared study from the command line: progress output (live view, plain lines, JSON events), signals,
 * the evaluator's lifetime, and the frontier file. Shared by \`hwnas search\` and \`hwnas resume\`.
 */
import { writeFileSync } from 'node:fs';
import { createPoolEvaluator } from '../search/evaluate/pool.js';
import { createEvaluator } from '../search/evaluate/registry.js';
import type { Evaluator } from '../search/evaluate/evaluator.js';
import { contentHash, type SqliteStore, type StudyRecord } from '../search/store/index.js';
import { runStudy, type StudyEvent, type StudyOutcome } from '../search/study.js';
import type { ResolvedStudy } from '../search/study-config.js';
import type { LlmArchitecture } from '../core/architecture.js';
import { lossOptionsOf } from '../search/evaluate/analytic.js';
import { resolveLaw } from '../predictors/loss/index.js';
import { frontierLossSummary } from './loss-parts.js';
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

/** Runs a prepared study to its end or to a signal; SIGINT/SIGTERM stop it with a checkpoint (exit 0). */
export async function executeStudy(opts: {
  store: SqliteStore;
  study: StudyRecord;
  resolved: ResolvedStudy;
  mode: ProgressMode;
  out?: string;
}): Promise<number> {
  const { store, study, resolved } = opts;
  const c = resolved.config;
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
  let evaluator: Evaluator | undefined;
  let outcome: StudyOutcome;
  // The live terminal view (cli/ui): its keys pause the evaluator and stop the study through the same signal.
  const live = opts.mode === 'tui' ? await (await import('./ui/live.js')).attachLiveView({ study, resolved, dbPath: store.path, abort: stop }) : undefined;
  try {
    evaluator =
      c.threads > 0
        ? createPoolEvaluator({ spec: resolved.evaluator, threads: c.threads, chunkSize: c.chunkSize, timeoutMsPerCandidate: c.timeoutMs })
        : await createEvaluator(resolved.evaluator);
    if (live) evaluator = live.wrap(evaluator);
    outcome = await runStudy({
      store,
      study,
      space: resolved.space,
      strategy: resolved.strategy,
      strategyOptions: c.strategyOptions,
      objectives: resolved.objectives,
      constraints: resolved.constraints,
      evaluator,
      budget: resolved.budget,
      batchSize: c.generationSize,
      recordEvery: c.chunkSize * Math.max(1, c.threads),
      timeoutMsPerCandidate: c.timeoutMs,
      onEvent: live
        ? live.onEvent
        : opts.mode === 'text'
          ? plainPrinter({ objectives: resolved.objectives, describe: (g) => resolved.space.describe(g) })
          : progressPrinter(opts.mode === 'tui' ? 'quiet' : opts.mode),
      signal: controller.signal,
    });
  } finally {
    await live?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await evaluator?.close?.();
  }
  const lossNotes = lossSummary(resolved, outcome);
  if (opts.out) {
    const frontier = outcome.frontier.map((p) => {
      const rec = store.candidate(study.id, contentHash(resolved.space.id, resolved.space.key(p.genes)));
      return { seq: p.seq, genes: resolved.space.describe(p.genes), metrics: rec?.metrics ?? {} };
    });
    writeFileSync(opts.out, JSON.stringify({ study: study.name, status: outcome.status, reason: outcome.reason, ...(lossNotes.length ? { lossNotes } : {}), frontier }, null, 2) + '\n');
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
  return front.length > 0 ? frontierLossSummary(front, resolveLaw(spec.law), lossOptionsOf(spec)) : [];
}
