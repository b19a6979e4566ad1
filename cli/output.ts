/**
 * Output files and folders, all or nothing, for every command.
 *
 * The convention (README, "Output files"): an output path that exists is replaced, and the command says so
 * ("replaced x" instead of "wrote x"). The new content goes to a temporary sibling first and is renamed into place
 * once complete, so a failure, a full disk or a kill leaves the old output (or none), never a half-written one. A
 * folder is written whole into a fresh temporary folder and swapped in; an existing folder is replaced only when it
 * is empty or holds the marker file of the same kind of output (an earlier export), never a folder of other files.
 * Every output path is checked with `checkOutput` before any work starts.
 */
import { closeSync, existsSync, fsyncSync, lstatSync, mkdtempSync, openSync, readdirSync, realpathSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from './errors.js';

export interface FileOutput {
  /** The flag that named it, for messages ('out'). */
  readonly flag: string;
  readonly path: string;
}

export interface FolderOutput extends FileOutput {
  /** A file every output of this kind holds: an existing folder with it is an earlier output, safe to replace. */
  readonly marker: string;
}

/** Whether the output was new or replaced an existing one: commands print "wrote" or "replaced". */
export type OutputOutcome = 'wrote' | 'replaced';

const why = (error: unknown) => {
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'ENOSPC') return 'ENOSPC: no space left on the disk';
  if (e.code === 'EROFS') return 'EROFS: read-only file system';
  return e.code ?? e.message;
};

/** Paths of temporary files and folders not yet renamed into place: removed if the process exits first. */
const pending = new Set<string>();
let exitHook = false;
function track(path: string): void {
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const p of pending) rmSync(p, { recursive: true, force: true });
    });
  }
  pending.add(path);
}

