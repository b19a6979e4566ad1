/**
 * Real file-system faults for tests: a small disk that fills up, and a read-only folder. Both are tmpfs mounts,
 * which need root with CAP_SYS_ADMIN (as on the project's machine and in CI containers); elsewhere the tests that
 * need a full disk are skipped, and a read-only folder falls back to permission bits (which bind a non-root user).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

function tryMount(dir: string, options: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const isRoot = process.getuid?.() === 0;

/** Whether this process may mount a tmpfs (probed once). */
export const canMount: boolean = (() => {
  const d = mkdtempSync(join(tmpdir(), 'hwnas-mount-probe-'));
  if (!tryMount(d, 'size=64k')) return false;
  execFileSync('umount', [d]);
  return true;
})();

const mounted: string[] = [];
afterAll(() => {
  for (const d of mounted.splice(0)) {
    try {
      execFileSync('umount', ['-l', d], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
});

/** A fresh folder on a disk of `bytes` (a tmpfs), unmounted after the test file. Needs `canMount`. */
export function smallDisk(bytes: number): string {
  const d = mkdtempSync(join(tmpdir(), 'hwnas-full-'));
  if (!tryMount(d, `size=${bytes}`)) throw new Error('cannot mount a tmpfs here (check canMount first)');
  mounted.push(d);
  return d;
}

/** Fills `dir` until the disk is full (a file of zeros), so the next write fails with ENOSPC. */
export function fillDisk(dir: string): void {
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${join(dir, 'filler')}`, 'bs=4096'], { stdio: 'ignore' });
  } catch {
    // dd exits 1 when the disk is full: that is the point
  }
}

/**
 * Makes a folder (with what `fill` put in it) read-only: as root a read-only tmpfs mount (permission bits do not
 * bind root), otherwise mode bits. `fill` writes into the folder first.
 */
export function readOnlyFolder(fill: (dir: string) => void): string {
  const d = mkdtempSync(join(tmpdir(), 'hwnas-ro-'));
  if (isRoot) {
    if (!tryMount(d, 'size=64m')) throw new Error('cannot mount a tmpfs here (check canMount first)');
    mounted.push(d);
    fill(d);
    execFileSync('mount', ['-o', 'remount,ro', d]);
    return d;
  }
  fill(d);
  for (const f of readdirSync(d)) if (statSync(join(d, f)).isFile()) chmodSync(join(d, f), 0o444);
  chmodSync(d, 0o555);
  return d;
}

/** Whether read-only folders can be made here (always as a non-root user; as root, with mounts). */
export const canMakeReadOnly = !isRoot || canMount;
