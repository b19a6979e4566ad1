/**
 * The store's schema, as an ordered list of migrations. `PRAGMA user_version` holds the number of migrations
 * applied; `PRAGMA application_id` marks the file as an hwnas database, so a foreign SQLite file is recognised
 * and left alone. Add a migration by appending to MIGRATIONS; never edit one that has shipped.
 */

/** 'hwns' in ASCII: SQLite's documented slot for telling an application's files apart. */
export const APPLICATION_ID = 0x68776e73;

export const MIGRATIONS: readonly string[] = [
  // v1: studies, candidates, the latest checkpoint of each study.
  `
  CREATE TABLE studies (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    config TEXT NOT NULL,
    seed INTEGER NOT NULL,
    space TEXT NOT NULL,
    device TEXT NOT NULL,
    objectives TEXT NOT NULL,
    constraints TEXT NOT NULL,
    strategy TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'stopped', 'finished')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    hwnas_version TEXT NOT NULL,
    evaluations INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    summary TEXT NOT NULL DEFAULT '{}'
  );
  CREATE TABLE candidates (
    id INTEGER PRIMARY KEY,
    study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    genes TEXT NOT NULL,
    generation INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed')),
    metrics TEXT,
    objectives TEXT,
    violation REAL,
    error TEXT,
    eval_ms REAL,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    UNIQUE (study_id, hash),
    UNIQUE (study_id, seq)
  );
  CREATE INDEX candidates_status ON candidates (study_id, status);
  CREATE TABLE checkpoints (
    study_id INTEGER PRIMARY KEY REFERENCES studies(id) ON DELETE CASCADE,
    generation INTEGER NOT NULL,
    strategy_state TEXT NOT NULL,
    loop_state TEXT NOT NULL,
    batch TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  `,
  // v2: the evaluator spec a study was priced with (device profile inline), for exact resume and provenance.
  `ALTER TABLE studies ADD COLUMN evaluator TEXT;`,
  // v3: index only the unfinished candidates (a handful at any time) instead of every row's status, which cost
  // two index updates per candidate.
  `
  DROP INDEX candidates_status;
  CREATE INDEX candidates_unfinished ON candidates (study_id, seq) WHERE status IN ('pending', 'running');
  `,
  // v4: a candidate is written once, with its result (no pending row, no status updates): the checkpoint lists
  // the generation's asked hashes and genes. Metrics and objectives of new rows are little-endian float64 blobs
  // in the existing columns (TEXT affinity keeps a blob as it is); the metric names behind a blob are stored once
  // in metric_keys. Rows of older versions keep their JSON and are read as before.
  `
  CREATE TABLE metric_keys (id INTEGER PRIMARY KEY, names TEXT NOT NULL UNIQUE);
  ALTER TABLE candidates ADD COLUMN metric_keys INTEGER;
  ALTER TABLE checkpoints ADD COLUMN genes TEXT;
  `,
  // v5: candidates keyed by (study, seq) in a WITHOUT ROWID table: the row and its order are one b-tree instead
  // of a rowid table plus a (study, seq) index, a third less work per candidate written. Rows are copied over.
  `
  CREATE TABLE candidates_v5 (
    study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    genes TEXT NOT NULL,
    generation INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed')),
    metrics TEXT,
    metric_keys INTEGER,
    objectives TEXT,
    violation REAL,
    error TEXT,
    eval_ms REAL,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    PRIMARY KEY (study_id, seq),
    UNIQUE (study_id, hash)
  ) WITHOUT ROWID;
  INSERT INTO candidates_v5 (study_id, seq, hash, genes, generation, status, metrics, metric_keys, objectives, violation, error,
    eval_ms, created_at, started_at, finished_at)
  SELECT study_id, seq, hash, genes, generation, status, metrics, metric_keys, objectives, violation, error, eval_ms, created_at,
    started_at, finished_at FROM candidates;
  DROP TABLE candidates;
  ALTER TABLE candidates_v5 RENAME TO candidates;
  CREATE INDEX candidates_unfinished ON candidates (study_id, seq) WHERE status IN ('pending', 'running');
  `,
  // v6: finished candidates many to a row, one row per group commit (batch.ts): a row and a random-key index entry
  // per candidate cost 8–15 µs each. Duplicates are found in memory from the batches' hashes. Rows in
  // candidates (older versions, pending rows of beginGeneration) stay and are read with the batches. The packed
  // hashes come first in the row: an index rebuild reads them without walking the larger columns' pages.
  `
  CREATE TABLE candidate_batches (
    id INTEGER PRIMARY KEY,
    study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    min_seq INTEGER NOT NULL,
    max_seq INTEGER NOT NULL,
    count INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    keys BLOB,
    hashes TEXT NOT NULL,
    errors TEXT,
    data BLOB NOT NULL
  );
  CREATE INDEX candidate_batches_study ON candidate_batches (study_id);
  CREATE INDEX candidate_batches_seq ON candidate_batches (study_id, min_seq);
  `,
  // v7: hwnas's tables get names of their own (optuna-dashboard, pointed at hwnas.db, created its tables beside
  // them and failed on its own `studies`). Indexes are renamed with them; foreign keys follow the renamed tables.
  `
  ALTER TABLE studies RENAME TO hwnas_studies;
  ALTER TABLE candidates RENAME TO hwnas_candidates;
  ALTER TABLE checkpoints RENAME TO hwnas_checkpoints;
  ALTER TABLE metric_keys RENAME TO hwnas_metric_keys;
  ALTER TABLE candidate_batches RENAME TO hwnas_candidate_batches;
  DROP INDEX candidates_unfinished;
  CREATE INDEX hwnas_candidates_unfinished ON hwnas_candidates (study_id, seq) WHERE status IN ('pending', 'running');
  DROP INDEX candidate_batches_study;
  CREATE INDEX hwnas_candidate_batches_study ON hwnas_candidate_batches (study_id);
  DROP INDEX candidate_batches_seq;
  CREATE INDEX hwnas_candidate_batches_seq ON hwnas_candidate_batches (study_id, min_seq);
  `,
  // v8: the files a study read when it began (a space file, a loss-law file, a device file), with their content:
  // resume, export and report read these copies, never the files as they are now.
  `ALTER TABLE hwnas_studies ADD COLUMN inputs TEXT;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** The schema version from which hwnas's tables carry the `hwnas_` prefix. */
const PREFIXED_FROM = 7;

/** Names of hwnas's tables in a database of schema `version` (a read-only connection reads older files as they are). */
export function tableNames(version: number) {
  const name = (t: string) => (version >= PREFIXED_FROM ? `hwnas_${t}` : t);
  return {
    studies: name('studies'),
    candidates: name('candidates'),
    checkpoints: name('checkpoints'),
    metricKeys: name('metric_keys'),
    batches: name('candidate_batches'),
  } as const;
}

/**
 * Whether a table belongs to hwnas in a database of schema `version`: anything else is another program's, and
 * hwnas does not write to a file that holds one.
 */
export function isHwnasTable(name: string, version: number): boolean {
  if (name.startsWith('sqlite_')) return true;
  if (name.startsWith('hwnas_')) return true;
  return version < PREFIXED_FROM && (Object.values(tableNames(version)) as string[]).includes(name);
}
