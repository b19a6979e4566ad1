"""
The peers' side of experiments/search-peers: pymoo's and Optuna's multi-objective searches on a finite space given
as a lookup table (the CSV of `hwnas sweep`), run until a number of DISTINCT candidates has been evaluated.

It prints one JSON object: for every method and seed, the rows of the table in the order they were first
evaluated (distinct candidates only) and how many evaluations the method asked for in all (repeats included).
The TypeScript driver (run.ts) scores these sequences with the same code that scores hwnas's strategies.

    python3 peers.py --grid grid.csv --genes layers,width,moe,kvHeads,ffnRatio,precision \
        --ordinal layers,width,kvHeads,ffnRatio,precision --objectives loss:min,latencyMs:min \
        --budget 1890 --seeds 1,2,3,4,5 --methods pymoo-nsga2,optuna-tpe

Methods:
- pymoo-nsga2: NSGA2(pop_size=100, sampling=IntegerRandomSampling(), crossover=SBX(prob=0.9, eta=15,
  vtype=float, repair=RoundingRepair()), mutation=PM(eta=20, vtype=float, repair=RoundingRepair()),
  eliminate_duplicates=True), every gene as an integer choice index (categorical genes too: pymoo has no
  categorical SBX/PM), driven through its ask/tell interface.
- optuna-nsga2-<pop>: NSGAIISampler(population_size=<pop>, seed), ordinal genes as suggest_int over choice
  indices, categorical genes as suggest_categorical.
- optuna-tpe: TPESampler(seed) with its defaults (independent TPE for several objectives), same encoding.
A repeated candidate is answered from the table and not counted; a method that goes on asking only repeats is
stopped after `--stall` asks in a row and reported with fewer distinct candidates than the budget.
"""

import argparse
import csv
import json
import sys
import time
import types


def load_grid(path, genes, objectives):
    """Rows of the sweep CSV: gene values -> choice indices (choices in order of first appearance, which is the
    space's order since `sweep` enumerates it), and the minimisation objective vector."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    choices = {g: [] for g in genes}
    for r in rows:
        for g in genes:
            if r[g] not in choices[g]:
                choices[g].append(r[g])
    index = {g: {v: i for i, v in enumerate(choices[g])} for g in genes}
    table = {}
    for k, r in enumerate(rows):
        key = tuple(index[g][r[g]] for g in genes)
        f = [float(r[m]) * (1 if d == "min" else -1) for m, d in objectives]
        table[key] = (k, f)
    return table, [len(choices[g]) for g in genes]


class Tracker:
    """Distinct candidates in first-evaluation order; every ask counted."""

    def __init__(self, table, budget):
        self.table, self.budget = table, budget
        self.order, self.seen, self.asks, self.stall = [], set(), 0, 0
        # asks_at[i]: evaluations asked when the (i+1)-th distinct candidate came
        self.asks_at = []

    def evaluate(self, key):
        self.asks += 1
        row, f = self.table[key]
        if key not in self.seen:
            self.seen.add(key)
            self.order.append(row)
            self.asks_at.append(self.asks)
            self.stall = 0
        else:
            self.stall += 1
        return f

    def full(self):
        return len(self.order) >= self.budget


def run_pymoo(table, sizes, budget, seed, stall_limit):
    # pymoo 0.6.2 imports alive_progress (its progress bar) at module load; the local package index lacks it.
    # The bar is only drawn with progress=True, which is not used here, so an empty module is enough.
    try:
        import alive_progress  # noqa: F401
    except ImportError:
        sys.modules["alive_progress"] = types.SimpleNamespace(alive_bar=None)
    import numpy as np
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.problem import Problem
    from pymoo.operators.crossover.sbx import SBX
    from pymoo.operators.mutation.pm import PM
    from pymoo.operators.repair.rounding import RoundingRepair
    from pymoo.operators.sampling.rnd import IntegerRandomSampling

    problem = Problem(n_var=len(sizes), n_obj=2, xl=np.zeros(len(sizes)), xu=np.array(sizes, dtype=float) - 1, vtype=int)
    algorithm = NSGA2(
        pop_size=100,
        sampling=IntegerRandomSampling(),
        crossover=SBX(prob=0.9, eta=15, vtype=float, repair=RoundingRepair()),
        mutation=PM(eta=20, vtype=float, repair=RoundingRepair()),
        eliminate_duplicates=True,
    )
    algorithm.setup(problem, seed=seed, verbose=False)
    t = Tracker(table, budget)
    while not t.full() and t.stall < stall_limit and algorithm.has_next():
        pop = algorithm.ask()
        X = pop.get("X").astype(int)
        F = np.array([t.evaluate(tuple(int(v) for v in x)) for x in X])
        pop.set("F", F)
        algorithm.tell(infills=pop)
    return t


def run_optuna(table, genes, sizes, ordinal, budget, seed, stall_limit, sampler_name):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if sampler_name == "optuna-tpe":
        sampler = optuna.samplers.TPESampler(seed=seed)
    else:
        sampler = optuna.samplers.NSGAIISampler(population_size=int(sampler_name.rsplit("-", 1)[1]), seed=seed)
    study = optuna.create_study(directions=["minimize", "minimize"], sampler=sampler)
    t = Tracker(table, budget)

    def objective(trial):
        key = tuple(
            trial.suggest_int(g, 0, n - 1) if g in ordinal else trial.suggest_categorical(g, list(range(n)))
            for g, n in zip(genes, sizes)
        )
        return tuple(t.evaluate(key))

    while not t.full() and t.stall < stall_limit:
        study.optimize(objective, n_trials=1)
    return t


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--grid", required=True)
    p.add_argument("--genes", required=True)
    p.add_argument("--ordinal", default="")
    p.add_argument("--objectives", required=True, help="metric:min|max,metric:min|max")
    p.add_argument("--budget", type=int, required=True, help="distinct candidates")
    p.add_argument("--seeds", default="1,2,3,4,5")
    p.add_argument("--methods", default="pymoo-nsga2,optuna-nsga2-100,optuna-nsga2-50,optuna-tpe")
    p.add_argument("--stall", type=int, default=5000, help="asks in a row without a new candidate before giving up")
    p.add_argument("--tpe-budget", type=int, default=None, help="distinct budget for optuna-tpe (its cost grows with trials)")
    a = p.parse_args()
    genes = a.genes.split(",")
    ordinal = set(filter(None, a.ordinal.split(",")))
    objectives = [tuple(o.split(":")) for o in a.objectives.split(",")]
    table, sizes = load_grid(a.grid, genes, objectives)
    out = []
    for method in a.methods.split(","):
        for seed in [int(s) for s in a.seeds.split(",")]:
            budget = a.tpe_budget if method == "optuna-tpe" and a.tpe_budget else a.budget
            t0 = time.perf_counter()
            if method == "pymoo-nsga2":
                t = run_pymoo(table, sizes, budget, seed, a.stall)
            elif method.startswith("optuna-"):
                t = run_optuna(table, genes, sizes, ordinal, budget, seed, a.stall, method)
            else:
                raise SystemExit(f"unknown method {method}")
            out.append({"method": method, "seed": seed, "budget": budget, "order": t.order[:budget], "asksAt": t.asks_at[:budget], "asks": t.asks, "seconds": time.perf_counter() - t0})
            print(f"{method} seed {seed}: {len(t.order)} distinct of {t.asks} asks, {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    json.dump({"runs": out}, sys.stdout)


if __name__ == "__main__":
    main()
