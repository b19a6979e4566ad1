import { beforeAll, describe, expect, it } from 'vitest';
import { initTf, tf } from '../../../hardware/tf-backend.js';
import { encodeArch, rooflineFeatures } from '../../../predictors/latency/encode.js';
import { cellAdjacency, cellNodeFeatures, graphConvolution, nodeFeaturesFromOneHot } from '../../../predictors/latency/gcn.js';
import { getDevice } from '../../../hardware/devices.js';

beforeAll(async () => {
  await initTf();
});

describe("HELP's graph encoder of a NAS-Bench-201 cell", () => {
  it('a graph convolution is Â(HW) + b: worked by hand on a 3-node chain with self-loops', () => {
    // Â: node 0 sees itself; node 1 sees 0 and itself; node 2 sees 0, 1 and itself.
    const a = tf.tensor2d([
      [1, 0, 0],
      [1, 1, 0],
      [1, 1, 1],
    ]);
    // Two graphs in a batch. Graph 1: H rows (1,0), (0,1), (1,1) → HW with W = (1, 2)ᵀ is (1, 2, 3).
    // Graph 2: rows (2,0), (0,0), (0,−1) → HW = (2, 0, −2).
    const h = tf.tensor3d([
      [[1, 0], [0, 1], [1, 1]],
      [[2, 0], [0, 0], [0, -1]],
    ]);
    const out = graphConvolution(h, a, tf.tensor2d([[1], [2]]), tf.tensor1d([0.5]));
    // Â(HW) + 0.5: graph 1 (1, 1+2, 1+2+3) + 0.5; graph 2 (2, 2+0, 2+0−2) + 0.5.
    expect(Array.from(out.dataSync())).toEqual([1.5, 3.5, 6.5, 2.5, 2.5, 0.5]);
  });

  it('wires the cell as HELP does: operations as nodes, self-loops, a global node fed by every node', () => {
    const a = cellAdjacency();
    // Rows: the nodes each node sums. Order: in, 1←0, 2←0, 2←1, 3←0, 3←1, 3←2, out, global.
    expect(a).toEqual([
      [1, 0, 0, 0, 0, 0, 0, 0, 0], // input: itself
      [1, 1, 0, 0, 0, 0, 0, 0, 0], // 1←0 reads the input
      [1, 0, 1, 0, 0, 0, 0, 0, 0], // 2←0 reads the input
      [0, 1, 0, 1, 0, 0, 0, 0, 0], // 2←1 reads cell node 1 = edge 1←0
      [1, 0, 0, 0, 1, 0, 0, 0, 0], // 3←0 reads the input
      [0, 1, 0, 0, 0, 1, 0, 0, 0], // 3←1 reads edge 1←0
      [0, 0, 1, 1, 0, 0, 1, 0, 0], // 3←2 reads cell node 2 = edges 2←0 + 2←1
      [0, 0, 0, 0, 1, 1, 1, 1, 0], // output = cell node 3 = edges 3←0 + 3←1 + 3←2
      [1, 1, 1, 1, 1, 1, 1, 1, 1], // global
    ]);
  });

  it('builds the node labels from the one-hot columns of the encoded row, and one convolution with W = I sums neighbours', () => {
    const genes = [3, 3, 0, 1, 1, 1]; // conv3x3, conv3x3, none, skip, skip, skip
    const device = getDevice('raspberry-pi-5');
    const row = encodeArch('nb201', genes, rooflineFeatures('nb201', genes, device), { mean: [0, 0, 0, 0], std: [1, 1, 1, 1] });
    const fromOneHot = nodeFeaturesFromOneHot(tf.tensor2d([row]));
    expect(fromOneHot.shape).toEqual([1, 9, 8]);
    expect((fromOneHot.arraySync() as number[][][])[0]).toEqual(cellNodeFeatures(genes));
    // Labels: [input, none, skip, conv1x1, conv3x3, pool, output, global].
    const h1 = graphConvolution(fromOneHot, tf.tensor2d(cellAdjacency()), tf.eye(8) as tf.Tensor2D, tf.zeros([8]) as tf.Tensor1D).arraySync() as number[][][];
    // Edge 2←1 (gene 2: none) sums itself and edge 1←0 (conv3x3).
    expect(h1[0][3]).toEqual([0, 1, 0, 0, 1, 0, 0, 0]);
    // The global node sums every node: 1 input, op counts (none 1, skip 3, conv1x1 0, conv3x3 2, pool 0), 1 output, itself.
    expect(h1[0][8]).toEqual([1, 1, 3, 0, 2, 0, 1, 1]);
  });
});
