/**
 * The co-design frontier under hwnas's fuller cost model (papers.md §1): predicted loss vs end-to-end latency on
 * Jetson AGX Orin for the paper's workload (B = 1, S_in = 1024, S_out = 16), under the paper's targets (decode
 * ≤ 20 ms per token; total ≤ 100 ms). Checks the paper's findings (MoE share of the frontier, depth below 20,
 * top-1 routing) and compares the best frontier architecture at Qwen2.5-0.5B's latency with Qwen2.5-0.5B itself.
 *
 * The loss includes what precision costs (papers.md §5): Kumar et al.'s post-training penalty for int8/int4
 * weights grows with the training tokens D, so the joint frontier over fp16 / int8 / int4 is shown at D = 10B,
 * 100B and 1T, with the Qwen comparison at each, and the per-class precision space (llm-codesign-mixed) at the
 * same D. The co-design law itself does not read D (fitted at 10B): only the penalty changes with it.
 *
 *   node --import tsx experiments/codesign-frontier/run.ts [--out experiments/codesign-frontier]
 * writes results.md and results.json there.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { LlmArchitecture } from '../../core/architecture.js';
import { paretoIndices } from '../../core/pareto.js';
import { PRESETS } from '../../core/presets.js';
import { llmCodesignSpace } from '../../core/spaces/llm-codesign.js';
import { llmCodesignMixedSpace } from '../../core/spaces/llm-codesign-mixed.js';
import { PAPER_WORKLOAD } from '../../core/workload.js';
import { getDevice } from '../../hardware/devices.js';
import { paperClosedForm } from '../../hardware/paper-closed-form.js';
import { analyzeLlm } from '../../hardware/roofline.js';
import { resolveLaw } from '../../predictors/loss/index.js';
import { lossParts, type LossParts } from '../../predictors/loss/loss-parts.js';

const { values } = parseArgs({ options: { out: { type: 'string', default: 'experiments/codesign-frontier' } } });
const device = getDevice('jetson-agx-orin');
const law = resolveLaw('codesign');
const TOKENS = [10e9, 100e9, 1e12] as const;
const tokensText = (d: number) => (d >= 1e12 ? `${d / 1e12}T` : `${d / 1e9}B`);

interface Row {
  genes: Record<string, number | string>;
  name: string;
  latencyMs: number;
  decodeMsPerToken: number;
  /** Loss at each of TOKENS, with its parts. */
  loss: Pick<LossParts, 'loss' | 'baseLoss' | 'quantPenalty'>[];
}

/** Prices every candidate of a space once (the roofline does not depend on D), and its loss at every D. */
function price(space: typeof llmCodesignSpace, keep: (arch: LlmArchitecture, latencyMs: number, decodeMs: number) => boolean = () => true): Row[] {
  const rows: Row[] = [];
  for (const g of space.enumerate!()) {
    const arch = space.decode(g);
    const a = analyzeLlm(arch, PAPER_WORKLOAD, device, { skipOpReports: true });
    if (!keep(arch, a.totalLatencyMs, a.decode.latencyMsPerToken)) continue;
    const loss = TOKENS.map((D) => {
      const p = lossParts(law, arch, { trainingTokens: D }, a.params);
      return { loss: p.loss, baseLoss: p.baseLoss, quantPenalty: p.quantPenalty };
    });
    rows.push({ genes: space.describe(g), name: arch.name ?? '', latencyMs: a.totalLatencyMs, decodeMsPerToken: a.decode.latencyMsPerToken, loss });
  }
  return rows;
}

const t0 = performance.now();
const rows = price(llmCodesignSpace);
const targets = [
  { name: 'decode ≤ 20 ms/token', ok: (r: Row) => r.decodeMsPerToken <= 20 },
  { name: 'total ≤ 100 ms', ok: (r: Row) => r.latencyMs <= 100 },
];
const pct = (x: number) => `${(100 * x).toFixed(0)}%`;

function frontier(subset: Row[], d: number): Row[] {
  return paretoIndices(subset.map((r) => [r.loss[d].loss, r.latencyMs])).map((i) => subset[i]).sort((a, b) => a.latencyMs - b.latencyMs);
}

