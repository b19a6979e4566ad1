import { countParams } from '../../core/params.js';
import { PRESETS } from '../../core/presets.js';
import { convMacs, lowerMnasnet } from '../../core/lower-cnn.js';
import { MNASNET_PRESETS } from '../../core/spaces/mnasnet.js';
import { helpText, parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { countText, table, UNITS_NOTE } from '../format.js';

const FLAGS = {
  json: { type: 'boolean', help: 'the presets as hwnas architecture JSON (the format --config takes)' },
} as const;

export const command: Command = {
  name: 'models',
  help: () =>
    helpText({
      usage: 'hwnas models [--json]',
      description: 'The built-in model presets (hwnas analyze --model <id>), with their exact parameter counts.',
      flags: FLAGS,
    }),
  async run(argv) {
    const { values } = parseFlags('models', argv, FLAGS);
    if (values.json) {
      console.log(JSON.stringify({ ...PRESETS, ...MNASNET_PRESETS }));
      return 0;
    }
    const rows = Object.entries(PRESETS).map(([id, a]) => {
      const p = countParams(a);
      const mlp = a.mlp.kind === 'dense' ? `dense ${a.mlp.intermediateSize}` : `MoE ${a.mlp.experts}x${a.mlp.expertIntermediateSize} top-${a.mlp.activeExperts}`;
      return [id, String(a.layers.length), String(a.hiddenSize), `${a.heads}/${a.kvHeads}x${a.headDim}`, mlp, String(a.vocabSize), a.tiedEmbeddings ? 'tied' : 'untied', countText(p.total), countText(p.activePerToken)];
    });
    console.log(`(${UNITS_NOTE})`);
    console.log(table(['id', 'layers', 'hidden', 'heads/kv x dim', 'mlp', 'vocab', 'embeddings', 'params', 'active'], rows));
    const cnnRows = Object.entries(MNASNET_PRESETS).map(([id, a]) => {
      const lowered = lowerMnasnet(a);
      return [id, a.name ?? id, 'mnasnet', a.blocks.map((b) => `${b.convOp}k${b.kernel}${b.seRatio ? 'se' : ''}x${b.layers}:${b.filters}`).join(' '), countText(convMacs(lowered.ops)), countText(lowered.params)];
    });
    console.log('');
    console.log(table(['id', 'name', 'space', 'blocks (conv, kernel, SE, layers: filters)', 'MACs', 'params'], cnnRows));
    return 0;
  },
};
