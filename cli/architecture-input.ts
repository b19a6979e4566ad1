import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CnnArchitecture, LlmArchitecture, TensorPrecisions } from '../core/architecture.js';
import { parseArchitecture, parseLlmArchitecture } from '../core/architecture-schema.js';
import { MNASNET_PRESETS } from '../core/spaces/mnasnet.js';
import { fromHfConfig, HfConfigError } from '../core/hf-config.js';
import { isPrecision, PRECISIONS, type Precision } from '../core/precision.js';
import { PRESET_IDS, PRESETS } from '../core/presets.js';
import type { Workload } from '../core/workload.js';
import { DeviceError, getDevice } from '../hardware/devices.js';
import type { DeviceProfile } from '../hardware/device.js';
import { DEFAULT_PRECISION_LOSS, DEFAULT_TRAINING_TOKENS, type PrecisionLossSpec } from '../search/evaluate/analytic.js';
import { PTQ_B_READINGS } from '../predictors/loss/precision-penalty.js';
import { BUILTIN_LAW_IDS } from '../predictors/loss/index.js';
import { choiceFlag, numberFlag } from './args.js';
import { UsageError } from './errors.js';

/** An architecture from `--model <preset>` or `--config <file>` (hwnas JSON or a Hugging Face config.json). */
export function readArchitecture(model: string | undefined, config: string | undefined): LlmArchitecture {
  // `config` becomes the file read (a folder's config.json), for messages.
  if (model && config) throw new UsageError('give --model or --config, not both');
  if (model) {
    const arch = PRESETS[model];
    if (!arch) throw new UsageError(`--model: unknown '${model}'; valid: ${PRESET_IDS.join(', ')}`);
    return arch;
  }
  if (!config) throw new UsageError(`--model <preset> or --config <file|dir> is required; presets: ${PRESET_IDS.join(', ')}`);
  // A model folder (a downloaded checkpoint, a save_pretrained output) is read as from_pretrained reads it: its config.json.
  let file = config;
  if (existsSync(config) && statSync(config).isDirectory()) {
    file = join(config, 'config.json');
    if (!existsSync(file)) throw new UsageError(`--config: ${config} is a folder without a config.json (give the model folder, or the config file itself)`);
  }
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new UsageError(`${file}: ${e.code ? `cannot read (${e.code})` : `not valid JSON (${e.message})`}`);
  }
  config = file;
  if (data && typeof data === 'object' && 'model_type' in data) {
    try {
      return fromHfConfig(data as Record<string, unknown>);
    } catch (error) {
      if (error instanceof HfConfigError) throw new UsageError(`${config}: ${error.message}`);
      throw error;
    }
  }
  const parsed = parseLlmArchitecture(data);
  if (!parsed.ok) throw new UsageError(`${config}: ${parsed.path}: ${parsed.message}`);
  return parsed.arch;
}

export function readDevice(idOrPath: string | undefined, fallback?: string): DeviceProfile {
  const value = idOrPath ?? fallback;
  if (!value) throw new UsageError('--device is required');
  try {
    return getDevice(value);
  } catch (error) {
    if (error instanceof DeviceError) throw new UsageError(`--device: ${error.message}`);
    throw error;
  }
}

function precisionFlag(name: string, value: string | undefined): Precision | undefined {
  if (value === undefined) return undefined;
  if (!isPrecision(value)) throw new UsageError(`--${name}: unknown precision '${value}'; valid: ${PRECISIONS.join(', ')}`);
  return value;
}

/** Precision flags and the TensorPrecisions field each sets. */
const PRECISION_FLAG_FIELDS = {
  weights: 'weights',
  activations: 'activations',
  kv: 'kvCache',
  'attention-weights': 'attentionWeights',
  'mlp-weights': 'mlpWeights',
  'embedding-weights': 'embeddingWeights',
  'training-precision': 'training',
} as const satisfies Record<string, keyof TensorPrecisions>;

export type PrecisionFlags = Partial<Record<keyof typeof PRECISION_FLAG_FIELDS, string>>;

/** True when any precision flag is given. */
export function hasPrecisionFlags(flags: PrecisionFlags): boolean {
  return Object.keys(PRECISION_FLAG_FIELDS).some((k) => flags[k as keyof PrecisionFlags] !== undefined);
}

