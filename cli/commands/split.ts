import { SIZE_LIMITS } from '../../core/size-limits.js';
import { MNASNET_PRESETS } from '../../core/spaces/mnasnet.js';
import { parseLink, type Link } from '../../hardware/link.js';
import { cnnChain, llmChain, type Chain } from '../../hardware/split-chain.js';
import { describePartition, partitionCount, priceUnits, summarizeSplit, type SplitPrice, type SplitSummary } from '../../hardware/split.js';
import { helpText, numberFlag, parseFlags } from '../args.js';
import { MODEL_PRESET_IDS, readDevices, readModel, readWorkload, withPrecisionFlags } from '../architecture-input.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { bytesText, ms, table } from '../format.js';

const FLAGS = {
  model: { type: 'string', value: 'preset|config.json|exported.json', help: 'the model: a preset (below), a Hugging Face config.json, or an exported candidate (required)' },
  candidate: { type: 'string', value: 'seq', help: 'with an exported frontier document as --model: the candidate to split' },
  devices: { type: 'string', value: 'a,b[,c...]', help: 'the devices in pipeline order: built-in ids or profile files (required)' },
  link: { type: 'string', multiple: true, value: '100Mbit/s,2ms', help: 'the link between consecutive devices, bandwidth and latency; repeat it to sweep (default 100Mbit/s,2ms)' },
  batch: { type: 'string', value: 'N', help: 'sequences (LLM) or images (CNN) per request (default 1)' },
  prompt: { type: 'string', value: 'N', help: 'LLM: prompt tokens (default 1024)' },
  generate: { type: 'string', value: 'N', help: 'LLM: generated tokens (default 16)' },
  weights: { type: 'string', value: 'precision', help: 'LLM: weight precision (fp16, bf16, int8, int4, …)' },
  activations: { type: 'string', value: 'precision', help: 'LLM: activation precision' },
  kv: { type: 'string', value: 'precision', help: 'LLM: KV-cache precision' },
  ideal: { type: 'boolean', help: 'the pure roofline: efficiency 1, no per-operator overhead' },
  all: { type: 'boolean', help: 'every partition, not only the frontier' },
  json: { type: 'boolean', help: 'one JSON object on stdout' },
} as const;

const DEFAULT_LINK = '100Mbit/s,2ms';

const DESCRIPTION = `Prices every contiguous partition of a model over devices (ParetoPipe's question: where to cut?). The model is a
chain of units between which one tensor is live (CNN: stem, each layer or cell, head; LLM: embedding, each decoder
layer, LM head); each stage runs on its device, priced by the roofline (a calibrated profile file works as a
device). A request arrives on the first device and its result returns there; each hop sends one message over the
link: latency + 8·bytes / bandwidth (CNN images as 8-bit RGB, tensors at cuts in the model's precision).
Prints per link the Pareto frontier of one request's latency vs pipelined throughput (the slowest stage, a link's
serialisation counting as a stage), with per-device memory (does it fit?) and energy, and whether running all on
one device is dominated. LLMs: the prefill (TTFT vs prompts/s) and a decode step (ms per token vs tokens/s) are
split separately — a decode step moves one token's hidden state, the KV cache stays with its layers — and the best
pair of a prefill partition and a decode partition is priced with the KV cache moved between them.`;

function chainOf(f: Record<string, string | boolean | string[] | undefined>): Chain {
  const arch = readModel(f.model as string | undefined, f.candidate as string | undefined);
  if (arch.family === 'llm') return llmChain(withPrecisionFlags(arch, f as { weights?: string; activations?: string; kv?: string }), readWorkload(f as { batch?: string; prompt?: string; generate?: string }));
  for (const flag of ['prompt', 'generate', 'weights', 'activations', 'kv']) if (f[flag] !== undefined) throw new UsageError(`--${flag}: only for LLMs; ${f.model} is a ${arch.family} network`);
  const batch = numberFlag('batch', f.batch as string | undefined, 1, { integer: true, min: 1 });
  const name = arch.family === 'mnasnet' ? (arch.name ?? Object.keys(MNASNET_PRESETS).find((k) => MNASNET_PRESETS[k] === arch) ?? 'mnasnet') : arch.family;
  return cnnChain(arch, batch, name);
}

const rate = (perS: number) => (perS >= 100 ? perS.toFixed(0) : perS.toPrecision(3));

/** One partition's row: its latency and rate in the phase, what bounds it, bytes sent, memory and energy per device. */
function row(chain: Chain, p: SplitPrice, phase: 'prefill' | 'decode', mark: string): string[] {
  const ph = phase === 'decode' ? p.decode! : p.prefill;
  return [
    `${mark}${describePartition(chain, p)}`,
    ms(ph.latencyMs),
    rate(ph.perS),
    ph.bottleneck,
    bytesText(ph.hops.reduce((s, h) => s + h.bytes, 0)),
    p.stages.map((st) => (st.to > st.from ? `${bytesText(st.memoryBytes)}${st.fits ? '' : '!'}` : '—')).join(' / '),
    p.stages.map((st) => (st.to > st.from ? st.energyJ.toPrecision(3) : '—')).join(' / '),
    ms(p.latencyMs),
  ];
}

