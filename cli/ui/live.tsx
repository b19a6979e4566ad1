/**
 * Hooks the live view into a study run by `hwnas search` / `hwnas resume` (and the launcher): renders it with
 * ink, hands back the event feed and the pause-gated evaluator, and tears it down when the study returns.
 */
import { render } from 'ink';
import React from 'react';
import type { Evaluator } from '../../search/evaluate/evaluator.js';
import type { StudyRecord } from '../../search/store/index.js';
import type { StudyEvent } from '../../search/study.js';
import { fileSafe, type ResolvedStudy } from '../../search/study-config.js';
import { StudyControl } from './control.js';
import { LiveApp } from './LiveApp.js';

export interface LiveSession {
  readonly onEvent: (event: StudyEvent) => void;
  wrap(evaluator: Evaluator): Evaluator;
  /** Call when the study returned: draws the last frame and gives the terminal back. */
  close(): Promise<void>;
}

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

export async function attachLiveView(opts: { study: StudyRecord; resolved: ResolvedStudy; dbPath: string; abort: () => void }): Promise<LiveSession> {
  const { study, resolved } = opts;
  const llm = study.space.startsWith('llm');
  const control = new StudyControl({ study: study.name, abort: opts.abort, exportNow: () => exportFrontierNow(opts.dbPath, study.name, llm) });
  const instance = render(
    <LiveApp
      control={control}
      subtitle={subtitleOf(study)}
      objectives={resolved.objectives}
      describe={(g) => resolved.space.describe(g)}
      {...((resolved.evaluator as { trainingTokens?: number }).trainingTokens ? { lossTokens: (resolved.evaluator as { trainingTokens: number }).trainingTokens } : {})}
      {...(liveViewSettings.holdWhenFinished ? { finishedKeys: 'e export · q/enter back to the launcher' } : {})}
    />,
    { exitOnCtrlC: false },
  );
  return {
    onEvent: control.onEvent,
    wrap: (e) => control.wrap(e),
    async close() {
      // One more turn so the final state is drawn, then unmount: the last frame stays on the screen.
      await new Promise((r) => setTimeout(r, 50));
      if (liveViewSettings.holdWhenFinished && !control.isStopping()) {
        await instance.waitUntilExit().catch(() => {});
        return;
      }
      instance.unmount();
      await instance.waitUntilExit().catch(() => {});
    },
  };
}