function findings(front: Row[]) {
  const moe = front.filter((r) => r.genes.moe !== '1x1');
  return {
    size: front.length,
    moeShare: moe.length / front.length,
    depthBelow20Share: front.filter((r) => (r.genes.layers as number) < 20).length / front.length,
    top1ShareOfMoe: moe.length ? moe.filter((r) => String(r.genes.moe).endsWith('x1')).length / moe.length : NaN,
    eightExpertShareOfMoe: moe.length ? moe.filter((r) => String(r.genes.moe).startsWith('8x')).length / moe.length : NaN,
    medianDepth: front.map((r) => r.genes.layers as number).sort((a, b) => a - b)[Math.floor(front.length / 2)],
    medianWidth: front.map((r) => r.genes.width as number).sort((a, b) => a - b)[Math.floor(front.length / 2)],
  };
}

const lines: string[] = [];
const json: Record<string, unknown> = {};
lines.push(`# Co-design frontier on ${device.name}, workload B=1, S_in=1024, S_out=16`, '');
lines.push(`${rows.length} configurations of llm-codesign priced with hwnas's full op-level roofline (embeddings, LM head, norms, attention scores, KV cache, per-op overhead, efficiencies ${device.computeEfficiency}/${device.memoryEfficiency}) and the co-design loss law, plus the quantisation penalty of papers.md §5 (Kumar et al. Eq. 2, b left out) for int8/int4 weights; int8 is W8A8 (its activation quantisation has no published loss constants and is not priced in loss), int4 is W4A16.`, '');

lines.push('## The paper’s findings, one precision at a time (D = 10B, the law’s own)', '');
lines.push('| precision | target | frontier size | MoE share | depth < 20 | top-1 among MoE | 8 experts among MoE | median depth | median width |');
lines.push('|---|---|---|---|---|---|---|---|---|');
for (const precision of ['fp16', 'int8']) {
  for (const t of targets) {
    const front = frontier(rows.filter((r) => r.genes.precision === precision && t.ok(r)), 0);
    const f = findings(front);
    json[`${precision} ${t.name}`] = f;
    lines.push(`| ${precision} | ${t.name} | ${f.size} | ${pct(f.moeShare)} | ${pct(f.depthBelow20Share)} | ${pct(f.top1ShareOfMoe)} | ${pct(f.eightExpertShareOfMoe)} | ${f.medianDepth} | ${f.medianWidth} |`);
  }
}

// The joint frontier over every precision, at each D: where int8 and int4 pay off.
lines.push('', '## Precision mix of the joint frontier (fp16 / int8 / int4), with the quantisation penalty', '');
lines.push('| training tokens | target | frontier size | fp16 | int8 | int4 | int4 penalty on the frontier (median, max nats) |');
lines.push('|---|---|---|---|---|---|---|');
const mix: Record<string, unknown> = {};
for (let d = 0; d < TOKENS.length; d++) {
  for (const t of targets) {
    const front = frontier(rows.filter(t.ok), d);
    const count = (p: string) => front.filter((r) => r.genes.precision === p).length;
    const int4 = front.filter((r) => r.genes.precision === 'int4').map((r) => r.loss[d].quantPenalty).sort((a, b) => a - b);
    const pen = int4.length ? `${int4[Math.floor(int4.length / 2)].toFixed(4)}, ${int4[int4.length - 1].toFixed(4)}` : '—';
    mix[`${tokensText(TOKENS[d])} ${t.name}`] = { size: front.length, fp16: count('fp16'), int8: count('int8'), int4: count('int4') };
    lines.push(`| ${tokensText(TOKENS[d])} | ${t.name} | ${front.length} | ${count('fp16')} | ${count('int8')} | ${count('int4')} | ${pen} |`);
  }
}
json.precisionMix = mix;