/** A name beside `path` in its folder, hidden, unique to this process. */
function sibling(path: string, tag: string): string {
  return join(dirname(path), `.${basename(path)}.${tag}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
}

/** An output path that is a symbolic link is written through it, to the file it names. */
function throughLink(path: string): string {
  try {
    return lstatSync(path).isSymbolicLink() ? realpathSync(path) : path;
  } catch {
    return path;
  }
}

/** The folder an output goes into must exist and take new files (tried, not guessed from permission bits). */
function checkParent(o: FileOutput): void {
  const dir = dirname(o.path);
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new UsageError(`--${o.flag}: no folder '${dir}' for ${o.path} (create it first)`);
  }
  if (!st.isDirectory()) throw new UsageError(`--${o.flag}: '${dir}' is not a folder, so ${o.path} cannot be written`);
  const probe = sibling(o.path, 'check');
  try {
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
  } catch (error) {
    throw new UsageError(`--${o.flag}: cannot write in '${dir}' (${why(error)})`);
  }
}

/** Checks a file output before any work: its folder takes files, and the path is not a folder or a device. */
export function checkOutput(o: FileOutput): void {
  if (o.path === '') throw new UsageError(`--${o.flag}: empty path`);
  if (existsSync(o.path)) {
    const st = statSync(o.path);
    if (st.isDirectory()) throw new UsageError(`--${o.flag}: ${o.path} is a folder; give a file path`);
    if (!st.isFile()) throw new UsageError(`--${o.flag}: ${o.path} is not a regular file; give a file path`);
  }
  checkParent(o);
}

/** Checks a folder output before any work: new, empty, or an earlier output of the same kind (its marker). */
export function checkOutputFolder(o: FolderOutput): void {
  if (o.path === '') throw new UsageError(`--${o.flag}: empty path`);
  if (existsSync(o.path)) {
    const st = lstatSync(o.path);
    if (!st.isDirectory()) throw new UsageError(`--${o.flag}: ${o.path} exists and is not a folder`);
    const entries = readdirSync(o.path);
    if (entries.length > 0 && !entries.includes(o.marker)) {
      throw new UsageError(`--${o.flag}: ${o.path} holds other files (no ${o.marker} of an earlier export); give a new or empty folder`);
    }
  }
  checkParent(o);
}

/**
 * A file written in pieces (a large export) into a temporary sibling, renamed into place by `commit`. Text is
 * gathered into chunks of about a megabyte before each write, so memory does not grow with the file.
 */
export class OutputFile {
  private readonly tmp: string;
  private fd: number | undefined;
  private chunks: string[] = [];
  private size = 0;
  private readonly existed: boolean;

  private readonly target: string;

  private constructor(private readonly o: FileOutput) {
    this.target = throughLink(o.path);
    this.existed = existsSync(this.target);
    this.tmp = sibling(this.target, 'tmp');
    try {
      this.fd = openSync(this.tmp, 'wx');
    } catch (error) {
      throw new UsageError(`--${o.flag}: cannot write ${o.path} (${why(error)})`);
    }
    track(this.tmp);
  }

  static open(o: FileOutput): OutputFile {
    return new OutputFile(o);
  }

  write(data: string | Buffer): void {
    if (typeof data !== 'string') {
      this.flush();
      this.guard(() => writeSync(this.fd!, data));
      return;
    }
    this.chunks.push(data);
    this.size += data.length;
    if (this.size >= 1 << 20) this.flush();
  }

  private flush(): void {
    if (this.chunks.length === 0) return;
    const text = this.chunks.join('');
    this.chunks = [];
    this.size = 0;
    this.guard(() => writeSync(this.fd!, text));
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      this.abort();
      throw new UsageError(`--${this.o.flag}: cannot write ${this.o.path} (${why(error)}); nothing written`);
    }
  }

  /** Writes what is left and syncs it to the disk; the file is complete but not yet in place. */
  finish(): void {
    if (this.fd === undefined) return;
    this.flush();
    this.guard(() => {
      fsyncSync(this.fd!);
      closeSync(this.fd!);
      this.fd = undefined;
    });
  }

  /** Finishes the file and renames it into place. */
  commit(): OutputOutcome {
    this.finish();
    this.guard(() => renameSync(this.tmp, this.target));
    pending.delete(this.tmp);
    return this.existed ? 'replaced' : 'wrote';
  }

  /** Drops the temporary file: the old output, if any, stays as it was. */
  abort(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = undefined;
    }
    rmSync(this.tmp, { force: true });
    pending.delete(this.tmp);
  }
}

/** Writes a whole file all or nothing. */
export function writeOutput(o: FileOutput, content: string | Buffer): OutputOutcome {
  const f = OutputFile.open(o);
  f.write(content);
  return f.commit();
}

/**
 * Writes several files (a report and its images) all or nothing: each into its temporary sibling, then all renamed
 * into place once every one is complete.
 */
export function writeOutputs(files: readonly { readonly output: FileOutput; readonly content: string | Buffer }[]): OutputOutcome[] {
  const open: OutputFile[] = [];
  try {
    for (const f of files) {
      const w = OutputFile.open(f.output);
      open.push(w);
      w.write(f.content);
      w.finish();
    }
  } catch (error) {
    for (const w of open) w.abort();
    throw error;
  }
  return open.map((w) => w.commit());
}

/** Streams text into a file all or nothing: `fill` writes through `write`; a throw leaves the old file as it was. */
export async function streamOutput(o: FileOutput, fill: (write: (text: string) => void) => void | Promise<void>): Promise<OutputOutcome> {
  const f = OutputFile.open(o);
  try {
    await fill((text) => f.write(text));
  } catch (error) {
    f.abort();
    throw error;
  }
  return f.commit();
}

/**
 * Writes a folder all or nothing: `fill` writes into a fresh temporary folder beside the target, which is then
 * swapped in (the old folder, if any, is moved aside first and removed after). A throw leaves the old folder as
 * it was. Call `checkOutputFolder` before the work.
 */
export async function writeOutputFolder(o: FolderOutput, fill: (dir: string) => void | Promise<void>): Promise<OutputOutcome> {
  let tmp: string;
  try {
    tmp = mkdtempSync(join(dirname(o.path), `.${basename(o.path)}.tmp-`));
  } catch (error) {
    throw new UsageError(`--${o.flag}: cannot write ${o.path} (${why(error)})`);
  }
  track(tmp);
  try {
    await fill(tmp);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    pending.delete(tmp);
    const e = error as NodeJS.ErrnoException;
    if (e.code && e.syscall) throw new UsageError(`--${o.flag}: cannot write ${o.path} (${why(error)}); nothing written`);
    throw error;
  }
  const existed = existsSync(o.path);
  const old = sibling(o.path, 'old');
  try {
    if (existed) renameSync(o.path, old);
    try {
      renameSync(tmp, o.path);
    } catch (error) {
      if (existed) renameSync(old, o.path);
      throw error;
    }
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    pending.delete(tmp);
    throw new UsageError(`--${o.flag}: cannot write ${o.path} (${why(error)}); nothing written`);
  }
  pending.delete(tmp);
  if (existed) rmSync(old, { recursive: true, force: true });
  return existed ? 'replaced' : 'wrote';
}

/** "wrote x" or "replaced x": what a command prints about an output. */
export function outputLine(outcome: OutputOutcome, path: string): string {
  return `${outcome} ${path}`;
}
