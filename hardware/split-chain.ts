/**
 * A model as a chain of units for splitting it across devices: between two units exactly one tensor is live,
 * so a cut there sends that tensor and nothing else. A CNN's units are the lowering's (core/lower-cnn.ts: the stem,
 * each block or cell, the head's pieces); an LLM's are the embedding, each decoder layer, and the final norm with
 * the LM head. Each unit carries its operators, the bytes it hands on and the memory it holds.
 */
import type { CnnArchitecture, LlmArchitecture } from '../core/architecture.js';
import { cnnTotals, DEFAULT_CNN_WORKLOAD, lowerCnn } from '../core/lower-cnn.js';
import { lowerLlm } from '../core/lower-llm.js';
import type { Op } from '../core/ops.js';
import { weightPrecision } from '../core/architecture.js';
import { countParams } from '../core/params.js';
import { BYTES_PER_ELEMENT, type Precision } from '../core/precision.js';
import type { Workload } from '../core/workload.js';
import { kvCacheBytes, weightsInMemoryBytes } from './roofline.js';

export interface ChainUnit {
  readonly name: string;
  /** Forward (CNN) or prefill and decode-step (LLM) operators. */
  readonly ops: readonly Op[];
  /** The tensor handed to the next unit by one forward pass or one prefill. */
  readonly outputBytes: number;
  /** LLM: the tensor handed on per decode step (one token's hidden state per sequence). */
  readonly decodeOutputBytes: number;
  /** Weights the unit alone holds. */
  readonly weightBytes: number;
  /** Weights shared with another unit (tied embeddings), held once by each device that runs either. */
  readonly sharedWeights?: { readonly key: string; readonly bytes: number };
  /** KV cache and recurrent state of the unit's layers at the end of the workload, and right after the prefill. */
  readonly kvBytes: number;
  readonly kvBytesAfterPrefill: number;
}

interface ChainBase {
  readonly name: string;
  /** What a request brings to the first unit: the images, or the prompt's token ids. */
  readonly inputBytes: number;
  /** What goes back to where the request came from: the logits, or the sampled token ids. */
  readonly resultBytes: number;
  readonly units: readonly ChainUnit[];
}

export type Chain =
  | (ChainBase & {
      readonly kind: 'cnn';
      readonly precision: Precision;
      /** The whole model's parameters and forward-pass FLOPs at the chain's batch, from the same lowering. */
      readonly params: number;
      readonly flops: number;
    })
  | (ChainBase & {
      readonly kind: 'llm';
      readonly arch: LlmArchitecture;
      readonly workload: Workload;
      /** Per decode step, to the first unit: one token id per sequence. */
      readonly decodeInputBytes: number;
    });

/** Token ids travel as 32-bit integers. */
const TOKEN_ID_BYTES = 4;

function weightBytesOf(ops: readonly Op[]): number {
  return ops.reduce((s, op) => s + op.count * op.base.weightBytes, 0);
}

/** Camera images travel as 8-bit RGB, one byte per value (the network's first layer converts them). */
const IMAGE_BYTES_PER_VALUE = 1;

/**
 * A CNN's chain at batch `batch` (fp32): the weights held are the deployed ones (BN folded into biases); the
 * request brings 8-bit images, the tensors at cuts are fp32, the logits go back.
 */
export function cnnChain(arch: CnnArchitecture, batch = 1, name: string = arch.family): Chain {
  const workload = { ...DEFAULT_CNN_WORKLOAD, batch };
  const lowered = lowerCnn(arch, workload);
  let start = 0;
  const units = lowered.units.map((u): ChainUnit => {
    const ops = lowered.ops.slice(start, u.endOp);
    start = u.endOp;
    return { name: u.name, ops, outputBytes: u.outputBytes, decodeOutputBytes: 0, weightBytes: weightBytesOf(ops), kvBytes: 0, kvBytesAfterPrefill: 0 };
  });
  const imageBytes = (lowered.inputBytes / BYTES_PER_ELEMENT[workload.precision]) * IMAGE_BYTES_PER_VALUE;
  return {
    kind: 'cnn',
    name,
    precision: workload.precision,
    params: lowered.params,
    flops: cnnTotals(lowered.ops).flops,
    inputBytes: imageBytes,
    resultBytes: units[units.length - 1].outputBytes,
    units,
  };
}

