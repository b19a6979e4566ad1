import { resolveLaw } from '../../predictors/loss/index.js';
import type { LossLaw } from '../../predictors/loss/law.js';
import { analyze } from '../../search/analyze.js';
import { DEFAULT_TRAINING_TOKENS } from '../../search/evaluate/analytic.js';
import { numberFlag, parseFlags } from '../args.js';
import { PRICING_FLAGS, readArchitecture, readDevice, readPrecisionLoss, readWorkload, withPrecisionFlags } from '../architecture-input.js';
import { lossPartsLines } from '../loss-parts.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { bytesText, ms, si, table } from '../format.js';

const FLAGS = {
  model: { type: 'string' },
  config: { type: 'string' },
  ...PRICING_FLAGS,
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const HELP = `hwnas analyze --model <preset> | --config <file>  --device <id|file.json>
  [--batch 1 --prompt 1024 --generate 16] [--weights --activations --kv fp32|bf16|fp16|int8|int4]
  [--attention-weights --mlp-weights --embedding-weights <precision>]
  [--ideal | --paper] [--loss-law codesign|chinchilla|…|law.json] [--training-tokens 1e10]
  [--training-precision bf16|int8|int4] [--ptq-b none|exponent] [--json]

Prices one architecture on one device: per-operator roofline table and totals.
  --ideal   efficiency 1 and no per-operator overhead (the pure roofline)
  --paper   the co-design paper's closed forms (papers.md §1)
The loss is the law's plus what precision costs (papers.md §5): weights quantised below the training precision
pay Kumar et al.'s post-training penalty (per class by the parameters it quantises), training below 16 bits its
effective-parameter penalty; activation and KV-cache quantisation is not modelled unless a law file gives
constants. --ptq-b exponent reads Kumar's unresolved b inside the exponential (about 3x the penalty).`;

export function loadLaw(idOrPath: string): LossLaw {
  try {
    return resolveLaw(idOrPath);
  } catch (error) {
    throw new UsageError(`--loss-law: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export const command: Command = {
  name: 'analyze',
  summary: 'price one architecture on one device (per-operator roofline, memory, energy, loss)',
  async run(argv) {
    const { values: f } = parseFlags('analyze', argv, FLAGS);
    if (f.help) {
      console.log(HELP);
      return 0;
    }
    if (f.ideal && f.paper) throw new UsageError('give --ideal or --paper, not both');
    const arch = withPrecisionFlags(readArchitecture(f.model, f.config), f);
    const device = readDevice(f.device);
    const workload = readWorkload(f);
    const lossLaw = f['loss-law'] ?? 'codesign';
    loadLaw(lossLaw);
    const trainingTokens = numberFlag('training-tokens', f['training-tokens'], DEFAULT_TRAINING_TOKENS, { min: 1 });

    const { analysis: a, loss } = analyze(arch, device, { workload, mode: f.paper ? 'paper' : f.ideal ? 'ideal' : 'roofline', lossLaw, trainingTokens, precisionLoss: readPrecisionLoss(f) });
    const { warnings } = loss;

    if (f.json) {
      console.log(JSON.stringify({ model: arch.name ?? f.config, device: device.id, workload, precision: arch.precision, ...a, loss }));
      return 0;
    }
    console.log(`${arch.name ?? f.config} on ${device.name} — B=${workload.batch}, prompt ${workload.promptTokens}, generate ${workload.generatedTokens}, ` + `weights ${arch.precision.weights}, activations ${arch.precision.activations}, KV ${arch.precision.kvCache}, mode ${a.mode}\n`);
    if (a.ops.length > 0) {
      const rows = a.ops.map((o) => [o.name, o.phase, String(o.count), si(o.flops, 'FLOP'), bytesText(o.bytes), ms(o.latencyMs), o.arithmeticIntensity.toFixed(1), o.bound, `${(o.share * 100).toFixed(1)}%`]);
      console.log(table(['op', 'phase', 'count', 'FLOPs', 'bytes', 'latency', 'FLOP/B', 'bound', 'share'], rows));
      console.log('');
    }
    const p = a.params;
    console.log(
      [
        `params          ${si(p.total)} total, ${si(p.embedding)} embedding, ${si(p.nonEmbedding)} non-embedding, ${si(p.activePerToken)} active per token`,
        `prefill         ${si(a.prefill.flops, 'FLOP')}, ${ms(a.prefill.latencyMs)} (time to first token)`,
        `decode          ${bytesText(a.decode.bytesPerToken)} per step, ${ms(a.decode.latencyMsPerToken)} per token (first ${ms(a.decode.firstStepMs)}, last ${ms(a.decode.lastStepMs)}), ${a.decode.tokensPerS.toFixed(1)} tokens/s`,
        `end to end      ${ms(a.totalLatencyMs)}`,
        `memory          ${bytesText(a.memory.totalBytes)} = weights ${bytesText(a.memory.weightsBytes)} + KV ${bytesText(a.memory.kvCacheBytes)} + activations ${bytesText(a.memory.activationBytes)} — ${a.memory.fits ? 'fits' : 'does NOT fit'} in ${bytesText(device.memoryBytes)}`,
        `energy          ${a.energyJ.toPrecision(4)} J per request, ${a.energyJPerToken.toPrecision(4)} J per generated token`,
        ...lossPartsLines(loss, warnings).map((line, i) => (i === 0 ? `loss (${loss.law})  ${line}` : `               ${line}`)),
      ].join('\n'),
    );
    return 0;
  },
};
