/**
 * The launcher loop behind `hwnas` on a terminal: show the launcher, run what was chosen through the ordinary
 * commands (search and resume draw the live view), come back with a one-line outcome, until Quit.
 */
import { readdirSync } from 'node:fs';
import { render } from 'ink';
import React from 'react';
import { SPACES } from '../../core/spaces/index.js';
import { deviceIds } from '../../hardware/devices.js';
import { DEFAULT_DB, type StudyRecord } from '../../search/store/index.js';
import { STRATEGIES } from '../../search/strategies/index.js';
import { UsageError } from '../errors.js';
import { Launcher, type FormField, type LauncherAction, type StudyRow } from './Launcher.js';
import { exportFrontierNow, liveViewSettings } from './live.js';
import { studyBestText } from '../commands/studies.js';

const WORKLOADS = [
  { label: 'chat', batch: 1, prompt: 1024, generate: 16, hint: 'batch 1, 1024-token prompt, 16 generated (the co-design paper’s workload)' },
  { label: 'long-answer', batch: 1, prompt: 256, generate: 256, hint: 'batch 1, 256-token prompt, 256 generated (decode-bound)' },
  { label: 'rag', batch: 1, prompt: 4096, generate: 64, hint: 'batch 1, 4096-token prompt, 64 generated (prefill-bound)' },
  { label: 'serving', batch: 8, prompt: 512, generate: 128, hint: 'batch 8, 512-token prompt, 128 generated' },
];

/**
 * The new-search form: every value is one of the matching `hwnas search` flag (presets to cycle through; the
 * budget, constraint, device and seed also take a typed value: any number, constraint or device file).
 */
export function searchFields(): FormField[] {
  const spaces = Object.keys(SPACES);
  const devices = deviceIds();
  const strategies = Object.keys(STRATEGIES);
  const objectives = ['loss,latency', 'loss,decodeMsPerToken', 'loss,ttft', 'loss,latency,memory', 'loss,energy', 'latency,params', 'max:cifar10Accuracy,latency'];
  // A study file in the working directory (its evaluators: bring your own metrics) replaces the form's choices.
  const configs = ['none', ...readdirSync('.').filter((f) => /\.ya?ml$/.test(f)).sort()];
  const constraints = ['none', 'memory<=8GiB', 'memory<=16GiB', 'decodeMsPerToken<=20', 'ttft<=200'];
  const budgets = ['500', '1000', '2000', '5000', '20000', '100000'];
  const at = (list: readonly string[], v: string) => Math.max(0, list.indexOf(v));
  return [
    { key: 'config', label: 'study file', choices: configs, hints: configs.map((c) => (c === 'none' ? 'the choices below' : 'its fields (and its own evaluators) replace the choices below')), initial: 0 },
    { key: 'space', label: 'space', choices: spaces, hints: spaces.map((s) => SPACES[s].description), initial: at(spaces, 'llm-codesign') },
    { key: 'device', label: 'device', choices: devices, initial: at(devices, 'jetson-agx-orin'), editable: true, placeholder: 'a device profile file, e.g. device.json' },
    { key: 'workload', label: 'workload', choices: WORKLOADS.map((w) => w.label), hints: WORKLOADS.map((w) => w.hint), initial: 0 },
    { key: 'objectives', label: 'objectives', choices: objectives, hints: objectives.map((o) => (o.startsWith('latency') ? 'for CNN spaces (no loss law)' : o.includes('Accuracy') ? "nb201: NAS-Bench-201's trained accuracy" : 'minimise both')), initial: 0 },
    { key: 'constraint', label: 'constraint', choices: constraints, initial: 0, editable: true, placeholder: 'e.g. decodeMsPerToken<=15 or memory<=6GiB' },
    { key: 'strategy', label: 'strategy', choices: strategies, initial: at(strategies, 'nsga2') },
    { key: 'evaluations', label: 'budget', choices: budgets, hints: budgets.map(() => 'evaluations'), initial: at(budgets, '2000'), editable: true, placeholder: 'evaluations' },
    { key: 'seed', label: 'seed', choices: ['0', '1', '2', '3', '4'], initial: 0, editable: true, placeholder: 'an integer' },
    { key: 'threads', label: 'threads', choices: ['0', '1', '2'], hints: ['analytic pricing in-process, in short batches between redraws', 'one worker thread', 'two worker threads'], initial: 0 },
  ];
}

/**
 * `hwnas search` arguments for the form's values. No --name: the search names the study after its configuration,
 * so starting the same search again continues (or reports) its study instead of making another.
 */
export function searchArgv(values: Readonly<Record<string, string>>, dbPath: string): string[] {
  const w = WORKLOADS.find((x) => x.label === values.workload) ?? WORKLOADS[0];
  const config = values.config && values.config !== 'none' ? values.config : undefined;
  if (config) return ['-c', config, '--db', dbPath];
  const argv = ['--space', values.space, '--device', values.device, '--objectives', values.objectives, '--strategy', values.strategy, '--evaluations', values.evaluations, '--seed', values.seed, '--threads', values.threads];
  argv.push('--batch', String(w.batch), '--prompt', String(w.prompt), '--generate', String(w.generate));
  if (values.constraint && values.constraint !== 'none') argv.push('--constraint', values.constraint);
  argv.push('--db', dbPath);
  return argv;
}

/** A study as listed, with the status a listing shows (Store.liveStatus: 'interrupted' when no process runs it). */
type ListedStudy = StudyRecord & { readonly shownStatus: string };

