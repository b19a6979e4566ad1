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

const WORKLOADS = [
  { label: 'chat', batch: 1, prompt: 1024, generate: 16, hint: 'batch 1, 1024-token prompt, 16 generated (the co-design paper’s workload)' },
  { label: 'long-answer', batch: 1, prompt: 256, generate: 256, hint: 'batch 1, 256-token prompt, 256 generated (decode-bound)' },
  { label: 'rag', batch: 1, prompt: 4096, generate: 64, hint: 'batch 1, 4096-token prompt, 64 generated (prefill-bound)' },
  { label: 'serving', batch: 8, prompt: 512, generate: 128, hint: 'batch 8, 512-token prompt, 128 generated' },
];

/** The new-search form: every choice is a value of the matching `hwnas search` flag. */
export function searchFields(): FormField[] {
  const spaces = Object.keys(SPACES);
  const devices = deviceIds();
  const strategies = Object.keys(STRATEGIES);
  const objectives = ['loss,latency', 'loss,decodeMsPerToken', 'loss,ttft', 'loss,latency,memory', 'loss,energy', 'latency,params', 'max:cifar10Accuracy,latency'];
  // A study file in the working directory (its evaluators: bring your own metrics) replaces the form's choices.
  const configs = ['none', ...readdirSync('.').filter((f) => /\.ya?ml$/.test(f)).sort()];
  const constraints = ['none', 'memory<=8GB', 'memory<=16GB', 'decodeMsPerToken<=20', 'ttft<=200'];
  const budgets = ['500', '1000', '2000', '5000', '20000', '100000'];
  const at = (list: readonly string[], v: string) => Math.max(0, list.indexOf(v));
  return [
    { key: 'config', label: 'study file', choices: configs, hints: configs.map((c) => (c === 'none' ? 'the choices below' : 'its fields (and its own evaluators) replace the choices below')), initial: 0 },
    { key: 'space', label: 'space', choices: spaces, hints: spaces.map((s) => SPACES[s].description), initial: at(spaces, 'llm-codesign') },
    { key: 'device', label: 'device', choices: devices, initial: at(devices, 'jetson-agx-orin') },
    { key: 'workload', label: 'workload', choices: WORKLOADS.map((w) => w.label), hints: WORKLOADS.map((w) => w.hint), initial: 0 },
    { key: 'objectives', label: 'objectives', choices: objectives, hints: objectives.map((o) => (o.startsWith('latency') ? 'for CNN spaces (no loss law)' : o.includes('Accuracy') ? "nb201: NAS-Bench-201's trained accuracy" : 'minimise both')), initial: 0 },
    { key: 'constraint', label: 'constraint', choices: constraints, initial: 0 },
    { key: 'strategy', label: 'strategy', choices: strategies, initial: at(strategies, 'nsga2') },
    { key: 'evaluations', label: 'budget', choices: budgets, hints: budgets.map(() => 'evaluations'), initial: at(budgets, '2000') },
    { key: 'seed', label: 'seed', choices: ['0', '1', '2', '3', '4'], initial: 0 },
    { key: 'threads', label: 'threads', choices: ['0', '1', '2'], hints: ['analytic pricing in-process, in short batches between redraws', 'one worker thread', 'two worker threads'], initial: 0 },
  ];
}

/** `hwnas search` arguments for the form's values, with a study name not yet taken in the database. */
export function searchArgv(values: Readonly<Record<string, string>>, dbPath: string, taken: ReadonlySet<string>): string[] {
  const w = WORKLOADS.find((x) => x.label === values.workload) ?? WORKLOADS[0];
  const config = values.config && values.config !== 'none' ? values.config : undefined;
  const base = config ? config.replace(/\.ya?ml$/, '') : `${values.space}-${values.device}-${values.strategy}-s${values.seed}`;
  let name = base;
  for (let k = 2; taken.has(name); k++) name = `${base}-${k}`;
  if (config) return ['-c', config, '--name', name, '--db', dbPath];
  const argv = ['--space', values.space, '--device', values.device, '--objectives', values.objectives, '--strategy', values.strategy, '--evaluations', values.evaluations, '--seed', values.seed, '--threads', values.threads];
  argv.push('--batch', String(w.batch), '--prompt', String(w.prompt), '--generate', String(w.generate));
  if (values.constraint && values.constraint !== 'none') argv.push('--constraint', values.constraint);
  argv.push('--name', name, '--db', dbPath);
  return argv;
}

