/**
 * The command evaluator: any executable scores candidates. It gets one candidate as JSON on stdin
 * (candidate-document.ts) and prints its metrics as one JSON object on stdout (the last line, if it prints logs
 * before it). Up to `concurrency` processes run at once. Each runs in its own process group, so a timeout kills the
 * whole group (the shell, the interpreter and whatever it started), and the group ends itself once hwnas's process
 * is gone (ORPHAN_GUARD: a SIGKILL leaves hwnas no chance to). A non-zero exit, a signal, a timeout, output
 * that is not JSON or lacks a declared metric fails that candidate with the stderr tail as the reason; the study
 * goes on. `retries` reruns a failed candidate that many times.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { Architecture } from '../../core/architecture.js';
import type { Genes, SearchSpace } from '../../core/space.js';
import { resolveSpace, type SpaceRef } from '../space-file.js';
import { candidateDocument } from './candidate-document.js';
import type { EvaluationResult, Evaluator } from './evaluator.js';
import type { FileHashes } from './identity.js';
import { metricsFromOutput, type MetricDeclaration } from './metric-declarations.js';

export interface CommandSpec {
  readonly kind: 'command';
  /** A command line, run by the shell (sh -c; cmd.exe on Windows) in `cwd`. */
  readonly command: string;
  readonly cwd: string;
  /** The space id or space file the candidates come from (for their gene names). */
  readonly space: SpaceRef;
  readonly metrics: readonly MetricDeclaration[];
  /** Per attempt; then the process group gets SIGTERM, and SIGKILL KILL_GRACE_MS later. */
  readonly timeoutMs: number;
  readonly retries: number;
  /** Processes at once. */
  readonly concurrency: number;
  /** SHA-256 of the files the command line names, when the study began (identity.ts). */
  readonly files: FileHashes;
}

/** A training script is the common case: an hour, unless the study says otherwise (--timeout-ms). */
export const DEFAULT_COMMAND_TIMEOUT_MS = 3_600_000;
const KILL_GRACE_MS = 2000;
const STDERR_TAIL_BYTES = 4096;
const STDOUT_LIMIT_BYTES = 16 * 2 ** 20;
const groups = process.platform !== 'win32';

/**
 * The shell that leads each command's process group (POSIX): it runs the command ($1) in the background, and a
 * watcher beside it ends the whole group within a second once hwnas's process (HWNAS_PARENT_PID) is gone — killed
 * with SIGKILL, hwnas kills nothing itself, and a training run would go on with nobody to read its result. The
 * candidate on fd 0 is handed to the command explicitly (a background job of a non-interactive shell reads
 * /dev/null otherwise); the watcher holds none of the pipes, so the command's end is seen at once. Exit status: the
 * command's (a signal as 128 + its number).
 */
const ORPHAN_GUARD = [
  'exec 3<&0',
  '/bin/sh -c "$1" <&3 3<&- &',
  'job=$!',
  'exec 0</dev/null 3<&-',
  '(while kill -0 "$HWNAS_PARENT_PID" 2>/dev/null; do sleep 1; done; kill -KILL 0) </dev/null >/dev/null 2>&1 &',
  'watch=$!',
  'wait "$job"',
  'status=$?',
  'kill "$watch" 2>/dev/null',
  'exit "$status"',
].join('\n');

/** A signal's name from the 128 + number a shell exits with, if it is one. */
function signalOfStatus(code: number): string | undefined {
  return code > 128 ? Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0] : undefined;
}

/** The last lines of stderr, for a failure message. */
function tail(stderr: string): string {
  const lines = stderr.trimEnd().split(/\r?\n/).slice(-12).join('\n').trim();
  return lines === '' ? '' : `; stderr: ${lines.length > 1500 ? `…${lines.slice(-1500)}` : lines}`;
}

/** The whole output as JSON, or else its last non-empty line (logs printed before the metrics). */
function parseOutput(stdout: string): { value: unknown } | undefined {
  const attempt = (text: string) => {
    try {
      return { value: JSON.parse(text) as unknown };
    } catch {
      return undefined;
    }
  };
  const whole = stdout.trim();
  if (whole === '') return undefined;
  return attempt(whole) ?? attempt(whole.split(/\r?\n/).filter((l) => l.trim() !== '').at(-1)!);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (groups && child.pid !== undefined) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // already gone
  }
}

export class CommandEvaluator implements Evaluator {
  readonly id: string;
  private readonly space: SearchSpace;
  private readonly running = new Set<ChildProcess>();
  private closed = false;

