import type { Worker } from 'node:worker_threads';
import { startThread } from '../../thread-entry.js';
import type { HeartbeatData } from './heartbeat-thread.js';

/**
 * A study coordinator's heartbeat, in a worker thread: it beats while the main thread is busy (a synchronous
 * evaluator, a long strategy step), so only a process that is stopped (SIGSTOP stops every thread, as a hung
 * machine does) or gone falls silent and is taken over. The flip side: a main thread blocked for ever is never
 * taken over. The beat has a row of its own (hwnas_coordinator_beats), which no transaction of the coordinator
 * locks, so a main thread blocked inside one of its write transactions does not hold it back. The thread never
 * keeps the process alive.
 */
export class CoordinatorHeartbeat {
  private constructor(private readonly thread: Worker) {}

  /** Starts the thread and waits until it runs; throws when it cannot start (a module that does not load). */
  static async start(data: HeartbeatData): Promise<CoordinatorHeartbeat> {
    const thread = startThread(import.meta.url, 'heartbeat-thread', { workerData: data });
    // Held (ref'd) only until it runs: a process waiting on nothing else must not exit under the wait.
    await new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => {
        thread.off('message', up);
        thread.off('exit', exited);
        reject(error);
      };
      const up = () => {
        thread.off('message', up);
        thread.off('error', fail);
        thread.off('exit', exited);
        resolve();
      };
      const exited = (code: number) => fail(new Error(`the coordinator heartbeat thread exited with code ${code} before it started`));
      thread.on('message', up);
      thread.once('error', fail);
      thread.once('exit', exited);
    });
    // An error in the thread later must not end the process: the coordinator then falls silent and is taken over.
    thread.on('error', () => {});
    thread.unref();
    return new CoordinatorHeartbeat(thread);
  }

  async stop(): Promise<void> {
    await this.thread.terminate();
  }
}
