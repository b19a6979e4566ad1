/**
 * An evaluator spec as a study recorded it, used again later (a resume, a worker on another machine): the identity
 * of its own evaluators' files, its commands' concurrency, and whether it runs in worker threads.
 */
import { changedFiles, hashFiles } from './identity.js';
import { specParts, type EvaluatorSpec } from './registry.js';

const USER_KINDS: ReadonlySet<string> = new Set(['command', 'module', 'table']);

/**
 * Files of a recorded study's evaluators that changed since it began (module, table, the scripts a command line
 * names), as 'path (sha256 old → new)'.
 */
export function changedEvaluatorFiles(spec: EvaluatorSpec): string[] {
  return specParts(spec).flatMap((p) => (USER_KINDS.has(p.kind) ? changedFiles((p as { files: Record<string, string> }).files) : []));
}

/** A recorded spec with its commands running `threads` processes at once (a resume may change --threads). */
export function withThreads(spec: EvaluatorSpec, threads: number): EvaluatorSpec {
  if (spec.kind === 'farm') return { ...spec, base: withThreads(spec.base, threads) };
  if (spec.kind === 'combined') return { ...spec, parts: spec.parts.map((p) => withThreads(p, threads)) };
  return spec.kind === 'command' ? { ...spec, concurrency: Math.max(1, threads) } : spec;
}

/** The same spec with its files' hashes taken now (what `resume --force` records). */
export function rehashEvaluatorFiles(spec: EvaluatorSpec): EvaluatorSpec {
  if (spec.kind === 'farm') return { ...spec, base: rehashEvaluatorFiles(spec.base) };
  if (spec.kind === 'combined') return { ...spec, parts: spec.parts.map(rehashEvaluatorFiles) };
  if (spec.kind === 'command' || spec.kind === 'module' || spec.kind === 'table') return { ...spec, files: hashFiles(Object.keys(spec.files)) };
  return spec;
}

/** A command runs in-process (it starts processes itself, `concurrency` at once); everything else in threads when asked. */
export function usesWorkerThreads(spec: EvaluatorSpec, threads: number): boolean {
  return threads > 0 && !specParts(spec).some((p) => p.kind === 'command');
}

/**
 * The device a study's candidates must be evaluated on (a measured latency is measured on that device), or null. A
 * farm study's candidates are evaluated in parts, each on its own device (farm.ts).
 */
export function taskDeviceOf(spec: EvaluatorSpec): string | null {
  if (spec.kind === 'farm') return null;
  const measured = specParts(spec).find((p) => p.kind === 'measured');
  return measured && measured.kind === 'measured' ? measured.device.id : null;
}
