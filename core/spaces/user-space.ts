import { z } from 'zod';
import type { LlmArchitecture, Mlp, TokenMixer } from '../architecture.js';
import { parseLlmArchitecture } from '../architecture-schema.js';
import { PRECISIONS } from '../precision.js';
import { PRESET_IDS, PRESETS } from '../presets.js';
import { defineGridSpace, type SearchSpace } from '../space.js';
import { UsageError } from '../usage-error.js';

/*
 * A user's own LLM space, declared as data (JSON or YAML): a base architecture (a preset id or an inline
 * architecture) and genes, each setting one architecture field to one of its choices.
 *
 *   id: my-space
 *   base: qwen2.5-0.5b
 *   genes:
 *     - { name: depth, set: layers, choices: [12, 16, 24] }
 *     - { name: width, set: hiddenSize, choices: [768, 896, 1024] }
 *     - { name: ffn, set: ffnRatio, choices: [2, 4, 5.4] }
 *     - { name: kv, set: kvHeads, choices: [1, 2] }
 *     - { name: moe, set: experts, choices: ["1x1", "8x1", "8x2"] }
 *     - { name: quant, set: weights, choices: [bf16, int8, int4] }
 *     - { name: embeddings, set: embeddingWeights, choices: [bf16, int8] }   (also attentionWeights, mlpWeights)
 *     - { name: train, set: trainingPrecision, choices: [bf16, int8] }
 *     - { name: mixer, set: mixer, choices: [attention, "swa:1024", mamba2] }
 *
 * Derived fields: changing hiddenSize keeps the base head_dim (heads = hiddenSize / headDim) unless a gene sets
 * heads; ffnRatio sets the activated FFN width to ratio × hiddenSize (for MoE split over the active experts).
 * Every combination must give a valid architecture: spaces up to 200,000 candidates are checked in full when
 * loaded, larger ones gene by gene.
 */

export const USER_GENE_FIELDS = [
  'layers', 'hiddenSize', 'heads', 'kvHeads', 'headDim', 'vocabSize', 'intermediateSize', 'ffnRatio', 'experts',
  'activeExperts', 'expertIntermediateSize', 'weights', 'activations', 'kvCache', 'mixer', 'tiedEmbeddings',
  'attentionWeights', 'mlpWeights', 'embeddingWeights', 'trainingPrecision',
] as const;
/** Gene fields that set a precision, and the TensorPrecisions field each sets. */
const PRECISION_FIELDS = {
  weights: 'weights',
  activations: 'activations',
  kvCache: 'kvCache',
  attentionWeights: 'attentionWeights',
  mlpWeights: 'mlpWeights',
  embeddingWeights: 'embeddingWeights',
  trainingPrecision: 'training',
} as const satisfies Partial<Record<(typeof USER_GENE_FIELDS)[number], keyof LlmArchitecture['precision']>>;
type Field = (typeof USER_GENE_FIELDS)[number];

const NUMERIC_FIELDS: ReadonlySet<Field> = new Set(['layers', 'hiddenSize', 'heads', 'kvHeads', 'headDim', 'vocabSize', 'intermediateSize', 'ffnRatio', 'activeExperts', 'expertIntermediateSize']);
const FULL_CHECK_LIMIT = 200_000;

const geneSchema = z.strictObject({
  name: z.string().min(1),
  set: z.enum(USER_GENE_FIELDS),
  choices: z.array(z.union([z.number(), z.string(), z.boolean()])).min(1),
  ordinal: z.boolean().optional(),
});

export const userSpaceSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case id'),
  description: z.string().optional(),
  base: z.union([z.string(), z.record(z.string(), z.unknown())]),
  genes: z.array(geneSchema).min(1),
});

export type UserSpaceSpec = z.input<typeof userSpaceSchema>;

function mixerOf(value: string): TokenMixer | null {
  if (value === 'attention') return { kind: 'attention' };
  const swa = /^swa:(\d+)$/.exec(value);
  if (swa && Number(swa[1]) > 0) return { kind: 'sliding-window', windowTokens: Number(swa[1]) };
  if (value === 'mamba2') return { kind: 'linear', variant: 'mamba2', stateSize: 128, expand: 2 };
  if (value === 'deltanet' || value === 'linear-attention') return { kind: 'linear', variant: value, stateSize: 128, expand: 1 };
  return null;
}

