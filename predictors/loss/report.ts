/**
 * One complete fit of a law to data: the fit, optional bootstrap intervals and held-out evaluation, and the
 * law file that `hwnas fit --out` writes (read back by `loadLawFile`).
 */
import type { Rng } from '../../core/rng.js';
import type { BootstrapResult, FitData, FitOptions, FitResult, Holdout, HoldoutResult } from './fit.js';
import { bootstrap, fitForm, fitLayout, holdoutEvaluation } from './fit.js';
import type { LawSpec } from './index.js';
import { LAW_FILE_FORMAT, lawFromSpec } from './index.js';
import type { FormInput, LossLaw } from './law.js';

export interface FitRequest {
  readonly fit?: FitOptions;
  /** Bootstrap resamples (0: none). */
  readonly bootstrapCount?: number;
  readonly holdout?: Holdout;
  /** Where the data came from, for the law's `source`. */
  readonly dataSource: string;
}

export interface FitReport {
  readonly spec: LawSpec;
  readonly fit: FitResult;
  readonly bootstrap: BootstrapResult | null;
  readonly holdout: HoldoutResult | null;
  /** The fitted law, ready to predict. */
  readonly law: LossLaw;
  /** What `--out` writes. */
  readonly file: Record<string, unknown>;
}

/** The input a "largest models held out" split sorts by: the law's size input. */
export function sizeInput(inputs: readonly FormInput[]): FormInput {
  for (const name of ['activeParams', 'params', 'activeNonEmbeddingParams', 'nonEmbeddingParams', 'width', 'depth', 'trainingTokens'] as const) {
    if (inputs.includes(name)) return name;
  }
  return inputs[0];
}

export function runFit(spec: LawSpec, data: FitData, rng: Rng, request: FitRequest): FitReport {
  const start = spec.coefficients ?? undefined;
  const fit = fitForm(spec.form, data, request.fit, undefined, start);
  const boot = request.bootstrapCount && request.bootstrapCount > 0 ? bootstrap(spec.form, data, fit, rng, { count: request.bootstrapCount, delta: fit.delta, space: request.fit?.space }) : null;
  const hold = request.holdout ? holdoutEvaluation(spec.form, data, request.holdout, rng, request.fit, start) : null;
  const id = `${spec.id}-fit`;
  const source = `fitted by hwnas fit on ${request.dataSource} (${fit.points} points, Huber δ=${fit.delta}, ${fit.starts} starts)`;
  const fitted: LawSpec = { ...spec, id, source, coefficients: fit.coefficients, fittedRange: fit.fittedRange };
  const law = lawFromSpec(fitted);
  const layout = fitLayout(spec.form);
  const file: Record<string, unknown> = {
    format: LAW_FILE_FORMAT,
    id,
    name: `${spec.name} (fitted)`,
    source,
    ...(spec.form.kind === 'power-sum' ? { form: spec.form.id } : { formula: spec.form.formula }),
    coefficients: fit.coefficients,
    fittedRange: fit.fittedRange,
    fit: {
      objective: fit.objective,
      delta: fit.delta,
      points: fit.points,
      starts: fit.starts,
      status: fit.status,
      parametrisation: Object.fromEntries(layout.names.map((n, i) => [n, layout.isLog[i] ? 'log' : 'linear'])),
      r2Loss: fit.r2Loss,
      rmseLoss: fit.rmseLoss,
      r2LogLoss: fit.r2LogLoss,
      rmseLogLoss: fit.rmseLogLoss,
      bootstrap: boot,
      holdout: hold,
      residuals: fit.residuals,
    },
  };
  return { spec, fit, bootstrap: boot, holdout: hold, law, file };
}
