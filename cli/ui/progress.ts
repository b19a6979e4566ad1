/**
 * The state a study's progress view shows, folded from the study's plain-data events. Pure (the clock is passed
 * in), so the live terminal view, the plain line printer and the tests share one reading of the events.
 */
import type { Budget, FrontierPoint, StopReason, StudyEvent } from '../../search/study.js';

export interface HypervolumeSample {
  readonly evaluations: number;
  readonly hypervolume: number;
}

export interface ProgressState {
  readonly study: string;
  readonly resumed: boolean;
  readonly budget: Budget;
  readonly generation: number;
  /** Distinct candidates evaluated over the whole study (done or failed). */
  readonly evaluations: number;
  readonly failed: number;
  readonly lastError?: string;
  /** Evaluations and wall clock when this session started. */
  readonly sessionStart: { readonly evaluations: number; readonly atMs: number } | null;
  /** Recent (wall clock, evaluations) samples: the rate is taken over the last RATE_WINDOW_MS, so a pause ages out. */
  readonly rateSamples: readonly { readonly atMs: number; readonly evaluations: number }[];
  /** Study time over all sessions, from the last event that carried it. */
  readonly elapsedMs: number;
  readonly lastEventAtMs: number;
  /** Candidates per second over the last RATE_WINDOW_MS. */
  readonly candidatesPerS: number;
  readonly hypervolume: number;
  readonly hypervolumeHistory: readonly HypervolumeSample[];
  readonly frontier: readonly FrontierPoint[];
  /** Sequence numbers of the frontier points added by the latest frontier change. */
  readonly newest: ReadonlySet<number>;
  readonly finished?: { readonly reason: StopReason; readonly status: 'finished' | 'stopped' };
}

export function initialProgress(study = ''): ProgressState {
  return {
    study,
    resumed: false,
    budget: {},
    generation: 0,
    evaluations: 0,
    failed: 0,
    sessionStart: null,
    rateSamples: [],
    elapsedMs: 0,
    lastEventAtMs: 0,
    candidatesPerS: 0,
    hypervolume: 0,
    hypervolumeHistory: [],
    frontier: [],
    newest: new Set(),
  };
}

const HISTORY_LIMIT = 2000;

export const RATE_WINDOW_MS = 15_000;

/** New samples and the rate over the window: evaluations gained since the oldest sample kept, per second. */
function withRate(s: ProgressState, evaluations: number, nowMs: number): Pick<ProgressState, 'rateSamples' | 'candidatesPerS'> {
  const samples = [...s.rateSamples, { atMs: nowMs, evaluations }];
  // Drop samples older than the window, but keep two (slow evaluators report less often than the window).
  let first = 0;
  while (first < samples.length - 2 && nowMs - samples[first].atMs >= RATE_WINDOW_MS) first++;
  const kept = samples.slice(first);
  const base = kept[0];
  const dt = nowMs - base.atMs;
  const n = evaluations - base.evaluations;
  return { rateSamples: kept, candidatesPerS: dt > 0 && n > 0 ? (n * 1000) / dt : s.candidatesPerS };
}

/** Folds one event into the state; `nowMs` is the wall clock when it arrived. */
export function reduceProgress(s: ProgressState, e: StudyEvent, nowMs: number): ProgressState {
  const base = { ...s, lastEventAtMs: nowMs };
  switch (e.type) {
    case 'started':
      return {
        ...base,
        study: e.study,
        resumed: e.resumed,
        budget: e.budget,
        generation: e.generation,
        evaluations: e.evaluations,
        ...(e.failed !== undefined ? { failed: e.failed } : {}),
        ...(e.frontier !== undefined ? { frontier: e.frontier, newest: new Set<number>() } : {}),
        ...(e.hypervolume !== undefined ? { hypervolume: e.hypervolume } : {}),
        sessionStart: { evaluations: e.evaluations, atMs: nowMs },
        rateSamples: [{ atMs: nowMs, evaluations: e.evaluations }],
        candidatesPerS: 0,
        finished: undefined,
      };
    case 'batch-evaluated': {
      const evaluations = Math.max(s.evaluations, e.totalEvaluations);
      return { ...base, generation: e.generation, evaluations, elapsedMs: e.elapsedMs, ...withRate(s, evaluations, nowMs) };
    }
    case 'generation': {
      const evaluations = Math.max(s.evaluations, e.evaluations);
      return { ...base, generation: e.generation + 1, evaluations, failed: e.failed, ...withRate(s, evaluations, nowMs) };
    }
    case 'hypervolume': {
      const sample = { evaluations: s.evaluations, hypervolume: e.hypervolume };
      const history = [...s.hypervolumeHistory, sample];
      // Long studies: keep every other sample of the older half rather than grow without bound.
      const trimmed = history.length > HISTORY_LIMIT ? [...history.slice(0, HISTORY_LIMIT / 2).filter((_, i) => i % 2 === 0), ...history.slice(HISTORY_LIMIT / 2)] : history;
      return { ...base, hypervolume: e.hypervolume, hypervolumeHistory: trimmed };
    }
    case 'frontier-changed': {
      const before = new Set(s.frontier.map((p) => p.seq));
      return { ...base, frontier: e.frontier, newest: new Set(e.frontier.filter((p) => !before.has(p.seq)).map((p) => p.seq)) };
    }
    case 'failed-candidate':
      return { ...base, lastError: `candidate ${e.seq}: ${e.error}` };
    case 'finished':
      return {
        ...base,
        generation: e.generation,
        evaluations: e.evaluations,
        failed: e.failed,
        hypervolume: e.hypervolume,
        elapsedMs: e.elapsedMs,
        finished: { reason: e.reason, status: e.status },
      };
  }
}

/** Share of the budget spent, 0..1, from evaluations or wall time (whichever is further along); null without a budget. */
export function budgetFraction(s: ProgressState): number | null {
  const parts: number[] = [];
  if (s.budget.evaluations) parts.push(s.evaluations / s.budget.evaluations);
  if (s.budget.wallTimeMs) parts.push(s.elapsedMs / s.budget.wallTimeMs);
  if (parts.length === 0) return null;
  return Math.min(1, Math.max(0, ...parts));
}

/** Time left until a budget is spent at the current rate; null when unknown. */
export function etaMs(s: ProgressState): number | null {
  if (s.finished) return 0;
  const etas: number[] = [];
  if (s.budget.evaluations && s.candidatesPerS > 0) etas.push(((s.budget.evaluations - s.evaluations) / s.candidatesPerS) * 1000);
  if (s.budget.wallTimeMs) etas.push(s.budget.wallTimeMs - s.elapsedMs);
  if (etas.length === 0) return null;
  return Math.max(0, Math.min(...etas));
}

export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '--';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A number with ~4 significant digits, exponent form for very large or small magnitudes. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-3)) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}
