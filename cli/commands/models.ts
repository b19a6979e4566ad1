import { countParams } from '../../core/params.js';
import { PRESETS } from '../../core/presets.js';
import { convMacs, lowerMnasnet } from '../../core/lower-cnn.js';
import { MNASNET_PRESETS } from '../../core/spaces/mnasnet.js';
import { parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { si, table } from '../format.js';

export const command: Command = {
  name: 'models',
  summary: 'list the built-in model presets',
  usage: 'usage: hwnas models [--json]',
  async run(argv) {
    const { values } = parseFlags('models', argv, { json: { type: 'boolean' } });
    if (values.json) {
      console.log(JSON.stringify({ ...PRESETS, ...MNASNET_PRESETS }));
      return 0;
    }
    const rows = Object.entries(PRESETS).map(([id, a]) => {
      const p = countParams(a);
      const mlp = a.mlp.kind === 'dense' ? `dense ${a.mlp.intermediateSize}` : `MoE ${a.mlp.experts}x${a.mlp.expertIntermediateSize} top-${a.mlp.activeExperts}`;
      return [id, String(a.layers.length), String(a.hiddenSize), `${a.heads}/${a.kvHeads}x${a.headDim}`, mlp, String(a.vocabSize), a.tiedEmbeddings ? 'tied' : 'untied', si(p.total), si(p.activePerToken)];
    });
    console.log(table(['id', 'layers', 'hidden', 'heads/kv x dim', 'mlp', 'vocab', 'embeddings', 'params', 'active'], rows));
    const cnnRows = Object.entries(MNASNET_PRESETS).map(([id, a]) => {
      const lowered = lowerMnasnet(a);
      return [id, a.name ?? id, 'mnasnet', a.blocks.map((b) => `${b.convOp}k${b.kernel}${b.seRatio ? 'se' : ''}x${b.layers}:${b.filters}`).join(' '), si(convMacs(lowered.ops)), si(lowered.params)];
    });
    console.log('');
    console.log(table(['id', 'name', 'space', 'blocks (conv, kernel, SE, layers: filters)', 'MACs', 'params'], cnnRows));
    return 0;
  },
};
