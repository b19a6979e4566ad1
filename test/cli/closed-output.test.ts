/**
 * A reader that stops early (`hwnas devices | head -1`) closes the pipe before hwnas has written everything: hwnas
 * stops quietly (exit 0, nothing on stderr) instead of dying of an unhandled EPIPE.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = resolve('bin/hwnas.js');

/** Runs hwnas with its stdout pipe closed by the reader before the first write. */
function withClosedStdout(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HWNAS_FROM_SOURCE: '1' } });
    // Closed at once: the child has not started yet, so its first write meets a pipe with no reader.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stderr }));
  });
}

describe('stdout closed by the reader', () => {
  it('hwnas devices and hwnas --help exit 0 without a word on stderr', async () => {
    for (const args of [['devices'], ['--help']]) {
      const r = await withClosedStdout(args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
  }, 60_000);
});
