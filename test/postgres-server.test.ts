/**
 * The tests' PostgreSQL servers never outlive their test process: one ended by SIGTERM stops its server and removes
 * its folder; one killed by SIGKILL (no cleanup possible) leaves them, and the next start sweeps them, leaving the
 * servers of live test processes alone.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sweepStaleServers } from './postgres-server.js';

/** A process owning a server, with its folder and postmaster once started. */
function owner() {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve('test/fixtures/postgres-owner.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((done) => child.on('exit', () => done()));
  const started = new Promise<{ dir: string; postmaster: number }>((done, fail) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('\n')) done(JSON.parse(out.slice(0, out.indexOf('\n'))) as { dir: string; postmaster: number });
    });
    child.on('exit', (code, signal) => fail(new Error(`the owner exited (${code ?? signal}) before its server started`)));
  });
  return { child, exited, started };
}

/** Whether a process runs: a zombie (dead, not yet reaped: a container's init may never reap) does not. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('test servers', () => {
  it('stop with their process on SIGTERM; after a SIGKILL the next sweep stops them, and leaves live owners alone', async () => {
    const [killed, live] = [owner(), owner()];
    try {
      const [k, l] = await Promise.all([killed.started, live.started]);
      expect([running(k.postmaster), running(l.postmaster)]).toEqual([true, true]);
      killed.child.kill('SIGKILL');
      await killed.exited;
      // Nothing could run in a killed process: its server and folder are still there.
      expect([existsSync(k.dir), running(k.postmaster)]).toEqual([true, true]);
      const swept = sweepStaleServers();
      expect(swept).toContain(k.dir);
      expect(swept).not.toContain(l.dir);
      expect([existsSync(k.dir), running(k.postmaster)]).toEqual([false, false]);
      expect([existsSync(l.dir), running(l.postmaster)]).toEqual([true, true]);
      live.child.kill('SIGTERM');
      await live.exited;
      expect([existsSync(l.dir), running(l.postmaster)]).toEqual([false, false]);
    } finally {
      killed.child.kill('SIGKILL');
      live.child.kill('SIGKILL');
      await Promise.all([killed.exited, live.exited]);
      // What a failure left behind goes now, not at some later test's start.
      sweepStaleServers();
    }
  }, 120_000);
});
