import { describe, expect, it } from 'vitest';
import { fbnetGenes, fbnetSpace, formatFbnetArchStr, parseFbnetArchStr, parseFbnetOpIdxList } from '../../../core/spaces/fbnet.js';
import { getSpace } from '../../../core/spaces/index.js';

// Row 0 of HELP's fbnet table.
const ROW0_STR = 'k5_e6|skip|k3_e1_g2|skip|k5_e1|skip|skip|skip|k5_e6|k5_e1|k3_e1_g2|k5_e1|k5_e6|k3_e6|k3_e3|k5_e6|k3_e6|k3_e3|k5_e1|k3_e3|k5_e1|k5_e1_g2';
const ROW0_IDX = '7-8-1-8-4-8-8-8-7-4-1-4-7-3-2-7-3-2-4-2-4-5';

describe('fbnet space', () => {
  it('parses the arch string and the op index list to the same genes', () => {
    expect(parseFbnetArchStr(ROW0_STR)).toEqual(parseFbnetOpIdxList(ROW0_IDX));
    expect(parseFbnetOpIdxList(ROW0_IDX)).toEqual([7, 8, 1, 8, 4, 8, 8, 8, 7, 4, 1, 4, 7, 3, 2, 7, 3, 2, 4, 2, 4, 5]);
    expect(formatFbnetArchStr(parseFbnetArchStr(ROW0_STR))).toBe(ROW0_STR);
  });

  it('has 9^22 networks and decodes genes to blocks', () => {
    expect(fbnetSpace.size() / 9 ** 22).toBeCloseTo(1, 12);
    expect(getSpace('fbnet')).toBe(fbnetSpace);
    const arch = fbnetSpace.decode(parseFbnetOpIdxList(ROW0_IDX));
    expect(arch.blocks[0]).toBe('k5_e6');
    expect(arch.blocks[1]).toBe('skip');
    expect(fbnetGenes(arch)).toEqual(parseFbnetOpIdxList(ROW0_IDX));
  });

  it('rejects bad input with the reason', () => {
    expect(() => parseFbnetArchStr('k3_e1|skip')).toThrow(/expected 22 blocks/);
    expect(() => parseFbnetArchStr(ROW0_STR.replace('k5_e6', 'k7_e6'))).toThrow(/layer 0: unknown block 'k7_e6'/);
    expect(() => parseFbnetOpIdxList(ROW0_IDX.replace(/^7/, '9'))).toThrow(/layer 0/);
  });
});
