/** Rank and error measures used to evaluate latency predictors. */

/** Ranks 1..n with ties given their average rank. */
export function ranks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const r = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]] === values[order[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[order[k]] = avg;
    i = j + 1;
  }
  return r;
}

/** Means and centred sums of products of two equally long series. */
function moments(x: ArrayLike<number>, y: ArrayLike<number>): { mx: number; my: number; sxy: number; sxx: number; syy: number } {
  const n = x.length;
  if (n !== y.length) throw new Error('length mismatch');
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) (mx += x[i]), (my += y[i]);
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return { mx, my, sxy, sxx, syy };
}

export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const { sxy, sxx, syy } = moments(x, y);
  return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}

/** Spearman's ρ: Pearson correlation of the (tie-averaged) ranks. */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  return pearson(ranks(x), ranks(y));
}

/** Mean absolute percentage error, in percent. */
export function mape(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < actual.length; i++) s += Math.abs(predicted[i] - actual[i]) / actual[i];
  return (100 * s) / actual.length;
}

/** Share (0..1) of predictions within ±tolerance (relative) of the measurement: nn-Meter's ±10% accuracy. */
export function withinShare(predicted: ArrayLike<number>, actual: ArrayLike<number>, tolerance = 0.1): number {
  let k = 0;
  for (let i = 0; i < actual.length; i++) if (Math.abs(predicted[i] - actual[i]) <= tolerance * actual[i]) k++;
  return k / actual.length;
}

export function meanStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
  return { mean, std };
}

/** Least-squares y ≈ a·x + b. */
export function fitLine(x: ArrayLike<number>, y: ArrayLike<number>): { a: number; b: number } {
  const { mx, my, sxy, sxx } = moments(x, y);
  const a = sxx === 0 ? 0 : sxy / sxx;
  return { a, b: my - a * mx };
}