/** Checks one choice of a gene; returns a message or null. */
function choiceProblem(field: Field, value: unknown): string | null {
  if (NUMERIC_FIELDS.has(field)) {
    const ok = typeof value === 'number' && value > 0 && (field === 'ffnRatio' || Number.isInteger(value));
    return ok ? null : `expected a positive ${field === 'ffnRatio' ? 'number' : 'integer'}, got ${JSON.stringify(value)}`;
  }
  if (field in PRECISION_FIELDS) {
    return (PRECISIONS as readonly unknown[]).includes(value) ? null : `expected one of ${PRECISIONS.join(', ')}, got ${JSON.stringify(value)}`;
  }
  if (field === 'experts') return typeof value === 'string' && /^\d+x\d+$/.test(value) ? null : `expected "ExK" (e.g. "8x2"; "1x1" is dense), got ${JSON.stringify(value)}`;
  if (field === 'mixer') return typeof value === 'string' && mixerOf(value) ? null : `expected attention, swa:<window>, mamba2, deltanet or linear-attention, got ${JSON.stringify(value)}`;
  return typeof value === 'boolean' ? null : `expected true or false, got ${JSON.stringify(value)}`;
}

/** Applies gene values to the base architecture. */
function apply(base: LlmArchitecture, sets: readonly { field: Field; value: number | string | boolean }[]): LlmArchitecture {
  const v = new Map<Field, number | string | boolean>(sets.map((s) => [s.field, s.value]));
  const hidden = (v.get('hiddenSize') as number | undefined) ?? base.hiddenSize;
  const headDim = (v.get('headDim') as number | undefined) ?? base.headDim;
  const heads = (v.get('heads') as number | undefined) ?? (v.has('hiddenSize') || v.has('headDim') ? hidden / headDim : base.heads);
  let mlp: Mlp = base.mlp;
  const moe = v.get('experts') as string | undefined;
  if (moe !== undefined) {
    const [e, k] = moe.split('x').map(Number);
    const activated = base.mlp.kind === 'dense' ? base.mlp.intermediateSize : base.mlp.activeExperts * base.mlp.expertIntermediateSize;
    mlp = e === 1 ? { kind: 'dense', intermediateSize: activated, gated: true } : { kind: 'moe', experts: e, activeExperts: k, expertIntermediateSize: Math.round(activated / k), sharedExperts: 0, sharedIntermediateSize: 0, gated: true };
  }
  if (v.has('activeExperts') && mlp.kind === 'moe') mlp = { ...mlp, activeExperts: v.get('activeExperts') as number };
  if (v.has('expertIntermediateSize') && mlp.kind === 'moe') mlp = { ...mlp, expertIntermediateSize: v.get('expertIntermediateSize') as number };
  if (v.has('intermediateSize')) mlp = mlp.kind === 'dense' ? { ...mlp, intermediateSize: v.get('intermediateSize') as number } : { ...mlp, expertIntermediateSize: v.get('intermediateSize') as number };
  if (v.has('ffnRatio')) {
    const activated = Math.round((v.get('ffnRatio') as number) * hidden);
    mlp = mlp.kind === 'dense' ? { ...mlp, intermediateSize: activated } : { ...mlp, expertIntermediateSize: Math.round(activated / mlp.activeExperts) };
  }
  const layerCount = (v.get('layers') as number | undefined) ?? base.layers.length;
  const mixer = v.has('mixer') ? mixerOf(v.get('mixer') as string)! : undefined;
  const template = base.layers[0];
  const layers = mixer || layerCount !== base.layers.length ? new Array(layerCount).fill({ mixer: mixer ?? template.mixer, mlp: true }) : base.layers;
  return {
    ...base,
    name: undefined,
    vocabSize: (v.get('vocabSize') as number | undefined) ?? base.vocabSize,
    hiddenSize: hidden,
    heads,
    kvHeads: (v.get('kvHeads') as number | undefined) ?? base.kvHeads,
    headDim,
    mlp,
    layers,
    tiedEmbeddings: (v.get('tiedEmbeddings') as boolean | undefined) ?? base.tiedEmbeddings,
    precision: precisionOf(base.precision, v),
  };
}

