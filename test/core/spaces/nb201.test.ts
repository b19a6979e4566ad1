import { describe, expect, it } from 'vitest';
import { formatNb201ArchStr, nb201Genes, nb201Space, parseNb201ArchStr } from '../../../core/spaces/nb201.js';
import { getSpace } from '../../../core/spaces/index.js';
import { createRng } from '../../../core/rng.js';

// Row 0 of HELP's nb201 table: arch_str and its op_e0..op_e5 columns (4,2,1,2,1,1).
const ROW0 = '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|';

describe('nb201 space', () => {
  it('parses the HELP arch string into edge op codes in the data column order', () => {
    expect(parseNb201ArchStr(ROW0)).toEqual([4, 2, 1, 2, 1, 1]);
    expect(formatNb201ArchStr([4, 2, 1, 2, 1, 1])).toBe(ROW0);
  });

  it('has 5^6 cells and decodes genes to edge operations', () => {
    expect(nb201Space.size()).toBe(15625);
    expect(getSpace('nb201')).toBe(nb201Space);
    const arch = nb201Space.decode([0, 1, 2, 3, 4, 0]);
    expect(arch.edges).toEqual(['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3', 'none']);
    expect(nb201Genes(arch)).toEqual([0, 1, 2, 3, 4, 0]);
    expect(formatNb201ArchStr(arch)).toBe('|none~0|+|skip_connect~0|nor_conv_1x1~1|+|nor_conv_3x3~0|avg_pool_3x3~1|none~2|');
  });

  it('round-trips every sampled cell through its string', () => {
    const rng = createRng(1);
    for (let i = 0; i < 50; i++) {
      const g = nb201Space.sample(rng);
      expect(parseNb201ArchStr(formatNb201ArchStr(g))).toEqual(g);
    }
  });

  it('rejects malformed strings with the reason', () => {
    expect(() => parseNb201ArchStr('|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|')).toThrow(/unknown operation 'conv'/);
    expect(() => parseNb201ArchStr('|none~0|+|none~0|none~1|')).toThrow(/3 nodes/);
    expect(() => parseNb201ArchStr('|none~1|+|none~0|none~1|+|none~0|none~1|none~2|')).toThrow(/input ~0/);
  });
});
