import Database from 'better-sqlite3';
import { accessSync, closeSync, constants, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError, StudyExistsError } from './errors.js';
import { readOnly, storeFault } from './faults.js';
import { BatchReader, BatchWriter } from './batch.js';
import { FloatPacker, unpackFloats } from './floats.js';
import { HashIndex } from './hash-index.js';
import { decodeJson, encodeJson } from './json.js';
import { StudyLock, displayStatus, studyLockPath } from './lock.js';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, isHwnasTable, tableNames } from './schema.js';
import type { CoordinatorLock, Store } from './store.js';
import { toStudy, type StudyRow } from './study-row.js';
import { toCandidateRecord, type CandidateRowBase } from './candidate-row.js';
import type {
  CandidateRecord,
  CandidateResult,
  CandidateStatus,
  Checkpoint,
  FinishedCandidate,
  NewCandidate,
  NewStudy,
  StudyRecord,
  StudyStatus,
  StudySummary,
} from './types.js';

export interface OpenOptions {
  /** Refuse to create the file (commands that only read or continue a study). */
  readonly mustExist?: boolean;
  /** Read-only connection: another process (UI, export) reading while a study writes. */
  readonly readonly?: boolean;
  /** Milliseconds a writer waits for another connection's write to end. Default BUSY_TIMEOUT_MS. */
  readonly busyTimeoutMs?: number;
}

const SQLITE_MAGIC = 'SQLite format 3\0';

/**
 * How long a writer waits for another's transaction. Many writers on one file are normal (several studies, or
 * workers of one): each transaction is short (a group commit is milliseconds), so a long wait means a stuck peer.
 */
export const BUSY_TIMEOUT_MS = 30_000;

/**
 * Checks a file before any connection that could write to it: a non-SQLite file, a foreign SQLite database or
 * one from a newer hwnas is refused and left byte-for-byte untouched.
 */
function inspect(path: string, mustExist: boolean): 'new' | 'existing' {
  if (!existsSync(path)) {
    if (mustExist) throw new StoreError(`${path}: no such database`);
    return 'new';
  }
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new StoreError(`${path}: not a file`);
    size = st.size;
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError(`${path}: cannot read (${(error as Error).message})`);
  }
  if (size === 0) return 'new';
  const header = Buffer.alloc(16);
  try {
    const fd = openSync(path, 'r');
    try {
      readSync(fd, header, 0, 16, 0);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw new StoreError(`${path}: cannot read (${(error as Error).message})`);
  }
  if (header.toString('latin1') !== SQLITE_MAGIC) throw new StoreError(`${path}: not an hwnas database (not an SQLite file)`);
  // Without a WAL file the main file's first page is current: read the marks from its bytes, so that probing a
  // file creates nothing beside it. With one, a read-only connection sees the committed state.
  let appId: number;
  let version: number;
  let hasTables: boolean;
  let tables: string[] | undefined;
  if (!existsSync(`${path}-wal`)) {
    const page = Buffer.alloc(112);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, page, 0, 112, 0);
    } finally {
      closeSync(fd);
    }
    version = page.readUInt32BE(60);
    appId = page.readUInt32BE(68);
    // sqlite_schema's root is page 1; its b-tree header starts at byte 100: type (13 = leaf), cell count at +3.
    hasTables = page[100] !== 13 || page.readUInt16BE(103) > 0;
  } else {
    let probe: Database.Database | undefined;
    try {
      probe = new Database(path, { readonly: true, fileMustExist: true });
      appId = probe.pragma('application_id', { simple: true }) as number;
      version = probe.pragma('user_version', { simple: true }) as number;
      tables = tablesOf(probe);
      hasTables = tables.length > 0;
    } catch (error) {
      throw new StoreError(`${path}: unreadable database (${(error as Error).message})`);
    } finally {
      probe?.close();
    }
  }
  if (appId !== APPLICATION_ID) {
    if (hasTables || version > 0) {
      tables ??= size <= FOREIGN_LISTING_MAX_BYTES ? tablesOfCopy(path) : undefined;
      const found = tables && tables.length > 0 ? `, with tables ${nameList(tables)}` : '';
      throw new StoreError(`${path}: not an hwnas database (an SQLite file of another program${found})`);
    }
    return 'new';
  }
  if (version > SCHEMA_VERSION) {
    throw new StoreError(`${path}: written by a newer hwnas (schema v${version}; this hwnas reads up to v${SCHEMA_VERSION}); upgrade hwnas`);
  }
  return 'existing';
}

/** A foreign file up to this size is read into memory to name its tables in the refusal. */
const FOREIGN_LISTING_MAX_BYTES = 64 * 2 ** 20;