/** The base's precisions with every precision gene applied. */
function precisionOf(base: LlmArchitecture['precision'], v: ReadonlyMap<Field, number | string | boolean>): LlmArchitecture['precision'] {
  const out: Record<string, unknown> = { ...base };
  for (const [field, key] of Object.entries(PRECISION_FIELDS)) {
    const value = v.get(field as Field);
    if (value !== undefined) out[key] = value;
  }
  return out as unknown as LlmArchitecture['precision'];
}

/** Why an architecture is invalid (the rules of the architecture file format), or null. */
function archProblem(a: LlmArchitecture): string | null {
  if (!Number.isInteger(a.heads) || a.heads <= 0) return `hiddenSize ${a.hiddenSize} is not a multiple of headDim ${a.headDim}`;
  if (a.heads % a.kvHeads !== 0) return `heads (${a.heads}) must be a multiple of kvHeads (${a.kvHeads})`;
  if (a.mlp.kind === 'moe' && a.mlp.activeExperts > a.mlp.experts) return `activeExperts (${a.mlp.activeExperts}) exceeds experts (${a.mlp.experts})`;
  if (a.mlp.kind === 'moe' && a.mlp.expertIntermediateSize < 1) return 'expert width rounds to zero';
  return null;
}

/** Builds a SearchSpace from a parsed spec; `where` names the file in every error. */
export function userSpace(data: unknown, where: string): SearchSpace<LlmArchitecture> {
  const parsed = userSpaceSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    const gene = issue.path[0] === 'genes' && typeof issue.path[1] === 'number' ? (data as { genes?: { name?: string }[] }).genes?.[issue.path[1]]?.name : undefined;
    throw new UsageError(`${where}: ${path || '(root)'}${gene ? ` (gene '${gene}')` : ''}: ${issue.message}`);
  }
  const spec = parsed.data;
  let base: LlmArchitecture;
  if (typeof spec.base === 'string') {
    if (!PRESETS[spec.base]) throw new UsageError(`${where}: base: unknown preset '${spec.base}'; valid: ${PRESET_IDS.join(', ')}, or an inline architecture`);
    base = PRESETS[spec.base];
  } else {
    const r = parseLlmArchitecture(spec.base);
    if (!r.ok) throw new UsageError(`${where}: base.${r.path}: ${r.message}`);
    base = r.arch;
  }
  const names = new Set<string>();
  spec.genes.forEach((g, i) => {
    if (names.has(g.name)) throw new UsageError(`${where}: genes[${i}] (gene '${g.name}'): duplicate gene name`);
    names.add(g.name);
    g.choices.forEach((c, k) => {
      const problem = choiceProblem(g.set, c);
      if (problem) throw new UsageError(`${where}: genes[${i}].choices[${k}] (gene '${g.name}'): ${problem}`);
    });
  });
  const fields = spec.genes.map((g) => g.set);
  const decodeValues = (values: Record<string, number | string | boolean>) => apply(base, spec.genes.map((g, i) => ({ field: fields[i], value: values[g.name] })));

  const space = defineGridSpace<LlmArchitecture>({
    id: spec.id,
    description: spec.description ?? `user space from ${where}`,
    genes: spec.genes.map((g) => ({ name: g.name, choices: g.choices as (number | string)[], ordinal: g.ordinal ?? g.choices.every((c) => typeof c === 'number') })),
    decode: (values) => {
      const arch = decodeValues(values);
      const problem = archProblem(arch);
      if (problem) throw new Error(`${spec.id}: ${JSON.stringify(values)}: ${problem}`);
      return arch;
    },
  });
  // Fail at load, naming the genes, rather than candidate by candidate during a search.
  const check = (genes: readonly number[]) => {
    const values = space.describe(genes);
    const problem = archProblem(decodeValues(values));
    if (problem) throw new UsageError(`${where}: genes ${JSON.stringify(values)} give an invalid architecture: ${problem}`);
  };
  if (space.size() <= FULL_CHECK_LIMIT) for (const g of space.enumerate!()) check(g);
  else spec.genes.forEach((gene, i) => gene.choices.forEach((_, k) => check(space.genes.map((_, j) => (j === i ? k : 0)))));
  return space;
}

