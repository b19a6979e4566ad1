/**
 * An evaluator that never returns: every evaluator kind has a default time limit per candidate, so a hung
 * candidate fails with the reason and the study goes on — in-process (where the hang used to end the process
 * with exit 13 and a stale lock) and in worker threads (where the study stalled forever). And a process that
 * exits without releasing its study lock (exit 13, process.exit) leaves no lock behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { faultOf } from '../../search/evaluate/slow-test.js';
import { defaultTimeoutMsPerCandidate } from '../../search/evaluate/timeouts.js';
import { SqliteStore } from '../../search/store/index.js';

const bin = resolve('bin/hwnas.js');

/** Runs hwnas; a run still going after `limitMs` is killed (the stall this test guards against). */
function hwnas(args: string[], limitMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stderr });
    });
  });
}

function study(d: string, threads: number): string {
  const config = join(d, `study-${threads}.yaml`);
  writeFileSync(
    config,
    // fbnet: an nb201 study also reads NAS-Bench-201's accuracy table, whose own (longer) limit would apply.
    ['name: h', 'space: fbnet', 'strategy: random', 'seed: 4', 'evaluations: 24', 'generationSize: 8', 'chunkSize: 2', 'evaluator: slow-test', 'costMs: 0', `threads: ${threads}`, 'testFaults: {hangRate: 0.15}'].join('\n'),
  );
  return config;
}

describe('an evaluator that hangs', () => {
  it('slow-test declares a short default limit; every kind has one (the fallback covers kinds that declare none)', () => {
    expect(defaultTimeoutMsPerCandidate({ kind: 'slow-test', costMs: 0 })).toBe(1000);
    expect(defaultTimeoutMsPerCandidate({ kind: 'slow-test', costMs: 50 })).toBe(5000);
    expect(defaultTimeoutMsPerCandidate({ kind: 'someone-elses' } as never)).toBe(10 * 60_000);
    expect(defaultTimeoutMsPerCandidate({ kind: 'split' } as never)).toBe(10_000);
    // A command kills its own process group at its own limit: the shared one stands a minute behind it.
    expect(defaultTimeoutMsPerCandidate({ kind: 'command', timeoutMs: 3_600_000 } as never)).toBe(3_660_000);
    expect(defaultTimeoutMsPerCandidate({ kind: 'combined', parts: [{ kind: 'slow-test', costMs: 0 }, { kind: 'table' }] } as never)).toBe(10_000);
  });

  for (const threads of [0, 1]) {
    it(`${threads === 0 ? 'in-process' : 'in a worker thread'}: the hung candidates fail with the reason, the study finishes, no lock is left`, async () => {
      const d = mkdtempSync(join(tmpdir(), 'hwnas-hang-'));
      const db = join(d, 'h.db');
      const r = await hwnas(['search', '-c', study(d, threads), '--db', db, '--quiet'], 90_000);
      expect(r.signal).toBeNull();
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const store = SqliteStore.open(db, { readonly: true });
      const s = store.getStudy('h')!;
      const all = [...store.candidates(s.id)];
      store.close();
      expect([s.status, s.evaluations]).toEqual(['finished', 24]);
      const hung = all.filter((c) => c.status === 'failed');
      expect(hung.length).toBeGreaterThan(0);
      for (const c of hung) expect(c.error).toBe('timed out after 1000 ms');
      // Exactly the candidates the injected fault hangs, and no other.
      const { fbnetSpace } = await import('../../core/spaces/fbnet.js');
      for (const c of all) expect(c.status === 'failed').toBe(faultOf(fbnetSpace.decode(c.genes), { hangRate: 0.15 }) === 'hang');
      expect(readdirSync(d).filter((f) => f.endsWith('.lock'))).toEqual([]);
    }, 120_000);
  }

  it('a process that exits without releasing its study lock (exit 13, process.exit) leaves no lock behind', () => {
    const d = mkdtempSync(join(tmpdir(), 'hwnas-hang-'));
    const lockUrl = new URL('../../search/store/lock.ts', import.meta.url).href;
    for (const [how, code] of [
      ['await new Promise(() => {});', 13],
      ['process.exit(3);', 3],
    ] as const) {
      const lock = join(d, `x-${code}.lock`);
      const script = `const { StudyLock } = await import(${JSON.stringify(lockUrl)}); const l = StudyLock.acquire(${JSON.stringify(lock)}); if (!(l instanceof StudyLock)) process.exit(99); ${how}`;
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(r.status).toBe(code);
      expect(existsSync(lock)).toBe(false);
    }
  });
});
