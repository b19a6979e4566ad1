/**
 * `hwnas export --format hf`: for each frontier architecture of an LLM study that a transformers class represents
 * exactly (core/hf-config.ts), a folder named after it with the config.json and a README.md model card (predicted
 * loss and its parts, latency breakdown, memory, device, workload, the study's provenance). Architectures no class
 * represents (DeltaNet layers, say) are listed in the index with the reason, and get no folder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { uniformWeights, WEIGHT_CLASSES, weightPrecision, type Architecture, type LlmArchitecture } from '../../core/architecture.js';
import { HfConfigError, toHfConfig } from '../../core/hf-config.js';
import { countParams } from '../../core/params.js';
import { analyzeLlm, type LlmAnalysis } from '../../hardware/roofline.js';
import type { CandidateRecord } from '../../search/store/index.js';
import { openStore } from '../open-store.js';
import { UsageError } from '../errors.js';
import { checkOutputFolder, outputLine, writeOutputFolder } from '../output.js';
import { HWNAS_VERSION } from '../version.js';
import { lossPartsText, precisionLabel } from '../loss-parts.js';
import { formatBytes, formatCount, markdownTable, metricText, ms, UNITS_NOTE } from './format.js';
import { hfParamCount } from '../../core/hf-params.js';
import type { StudyData } from './study-data.js';

export interface HfExportEntry {
  readonly seq: number;
  /** The candidate's folder, named after the architecture; null when no class represents it (nothing written). */
  readonly dir: string | null;
  /** The transformers model_type written, or null when skipped. */
  readonly modelType: string | null;
  readonly skipped?: string;
}

export interface HfExportResult {
  readonly outDir: string;
  readonly entries: readonly HfExportEntry[];
}

/** The roofline analysis of a candidate on the study's device and workload, or null without them. */
export function analyzeCandidate(data: StudyData, arch: LlmArchitecture): LlmAnalysis | null {
  const { device, workload, mode } = data.evaluator;
  if (!device || !workload) return null;
  return analyzeLlm(arch, workload, device, { ideal: mode === 'ideal' });
}

function archSummary(arch: LlmArchitecture): string[][] {
  const mixers = new Map<string, number>();
  for (const l of arch.layers) {
    const k = l.mixer ? (l.mixer.kind === 'linear' ? `linear (${l.mixer.variant})` : l.mixer.kind === 'sliding-window' ? `sliding-window ${l.mixer.windowTokens}` : 'attention') : 'none';
    mixers.set(k, (mixers.get(k) ?? 0) + 1);
  }
  const p = countParams(arch);
  const mlp = arch.mlp.kind === 'dense' ? `dense, intermediate ${arch.mlp.intermediateSize}` : `MoE ${arch.mlp.experts} experts, ${arch.mlp.activeExperts} active, expert intermediate ${arch.mlp.expertIntermediateSize}${arch.mlp.sharedExperts ? `, ${arch.mlp.sharedExperts} shared (${arch.mlp.sharedIntermediateSize})` : ''}`;
  return [
    ['layers', String(arch.layers.length)],
    ['token mixers', [...mixers].map(([k, n]) => `${n}× ${k}`).join(', ')],
    ['hidden size', String(arch.hiddenSize)],
    ['attention heads / KV heads / head dim', `${arch.heads} / ${arch.kvHeads} / ${arch.headDim}`],
    ['MLP', mlp],
    ['vocabulary', String(arch.vocabSize)],
    ['tied embeddings', String(arch.tiedEmbeddings)],
    ['precision (weights / activations / KV cache)', `${precisionLabel({ ...arch.precision, kvCache: 'fp16' })} / ${arch.precision.activations} / ${arch.precision.kvCache}`],
    ['parameters (total / active per token)', `${formatCount(p.total)} / ${formatCount(p.activePerToken)}`],
  ];
}