/**
 * Applies --weights / --activations / --kv, the per-class --attention-weights / --mlp-weights /
 * --embedding-weights and --training-precision to an architecture's precisions. --weights sets every weight:
 * it clears per-class precisions the architecture had, which a per-class flag then sets again.
 */
export function withPrecisionFlags(arch: LlmArchitecture, flags: PrecisionFlags): LlmArchitecture {
  const p: Record<string, Precision | undefined> = { ...arch.precision };
  if (flags.weights !== undefined) for (const cls of ['attentionWeights', 'mlpWeights', 'embeddingWeights']) delete p[cls];
  for (const [flag, field] of Object.entries(PRECISION_FLAG_FIELDS)) {
    const value = precisionFlag(flag, flags[flag as keyof PrecisionFlags]);
    if (value !== undefined) p[field] = value;
  }
  return { ...arch, precision: p as unknown as TensorPrecisions };
}

/** How precision is priced in loss, from --training-precision (the default for candidates that set none) and --ptq-b. */
export function readPrecisionLoss(flags: { 'training-precision'?: string; 'ptq-b'?: string }): PrecisionLossSpec {
  return {
    trainingPrecision: precisionFlag('training-precision', flags['training-precision']) ?? DEFAULT_PRECISION_LOSS.trainingPrecision,
    ptqB: choiceFlag('ptq-b', flags['ptq-b'], PTQ_B_READINGS, DEFAULT_PRECISION_LOSS.ptqB),
  };
}

/** Flags of every command that prices architectures analytically: device, workload, precision, mode, loss law. */
export const PRICING_FLAGS = {
  device: { type: 'string', value: 'id|file.json', help: `device profile: a built-in id (hwnas devices) or a profile file`, group: 'pricing' },
  batch: { type: 'string', value: 'N', help: 'sequences per request (default 1)', group: 'pricing' },
  prompt: { type: 'string', value: 'N', help: 'prompt tokens (default 1024)', group: 'pricing' },
  generate: { type: 'string', value: 'N', help: 'generated tokens (default 16)', group: 'pricing' },
  weights: { type: 'string', value: 'fp32|bf16|fp16|int8|int4', help: "precision of the weights (default: the model's)", group: 'pricing' },
  activations: { type: 'string', value: 'fp32|bf16|fp16|int8|int4', help: 'precision of the activations', group: 'pricing' },
  kv: { type: 'string', value: 'fp32|bf16|fp16|int8|int4', help: 'precision of the KV cache', group: 'pricing' },
  'attention-weights': { type: 'string', value: 'precision', help: 'precision of the attention weights alone', group: 'pricing' },
  'mlp-weights': { type: 'string', value: 'precision', help: 'precision of the MLP (expert) weights alone', group: 'pricing' },
  'embedding-weights': { type: 'string', value: 'precision', help: 'precision of the embedding and LM head alone', group: 'pricing' },
  ideal: { type: 'boolean', help: 'the pure roofline: efficiency 1, no per-operator overhead', group: 'pricing' },
  paper: { type: 'boolean', help: "the closed forms of the co-design paper (Hardware co-design scaling laws via roofline modelling, arXiv 2602.10377)", group: 'pricing' },
  'loss-law': { type: 'string', value: 'id|law.json', help: `loss law: ${BUILTIN_LAW_IDS.join(', ')} (default codesign), or a law file from hwnas fit`, group: 'pricing' },
  'training-tokens': { type: 'string', value: 'N', help: `training tokens D the loss is predicted at (default ${DEFAULT_TRAINING_TOKENS.toExponential(0).replace('e+', 'e')})`, group: 'pricing' },
  'training-precision': { type: 'string', value: 'bf16|int8|int4', help: 'the precision the model is trained in (default bf16); below 16 bits it costs loss (Kumar et al. 2025, Scaling Laws for Precision)', group: 'pricing' },
  'ptq-b': { type: 'string', value: PTQ_B_READINGS.join('|'), help: "how Kumar et al.'s unresolved constant b of the post-training quantisation penalty is read (default none; exponent: inside the exponential, about 3x the penalty)", group: 'pricing' },
} as const;

