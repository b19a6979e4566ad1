import { describe, expect, it } from 'vitest';
import { LbfgsWorkspace, minimizeLbfgs } from '../../../predictors/loss/lbfgs.js';

/** Rosenbrock in n dimensions: minimum 0 at (1, …, 1). */
function rosenbrock(x: Float64Array, g: Float64Array): number {
  let f = 0;
  g.fill(0);
  for (let i = 0; i < x.length - 1; i++) {
    const a = x[i + 1] - x[i] * x[i];
    const b = 1 - x[i];
    f += 100 * a * a + b * b;
    g[i] += -400 * x[i] * a - 2 * b;
    g[i + 1] += 200 * a;
  }
  return f;
}

/** Beale: minimum 0 at (3, 0.5). */
function beale(x: Float64Array, g: Float64Array): number {
  const [u, v] = x;
  const t1 = 1.5 - u + u * v;
  const t2 = 2.25 - u + u * v * v;
  const t3 = 2.625 - u + u * v * v * v;
  g[0] = 2 * t1 * (v - 1) + 2 * t2 * (v * v - 1) + 2 * t3 * (v * v * v - 1);
  g[1] = 2 * t1 * u + 2 * t2 * 2 * u * v + 2 * t3 * 3 * u * v * v;
  return t1 * t1 + t2 * t2 + t3 * t3;
}

describe('L-BFGS with a strong-Wolfe line search', () => {
  it('finds the Rosenbrock minimum (1, 1) from the classic start (−1.2, 1)', () => {
    const r = minimizeLbfgs(rosenbrock, [-1.2, 1], { gtol: 1e-8, ftol: 0 });
    expect(r.status).toBe('gtol');
    expect(r.x[0]).toBeCloseTo(1, 6);
    expect(r.x[1]).toBeCloseTo(1, 6);
    expect(r.f).toBeLessThan(1e-12);
    expect(r.iterations).toBeLessThan(100);
  });

  it('finds the 10-D Rosenbrock minimum', () => {
    const start = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
    const r = minimizeLbfgs(rosenbrock, start, { gtol: 1e-8, ftol: 0 });
    for (const v of r.x) expect(v).toBeCloseTo(1, 5);
  });

  it('finds the Beale minimum (3, 0.5)', () => {
    const r = minimizeLbfgs(beale, [1, 1], { gtol: 1e-9, ftol: 0 });
    expect(r.x[0]).toBeCloseTo(3, 5);
    expect(r.x[1]).toBeCloseTo(0.5, 5);
  });

  it('solves a quadratic exactly: minimum of ½xᵀAx − bᵀx is A⁻¹b', () => {
    // A = [[4, 1], [1, 3]], b = [1, 2] → x* = [1/11, 7/11]
    const quad = (x: Float64Array, g: Float64Array) => {
      g[0] = 4 * x[0] + x[1] - 1;
      g[1] = x[0] + 3 * x[1] - 2;
      return 0.5 * (4 * x[0] * x[0] + 2 * x[0] * x[1] + 3 * x[1] * x[1]) - x[0] - 2 * x[1];
    };
    const r = minimizeLbfgs(quad, [5, -5], { gtol: 1e-12, ftol: 0 });
    expect(r.x[0]).toBeCloseTo(1 / 11, 9);
    expect(r.x[1]).toBeCloseTo(7 / 11, 9);
  });

  it('reuses a workspace across starts with the same answers', () => {
    const ws = new LbfgsWorkspace(2);
    const a = Array.from(minimizeLbfgs(rosenbrock, [-1.2, 1], {}, ws).x);
    minimizeLbfgs(beale, [1, 1], {}, ws);
    const b = Array.from(minimizeLbfgs(rosenbrock, [-1.2, 1], {}, ws).x);
    expect(b).toEqual(a);
  });

  it('reports a non-finite start instead of iterating', () => {
    const r = minimizeLbfgs((x, g) => {
      g.fill(0);
      return Math.log(x[0]);
    }, [-1]);
    expect(r.status).toBe('non-finite');
  });
});
