/**
 * The loss-law registry: built-in published laws, and laws from files (fitted by `hwnas fit`, or declared by a
 * user with a formula).
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { ExpressionForm } from './expression.js';
import { compileExpressionForm, expressionLaw } from './expression.js';
import type { PowerSumForm } from './forms.js';
import { BUILTIN_FORMS, powerSumLaw } from './forms.js';
import type { InputName, InputRange, LossLaw } from './law.js';
import { INPUT_NAMES } from './law.js';
import { PENALTY_TENSORS, type PenaltySpec, type PenaltyTensor, type PrecisionPenalties } from './precision-penalty.js';
import { didYouMean } from '../../core/suggest.js';

export type { LossInputs, LossLaw, InputName, InputRange } from './law.js';
export { lossInputs } from './law.js';

/** A form the fitter can fit: a built-in power sum, or a user formula. */
export type LawForm = PowerSumForm | ExpressionForm;

/** Published coefficients, one entry per built-in law, with its source and the range of its fitting data. */
export const PUBLISHED_LAWS = {
  codesign: {
    source: 'Hardware co-design scaling laws via roofline modelling (arXiv 2602.10377), its fitted loss law',
    coefficients: { A_l: 9.96, alpha_l: 1.63, A_moe: 0.031, p_rho: 1.09, p_r: 0.17, p_d: 0.33, A_d: 500, alpha_d: 0.97, A_kv: 0.2, alpha_kv: 0.05, E: 2.53 },
    // The paper's search grid; r from the FFN ratios 0.5–8 of its frontier; d_m from d/n_h (head
    // dimension 64 assumed; the paper does not give n_h) to d. Validation loss after 10B training tokens.
    fittedRange: {
      depth: { min: 4, max: 32 },
      width: { min: 768, max: 3072 },
      ffnRatio: { min: 0.5, max: 8 },
      kvDim: { min: 64, max: 3072 },
      moeActivationRate: { min: 1 / 16, max: 1 },
      trainingTokens: { min: 1e10, max: 1e10 },
    },
  },
  chinchilla: {
    source: 'Hoffmann et al. 2022, Training compute-optimal large language models (arXiv 2203.15556), approach 3',
    coefficients: { E: 1.69, A: 406.4, alpha: 0.34, B: 410.7, beta: 0.28 },
    // "over 400 language models ranging from 70 million to over 16 billion parameters on 5 to 500 billion
    // tokens", all dense (ρ = 1).
    fittedRange: {
      activeParams: { min: 7e7, max: 1.6e10 },
      trainingTokens: { min: 5e9, max: 5e11 },
      moeActivationRate: { min: 1, max: 1 },
    },
  },
  gemstones: {
    source: 'McLeish et al. 2025, Gemstones: a model suite for multi-faceted scaling laws, width/depth law',
    coefficients: {
      E: Math.exp(0.392),
      A_w: Math.exp(1.452),
      alpha_w: 0.245,
      A_l: Math.exp(-0.078),
      alpha_l: 0.387,
      A_N: Math.exp(7.97),
      alpha_N: 0.5,
      A_D: Math.exp(10.06),
      alpha_D: 0.476,
    },
    // Ranges of the released Gemstones checkpoints, dense models.
    fittedRange: {
      width: { min: 256, max: 3072 },
      depth: { min: 3, max: 80 },
      activeParams: { min: 4.84e7, max: 2.01e9 },
      trainingTokens: { min: 1e10, max: 1.1e11 },
      moeActivationRate: { min: 1, max: 1 },
    },
  },
} as const satisfies Record<string, { source: string; coefficients: Record<string, number>; fittedRange: Partial<Record<InputName, InputRange>> }>;

/** Epoch AI's refit of Chinchilla's data (Besiroglu et al. 2024, 240 points) — for comparison, not a default. */
export const EPOCH_CHINCHILLA_REPLICATION = { E: 1.82, A: 482.01, alpha: 0.3478, B: 2085.43, beta: 0.3658 } as const;

/** Law ids with published coefficients. nemotron-flash is a form only: fit it (`hwnas fit --law nemotron-flash`). */
export const BUILTIN_LAWS: Readonly<Record<string, LossLaw>> = Object.fromEntries(
  Object.entries(PUBLISHED_LAWS).map(([id, p]) => [id, powerSumLaw(BUILTIN_FORMS[id], p.coefficients, { source: p.source, fittedRange: p.fittedRange })]),
);

