/**
 * Where to split? (issue #14, ParetoPipe's question) MobileNetV2, a NAS-Bench-201 cell network and Qwen2.5-0.5B
 * partitioned over a Raspberry Pi 5 (where requests arrive) and an RTX 4090, over 10, 100 and 1000 Mbit/s links
 * (2 ms latency each way), priced by the built-in profiles' roofline exactly as `hwnas split` prices them:
 *   node --import tsx experiments/split-frontier/run.ts [--latency-ms 2]
 * For each: the size of the latency/throughput frontier (an LLM's prefill and decode separately), and whether
 * "all on the fast device" or "all on the edge" is dominated. Pure arithmetic: about a second.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Nb201Architecture } from '../../core/architecture.js';
import { PRESETS } from '../../core/presets.js';
import { MNASNET_PRESETS } from '../../core/spaces/mnasnet.js';
import { parseNb201ArchStr, nb201Space } from '../../core/spaces/nb201.js';
import { getDevice } from '../../hardware/devices.js';
import { parseLink } from '../../hardware/link.js';
import { cnnChain, llmChain, type Chain } from '../../hardware/split-chain.js';
import { describePartition, priceUnits, summarizeSplit } from '../../hardware/split.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { 'latency-ms': { type: 'string', default: '2' }, out: { type: 'string', default: join(here, 'results') } } });

/** NAS-Bench-201's best CIFAR-10 cell (94.37% test accuracy in its table). */
const NB201_CELL = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
const models: Chain[] = [
  cnnChain(MNASNET_PRESETS.mobilenetv2, 1, 'MobileNetV2 1.0 (224)'),
  cnnChain(nb201Space.decode(parseNb201ArchStr(NB201_CELL)) as Nb201Architecture, 1, 'NAS-Bench-201 cell (CIFAR, 32×32)'),
  llmChain(PRESETS['qwen2.5-0.5b'], { batch: 1, promptTokens: 1024, generatedTokens: 16 }),
];
const devices = [getDevice('raspberry-pi-5'), getDevice('rtx-4090')];
const links = [10, 100, 1000].map((mbit) => parseLink(`${mbit}Mbit/s,${values['latency-ms']}ms`));

interface Row {
  readonly model: string;
  readonly link: string;
  readonly phase: string;
  readonly partitions: number;
  readonly fit: number;
  readonly frontier: number;
  readonly frontierPartitions: string[];
  readonly allOnEdge: string;
  readonly allOnFast: string;
  readonly fastest: string;
}
const rows: Row[] = [];
const separately: string[] = [];
for (const chain of models) {
  const prices = devices.map((d) => priceUnits(chain, d));
  for (const link of links) {
    const s = summarizeSplit(chain, devices, link, prices);
    for (const { phase, frontier, allOn } of s.phases) {
      const standing = (i: number) => {
        const a = allOn[i];
        if (!a.fits) return 'does not fit';
        return a.dominatedBy === undefined ? 'not dominated' : `dominated by ${describePartition(chain, s.partitions[a.dominatedBy])}`;
      };
      rows.push({
        model: chain.name,
        link: link.text,
        phase: chain.kind === 'cnn' ? 'forward' : phase,
        partitions: s.partitions.length,
        fit: s.partitions.filter((p) => p.fits).length,
        frontier: frontier.length,
        frontierPartitions: frontier.map((i) => {
          const p = s.partitions[i];
          const ph = phase === 'decode' ? p.decode! : p.prefill;
          return `${describePartition(chain, p)} (${ph.latencyMs.toFixed(2)} ms, ${ph.perS.toFixed(1)}/s)`;
        }),
        allOnEdge: standing(0),
        allOnFast: standing(1),
        fastest: s.fastest !== undefined ? `${describePartition(chain, s.partitions[s.fastest])} (${s.partitions[s.fastest].latencyMs.toFixed(2)} ms)` : 'nothing fits',
      });
    }
    if (s.separately) {
      const sep = s.separately;
      const name = (cuts: readonly number[]) => describePartition(chain, s.partitions.find((p) => p.cuts.join() === cuts.join())!);
      separately.push(`- ${chain.name}, ${link.text}: prefill ${name(sep.prefillCuts)}, decode ${name(sep.decodeCuts)}, KV moved ${(sep.kvMoveBytes / 2 ** 20).toFixed(1)} MiB, end to end ${sep.latencyMs.toFixed(1)} ms`);
    }
  }
}

const lines = ['# Where to split: Raspberry Pi 5 + RTX 4090', ''];
lines.push(`Devices: ${devices.map((d) => `${d.id} (${d.source.split(';')[0]})`).join('; ')}. Requests arrive on the Pi and their results return to it.`);
lines.push(`Links: ${links.map((l) => l.text).join(', ')} (latency per message, each way). Roofline of the built-in profiles; CNNs fp32 at batch 1 with 8-bit images in; Qwen2.5-0.5B fp16, batch 1, 1,024-token prompt, 16 generated tokens.`, '');
lines.push('| model | link | phase | partitions (fit) | frontier size | all on the edge (Pi) | all on the fast device (4090) | fastest end to end |', '|---|---|---|---|---|---|---|---|');
for (const r of rows) lines.push(`| ${r.model} | ${r.link} | ${r.phase} | ${r.partitions} (${r.fit}) | ${r.frontier} | ${r.allOnEdge} | ${r.allOnFast} | ${r.fastest} |`);
lines.push('', 'Frontier partitions (latency, pipelined rate):', '');
for (const r of rows) lines.push(`- ${r.model}, ${r.link}, ${r.phase}: ${r.frontierPartitions.join('; ')}`);
if (separately.length) lines.push('', 'Prefill and decode on separate partitions (best pair, KV cache moved between them):', '', ...separately);
mkdirSync(values.out!, { recursive: true });
writeFileSync(join(values.out!, 'split-frontier.md'), lines.join('\n') + '\n');
writeFileSync(join(values.out!, 'split-frontier.json'), JSON.stringify({ devices: devices.map((d) => d.id), links, rows, separately }, null, 1));
console.log(lines.join('\n'));
