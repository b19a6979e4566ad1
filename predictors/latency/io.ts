/**
 * Saving and loading predictors: the parameters in TensorFlow.js's weights format (model.json with a
 * weightsManifest + weights.bin, float32 little-endian, loadable with tf.io.decodeWeights) and the metadata
 * (space, devices, normalisation, feature statistics, lookup tables, training config) in metadata.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { LatencyDataError } from './data.js';
import { RIDGE_HEADS, type HelpModel, type HelpModelMeta } from './model.js';
import { REFERENCE_COUNT, EMBEDDING_KINDS } from './hardware-embedding.js';
import { ENCODER_KINDS, paramSpecs } from './network.js';
import { ADAPT_METHODS } from './selection.js';

const manifestSchema = z.object({
  format: z.literal('hwnas-help-latency'),
  weightsManifest: z
    .array(
      z.object({
        paths: z.array(z.string()).length(1),
        weights: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()), dtype: z.literal('float32') })),
      }),
    )
    .length(1),
});

const normalisationSchema = z.object({ logMean: z.number(), logStd: z.number().positive() });

const lutSchema = z.object({
  device: z.string(),
  weights: z.array(z.number()),
  normalisation: normalisationSchema,
});

const METHOD = z.enum(ADAPT_METHODS);

const metaSchema = z.looseObject({
  format: z.literal('hwnas-help-latency'),
  version: z.literal(2, { error: 'version: this predictor was saved by an older hwnas (format 1); run `hwnas predictor meta-train` again' }),
  space: z.enum(['nb201', 'fbnet']),
  shape: z.object({
    inputSize: z.number().int().positive(),
    encoder: z.enum(ENCODER_KINDS),
    archInputSize: z.number().int().positive(),
    archHidden: z.number().int().positive(),
    hwHidden: z.number().int().positive(),
    headHidden: z.number().int().positive(),
    skip: z.boolean(),
  }),
  featureStats: z.object({ mean: z.array(z.number()).length(4), std: z.array(z.number()).length(4) }),
  sourceLuts: z.array(lutSchema),
  referenceGenes: z.array(z.array(z.number().int().nonnegative())).length(REFERENCE_COUNT),
  rooflineDevice: z.string(),
  sourceDevices: z.array(z.string()),
  validDevices: z.array(z.string()),
  config: z.looseObject({ innerSteps: z.number().int().nonnegative(), embedding: z.enum(EMBEDDING_KINDS), ridgeHead: z.enum(RIDGE_HEADS), secondOrder: z.boolean() }),
  spreadPrior: z.object({ logStd: z.number().positive(), weight: z.number().nonnegative() }),
  ridgePrior: z.array(z.number()),
  penalties: z.array(z.object({ measurements: z.number().int().positive(), ridgeOnly: z.number().nonnegative(), ridgePrior: z.number().nonnegative() })).min(1),
  rule: z.array(z.object({ measurements: z.number().int().positive(), method: METHOD, validSpearman: z.record(z.string(), z.number()) })).min(1),
  adapted: z
    .object({
      name: z.string(),
      referenceLatencyMs: z.array(z.number().positive().nullable()).length(REFERENCE_COUNT),
      normalisation: normalisationSchema,
      samples: z.number().int().positive(),
      method: METHOD,
      steps: z.number().int().nonnegative(),
      ridge: z.array(z.number()),
    })
    .optional(),
});

export function saveModel(dir: string, model: HelpModel): void {
  const specs = paramSpecs(model.meta.shape);
  const weights = [
    ...specs.map((p) => ({ name: `theta/${p.name}`, shape: [...p.shape], dtype: 'float32' as const })),
    ...specs.map((p) => ({ name: `alpha/${p.name}`, shape: [...p.shape], dtype: 'float32' as const })),
  ];
  const arrays = [...model.theta, ...model.alpha];
  const total = arrays.reduce((s, a) => s + a.length, 0);
  const buffer = new Float32Array(total);
  let offset = 0;
  for (const a of arrays) buffer.set(a, offset), (offset += a.length);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'weights.bin'), Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength));
  writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'hwnas-help-latency', weightsManifest: [{ paths: ['weights.bin'], weights }] }, null, 1));
  writeFileSync(join(dir, 'metadata.json'), JSON.stringify(model.meta, null, 1));
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new LatencyDataError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)}); is this a predictor directory?`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new LatencyDataError(`${file}: not valid JSON (${(error as Error).message})`);
  }
}

function check<T>(schema: z.ZodType<T>, data: unknown, file: string): T {
  const r = schema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new LatencyDataError(`${file}: ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
  }
  return r.data;
}

export function loadModel(dir: string): HelpModel {
  const manifestFile = join(dir, 'model.json');
  const metaFile = join(dir, 'metadata.json');
  const manifest = check(manifestSchema, readJson(manifestFile), manifestFile);
  const meta = check(metaSchema, readJson(metaFile), metaFile) as unknown as HelpModelMeta;
  const specs = paramSpecs(meta.shape);
  const entries = manifest.weightsManifest[0].weights;
  const expected = [...specs.map((p) => `theta/${p.name}`), ...specs.map((p) => `alpha/${p.name}`)];
  if (entries.length !== expected.length || entries.some((e, i) => e.name !== expected[i])) {
    throw new LatencyDataError(`${manifestFile}: weightsManifest does not match the network in metadata.json`);
  }
  const binFile = join(dir, manifest.weightsManifest[0].paths[0]);
  let bin: Buffer;
  try {
    bin = readFileSync(binFile);
  } catch (error) {
    throw new LatencyDataError(`${binFile}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const floats = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const sizes = entries.map((e) => e.shape.reduce((a, b) => a * b, 1));
  if (sizes.reduce((a, b) => a + b, 0) !== floats.length) throw new LatencyDataError(`${binFile}: ${floats.length} floats, manifest needs ${sizes.reduce((a, b) => a + b, 0)}`);
  const arrays: Float32Array[] = [];
  let offset = 0;
  for (const n of sizes) arrays.push(floats.slice(offset, offset + n)), (offset += n);
  return { meta, theta: arrays.slice(0, specs.length), alpha: arrays.slice(specs.length) };
}