export const BUILTIN_LAW_IDS = Object.keys(BUILTIN_FORMS);

/** A built-in law by id, or an Error naming the valid ids. */
export function getLaw(id: string): LossLaw {
  const law = BUILTIN_LAWS[id];
  if (law) return law;
  if (id in BUILTIN_FORMS) {
    throw new Error(`loss law '${id}' is a form without published coefficients; fit it to your runs with 'hwnas fit --law ${id}'`);
  }
  const usable = Object.keys(BUILTIN_LAWS);
  throw new Error(`unknown loss law '${id}'${didYouMean(id, BUILTIN_LAW_IDS)}; built in: ${usable.join(', ')} (${BUILTIN_LAW_IDS.filter((l) => !usable.includes(l)).join(', ')}: a form to fit with hwnas fit), or a law file (.json/.yaml from hwnas fit --out)`);
}

/** The file format `hwnas fit --out` writes and `loadLawFile` reads. */
export const LAW_FILE_FORMAT = 'hwnas-loss-law/1';

const rangeSchema = z.object({ min: z.number(), max: z.number() });
const positiveFinite = z.number().refine((v) => Number.isFinite(v) && v > 0, 'must be a finite number > 0');
/** Constants of Eq. 2's form for one tensor (Kumar et al. 2025, arXiv 2411.04330), as `hwnas fit --penalty` writes them. */
const penaltySchema = z
  .object({
    C_T: positiveFinite,
    gamma_D: z.number().refine(Number.isFinite, 'must be a finite number'),
    gamma_N: z.number().refine(Number.isFinite, 'must be a finite number'),
    gamma_post: positiveFinite,
    source: z.string().optional(),
    fittedRange: z.partialRecord(z.enum(['nonEmbeddingParams', 'trainingTokens', 'bits']), rangeSchema).optional(),
    fit: z.unknown().optional(),
  })
  .strict();
const lawFileSchema = z
  .object({
    format: z.literal(LAW_FILE_FORMAT).optional(),
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'lower-case kebab-case id').optional(),
    name: z.string().optional(),
    source: z.string().optional(),
    /** A built-in form id (chinchilla, codesign, gemstones, nemotron-flash). */
    form: z.string().optional(),
    /** A user formula over parameters and inputs (see expression.ts). */
    formula: z.string().min(1).optional(),
    /** Coefficient values: the law's coefficients, or for a formula to be fitted, its parameters' start values. */
    coefficients: z.record(z.string(), z.number().refine(Number.isFinite, 'must be a finite number')).optional(),
    parameters: z.record(z.string(), z.number().refine(Number.isFinite, 'must be a finite number')).optional(),
    /** Starting grid for fitting a formula, in the formula's own parametrisation. */
    startGrid: z.record(z.string(), z.array(z.number()).min(1)).optional(),
    fittedRange: z.partialRecord(z.enum(INPUT_NAMES as [InputName, ...InputName[]]), rangeSchema).optional(),
    fit: z.unknown().optional(),
    /**
     * Quantisation penalties added to the law's loss (loss-parts.ts): weights (in place of Kumar et al.'s published
     * constants), activations and kvCache (which have none): constants of Eq. 2's form, fitted on paired runs.
     */
    precisionPenalty: z.partialRecord(z.enum(PENALTY_TENSORS), penaltySchema).optional(),
  })
  .refine((v) => (v.form === undefined) !== (v.formula === undefined), { message: 'give exactly one of "form" (a built-in form id) or "formula"' });

export type LawFile = z.infer<typeof lawFileSchema>;

/** A law file parsed: its form, and its coefficients when it has them. */
export interface LawSpec {
  readonly id: string;
  readonly name: string;
  readonly source: string;
  readonly form: LawForm;
  readonly coefficients: Readonly<Record<string, number>> | null;
  readonly fittedRange: Readonly<Partial<Record<InputName, InputRange>>>;
  readonly precisionPenalty?: PrecisionPenalties;
}

/** The form (and published coefficients, if any) of a built-in law id. */
export function builtinSpec(id: string): LawSpec {
  const form = BUILTIN_FORMS[id];
  if (!form) throw new Error(`unknown loss law '${id}'; built in: ${BUILTIN_LAW_IDS.join(', ')}`);
  const published = (PUBLISHED_LAWS as Record<string, (typeof PUBLISHED_LAWS)[keyof typeof PUBLISHED_LAWS]>)[id];
  return {
    id,
    name: form.name,
    source: published?.source ?? 'form only (no published coefficients)',
    form,
    coefficients: published?.coefficients ?? null,
    fittedRange: published?.fittedRange ?? {},
  };
}

