/**
 * A real PostgreSQL server for the tests of one file: initdb into a temporary folder, pg_ctl start on a free port of
 * 127.0.0.1, stopped (and the folder removed) when the file's tests end. Debian's `postgresql` package provides the
 * binaries (.ci/run installs it); as root, they run as the `postgres` user, which initdb requires.
 *
 * No server outlives its test process: each folder names its owner (pid and start time); the server is stopped on
 * exit and on SIGINT, SIGTERM and SIGHUP; and every start first sweeps the servers of earlier test processes that
 * died without cleaning up (SIGKILL), found by their folders.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const TEST_PASSWORD = 'hwnas-test-secret';

/** The prefix of every test server's folder in the temporary directory (what the sweep looks for). */
export const SERVER_DIR_PREFIX = 'hwnas-pg-';
/** The file in a server's folder naming the test process that owns it. */
const OWNER_FILE = 'owner.json';
/** A folder younger than this without its owner file may be one being set up right now: left alone. */
const SETUP_GRACE_MS = 60_000;

function binDir(): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return join(root, versions[0], 'bin');
  }
  throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install -y postgresql)');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A process's state and start time (/proc/<pid>/stat fields 3 and 22); the start time, with the pid, names it. */
function procStat(pid: number): { state: string; start: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, start: fields[19]! };
  } catch {
    return undefined;
  }
}

interface Owner {
  readonly pid: number;
  readonly start: string | undefined;
}

function ownerAlive(owner: Owner): boolean {
  const stat = procStat(owner.pid);
  // Gone, a zombie (dead but not reaped: a container's init may never reap it), or a pid reused since.
  if (!stat || stat.state === 'Z') return false;
  return owner.start === undefined || stat.start === owner.start;
}

const asRoot = () => userInfo().uid === 0;

/** pg_ctl as the user that owns the data folder (the `postgres` user when the tests run as root). */
function pgCtl(bin: string, args: string[]): { ok: boolean; stderr: string } {
  const tool = join(bin, 'pg_ctl');
  const r = asRoot() ? spawnSync('runuser', ['-u', 'postgres', '--', tool, ...args], { encoding: 'utf8' }) : spawnSync(tool, args, { encoding: 'utf8' });
  return { ok: r.status === 0, stderr: r.stderr ?? '' };
}

/** Stops the server of a folder at once (if one runs there) and removes the folder. */
function stopAndRemove(bin: string, dir: string): void {
  const data = join(dir, 'data');
  if (existsSync(join(data, 'postmaster.pid'))) pgCtl(bin, ['-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop']);
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Stops the servers, and removes the folders, of test processes that are gone (killed before they could clean up).
 * Returns the folders swept. Folders of live processes (other test files running now) are left alone.
 */
export function sweepStaleServers(root = tmpdir()): string[] {
  const swept: string[] = [];
  let bin: string | undefined;
  for (const name of readdirSync(root)) {
    if (!name.startsWith(SERVER_DIR_PREFIX)) continue;
    const dir = join(root, name);
    let owner: Owner | undefined;
    try {
      owner = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as Owner;
    } catch {
      // No owner named (yet): one being set up now, or a folder of a crash during setup once it is old enough.
      try {
        if (Date.now() - statSync(dir).mtimeMs < SETUP_GRACE_MS) continue;
      } catch {
        continue;
      }
    }
    if (owner && ownerAlive(owner)) continue;
    bin ??= binDir();
    stopAndRemove(bin, dir);
    swept.push(dir);
  }
  return swept;
}

/** Cleanups run when this process ends, however it ends short of SIGKILL. */
const cleanups = new Set<() => void>();
let hooked = false;

function runCleanups(): void {
  for (const c of [...cleanups]) {
    cleanups.delete(c);
    try {
      c();
    } catch {
      // the others still run
    }
  }
}

/**
 * Runs `cleanup` when the test process ends: on exit, and on SIGINT, SIGTERM and SIGHUP (after which the signal
 * ends the process as it would have). Returns a function that unregisters it.
 */
export function onTestProcessEnd(cleanup: () => void): () => void {
  if (!hooked) {
    hooked = true;
    process.once('exit', runCleanups);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      const onSignal = () => {
        runCleanups();
        process.off(signal, onSignal);
        process.kill(process.pid, signal);
      };
      process.on(signal, onSignal);
    }
  }
  cleanups.add(cleanup);
  return () => void cleanups.delete(cleanup);
}

export interface TestServer {
  readonly port: number;
  /** The server's folder (data, socket, log, owner mark). */
  readonly dir: string;
  /** A URL with the password, to a database of this name (created by `createDatabase`). */
  url(database: string, password?: string): string;
  createDatabase(name: string): string;
  /** Runs SQL as the superuser (psql over the socket folder). */
  sql(database: string, sql: string): string;
  stop(): void;
  start(): void;
  /** Stops the server for good and removes its folder. */
  destroy(): void;
}

/**
 * `durable`: fsync on, with asynchronous commits (as SQLite's WAL with synchronous=NORMAL: a power cut may lose the
 * last commits, never corrupts), for benchmarks; default off, for tests (a test server is thrown away).
 */
export async function startPostgres(opts: { durable?: boolean } = {}): Promise<TestServer> {
  const bin = binDir();
  sweepStaleServers();
  const dir = mkdtempSync(join(tmpdir(), SERVER_DIR_PREFIX));
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify({ pid: process.pid, start: procStat(process.pid)?.start } satisfies Owner));
  let alive = true;
  const destroy = () => {
    if (!alive) return;
    alive = false;
    unregister();
    stopAndRemove(bin, dir);
  };
  // Registered before anything runs: a signal during initdb or start still removes what was made.
  const unregister = onTestProcessEnd(destroy);
  const data = join(dir, 'data');
  const run = (tool: string, args: string[]) => {
    const cmd = asRoot() ? 'runuser' : join(bin, tool);
    const argv = asRoot() ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args;
    return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  };
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, TEST_PASSWORD + '\n');
  if (asRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
    chownSync(pwfile, uid, gid);
  }
  run('initdb', ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`, '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  // Test settings: no fsync (a test server is thrown away), few connections' worth of memory.
  const durability = opts.durable ? '-c synchronous_commit=off' : '-c fsync=off -c synchronous_commit=off -c full_page_writes=off';
  const options = `-k ${dir} -c listen_addresses=127.0.0.1 -p ${port} ${durability} -c max_connections=100 -c shared_buffers=32MB`;
  const start = () => void run('pg_ctl', ['-D', data, '-w', '-t', '30', '-l', join(dir, 'log'), '-o', options, 'start']);
  const stop = () => void run('pg_ctl', ['-D', data, '-w', '-m', 'fast', 'stop']);
  start();
  const psql = (database: string, sql: string) =>
    execFileSync(join(bin, 'psql'), ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-At', '-c', sql], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  return {
    port,
    dir,
    url: (database, password = TEST_PASSWORD) => `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    createDatabase(name) {
      psql('postgres', `CREATE DATABASE "${name}"`);
      return `postgresql://postgres:${encodeURIComponent(TEST_PASSWORD)}@127.0.0.1:${port}/${name}`;
    },
    sql: psql,
    stop,
    start,
    destroy,
  };
}
