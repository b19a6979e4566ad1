/**
 * A Parzen (kernel density) estimator over discrete genes, as Optuna's multivariate TPE builds one
 * (optuna/samplers/_tpe/parzen_estimator.py): a mixture of one kernel per observation plus a prior, each kernel a
 * product over genes.
 * - ordinal gene: a Gaussian over the choice indices centred on the observed choice, truncated to the choices and
 *   normalised; bandwidth σ = 0.2 · n_obs^(−1/(genes + 4)) · choices (Optuna's multivariate Scott-like rule, its
 *   SIGMA0_MAGNITUDE 0.2), at least choices / min(100, n_obs + 1) (its "magic clip");
 * - categorical gene: weight 1 on the observed choice plus 1 / (n_obs + 1) on every choice, normalised (Optuna's
 *   categorical kernel with prior weight 1);
 * - prior: uniform over the space, with the weight of one observation.
 * Densities are exact over the grid: the per-gene kernels are tables.
 */
import type { Rng } from '../../../core/rng.js';
import type { Gene, Genes } from '../../../core/space.js';

export class ParzenEstimator {
  /** tables[i][c * n + j]: probability of choice j of gene i under a kernel centred on choice c. */
  private readonly tables: Float64Array[];

  private readonly observations: Genes[];

  /** The kernels' shape is set by the observations given here; `add` appends kernels of the same shape. */
  constructor(
    private readonly genes: readonly Gene[],
    observations: readonly Genes[],
  ) {
    this.observations = observations.slice();
    const count = Math.max(observations.length, 1);
    this.tables = genes.map((gene) => {
      const n = gene.choices.length;
      // Unnormalised kernel weight by distance |j − c| (ordinal) or by equality (categorical).
      const byDistance = new Float64Array(n);
      if (gene.ordinal) {
        const sigma = Math.max(0.2 * Math.pow(count, -1 / (genes.length + 4)) * n, n / Math.min(100, count + 1));
        for (let d = 0; d < n; d++) byDistance[d] = Math.exp(-0.5 * (d / sigma) ** 2);
      } else {
        byDistance.fill(1 / (count + 1));
        byDistance[0] += 1;
      }
      const t = new Float64Array(n * n);
      for (let c = 0; c < n; c++) {
        let sum = 0;
        for (let j = 0; j < n; j++) sum += t[c * n + j] = byDistance[Math.abs(j - c)];
        for (let j = 0; j < n; j++) t[c * n + j] /= sum;
      }
      return t;
    });
  }

  /** One more observation, with the kernel shape of the construction (Optuna's constant liar adds running trials so). */
  add(g: Genes): void {
    this.observations.push(g);
  }

  /** A draw: the prior with probability 1 / (n_obs + 1), else the kernel of an observation picked uniformly. */
  sample(rng: Rng): number[] {
    const k = rng.int(this.observations.length + 1);
    const centre = k < this.observations.length ? this.observations[k] : undefined;
    return this.genes.map((gene, i) => {
      const n = gene.choices.length;
      if (!centre) return rng.int(n);
      const row = centre[i] * n;
      let u = rng.next();
      for (let j = 0; j < n - 1; j++) {
        u -= this.tables[i][row + j];
        if (u < 0) return j;
      }
      return n - 1;
    });
  }

  /** The log density of `g` under the mixture. */
  logDensity(g: Genes): number {
    let prior = 1;
    for (const gene of this.genes) prior /= gene.choices.length;
    let total = prior;
    for (const o of this.observations) {
      let p = 1;
      for (let i = 0; i < g.length; i++) p *= this.tables[i][o[i] * this.genes[i].choices.length + g[i]];
      total += p;
    }
    return Math.log(total / (this.observations.length + 1));
  }
}