  constructor(private readonly spec: CommandSpec) {
    this.id = `command(${spec.command})`;
    this.space = resolveSpace(spec.space);
  }

  /** One attempt: spawn, feed the candidate, wait, read the metrics. */
  private attempt(input: string): Promise<EvaluationResult> {
    const { spec } = this;
    return new Promise((resolveResult) => {
      let child: ChildProcess;
      try {
        child = groups
          ? spawn('/bin/sh', ['-c', ORPHAN_GUARD, 'hwnas-evaluator', spec.command], { cwd: spec.cwd, detached: true, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, HWNAS_PARENT_PID: String(process.pid) } })
          : spawn(spec.command, { cwd: spec.cwd, shell: true, stdio: ['pipe', 'pipe', 'pipe'] });
      } catch (error) {
        resolveResult({ ok: false, error: `cannot start '${spec.command}': ${(error as Error).message}` });
        return;
      }
      this.running.add(child);
      let stdout = '';
      let stdoutBytes = 0;
      let stderr = '';
      let timedOut = false;
      let overflow = false;
      let startError: Error | undefined;
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        stdoutBytes += Buffer.byteLength(chunk);
        if (stdoutBytes > STDOUT_LIMIT_BYTES) {
          overflow = true;
          killGroup(child, 'SIGKILL');
        } else stdout += chunk;
      });
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
      });
      // A command that never reads its stdin closes the pipe: that is its business, not an error.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(input);
      let kill: NodeJS.Timeout | undefined;
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(child, 'SIGTERM');
        kill = setTimeout(() => killGroup(child, 'SIGKILL'), KILL_GRACE_MS);
      }, spec.timeoutMs);
      child.on('error', (error) => (startError = error));
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (kill) clearTimeout(kill);
        this.running.delete(child);
        // The shell may exit before what it started: the group goes with it.
        if (groups) killGroup(child, 'SIGKILL');
        const fail = (reason: string) => resolveResult({ ok: false, error: reason + tail(stderr) });
        if (startError) return fail(`cannot start '${spec.command}': ${startError.message}`);
        if (timedOut) return fail(`timed out after ${spec.timeoutMs} ms (process group killed)`);
        if (overflow) return fail(`printed more than ${STDOUT_LIMIT_BYTES} bytes on stdout (killed)`);
        if (signal) return fail(`killed by ${signal}`);
        const shellSignal = groups && code !== null ? signalOfStatus(code) : undefined;
        if (shellSignal) return fail(`killed by ${shellSignal}`);
        if (code !== 0) return fail(`exited with code ${code}`);
        const parsed = parseOutput(stdout);
        if (!parsed) return fail(`printed no JSON on stdout (expected one object of metrics; got ${JSON.stringify(stdout.trim().slice(-200))})`);
        const read = metricsFromOutput(parsed.value, spec.metrics);
        if ('error' in read) return fail(read.error);
        resolveResult({ ok: true, metrics: read.metrics });
      });
    });
  }

  private async one(arch: Architecture, genes: Genes): Promise<EvaluationResult> {
    const input = JSON.stringify(candidateDocument(this.space, genes, arch)) + '\n';
    let result: EvaluationResult = { ok: false, error: 'not run' };
    for (let attempt = 0; attempt <= this.spec.retries && !this.closed; attempt++) {
      result = await this.attempt(input);
      if (result.ok) return result;
    }
    if (!result.ok && this.spec.retries > 0) return { ok: false, error: `${result.error} (after ${this.spec.retries + 1} attempts)` };
    return result;
  }

  async evaluate(architectures: readonly Architecture[], genes?: readonly Genes[]): Promise<EvaluationResult[]> {
    if (!genes || genes.length !== architectures.length) throw new Error('the command evaluator needs the genes of every candidate');
    const results: EvaluationResult[] = new Array(architectures.length);
    let next = 0;
    const runner = async () => {
      while (next < architectures.length) {
        const k = next++;
        results[k] = await this.one(architectures[k], genes[k]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.spec.concurrency, architectures.length) }, runner));
    return results;
  }

  /** Kills whatever still runs (a study stopped mid-batch). */
  async close(): Promise<void> {
    this.closed = true;
    for (const child of this.running) killGroup(child, 'SIGKILL');
  }
}

export function createCommandEvaluator(spec: CommandSpec): Evaluator {
  return new CommandEvaluator(spec);
}
