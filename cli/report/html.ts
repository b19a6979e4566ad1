/**
 * `hwnas report`: one self-contained HTML page for a study — the frontier plot coloured by a chosen gene, the
 * hypervolume over evaluations, the frontier table, and the per-operator roofline breakdown of one frontier
 * point — with every plot inline as SVG (no scripts, no network).
 */
import { metricCatalog } from '../../search/study-config.js';
import type { Architecture } from '../../core/architecture.js';
import { HfConfigError, toHfConfig } from '../../core/hf-config.js';
import { DEFAULT_CNN_WORKLOAD, lowerCnn } from '../../core/lower-cnn.js';
import { analyzeForward, analyzeLlm, type OpReport } from '../../hardware/roofline.js';
import type { CandidateRecord } from '../../search/store/index.js';
import { escapeHtml, formatCount, metricText, UNITS_NOTE } from './format.js';
import { frontierSpec, hypervolumeSpec, operatorSpec, renderSvg, rooflineSpec, type FrontierPlotPoint, type VlSpec } from './plots.js';
import { deviceRates } from '../../hardware/roofline.js';
import type { StudyData } from './study-data.js';
import type { EvaluatorSpec } from '../../search/evaluate/registry.js';

export interface ReportOptions {
  /** Gene whose value colours the frontier points (default: the space's first gene). */
  readonly colorBy?: string;
  /** Sequence number of the frontier point to break down (default: the knee of the frontier). */
  readonly pointSeq?: number;
  readonly exporterVersion: string;
  /** Most background (non-frontier) points drawn; more are thinned evenly. */
  readonly maxBackgroundPoints?: number;
}

export type PlotName = 'frontier' | 'hypervolume' | 'operators' | 'roofline';

/** One frontier plot: the first objective (or pair) and, for three or more objectives, every other pair. */
export interface FrontierPlot {
  readonly x: string;
  readonly y: string;
  readonly spec: VlSpec;
  readonly svg: string;
}

export interface Report {
  readonly html: string;
  /** `frontier` is the first of `frontierPlots`. */
  readonly svgs: Readonly<Record<PlotName, string | null>>;
  readonly specs: Readonly<Record<PlotName, VlSpec | null>>;
  readonly frontierPlots: readonly FrontierPlot[];
  readonly chosenSeq: number | null;
  readonly colorBy: string;
}

