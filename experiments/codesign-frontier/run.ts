/**
 * The co-design frontier under hwnas's fuller cost model (papers.md §1): predicted loss vs end-to-end latency on
 * Jetson AGX Orin for the paper's workload (B = 1, S_in = 1024, S_out = 16), fp16 and int8, under the paper's
 * targets (decode ≤ 20 ms per token; total ≤ 100 ms). Checks the paper's findings (MoE share of the frontier,
 * depth below 20, top-1 routing) and compares the best frontier architecture at Qwen2.5-0.5B's latency with
 * Qwen2.5-0.5B itself.
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
import { PAPER_WORKLOAD } from '../../core/workload.js';
import { getDevice } from '../../hardware/devices.js';
import { paperClosedForm } from '../../hardware/paper-closed-form.js';
import { resolveLaw } from '../../predictors/loss/index.js';
import { analyticMetrics, type AnalyticSpec } from '../../search/evaluate/analytic.js';

const { values } = parseArgs({ options: { out: { type: 'string', default: 'experiments/codesign-frontier' } } });
const device = getDevice('jetson-agx-orin');
const law = resolveLaw('codesign');
const spec: AnalyticSpec = { kind: 'analytic', device, workload: PAPER_WORKLOAD, mode: 'roofline', law: 'codesign', trainingTokens: 10e9 };

interface Row {
  genes: Record<string, number | string>;
  arch: LlmArchitecture;
  loss: number;
  latencyMs: number;
  decodeMsPerToken: number;
  memoryBytes: number;
}
const rows: Row[] = [];
for (const g of llmCodesignSpace.enumerate!()) {
  const arch = llmCodesignSpace.decode(g);
  const m = analyticMetrics(arch, spec, law);
  rows.push({ genes: llmCodesignSpace.describe(g), arch, loss: m.loss, latencyMs: m.latencyMs, decodeMsPerToken: m.decodeMsPerToken, memoryBytes: m.memoryBytes });
}

const targets = [
  { name: 'decode ≤ 20 ms/token', ok: (r: Row) => r.decodeMsPerToken <= 20 },
  { name: 'total ≤ 100 ms', ok: (r: Row) => r.latencyMs <= 100 },
];
const pct = (x: number) => `${(100 * x).toFixed(0)}%`;

function frontier(subset: Row[]): Row[] {
  return paretoIndices(subset.map((r) => [r.loss, r.latencyMs])).map((i) => subset[i]).sort((a, b) => a.latencyMs - b.latencyMs);
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
lines.push(`${rows.length} configurations of llm-codesign priced with hwnas's full op-level roofline (embeddings, LM head, norms, attention scores, KV cache, per-op overhead, efficiencies ${device.computeEfficiency}/${device.memoryEfficiency}) and the co-design loss law.`, '');
lines.push('| precision | target | frontier size | MoE share | depth < 20 | top-1 among MoE | 8 experts among MoE | median depth | median width |');
lines.push('|---|---|---|---|---|---|---|---|---|');
for (const precision of ['fp16', 'int8']) {
  for (const t of targets) {
    const front = frontier(rows.filter((r) => r.genes.precision === precision && t.ok(r)));
    const f = findings(front);
    json[`${precision} ${t.name}`] = f;
    lines.push(`| ${precision} | ${t.name} | ${f.size} | ${pct(f.moeShare)} | ${pct(f.depthBelow20Share)} | ${pct(f.top1ShareOfMoe)} | ${pct(f.eightExpertShareOfMoe)} | ${f.medianDepth} | ${f.medianWidth} |`);
  }
}

// Qwen2.5-0.5B at its own latency, fp16, under both our model and the paper's closed form.
const qwen = PRESETS['qwen2.5-0.5b'];
const q = analyticMetrics(qwen, spec, law);
const qPaper = paperClosedForm(qwen, PAPER_WORKLOAD, device);
const atQwen = rows.filter((r) => r.genes.precision === 'fp16' && r.latencyMs <= q.latencyMs).sort((a, b) => a.loss - b.loss)[0];
lines.push('', `## At Qwen2.5-0.5B's latency (fp16)`, '');
lines.push(`Qwen2.5-0.5B: end-to-end ${q.latencyMs.toFixed(1)} ms (paper closed form: ${qPaper.totalLatencyMs.toFixed(1)} ms), predicted loss ${q.loss.toFixed(4)}.`);
lines.push(`Best grid architecture within that latency: ${atQwen.arch.name} — ${atQwen.latencyMs.toFixed(1)} ms, predicted loss ${atQwen.loss.toFixed(4)} (Δ ${(atQwen.loss - q.loss).toFixed(4)} nats, perplexity ratio ${Math.exp(atQwen.loss - q.loss).toFixed(3)}).`);
lines.push(`The paper reports WikiText-2 perplexity 50.88 vs 63.14 (ratio ${(50.88 / 63.14).toFixed(3)}) for its co-designed model against Qwen2.5-0.5B at the same latency, after training both.`);
json.qwen = { latencyMs: q.latencyMs, paperLatencyMs: qPaper.totalLatencyMs, loss: q.loss };
json.bestAtQwenLatency = { name: atQwen.arch.name, genes: atQwen.genes, latencyMs: atQwen.latencyMs, loss: atQwen.loss };

mkdirSync(values.out!, { recursive: true });
writeFileSync(join(values.out!, 'results.md'), lines.join('\n') + '\n');
writeFileSync(join(values.out!, 'results.json'), JSON.stringify(json, null, 2) + '\n');
console.log(lines.join('\n'));
