import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import { StoreError, StudyExistsError } from '../errors.js';
import { FAULT_EXIT_CODE } from '../faults.js';
import { decodeJson, encodeJson, encodeNumbers } from '../json.js';
import type { LeaseFilter, LeasedTask, NewTask, PartResult, StudyActivity, TaskQueue, WorkerInfo } from '../queue.js';
import type { CoordinatorLock, Store } from '../store.js';
import type {
  CandidateRecord,
  CandidateStatus,
  Checkpoint,
  FinishedCandidate,
  NewStudy,
  StudyRecord,
  StudyStatus,
  StudySummary,
} from '../types.js';
import { describePgError, isTransient } from './errors.js';
import { CoordinatorHeartbeat } from './heartbeat.js';
import { ADVISORY_LOCK_CLASS, MIGRATION_LOCK_KEY, PG_APPLICATION, PG_MIGRATIONS, PG_SCHEMA_VERSION } from './schema.js';
import { checkPostgresUrl, redactUrl } from './url.js';
import { toStudy, type StudyRow } from '../study-row.js';
import { toCandidateRecord, type CandidateRowBase } from '../candidate-row.js';

export interface PgOpenOptions {
  /** Refuse to create the schema on an empty database (commands that only read or continue a study). */
  readonly mustExist?: boolean;
  /** Every transaction read-only (listings, exports, reports). */
  readonly readonly?: boolean;
  /** How long an operation waits for a server that went away before it gives up. Default 10 minutes. */
  readonly reconnectTimeoutMs?: number;
  /** Told once when the server goes away (and once when it is back), for a line on stderr. */
  readonly onWait?: (message: string) => void;
  /** Connections of the pool (short transactions); the coordinator's lock and the listener have their own. */
  readonly poolSize?: number;
}

/** int8 (counts, times in ms) as numbers: every value hwnas writes is far below 2^53. */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser,
};

/** Candidates read per round trip when a study is streamed. */
const PAGE_ROWS = 5000;

const CANDIDATE_COLUMNS = 'seq, hash, genes, generation, status, metrics, objectives, violation, error, eval_ms';

interface CandidateRow extends CandidateRowBase {
  metrics: string | null;
  objectives: string | null;
}

function toCandidate(r: CandidateRow): CandidateRecord {
  return toCandidateRecord(r, r.metrics !== null ? decodeJson<Record<string, number>>(r.metrics) : undefined, r.objectives !== null ? decodeJson<number[]>(r.objectives) : undefined);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The checkpoint's upsert inside a statement: $1 the study, $<time> the time, five parameters from $<first> the
 * checkpoint (NULL: none), and the summary after them, written by the statement's own update of the study row.
 */
function checkpointCte(first: number, time: number): string {
  const p = (i: number) => `$${first + i}`;
  return `cp AS (
    INSERT INTO hwnas_checkpoints (study_id, generation, strategy_state, loop_state, batch, genes, created_at)
    SELECT $1, ${p(0)}::int, ${p(1)}::text, ${p(2)}::text, ${p(3)}::text, ${p(4)}::text, $${time} WHERE ${p(0)}::int IS NOT NULL
    ON CONFLICT (study_id) DO UPDATE SET generation = excluded.generation, strategy_state = excluded.strategy_state,
      loop_state = excluded.loop_state, batch = excluded.batch, genes = excluded.genes, created_at = excluded.created_at
    RETURNING 1)`;
}

function checkpointParams(cp: { readonly checkpoint: Checkpoint; readonly summary: StudySummary } | undefined): unknown[] {
  if (!cp) return [null, null, null, null, null, null];
  const k = cp.checkpoint;
  return [k.generation, encodeJson(k.strategyState), encodeJson(k.loopState), JSON.stringify(k.batch), k.genes === undefined ? null : JSON.stringify(k.genes), encodeJson(cp.summary)];
}

/** Finished candidates as the ten parallel arrays that unnest() reads (seq, hash, genes, ..., eval_ms). */
function candidateColumns(rows: readonly FinishedCandidate[]): unknown[] {
  const col = <T>(f: (r: FinishedCandidate) => T) => rows.map(f);
  return [
    col((r) => r.seq),
    col((r) => r.hash),
    col((r) => JSON.stringify(r.genes)),
    col((r) => r.generation),
    col((r) => r.status),
    col((r) => (r.status === 'done' && r.metrics ? encodeNumbers(r.metrics) : null)),
    col((r) => (r.status === 'done' && r.objectives ? encodeNumbers(r.objectives) : null)),
    col((r) => (r.status === 'done' ? (r.violation ?? 0) : null)),
    col((r) => (r.status === 'failed' ? (r.error ?? 'failed') : null)),
    col((r) => r.evalMs ?? null),
  ];
}

/** Who holds a study, as shown to others: this machine and process. */
const SELF = `${hostname()} pid ${process.pid}`;

/**
 * A worker whose heartbeat is older than this is taken for gone (a worker beats every third of its lease: 10 s by
 * default). Heartbeats are stamped with the server's clock, so the machines' own clocks need not agree.
 */
const WORKER_ALIVE_MS = 45_000;

/** How often a coordinator says it is alive (hwnas_coordinator_beats), from a thread of its own (heartbeat.ts). */
const COORDINATOR_HEARTBEAT_MS = 1000;

/**
 * The application_name of a store's every connection (the pool's, the lock's, the listener's, the heartbeat's):
 * 'hwnas ' and a UUID, 42 bytes (the server keeps 63), no credentials. A worker ending a hung coordinator ends every
 * session of that name, so that none keeps a row lock (a coordinator stopped inside a transaction) for the minute
 * of idle_in_transaction_session_timeout. A URL's own application_name is dropped (withoutApplicationName): in
 * node-postgres the URL's settings win over the client's, and a name of another form is never matched (an older
 * hwnas's: only the lock's session is ended then).
 */
const SESSION_NAME_PATTERN = '^hwnas [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

/** `url` without an application_name parameter (postgresql://…/db?application_name=x&sslmode=require → …?sslmode=require). */
export function withoutApplicationName(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const kept = url.slice(q + 1).split('&').filter((p) => p !== '' && p.split('=')[0] !== 'application_name');
  return kept.length > 0 ? `${url.slice(0, q)}?${kept.join('&')}` : url.slice(0, q);
}

/**
 * The advisory lock of one study's coordinator, on a connection of its own (a session lock lives as long as its
 * connection: a killed coordinator's lock is freed by the server at once). When the connection drops (the
 * server restarted) the lock is lost; it is taken again in the background as soon as the server answers, and
 * `ensure` refuses to go on if another process took it meanwhile.
 */
class AdvisoryLock implements CoordinatorLock {
  /**
   * What this holder writes in hwnas_studies.coordinator: unique to this taking of the lock, so that a coordinator
   * that lost the lock (stopped past its heartbeat, its session ended by a worker) is fenced off: its writes check
   * the column and find another holder's token there.
   */
  readonly token = `${SELF} (${randomUUID().slice(0, 8)})`;
  private client: pg.Client | undefined;
  private heartbeat: CoordinatorHeartbeat | undefined;
  private lost = false;
  private released = false;
  private reconnecting: Promise<void> | undefined;
  /** Set when another process took the study while the connection was down. */
  private takenBy: string | undefined;

  constructor(
    private readonly store: PostgresStore,
    readonly studyId: number,
    /** The store's connection settings as plain data, for the heartbeat thread. */
    private readonly connection: pg.ClientConfig,
  ) {}

  /** Connects and tries the lock once: true when held. */
  async acquire(): Promise<boolean> {
    const client = this.store.newClient();
    client.on('error', () => this.onLost());
    client.on('end', () => this.onLost());
    await client.connect();
    const got = (await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [ADVISORY_LOCK_CLASS, this.studyId])).rows[0].ok;
    if (!got) {
      await client.end().catch(() => {});
      return false;
    }
    this.client = client;
    this.lost = false;
    return true;
  }

  /**
   * Starts saying this coordinator is alive, once the study names its token: from a thread, so that a main thread
   * busy for longer than the workers' --coordinator-timeout is not taken for hung. It stops by itself once the study
   * names another coordinator.
   */
  async startHeartbeat(): Promise<void> {
    this.heartbeat ??= await CoordinatorHeartbeat.start({ connection: this.connection, studyId: this.studyId, token: this.token, intervalMs: COORDINATOR_HEARTBEAT_MS });
  }

  private onLost(): void {
    if (this.released || this.lost) return;
    this.lost = true;
    this.client = undefined;
    this.reconnecting ??= this.retake().finally(() => (this.reconnecting = undefined));
  }

  /** Takes the lock again once the server answers, unless someone else took it first. */
  private async retake(): Promise<void> {
    let delay = 100;
    while (!this.released && this.lost && this.takenBy === undefined) {
      await sleep(delay);
      delay = Math.min(delay * 2, 1000);
      try {
        if (await this.acquire()) return;
        this.takenBy = (await this.store.coordinatorOf(this.studyId)) ?? 'another process';
      } catch {
        // still away
      }
    }
  }

  /** Throws when the lock is lost for good; waits (throwing a retryable error) while it is being taken again. */
  async ensure(): Promise<void> {
    if (this.takenBy !== undefined) throw new StoreError(`study ${this.studyId} was taken over by ${this.takenBy} while this process was cut off from it; it stops coordinating here`, FAULT_EXIT_CODE);
    if (this.lost) throw Object.assign(new Error('Connection terminated: coordinator lock being taken again'), { code: '08006' });
  }

  async release(): Promise<void> {
    this.released = true;
    const heartbeat = this.heartbeat;
    this.heartbeat = undefined;
    await heartbeat?.stop();
    const client = this.client;
    this.client = undefined;
    if (client) {
      await client.query('SELECT pg_advisory_unlock($1, $2)', [ADVISORY_LOCK_CLASS, this.studyId]).catch(() => {});
      await client.end().catch(() => {});
    }
  }
}