/** The frontier point nearest the ideal corner once both plotted objectives are scaled to [0, 1]. */
export function kneePoint(frontier: readonly CandidateRecord[]): CandidateRecord | undefined {
  if (frontier.length === 0) return undefined;
  const m = frontier[0].objectives!.length;
  const lo = Array.from({ length: m }, (_, j) => Math.min(...frontier.map((c) => c.objectives![j])));
  const hi = Array.from({ length: m }, (_, j) => Math.max(...frontier.map((c) => c.objectives![j])));
  let best = frontier[0];
  let bestD = Infinity;
  for (const c of frontier) {
    let d = 0;
    for (let j = 0; j < m; j++) d += hi[j] > lo[j] ? ((c.objectives![j] - lo[j]) / (hi[j] - lo[j])) ** 2 : 0;
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

/** Per-operator roofline report of an architecture on the study's device and workload. */
export function operatorBreakdown(data: StudyData, arch: Architecture): { ops: readonly OpReport[]; totalMs: number; phases: { phase: string; latencyMs: number; computeMs: number; memoryMs: number; overheadMs: number }[] } | null {
  const { device, workload, mode } = data.evaluator;
  if (!device) return null;
  const ideal = mode === 'ideal';
  if (arch.family === 'llm') {
    if (!workload) return null;
    const a = analyzeLlm(arch, workload, device, { ideal });
    return {
      ops: a.ops,
      totalMs: a.totalLatencyMs,
      phases: [
        { phase: 'prefill', latencyMs: a.prefill.latencyMs, ...a.breakdown.prefill },
        { phase: `decode (${a.decode.steps} steps)`, latencyMs: a.decode.latencyMs, ...a.breakdown.decode },
      ],
    };
  }
  if (arch.family === 'partitioned') return null; // priced over several devices: hwnas split shows its stages
  const batch = workload?.batch ?? DEFAULT_CNN_WORKLOAD.batch;
  const lowered = lowerCnn(arch, { ...DEFAULT_CNN_WORKLOAD, batch });
  const f = analyzeForward(lowered.ops, device, DEFAULT_CNN_WORKLOAD.precision, mode !== 'roofline');
  return { ops: f.ops, totalMs: f.latencyMs, phases: [] };
}

function fmt(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '—';
  if (v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-3)) return v.toExponential(3);
  return Number(v.toPrecision(5)).toString();
}

function table(head: readonly string[], rows: readonly (readonly string[])[], highlight?: (i: number) => boolean): string {
  return `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r, i) => `<tr${highlight?.(i) ? ' class="chosen"' : ''}>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/**
 * The planes the frontier is drawn in: the two objectives; every pair of them when there are three or more (a
 * staircase through one plane of a 3-D front would misdraw it); with one objective, it against latency or
 * parameters.
 */
function axisPairs(data: StudyData): { y: string; x: string }[] {
  const m = data.objectives.map((o) => o.metric);
  if (m.length === 1) return [{ y: m[0], x: m[0] !== 'latencyMs' ? 'latencyMs' : 'params' }];
  const pairs: { y: string; x: string }[] = [];
  for (let i = 0; i < m.length; i++) for (let j = i + 1; j < m.length; j++) pairs.push({ y: m[i], x: m[j] });
  return pairs;
}

const STYLE = `
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:24px auto;max-width:1280px;color:#222;padding:0 16px}
h1{font-size:24px;margin-bottom:4px}h2{font-size:19px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;font-size:14px}.grid{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
table{border-collapse:collapse;font-size:12.5px;margin:8px 0}th,td{border:1px solid #ddd;padding:3px 7px;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}tr.chosen td{background:#fde8e8;font-weight:bold}
pre{background:#f7f7f7;border:1px solid #e3e3e3;padding:8px;font-size:11.5px;overflow:auto;max-height:360px}
.scroll{max-height:460px;overflow:auto;display:inline-block;border:1px solid #eee}.scroll table{margin:0}
.kv td:first-child{color:#555}.note{color:#666;font-size:13px}figure{margin:0}`;

export async function buildReport(data: StudyData, options: ReportOptions): Promise<Report> {
  const { study, space, frontier } = data;
  const geneNames = space.genes.map((g) => g.name);
  const colorBy = options.colorBy ?? geneNames[0];
  const pairs = axisPairs(data);
  const { x: xMetric, y: yMetric } = pairs[0];
  const chosen = options.pointSeq !== undefined ? frontier.find((c) => c.seq === options.pointSeq) : kneePoint(frontier);
  const frontierSeqs = new Set(frontier.map((c) => c.seq));
  const colorGene = space.genes.find((g) => g.name === colorBy)!;
  const limit = options.maxBackgroundPoints ?? 4000;
  let stride = 1;

  const pairSpec = ({ x: xm, y: ym }: { x: string; y: string }): VlSpec | null => {
    // Background points: every feasible evaluated candidate, thinned evenly beyond the limit.
    const done = data.candidates.filter((c) => c.status === 'done' && c.metrics && Number.isFinite(c.metrics[xm]) && Number.isFinite(c.metrics[ym]));
    stride = Math.max(1, Math.ceil(done.length / limit));
    const plotted = done.filter((c, i) => frontierSeqs.has(c.seq) || i % stride === 0);
    const points: FrontierPlotPoint[] = plotted.map((c) => ({
      seq: c.seq,
      x: c.metrics![xm],
      y: c.metrics![ym],
      color: space.describe(c.genes)[colorBy],
      onFrontier: frontierSeqs.has(c.seq),
      chosen: chosen?.seq === c.seq,
    }));
    // Frontier points in x order so the step line is drawn left to right.
    points.sort((a, b) => a.x - b.x);
    const xs = points.map((p) => p.x);
    const logX = xs.length > 1 && Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) > 20;
    if (points.length === 0) return null;
    return frontierSpec(points, { xTitle: xm, yTitle: ym, colorTitle: colorBy, colorOrder: colorGene.choices, logX, ...(data.objectives.length > 2 ? { projectedFrom: data.objectives.length } : {}) });
  };
  const frontierPlots: FrontierPlot[] = [];
  for (const pair of pairs) {
    const spec = pairSpec(pair);
    if (spec) frontierPlots.push({ ...pair, spec, svg: await renderSvg(spec) });
  }
  const specs: Record<PlotName, VlSpec | null> = {
    frontier: frontierPlots[0]?.spec ?? null,
    hypervolume: data.hypervolumeCurve.length > 0 ? hypervolumeSpec(data.hypervolumeCurve) : null,
    operators: null,
    roofline: null,
  };

  let chosenArch: Architecture | undefined;
  let breakdown: ReturnType<typeof operatorBreakdown> = null;
  if (chosen) {
    chosenArch = space.decode(chosen.genes);
    breakdown = operatorBreakdown(data, chosenArch);
    if (breakdown) {
      const top = [...breakdown.ops].sort((a, b) => b.latencyMs - a.latencyMs).slice(0, 20);
      specs.operators = operatorSpec(
        top.map((o) => ({ op: o.name, phase: o.phase, latencyMs: o.latencyMs, bound: o.bound })),
        `Candidate ${chosen.seq}: operators by latency (top ${top.length} of ${breakdown.ops.length})`,
      );
      const dev = data.evaluator.device!;
      // The roof at the activations' precision (what the matmuls of an fp16/bf16 model run at).
      const precision = chosenArch.family === 'llm' ? chosenArch.precision.activations : 'fp32';
      const rates = deviceRates(dev, precision, data.evaluator.mode === 'ideal');
      const pts = breakdown.ops
        .filter((o) => o.flops > 0 && o.latencyMs > 0 && Number.isFinite(o.arithmeticIntensity) && o.arithmeticIntensity > 0)
        .map((o) => ({ op: o.name, phase: o.phase, intensity: o.arithmeticIntensity, flopsPerS: o.flops / (o.latencyMs / 1e3), bound: o.bound }));
      if (pts.length > 0) {
        specs.roofline = rooflineSpec(pts, { peakFlopsPerS: rates.flopsPerS, bytesPerS: rates.bytesPerS, label: `${dev.id} ${precision} roof` }, `Candidate ${chosen.seq}: roofline (${dev.name})`);
      }
    }
  }
  const svgs = {
    frontier: frontierPlots[0]?.svg ?? null,
    hypervolume: specs.hypervolume ? await renderSvg(specs.hypervolume) : null,
    operators: specs.operators ? await renderSvg(specs.operators) : null,
    roofline: specs.roofline ? await renderSvg(specs.roofline) : null,
  };

  // A loss is shown with its parts (cli/loss-parts.ts); studies priced before them have none, and show none. Then
  // the metrics the study's own evaluators (and the shipped tables) declare, then the usual ones.
  const lossParts = data.objectives.some((o) => o.metric === 'loss') ? ['baseLoss', 'quantPenalty', 'trainingPrecisionPenalty'] : [];
  const declared = metricCatalog(data.config, data.study.evaluator as EvaluatorSpec | undefined).declared.map((d) => d.name);
  const metricCols = [...new Set([yMetric, xMetric, ...data.objectives.map((o) => o.metric), ...lossParts, ...declared, 'params', 'memoryBytes', 'ttftMs', 'decodeMsPerToken'])].filter((m) => frontier.some((c) => c.metrics?.[m] !== undefined));
  const hfType = (c: CandidateRecord): string => {
    const arch = space.decode(c.genes);
    if (arch.family !== 'llm') return '—';
    try {
      return String(toHfConfig(arch).model_type);
    } catch (error) {
      if (error instanceof HfConfigError) return 'none';
      throw error;
    }
  };
  const isLlm = study.space.startsWith('llm') || (frontier[0] && space.decode(frontier[0].genes).family === 'llm');
  const frontierRows = frontier.map((c) => {
    const d = space.describe(c.genes);
    return [String(c.seq), ...geneNames.map((g) => String(d[g])), ...metricCols.map((m) => (c.metrics?.[m] === undefined ? '—' : metricText(m, c.metrics[m]))), ...(isLlm ? [hfType(c)] : [])];
  });
  const dev = data.evaluator.device;
  const w = data.evaluator.workload;
  const kv = (rows: [string, string][]) => `<table class="kv"><tbody>${rows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`).join('')}</tbody></table>`;
  const last = data.hypervolumeCurve[data.hypervolumeCurve.length - 1];
  const parts: string[] = [];
  parts.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>hwnas report: ${escapeHtml(study.name)}</title><style>${STYLE}</style></head><body>`);
  parts.push(`<h1>hwnas study <code>${escapeHtml(study.name)}</code></h1>`);
  parts.push(
    `<p class="meta">${escapeHtml(`${study.space} on ${dev?.name ?? (study.device || '—')} · ${study.strategy} · seed ${study.seed} · ${study.status}${study.summary.stopReason ? ` (${study.summary.stopReason})` : ''} · ${study.evaluations} evaluated, ${study.failed} failed · frontier of ${frontier.length} · hypervolume ${fmt(last?.hypervolume)}`)}</p>`,
  );
  parts.push(`<h2>Frontier</h2><p class="note">Grey: every evaluated candidate${stride > 1 ? ` (1 in ${stride} shown)` : ''}; coloured: the feasible Pareto frontier (colour = gene <b>${escapeHtml(colorBy)}</b>); ringed: the point broken down below.</p>`);
  if (data.objectives.length > 2) {
    parts.push(`<p class="note">${data.objectives.length} objectives: the frontier is drawn in each plane of two of them; a point that looks dominated in one plane is better in the third objective.</p>`);
  }
  parts.push(
    `<div class="grid">${frontierPlots.length > 0 ? frontierPlots.map((p) => `<figure>${p.svg}</figure>`).join('') : '<figure><p>No feasible candidate yet.</p></figure>'}<figure>${svgs.hypervolume ?? ''}</figure></div>`,
  );
  parts.push(`<h2>Frontier table</h2>`);
  parts.push(`<p class="note">${frontier.length} candidates, by ${escapeHtml(xMetric)}; the highlighted row is the point broken down below.</p>`);
  // A long frontier scrolls inside its box, so the breakdown below stays near the plots.
  const tokens = data.evaluator.trainingTokens;
  const metricHead = (m: string) => (m === 'loss' ? `loss (nats/token${tokens ? `, after ${formatCount(tokens)} training tokens` : ''})` : m);
  parts.push(`<p class="note">${escapeHtml(UNITS_NOTE)}.</p>`);
  parts.push(`<div class="scroll">${table(['seq', ...geneNames, ...metricCols.map(metricHead), ...(isLlm ? ['HF model_type'] : [])], frontierRows, (i) => frontier[i].seq === chosen?.seq)}</div>`);
  if (chosen && chosenArch) {
    parts.push(`<h2>Roofline breakdown of candidate ${chosen.seq}</h2>`);
    const d = space.describe(chosen.genes);
    parts.push(`<p class="meta">${escapeHtml(Object.entries(d).map(([k, v]) => `${k} ${v}`).join(' · '))}${options.pointSeq === undefined ? ' — the knee of the frontier (choose another with --point &lt;seq&gt;)' : ''}</p>`);
    if (breakdown) {
      if (breakdown.phases.length > 0) {
        parts.push(table(['phase', 'latency ms', 'Σ compute ms', 'Σ memory ms', 'Σ overhead ms'], breakdown.phases.map((p) => [p.phase, fmt(p.latencyMs), fmt(p.computeMs), fmt(p.memoryMs), fmt(p.overheadMs)])));
      }
      parts.push(`<div class="grid"><figure>${svgs.operators ?? ''}</figure><figure>${svgs.roofline ?? ''}</figure></div><div>`);
      const ops = [...breakdown.ops].sort((a, b) => b.latencyMs - a.latencyMs);
      parts.push(
        table(
          ['operator', 'phase', 'count', 'latency ms', 'share', 'bound', 'GFLOP', 'MiB moved', 'FLOP/byte'],
          ops.map((o) => [o.name, o.phase, String(o.count), fmt(o.latencyMs), `${(o.share * 100).toFixed(1)}%`, o.bound, fmt(o.flops / 1e9), fmt(o.bytes / 2 ** 20), Number.isFinite(o.arithmeticIntensity) ? o.arithmeticIntensity.toFixed(1) : '∞']),
        ),
      );
      parts.push(`</div>`);
    } else {
      parts.push(`<p>No device profile recorded with this study: no roofline breakdown.</p>`);
    }
  }
  parts.push(`<h2>Provenance</h2>`);
  parts.push(
    kv([
      ['study', `${study.name} (created ${new Date(study.createdAt).toISOString()}, updated ${new Date(study.updatedAt).toISOString()})`],
      ['space / strategy / seed', `${study.space} / ${study.strategy} / ${study.seed}`],
      ['objectives / constraints', `${study.objectives.join(', ')} / ${study.constraints.join(', ') || 'none'}`],
      ['evaluator', `${data.evaluator.kind}${data.evaluator.mode ? `, ${data.evaluator.mode} mode` : ''}`],
      ['loss law', data.evaluator.law ? `${data.evaluator.law}${tokens ? ` at ${formatCount(tokens)} training tokens` : ''}${data.evaluator.precisionLoss ? `, plus quantisation and training-precision penalties (Kumar et al. 2025, Scaling Laws for Precision; trained in ${data.evaluator.precisionLoss.trainingPrecision} unless a gene says otherwise, b of Kumar's Table 2 ${data.evaluator.precisionLoss.ptqB === 'exponent' ? 'inside the exponential' : 'left out'})` : ' (precision not priced in loss)'}` : '—'],
      ['device', dev ? `${dev.name} (${dev.id}) — ${dev.source}` : study.device || '—'],
      ['workload', w ? `batch ${w.batch}, prompt ${w.promptTokens}, generated ${w.generatedTokens}` : '—'],
      ['hwnas version', `${study.hwnasVersion} (study), ${options.exporterVersion} (report)`],
    ]),
  );
  parts.push(`<h3>Study config</h3><pre>${escapeHtml(JSON.stringify(data.config, null, 2))}</pre>`);
  if (dev) parts.push(`<h3>Device profile</h3><pre>${escapeHtml(JSON.stringify(dev, null, 2))}</pre>`);
  parts.push(`<p class="note">Generated by hwnas ${escapeHtml(options.exporterVersion)}.</p></body></html>`);
  return { html: parts.join('\n'), svgs, specs, frontierPlots, chosenSeq: chosen?.seq ?? null, colorBy };
}
