/**
 * The body of a coordinator's heartbeat thread (started by heartbeat.ts): writes its study's row of
 * hwnas_coordinator_beats every `intervalMs` on a connection of its own, whatever the main thread is doing (no
 * transaction of the coordinator locks that row), until the row no longer names this coordinator (released, or taken
 * over by another process: then it stops for good). A server that is away
 * only skips beats: the next one connects again. It never prints anything (its connection string holds the
 * password).
 */
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';

export interface HeartbeatData {
  /** The store's connection settings as plain data (application_name included: a hung coordinator's every session is ended). */
  readonly connection: pg.ClientConfig;
  readonly studyId: number;
  /** The coordinator's token (hwnas_studies.coordinator, hwnas_coordinator_beats.token). */
  readonly token: string;
  readonly intervalMs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function beatUntilLost(data: HeartbeatData): Promise<void> {
  let client: pg.Client | undefined;
  const drop = () => {
    const c = client;
    client = undefined;
    void c?.end().catch(() => {});
  };
  for (;;) {
    try {
      if (!client) {
        // A beat that hangs (a dead link) would be a silent coordinator: each one has a limit, then reconnects.
        client = new pg.Client({ ...data.connection, query_timeout: 10 * data.intervalMs });
        client.on('error', () => {});
        await client.connect();
      }
      const beat = await client.query('UPDATE hwnas_coordinator_beats SET seen_at = now() WHERE study_id = $1 AND token = $2', [data.studyId, data.token]);
      if (beat.rowCount === 0) break;
    } catch {
      drop();
    }
    await sleep(data.intervalMs);
  }
  drop();
}

// Only ever a thread's entry (heartbeat.ts imports its types alone): it says it runs, then beats.
parentPort!.postMessage('up');
void beatUntilLost(workerData as HeartbeatData);