/**
 * Studies on a PostgreSQL server, shared by any number of processes on any machines: the coordinator of each study
 * (its strategy, one process at a time through an advisory lock) and the workers that lease its candidates.
 *
 * Every write is one statement (the server commits it as it ends: no lock outlives it, whatever happens to the
 * process) that can be run again after a dropped connection without changing its effect (a candidate already
 * recorded is not recorded or counted again; tasks already waiting stay as they are), so an operation that meets a
 * server that went away waits for it and tries again, up to `reconnectTimeoutMs`. Nothing is locked while
 * anything is evaluated.
 */
export class PostgresStore implements Store, TaskQueue {
  readonly location: string;
  readonly readonly: boolean;
  readonly queue: TaskQueue = this;
  private readonly pool: pg.Pool;
  /** The connection of the readSnapshot in progress, if any (see q). */
  private readonly snapshotClient = new AsyncLocalStorage<pg.PoolClient>();
  /** Settings of every connection, as plain data (a heartbeat thread gets a copy); clientConfig adds the type parsers. */
  private readonly connection: pg.ClientConfig;
  private readonly clientConfig: pg.ClientConfig;
  /** What this store's sessions are called on the server (see SESSION_NAME_PATTERN). */
  readonly applicationName = `hwnas ${randomUUID()}`;
  private readonly reconnectTimeoutMs: number;
  private readonly onWait: ((message: string) => void) | undefined;
  private readonly locks = new Map<number, AdvisoryLock>();
  private listener: pg.Client | undefined;
  private listening: Promise<pg.Client | undefined> | undefined;
  /** Notifications seen since the last wait on each key ('tasks', or 'results:<study id>'). */
  private readonly notified = new Set<string>();
  private readonly waiters = new Set<{ readonly key: string; readonly wake: () => void }>();
  private waitingForServer = false;
  private closed = false;

  private constructor(url: string, options: PgOpenOptions) {
    this.location = redactUrl(url);
    this.readonly = options.readonly ?? false;
    this.reconnectTimeoutMs = options.reconnectTimeoutMs ?? 10 * 60_000;
    this.onWait = options.onWait;
    this.connection = {
      connectionString: withoutApplicationName(url.trim()),
      application_name: this.applicationName,
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
      // A process that stops inside a transaction (a hung machine) must not hold its row locks for ever.
      options: `-c idle_in_transaction_session_timeout=60000${this.readonly ? ' -c default_transaction_read_only=on' : ''}`,
    };
    this.clientConfig = { ...this.connection, types: TYPES };
    this.pool = new pg.Pool({ ...this.clientConfig, max: options.poolSize ?? 4, idleTimeoutMillis: 30_000 });
    // An idle pooled connection that the server drops must not take the process down; the next query reconnects.
    this.pool.on('error', () => {});
    // So must one the server ends while it is checked out between two queries (a process stopped inside a
    // transaction past idle_in_transaction_session_timeout): its next query fails, and that failure is handled.
    this.pool.on('connect', (client) => client.on('error', () => {}));
  }

