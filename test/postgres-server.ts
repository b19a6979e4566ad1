/**
 * A real PostgreSQL server for the tests of one file: initdb into a temporary folder, pg_ctl start on a free port of
 * 127.0.0.1, stopped (and the folder removed) when the file's tests end. Debian's `postgresql` package provides the
 * binaries (.ci/run installs it); as root, they run as the `postgres` user, which initdb requires.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const TEST_PASSWORD = 'hwnas-test-secret';

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

export interface TestServer {
  readonly port: number;
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
  const dir = mkdtempSync(join(tmpdir(), 'hwnas-pg-'));
  const data = join(dir, 'data');
  const asRoot = userInfo().uid === 0;
  const run = (tool: string, args: string[]) => {
    const cmd = asRoot ? 'runuser' : join(bin, tool);
    const argv = asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args;
    return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  };
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, TEST_PASSWORD + '\n');
  if (asRoot) {
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
  let alive = true;
  const destroy = () => {
    if (!alive) return;
    alive = false;
    const cmd = asRoot ? 'runuser' : join(bin, 'pg_ctl');
    const argv = ['-D', data, '-m', 'immediate', 'stop'];
    spawnSync(cmd, asRoot ? ['-u', 'postgres', '--', join(bin, 'pg_ctl'), ...argv] : argv, { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', destroy);
  const psql = (database: string, sql: string) =>
    execFileSync(join(bin, 'psql'), ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-At', '-c', sql], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  return {
    port,
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
