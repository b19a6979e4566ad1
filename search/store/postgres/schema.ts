/**
 * The PostgreSQL schema, as an ordered list of migrations (as schema.ts is for SQLite). hwnas_meta holds the number
 * of migrations applied and marks the tables as hwnas's. Every table is prefixed hwnas_ so that a database shared
 * with other tools (optuna-dashboard's `studies`, say) has no clash. Add a migration by appending to
 * PG_MIGRATIONS; never edit one that has shipped.
 *
 * Numbers: seq, generation and counts are integers; times are milliseconds since the epoch (bigint, read as
 * numbers). Genes, metrics and objectives are JSON text that keeps Infinity and NaN (json.ts); violation and
 * eval_ms are float8, which keeps every double exactly.
 */
export const PG_MIGRATIONS: readonly string[] = [
  // v1: studies, candidates (one row each, written once with its result), the latest checkpoint of each study,
  // tasks (candidates waiting for a worker, with their lease) and the workers' heartbeats.
  `
  CREATE TABLE hwnas_studies (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE,
    config text NOT NULL,
    seed bigint NOT NULL,
    space text NOT NULL,
    device text NOT NULL,
    objectives text NOT NULL,
    constraints text NOT NULL,
    strategy text NOT NULL,
    status text NOT NULL CHECK (status IN ('running', 'stopped', 'finished')),
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    hwnas_version text NOT NULL,
    evaluator text,
    evaluations integer NOT NULL DEFAULT 0,
    failed integer NOT NULL DEFAULT 0,
    summary text NOT NULL DEFAULT '{}',
    coordinator text
  );
  CREATE TABLE hwnas_candidates (
    study_id integer NOT NULL REFERENCES hwnas_studies (id) ON DELETE CASCADE,
    seq integer NOT NULL,
    hash text NOT NULL,
    genes text NOT NULL,
    generation integer NOT NULL,
    status text NOT NULL CHECK (status IN ('done', 'failed')),
    metrics text,
    objectives text,
    violation double precision,
    error text,
    eval_ms double precision,
    worker text,
    finished_at bigint NOT NULL,
    PRIMARY KEY (study_id, seq),
    UNIQUE (study_id, hash)
  );
  CREATE TABLE hwnas_checkpoints (
    study_id integer PRIMARY KEY REFERENCES hwnas_studies (id) ON DELETE CASCADE,
    generation integer NOT NULL,
    strategy_state text NOT NULL,
    loop_state text NOT NULL,
    batch text NOT NULL,
    genes text,
    created_at bigint NOT NULL
  );
  CREATE TABLE hwnas_tasks (
    study_id integer NOT NULL REFERENCES hwnas_studies (id) ON DELETE CASCADE,
    seq integer NOT NULL,
    hash text NOT NULL,
    genes text NOT NULL,
    generation integer NOT NULL,
    device text,
    lease_owner text,
    lease_token text,
    lease_expires_at timestamptz,
    leases integer NOT NULL DEFAULT 0,
    created_at bigint NOT NULL,
    PRIMARY KEY (study_id, seq),
    UNIQUE (study_id, hash)
  );
  CREATE INDEX hwnas_tasks_owner ON hwnas_tasks (lease_owner);
  CREATE TABLE hwnas_workers (
    id text PRIMARY KEY,
    host text NOT NULL,
    pid integer NOT NULL,
    device text,
    machine text,
    started_at bigint NOT NULL,
    heartbeat_at bigint NOT NULL
  );
  `,
  // v2: the files a study read when it began (a space file, a loss-law file, a device file), with their content
  // (as SQLite's v8): resume, workers, export and report read these copies, never the files as they are now. And
  // the coordinator's heartbeat: a coordinator alive but hung (stopped, stuck) keeps its advisory lock; a worker
  // that sees the heartbeat stale ends the lock's session, which frees the study for a take-over.
  `ALTER TABLE hwnas_studies ADD COLUMN inputs text;
   ALTER TABLE hwnas_studies ADD COLUMN coordinator_seen_at timestamptz;`,
  // v3: a candidate evaluated in parts, each on its own device (a study measured on several devices): a task per
  // part, and each part's result kept until the coordinator merges the candidate's parts into its row (and after,
  // naming the worker, so the machine, behind each device's measurement).
  `ALTER TABLE hwnas_tasks ADD COLUMN part integer NOT NULL DEFAULT 0;
   ALTER TABLE hwnas_tasks ADD COLUMN parts integer NOT NULL DEFAULT 1;
   ALTER TABLE hwnas_tasks DROP CONSTRAINT hwnas_tasks_pkey;
   ALTER TABLE hwnas_tasks ADD PRIMARY KEY (study_id, seq, part);
   ALTER TABLE hwnas_tasks DROP CONSTRAINT hwnas_tasks_study_id_hash_key;
   ALTER TABLE hwnas_tasks ADD UNIQUE (study_id, hash, part);
   CREATE TABLE hwnas_parts (
     study_id integer NOT NULL REFERENCES hwnas_studies (id) ON DELETE CASCADE,
     hash text NOT NULL,
     part integer NOT NULL,
     seq integer NOT NULL,
     device text,
     status text NOT NULL CHECK (status IN ('done', 'failed')),
     metrics text,
     error text,
     eval_ms double precision,
     worker text,
     finished_at bigint NOT NULL,
     PRIMARY KEY (study_id, hash, part)
   );`,
  // v4: the coordinator's heartbeat in a row of its own. On the study's row it waited behind any of the coordinator's
  // own write transactions holding that row: a main thread blocked inside one (a long in-process evaluation) held
  // the beat back, and the coordinator looked stopped.
  `CREATE TABLE hwnas_coordinator_beats (
     study_id integer PRIMARY KEY REFERENCES hwnas_studies (id) ON DELETE CASCADE,
     token text NOT NULL,
     seen_at timestamptz NOT NULL
   );
   ALTER TABLE hwnas_studies DROP COLUMN coordinator_seen_at;`,
];

export const PG_SCHEMA_VERSION = PG_MIGRATIONS.length;

/** Marks hwnas_meta as hwnas's: a table of that name written by something else is refused, not migrated. */
export const PG_APPLICATION = 'hwnas';

/** The first key of every advisory lock hwnas takes ('hwns' in ASCII, as SQLite's application_id). */
export const ADVISORY_LOCK_CLASS = 0x68776e73;
/** The second key of the lock held while the schema is created or migrated. */
export const MIGRATION_LOCK_KEY = -1;