  /** Connects, checks the schema (creating or upgrading it unless read-only), or throws one StoreError line. */
  static async open(url: string, options: PgOpenOptions = {}): Promise<PostgresStore> {
    checkPostgresUrl(url);
    const store = new PostgresStore(url, options);
    try {
      await store.checkSchema(options.mustExist ?? store.readonly);
      return store;
    } catch (error) {
      await store.close();
      if (error instanceof StoreError) throw error;
      throw new StoreError(describePgError(error, store.location));
    }
  }

  /** A fresh connection with this store's settings (the caller connects and ends it). */
  newClient(): pg.Client {
    return new pg.Client(this.clientConfig);
  }

  private async checkSchema(mustExist: boolean): Promise<void> {
    const client = await this.pool.connect();
    try {
      const version = await schemaVersion(client, this.location);
      if (version > PG_SCHEMA_VERSION) {
        throw new StoreError(`${this.location}: written by a newer hwnas (schema v${version}; this hwnas reads up to v${PG_SCHEMA_VERSION}); upgrade hwnas`);
      }
      if (version === PG_SCHEMA_VERSION) return;
      if (version === 0 && mustExist) throw new StoreError(`${this.location}: no hwnas studies on this server (empty database)`);
      if (this.readonly) {
        throw new StoreError(`${this.location}: hwnas schema v${version} is older than this hwnas (v${PG_SCHEMA_VERSION}); a writing command (search, resume, worker) upgrades it`);
      }
      await client.query('BEGIN');
      try {
        // One process migrates; the others wait here and then find the schema current.
        await client.query('SELECT pg_advisory_xact_lock($1, $2)', [ADVISORY_LOCK_CLASS, MIGRATION_LOCK_KEY]);
        const now = await schemaVersion(client, this.location);
        if (now > PG_SCHEMA_VERSION) throw new StoreError(`${this.location}: written by a newer hwnas (schema v${now}); upgrade hwnas`);
        if (now === 0) await client.query(`CREATE TABLE IF NOT EXISTS hwnas_meta (key text PRIMARY KEY, value text NOT NULL)`);
        for (let v = now; v < PG_SCHEMA_VERSION; v++) await client.query(PG_MIGRATIONS[v]);
        await client.query(
          `INSERT INTO hwnas_meta (key, value) VALUES ('application', $1), ('schema_version', $2)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
          [PG_APPLICATION, String(PG_SCHEMA_VERSION)],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const lock of this.locks.values()) await lock.release();
    this.locks.clear();
    for (const w of this.waiters) w.wake();
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => {});
    await this.pool.end().catch(() => {});
  }

  /**
   * One statement, committed by the server as it ends (no lock outlives it, whatever happens to this process),
   * retried like `tx`. `guard`: the study whose coordinator lock this process must still hold.
   */
  private async q<R extends pg.QueryResultRow>(sql: string, params: unknown[] = [], guard?: number): Promise<R[]> {
    // Inside readSnapshot: on its connection, in its transaction (a dropped connection ends the snapshot: no retry).
    const snapshot = this.snapshotClient.getStore();
    if (snapshot) {
      try {
        return (await snapshot.query<R>(sql, params)).rows;
      } catch (error) {
        throw error instanceof StoreError ? error : new StoreError(describePgError(error, this.location));
      }
    }
    const lock = guard === undefined ? undefined : this.locks.get(guard);
    if (lock) return this.fenced<R>(lock, sql, params);
    return this.retrying(async () => (await this.pool.query<R>(sql, params)).rows);
  }

  /**
   * A write of the study's coordinator, in one transaction with a check that this process still coordinates it:
   * the study's row names this lock's token. A coordinator that lost its lock (stopped or hung past its heartbeat,
   * its session ended by a worker that took the study over) is fenced off here. The check's row lock (FOR SHARE)
   * orders it with a take-over's UPDATE of the row: the one waits for the other's commit.
   */
  private async fenced<R extends pg.QueryResultRow>(lock: AdvisoryLock, sql: string, params: unknown[]): Promise<R[]> {
    return this.retrying(async () => {
      await lock.ensure();
      const client = await this.pool.connect();
      return inTransaction(client, 'BEGIN', async () => {
        const holder = (await client.query<{ coordinator: string | null }>('SELECT coordinator FROM hwnas_studies WHERE id = $1 FOR SHARE', [lock.studyId])).rows[0]?.coordinator;
        if (holder !== lock.token) {
          throw new StoreError(`study ${lock.studyId} is coordinated by ${holder ?? 'no process'} now: this process lost it (stopped or cut off past its heartbeat) and stops coordinating it`, FAULT_EXIT_CODE);
        }
        return (await client.query<R>(sql, params)).rows;
      });
    });
  }

  private async retrying<T>(fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.reconnectTimeoutMs;
    let delay = 50;
    for (;;) {
      try {
        const out = await fn();
        if (this.waitingForServer) {
          this.waitingForServer = false;
          this.onWait?.(`${this.location}: the server is back; going on`);
        }
        return out;
      } catch (error) {
        if (this.closed || !isTransient(error)) {
          if (error instanceof StoreError) throw error;
          throw new StoreError(describePgError(error, this.location));
        }
        if (Date.now() >= deadline) {
          throw new StoreError(`${describePgError(error, this.location)}; gave up after ${Math.round(this.reconnectTimeoutMs / 1000)} s (nothing recorded was lost)`);
        }
        if (!this.waitingForServer) {
          this.waitingForServer = true;
          this.onWait?.(`${describePgError(error, this.location)}; waiting for the server (up to ${Math.round(this.reconnectTimeoutMs / 1000)} s)`);
        }
        await sleep(delay);
        delay = Math.min(delay * 2, 1000);
      }
    }
  }

  /**
   * Runs `read` in one read-only REPEATABLE READ transaction on a connection of its own: every query of this store
   * inside it sees one committed state, whatever workers record meanwhile (an export's two passes over a study).
   */
  async readSnapshot<T>(read: () => Promise<T>): Promise<T> {
    // Nested (a reader inside a reader's snapshot): the same snapshot, not a second connection and state.
    if (this.snapshotClient.getStore()) return read();
    const client = await this.retrying(() => this.pool.connect());
    return inTransaction(client, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', () => this.snapshotClient.run(client, read));
  }

  /** 'running' only while a coordinator holds the study's lock: one left running by a killed process is 'interrupted'. */
  async liveStatus(study: StudyRecord): Promise<string> {
    if (study.status !== 'running') return study.status;
    return (await this.coordinatorMissing(study.id)) ? 'interrupted' : 'running';
  }

  // ——— studies ———

  async createStudy(study: NewStudy, now = Date.now()): Promise<StudyRecord> {
    const exists = () => new StudyExistsError(`study '${study.name}' already exists on ${this.location}`);
    if (await this.getStudy(study.name)) throw exists();
    // Created 'stopped': it turns 'running' when its coordinator holds the lock, so that no worker takes over a
    // study whose creator is about to run it. A name taken by another process since the check: ON CONFLICT.
    const rows = await this.q<StudyRow>(
      `INSERT INTO hwnas_studies (name, config, seed, space, device, objectives, constraints, strategy, status, created_at, updated_at,
         hwnas_version, evaluator, inputs) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'stopped', $9, $9, $10, $11, $12)
         ON CONFLICT (name) DO NOTHING RETURNING *`,
      [
        study.name,
        encodeJson(study.config),
        study.seed,
        study.space,
        study.device,
        encodeJson(study.objectives),
        encodeJson(study.constraints),
        study.strategy,
        now,
        study.hwnasVersion,
        study.evaluator === undefined ? null : encodeJson(study.evaluator),
        study.inputs === undefined ? null : JSON.stringify(study.inputs),
      ],
    );
    if (rows.length === 0) throw exists();
    return toStudy(rows[0]);
  }

  async getStudy(name: string): Promise<StudyRecord | undefined> {
    const rows = await this.q<StudyRow>('SELECT * FROM hwnas_studies WHERE name = $1', [name]);
    return rows.length > 0 ? toStudy(rows[0]) : undefined;
  }

  async studyById(id: number): Promise<StudyRecord | undefined> {
    const rows = await this.q<StudyRow>('SELECT * FROM hwnas_studies WHERE id = $1', [id]);
    return rows.length > 0 ? toStudy(rows[0]) : undefined;
  }

  async listStudies(): Promise<StudyRecord[]> {
    return (await this.q<StudyRow>('SELECT * FROM hwnas_studies ORDER BY created_at, id')).map(toStudy);
  }

  async setConfig(studyId: number, config: unknown, now = Date.now()): Promise<void> {
    await this.q('UPDATE hwnas_studies SET config = $1, updated_at = $2 WHERE id = $3', [encodeJson(config), now, studyId]);
  }

  async setEvaluator(studyId: number, evaluator: unknown, now = Date.now()): Promise<void> {
    await this.q('UPDATE hwnas_studies SET evaluator = $1, updated_at = $2 WHERE id = $3', [encodeJson(evaluator), now, studyId]);
  }

  async setStatus(studyId: number, status: StudyStatus, summary: StudySummary, now = Date.now()): Promise<void> {
    await this.q('UPDATE hwnas_studies SET status = $1, summary = $2, updated_at = $3 WHERE id = $4', [status, encodeJson(summary), now, studyId], studyId);
  }

  /** Who coordinates a study now, as it wrote itself down when it took the lock. */
  async coordinatorOf(studyId: number): Promise<string | undefined> {
    const rows = await this.pool.query<{ coordinator: string | null }>('SELECT coordinator FROM hwnas_studies WHERE id = $1', [studyId]);
    return rows.rows[0]?.coordinator ?? undefined;
  }

  async lockStudy(study: StudyRecord): Promise<CoordinatorLock | { readonly heldBy: string }> {
    const lock = new AdvisoryLock(this, study.id, this.connection);
    let got: boolean;
    try {
      got = await this.retrying(() => lock.acquire());
    } catch (error) {
      await lock.release();
      throw error;
    }
    if (!got) return { heldBy: (await this.coordinatorOf(study.id)) ?? 'another process' };
    this.locks.set(study.id, lock);
    try {
      await this.q(
        `WITH named AS (UPDATE hwnas_studies SET coordinator = $1 WHERE id = $2 RETURNING id)
         INSERT INTO hwnas_coordinator_beats (study_id, token, seen_at) SELECT id, $1, now() FROM named
         ON CONFLICT (study_id) DO UPDATE SET token = excluded.token, seen_at = excluded.seen_at`,
        [lock.token, study.id],
      );
      await lock.startHeartbeat();
    } catch (error) {
      this.locks.delete(study.id);
      await lock.release();
      if (error instanceof StoreError) throw error;
      throw new StoreError(`${this.location}: cannot start the heartbeat of study ${study.id}'s coordinator (${(error as Error).message})`);
    }
    return {
      release: async () => {
        if (this.locks.get(study.id) !== lock) return;
        this.locks.delete(study.id);
        if (!this.closed) {
          await this.q(
            `WITH beat AS (DELETE FROM hwnas_coordinator_beats WHERE study_id = $1 AND token = $2)
             UPDATE hwnas_studies SET coordinator = NULL WHERE id = $1 AND coordinator = $2`,
            [study.id, lock.token],
          ).catch(() => {});
        }
        await lock.release();
      },
    };
  }

  /**
   * Ends every session of a running study's coordinator (its lock's, and every other of its process's store: one
   * stopped inside a transaction holds row locks that a take-over waits for) when it has not said it is alive for
   * `silentMs` (its process stopped or gone: its lock would never be freed otherwise), which frees the study for a
   * take-over. Never this store's own sessions. Returns the coordinator ended, if any. Ending another role's
   * session needs that role or pg_signal_backend.
   */
  async endHungCoordinator(studyId: number, silentMs: number): Promise<string | undefined> {
    // One statement: the staleness seen is the one acted on.
    const rows = await this.q<{ coordinator: string | null; ended: boolean }>(
      `WITH hung AS (
         SELECT s.coordinator, l.pid, a.application_name AS app
         FROM hwnas_studies s
         JOIN hwnas_coordinator_beats b ON b.study_id = s.id
         JOIN pg_locks l ON l.locktype = 'advisory' AND l.classid = $1::int::oid AND l.objid = s.id::oid AND l.objsubid = 2 AND l.granted
         LEFT JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE s.id = $2 AND s.status = 'running' AND b.seen_at < now() - make_interval(secs => $3)
           AND a.application_name IS DISTINCT FROM $4),
       sessions AS (
         SELECT pid FROM hung
         UNION
         SELECT a.pid FROM pg_stat_activity a JOIN hung h ON a.application_name = h.app WHERE h.app ~ $5 AND a.pid <> pg_backend_pid())
       SELECT (SELECT coordinator FROM hung LIMIT 1) AS coordinator, pg_terminate_backend(pid) AS ended FROM sessions`,
      [ADVISORY_LOCK_CLASS, studyId, silentMs / 1000, this.applicationName, SESSION_NAME_PATTERN],
    );
    const ended = rows.find((r) => r.ended);
    return ended ? (ended.coordinator ?? 'a coordinator') : undefined;
  }

  /** Whether no process holds the study's coordinator lock right now (a probe: the lock is not kept). */
  async coordinatorMissing(studyId: number): Promise<boolean> {
    const rows = await this.q<{ free: boolean }>(
      `SELECT NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::int::oid AND objid = $2::int::oid AND objsubid = 2 AND granted) AS free`,
      [ADVISORY_LOCK_CLASS, studyId],
    );
    return rows[0].free;
  }

  // ——— candidates ———

  /**
   * One statement: finished candidates not yet recorded (their count added to the study's), then the checkpoint and
   * the listing summary when given. Run twice, it records nothing the second time.
   */
  async record(
    studyId: number,
    candidates: readonly FinishedCandidate[],
    checkpoint?: { readonly checkpoint: Checkpoint; readonly summary: StudySummary },
    now = Date.now(),
  ): Promise<number> {
    if (candidates.length === 0 && !checkpoint) return 0;
    const rows = await this.q<{ n: number }>(
      `WITH ins AS (
         INSERT INTO hwnas_candidates (study_id, seq, hash, genes, generation, status, metrics, objectives, violation, error, eval_ms, worker, finished_at)
         SELECT $1, u.*, NULL, $12 FROM unnest($2::int[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[], $9::float8[],
           $10::text[], $11::float8[]) AS u
         ON CONFLICT DO NOTHING RETURNING status),
       ${checkpointCte(13, 12)},
       counted AS (
         UPDATE hwnas_studies SET evaluations = evaluations + (SELECT count(*) FROM ins), failed = failed + (SELECT count(*) FROM ins WHERE status = 'failed'),
           summary = coalesce($18::text, summary), updated_at = $12
         WHERE id = $1 AND (EXISTS (SELECT 1 FROM ins) OR $18::text IS NOT NULL) RETURNING 1)
       SELECT (SELECT count(*)::int FROM ins) AS n, (SELECT count(*) FROM cp) + (SELECT count(*) FROM counted) AS touched`,
      [studyId, ...candidateColumns(candidates), now, ...checkpointParams(checkpoint)],
      studyId,
    );
    return rows[0].n;
  }

  async checkpoint(studyId: number): Promise<Checkpoint | undefined> {
    const rows = await this.q<{ generation: number; strategy_state: string; loop_state: string; batch: string; genes: string | null }>(
      'SELECT generation, strategy_state, loop_state, batch, genes FROM hwnas_checkpoints WHERE study_id = $1',
      [studyId],
    );
    if (rows.length === 0) return undefined;
    const r = rows[0];
    return {
      generation: r.generation,
      strategyState: decodeJson(r.strategy_state),
      loopState: decodeJson(r.loop_state),
      batch: JSON.parse(r.batch) as string[],
      ...(r.genes !== null ? { genes: JSON.parse(r.genes) as number[][] } : {}),
    };
  }

  async candidatesByHash(studyId: number, hashes: readonly string[]): Promise<Map<string, CandidateRecord>> {
    const out = new Map<string, CandidateRecord>();
    if (hashes.length === 0) return out;
    const rows = await this.q<CandidateRow>(`SELECT ${CANDIDATE_COLUMNS} FROM hwnas_candidates WHERE study_id = $1 AND hash = ANY($2::text[])`, [studyId, hashes]);
    for (const r of rows) out.set(r.hash, toCandidate(r));
    return out;
  }

  async candidate(studyId: number, hash: string): Promise<CandidateRecord | undefined> {
    return (await this.candidatesByHash(studyId, [hash])).get(hash);
  }

  async genesBySeq(studyId: number, seqs: readonly number[]): Promise<Map<number, number[]>> {
    const out = new Map<number, number[]>();
    if (seqs.length === 0) return out;
    for (const r of await this.q<{ seq: number; genes: string }>('SELECT seq, genes FROM hwnas_candidates WHERE study_id = $1 AND seq = ANY($2::int[])', [studyId, seqs])) {
      out.set(r.seq, JSON.parse(r.genes) as number[]);
    }
    return out;
  }

  async nextSeq(studyId: number): Promise<number> {
    const rows = await this.q<{ s: number }>(
      `SELECT greatest((SELECT coalesce(max(seq), -1) FROM hwnas_candidates WHERE study_id = $1),
                       (SELECT coalesce(max(seq), -1) FROM hwnas_tasks WHERE study_id = $1)) + 1 AS s`,
      [studyId],
    );
    return rows[0].s;
  }

  /** Every recorded candidate in ask order, a page at a time (keyset on seq: no cursor held between pages). */
  async *candidates(studyId: number, statuses: readonly CandidateStatus[] = ['done', 'failed']): AsyncGenerator<CandidateRecord> {
    let after = -1;
    for (;;) {
      const rows = await this.q<CandidateRow>(
        `SELECT ${CANDIDATE_COLUMNS} FROM hwnas_candidates WHERE study_id = $1 AND seq > $2 AND status = ANY($3::text[]) ORDER BY seq LIMIT ${PAGE_ROWS}`,
        [studyId, after, statuses],
      );
      for (const r of rows) yield toCandidate(r);
      if (rows.length < PAGE_ROWS) return;
      after = rows[rows.length - 1].seq;
    }
  }

  /** The tasks of a study waiting for a worker or held by one (for listings and tests). */
  async tasks(studyId: number): Promise<{ seq: number; hash: string; device: string | null; leaseOwner: string | null; leases: number }[]> {
    const rows = await this.q<{ seq: number; hash: string; device: string | null; lease_owner: string | null; leases: number }>(
      'SELECT seq, hash, device, lease_owner, leases FROM hwnas_tasks WHERE study_id = $1 ORDER BY seq, part',
      [studyId],
    );
    return rows.map((r) => ({ seq: r.seq, hash: r.hash, device: r.device, leaseOwner: r.lease_owner, leases: r.leases }));
  }

  /** When each candidate of a study was recorded, ms since the epoch (throughput figures). */
  async finishTimes(studyId: number): Promise<number[]> {
    return (await this.q<{ t: number }>('SELECT finished_at AS t FROM hwnas_candidates WHERE study_id = $1', [studyId])).map((r) => r.t);
  }

  /** The worker that recorded each candidate of a study, and what the workers said of themselves. */
  async recordedBy(studyId: number): Promise<{ bySeq: Map<number, string | null>; workers: Map<string, WorkerInfo> }> {
    const bySeq = new Map<number, string | null>();
    for (const r of await this.q<{ seq: number; worker: string | null }>('SELECT seq, worker FROM hwnas_candidates WHERE study_id = $1', [studyId])) bySeq.set(r.seq, r.worker);
    const workers = new Map<string, WorkerInfo>();
    for (const r of await this.q<{ id: string; host: string; pid: number; device: string | null; machine: string | null }>('SELECT id, host, pid, device, machine FROM hwnas_workers')) {
      workers.set(r.id, { id: r.id, host: r.host, pid: r.pid, device: r.device, ...(r.machine !== null ? { machine: decodeJson(r.machine) } : {}) });
    }
    return { bySeq, workers };
  }

  // ——— the worker protocol ———

  async enqueue(studyId: number, tasks: readonly NewTask[], checkpoint?: { readonly checkpoint: Checkpoint; readonly summary: StudySummary }): Promise<void> {
    if (tasks.length === 0 && !checkpoint) return;
    await this.q(
      `WITH ins AS (
         INSERT INTO hwnas_tasks (study_id, seq, hash, genes, generation, device, created_at, part, parts)
         SELECT $1, t.seq, t.hash, t.genes, t.generation, t.device, $7, t.part, t.parts
         FROM unnest($2::int[], $3::text[], $4::text[], $5::int[], $6::text[], $14::int[], $15::int[]) AS t (seq, hash, genes, generation, device, part, parts)
         WHERE NOT EXISTS (SELECT 1 FROM hwnas_candidates k WHERE k.study_id = $1 AND k.hash = t.hash)
           AND NOT EXISTS (SELECT 1 FROM hwnas_parts p WHERE p.study_id = $1 AND p.hash = t.hash AND p.part = t.part)
         ON CONFLICT DO NOTHING RETURNING 1),
       ${checkpointCte(8, 7)},
       st AS (UPDATE hwnas_studies SET summary = $13::text, updated_at = $7 WHERE id = $1 AND $13::text IS NOT NULL RETURNING 1)
       SELECT (SELECT count(*) FROM cp) + (SELECT count(*) FROM st) AS touched,
         CASE WHEN EXISTS (SELECT 1 FROM ins) THEN pg_notify('hwnas_tasks', $1::text) END AS notified`,
      [
        studyId,
        tasks.map((t) => t.seq),
        tasks.map((t) => t.hash),
        tasks.map((t) => JSON.stringify(t.genes)),
        tasks.map((t) => t.generation),
        tasks.map((t) => t.device),
        Date.now(),
        ...checkpointParams(checkpoint),
        tasks.map((t) => t.part ?? 0),
        tasks.map((t) => t.parts ?? 1),
      ],
      studyId,
    );
  }

  async waiting(studyId: number, hashes: readonly string[]): Promise<number> {
    const rows = await this.q<{ n: number }>('SELECT count(DISTINCT hash)::int AS n FROM hwnas_tasks WHERE study_id = $1 AND hash = ANY($2::text[])', [studyId, hashes]);
    return rows[0].n;
  }

  async lease(workerId: string, filter: LeaseFilter): Promise<LeasedTask[]> {
    const token = randomUUID();
    const devices = filter.devices.filter((d): d is string => d !== null);
    const anyDevice = filter.devices.includes(null);
    // One statement, committed by the server as it ends: a worker that hangs right after holds no row lock.
    const rows = await this.q<{ study_id: number; seq: number; hash: string; genes: string; generation: number; device: string | null; leases: number; part: number; parts: number }>(
          `WITH picked AS (
             SELECT study_id, seq, part FROM hwnas_tasks
             WHERE (lease_expires_at IS NULL OR lease_expires_at < clock_timestamp())
               AND ($1::int[] IS NULL OR study_id = ANY($1::int[]))
               AND NOT (study_id = ANY($8::int[]))
               AND ((device IS NULL AND $2::boolean) OR device = ANY($3::text[]))
             ORDER BY study_id, seq, part
             LIMIT $4
             FOR UPDATE SKIP LOCKED)
           UPDATE hwnas_tasks t SET lease_owner = $5, lease_token = $6, leases = t.leases + 1,
             lease_expires_at = clock_timestamp() + $7 * interval '1 millisecond'
           FROM picked WHERE t.study_id = picked.study_id AND t.seq = picked.seq AND t.part = picked.part
           RETURNING t.study_id, t.seq, t.hash, t.genes, t.generation, t.device, t.leases, t.part, t.parts`,
          [filter.studyIds ?? null, anyDevice, devices, filter.limit, workerId, token, filter.leaseMs, filter.excludeStudyIds ?? []],
    );
    return rows
      .sort((a, b) => a.study_id - b.study_id || a.seq - b.seq || a.part - b.part)
      .map((r) => ({ studyId: r.study_id, seq: r.seq, hash: r.hash, genes: JSON.parse(r.genes) as number[], generation: r.generation, device: r.device, token, leases: r.leases, part: r.part, parts: r.parts }));
  }

  async complete(workerId: string, tasks: readonly LeasedTask[], results: readonly FinishedCandidate[]): Promise<number> {
    const byHash = new Map<string, FinishedCandidate>();
    for (const r of results) byHash.set(r.hash, r);
    const groups = new Map<string, LeasedTask[]>();
    for (const t of tasks) {
      const key = `${t.studyId}\0${t.token}`;
      const g = groups.get(key) ?? [];
      g.push(t);
      groups.set(key, g);
    }
    const now = Date.now();
    let recorded = 0;
    for (const group of groups.values()) {
      const { studyId, token } = group[0];
      const rows = group.map((t) => byHash.get(t.hash)!);
      // One statement (no lock outlives it, whatever happens to this process): only the tasks this lease still
      // holds are deleted, and only their results inserted; a task that expired and went to another worker is
      // not ours to record. Run twice, it records nothing the second time.
      const out = await this.q<{ n: number }>(
        `WITH held AS (DELETE FROM hwnas_tasks WHERE study_id = $1 AND lease_token = $2 AND seq = ANY($3::int[]) AND parts = 1 RETURNING seq),
         ins AS (
           INSERT INTO hwnas_candidates (study_id, seq, hash, genes, generation, status, metrics, objectives, violation, error, eval_ms, worker, finished_at)
           SELECT $1, u.* , $14, $15 FROM unnest($3::int[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[], $10::float8[],
             $11::text[], $12::float8[]) AS u (seq, hash, genes, generation, status, metrics, objectives, violation, error, eval_ms)
           WHERE u.seq IN (SELECT seq FROM held)
           ON CONFLICT DO NOTHING RETURNING status),
         counted AS (
           UPDATE hwnas_studies SET evaluations = evaluations + (SELECT count(*) FROM ins), failed = failed + (SELECT count(*) FROM ins WHERE status = 'failed'),
             updated_at = $15 WHERE id = $1 AND EXISTS (SELECT 1 FROM ins) RETURNING id),
         beat AS (UPDATE hwnas_workers SET heartbeat_at = (extract(epoch FROM clock_timestamp()) * 1000)::bigint WHERE id = $14 RETURNING id)
         SELECT (SELECT count(*)::int FROM ins) AS n, (SELECT count(*) FROM counted) + (SELECT count(*) FROM beat) AS touched,
           CASE WHEN EXISTS (SELECT 1 FROM held) THEN pg_notify('hwnas_results', $13) END AS notified`,
        [studyId, token, ...candidateColumns(rows), String(studyId), workerId, now],
      );
      recorded += out[0].n;
    }
    return recorded;
  }

  async completeParts(workerId: string, tasks: readonly LeasedTask[], results: readonly PartResult[]): Promise<number> {
    if (tasks.length === 0) return 0;
    const now = Date.now();
    const failed = (r: PartResult) => !r.result.ok;
    // One statement, as complete: only the parts this lease still holds are deleted and their results kept; a part
    // recorded already (a lease that expired, then answered twice) is not recorded again.
    const out = await this.q<{ n: number }>(
      `WITH held AS (
         DELETE FROM hwnas_tasks t USING unnest($1::int[], $2::int[], $3::int[], $4::text[]) AS r (study_id, seq, part, token)
         WHERE t.study_id = r.study_id AND t.seq = r.seq AND t.part = r.part AND t.lease_token = r.token AND t.parts > 1
         RETURNING t.study_id, t.seq, t.part),
       ins AS (
         INSERT INTO hwnas_parts (study_id, hash, part, seq, device, status, metrics, error, eval_ms, worker, finished_at)
         SELECT u.study_id, u.hash, u.part, u.seq, u.device, u.status, u.metrics, u.error, u.eval_ms, $11, $12
         FROM unnest($1::int[], $2::int[], $3::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::float8[])
           AS u (study_id, seq, part, hash, device, status, metrics, error, eval_ms)
         WHERE EXISTS (SELECT 1 FROM held h WHERE h.study_id = u.study_id AND h.seq = u.seq AND h.part = u.part)
         ON CONFLICT DO NOTHING RETURNING study_id),
       beat AS (UPDATE hwnas_workers SET heartbeat_at = (extract(epoch FROM clock_timestamp()) * 1000)::bigint WHERE id = $11 RETURNING id)
       SELECT (SELECT count(*)::int FROM ins) AS n, (SELECT count(*) FROM beat) AS touched,
         (SELECT count(pg_notify('hwnas_results', s::text)) FROM (SELECT DISTINCT study_id AS s FROM held) d) AS notified`,
      [
        tasks.map((t) => t.studyId),
        tasks.map((t) => t.seq),
        tasks.map((t) => t.part ?? 0),
        tasks.map((t) => t.token),
        tasks.map((t) => t.hash),
        tasks.map((t) => t.device),
        results.map((r) => (failed(r) ? 'failed' : 'done')),
        results.map((r) => (r.result.ok ? encodeNumbers(r.result.metrics) : null)),
        results.map((r) => (r.result.ok ? null : r.result.error)),
        results.map((r) => r.evalMs),
        workerId,
        now,
      ],
    );
    return out[0].n;
  }

  async partsOf(studyId: number, hashes: readonly string[]): Promise<Map<string, PartResult[]>> {
    const out = new Map<string, PartResult[]>();
    if (hashes.length === 0) return out;
    const rows = await this.q<{ hash: string; part: number; device: string | null; status: string; metrics: string | null; error: string | null; eval_ms: number | null; worker: string | null }>(
      'SELECT hash, part, device, status, metrics, error, eval_ms, worker FROM hwnas_parts WHERE study_id = $1 AND hash = ANY($2::text[]) ORDER BY hash, part',
      [studyId, hashes],
    );
    for (const r of rows) {
      const list = out.get(r.hash) ?? [];
      list.push({
        part: r.part,
        device: r.device,
        result: r.status === 'done' ? { ok: true, metrics: decodeJson<Record<string, number>>(r.metrics ?? '{}') } : { ok: false, error: r.error ?? 'failed' },
        evalMs: r.eval_ms ?? 0,
        worker: r.worker ?? '',
      });
      out.set(r.hash, list);
    }
    return out;
  }

  async release(workerId: string, tasks: readonly LeasedTask[]): Promise<void> {
    if (tasks.length === 0) return;
    await this.q(
      `WITH freed AS (
         UPDATE hwnas_tasks t SET lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, leases = greatest(t.leases - 1, 0)
         FROM unnest($1::int[], $2::int[], $3::text[], $5::int[]) AS r (study_id, seq, token, part)
         WHERE t.study_id = r.study_id AND t.seq = r.seq AND t.part = r.part AND t.lease_token = r.token AND t.lease_owner = $4 RETURNING 1)
       SELECT CASE WHEN EXISTS (SELECT 1 FROM freed) THEN pg_notify('hwnas_tasks', '') END`,
      [tasks.map((t) => t.studyId), tasks.map((t) => t.seq), tasks.map((t) => t.token), workerId, tasks.map((t) => t.part ?? 0)],
    );
  }

  async heartbeat(workerId: string, tokens: readonly string[], leaseMs: number): Promise<void> {
    await this.q(
      `WITH renewed AS (
         UPDATE hwnas_tasks SET lease_expires_at = clock_timestamp() + $3 * interval '1 millisecond'
         WHERE lease_owner = $1 AND lease_token = ANY($2::text[]) RETURNING 1)
       UPDATE hwnas_workers SET heartbeat_at = (extract(epoch FROM clock_timestamp()) * 1000)::bigint WHERE id = $1`,
      [workerId, tokens, leaseMs],
    );
  }

  async registerWorker(w: WorkerInfo): Promise<void> {
    const now = Date.now();
    await this.q(
      `INSERT INTO hwnas_workers (id, host, pid, device, machine, started_at, heartbeat_at) VALUES ($1, $2, $3, $4, $5, $6, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)
       ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
      [w.id, w.host, w.pid, w.device, w.machine === undefined ? null : encodeJson(w.machine), now],
    );
  }

  async unregisterWorker(workerId: string): Promise<void> {
    // Kept when it recorded candidates: the device farm's tables name the machine of each measurement. Its
    // heartbeat 0 says it is gone (studyActivity counts it no more).
    await this.q('UPDATE hwnas_workers SET heartbeat_at = 0 WHERE id = $1', [workerId]);
    await this.q(
      `DELETE FROM hwnas_workers WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM hwnas_candidates WHERE worker = $1) AND NOT EXISTS (SELECT 1 FROM hwnas_parts WHERE worker = $1)`,
      [workerId],
    );
  }

  async studyActivity(studyId: number): Promise<StudyActivity> {
    // Leases and heartbeats by the server's clock: the machines' own clocks need not agree.
    const workers = await this.q<{ id: string; host: string; pid: number; device: string | null; leased: number; recorded: number }>(
      `WITH held AS (
         SELECT lease_owner AS id, count(*)::int AS n FROM hwnas_tasks
         WHERE study_id = $1 AND lease_owner IS NOT NULL AND lease_expires_at > clock_timestamp() GROUP BY lease_owner),
       done AS (
         SELECT id, sum(n)::int AS n FROM (
           SELECT worker AS id, count(*) AS n FROM hwnas_candidates WHERE study_id = $1 AND worker IS NOT NULL GROUP BY worker
           UNION ALL SELECT worker, count(*) FROM hwnas_parts WHERE study_id = $1 AND worker IS NOT NULL GROUP BY worker) r
         GROUP BY id)
       SELECT w.id, w.host, w.pid, w.device, coalesce(h.n, 0) AS leased, coalesce(d.n, 0) AS recorded
       FROM hwnas_workers w LEFT JOIN held h ON h.id = w.id LEFT JOIN done d ON d.id = w.id
       WHERE h.n IS NOT NULL OR (d.n IS NOT NULL AND w.heartbeat_at > extract(epoch FROM clock_timestamp()) * 1000 - $2)
       ORDER BY w.host, w.pid, w.id`,
      [studyId, WORKER_ALIVE_MS],
    );
    const [tasks] = await this.q<{ waiting: number; leased: number }>(
      `SELECT count(*) FILTER (WHERE lease_expires_at IS NULL OR lease_expires_at <= clock_timestamp())::int AS waiting,
         count(*) FILTER (WHERE lease_expires_at > clock_timestamp())::int AS leased
       FROM hwnas_tasks WHERE study_id = $1`,
      [studyId],
    );
    return { workers, waiting: tasks.waiting, leased: tasks.leased };
  }

  /** Studies that are running (for workers: what may bring work, what may need a coordinator). */
  async runningStudies(): Promise<StudyRecord[]> {
    return (await this.q<StudyRow>(`SELECT * FROM hwnas_studies WHERE status = 'running' ORDER BY id`)).map(toStudy);
  }

  /** Whether any task waits that a worker of these devices could lease now (for --exit-when-idle). */
  async hasTasksFor(devices: readonly (string | null)[], studyIds?: readonly number[]): Promise<boolean> {
    const rows = await this.q<{ any: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM hwnas_tasks WHERE ($1::int[] IS NULL OR study_id = ANY($1::int[]))
         AND ((device IS NULL AND $2::boolean) OR device = ANY($3::text[]))) AS any`,
      [studyIds ?? null, devices.includes(null), devices.filter((d): d is string => d !== null)],
    );
    return rows[0].any;
  }