/** A study as listed, with the status a listing shows (Store.liveStatus: 'interrupted' when no process runs it). */
type ListedStudy = StudyRecord & { readonly shownStatus: string };

function rowOf(s: ListedStudy): StudyRow {
  return {
    name: s.name,
    status: s.shownStatus + (s.summary.stopReason ? ` (${s.summary.stopReason})` : ''),
    evaluations: s.evaluations,
    failed: s.failed,
    frontierSize: s.summary.frontierSize ?? 0,
    best: s.summary.best ?? {},
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

async function showLauncher(props: { dbPath: string; studies: ListedStudy[]; message?: string; screen?: 'menu' | 'new' | 'studies' }): Promise<LauncherAction> {
  let chosen: LauncherAction = { kind: 'quit' };
  const instance = render(
    <Launcher
      fields={searchFields()}
      studies={props.studies.map(rowOf)}
      dbPath={props.dbPath}
      {...(props.message ? { message: props.message } : {})}
      {...(props.screen ? { initialScreen: props.screen } : {})}
      onAction={(a) => (chosen = a)}
    />,
  );
  await instance.waitUntilExit();
  return chosen;
}

/** Runs the launcher until Quit; returns the exit code. */
export async function runLauncher(dbPath = DEFAULT_DB): Promise<number> {
  liveViewSettings.holdWhenFinished = true;
  let message: string | undefined;
  let screen: 'menu' | 'new' | 'studies' | undefined;
  for (;;) {
    let studies: ListedStudy[] = [];
    try {
      studies = await listStudies(dbPath);
    } catch (error) {
      message = (error as Error).message;
    }
    const action = await showLauncher({ dbPath, studies, ...(message ? { message } : {}), ...(screen ? { screen } : {}) });
    message = undefined;
    screen = undefined;
    try {
      if (action.kind === 'quit') return 0;
      if (action.kind === 'search') {
        const argv = searchArgv(action.values, dbPath, new Set(studies.map((s) => s.name)));
        const name = argv[argv.indexOf('--name') + 1];
        await (await import('../commands/search.js')).command.run(argv);
        message = await outcomeLine(dbPath, name);
      } else if (action.kind === 'resume') {
        const s = studies.find((x) => x.name === action.study)!;
        const argv = [action.study, '--db', dbPath];
        // A study that spent its evaluation budget continues with 1000 more.
        if (s.status === 'finished' && s.summary.stopReason === 'evaluations') argv.push('--evaluations', String(s.evaluations + 1000));
        await (await import('../commands/resume.js')).command.run(argv);
        message = await outcomeLine(dbPath, action.study);
      } else if (action.kind === 'export') {
        const s = studies.find((x) => x.name === action.study)!;
        message = await exportFrontierNow(dbPath, action.study, s.space.startsWith('llm'));
        screen = 'studies';
      } else if (action.kind === 'report') {
        const out = `${action.study}-report.html`;
        await (await import('../commands/report.js')).command.run([action.study, '--db', dbPath, '--out', out]);
        message = `wrote ${out}`;
        screen = 'studies';
      }
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      message = error.message;
      if (action.kind === 'search') screen = 'new';
    }
  }
}

async function outcomeLine(dbPath: string, name: string): Promise<string> {
  const s = (await listStudies(dbPath)).find((x) => x.name === name);
  if (!s) return `study ${name}`;
  const best = Object.entries(s.summary.best ?? {})
    .map(([k, v]) => `${k}=${Number(v.toPrecision(4))}`)
    .join(' ');
  return `study ${name}: ${s.status}${s.summary.stopReason ? ` (${s.summary.stopReason})` : ''}, ${s.evaluations} evaluated, frontier of ${s.summary.frontierSize ?? 0}${best ? `, best ${best}` : ''}`;
}