// Qwen2.5-0.5B (fp16) at its own latency, against the best grid architecture of any precision within it.
const qwen = PRESETS['qwen2.5-0.5b'];
const qa = analyzeLlm(qwen, PAPER_WORKLOAD, device, { skipOpReports: true });
const qPaper = paperClosedForm(qwen, PAPER_WORKLOAD, device);
lines.push('', `## At Qwen2.5-0.5B's latency`, '');
lines.push(`Qwen2.5-0.5B (fp16): end-to-end ${qa.totalLatencyMs.toFixed(1)} ms (paper closed form: ${qPaper.totalLatencyMs.toFixed(1)} ms). The best grid architecture within that latency, fp16 only and of any precision (loss = base + quantisation penalty):`, '');
lines.push('| training tokens | Qwen2.5-0.5B loss | best fp16 (loss, Δ, ppl ratio) | best of any precision | its loss = base + penalty | Δ nats | perplexity ratio |');
lines.push('|---|---|---|---|---|---|---|');
const atQwen: Record<string, unknown> = {};
for (let d = 0; d < TOKENS.length; d++) {
  const q = lossParts(law, qwen, { trainingTokens: TOKENS[d] }, qa.params);
  const within = rows.filter((r) => r.latencyMs <= qa.totalLatencyMs);
  const best = (subset: Row[]) => subset.reduce((b, r) => (r.loss[d].loss < b.loss[d].loss ? r : b));
  const fp16 = best(within.filter((r) => r.genes.precision === 'fp16'));
  const any = best(within);
  const l = any.loss[d];
  atQwen[tokensText(TOKENS[d])] = { qwenLoss: q.loss, bestFp16: { name: fp16.name, latencyMs: fp16.latencyMs, loss: fp16.loss[d].loss }, bestAny: { name: any.name, latencyMs: any.latencyMs, loss: l.loss, baseLoss: l.baseLoss, quantPenalty: l.quantPenalty } };
  lines.push(`| ${tokensText(TOKENS[d])} | ${q.loss.toFixed(4)} | ${fp16.name}: ${fp16.loss[d].loss.toFixed(4)}, ${(fp16.loss[d].loss - q.loss).toFixed(4)}, ${Math.exp(fp16.loss[d].loss - q.loss).toFixed(3)} | ${any.name} (${any.latencyMs.toFixed(1)} ms) | ${l.loss.toFixed(4)} = ${l.baseLoss.toFixed(4)} + ${l.quantPenalty.toFixed(4)} | ${(l.loss - q.loss).toFixed(4)} | ${Math.exp(l.loss - q.loss).toFixed(3)} |`);
}
json.qwen = { latencyMs: qa.totalLatencyMs, paperLatencyMs: qPaper.totalLatencyMs };
json.atQwenLatency = atQwen;
lines.push('', `The paper reports WikiText-2 perplexity 50.88 vs 63.14 (ratio ${(50.88 / 63.14).toFixed(3)}) for its co-designed model against Qwen2.5-0.5B at the same latency, after training both.`);

// The per-class space, decode ≤ 20 ms/token: which class is quantised where.
const t1 = performance.now();
const mixed = price(llmCodesignMixedSpace, (_, __, decodeMs) => decodeMs <= 20);
lines.push('', '## Per-class precision (llm-codesign-mixed), decode ≤ 20 ms/token', '');
lines.push(`${llmCodesignMixedSpace.size()} configurations (weight-only quantisation per class; ${mixed.length} meet the target). Frontier points by the precision of each class:`, '');
lines.push('| training tokens | frontier size | attention fp16/int8/int4 | MLP fp16/int8/int4 | embeddings + LM head fp16/int8/int4 | KV cache fp16/int8 | all classes int4 |');
lines.push('|---|---|---|---|---|---|---|');
const perClass: Record<string, unknown> = {};
for (let d = 0; d < TOKENS.length; d++) {
  const front = frontier(mixed, d);
  const split = (gene: string, choices: string[]) => choices.map((c) => front.filter((r) => r.genes[gene] === c).length).join(' / ');
  const allInt4 = front.filter((r) => r.genes.attentionWeights === 'int4' && r.genes.mlpWeights === 'int4' && r.genes.embeddingWeights === 'int4').length;
  perClass[tokensText(TOKENS[d])] = { size: front.length, attention: split('attentionWeights', ['fp16', 'int8', 'int4']), mlp: split('mlpWeights', ['fp16', 'int8', 'int4']), embeddings: split('embeddingWeights', ['fp16', 'int8', 'int4']), kvCache: split('kvCache', ['fp16', 'int8']), allInt4 };
  lines.push(`| ${tokensText(TOKENS[d])} | ${front.length} | ${split('attentionWeights', ['fp16', 'int8', 'int4'])} | ${split('mlpWeights', ['fp16', 'int8', 'int4'])} | ${split('embeddingWeights', ['fp16', 'int8', 'int4'])} | ${split('kvCache', ['fp16', 'int8'])} | ${allInt4} |`);
}
json.perClass = perClass;
lines.push('', 'KV-cache int8 has no published loss constants: it is free in this loss, so the frontier takes it wherever it saves time.');
const t2 = performance.now();
lines.push('', `Priced in ${((t1 - t0) / 1e3).toFixed(0)} s (llm-codesign) and ${((t2 - t1) / 1e3).toFixed(0)} s (llm-codesign-mixed), on a shared machine.`);

mkdirSync(values.out!, { recursive: true });
writeFileSync(join(values.out!, 'results.md'), lines.join('\n') + '\n');
writeFileSync(join(values.out!, 'results.json'), JSON.stringify(json, null, 2) + '\n');
console.log(lines.join('\n'));
