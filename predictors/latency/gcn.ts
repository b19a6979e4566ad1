/**
 * HELP's graph encoder of a NAS-Bench-201 cell (HELP repository, net.py GCN and utils.py add_global_node): the cell
 * as a graph whose nodes are the input, one node per edge operation, the output and a global node; four graph
 * convolutions H' = ReLU(Â (H W) + b) with Â the adjacency plus self-loops, un-normalised, each node summing its
 * predecessors; the global node (every node feeds it) is the readout.
 *
 * In NAS-Bench-201 every cell has the same wiring (a fixed DAG over 4 nodes, 6 edges): only the node labels (the
 * operations) change, so Â is one constant matrix and the node features come straight from the one-hot of the genes.
 */
import { NB201_OPS } from '../../core/architecture.js';
import { tf } from '../../hardware/tf-backend.js';

/** Node order: input, the 6 edge operations in gene order (1←0, 2←0, 2←1, 3←0, 3←1, 3←2), output, global. */
export const CELL_NODES = 9;
/** Node label one-hot: input, the 5 operations, output, global. */
export const NODE_FEATURES = 2 + NB201_OPS.length + 1;
const EDGES = 6;
const INPUT = 0;
const OUTPUT = 7;
const GLOBAL = 8;
const op = (edge: number) => 1 + edge;

/**
 * Data flow between the nodes, as (from, to): cell node 1 is the output of edge 1←0; cell node 2 sums edges 2←0 and
 * 2←1; cell node 3 sums 3←0, 3←1, 3←2 and is the cell's output.
 */
const FLOW: readonly (readonly [number, number])[] = [
  [INPUT, op(0)], [INPUT, op(1)], [INPUT, op(3)], // edges leaving cell node 0
  [op(0), op(2)], [op(0), op(4)], // leaving cell node 1
  [op(1), op(5)], [op(2), op(5)], // leaving cell node 2
  [op(3), OUTPUT], [op(4), OUTPUT], [op(5), OUTPUT], // into cell node 3
];

/** Â[i][j] = 1 when node i aggregates node j: j feeds i, j = i (self-loop), or i is the global node. */
export function cellAdjacency(): number[][] {
  const a = Array.from({ length: CELL_NODES }, (_, i) => Array.from({ length: CELL_NODES }, (_, j) => (i === j || i === GLOBAL ? 1 : 0)));
  for (const [from, to] of FLOW) a[to][from] = 1;
  return a;
}

/** Node features [CELL_NODES × NODE_FEATURES] of one cell from its genes (operation index per edge). */
export function cellNodeFeatures(genes: readonly number[]): number[][] {
  if (genes.length !== EDGES) throw new Error(`nb201 cell: expected ${EDGES} genes, got ${genes.length}`);
  const rows = Array.from({ length: CELL_NODES }, () => new Array<number>(NODE_FEATURES).fill(0));
  rows[INPUT][0] = 1;
  genes.forEach((g, e) => (rows[op(e)][1 + g] = 1));
  rows[OUTPUT][1 + NB201_OPS.length] = 1;
  rows[GLOBAL][NODE_FEATURES - 1] = 1;
  return rows;
}

/**
 * The same node features for a batch, built inside the graph from the one-hot columns of the encoded rows
 * (encode.ts: gene e's one-hot at columns 5e … 5e + 4), so the encoder needs no input besides the usual features.
 */
export function nodeFeaturesFromOneHot(x: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const b = x.shape[0];
    const k = NB201_OPS.length;
    const ops = tf.reshape(tf.slice(x, [0, 0], [b, EDGES * k]), [b, EDGES, k]);
    // Operation nodes: [0 | op one-hot | 0 | 0]; input, output and global nodes: constant rows.
    const opRows = tf.pad(ops, [[0, 0], [0, 0], [1, 2]]);
    const constant = (index: number) => tf.tile(tf.oneHot([index], NODE_FEATURES).reshape([1, 1, NODE_FEATURES]), [b, 1, 1]);
    return tf.concat([constant(0), opRows, constant(1 + k), constant(NODE_FEATURES - 1)], 1) as tf.Tensor3D;
  });
}

/** One graph convolution over a batch: Â (H W) + b for H [batch, nodes, in], W [in, out], Â [nodes, nodes]. */
export function graphConvolution(h: tf.Tensor3D, adjacency: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, n, d] = h.shape;
    const hw = tf.reshape(tf.matMul(tf.reshape(h, [b * n, d]), weight), [b, n, weight.shape[1]]);
    const a = tf.tile(tf.reshape(adjacency, [1, n, n]), [b, 1, 1]) as tf.Tensor3D;
    return tf.add(tf.matMul(a, hw), bias) as tf.Tensor3D;
  });
}