/** The card of one frontier candidate, in Markdown. */
export function candidateCard(data: StudyData, c: CandidateRecord, arch: LlmArchitecture, hf: { modelType: string }, exporterVersion: string): string {
  const { study, config, evaluator } = data;
  const m = c.metrics ?? {};
  const genes = data.space.describe(c.genes);
  const a = analyzeCandidate(data, arch);
  const lines: string[] = [];
  // Model card metadata the Hub reads.
  lines.push('---', 'library_name: transformers', `tags: [hwnas, architecture-search, ${hf.modelType}]`, '---', '');
  lines.push(`# ${arch.name ?? `candidate ${c.seq}`} · ${study.name}, frontier candidate ${c.seq}`, '');
  lines.push(
    `\`config.json\` is a transformers \`${hf.modelType}\` config that builds exactly this architecture (${countParams(arch).total.toLocaleString('en-US')} parameters, untrained: an architecture to train, not a checkpoint): \`AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(folder))\`.`,
    '',
    `(${UNITS_NOTE}.)`,
    '',
  );
  const quantised = WEIGHT_CLASSES.map((cls) => [cls, weightPrecision(arch.precision, cls)] as const).filter(([, p]) => p === 'int8' || p === 'int4');
  if (quantised.length > 0) {
    const what = quantised.length === WEIGHT_CLASSES.length && uniformWeights(arch.precision) ? `${arch.precision.weights} weights` : quantised.map(([cls, p]) => `${cls} weights at ${p}`).join(', ');
    lines.push(`The search priced ${what}: train in bf16 (\`torch_dtype\` in config.json) and quantise for deployment; the predicted loss includes the post-training quantisation penalty.`, '');
  }
  lines.push('## Genes', '', markdownTable(['gene', 'value'], Object.entries(genes).map(([k, v]) => [k, String(v)])), '');
  lines.push('## Architecture', '', markdownTable(['', ''], archSummary(arch)), '');
  lines.push('## Predicted metrics', '');
  const rows: string[][] = [];
  if (m.loss !== undefined) rows.push(['loss (nats/token)', m.loss.toFixed(4), `law \`${evaluator.law ?? '?'}\`: ${lossPartsText(m, evaluator.trainingTokens ?? undefined)}`]);
  if (m.latencyMs !== undefined) rows.push(['end-to-end latency', ms(m.latencyMs), 'prefill + every decode step']);
  if (m.ttftMs !== undefined) rows.push(['time to first token', ms(m.ttftMs), 'prefill']);
  if (m.decodeMsPerToken !== undefined) rows.push(['decode', `${ms(m.decodeMsPerToken)} / token`, m.tokensPerS !== undefined ? `${m.tokensPerS.toFixed(1)} tokens/s` : '']);
  if (m.memoryBytes !== undefined) rows.push(['memory', formatBytes(m.memoryBytes), `weights ${formatBytes(m.weightsBytes ?? 0)}, KV cache ${formatBytes(m.kvCacheBytes ?? 0)}${m.fitsMemory === 0 ? ' — does NOT fit the device' : ''}`]);
  if (m.energyJ !== undefined) rows.push(['energy per request', `${m.energyJ.toPrecision(4)} J`, m.energyJPerToken !== undefined ? `${m.energyJPerToken.toPrecision(4)} J/token` : '']);
  lines.push(markdownTable(['metric', 'value', 'note'], rows), '');
  if (a) {
    lines.push('## Latency breakdown (roofline)', '');
    lines.push(
      markdownTable(
        ['phase', 'latency', 'Σ compute', 'Σ memory', 'Σ overhead'],
        [
          ['prefill', ms(a.prefill.latencyMs), ms(a.breakdown.prefill.computeMs), ms(a.breakdown.prefill.memoryMs), ms(a.breakdown.prefill.overheadMs)],
          [`decode (${a.decode.steps} steps)`, ms(a.decode.latencyMs), ms(a.breakdown.decode.computeMs), ms(a.breakdown.decode.memoryMs), ms(a.breakdown.decode.overheadMs)],
        ],
      ),
      '',
    );
    const top = [...a.ops].sort((x, y) => y.latencyMs - x.latencyMs).slice(0, 12);
    lines.push(
      'Operators by time (top 12):',
      '',
      markdownTable(
        ['operator', 'phase', 'count', 'latency', 'share', 'bound', 'FLOP/byte'],
        top.map((o) => [o.name, o.phase, String(o.count), ms(o.latencyMs), `${(o.share * 100).toFixed(1)}%`, o.bound, Number.isFinite(o.arithmeticIntensity) ? o.arithmeticIntensity.toFixed(1) : '∞']),
      ),
      '',
    );
  }
  lines.push('## Device and workload', '');
  const d = evaluator.device;
  const w = evaluator.workload;
  lines.push(
    markdownTable(
      ['', ''],
      [
        ['device', d ? `${d.name} (\`${d.id}\`)` : study.device || '—'],
        ['memory / bandwidth', d ? `${formatBytes(d.memoryBytes)} / ${formatBytes(d.memoryBandwidthBytesPerS)}/s` : '—'],
        ['device profile source', d?.source ?? '—'],
        ['workload', w ? `batch ${w.batch}, prompt ${w.promptTokens} tokens, ${w.generatedTokens} generated tokens` : '—'],
        ['pricing', `${evaluator.kind} evaluator, ${evaluator.mode ?? '—'} mode`],
      ],
    ),
    '',
  );
  lines.push('## Provenance', '');
  lines.push(
    markdownTable(
      ['', ''],
      [
        ['study', `${study.name} (${study.status}, ${study.evaluations} evaluated, created ${new Date(study.createdAt).toISOString()})`],
        ['space / strategy / seed', `${study.space} / ${study.strategy} / ${study.seed}`],
        ['objectives / constraints', `${study.objectives.join(', ')} / ${study.constraints.join(', ') || 'none'}`],
        ['loss law', evaluator.law ?? '—'],
        ['candidate', `seq ${c.seq}, generation ${c.generation}, content hash ${c.hash}`],
        ['hwnas version', `${study.hwnasVersion} (study), ${exporterVersion} (export)`],
      ],
    ),
    '',
    'Study config:',
    '',
    '```json',
    JSON.stringify(config, null, 2),
    '```',
    '',
    'Device profile:',
    '',
    '```json',
    JSON.stringify(d, null, 2),
    '```',
    '',
  );
  return lines.join('\n');
}