/** The workload from --batch --prompt --generate; defaults are the co-design paper's (1, 1024, 16). */
export function readWorkload(flags: { batch?: string; prompt?: string; generate?: string }): Workload {
  return {
    batch: numberFlag('batch', flags.batch, 1, { integer: true, min: 1 }),
    promptTokens: numberFlag('prompt', flags.prompt, 1024, { integer: true, min: 1 }),
    generatedTokens: numberFlag('generate', flags.generate, 16, { integer: true, min: 0 }),
  };
}

/** Every model preset: the LLMs and the published networks of the CNN spaces. */
export const MODEL_PRESET_IDS = [...PRESET_IDS, ...Object.keys(MNASNET_PRESETS)];

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new UsageError(`${path}: ${e.code ? `cannot read (${e.code})` : `not valid JSON (${e.message})`}`);
  }
}

/**
 * `--model`: a preset (LLM or CNN), a config file (Hugging Face config.json, an hwnas architecture JSON of any
 * family), or a candidate exported by `hwnas export --format json` (`candidate`: its seq, needed when the file
 * holds several).
 */
export function readModel(value: string | undefined, candidate?: string): LlmArchitecture | CnnArchitecture {
  if (!value) throw new UsageError(`--model is required: a preset (${MODEL_PRESET_IDS.join(', ')}), a config.json or an exported candidate file`);
  const preset = PRESETS[value] ?? MNASNET_PRESETS[value];
  if (preset) return preset;
  if (!existsSync(value)) throw new UsageError(`--model: '${value}' is neither a preset (${MODEL_PRESET_IDS.join(', ')}) nor a file`);
  // A model folder, as from_pretrained takes: its config.json.
  if (statSync(value).isDirectory()) {
    const file = join(value, 'config.json');
    if (!existsSync(file)) throw new UsageError(`--model: ${value} is a folder without a config.json (give the model folder, or the config file itself)`);
    value = file;
  }
  const data = readJson(value);
  if (data && typeof data === 'object' && 'candidates' in data) {
    const list = (data as { candidates: unknown }).candidates;
    if (!Array.isArray(list) || list.length === 0) throw new UsageError(`${value}: candidates: expected a non-empty list (hwnas export --format json)`);
    let chosen: unknown;
    if (candidate !== undefined) {
      chosen = list.find((c) => String((c as { seq?: unknown }).seq) === candidate);
      if (!chosen) throw new UsageError(`--candidate: no candidate with seq ${candidate} in ${value}; seqs: ${list.map((c) => (c as { seq?: unknown }).seq).join(', ')}`);
    } else if (list.length === 1) chosen = list[0];
    else throw new UsageError(`${value}: holds ${list.length} candidates; choose one with --candidate <seq> (${list.map((c) => (c as { seq?: unknown }).seq).join(', ')})`);
    const parsed = parseArchitecture((chosen as { architecture?: unknown }).architecture);
    if (!parsed.ok) throw new UsageError(`${value}: candidate ${String((chosen as { seq?: unknown }).seq)}: architecture.${parsed.path}: ${parsed.message}`);
    return parsed.arch;
  }
  if (candidate !== undefined) throw new UsageError(`--candidate: ${value} is not an exported study (no candidates list)`);
  if (data && typeof data === 'object' && 'model_type' in data) return readArchitecture(undefined, value);
  const parsed = parseArchitecture(data);
  if (!parsed.ok) throw new UsageError(`${value}: ${parsed.path}: ${parsed.message}`);
  return parsed.arch;
}

/** `--devices a,b[,c]`: built-in ids or profile files, in the order a request visits them. */
export function readDevices(value: string | undefined, min = 2): DeviceProfile[] {
  if (!value) throw new UsageError(`--devices is required: at least ${min} device ids or profile files separated by commas, the first being where requests arrive`);
  const list = value.split(',').map((s) => s.trim());
  if (list.length < min || list.some((s) => s === '')) throw new UsageError(`--devices: expected at least ${min} devices separated by commas, got '${value}'`);
  return list.map((id) => {
    try {
      return getDevice(id);
    } catch (error) {
      if (error instanceof DeviceError) throw new UsageError(`--devices: ${error.message}`);
      throw error;
    }
  });
}
