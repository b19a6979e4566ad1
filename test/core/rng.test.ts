import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng.js';

describe('rng', () => {
  it('is deterministic from a seed', () => {
    const a = createRng(42);
    const b = createRng(42);
    expect([a.next(), a.next(), a.int(10)]).toEqual([b.next(), b.next(), b.int(10)]);
    expect(createRng(43).next()).not.toEqual(createRng(42).next());
  });

  it('restores exactly from a saved state, through JSON', () => {
    const a = createRng('seed');
    for (let i = 0; i < 17; i++) a.next();
    const saved = JSON.parse(JSON.stringify(a.state()));
    const expected = [a.next(), a.next(), a.normal()];
    const b = createRng('ignored', saved);
    expect([b.next(), b.next(), b.normal()]).toEqual(expected);
  });
});