/** The index every HF export holds: a folder with it is an earlier export, which a new one may replace. */
export const HF_EXPORT_MARKER = 'summary.json';

/**
 * A folder name from an architecture's name: what it is (hybrid-d2048-18l, codesign-l12-d1024-…), unique within
 * the export (a name two candidates share gets each one's sequence number).
 */
function folderNames(items: readonly { seq: number; name: string }[]): Map<number, string> {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'candidate';
  const counts = new Map<string, number>();
  for (const i of items) counts.set(clean(i.name), (counts.get(clean(i.name)) ?? 0) + 1);
  return new Map(items.map((i) => [i.seq, counts.get(clean(i.name))! > 1 ? `${clean(i.name)}-seq${i.seq}` : clean(i.name)]));
}

/** A frontier candidate with the config transformers would build it from, or why there is none. */
interface PlannedCandidate {
  readonly c: CandidateRecord;
  readonly arch: Architecture;
  readonly hf: { readonly config: Record<string, unknown>; readonly modelType: string; readonly llm: LlmArchitecture } | { readonly config: null; readonly skipped: string };
}

/** The config of a candidate, checked parameter for parameter against the modules transformers builds from it. */
function exactHfConfig(arch: Architecture): PlannedCandidate['hf'] {
  if (arch.family !== 'llm') return { config: null, skipped: `a ${arch.family} architecture has no Hugging Face causal-LM config` };
  try {
    const config = toHfConfig(arch);
    const built = hfParamCount(config);
    const own = countParams(arch).total;
    if (built !== own) return { config: null, skipped: `the ${String(config.model_type)} config would build ${built} parameters, not this candidate's ${own}` };
    return { config, modelType: String(config.model_type), llm: arch };
  } catch (error) {
    if (!(error instanceof HfConfigError)) throw error;
    return { config: null, skipped: error.message };
  }
}

/** Every frontier candidate's config (each worked out once), decided before anything is written. */
function exportPlan(data: StudyData): PlannedCandidate[] {
  return data.frontier.map((c) => {
    const arch = data.space.decode(c.genes);
    return { c, arch, hf: exactHfConfig(arch) };
  });
}

/**
 * One folder per frontier candidate a transformers class represents exactly — named after the architecture,
 * holding config.json and the model card as README.md (what the Hub shows) — and an index (README.md,
 * summary.json) listing every candidate, with the reason for each one that has no class.
 */