  waitForTasks(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.waitFor('tasks', timeoutMs, signal);
  }

  waitForResults(studyId: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.waitFor(`results:${studyId}`, timeoutMs, signal);
  }

  /**
   * Waits for a notification on `key`, or returns at once when one came since the last wait on it (so that a
   * notification between a caller's check and its wait is not missed). A lost listener only makes this a poll.
   */
  private async waitFor(key: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.closed || signal?.aborted) return false;
    const fresh = this.listener === undefined;
    const listener = await this.listen();
    if (this.notified.delete(key) || (fresh && listener)) return true;
    return new Promise<boolean>((resolve) => {
      let done = false;
      const finish = (v: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        signal?.removeEventListener('abort', onAbort);
        resolve(v);
      };
      const waiter = {
        key,
        wake: () => {
          this.notified.delete(key);
          finish(true);
        },
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async listen(): Promise<pg.Client | undefined> {
    if (this.listener) return this.listener;
    this.listening ??= (async () => {
      const client = this.newClient();
      const lost = () => {
        if (this.listener === client) this.listener = undefined;
      };
      client.on('error', lost);
      client.on('end', lost);
      client.on('notification', (n) => {
        const key = n.channel === 'hwnas_tasks' ? 'tasks' : `results:${n.payload ?? ''}`;
        this.notified.add(key);
        for (const w of [...this.waiters]) if (w.key === key) w.wake();
      });
      try {
        await client.connect();
        await client.query('LISTEN hwnas_tasks');
        await client.query('LISTEN hwnas_results');
        if (this.closed) {
          await client.end().catch(() => {});
          return undefined;
        }
        this.listener = client;
        return client;
      } catch {
        await client.end().catch(() => {});
        return undefined;
      }
    })().finally(() => (this.listening = undefined));
    return this.listening;
  }
}

/**
 * Runs `body` in one transaction on `client` (begun with `begin`) and releases the client: committed when it
 * returns, rolled back when it throws, and a connection that broke under it is discarded rather than pooled.
 */
async function inTransaction<T>(client: pg.PoolClient, begin: string, body: () => Promise<T>): Promise<T> {
  let broken: Error | undefined;
  try {
    await client.query(begin);
    const out = await body();
    await client.query('COMMIT');
    return out;
  } catch (error) {
    if (isTransient(error)) broken = error as Error;
    else await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release(broken);
  }
}

/** The schema version of the hwnas tables in this database: 0 when there are none. */
async function schemaVersion(client: pg.PoolClient, shown: string): Promise<number> {
  // One statement, one snapshot: another process creating the schema between two queries made it look half-made.
  const { meta: exists, n: other } = (
    await client.query<{ meta: boolean | null; n: number }>(
      `SELECT bool_or(tablename = 'hwnas_meta') AS meta, count(*)::int AS n FROM pg_tables WHERE tablename LIKE 'hwnas\\_%' AND schemaname = current_schema()`,
    )
  ).rows[0];
  if (!exists) {
    if (other > 0) throw new StoreError(`${shown}: has hwnas_ tables but no hwnas_meta: not an hwnas database (or a damaged one); left untouched`);
    return 0;
  }
  const rows = (await client.query<{ key: string; value: string }>('SELECT key, value FROM hwnas_meta')).rows;
  const meta = new Map(rows.map((r) => [r.key, r.value]));
  if (meta.get('application') !== PG_APPLICATION) throw new StoreError(`${shown}: hwnas_meta is not hwnas's (application '${meta.get('application') ?? ''}'); left untouched`);
  const v = Number(meta.get('schema_version'));
  if (!Number.isInteger(v) || v < 0) throw new StoreError(`${shown}: hwnas_meta has no valid schema_version; left untouched`);
  return v;
}
