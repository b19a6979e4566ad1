import { closeSync, openSync, readFileSync, realpathSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * One running process per study: a lock file beside the database holding the owner's pid, created atomically.
 * A lock left by a killed process (its pid no longer alive) is taken over, so a SIGKILLed study resumes.
 */
export class StudyLock {
  private readonly onExit = () => this.release();

  private constructor(readonly path: string) {
    // However the process ends short of a kill (an exit call, a promise that never settles: exit 13), the lock goes.
    process.on('exit', this.onExit);
  }

  /** Takes the lock, or returns the pid of the live process holding it. */
  static acquire(path: string): StudyLock | { readonly heldBy: number } {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return new StudyLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      let pid = NaN;
      try {
        pid = Number(readFileSync(path, 'utf8').trim());
      } catch {
        continue; // released meanwhile
      }
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) return { heldBy: pid };
      try {
        unlinkSync(path);
      } catch {
        // another process took it over first; try again
      }
    }
    return { heldBy: NaN };
  }

  release(): void {
    process.off('exit', this.onExit);
    try {
      if (Number(readFileSync(this.path, 'utf8').trim()) === process.pid) unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}

/** The live process holding the lock file at `path`, if any (a lock of a process that is gone is not held). */
export function lockHolder(path: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(path, 'utf8').trim());
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
}

/**
 * A study's status as a listing should show it: 'running' only while a live process holds its lock; a study left
 * 'running' by a process that was killed is 'interrupted' (resume continues it).
 */
export function displayStatus(dbPath: string, study: { readonly id: number; readonly status: string }): string {
  if (study.status !== 'running') return study.status;
  return lockHolder(studyLockPath(dbPath, study.id)) === undefined ? 'interrupted' : 'running';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The real file behind a path (symlinks and `..` resolved), so that every path to one database names one lock.
 * A file not created yet is named by its folder's real path.
 */
export function realFilePath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    try {
      return join(realpathSync(dirname(path)), basename(path));
    } catch {
      return path;
    }
  }
}

/** The lock file of a study of the database at `dbPath`: beside the real database file, whatever path reached it. */
export function studyLockPath(dbPath: string, studyId: number): string {
  return `${realFilePath(dbPath)}.study-${studyId}.lock`;
}
