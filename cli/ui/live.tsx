/**
 * Hooks the live view into a study run by `hwnas search` / `hwnas resume` (and the launcher): renders it with
 * ink, hands back the event feed and the pause gates, and tears it down when the study returns. A study on a
 * server also shows who works on it: the view reads the server's workers and tasks every few seconds.
 */
import { precisionCostOf } from '../loss-parts.js';
import { render } from 'ink';
import { hostname } from 'node:os';
import React from 'react';
import type { Evaluator } from '../../search/evaluate/evaluator.js';
import { lossPricingPart } from '../../search/evaluate/registry.js';
import type { Store, StudyRecord } from '../../search/store/index.js';
import type { StudyEvent } from '../../search/study.js';
import { fileSafe, type ResolvedStudy } from '../../search/study-config.js';
import { StudyControl, type ServerView } from './control.js';
import { LiveApp } from './LiveApp.js';

export interface LiveSession {
  readonly onEvent: (event: StudyEvent) => void;
  /** The evaluator behind the pause gate (an SQLite study: evaluation stops between two evaluator calls). */
  wrap(evaluator: Evaluator): Evaluator;
  /** The pause gate of a server study: awaited before each generation is asked and each lease of this process's worker. */
  hold(signal?: AbortSignal): Promise<void>;
  /** Stops the study as the view's stop key does (a signal from outside: it shows 'stopping…', a pause lets go). */
  stop(): void;
  /** Call when the study returned: draws the last frame and gives the terminal back. */
  close(): Promise<void>;
}

/** Where the view draws: ink on this terminal by default (tests: ink-testing-library's render). */
export type RenderLiveView = (tree: React.ReactElement) => { unmount(): void; waitUntilExit(): Promise<unknown> };

/** How often a server study's view reads its workers and tasks (one small query each time). */
const SERVER_LOOK_MS = 2000;

/** Exports the current frontier next to the working directory: JSON always, Hugging Face folders for LLM spaces. */
export async function exportFrontierNow(dbPath: string, study: string, llm: boolean): Promise<string> {
  // In the working folder whatever the study's name (older databases hold names made from paths).
  const file = `${fileSafe(study)}-frontier.json`;
  const { command } = await import('../commands/export.js');
  await command.run([study, '--db', dbPath, '--format', 'json', '--out', file]);
  if (!llm) return `exported ${file}`;
  const { runHfExport } = await import('../report/hf.js');
  const { UsageError } = await import('../errors.js');
  const dir = `${fileSafe(study)}-hf`;
  try {
    const r = await runHfExport({ dbPath, name: study, out: dir, quiet: true });
    return `exported ${file} and ${dir}/ (${r.entries.filter((e) => e.modelType).length} of ${r.entries.length} as transformers configs)`;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return `exported ${file}; no Hugging Face configs: no frontier candidate has a transformers class that represents it exactly`;
  }
}

/**
 * Process-wide view settings: the launcher keeps a finished study on screen until a key is pressed, while a
 * plain `hwnas search` gives the terminal back at once (its last frame stays).
 */
export const liveViewSettings = { holdWhenFinished: false };

export function subtitleOf(study: StudyRecord): string {
  return `${study.space}${study.device ? ` on ${study.device}` : ''} · ${study.strategy}`;
}

export async function attachLiveView(opts: {
  study: StudyRecord;
  resolved: ResolvedStudy;
  dbPath: string;
  abort: () => void;
  /** The study's open store: on a server, the view reads its workers from it. */
  store?: Store;
  /** On a server: this process evaluates nothing. */
  workersOnly?: boolean;
  render?: RenderLiveView;
}): Promise<LiveSession> {
  const { study, resolved } = opts;
  const llm = study.space.startsWith('llm');
  const control = new StudyControl({ study: study.name, abort: opts.abort, exportNow: () => exportFrontierNow(opts.dbPath, study.name, llm) });
  const queue = opts.store?.queue;
  let server: ServerView | undefined = queue ? { location: opts.store!.location, host: hostname(), pid: process.pid, workersOnly: opts.workersOnly ?? false } : undefined;
  if (server) control.setServer(server);
  // The loss as the study prices it: its training tokens, and what precision costs each frontier candidate.
  const pricing = lossPricingPart(resolved.evaluator);
  const precisionCost = precisionCostOf(resolved.evaluator, resolved.space);
  const tree = (
    <LiveApp
      control={control}
      subtitle={subtitleOf(study)}
      objectives={resolved.objectives}
      describe={(g) => resolved.space.describe(g)}
      {...(pricing ? { lossTokens: pricing.trainingTokens } : {})}
      {...(precisionCost ? { precisionCost } : {})}
      {...(liveViewSettings.holdWhenFinished ? { finishedKeys: 'e export · q/enter back to the launcher' } : {})}
    />
  );
  const instance = opts.render ? opts.render(tree) : render(tree, { exitOnCtrlC: false });
  // A server study: who works on it, read every few seconds (one look at a time: a server that went away is waited for).
  let look: NodeJS.Timeout | undefined;
  let reading: Promise<void> | undefined;
  const read = (): Promise<void> =>
    (reading ??= (async () => {
      try {
        const activity = await queue!.studyActivity(study.id);
        server = { location: server!.location, host: server!.host, pid: server!.pid, workersOnly: server!.workersOnly, activity };
      } catch (error) {
        server = { ...server!, error: (error as Error).message };
      } finally {
        reading = undefined;
      }
      if (look) control.setServer(server);
    })());
  if (queue && server) {
    look = setInterval(() => void read(), SERVER_LOOK_MS);
    look.unref();
    void read();
  }
  const stopLooking = () => {
    clearInterval(look);
    look = undefined;
  };
  return {
    onEvent: control.onEvent,
    wrap: (e) => control.wrap(e),
    hold: (signal) => control.waitWhilePaused(signal),
    stop: () => control.stop(),
    async close() {
      // The workers as the study ends (a look that takes over a second is not waited for), then one more turn so
      // the final state is drawn, then unmount: the last frame stays on the screen.
      if (look) await Promise.race([read(), new Promise((r) => setTimeout(r, 1000).unref())]);
      await new Promise((r) => setTimeout(r, 50));
      if (liveViewSettings.holdWhenFinished && !control.isStopping()) {
        // The launcher keeps a finished study on the screen, with its workers as they go on, until a key.
        await instance.waitUntilExit().catch(() => {});
        stopLooking();
        return;
      }
      stopLooking();
      instance.unmount();
      await instance.waitUntilExit().catch(() => {});
    },
  };
}
