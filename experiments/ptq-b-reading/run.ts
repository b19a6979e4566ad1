/**
 * How much the co-design frontier depends on the unresolved b of Kumar et al.'s Table 2 (papers.md §5): the
 * post-training penalty read without it (Eq. 2 as printed; hwnas's default) or with it inside the exponential,
 * exp(−P/γ_post + b), which multiplies every penalty by e^1.1277 ≈ 3.09. Both readings are first put against the
 * published GPTQ points (the only check available), then the joint fp16 / int8 / int4 frontier of llm-codesign
 * on Jetson AGX Orin (B = 1, S_in = 1024, S_out = 16, decode ≤ 20 ms per token) is compared under each at
 * D = 10B, 100B and 1T training tokens: its precision mix, the points both share, and the best architecture at a
 * few latency budgets.
 *
 *   node --import tsx experiments/ptq-b-reading/run.ts [--out experiments/ptq-b-reading]
 * writes results.md and results.json there.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { paretoIndices } from '../../core/pareto.js';
import { llmCodesignSpace } from '../../core/spaces/llm-codesign.js';
import { PAPER_WORKLOAD } from '../../core/workload.js';
import { getDevice } from '../../hardware/devices.js';
import { analyzeLlm } from '../../hardware/roofline.js';
import { resolveLaw } from '../../predictors/loss/index.js';
import { lossParts } from '../../predictors/loss/loss-parts.js';
import { ptqPenalty, publishedWeightPenalty, PTQ_B_READINGS, type PtqBReading } from '../../predictors/loss/precision-penalty.js';
import { GPTQ_CHECK_POINTS } from '../../predictors/loss/precision-published.js';

const { values } = parseArgs({ options: { out: { type: 'string', default: 'experiments/ptq-b-reading' } } });
const device = getDevice('jetson-agx-orin');
const law = resolveLaw('codesign');
const TOKENS = [10e9, 100e9, 1e12] as const;
const BUDGETS_MS = [25, 50, 100, 200] as const;
const tokensText = (d: number) => (d >= 1e12 ? `${d / 1e12}T` : `${d / 1e9}B`);
const lines: string[] = [];
const json: Record<string, unknown> = {};

lines.push("# Table 2's b: the frontier without it and with it", '');
lines.push('## Against the GPTQ points (papers.md §5)', '');
lines.push('Predicted / measured WikiText-2 loss increase (Δ nats = ln of the perplexity ratio), at both ends of OPT\'s 180–300B-token bracket. BLOOM-560M is not checked: papers.md gives no token count for it.', '');
lines.push('| model | bits | measured Δ | b left out: 180B / 300B | b in the exponent: 180B / 300B |');
lines.push('|---|---|---|---|---|');
const gptq: unknown[] = [];
for (const p of GPTQ_CHECK_POINTS.points) {
  if (!p.trainingTokens) continue;
  const measured = Math.log(p.quantisedPerplexity / p.fp16Perplexity);
  const ratios = PTQ_B_READINGS.map((r) => [p.trainingTokens!.min, p.trainingTokens!.max].map((D) => ptqPenalty(publishedWeightPenalty(r), p.nonEmbeddingParams, D, p.bits) / measured));
  gptq.push({ model: p.model, bits: p.bits, measured, ratios: Object.fromEntries(PTQ_B_READINGS.map((r, i) => [r, ratios[i]])) });
  lines.push(`| ${p.model} | ${p.bits} | ${measured.toFixed(3)} | ${ratios[0].map((x) => x.toFixed(2)).join(' / ')} | ${ratios[1].map((x) => x.toFixed(2)).join(' / ')} |`);
}
json.gptq = gptq;

interface Row {
  name: string;
  precision: string;
  latencyMs: number;
  /** loss[reading][d] */
  loss: Record<PtqBReading, number[]>;
}
const t0 = performance.now();
const rows: Row[] = [];
for (const g of llmCodesignSpace.enumerate!()) {
  const arch = llmCodesignSpace.decode(g);
  const a = analyzeLlm(arch, PAPER_WORKLOAD, device, { skipOpReports: true });
  if (a.decode.latencyMsPerToken > 20) continue;
  const loss = Object.fromEntries(PTQ_B_READINGS.map((r) => [r, TOKENS.map((D) => lossParts(law, arch, { trainingTokens: D, ptqB: r }, a.params).loss)])) as Row['loss'];
  rows.push({ name: arch.name ?? '', precision: String(llmCodesignSpace.describe(g).precision), latencyMs: a.totalLatencyMs, loss });
}
const seconds = (performance.now() - t0) / 1e3;

const frontier = (r: PtqBReading, d: number): Row[] => paretoIndices(rows.map((x) => [x.loss[r][d], x.latencyMs])).map((i) => rows[i]);

lines.push('', '## The joint frontier of llm-codesign under each reading (decode ≤ 20 ms/token)', '');
lines.push(`${rows.length} configurations meet the target. Frontier sizes and precision mix (fp16 / int8 / int4), and the points the two frontiers share:`, '');
lines.push('| training tokens | b left out: size, fp16/int8/int4 | b in the exponent: size, fp16/int8/int4 | shared points | best loss at total ≤ 25 / 50 / 100 / 200 ms, b left out → in the exponent |');
lines.push('|---|---|---|---|---|');
const byTokens: Record<string, unknown> = {};
for (let d = 0; d < TOKENS.length; d++) {
  const fronts = PTQ_B_READINGS.map((r) => frontier(r, d));
  const mix = (f: Row[]) => ['fp16', 'int8', 'int4'].map((p) => f.filter((x) => x.precision === p).length).join('/');
  const names = fronts.map((f) => new Set(f.map((x) => x.name)));
  const shared = [...names[0]].filter((n) => names[1].has(n)).length;
  const budgets = BUDGETS_MS.map((ms) => {
    const within = rows.filter((x) => x.latencyMs <= ms);
    if (within.length === 0) return null;
    const best = PTQ_B_READINGS.map((r) => within.reduce((b, x) => (x.loss[r][d] < b.loss[r][d] ? x : b)));
    return { budgetMs: ms, none: { name: best[0].name, loss: best[0].loss.none[d] }, exponent: { name: best[1].name, loss: best[1].loss.exponent[d] } };
  });
  const budgetText = budgets
    .map((b) => (b ? `${b.none.loss.toFixed(3)} → ${b.exponent.loss.toFixed(3)}${b.none.name === b.exponent.name ? '' : ` (${b.none.name.replace('codesign-', '')} → ${b.exponent.name.replace('codesign-', '')})`}` : '—'))
    .join('; ');
  byTokens[tokensText(TOKENS[d])] = { sizes: fronts.map((f) => f.length), mix: fronts.map(mix), shared, budgets };
  lines.push(`| ${tokensText(TOKENS[d])} | ${fronts[0].length}, ${mix(fronts[0])} | ${fronts[1].length}, ${mix(fronts[1])} | ${shared} | ${budgetText} |`);
}
json.frontiers = byTokens;
lines.push('', 'Where the best architecture at a budget changes between the readings, both are named (b left out → in the exponent).');
lines.push('', `Priced in ${seconds.toFixed(0)} s on a shared machine.`);

mkdirSync(values.out!, { recursive: true });
writeFileSync(join(values.out!, 'results.md'), lines.join('\n') + '\n');
writeFileSync(join(values.out!, 'results.json'), JSON.stringify(json, null, 2) + '\n');
console.log(lines.join('\n'));
