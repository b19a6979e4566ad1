import Database from 'better-sqlite3';
import { accessSync, closeSync, constants, existsSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError } from './errors.js';
import { decodeJson, encodeJson } from './json.js';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from './schema.js';
import type {
  CandidateRecord,
  CandidateResult,
  CandidateStatus,
  Checkpoint,
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
  /** Milliseconds to wait for a lock held by another connection. Default 5000. */
  readonly busyTimeoutMs?: number;
}

const SQLITE_MAGIC = 'SQLite format 3\0';

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
      hasTables = (probe.prepare(`SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'`).get() as { n: number }).n > 0;
    } catch (error) {
      throw new StoreError(`${path}: unreadable database (${(error as Error).message})`);
    } finally {
      probe?.close();
    }
  }
  if (appId !== APPLICATION_ID) {
    if (hasTables || version > 0) throw new StoreError(`${path}: not an hwnas database (an SQLite file of another application)`);
    return 'new';
  }
  if (version > SCHEMA_VERSION) {
    throw new StoreError(`${path}: written by a newer hwnas (schema v${version}; this hwnas reads up to v${SCHEMA_VERSION}); upgrade hwnas`);
  }
  return 'existing';
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    accessSync(dirname(path), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

interface StudyRow {
  id: number;
  name: string;
  config: string;
  seed: number;
  space: string;
  device: string;
  objectives: string;
  constraints: string;
  strategy: string;
  status: StudyStatus;
  created_at: number;
  updated_at: number;
  hwnas_version: string;
  evaluator?: string | null;
  evaluations: number;
  failed: number;
  summary: string;
}

interface CandidateRow {
  seq: number;
  hash: string;
  genes: string;
  generation: number;
  status: CandidateStatus;
  metrics: string | null;
  objectives: string | null;
  violation: number | null;
  error: string | null;
  eval_ms: number | null;
}

function toStudy(r: StudyRow): StudyRecord {
  return {
    id: r.id,
    name: r.name,
    config: decodeJson(r.config),
    seed: r.seed,
    space: r.space,
    device: r.device,
    objectives: decodeJson(r.objectives),
    constraints: decodeJson(r.constraints),
    strategy: r.strategy,
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    hwnasVersion: r.hwnas_version,
    // Absent in a v1 database read without migrating.
    ...(r.evaluator != null ? { evaluator: decodeJson(r.evaluator) } : {}),
    evaluations: r.evaluations,
    failed: r.failed,
    summary: decodeJson<StudySummary>(r.summary),
  };
}

function toCandidate(r: CandidateRow): CandidateRecord {
  const failed = r.status === 'failed';
  return {
    seq: r.seq,
    hash: r.hash,
    genes: JSON.parse(r.genes) as number[],
    generation: r.generation,
    status: r.status,
    ...(r.metrics !== null ? { metrics: decodeJson<Record<string, number>>(r.metrics) } : {}),
    ...(r.objectives !== null ? { objectives: decodeJson<number[]>(r.objectives) } : {}),
    ...(r.violation !== null ? { violation: r.violation } : failed ? { violation: Infinity } : {}),
    ...(r.error !== null ? { error: r.error } : {}),
    ...(r.eval_ms !== null ? { evalMs: r.eval_ms } : {}),
  };
}

/**
 * A study database in one SQLite file: WAL journal (readers never block the writer), a busy timeout for
 * competing writers, and every multi-row change in one transaction.
 */
export class SqliteStore {
  readonly path: string;
  readonly readonly: boolean;
  private readonly db: Database.Database;
  private readonly stmts;

  private constructor(path: string, db: Database.Database, readonly: boolean) {
    this.path = path;
    this.db = db;
    this.readonly = readonly;
    const p = (sql: string) => db.prepare(sql);
    this.stmts = {
      studyByName: p(`SELECT * FROM studies WHERE name = ?`),
      studies: p(`SELECT * FROM studies ORDER BY created_at, id`),
      ...(readonly
        ? {}
        : {
            insertStudy: p(`INSERT INTO studies (name, config, seed, space, device, objectives, constraints, strategy, status,
              created_at, updated_at, hwnas_version, evaluator) VALUES (@name, @config, @seed, @space, @device, @objectives, @constraints,
              @strategy, 'running', @now, @now, @hwnasVersion, @evaluator)`),
            setStatus: p(`UPDATE studies SET status = ?, summary = ?, updated_at = ? WHERE id = ?`),
            insertCandidate: p(`INSERT INTO candidates (study_id, seq, hash, genes, generation, status, created_at)
              VALUES (?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (study_id, hash) DO NOTHING`),
            upsertCheckpoint: p(`INSERT INTO checkpoints (study_id, generation, strategy_state, loop_state, batch, created_at)
              VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (study_id) DO UPDATE SET generation = excluded.generation,
              strategy_state = excluded.strategy_state, loop_state = excluded.loop_state, batch = excluded.batch,
              created_at = excluded.created_at`),
            markRunning: p(`UPDATE candidates SET status = 'running', started_at = ? WHERE study_id = ? AND seq BETWEEN ? AND ? AND status = 'pending'`),
            recordDone: p(`UPDATE candidates SET status = 'done', metrics = ?, objectives = ?, violation = ?, error = NULL, eval_ms = ?,
              finished_at = ? WHERE study_id = ? AND hash = ? AND status IN ('pending', 'running')`),
            recordFailed: p(`UPDATE candidates SET status = 'failed', metrics = NULL, objectives = NULL, violation = NULL, error = ?,
              eval_ms = ?, finished_at = ? WHERE study_id = ? AND hash = ? AND status IN ('pending', 'running')`),
            bumpCounts: p(`UPDATE studies SET evaluations = evaluations + ?, failed = failed + ?, updated_at = ? WHERE id = ?`),
            setConfig: p(`UPDATE studies SET config = ?, updated_at = ? WHERE id = ?`),
            touch: p(`UPDATE studies SET summary = ?, updated_at = ? WHERE id = ?`),
          }),
      genesBySeq: p(`SELECT genes FROM candidates WHERE study_id = ? AND seq = ?`).pluck(),
      exists: p(`SELECT 1 FROM candidates WHERE study_id = ? AND hash = ?`).pluck(),
      candidateByHash: p(`SELECT seq, hash, genes, generation, status, metrics, objectives, violation, error, eval_ms
        FROM candidates WHERE study_id = ? AND hash = ?`),
      checkpoint: p(`SELECT * FROM checkpoints WHERE study_id = ?`),
      maxSeq: p(`SELECT coalesce(max(seq), -1) AS s FROM candidates WHERE study_id = ?`),
      unfinished: p(`SELECT seq, hash, genes, generation, status, metrics, objectives, violation, error, eval_ms
        FROM candidates WHERE study_id = ? AND status IN ('pending', 'running') ORDER BY seq`),
    };
  }

  /** Opens (or creates) a database, refusing foreign or newer files without touching them. */
  static open(path: string, options: OpenOptions = {}): SqliteStore {
    const ro = options.readonly ?? false;
    const kind = inspect(path, options.mustExist ?? ro);
    let db: Database.Database;
    // A read-only connection to an idle database would leave empty -wal and -shm files behind; a read-write
    // connection in query-only mode reads the same and removes them when it closes.
    const quietReader = ro && kind === 'existing' && !existsSync(`${path}-wal`) && writable(path);
    try {
      db = new Database(path, {
        readonly: ro && !quietReader,
        fileMustExist: kind === 'existing' || ro,
        timeout: options.busyTimeoutMs ?? 5000,
      });
      if (quietReader) db.pragma('query_only = ON');
    } catch (error) {
      throw new StoreError(`${path}: cannot open (${(error as Error).message})`);
    }
    try {
      if (!ro) {
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
      return new SqliteStore(path, db, ro);
    } catch (error) {
      db.close();
      if (error instanceof StoreError) throw error;
      throw new StoreError(`${path}: cannot use database (${(error as Error).message})`);
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private w<K extends string>(key: K) {
    const s = (this.stmts as Record<string, Database.Statement | undefined>)[key];
    if (!s) throw new StoreError(`${this.path}: opened read-only`);
    return s;
  }

  createStudy(study: NewStudy, now = Date.now()): StudyRecord {
    if (this.getStudy(study.name)) throw new StoreError(`study '${study.name}' already exists in ${this.path}`);
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
    });
    return this.getStudy(study.name)!;
  }

  /** Replaces a study's stored config (a resume that raises its budget). */
  setConfig(studyId: number, config: unknown, now = Date.now()): void {
    this.w('setConfig').run(encodeJson(config), now, studyId);
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
   * Starts a generation in one transaction: the proposed candidates not yet in the study are inserted as pending
   * (numbered from `firstSeq` in proposal order; the content hash's unique index finds the repeats), then the
   * checkpoint that `build` makes from them. A kill after this commit resumes from here; a kill before it
   * resumes from the previous generation. Returns the candidates inserted.
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
      for (const p of proposals) {
        if (insert.run(studyId, seq, p.hash, JSON.stringify(p.genes), generation, now).changes === 1) {
          fresh.push({ seq, hash: p.hash, genes: p.genes, generation });
          seq++;
        }
      }
      const { checkpoint, summary } = build(fresh);
      upsert.run(
        studyId,
        checkpoint.generation,
        encodeJson(checkpoint.strategyState),
        encodeJson(checkpoint.loopState),
        JSON.stringify(checkpoint.batch),
        now,
      );
      touch.run(encodeJson(summary), now, studyId);
      return fresh;
    })();
  }

  /** Marks the pending candidates with seq in [fromSeq, toSeq] as running (one statement). */
  markRunning(studyId: number, fromSeq: number, toSeq: number, now = Date.now()): void {
    this.w('markRunning').run(now, studyId, fromSeq, toSeq);
  }

  /** Records results in one transaction; a result for a candidate already finished is ignored (never counted twice). */
  recordResults(studyId: number, results: readonly CandidateResult[], now = Date.now()): number {
    const done = this.w('recordDone');
    const failed = this.w('recordFailed');
    const bump = this.w('bumpCounts');
    return this.db.transaction(() => {
      let ok = 0;
      let bad = 0;
      for (const r of results) {
        if (r.ok) ok += done.run(encodeJson(r.metrics), encodeJson(r.objectives), r.violation, r.evalMs, now, studyId, r.hash).changes;
        else bad += failed.run(r.error, r.evalMs, now, studyId, r.hash).changes;
      }
      if (ok + bad > 0) bump.run(ok + bad, bad, now, studyId);
      return ok + bad;
    })();
  }

  /** The genes of the candidates with these sequence numbers (those that exist). */
  genesBySeq(studyId: number, seqs: readonly number[]): Map<number, number[]> {
    const out = new Map<number, number[]>();
    for (const seq of seqs) {
      const text = this.stmts.genesBySeq.get(studyId, seq) as string | undefined;
      if (text !== undefined) out.set(seq, JSON.parse(text) as number[]);
    }
    return out;
  }

  /** Whether a candidate with this content hash is recorded in the study (an index probe, nothing decoded). */
  has(studyId: number, hash: string): boolean {
    return this.stmts.exists.get(studyId, hash) !== undefined;
  }

  candidate(studyId: number, hash: string): CandidateRecord | undefined {
    const row = this.stmts.candidateByHash.get(studyId, hash) as CandidateRow | undefined;
    return row ? toCandidate(row) : undefined;
  }

  /** Candidates not yet evaluated (pending or running when the process stopped), in ask order. */
  unfinished(studyId: number): CandidateRecord[] {
    return (this.stmts.unfinished.all(studyId) as CandidateRow[]).map(toCandidate);
  }

  /** The next free ask sequence number. */
  nextSeq(studyId: number): number {
    return (this.stmts.maxSeq.get(studyId) as { s: number }).s + 1;
  }

  checkpoint(studyId: number): Checkpoint | undefined {
    const row = this.stmts.checkpoint.get(studyId) as
      | { generation: number; strategy_state: string; loop_state: string; batch: string }
      | undefined;
    if (!row) return undefined;
    return {
      generation: row.generation,
      strategyState: decodeJson(row.strategy_state),
      loopState: decodeJson(row.loop_state),
      batch: JSON.parse(row.batch) as string[],
    };
  }

  /** Every candidate of a study in ask order, streamed (a study may hold millions). */
  *candidates(studyId: number, statuses: readonly CandidateStatus[] = ['done', 'failed']): Generator<CandidateRecord> {
    const marks = statuses.map(() => '?').join(', ');
    const stmt = this.db.prepare(
      `SELECT seq, hash, genes, generation, status, metrics, objectives, violation, error, eval_ms
       FROM candidates WHERE study_id = ? AND status IN (${marks}) ORDER BY seq`,
    );
    for (const row of stmt.iterate(studyId, ...statuses) as IterableIterator<CandidateRow>) yield toCandidate(row);
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