/** Why the form's values cannot be searched (the line hwnas search would refuse them with), or null. */
export async function searchProblemChecker(): Promise<(values: Readonly<Record<string, string>>) => string | null> {
  const { prepareSearch, analyticMetricsProblem } = await import('../commands/search.js');
  return (values) => {
    try {
      return analyticMetricsProblem(prepareSearch(searchArgv(values, 'unused.db')).resolved);
    } catch (error) {
      if (error instanceof UsageError) return error.message;
      throw error;
    }
  };
}

function rowOf(s: ListedStudy): StudyRow {
  return {
    name: s.name,
    status: s.shownStatus + (s.summary.stopReason ? ` (${s.summary.stopReason})` : ''),
    evaluations: s.evaluations,
    failed: s.failed,
    frontierSize: s.summary.frontierSize ?? 0,
    best: studyBestText(s),
    space: s.space,
    device: s.device,
    strategy: s.strategy,
    updatedAt: s.updatedAt,
  };
}

async function listStudies(dbPath: string): Promise<ListedStudy[]> {
  const { existsSync } = await import('node:fs');
  const { isPostgresUrl } = await import('../../search/store/index.js');
  if (!isPostgresUrl(dbPath) && !existsSync(dbPath)) return [];
  const { openStore } = await import('../open-store.js');
  const store = await openStore(dbPath, { readonly: true }).catch((error: unknown) => {
    // A server with no hwnas schema yet holds no study: the launcher's first search creates it.
    if (/empty database/.test((error as Error).message)) return undefined;
    throw error;
  });
  if (!store) return [];
  try {
    return await Promise.all((await store.listStudies()).map(async (s) => ({ ...s, shownStatus: await store.liveStatus(s) })));
  } finally {
    await store.close();
  }
}

interface LauncherState {
  message?: string;
  screen?: 'menu' | 'new' | 'studies';
  /** The study the last action was on: it stays selected. */
  study?: string;
  /** The form as last entered: a refused search comes back with it. */
  values?: Readonly<Record<string, string>>;
}

async function showLauncher(dbPath: string, studies: ListedStudy[], state: LauncherState, validate: (v: Readonly<Record<string, string>>) => string | null): Promise<LauncherAction> {
  let chosen: LauncherAction = { kind: 'quit' };
  const instance = render(
    <Launcher
      fields={searchFields()}
      studies={studies.map(rowOf)}
      dbPath={dbPath}
      validate={validate}
      {...(state.message ? { message: state.message } : {})}
      {...(state.screen ? { initialScreen: state.screen } : {})}
      {...(state.study ? { initialStudy: state.study } : {})}
      {...(state.values ? { initialValues: state.values } : {})}
      onAction={(a) => (chosen = a)}
    />,
  );
  await instance.waitUntilExit();
  return chosen;
}

/** Runs the launcher on the database `dbPath` until Quit; returns the exit code. */
export async function runLauncher(dbPath = DEFAULT_DB): Promise<number> {
  liveViewSettings.holdWhenFinished = true;
  const validate = await searchProblemChecker();
  let state: LauncherState = {};
  // The studies as a search or resume just left them, listed once for its message and the next screen.
  let listed: ListedStudy[] | undefined;
  for (;;) {
    let studies: ListedStudy[] = [];
    try {
      studies = listed ?? (await listStudies(dbPath));
    } catch (error) {
      state.message = (error as Error).message;
    }
    listed = undefined;
    const action = await showLauncher(dbPath, studies, state, validate);
    // What stays from one screen to the next: the form's values and the selected study.
    state = { ...(state.values ? { values: state.values } : {}), ...(state.study ? { study: state.study } : {}) };
    try {
      if (action.kind === 'quit') return 0;
      if (action.kind === 'search') {
        state.values = action.values;
        const before = new Set(studies.map((s) => s.name));
        await (await import('../commands/search.js')).command.run(searchArgv(action.values, dbPath));
        // The study is the new one, or the existing one of this configuration that was continued.
        listed = await listStudies(dbPath);
        const study = listed.find((s) => !before.has(s.name)) ?? [...listed].sort((a, b) => b.updatedAt - a.updatedAt)[0];
        if (study) {
          state.study = study.name;
          state.message = outcomeLine(study);
        }
      } else if (action.kind === 'resume') {
        state.study = action.study;
        const s = studies.find((x) => x.name === action.study)!;
        const argv = [action.study, '--db', dbPath];
        // A study that spent its evaluation budget continues with 1000 more.
        if (s.status === 'finished' && s.summary.stopReason === 'evaluations') argv.push('--more', '1000');
        await (await import('../commands/resume.js')).command.run(argv);
        listed = await listStudies(dbPath);
        const after = listed.find((x) => x.name === action.study);
        state.message = after ? outcomeLine(after) : `study ${action.study}`;
        state.screen = 'studies';
      } else if (action.kind === 'export') {
        state.study = action.study;
        const s = studies.find((x) => x.name === action.study)!;
        state.message = await exportFrontierNow(dbPath, action.study, s.space.startsWith('llm'));
        state.screen = 'studies';
      } else if (action.kind === 'report') {
        state.study = action.study;
        const out = `${action.study}-report.html`;
        await (await import('../commands/report.js')).command.run([action.study, '--db', dbPath, '--out', out]);
        state.message = `wrote ${out}`;
        state.screen = 'studies';
      }
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      state.message = error.message;
      // A refused search returns to the form as it was entered; a refused action to the list.
      state.screen = action.kind === 'search' ? 'new' : 'studies';
    }
  }
}

/** What a search or resume left: the study's status, evaluations, frontier and best values. */
function outcomeLine(s: ListedStudy): string {
  return `study ${s.name}: ${s.status}${s.summary.stopReason ? ` (${s.summary.stopReason})` : ''}, ${s.evaluations} evaluated, frontier of ${s.summary.frontierSize ?? 0}; best at each objective: ${studyBestText(s)}`;
}
