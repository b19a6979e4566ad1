import { describe, expect, it } from 'vitest';
import { loadHelpLatencyTable, loadHelpMeta, loadLatencySamples, rowsOfIndices, shippedHelpTableFile, SHIPPED_HELP_META_FILE } from '../../../predictors/latency/data.js';
const HEADER = 'nb201_index,arch_str,op_e0,op_e1,op_e2,op_e3,op_e4,op_e5,is_help_reference_arch,dev_a,dev_b';
const A0 = '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|';
const A1 = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';

describe('HELP latency tables', () => {
  it('reads devices, genes and latencies from a small table', () => {
    const t = loadHelpLatencyTable('x.csv', 'nb201', `${HEADER}\n0,${A0},4,2,1,2,1,1,1,1.5,2\n1,${A1},3,3,4,1,3,1,0,2.5,3\n`);
    expect(t.devices).toEqual(['dev_a', 'dev_b']);
    expect(t.genes).toEqual([[4, 2, 1, 2, 1, 1], [3, 3, 4, 1, 3, 1]]);
    expect(Array.from(t.latencyMs.dev_b)).toEqual([2, 3]);
    expect(t.flaggedReferenceRows).toEqual([0]);
  });

  it('names the file, row and field of bad input', () => {
    const bad = (row: string) => () => loadHelpLatencyTable('x.csv', 'nb201', `${HEADER}\n0,${A0},4,2,1,2,1,1,0,1,2\n${row}\n`);
    expect(bad(`1,|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|,0,0,0,0,0,0,0,1,1`)).toThrow(/x\.csv: row 2: arch_str: node 1: unknown operation 'conv'/);
    expect(bad(`1,${A1},3,3,4,1,3,1,0,0,1`)).toThrow(/x\.csv: row 2: dev_a: latency must be > 0/);
    expect(bad(`1,${A1},3,3,4,1,3,1,0,-2,1`)).toThrow(/row 2: dev_a/);
    expect(bad(`1,${A1},3,3,4,1,3,1,0,abc,1`)).toThrow(/row 2: dev_a: expected a number/);
    expect(bad(`1,${A1},3,3,4,1,3,1,0,1`)).toThrow(/row 2: expected 11 fields, got 10/);
    expect(() => loadHelpLatencyTable('y.csv', 'nb201', 'nb201_index,dev_a\n0,1\n')).toThrow(/y\.csv: missing column 'arch_str'/);
  });

  it('reads sample CSVs for adaptation and rejects unknown architectures by row', () => {
    const s = loadLatencySamples('s.csv', 'nb201', `arch_str,latency_ms\n${A0},3.5\n`);
    expect(Array.from(s.latencyMs)).toEqual([3.5]);
    expect(() => loadLatencySamples('s.csv', 'nb201', `arch_str,latency_ms\n${A0},3.5\nnope,1\n`)).toThrow(/s\.csv: row 2: arch_str/);
    expect(() => loadLatencySamples('s.csv', 'nb201', `arch,latency_ms\n${A0},3.5\n`)).toThrow(/missing column 'arch_str'/);
  });

  it('loads the shipped (gzip) FBNet table: 5000 rows × 27 devices, HELP reference rows match the meta file', () => {
    const t = loadHelpLatencyTable(shippedHelpTableFile('fbnet'), 'fbnet');
    const meta = loadHelpMeta(SHIPPED_HELP_META_FILE, 'fbnet');
    expect(t.genes).toHaveLength(5000);
    expect(t.devices).toHaveLength(27);
    expect(meta.split.metaTest).toEqual(['fpga', 'raspi4', 'eyeriss']);
    expect([...rowsOfIndices(t, meta.referenceIndices)].sort((a, b) => a - b)).toEqual(t.flaggedReferenceRows);
    expect(t.genes[0]).toEqual([7, 8, 1, 8, 4, 8, 8, 8, 7, 4, 1, 4, 7, 3, 2, 7, 3, 2, 4, 2, 4, 5]);
  });
});
