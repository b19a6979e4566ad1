/**
 * Kernels the measured TensorFlow.js decoder (llm-model.ts) launches per lowered operator (core/lower-llm.ts), by
 * the operator's name tail and phase: the runtime extension's kernelsPerOp of a profile calibrated here
 * (device.ts RuntimeProfile). Counted from llm-model.ts (tf.reshape, tf.slice, tf.split and tf.concat are kernels
 * too, each paying the engine's fixed cost); test/hardware/measure/kernels.test.ts checks the sum against the
 * kernels tf.profile records for whole generations. The lowering prices a fused attention as one kernel; tfjs has
 * no fused attention, so the score op carries every kernel of the attention block.
 *
 * Per layer and pass, with n tokens (n = 64 prefill, 1 decode):
 * - RMSNorm: square, mean, add ε, rsqrt, two multiplies = 6.
 * - qkv_proj: matmul + split = 2; o_proj, mlp.down_proj: matmul + residual add = 2; mlp.gate_up_proj: matmul +
 *   split = 2; act (SwiGLU): sigmoid + two multiplies = 3.
 * - rope (rotate-half; the tables' rows are cut at build time): q and k each a reshape, a split, a negate, a concat,
 *   a reshape, two multiplies and an add = 16.
 * - attention, decode: three reshapes (q, k, v), two cache concats, scores matmul, scale, softmax, context matmul,
 *   a reshape = 10; prefill: q reshape–transpose–reshape, k and v reshape–transpose, scores matmul, scale,
 *   reshape–mask add–reshape, softmax, context matmul, reshape–transpose–reshape = 17.
 * - MoE router: matmul, softmax, routing-bias add, top-k, and the residual add of the MoE block = 5. Per touched
 *   expert: decode matmul + split, the activation, matmul + gate multiply + accumulate (2 + 3 + 3); prefill adds
 *   the gather of its rows and the scatter back (3 + 3 + 4).
 * - embedding: a gather = 1; lm_head: matmul + argmax = 2 (prefill: + the slice of the last row = 3).
 * Not counted (the llm-local space has none of them): a qkv bias add (+1 on qkv_proj), a shared-expert gate
 * (+3), sliding-window cache slices.
 */
export const TFJS_LLM_KERNELS_PER_OP: Readonly<Record<string, number>> = {
  embedding: 1,
  mixer_norm: 6,
  mlp_norm: 6,
  final_norm: 6,
  qkv_proj: 2,
  // q and k normalised per head: a reshape before and after each RMSNorm.
  qk_norm: 16,
  rope: 16,
  'prefill:attn_score': 17,
  'decode:attn_score': 10,
  o_proj: 2,
  'mlp.gate_up_proj': 2,
  'mlp.up_proj': 1,
  'mlp.act': 3,
  'mlp.down_proj': 2,
  router: 5,
  'prefill:experts.gate_up_proj': 3,
  'decode:experts.gate_up_proj': 2,
  'experts.act': 3,
  'prefill:experts.down_proj': 4,
  'decode:experts.down_proj': 3,
  // Shared experts run on every token: matmul + split, the activation, matmul + accumulate.
  'shared_experts.gate_up_proj': 2,
  'shared_experts.act': 3,
  'shared_experts.down_proj': 2,
  'prefill:lm_head': 3,
  'decode:lm_head': 2,
};
