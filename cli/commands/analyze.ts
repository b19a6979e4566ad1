import { resolveLaw } from '../../predictors/loss/index.js';
import type { LossLaw } from '../../predictors/loss/law.js';
import { analyze } from '../../search/analyze.js';
import { DEFAULT_TRAINING_TOKENS } from '../../search/evaluate/analytic.js';
import { helpText, numberFlag, parseFlags } from '../args.js';
import { HF_MODEL_TYPES } from '../../core/hf-config.js';
import { PRESET_IDS } from '../../core/presets.js';
import { PRICING_FLAGS, readArchitecture, readDevice, readPrecisionLoss, readWorkload, withPrecisionFlags } from '../architecture-input.js';
import { lossPartsLines } from '../loss-parts.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { bytesText, countText, ms, si, table, UNITS_NOTE } from '../format.js';

const FLAGS = {
  model: { type: 'string', value: 'preset', help: `a built-in model (hwnas models): ${PRESET_IDS.join(', ')}` },
  config: { type: 'string', value: 'file|dir', help: `a Hugging Face config.json or a model folder holding one (as from_pretrained reads it; ${HF_MODEL_TYPES.join(', ')}), or an hwnas architecture file` },
  ...PRICING_FLAGS,
  json: { type: 'boolean', help: 'one JSON object with every figure, for machines' },
} as const;

const DESCRIPTION = `Prices one architecture on one device: the per-operator roofline table (FLOPs, bytes, latency, arithmetic
intensity, bound, share), time to first token, time per output token, end-to-end latency, memory and whether it
fits, energy, and the predicted loss at the given training tokens. The loss is the law's plus what precision
costs (Kumar et al. 2025, Scaling Laws for Precision): weights quantised below the training precision pay the
post-training penalty (per class by the parameters it quantises), training below 16 bits its effective-parameter
penalty; activation and KV-cache quantisation is not modelled unless a law file gives constants.`;

export function loadLaw(idOrPath: string): LossLaw {
  try {
    return resolveLaw(idOrPath);
  } catch (error) {
    throw new UsageError(`--loss-law: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export const command: Command = {
  name: 'analyze',
  help: () => helpText({ usage: 'hwnas analyze --model <preset> | --config <file|dir>  --device <id|file.json> [flags]', description: DESCRIPTION, flags: FLAGS }),
  async run(argv) {
    const { values: f } = parseFlags('analyze', argv, FLAGS);
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
    console.log(`${arch.name ?? f.config} on ${device.name} — B=${workload.batch}, prompt ${workload.promptTokens}, generate ${workload.generatedTokens}, ` + `weights ${arch.precision.weights}, activations ${arch.precision.activations}, KV ${arch.precision.kvCache}, mode ${a.mode}`);
    console.log(`(${UNITS_NOTE})\n`);
    if (a.ops.length > 0) {
      const rows = a.ops.map((o) => [o.name, o.phase, String(o.count), si(o.flops, 'FLOP'), bytesText(o.bytes), ms(o.latencyMs), o.arithmeticIntensity.toFixed(1), o.bound, `${(o.share * 100).toFixed(1)}%`]);
      console.log(table(['op', 'phase', 'count', 'FLOPs', 'bytes', 'latency', 'FLOP/B', 'bound', 'share'], rows));
      console.log('');
    }
    const p = a.params;
    console.log(
      [
        `params          ${countText(p.total)} total (${p.total.toLocaleString('en-US')}), ${countText(p.embedding)} embedding, ${countText(p.nonEmbedding)} non-embedding, ${countText(p.activePerToken)} active per token`,
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