function exportHf(data: StudyData, plan: readonly PlannedCandidate[], outDir: string, exporterVersion: string): HfExportResult {
  const entries: HfExportEntry[] = [];
  const files: { path: string; text: string }[] = [];
  // An architecture without a name of its own is named by what it is: class, depth, width.
  const nameOf = ({ c, arch, hf }: PlannedCandidate) => {
    if (arch.family !== 'llm') return `candidate-${c.seq}`;
    return arch.name ?? `${hf.config ? hf.modelType : 'llm'}-l${arch.layers.length}-d${arch.hiddenSize}`;
  };
  const names = folderNames(plan.map((p) => ({ seq: p.c.seq, name: nameOf(p) })));
  for (const { c, hf } of plan) {
    if (!hf.config) {
      entries.push({ seq: c.seq, dir: null, modelType: null, skipped: hf.skipped });
      continue;
    }
    const dir = names.get(c.seq)!;
    files.push({ path: join(dir, 'config.json'), text: JSON.stringify(hf.config, null, 2) + '\n' });
    files.push({ path: join(dir, 'README.md'), text: candidateCard(data, c, hf.llm, { modelType: hf.modelType }, exporterVersion) });
    entries.push({ seq: c.seq, dir, modelType: hf.modelType });
  }
  const metricNames = data.objectives.map((o) => o.metric);
  const written = entries.filter((e) => e.modelType).length;
  const index = [
    `# ${data.study.name}: Hugging Face export of the frontier`,
    '',
    `${entries.length} frontier candidates of ${data.study.space} on ${data.study.device || '—'}; ${written} in a transformers class that represents them exactly (a folder each: config.json and README.md), ${entries.length - written} without one (the reason is given). (${UNITS_NOTE}.)`,
    '',
    markdownTable(
      ['folder', 'model_type', ...metricNames, 'note'],
      entries.map((e) => {
        const c = data.frontier.find((f) => f.seq === e.seq)!;
        return [e.dir ?? `(seq ${e.seq}: none)`, e.modelType ?? '—', ...metricNames.map((m) => (c.metrics?.[m] !== undefined ? metricText(m, c.metrics[m]) : '—')), e.skipped ? `no transformers class: ${e.skipped}` : ''];
      }),
    ),
    '',
  ].join('\n');
  // Everything is rendered before the first write; the caller writes into a fresh folder and swaps it in.
  mkdirSync(outDir, { recursive: true });
  for (const f of files) {
    mkdirSync(join(outDir, f.path, '..'), { recursive: true });
    writeFileSync(join(outDir, f.path), f.text);
  }
  writeFileSync(join(outDir, 'README.md'), index);
  writeFileSync(join(outDir, HF_EXPORT_MARKER), JSON.stringify({ study: data.study.name, space: data.study.space, device: data.study.device, entries }, null, 2) + '\n');
  return { outDir, entries };
}

/** The reasons candidates have no class, most frequent first: "9 × DeltaNet layers: …". */
function skipSummary(reasons: readonly (string | undefined)[]): string {
  const counts = new Map<string, number>();
  for (const why of reasons) if (why) counts.set(why, (counts.get(why) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([why, n]) => `${n} × ${why}`).join('; ');
}

/**
 * The `hwnas export <study> --format hf --out <dir>` path: reads the study read-only, writes the folder. A frontier
 * of which no candidate has an exact transformers class writes nothing and is an error, with the reasons.
 */
export async function runHfExport(opts: { dbPath: string; name: string; out: string; quiet?: boolean }): Promise<HfExportResult> {
  const output = { flag: 'out', path: opts.out, marker: HF_EXPORT_MARKER };
  checkOutputFolder(output);
  const { loadStudyData } = await import('./study-data.js');
  const store = await openStore(opts.dbPath, { readonly: true });
  let data: StudyData;
  try {
    data = await loadStudyData(store, opts.name);
  } finally {
    await store.close();
  }
  if (data.frontier.length === 0) throw new UsageError(`study '${opts.name}' has no feasible frontier candidate to export yet`);
  const family = data.space.decode(data.frontier[0].genes).family;
  if (family !== 'llm') throw new UsageError(`--format hf: study '${opts.name}' searched ${data.study.space} (${family} architectures); Hugging Face configs are for LLM spaces — use --format json or csv`);
  // Decide before writing: a frontier no transformers class represents writes nothing.
  const plan = exportPlan(data);
  if (plan.every((p) => !p.hf.config)) {
    const reasons = plan.map((p) => (p.hf.config ? undefined : p.hf.skipped));
    throw new UsageError(`--format hf: none of the ${plan.length} frontier candidates of study '${opts.name}' has a transformers class that represents it exactly (${skipSummary(reasons)}); nothing written — export --format json keeps them all`);
  }
  let entries: readonly HfExportEntry[] = [];
  // All or nothing: the folder is written whole beside the target and swapped in.
  const outcome = await writeOutputFolder(output, (dir) => {
    entries = exportHf(data, plan, dir, HWNAS_VERSION).entries;
  });
  if (!opts.quiet) {
    const written = entries.filter((e) => e.modelType);
    console.error(`${outputLine(outcome, opts.out)}: ${written.length} of ${entries.length} frontier candidates as config.json + README.md (${[...new Set(written.map((e) => e.modelType))].join(', ')})`);
    for (const e of entries) if (e.skipped) console.error(`  seq ${e.seq}: no transformers class: ${e.skipped}`);
  }
  return { outDir: opts.out, entries };
}
