import { z } from 'zod';
import { FBNET_BLOCKS, MNASNET_CONV_OPS, MNASNET_SKIP_OPS, NB201_OPS, type CnnArchitecture, type DecoderLayer, type LlmArchitecture } from './architecture.js';
import { PRECISIONS } from './precision.js';
import { aboveLimit, SIZE_LIMITS } from './size-limits.js';

/*
 * The JSON form of an LLM architecture that users write by hand. It is LlmArchitecture with conveniences:
 * `layers` may be a count (with one `mixer` for all), `headDim` defaults to hiddenSize / heads, flags default off.
 */

/** A positive integer up to `limit` (core/size-limits.ts), with a message that names the limit. */
const upTo = (limit: number, unit: string) =>
  z
    .number()
    .int()
    .positive()
    .max(limit, { error: (issue) => aboveLimit(issue.input as number, limit, unit) });
const int = upTo(SIZE_LIMITS.width, 'units');
const mixerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('attention') }).strict(),
  z.object({ kind: z.literal('sliding-window'), windowTokens: upTo(SIZE_LIMITS.tokens, 'tokens') }).strict(),
  z.object({ kind: z.literal('linear'), variant: z.enum(['mamba2', 'deltanet', 'linear-attention']), stateSize: int, expand: z.number().positive().default(2), headDim: int.optional(), groups: int.optional() }).strict(),
]);
const mlpSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('dense'), intermediateSize: int, gated: z.boolean().default(true) }).strict(),
  z
    .object({
      kind: z.literal('moe'),
      experts: upTo(SIZE_LIMITS.experts, 'experts'),
      activeExperts: upTo(SIZE_LIMITS.experts, 'experts'),
      expertIntermediateSize: int,
      sharedExperts: z.number().int().nonnegative().default(0),
      sharedIntermediateSize: z.number().int().nonnegative().default(0),
      sharedExpertGate: z.boolean().optional(),
      gated: z.boolean().default(true),
    })
    .strict()
    .refine((m) => m.activeExperts <= m.experts, { message: 'activeExperts must be ≤ experts', path: ['activeExperts'] }),
]);
const precision = z.enum(PRECISIONS);

export const llmArchitectureSchema = z
  .object({
    family: z.literal('llm').default('llm'),
    name: z.string().optional(),
    vocabSize: upTo(SIZE_LIMITS.vocabulary, 'tokens'),
    hiddenSize: int,
    heads: upTo(SIZE_LIMITS.heads, 'heads'),
    kvHeads: upTo(SIZE_LIMITS.heads, 'heads'),
    headDim: int.optional(),
    mlp: mlpSchema,
    layers: z.union([
      upTo(SIZE_LIMITS.layers, 'layers'),
      z
        .array(z.object({ mixer: mixerSchema.nullable(), mlp: z.boolean() }).strict())
        .min(1)
        .max(SIZE_LIMITS.layers, { error: (issue) => aboveLimit((issue.input as unknown[]).length, SIZE_LIMITS.layers, 'layers') }),
    ]),
    mixer: mixerSchema.optional(),
    tiedEmbeddings: z.boolean().default(false),
    qkvBias: z.boolean().default(false),
    qkNorm: z.boolean().default(false),
    postNorms: z.boolean().optional(),
    activation: z.enum(['silu', 'gelu-tanh', 'relu2']).optional(),
    precision: z
      .object({
        weights: precision.default('fp16'),
        activations: precision.default('fp16'),
        kvCache: precision.default('fp16'),
        // Per weight class, overriding `weights` (architecture.ts TensorPrecisions), and the training precision.
        attentionWeights: precision.optional(),
        mlpWeights: precision.optional(),
        embeddingWeights: precision.optional(),
        training: precision.optional(),
      })
      .strict()
      .default({ weights: 'fp16', activations: 'fp16', kvCache: 'fp16' }),
  })
  .strict()
  .refine((a) => a.heads % a.kvHeads === 0, { message: 'heads must be a multiple of kvHeads', path: ['kvHeads'] })
  .refine((a) => a.headDim !== undefined || a.hiddenSize % a.heads === 0, { message: 'hiddenSize is not a multiple of heads: give headDim', path: ['headDim'] });

export type LlmArchitectureInput = z.input<typeof llmArchitectureSchema>;

/** Validates and normalises a user's architecture; `where` names the file for the message. */
export function parseLlmArchitecture(data: unknown): { ok: true; arch: LlmArchitecture } | { ok: false; path: string; message: string } {
  const r = llmArchitectureSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    return { ok: false, path: issue.path.map(String).join('.') || '(root)', message: issue.message };
  }
  const a = r.data;
  const layers: DecoderLayer[] = typeof a.layers === 'number' ? Array.from({ length: a.layers }, () => ({ mixer: a.mixer ?? { kind: 'attention' }, mlp: true })) : a.layers;
  return {
    ok: true,
    arch: {
      family: 'llm',
      ...(a.name ? { name: a.name } : {}),
      vocabSize: a.vocabSize,
      hiddenSize: a.hiddenSize,
      heads: a.heads,
      kvHeads: a.kvHeads,
      headDim: a.headDim ?? a.hiddenSize / a.heads,
      mlp: a.mlp,
      layers,
      tiedEmbeddings: a.tiedEmbeddings,
      qkvBias: a.qkvBias,
      qkNorm: a.qkNorm,
      ...(a.postNorms ? { postNorms: true } : {}),
      ...(a.activation ? { activation: a.activation } : {}),
      // Optional fields only when given: a stored architecture reads back exactly as written.
      precision: Object.fromEntries(Object.entries(a.precision).filter(([, v]) => v !== undefined)) as unknown as LlmArchitecture['precision'],
    },
  };
}

/** The JSON form of a CNN architecture (as `hwnas export` writes it): NAS-Bench-201, FBNet or MnasNet. */
export const cnnArchitectureSchema = z.discriminatedUnion('family', [
  z.object({ family: z.literal('nb201'), edges: z.array(z.enum(NB201_OPS)).length(6) }).strict(),
  z.object({ family: z.literal('fbnet'), blocks: z.array(z.enum(FBNET_BLOCKS)).length(22) }).strict(),
  z
    .object({
      family: z.literal('mnasnet'),
      name: z.string().optional(),
      blocks: z
        .array(
          z
            .object({
              convOp: z.enum(MNASNET_CONV_OPS),
              kernel: int.refine((k) => k % 2 === 1, 'expected an odd kernel size'),
              seRatio: z.number().min(0).max(1),
              skip: z.enum(MNASNET_SKIP_OPS),
              filters: int,
              layers: upTo(SIZE_LIMITS.layers, 'layers'),
            })
            .strict(),
        )
        .length(7),
    })
    .strict(),
]);

/** An LLM (family 'llm' or none) or a CNN architecture from JSON, or the first problem with its path. */
export function parseArchitecture(data: unknown): { ok: true; arch: LlmArchitecture | CnnArchitecture } | { ok: false; path: string; message: string } {
  const family = data && typeof data === 'object' ? (data as { family?: unknown }).family : undefined;
  if (family === undefined || family === 'llm') return parseLlmArchitecture(data);
  const r = cnnArchitectureSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    return { ok: false, path: issue.path.map(String).join('.') || '(root)', message: issue.message };
  }
  return { ok: true, arch: r.data as CnnArchitecture };
}
