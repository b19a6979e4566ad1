/**
 * The handle a view holds on a running study: progress state from the study's events, pause (a gate in front
 * of the evaluator, so the candidates in flight finish and nothing new starts; on a server, a gate before each
 * generation's ask and each lease of this process's worker: see waitWhilePaused), stop (the study's abort signal:
 * it checkpoints and returns) and export. The study itself runs where it always does; evaluation happens in the
 * pool's worker threads or in short in-process batches between which the loop yields, so the UI stays live.
 */
import type { Evaluator } from '../../search/evaluate/evaluator.js';
import type { StudyActivity } from '../../search/store/index.js';
import type { StudyEvent } from '../../search/study.js';
import { initialProgress, reduceProgress, type ProgressState } from './progress.js';

export interface StudyControlOptions {
  readonly study: string;
  /** Aborts the study (it finishes the evaluator call in flight and checkpoints). */
  readonly abort: () => void;
  /** Exports the current frontier; resolves to a one-line message for the view. */
  readonly exportNow?: () => Promise<string>;
  readonly now?: () => number;
  /** Least time between two redraws caused by progress events (default 250 ms; 0 redraws on every event). */
  readonly minNotifyMs?: number;
}

/** What a study on a server adds to the view: where it is, who works on it. */
export interface ServerView {
  /** The server as it may be shown (no password). */
  readonly location: string;
  /** This process (host and pid): its own worker is told apart from the others. */
  readonly host: string;
  readonly pid: number;
  /** This process evaluates nothing (--workers-only). */
  readonly workersOnly: boolean;
  /** The last look at the server's workers and tasks, if one answered yet. */
  readonly activity?: StudyActivity;
  /** Why the last look failed (the server went away), if it did. */
  readonly error?: string;
}

export interface ViewSnapshot {
  readonly progress: ProgressState;
  readonly paused: boolean;
  readonly stopping: boolean;
  readonly server?: ServerView;
}

export class StudyControl {
  private state: ProgressState;
  private published: ViewSnapshot;
  private readonly listeners = new Set<() => void>();
  private paused = false;
  private stopping = false;
  private gate: { promise: Promise<void>; open: () => void } | null = null;
  private readonly now: () => number;
  private readonly minNotifyMs: number;
  private lastNotifyAt = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private server: ServerView | undefined;

  constructor(private readonly options: StudyControlOptions) {
    this.state = initialProgress(options.study);
    this.published = { progress: this.state, paused: false, stopping: false };
    this.now = options.now ?? Date.now;
    this.minNotifyMs = options.minNotifyMs ?? 250;
  }

  /** Feed for runStudy's onEvent. */
  readonly onEvent = (event: StudyEvent): void => {
    this.state = reduceProgress(this.state, event, this.now());
    // Events come many times a second in a fast study; the view redraws at most every minNotifyMs (the last
    // state always arrives), so that drawing costs the study little.
    if (event.type === 'finished' || event.type === 'started') this.notify();
    else this.notifySoon();
  };

  private notifySoon(): void {
    if (this.timer) return;
    const wait = this.lastNotifyAt + this.minNotifyMs - this.now();
    if (wait <= 0) this.notify();
    else this.timer = setTimeout(() => this.notify(), wait);
  }

  getState(): ProgressState {
    return this.state;
  }

  /** What a view draws, as of the last notification (the same object between notifications). */
  snapshot(): ViewSnapshot {
    return this.published;
  }

  isPaused(): boolean {
    return this.paused;
  }

  isStopping(): boolean {
    return this.stopping;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.lastNotifyAt = this.now();
    this.published = { progress: this.state, paused: this.paused, stopping: this.stopping, ...(this.server ? { server: this.server } : {}) };
    for (const l of this.listeners) l();
  }

  /** A server study's workers and tasks, as last read (redrawn at once: it comes every few seconds). */
  setServer(server: ServerView): void {
    this.server = server;
    this.notify();
  }

  /**
   * Resolves once the study is not paused, or the signal aborts (a server study awaits it before each generation is
   * asked and before each lease of this process's worker).
   */
  async waitWhilePaused(signal?: AbortSignal): Promise<void> {
    while (this.gate && !signal?.aborted) {
      const gate = this.gate.promise;
      if (!signal) {
        await gate;
        continue;
      }
      let onAbort!: () => void;
      const aborted = new Promise<void>((r) => (onAbort = r));
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        await Promise.race([gate, aborted]);
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    }
  }

  /** The evaluator behind the pause gate. */
  wrap(evaluator: Evaluator): Evaluator {
    return {
      id: evaluator.id,
      evaluate: async (archs, genes, options) => {
        while (this.gate) await this.gate.promise;
        return evaluator.evaluate(archs, genes, options);
      },
      ...(evaluator.close ? { close: () => evaluator.close!() } : {}),
    };
  }

  pause(): void {
    if (this.paused || this.stopping || this.state.finished) return;
    this.paused = true;
    let open!: () => void;
    const promise = new Promise<void>((r) => (open = r));
    this.gate = { promise, open };
    this.notify();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const g = this.gate;
    this.gate = null;
    g?.open();
    this.notify();
  }

  togglePause(): void {
    if (this.paused) this.resume();
    else this.pause();
  }

  /** Stop with a checkpoint; a paused study is released so that it can see the signal. */
  stop(): void {
    if (this.stopping || this.state.finished) return;
    this.stopping = true;
    this.options.abort();
    this.resume();
    this.notify();
  }

  async exportNow(): Promise<string> {
    if (!this.options.exportNow) return 'export is not available here';
    try {
      return await this.options.exportNow();
    } catch (error) {
      return `export failed: ${(error as Error).message}`;
    }
  }
}