function printSummary(chain: Chain, s: SplitSummary, all: boolean): void {
  const fits = s.partitions.filter((p) => p.fits).length;
  console.log(`\n${chain.name} over ${s.partitions[0].stages.map((st) => st.device).join(' → ')}, link ${s.link.text}: ${s.partitions.length} partitions of ${chain.units.length} units, ${fits} fit`);
  for (const { phase, frontier, allOn } of s.phases) {
    const what = chain.kind === 'cnn' ? 'one forward pass: latency vs requests/s' : phase === 'prefill' ? 'prefill: TTFT vs prompts/s' : 'decode step: latency per token vs tokens/s';
    const shown = all ? s.partitions.map((_, i) => i) : [...frontier];
    const rows = shown.map((i) => row(chain, s.partitions[i], phase, frontier.includes(i) ? '* ' : '  '));
    console.log(`${what} — frontier of ${frontier.length}${all ? ' (*)' : ''}`);
    const unit = chain.kind === 'cnn' ? 'req/s' : phase === 'prefill' ? 'prompts/s' : 'tokens/s';
    console.log(table(['partition', 'latency', unit, 'bottleneck', 'sent', 'memory per device (! does not fit)', 'energy J per device (request)', 'end to end'], rows));
    for (const a of allOn) {
      const standing = !a.fits ? 'does not fit' : a.dominatedBy === undefined ? 'not dominated' : `dominated by ${describePartition(chain, s.partitions[a.dominatedBy])}`;
      console.log(`  all on ${a.device}: ${standing}`);
    }
  }
  if (s.fastest !== undefined) console.log(`fastest end to end on one partition: ${describePartition(chain, s.partitions[s.fastest])}, ${ms(s.partitions[s.fastest].latencyMs)}`);
  const sep = s.separately;
  if (sep && s.fastest !== undefined && sep.prefillCuts.join() === sep.decodeCuts.join()) console.log('prefill and decode split separately: the same partition is best for both (no KV cache moves)');
  else if (sep) {
    const describeCuts = (cuts: readonly number[]) => describePartition(chain, s.partitions.find((p) => p.cuts.join() === cuts.join())!);
    console.log(`prefill and decode split separately: prefill ${describeCuts(sep.prefillCuts)}, decode ${describeCuts(sep.decodeCuts)}, KV cache moved ${bytesText(sep.kvMoveBytes)} in ${ms(sep.kvMoveMs)}; end to end ${ms(sep.latencyMs)}`);
  }
}

export const command: Command = {
  name: 'split',
  help: () =>
    helpText({
      usage: 'hwnas split --model <preset|config.json|exported.json> --devices a,b[,c...] [--link 100Mbit/s,2ms]... [flags]',
      description: DESCRIPTION,
      flags: FLAGS,
      sections: [
        { title: 'link units', lines: ['  bandwidth: bit/s, kbit/s, Mbit/s, Gbit/s, Mbps, B/s, MB/s; latency: us, ms, s (--link 10Mbit/s,2ms --link 1Gbit/s,2ms sweeps two links)'] },
        { title: 'presets (--model)', lines: [`  ${MODEL_PRESET_IDS.join(', ')}`] },
      ],
    }),
  async run(argv) {
    const { values: f } = parseFlags('split', argv, FLAGS);
    const chain = chainOf(f);
    const devices = readDevices(f.devices);
    const count = partitionCount(chain.units.length, devices.length);
    if (count > SIZE_LIMITS.partitions) {
      throw new UsageError(`--devices: ${chain.name}'s ${chain.units.length} units over ${devices.length} devices make ${count.toLocaleString('en-US')} partitions, above the limit of ${SIZE_LIMITS.partitions.toLocaleString('en-US')} (core/size-limits.ts); give fewer devices`);
    }
    const links: Link[] = (f.link ?? [DEFAULT_LINK]).map((text) => {
      try {
        return parseLink(text);
      } catch (error) {
        throw new UsageError(`--link: ${(error as Error).message}`);
      }
    });
    // Unit prices do not depend on the link: once per device.
    const prices = devices.map((d) => priceUnits(chain, d, f.ideal ?? false));
    const summaries = links.map((link) => summarizeSplit(chain, devices, link, prices));
    if (f.json) {
      const partitions = (s: SplitSummary) => s.partitions.map((p, i) => ({ index: i, partition: describePartition(chain, p), ...p }));
      console.log(
        JSON.stringify({
          model: chain.name,
          units: chain.units.map((u) => u.name),
          devices: devices.map((d) => d.id),
          ...(chain.kind === 'llm' ? { workload: chain.workload } : {}),
          links: summaries.map((s) => {
            const listed = partitions(s);
            const onFront = new Set(s.phases.flatMap((p) => p.frontier));
            return { link: s.link, phases: s.phases, fastest: s.fastest, separately: s.separately, partitions: f.all ? listed : listed.filter((p) => onFront.has(p.index)) };
          }),
        }),
      );
      return 0;
    }
    for (const s of summaries) printSummary(chain, s, f.all ?? false);
    if (summaries.length > 1) {
      console.log('\nlink sweep');
      const rows = summaries.map((s) => [
        s.link.text,
        s.phases.map((p) => String(p.frontier.length)).join(' / '),
        s.fastest !== undefined ? `${describePartition(chain, s.partitions[s.fastest])} (${ms(s.partitions[s.fastest].latencyMs)})` : 'nothing fits',
        ...devices.map((_, d) => s.phases.map((p) => (!p.allOn[d].fits ? 'does not fit' : p.allOn[d].dominatedBy === undefined ? 'on frontier' : 'dominated')).join(' / ')),
      ]);
      console.log(table(['link', `frontier size${chain.kind === 'llm' ? ' (prefill / decode)' : ''}`, 'fastest end to end', ...devices.map((d) => `all on ${d.id}`)], rows));
    }
    return 0;
  },
};