/**
 * An LLM's chain under `workload`: embedding, one unit per decoder layer, then final norm + LM head. A cut after
 * the prefill sends B·S hidden states, per decode step B; each layer keeps its own KV cache. Tied embeddings:
 * the embedding matrix is needed by the first and the last unit, held once by each device running either.
 */
export function llmChain(arch: LlmArchitecture, workload: Workload): Chain {
  const d = arch.hiddenSize;
  const ba = BYTES_PER_ELEMENT[arch.precision.activations];
  // Weights in memory at each class's precision: a layer's are those of a one-layer model less a layerless one.
  const weightBytes = (a: LlmArchitecture) => weightsInMemoryBytes(a, countParams(a));
  const layerless = weightBytes({ ...arch, layers: [] });
  const B = workload.batch;
  const prefillHidden = B * workload.promptTokens * d * ba;
  const decodeHidden = B * d * ba;
  const afterPrefill: Workload = { ...workload, generatedTokens: 0 };
  // A layer's operators ('layer.*'), weights and KV cache: those of a one-layer model of it, worked out once per
  // layer type (the layers of one type share them; priceUnits prices each distinct operator array once).
  type LayerShare = Pick<ChainUnit, 'ops' | 'weightBytes' | 'kvBytes' | 'kvBytesAfterPrefill'>;
  const byType = new Map<string, LayerShare>();
  const layerShare = (layer: LlmArchitecture['layers'][number]): LayerShare => {
    const key = JSON.stringify(layer);
    let share = byType.get(key);
    if (!share) {
      const one = { ...arch, layers: [layer] };
      share = {
        ops: lowerLlm(one, workload).filter((op) => op.name.startsWith('layer.')),
        weightBytes: weightBytes(one) - layerless,
        kvBytes: kvCacheBytes(one, workload),
        kvBytesAfterPrefill: kvCacheBytes(one, afterPrefill),
      };
      byType.set(key, share);
    }
    return share;
  };
  const whole = lowerLlm({ ...arch, layers: [] }, workload);
  const embeddingMatrix = arch.vocabSize * d * BYTES_PER_ELEMENT[weightPrecision(arch.precision, 'embeddings')];
  const finalNorm = d * BYTES_PER_ELEMENT[arch.precision.weights];
  const shared = arch.tiedEmbeddings ? { key: 'embedding', bytes: embeddingMatrix } : undefined;
  const units: ChainUnit[] = [
    {
      name: 'embedding',
      ops: whole.filter((op) => op.name === 'embedding'),
      outputBytes: prefillHidden,
      decodeOutputBytes: decodeHidden,
      weightBytes: shared ? 0 : embeddingMatrix,
      ...(shared ? { sharedWeights: shared } : {}),
      kvBytes: 0,
      kvBytesAfterPrefill: 0,
    },
    ...arch.layers.map((layer, i): ChainUnit => ({ name: `layer${i}`, ...layerShare(layer), outputBytes: prefillHidden, decodeOutputBytes: decodeHidden })),
    {
      name: 'lm_head',
      ops: whole.filter((op) => op.name === 'final_norm' || op.name === 'lm_head'),
      outputBytes: B * TOKEN_ID_BYTES,
      decodeOutputBytes: B * TOKEN_ID_BYTES,
      weightBytes: finalNorm + (shared ? 0 : embeddingMatrix),
      ...(shared ? { sharedWeights: shared } : {}),
      kvBytes: 0,
      kvBytesAfterPrefill: 0,
    },
  ];
  return {
    kind: 'llm',
    name: arch.name ?? 'llm',
    arch,
    workload,
    inputBytes: B * workload.promptTokens * TOKEN_ID_BYTES,
    decodeInputBytes: B * TOKEN_ID_BYTES,
    resultBytes: B * TOKEN_ID_BYTES,
    units,
  };
}