/** The tables of a database, by name (SQLite's own left out). */
function tablesOf(db: Database.Database): string[] {
  return db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`).pluck().all() as string[];
}

/** The tables of a database file, read from an in-memory copy: the file itself is never opened by SQLite. */
function tablesOfCopy(path: string): string[] | undefined {
  try {
    const copy = new Database(readFileSync(path));
    try {
      return tablesOf(copy);
    } finally {
      copy.close();
    }
  } catch {
    return undefined;
  }
}

/** Names for a one-line message: the first few and how many in all. */
function nameList(names: readonly string[], shown = 8): string {
  return names.length <= shown ? names.join(', ') : `${names.slice(0, shown).join(', ')}, … ${names.length} tables`;
}

/**
 * Refuses a write connection to a file that holds another program's tables (e.g. optuna-dashboard's, added to
 * hwnas.db): hwnas would be migrating and writing inside another program's database. Checked before any write.
 */
function refuseForeignTables(path: string, db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  const foreign = tablesOf(db).filter((t) => !isHwnasTable(t, version));
  if (foreign.length > 0) {
    throw new StoreError(`${path}: holds tables of another program (${nameList(foreign)}); hwnas writes only to a database of its own: use another --db, or drop those tables`);
  }
}

/**
 * Whether this process can write the database: its folder, and the file and its -wal/-shm files where they exist
 * (a writer needs all of them; access() answers EROFS on a read-only file system, even to root).
 */
function writable(path: string, kind: 'new' | 'existing'): boolean {
  try {
    accessSync(dirname(path), constants.W_OK);
    if (kind === 'existing') accessSync(path, constants.W_OK);
    for (const side of [`${path}-wal`, `${path}-shm`]) if (existsSync(side)) accessSync(side, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * A read-only connection. To an idle database in a writable folder: a read-write connection in query-only mode
 * (a read-only one would leave empty -wal and -shm files behind; this one removes them when it closes). To a
 * database nobody can write (a read-only folder, no -wal file): SQLite cannot open a WAL database there without
 * creating its -shm file, so it reads an in-memory copy, whose header is marked as a rollback-journal file (the
 * main file holds every commit when there is no -wal file).
 */
function openReader(path: string, kind: 'new' | 'existing', busyTimeoutMs: number): Database.Database {
  const idle = kind === 'existing' && !existsSync(`${path}-wal`);
  if (idle && writable(path, kind)) {
    const db = new Database(path, { fileMustExist: true, timeout: busyTimeoutMs });
    db.pragma('query_only = ON');
    return db;
  }
  const db = new Database(path, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
  try {
    db.pragma('user_version', { simple: true });
    return db;
  } catch (error) {
    db.close();
    const code = (error as { code?: string }).code ?? '';
    if (!idle || !(code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY'))) throw error;
  }
  const image = readFileSync(path);
  // Bytes 18 and 19: the file format's write and read versions, 2 for WAL, 1 for a rollback journal.
  image[18] = 1;
  image[19] = 1;
  return new Database(image, { readonly: true });
}

/** The store with every method's errors turned into one-line StoreErrors naming the file (faults.ts). */
function guarded(store: SqliteStore, busyTimeoutMs: number): SqliteStore {
  const translate = (error: unknown) => storeFault(store.path, error, busyTimeoutMs) ?? error;
  // A consumer that stops early (break) closes the store's own generator too, and with it its statements.
  const iterate = <T>(it: Iterator<T>): Generator<T> =>
    (function* () {
      let finished = false;
      try {
        for (;;) {
          let step: IteratorResult<T>;
          try {
            step = it.next();
          } catch (error) {
            finished = true;
            throw translate(error);
          }
          if (step.done) {
            finished = true;
            return step.value;
          }
          yield step.value;
        }
      } finally {
        if (!finished) it.return?.();
      }
    })();
  return new Proxy(store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
          const isGenerator = result !== null && typeof result === 'object' && Object.prototype.toString.call(result) === '[object Generator]';
          if (isGenerator) return iterate(result as Iterator<unknown>);
          // An async method (readSnapshot): its rejection is translated too.
          return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(translate(error))) : result;
        } catch (error) {
          throw translate(error);
        }
      };
    },
  });
}

interface CandidateRow extends CandidateRowBase {
  /** JSON text (rows written before schema v4) or a float64 blob whose names are metric_keys' row. */
  metrics: string | Buffer | null;
  metric_keys: number | null;
  objectives: string | Buffer | null;
}

/** Schema v4 added candidates.metric_keys and checkpoints.genes; a read-only connection reads older files as they are. */
function candidateColumns(version: number): string {
  return `seq, hash, genes, generation, status, metrics, ${version >= 4 ? 'metric_keys' : 'NULL AS metric_keys'}, objectives, violation, error, eval_ms`;
}

/**
 * A study database in one SQLite file: WAL journal (readers never block the writer), a busy timeout for
 * competing writers, and every multi-row change in one transaction. Write transactions begin IMMEDIATE: a
 * deferred one that reads first and then writes cannot wait for another writer (SQLite answers SQLITE_BUSY at
 * once, the busy timeout notwithstanding), so several processes on one file would fail instead of taking turns.
 *
 * A candidate is written once, when its result is known (`recordCandidates`), packed with the others of its
 * transaction into one batch row (batch.ts); repeats are found in an in-memory map from content hash to batch
 * row, rebuilt from the batches' hashes when a connection first needs it. Rows written by older versions in
 * the candidates table (pending rows updated in place, JSON metrics) are still read and still completed.
 */
export class SqliteStore implements Store {
  readonly path: string;
  readonly readonly: boolean;
  private readonly db: Database.Database;
  private readonly version: number;
  /** hwnas's table names in this file's schema version. */
  private readonly tables: ReturnType<typeof tableNames>;
  private readonly stmts;
  private readonly packer = new FloatPacker();
  private readonly objectivesPacker = new FloatPacker();
  /** metric_keys rows seen by this connection: names by id, and id by the names' JSON. */
  private readonly namesById = new Map<number, readonly string[]>();
  private readonly idByNames = new Map<string, number>();
  /** The last metric names written and their id: an evaluator gives the same names for every candidate. */
  private lastNames: readonly string[] = [];
  private lastNamesId = -1;
  private readonly batchWriter = new BatchWriter();
  /** Per study: the batch row holding each content hash, up to batch row `seen` (refreshed by one query per use). */
  private readonly hashIndexes = new Map<number, { readonly index: HashIndex; seen: number }>();
  /** The last batch rows decoded (repeats of old candidates, frontier genes on resume). */
  private readonly decoded = new Map<number, BatchReader>();

  private constructor(path: string, db: Database.Database, readonly: boolean) {
    this.path = path;
    this.db = db;
    this.readonly = readonly;
    this.version = db.pragma('user_version', { simple: true }) as number;
    const p = (sql: string) => db.prepare(sql);
    const T = (this.tables = tableNames(this.version));
    const cols = candidateColumns(this.version);
    const batches = this.version >= 6;
    this.stmts = {
      studyByName: p(`SELECT * FROM ${T.studies} WHERE name = ?`),
      studies: p(`SELECT * FROM ${T.studies} ORDER BY created_at, id`),
      ...(readonly
        ? {}
        : {
            insertStudy: p(`INSERT INTO ${T.studies} (name, config, seed, space, device, objectives, constraints, strategy, status,
              created_at, updated_at, hwnas_version, evaluator, inputs) VALUES (@name, @config, @seed, @space, @device, @objectives, @constraints,
              @strategy, 'running', @now, @now, @hwnasVersion, @evaluator, @inputs)`),
            setStatus: p(`UPDATE ${T.studies} SET status = ?, summary = ?, updated_at = ? WHERE id = ?`),
            insertCandidate: p(`INSERT INTO ${T.candidates} (study_id, seq, hash, genes, generation, status, created_at)
              VALUES (?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (study_id, hash) DO NOTHING`),
            upsertCheckpoint: p(`INSERT INTO ${T.checkpoints} (study_id, generation, strategy_state, loop_state, batch, genes, created_at)
              VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (study_id) DO UPDATE SET generation = excluded.generation,
              strategy_state = excluded.strategy_state, loop_state = excluded.loop_state, batch = excluded.batch,
              genes = excluded.genes, created_at = excluded.created_at`),
            markRunning: p(`UPDATE ${T.candidates} SET status = 'running', started_at = ? WHERE study_id = ? AND seq BETWEEN ? AND ? AND status = 'pending'`),
            // A finished candidate in one statement; a pending row of an older version is completed in place, and a
            // candidate already finished is left as it is (never counted twice).
            finish: p(`INSERT INTO ${T.candidates} (study_id, seq, hash, genes, generation, status, metrics, metric_keys, objectives, violation,
              error, eval_ms, created_at, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
              ON CONFLICT (study_id, hash) DO UPDATE SET status = excluded.status, metrics = excluded.metrics,
              metric_keys = excluded.metric_keys, objectives = excluded.objectives, violation = excluded.violation,
              error = excluded.error, eval_ms = excluded.eval_ms, finished_at = excluded.finished_at
              WHERE ${T.candidates}.status IN ('pending', 'running')`),
            recordDone: p(`UPDATE ${T.candidates} SET status = 'done', metrics = ?, metric_keys = ?, objectives = ?, violation = ?, error = NULL,
              eval_ms = ?, finished_at = ? WHERE study_id = ? AND hash = ? AND status IN ('pending', 'running')`),
            recordFailed: p(`UPDATE ${T.candidates} SET status = 'failed', metrics = NULL, metric_keys = NULL, objectives = NULL, violation = NULL,
              error = ?, eval_ms = ?, finished_at = ? WHERE study_id = ? AND hash = ? AND status IN ('pending', 'running')`),
            bumpCounts: p(`UPDATE ${T.studies} SET evaluations = evaluations + ?, failed = failed + ?, updated_at = ? WHERE id = ?`),
            setConfig: p(`UPDATE ${T.studies} SET config = ?, updated_at = ? WHERE id = ?`),
            setEvaluator: p(`UPDATE ${T.studies} SET evaluator = ?, updated_at = ? WHERE id = ?`),
            touch: p(`UPDATE ${T.studies} SET summary = ?, updated_at = ? WHERE id = ?`),
            addNames: p(`INSERT INTO ${T.metricKeys} (names) VALUES (?) ON CONFLICT (names) DO NOTHING`),
            namesId: p(`SELECT id FROM ${T.metricKeys} WHERE names = ?`).pluck(),
            insertBatch: p(`INSERT INTO ${T.batches} (study_id, min_seq, max_seq, count, hashes, keys, data, errors, created_at)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
          }),
      ...(batches
        ? {
            batchHashesSince: p(`SELECT id, keys, CASE WHEN keys IS NULL THEN hashes END AS hashes FROM ${T.batches}
              WHERE study_id = ? AND id > ? ORDER BY id`),
            batchById: p(`SELECT hashes, data, errors FROM ${T.batches} WHERE id = ?`),
            batchesBelowSeq: p(`SELECT id, max_seq FROM ${T.batches} WHERE study_id = ? AND min_seq <= ? ORDER BY min_seq DESC`),
            batchCount: p(`SELECT coalesce(sum(count), 0) FROM ${T.batches} WHERE study_id = ?`).pluck(),
            batchMaxSeq: p(`SELECT coalesce(max(max_seq), -1) FROM ${T.batches} WHERE study_id = ?`).pluck(),
            batchesInOrder: p(`SELECT id, min_seq, hashes, data, errors FROM ${T.batches} WHERE study_id = ? ORDER BY min_seq, id`),
          }
        : {}),
      legacyAny: p(`SELECT EXISTS (SELECT 1 FROM ${T.candidates} WHERE study_id = ?)`).pluck(),
      namesOf: this.version >= 4 ? p(`SELECT names FROM ${T.metricKeys} WHERE id = ?`).pluck() : undefined,
      genesBySeq: p(`SELECT genes FROM ${T.candidates} WHERE study_id = ? AND seq = ?`).pluck(),
      exists: p(`SELECT 1 FROM ${T.candidates} WHERE study_id = ? AND hash = ?`).pluck(),
      // Many hashes in one statement: one index probe each inside SQLite, one call from JavaScript.
      candidatesByHash: p(`SELECT ${cols} FROM ${T.candidates} WHERE study_id = ? AND hash IN (SELECT value FROM json_each(?))`),
      checkpoint: p(`SELECT * FROM ${T.checkpoints} WHERE study_id = ?`),
      maxSeq: p(`SELECT coalesce(max(seq), -1) AS s FROM ${T.candidates} WHERE study_id = ?`),
      unfinished: p(`SELECT ${cols} FROM ${T.candidates} WHERE study_id = ? AND status IN ('pending', 'running') ORDER BY seq`),
    };
  }

  /**
   * Opens (or creates) a database, refusing foreign, newer, damaged or read-only files without touching them.
   * Every method of the store returned turns SQLite's faults into one-line StoreErrors naming the file.
   */
  static open(path: string, options: OpenOptions = {}): SqliteStore {
    const ro = options.readonly ?? false;
    const busyTimeoutMs = options.busyTimeoutMs ?? BUSY_TIMEOUT_MS;
    const kind = inspect(path, options.mustExist ?? ro);
    if (!ro && !writable(path, kind)) throw readOnly(path);
    let db: Database.Database;
    try {
      db = ro ? openReader(path, kind, busyTimeoutMs) : new Database(path, { fileMustExist: kind === 'existing', timeout: busyTimeoutMs });
    } catch (error) {
      throw storeFault(path, error, busyTimeoutMs) ?? new StoreError(`${path}: cannot open (${(error as Error).message})`);
    }
    try {
      if (!ro) {
        refuseForeignTables(path, db);
        db.pragma('journal_mode = WAL');
        // NORMAL in WAL mode: a power cut may lose the last transactions but never corrupts; a killed process loses nothing.
        db.pragma('synchronous = NORMAL');
        db.pragma('foreign_keys = ON');
        // 64 MiB page cache: the (study, hash) index of a million-candidate study stays in memory.
        db.pragma('cache_size = -65536');
        // Checkpoint the WAL into the database every ~16 MiB rather than every 4 MiB: fewer, larger copies.
        db.pragma('wal_autocheckpoint = 4000');
        migrate(db);
      } else if ((db.pragma('user_version', { simple: true }) as number) === 0) {
        throw new StoreError(`${path}: empty database (no study recorded yet)`);
      }
      return guarded(new SqliteStore(path, db, ro), busyTimeoutMs);
    } catch (error) {
      db.close();
      throw storeFault(path, error, busyTimeoutMs) ?? new StoreError(`${path}: cannot use database (${(error as Error).message})`);
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  get location(): string {
    return this.path;
  }

  /** One process per study: a lock file beside the database (none for an in-memory one). */
  lockStudy(study: StudyRecord): CoordinatorLock | { readonly heldBy: string } {
    if (this.path === ':memory:') return { release() {} };
    const lockPath = studyLockPath(this.path, study.id);
    const lock = StudyLock.acquire(lockPath);
    return lock instanceof StudyLock ? lock : { heldBy: `process ${lock.heldBy} (lock ${lockPath})` };
  }

  private w<K extends string>(key: K) {
    const s = (this.stmts as Record<string, Database.Statement | undefined>)[key];
    if (!s) throw new StoreError(`${this.path}: opened read-only`);
    return s;
  }

  /** A statement of schema v6's batch table; undefined on a read-only connection to an older file. */
  private b(key: 'batchCount' | 'batchHashesSince' | 'batchById' | 'batchesBelowSeq' | 'batchMaxSeq' | 'batchesInOrder'): Database.Statement | undefined {
    return (this.stmts as Record<string, Database.Statement | undefined>)[key];
  }

  /**
   * The batch row of every content hash the study's batches hold, brought up to date with one query (rows written
   * since the last use, by this connection or another). Built in full on first use: a resume of a study of a million
   * candidates reads their hashes once.
   */
  private hashIndex(studyId: number): { readonly index: HashIndex; seen: number } {
    let ix = this.hashIndexes.get(studyId);
    if (!ix) {
      ix = { index: new HashIndex(), seen: 0 };
      ix.index.reserve((this.b('batchCount')?.get(studyId) as number | undefined) ?? 0);
      this.hashIndexes.set(studyId, ix);
    }
    const since = this.b('batchHashesSince');
    if (since) {
      for (const row of since.iterate(studyId, ix.seen) as IterableIterator<{ id: number; keys: Buffer | null; hashes: string | null }>) {
        if (row.keys !== null) ix.index.addKeys(row.keys, row.id);
        else for (const h of JSON.parse(row.hashes!) as string[]) ix.index.set(h, row.id);
        ix.seen = row.id;
      }
    }
    return ix;
  }

  /** Whether a batch of the study holds this hash (the index's hit checked against the batch). */
  private inBatches(index: HashIndex, hash: string): boolean {
    const id = index.get(hash);
    return id !== undefined && this.batchHolds(id, hash);
  }

  /** One batch row, read once and kept among the last few. */
  private batchReader(id: number): BatchReader {
    let d = this.decoded.get(id);
    if (d) {
      this.decoded.delete(id);
      this.decoded.set(id, d);
      return d;
    }
    const row = this.b('batchById')?.get(id) as { hashes: string; data: Buffer; errors: string | null } | undefined;
    if (!row) throw new StoreError(`${this.path}: candidate batch ${id} is missing`);
    d = new BatchReader(row.hashes, row.data, row.errors);
    this.decoded.set(id, d);
    if (this.decoded.size > 8) this.decoded.delete(this.decoded.keys().next().value!);
    return d;
  }

  private fromBatch(id: number, hash: string): CandidateRecord | undefined {
    const d = this.batchReader(id);
    const c = d.indexOfHash(hash);
    return c < 0 ? undefined : d.record(c, (k) => this.metricNames(k));
  }

  /** Whether batch row `id` holds this hash (no candidate decoded). */
  private batchHolds(id: number, hash: string): boolean {
    return this.batchReader(id).indexOfHash(hash) >= 0;
  }

  private hasLegacy(studyId: number): boolean {
    return this.stmts.legacyAny.get(studyId) === 1;
  }

  /** Adds a study; a name already taken (even by another process a moment ago) is a StudyExistsError. */
  createStudy(study: NewStudy, now = Date.now()): StudyRecord {
    const exists = () => new StudyExistsError(`study '${study.name}' already exists in ${this.path}`);
    if (this.getStudy(study.name)) throw exists();
    try {
      this.insertStudy(study, now);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw exists();
      throw error;
    }
    return this.getStudy(study.name)!;
  }

  private insertStudy(study: NewStudy, now: number): void {
    this.w('insertStudy').run({
      name: study.name,
      config: encodeJson(study.config),
      seed: study.seed,
      space: study.space,
      device: study.device,
      objectives: encodeJson(study.objectives),
      constraints: encodeJson(study.constraints),
      strategy: study.strategy,
      now,
      hwnasVersion: study.hwnasVersion,
      evaluator: study.evaluator === undefined ? null : encodeJson(study.evaluator),
      inputs: study.inputs === undefined ? null : JSON.stringify(study.inputs),
    });
  }

  /** Replaces a study's stored config (a resume that raises its budget). */
  setConfig(studyId: number, config: unknown, now = Date.now()): void {
    this.w('setConfig').run(encodeJson(config), now, studyId);
  }

  /** Replaces a study's evaluator spec (a forced resume records the identity of the files it now runs). */
  setEvaluator(studyId: number, evaluator: unknown, now = Date.now()): void {
    this.w('setEvaluator').run(encodeJson(evaluator), now, studyId);
  }

  getStudy(name: string): StudyRecord | undefined {
    const row = this.stmts.studyByName.get(name) as StudyRow | undefined;
    return row ? toStudy(row) : undefined;
  }

  listStudies(): StudyRecord[] {
    return (this.stmts.studies.all() as StudyRow[]).map(toStudy);
  }

  setStatus(studyId: number, status: StudyStatus, summary: StudySummary, now = Date.now()): void {
    this.w('setStatus').run(status, encodeJson(summary), now, studyId);
  }

  /**
   * Saves the latest checkpoint of a study and its listing summary in one transaction. A kill after this commit
   * resumes from it; a kill before it resumes from the previous one.
   */
  saveCheckpoint(studyId: number, checkpoint: Checkpoint, summary: StudySummary, now = Date.now()): void {
    this.record(studyId, [], { checkpoint, summary }, now);
  }

  private upsertCheckpoint(upsert: Database.Statement, studyId: number, checkpoint: Checkpoint, now: number): void {
    upsert.run(
      studyId,
      checkpoint.generation,
      encodeJson(checkpoint.strategyState),
      encodeJson(checkpoint.loopState),
      JSON.stringify(checkpoint.batch),
      checkpoint.genes === undefined ? null : JSON.stringify(checkpoint.genes),
      now,
    );
  }

  /**
   * Starts a generation the way versions before schema v4 did: the proposed candidates not yet in the study are
   * inserted as pending (numbered from `firstSeq` in proposal order; the content hash's unique index finds the
   * repeats), then the checkpoint that `build` makes from them, in one transaction. The study loop now writes
   * each candidate once, finished (`recordCandidates`); this stays for tools that want rows in flight visible.
   */
  beginGeneration(
    studyId: number,
    proposals: readonly { readonly hash: string; readonly genes: readonly number[] }[],
    generation: number,
    firstSeq: number,
    build: (fresh: readonly NewCandidate[]) => { checkpoint: Checkpoint; summary: StudySummary },
    now = Date.now(),
  ): NewCandidate[] {
    const insert = this.w('insertCandidate');
    const upsert = this.w('upsertCheckpoint');
    const touch = this.w('touch');
    return this.db.transaction(() => {
      const fresh: NewCandidate[] = [];
      let seq = firstSeq;
      const index = this.hashIndex(studyId).index;
      for (const p of proposals) {
        if (this.inBatches(index, p.hash)) continue;
        if (insert.run(studyId, seq, p.hash, JSON.stringify(p.genes), generation, now).changes === 1) {
          fresh.push({ seq, hash: p.hash, genes: p.genes, generation });
          seq++;
        }
      }
      const { checkpoint, summary } = build(fresh);
      this.upsertCheckpoint(upsert, studyId, checkpoint, now);
      touch.run(encodeJson(summary), now, studyId);
      return fresh;
    }).immediate();
  }

  /** Marks the pending candidates with seq in [fromSeq, toSeq] as running (one statement). */
  markRunning(studyId: number, fromSeq: number, toSeq: number, now = Date.now()): void {
    this.w('markRunning').run(now, studyId, fromSeq, toSeq);
  }

  /**
   * The id of a list of metric names in metric_keys, added if new. Called inside the recording transaction; if
   * that transaction rolls back, `forgetNames` drops what this connection cached from it.
   */
  private namesId(names: readonly string[]): number {
    const text = JSON.stringify(names);
    let id = this.idByNames.get(text);
    if (id === undefined) {
      this.w('addNames').run(text);
      id = this.w('namesId').get(text) as number;
      this.idByNames.set(text, id);
      this.namesById.set(id, names);
    }
    return id;
  }

  private forgetNames(): void {
    this.idByNames.clear();
    this.namesById.clear();
    this.lastNames = [];
    this.lastNamesId = -1;
  }

  /** The names of these metrics in order (`lastNamesId` is then their id); the same array while they do not change. */
  private metricKeys(metrics: Readonly<Record<string, number>>): readonly string[] {
    let names = this.lastNames;
    let n = 0;
    let same = true;
    for (const k in metrics) {
      if (same && names[n] !== k) same = false;
      n++;
    }
    if (!same || n !== names.length) {
      names = Object.keys(metrics);
      this.lastNamesId = this.namesId(names);
      this.lastNames = names;
    }
    return names;
  }

  /** Packs metrics into the packer's blob; returns the id of their names. */
  private packMetrics(metrics: Readonly<Record<string, number>>): { id: number; blob: Buffer } {
    // Same names in the same order as the last candidate (the usual case): no allocation, no lookup.
    const names = this.metricKeys(metrics);
    const n = names.length;
    const f = this.packer.values(n);
    for (let i = 0; i < n; i++) f[i] = metrics[names[i]];
    return { id: this.lastNamesId, blob: this.packer.blob(n) };
  }

  /**
   * Writes finished candidates (status done or failed) in one transaction, each as one row with its result, and
   * adds them to the study's counts. A candidate already finished in the study is left as it is and not counted
   * again; a pending row left by an older version is completed. Returns the number of candidates recorded.
   */
  recordCandidates(studyId: number, candidates: readonly FinishedCandidate[], now = Date.now()): number {
    return this.record(studyId, candidates, undefined, now);
  }

  /**
   * One transaction: finished candidates (as `recordCandidates`), then the study's checkpoint and summary when
   * given. Returns the number of candidates recorded.
   */
  record(
    studyId: number,
    candidates: readonly FinishedCandidate[],
    checkpoint?: { readonly checkpoint: Checkpoint; readonly summary: StudySummary },
    now = Date.now(),
  ): number {
    if (candidates.length === 0 && !checkpoint) return 0;
    const finish = this.w('finish');
    const insertBatch = this.w('insertBatch');
    const exists = this.stmts.exists;
    const bump = this.w('bumpCounts');
    const upsert = this.w('upsertCheckpoint');
    const touch = this.w('touch');
    const writer = this.batchWriter;
    try {
      return this.db.transaction(() => {
        let ok = 0;
        let bad = 0;
        if (candidates.length > 0) {
          const ix = this.hashIndex(studyId);
          // Rows of older versions (or of beginGeneration): a pending one is completed in place, a finished one kept.
          const legacy = this.hasLegacy(studyId);
          const added = new Set<string>();
          for (const c of candidates) {
            if (added.has(c.hash) || this.inBatches(ix.index, c.hash)) continue;
            if (legacy && exists.get(studyId, c.hash) !== undefined) {
              const genes = JSON.stringify(c.genes);
              const started = Math.round(now - (c.evalMs ?? 0));
              if (c.status === 'done') {
                const m = this.packMetrics(c.metrics ?? {});
                const o = c.objectives ? this.objectivesPacker.pack(c.objectives) : null;
                ok += finish.run(studyId, c.seq, c.hash, genes, c.generation, 'done', m.blob, m.id, o, c.violation ?? 0, null, c.evalMs ?? null, now, started, now).changes;
              } else {
                bad += finish.run(studyId, c.seq, c.hash, genes, c.generation, 'failed', null, null, null, null, c.error ?? 'failed', c.evalMs ?? null, now, started, now).changes;
              }
              continue;
            }
            if (c.status === 'done') {
              const names = this.metricKeys(c.metrics ?? {});
              writer.add(c, names, this.lastNamesId);
              ok++;
            } else {
              writer.add(c, undefined, -1);
              bad++;
            }
            added.add(c.hash);
          }
          if (writer.size > 0) {
            const count = writer.size;
            const b = writer.take();
            const id = Number(insertBatch.run(studyId, b.minSeq, b.maxSeq, count, b.hashes, b.keys, b.data, b.errors, now).lastInsertRowid);
            if (b.keys) ix.index.addKeys(b.keys, id);
            else for (const h of added) ix.index.set(h, id);
            ix.seen = id;
          }
        }
        if (ok + bad > 0) bump.run(ok + bad, bad, now, studyId);
        if (checkpoint) {
          this.upsertCheckpoint(upsert, studyId, checkpoint.checkpoint, now);
          touch.run(encodeJson(checkpoint.summary), now, studyId);
        }
        return ok + bad;
      }).immediate();
    } catch (error) {
      writer.clear();
      this.hashIndexes.delete(studyId);
      this.forgetNames();
      throw error;
    }
  }

  /**
   * Records results of pending rows (written by `beginGeneration`) in one transaction; a result for a candidate
   * already finished is ignored (never counted twice).
   */
  recordResults(studyId: number, results: readonly CandidateResult[], now = Date.now()): number {
    const done = this.w('recordDone');
    const failed = this.w('recordFailed');
    const bump = this.w('bumpCounts');
    try {
      return this.db.transaction(() => {
        let ok = 0;
        let bad = 0;
        for (const r of results) {
          if (r.ok) {
            const m = this.packMetrics(r.metrics);
            ok += done.run(m.blob, m.id, this.objectivesPacker.pack(r.objectives), r.violation, r.evalMs, now, studyId, r.hash).changes;
          } else bad += failed.run(r.error, r.evalMs, now, studyId, r.hash).changes;
        }
        if (ok + bad > 0) bump.run(ok + bad, bad, now, studyId);
        return ok + bad;
      }).immediate();
    } catch (error) {
      this.forgetNames();
      throw error;
    }
  }

  private metricNames(id: number): readonly string[] {
    let names = this.namesById.get(id);
    if (names === undefined) {
      const text = this.stmts.namesOf?.get(id) as string | undefined;
      if (text === undefined) throw new StoreError(`${this.path}: candidate metrics name metric_keys row ${id}, which is missing`);
      names = JSON.parse(text) as string[];
      this.namesById.set(id, names);
    }
    return names;
  }

  private toCandidate(r: CandidateRow): CandidateRecord {
    let metrics: Record<string, number> | undefined;
    if (typeof r.metrics === 'string') metrics = decodeJson<Record<string, number>>(r.metrics);
    else if (r.metrics !== null) {
      const names = this.metricNames(r.metric_keys ?? -1);
      const values = unpackFloats(r.metrics);
      metrics = {};
      for (let i = 0; i < names.length; i++) metrics[names[i]] = values[i];
    }
    const objectives =
      r.objectives === null ? undefined : typeof r.objectives === 'string' ? decodeJson<number[]>(r.objectives) : unpackFloats(r.objectives);
    return toCandidateRecord(r, metrics, objectives);
  }

  /** The genes of the candidates with these sequence numbers (those that exist). */
  genesBySeq(studyId: number, seqs: readonly number[]): Map<number, number[]> {
    const out = new Map<number, number[]>();
    for (const seq of seqs) {
      const text = this.stmts.genesBySeq.get(studyId, seq) as string | undefined;
      if (text !== undefined) {
        out.set(seq, JSON.parse(text) as number[]);
        continue;
      }
      // The batch whose seq range holds it: batches rarely overlap, so the first one looked at usually has it.
      for (const row of (this.b('batchesBelowSeq')?.all(studyId, seq) ?? []) as { id: number; max_seq: number }[]) {
        if (row.max_seq < seq) continue;
        const d = this.batchReader(row.id);
        const c = d.indexOfSeq(seq);
        if (c >= 0) {
          out.set(seq, d.genesAt(c));
          break;
        }
      }
    }
    return out;
  }

  /** Whether a candidate with this content hash is recorded in the study (an index probe, nothing decoded). */
  has(studyId: number, hash: string): boolean {
    return this.inBatches(this.hashIndex(studyId).index, hash) || this.stmts.exists.get(studyId, hash) !== undefined;
  }

  candidate(studyId: number, hash: string): CandidateRecord | undefined {
    return this.candidatesByHash(studyId, [hash]).get(hash);
  }

  /** The recorded candidates among these content hashes, by hash (one statement for all of them). */
  candidatesByHash(studyId: number, hashes: readonly string[]): Map<string, CandidateRecord> {
    const out = new Map<string, CandidateRecord>();
    if (hashes.length === 0) return out;
    let rest: string[] = [];
    if (this.b('batchById')) {
      const ix = this.hashIndex(studyId).index;
      for (const h of hashes) {
        const id = ix.get(h);
        const r = id === undefined ? undefined : this.fromBatch(id, h);
        if (r) out.set(h, r);
        else rest.push(h);
      }
    } else rest = hashes.slice();
    if (rest.length === 0 || !this.hasLegacy(studyId)) return out;
    for (const row of this.stmts.candidatesByHash.all(studyId, JSON.stringify(rest)) as CandidateRow[]) {
      out.set(row.hash, this.toCandidate(row));
    }
    return out;
  }

  /** Candidates not yet evaluated (pending or running rows of older versions or of `beginGeneration`), in ask order. */
  unfinished(studyId: number): CandidateRecord[] {
    return (this.stmts.unfinished.all(studyId) as CandidateRow[]).map((r) => this.toCandidate(r));
  }

  /** The next free ask sequence number. */
  nextSeq(studyId: number): number {
    const rows = (this.stmts.maxSeq.get(studyId) as { s: number }).s;
    const batched = (this.b('batchMaxSeq')?.get(studyId) as number | undefined) ?? -1;
    return Math.max(rows, batched) + 1;
  }

  checkpoint(studyId: number): Checkpoint | undefined {
    const row = this.stmts.checkpoint.get(studyId) as
      | { generation: number; strategy_state: string; loop_state: string; batch: string; genes?: string | null }
      | undefined;
    if (!row) return undefined;
    return {
      generation: row.generation,
      strategyState: decodeJson(row.strategy_state),
      loopState: decodeJson(row.loop_state),
      batch: JSON.parse(row.batch) as string[],
      ...(row.genes != null ? { genes: JSON.parse(row.genes) as number[][] } : {}),
    };
  }

  /** Every candidate of a study in ask order, streamed (a study may hold millions). */
  *candidates(studyId: number, statuses: readonly CandidateStatus[] = ['done', 'failed']): Generator<CandidateRecord> {
    const marks = statuses.map(() => '?').join(', ');
    const stmt = this.db.prepare(`SELECT ${candidateColumns(this.version)} FROM ${this.tables.candidates} WHERE study_id = ? AND status IN (${marks}) ORDER BY seq`);
    const rows = stmt.iterate(studyId, ...statuses) as IterableIterator<CandidateRow>;
    const batched = this.batchedInOrder(studyId, new Set(statuses));
    // Two streams in seq order (rows of older versions, batches), merged.
    let a = rows.next();
    let b = batched.next();
    while (!a.done || !b.done) {
      if (b.done || (!a.done && a.value.seq < b.value.seq)) {
        yield this.toCandidate(a.value as CandidateRow);
        a = rows.next();
      } else {
        yield b.value;
        b = batched.next();
      }
    }
  }

  /**
   * The batched candidates of a study in seq order, one batch decoded at a time. Batches come by their lowest seq;
   * a candidate held back is given out once the next batch starts above it (batches of a study rarely overlap).
   */
  private *batchedInOrder(studyId: number, statuses: ReadonlySet<string>): Generator<CandidateRecord> {
    const stmt = this.b('batchesInOrder');
    if (!stmt) return;
    let held: CandidateRecord[] = [];
    type Row = { id: number; min_seq: number; hashes: string; data: Buffer; errors: string | null };
    for (const row of stmt.iterate(studyId) as IterableIterator<Row>) {
      let k = 0;
      while (k < held.length && held[k].seq < row.min_seq) yield held[k++];
      const d = new BatchReader(row.hashes, row.data, row.errors);
      const records: CandidateRecord[] = [];
      for (let c = 0; c < d.size; c++) {
        const r = d.record(c, (id) => this.metricNames(id));
        if (statuses.has(r.status)) records.push(r);
      }
      held = k === held.length ? records : held.slice(k).concat(records);
      for (let i = 1; i < held.length; i++) {
        if (held[i].seq < held[i - 1].seq) {
          held.sort((x, y) => x.seq - y.seq);
          break;
        }
      }
    }
    yield* held;
  }

  /**
   * Runs `read` inside one read transaction: every query in it sees the same committed state, whatever other
   * connections write meanwhile (an export's two passes over a study that is still running).
   */
  snapshot<T>(read: () => T): T {
    return this.db.transaction(read).deferred();
  }

  /**
   * `snapshot` for a reader that awaits between its queries: one read transaction held across them. Nothing else
   * may use this connection meanwhile (a store opened for the reading, as export's).
   */
  async readSnapshot<T>(read: () => Promise<T>): Promise<T> {
    if (this.db.inTransaction) return read();
    this.db.exec('BEGIN DEFERRED');
    let result: T;
    try {
      result = await read();
    } catch (error) {
      // A failed read (a damaged page, say) ends its transaction without a COMMIT that would fail again and hide it.
      try {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
      } catch {
        // the read's own error is the one to report
      }
      throw error;
    }
    if (this.db.inTransaction) this.db.exec('COMMIT');
    return result;
  }

  /** 'running' only while a live process holds the study's lock (lock.ts). */
  liveStatus(study: StudyRecord): string {
    return displayStatus(this.path, study);
  }

  /** Raw access for bulk tools (benchmarks synthesising rows); not for ordinary use. */
  get database(): Database.Database {
    return this.db;
  }
}

function migrate(db: Database.Database): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw new StoreError(`schema v${version} is newer than this hwnas (v${SCHEMA_VERSION})`);
    for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]);
    if (version < SCHEMA_VERSION) {
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }
  }).immediate();
}
