/**
 * The metrics evaluators produce, by name. Every objective and constraint refers to one of these.
 * Units are in the names; `loss` is nats per token.
 */
export const METRICS = {
  loss: 'predicted loss (nats/token): baseLoss + quantPenalty + trainingPrecisionPenalty',
  latencyMs: 'end-to-end latency for the workload: prefill + every decode step (ms)',
  ttftMs: 'time to first token: the prefill (ms)',
  decodeMsPerToken: 'mean time per decode step (ms)',
  tokensPerS: 'decode throughput over the batch (tokens/s)',
  memoryBytes: 'weights + KV cache + peak activations (bytes)',
  weightsBytes: 'weights in memory (bytes)',
  energyJ: 'energy per request (J)',
  params: 'total parameters',
  activeParams: 'parameters used per token (MoE: active experts only)',
  flops: 'FLOPs for the whole workload',
  baseLoss: "the loss law's own prediction, before precision's costs (nats/token)",
  quantPenalty: 'loss added by quantising weights (and activations or KV cache where a law file gives constants) below the training precision (nats/token)',
  trainingPrecisionPenalty: 'loss added by training below 16 bits (nats/token)',
  trainingTokens: 'training tokens D the loss is predicted at',
  fitsMemory: '1 when the model fits the device memory (split: every device its share), else 0',
  requestsPerS: 'pipelined throughput over devices (split): forward passes or prompts per second',
  transferBytes: 'bytes sent over the link per request (split)',
} as const;

export type MetricName = keyof typeof METRICS | (string & {});

/** What an evaluator returns for one candidate. */
export type Metrics = Readonly<Record<string, number>>;