/** Parse a law file's text (JSON or YAML). Errors name the file and the field. */
export function parseLawSpec(text: string, where: string): LawSpec {
  let raw: unknown;
  try {
    raw = where.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new Error(`${where}: not valid ${where.endsWith('.json') ? 'JSON' : 'YAML'}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  const parsed = lawFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${where}: ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
  }
  const file = parsed.data;
  let coefficients = file.coefficients ?? file.parameters ?? null;
  let fittedRange = (file.fittedRange ?? {}) as Partial<Record<InputName, InputRange>>;
  const penalties = penaltiesOf(file.precisionPenalty, where);
  const extra = penalties ? { precisionPenalty: penalties } : {};
  if (file.form !== undefined) {
    const form = BUILTIN_FORMS[file.form];
    if (!form) throw new Error(`${where}: form: unknown '${file.form}'; built in: ${BUILTIN_LAW_IDS.join(', ')}`);
    // A built-in form without coefficients takes its published ones (a file that only adds penalties to it).
    const published = coefficients === null ? (PUBLISHED_LAWS as Record<string, (typeof PUBLISHED_LAWS)[keyof typeof PUBLISHED_LAWS]>)[file.form] : undefined;
    if (published) {
      coefficients = published.coefficients;
      if (file.fittedRange === undefined) fittedRange = published.fittedRange;
    }
    return { id: file.id ?? form.id, name: file.name ?? form.name, source: file.source ?? (published ? published.source : where), form, coefficients, fittedRange, ...extra };
  }
  if (!coefficients) throw new Error(`${where}: parameters: a formula needs its parameters with values (start values for fitting)`);
  const id = file.id ?? 'user-law';
  let form: ExpressionForm;
  try {
    form = compileExpressionForm({ id, name: file.name, formula: file.formula as string, params: Object.keys(coefficients), startGrid: file.startGrid });
  } catch (error) {
    throw new Error(`${where}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { id, name: file.name ?? id, source: file.source ?? where, form, coefficients, fittedRange, ...extra };
}

/** The penalties of a law file, each with a source (the file, where it names none). */
function penaltiesOf(raw: z.infer<typeof lawFileSchema>['precisionPenalty'], where: string): PrecisionPenalties | undefined {
  if (!raw) return undefined;
  const out: Partial<Record<PenaltyTensor, PenaltySpec>> = {};
  for (const tensor of PENALTY_TENSORS) {
    const p = raw[tensor];
    if (!p) continue;
    out[tensor] = { C_T: p.C_T, gamma_D: p.gamma_D, gamma_N: p.gamma_N, gamma_post: p.gamma_post, source: p.source ?? where, fittedRange: p.fittedRange ?? {} };
  }
  return out;
}

/** A law from a spec that has coefficients. */
export function lawFromSpec(spec: LawSpec): LossLaw {
  if (!spec.coefficients) throw new Error(`loss law '${spec.id}' has no coefficients; fit it first`);
  const meta = { id: spec.id, name: spec.name, source: spec.source, fittedRange: spec.fittedRange, ...(spec.precisionPenalty ? { precisionPenalty: spec.precisionPenalty } : {}) };
  return spec.form.kind === 'power-sum' ? powerSumLaw(spec.form, spec.coefficients, meta) : expressionLaw(spec.form, spec.coefficients, meta);
}

/** Load a law file written by `hwnas fit --out law.json`, or a user-declared law (JSON or YAML). */
export function loadLawFile(path: string): LossLaw {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return lawFromText(text, path);
}

/** A law from a law file's text (as a study stores it); `path` names it in messages and picks JSON or YAML. */
export function lawFromText(text: string, path: string): LossLaw {
  const spec = parseLawSpec(text, path);
  try {
    return lawFromSpec(spec);
  } catch (error) {
    throw new Error(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A built-in law id or a law file path. */
export function resolveLaw(idOrPath: string): LossLaw {
  // A bare word is a law id (a typo of one is not read as a missing file); a path or a .json/.yaml name is a file.
  const isFile = /[\\/]|\.(json|ya?ml)$/i.test(idOrPath);
  return idOrPath in BUILTIN_FORMS || !isFile ? getLaw(idOrPath) : loadLawFile(idOrPath);
}
