/**
 * How long one candidate may take before it fails with "timed out": every evaluator kind has a default, so an
 * evaluator that hangs fails its candidates with the reason instead of stalling the study (in worker threads) or
 * ending the process (in-process, a promise that never settles). `--timeout-ms` overrides it.
 */
import { specParts, type EvaluatorSpec } from './registry.js';

/**
 * The limit for a kind that declares none (a user's module may train a model): generous, but finite.
 * evaluateGuarded and the pool apply it whenever they are given no limit, so a new kind inherits it.
 */
export const FALLBACK_TIMEOUT_MS_PER_CANDIDATE = 10 * 60_000;

/** A command kills its own process group at its timeout; the shared limit stands behind it by this much. */
const COMMAND_GRACE_MS = 60_000;

/** The default limit per candidate of an evaluator spec. */
export function defaultTimeoutMsPerCandidate(spec: EvaluatorSpec): number {
  switch (spec.kind) {
    // Closed-form pricing: microseconds per candidate; seconds mean something is wrong.
    case 'analytic':
      return 10_000;
    // The same pricing, once per stage of a partitioned candidate (search --devices).
    case 'split':
      return 10_000;
    // A lookup in a table read once.
    case 'table':
      return 10_000;
    // A small network's forward pass (TensorFlow.js loaded once per thread, the first call included).
    case 'predicted':
      return 60_000;
    // The test evaluator knows its own cost.
    case 'slow-test':
      return Math.max(1000, 100 * spec.costMs);
    // Its own timeout kills the process group first (a training run: an hour by default).
    case 'command':
      return spec.timeoutMs + COMMAND_GRACE_MS;
    // Each part runs on every candidate: the slowest part's limit.
    case 'combined':
      return Math.max(...spec.parts.map(defaultTimeoutMsPerCandidate));
    // Its parts run apart, on their own workers: the slowest part's limit.
    case 'farm':
      return Math.max(defaultTimeoutMsPerCandidate(spec.base), ...spec.measured.map(defaultTimeoutMsPerCandidate));
    // Timing a real network on this machine (warm-up, repeated runs, rounds); a user's module.
    default:
      return FALLBACK_TIMEOUT_MS_PER_CANDIDATE;
  }
}

/**
 * The limit a study applies: --timeout-ms when given, else the spec's default. A study with a command keeps the
 * command's own limit in front (the command kills its process group; a race at the same moment would only
 * abandon the process), so the shared one is its default, behind it.
 */
export function studyTimeoutMsPerCandidate(spec: EvaluatorSpec, timeoutMs: number | undefined): number {
  const hasCommand = specParts(spec).some((p) => p.kind === 'command');
  return hasCommand || timeoutMs === undefined ? defaultTimeoutMsPerCandidate(spec) : timeoutMs;
}
