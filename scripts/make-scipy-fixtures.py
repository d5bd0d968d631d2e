#!/usr/bin/python3
"""Generate the drift tests' expected values with SciPy.

Run with Debian's Python (python3-scipy 1.10.1):  /usr/bin/python3 scripts/make-scipy-fixtures.py
Writes test/fixtures/drift/<name>.json. Deterministic: a second run produces byte-identical files
(fixed seed, floats written with repr, sorted JSON keys).

What each file holds, and what the TypeScript in packages/core/src/drift must reproduce to 1e-9:
- ks.json: scipy.stats.ks_2samp(x, y, method='auto') on samples covering both regimes (exact when
  max(n1, n2) <= 10000, else asymptotic), ties, identical samples, n = 1, very unequal sizes, the
  10000 boundary and p-values near 0; plus the kernels it calls, on grids that reach every branch:
  kstwo.sf(d, n) (the asymptotic p-value), scipy.special.smirnov(n, d), and the exact path counts
  _compute_prob_outside_square(n, h) and _compute_outer_prob_inside_method(m, n, g, h).
- chi2.json: scipy.stats.chi2_contingency(table, correction=False) on 2 x k tables (reference and
  current counts over the union of categories), Cramér's V (scipy.stats.contingency.association),
  and scipy.special.gammaincc(a, x) on a grid (the chi-square survival function is gammaincc(k/2, x/2)).
- psi.json: PSI computed by hand with numpy to the definition in drift/psi.ts (ten quantile bins of
  the reference, np.quantile's linear method, duplicate edges merged, open outer edges, bins
  (e[i-1], e[i]], empty-bin proportions replaced by EPSILON).
- wasserstein.json: scipy.stats.wasserstein_distance(u, v) and the distance over np.std(u) (ddof=0).
- multiple-testing.json: Bonferroni and Benjamini-Hochberg adjusted p-values, by hand with numpy as
  scipy.stats.false_discovery_control(ps, method='bh') computes them (that function arrived in SciPy
  1.11; when the running SciPy has it, the by-hand values are checked against it here).
"""

import json
import math
import os
from math import gcd

import numpy as np
import scipy
from scipy import special, stats
from scipy.stats import contingency
from scipy.stats._stats_py import _compute_prob_outside_square
from scipy.stats._stats_pythran import _compute_outer_prob_inside_method

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "drift")
EPSILON = 1e-4  # the empty-bin proportion of drift/psi.ts
MAX_AUTO_N = 10000  # ks_2samp(method='auto') is exact up to this max(n1, n2)


def write(name, data):
    data["scipy"] = scipy.__version__
    data["numpy"] = np.__version__
    with open(os.path.join(OUT, name + ".json"), "w", newline="\n") as f:
        json.dump(data, f, sort_keys=True, separators=(",", ":"))
        f.write("\n")


def values(a):
    """Samples as plain floats for JSON."""
    return [float(v) for v in np.asarray(a, dtype=float)]


def rounded(a, digits=4):
    """Four decimals keep the JSON short; the ties this makes are data like any other."""
    return np.round(np.asarray(a, dtype=float), digits)


# ---------------------------------------------------------------------------- Kolmogorov-Smirnov


def ks_case(name, x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    r = stats.ks_2samp(x, y, method="auto")
    mode = "exact" if max(len(x), len(y)) <= MAX_AUTO_N else "asymp"
    return {
        "name": name,
        "x": values(x),
        "y": values(y),
        "statistic": float(r.statistic),
        "pvalue": float(r.pvalue),
        "mode": mode,
    }


def ks_samples(rng):
    normal = lambda n, loc=0.0, scale=1.0: rounded(rng.normal(loc, scale, n))
    same = normal(40)
    cases = [
        ks_case("small unequal sizes, shifted", normal(20), normal(25, 0.8)),
        ks_case("equal sizes (the square method)", normal(50), normal(50, 0.3)),
        ks_case("equal sizes, no shift", normal(200), normal(200)),
        ks_case("ties: small integers", rng.integers(0, 5, 30), rng.integers(1, 6, 40)),
        ks_case("ties across and within samples", np.repeat([1.0, 2.0, 3.0], 10), np.repeat([2.0, 3.0], 7)),
        ks_case("identical samples", same, same.copy()),
        ks_case("n = 1 each, different", [1.5], [2.5]),
        ks_case("n = 1 each, equal", [3.0], [3.0]),
        ks_case("n = 1 against 100", [0.25], normal(100)),
        ks_case("very unequal: 3 against 5000", normal(3, 1.0), normal(5000)),
        ks_case("very unequal: 7 against 9973 (coprime)", normal(7, 0.5), normal(9973)),
        ks_case("p-value near 0 (exact)", normal(300, 3.0), normal(200)),
        ks_case("p-value near 0, equal sizes (exact)", normal(400, 4.0), normal(400)),
        ks_case("boundary: 10000 against 10000 (exact)", normal(10000, 0.02), normal(10000)),
        ks_case("boundary: 10000 against 9000 (exact)", normal(10000, 0.03), normal(9000)),
        ks_case("boundary: 10001 against 500 (asymptotic)", normal(10001), normal(500, 0.1)),
        ks_case("boundary: 10001 against 10001 (asymptotic, en = 5000.5)", normal(10001), normal(10001, 0.02)),
        ks_case("asymptotic, small en (Pomeranz / DMTW)", normal(60, 0.1), normal(12000)),
        ks_case("asymptotic, small en, large shift (smirnov)", normal(60, 1.5), normal(12000)),
        ks_case("asymptotic, one value against many", [0.0], normal(10500)),
        ks_case("asymptotic, p-value near 0", normal(15000, 0.5), normal(12000)),
        ks_case("asymptotic, disjoint samples", normal(11000) - 100.0, normal(900)),
    ]
    return cases


def kstwo_grid():
    """kstwo.sf(d, n) at points that reach every branch of scipy's _kolmogn (Simard & L'Ecuyer)."""
    out = []
    for n in [1, 2, 3, 5, 10, 33, 50, 100, 139, 140, 141, 200, 488, 1000, 5000, 99999, 100000, 100001, 2000001]:
        xs = {0.4 / n, 0.5 / n, 0.75 / n, 1.0 / n, 1.5 / n, 0.5, 0.6, 0.99, 1.0, 1.2}
        if n > 2:
            xs |= {(n - 1) / n, (n - 0.5) / n}
        for s in [0.05, 0.2, 0.5, 0.754, 0.76, 1.0, 1.5, 2.19, 2.21, 3.9, 4.1, 10.0, 17.9, 18.1, 100.0, 369.0, 371.0]:
            xs.add(math.sqrt(s / n))
        # n * x**1.5 around 1.4: the DMTW / Pelz-Good switch for n > 140
        xs |= {(1.3 / n) ** (2 / 3), (1.5 / n) ** (2 / 3)}
        for x in sorted(xs):
            if x <= 0:
                continue
            out.append({"n": n, "x": float(x), "sf": float(stats.kstwo.sf(x, n))})
    return out


def smirnov_grid():
    out = []
    for n in [1, 2, 3, 7, 10, 50, 141, 1000, 50000, 1000000, 1000001]:
        for x in [0.0, 0.3 / n, 1.0 / n, 1.7 / n, 0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1 - 1.0 / n, 1 - 0.5 / n, 0.95, 1.0]:
            if 0 <= x <= 1:
                out.append({"n": n, "x": float(x), "sf": float(special.smirnov(n, x))})
    return out


def exact_kernels():
    square = []
    for n, h in [(1, 1), (5, 1), (5, 3), (10, 4), (50, 7), (50, 50), (400, 20), (1000, 31), (10000, 150), (10000, 9000)]:
        square.append({"n": n, "h": h, "p": float(_compute_prob_outside_square(n, h))})
    inside = []
    for m, n, h in [(3, 2, 2), (10, 7, 30), (25, 20, 40), (5000, 3, 4000), (7, 9973, 30000), (300, 200, 500), (10000, 9000, 3000)]:
        g = gcd(m, n)
        inside.append({"m": m, "n": n, "g": g, "h": h, "p": float(_compute_outer_prob_inside_method(m, n, g, h))})
    return square, inside


# ------------------------------------------------------------------------------------ Chi-square


def chi2_case(name, categories, ref, cur):
    table = np.array([ref, cur], dtype=np.int64)
    stat, p, dof, expected = stats.chi2_contingency(table, correction=False)
    cramer = float(contingency.association(table, method="cramer")) if table.shape[1] > 1 else 0.0
    return {
        "name": name,
        "categories": categories,
        "reference": [int(v) for v in ref],
        "current": [int(v) for v in cur],
        "statistic": float(stat),
        "dof": int(dof),
        "pvalue": float(p),
        "cramersV": cramer,
    }


def chi2_cases(rng):
    cats = lambda k: [f"c{i}" for i in range(k)]
    # Both rows drawn from the same rates: a large table whose p-value is not at either end.
    big = rng.poisson(rng.uniform(1, 40, 400), (2, 400))
    big[:, big.sum(axis=0) == 0] = 1
    return [
        chi2_case("two categories", ["yes", "no"], [30, 70], [45, 55]),
        chi2_case("same proportions", ["a", "b", "c"], [10, 20, 30], [20, 40, 60]),
        chi2_case("a category only in the reference", ["a", "b", "c"], [50, 30, 20], [60, 40, 0]),
        chi2_case("a category only in the current", ["a", "b", "c"], [50, 50, 0], [40, 40, 5]),
        chi2_case("one category (dof 0)", ["only"], [10], [25]),
        chi2_case("very unequal sizes", cats(4), [1, 2, 3, 4], [1000, 2000, 2900, 4100]),
        chi2_case("p-value near 0", cats(3), [1000, 700, 500], [500, 700, 1000]),
        chi2_case("p-value underflows to 0", cats(3), [5000, 3000, 2000], [2000, 3000, 5000]),
        chi2_case("p-value tiny but representable", cats(2), [600, 400], [400, 600]),
        chi2_case("many categories", cats(400), list(big[0]), list(big[1])),
        chi2_case("seattle weather kinds", ["sun", "rain", "fog", "drizzle", "snow"], [640, 641, 101, 53, 26], [700, 600, 80, 60, 40]),
    ]


def gammaincc_grid():
    out = []
    for a in [0.5, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 19.5, 20.5, 50.0, 150.0, 199.5, 200.5, 500.0, 2500.0]:
        for r in [1e-3, 0.1, 0.5, 0.9, 0.99, 1.0, 1.01, 1.1, 1.5, 2.0, 4.0, 10.0]:
            x = a * r
            out.append({"a": a, "x": x, "q": float(special.gammaincc(a, x))})
        for x in [1e-8, 0.3, 0.5, 0.7, 1.1, 60.0, 700.0]:
            out.append({"a": a, "x": x, "q": float(special.gammaincc(a, x))})
    return out


# ------------------------------------------------------------------------------------------ PSI

QUANTILES = np.arange(1, 10) / 10


def psi_by_hand(ref, cur):
    ref, cur = np.asarray(ref, dtype=float), np.asarray(cur, dtype=float)
    edges = np.unique(np.quantile(ref, QUANTILES))
    bins = len(edges) + 1
    # bin i holds edges[i-1] < v <= edges[i], with edges[-1] = -inf and edges[bins-1] = +inf
    ref_counts = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=bins)
    cur_counts = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=bins)
    r = ref_counts / len(ref)
    c = cur_counts / len(cur)
    r = np.where(r == 0, EPSILON, r)
    c = np.where(c == 0, EPSILON, c)
    value = float(np.sum((c - r) * np.log(c / r)))
    return {
        "edges": [float(e) for e in edges],
        "referenceCounts": [int(v) for v in ref_counts],
        "currentCounts": [int(v) for v in cur_counts],
        "value": value,
    }


def psi_cases(rng):
    normal = lambda n, loc=0.0, scale=1.0: rounded(rng.normal(loc, scale, n))
    cases = [
        ("no shift", normal(1000), normal(800)),
        ("mean shift", normal(1000), normal(1000, 0.5)),
        ("scale change", normal(2000), normal(1500, 0.0, 2.0)),
        ("ties merge edges", np.concatenate([np.zeros(600), rounded(rng.exponential(1.0, 400))]), rounded(rng.exponential(1.0, 500))),
        ("constant reference", np.full(50, 3.0), np.array([1.0, 3.0, 3.0, 5.0])),
        ("current outside the reference range", normal(300), normal(200, 10.0)),
        ("empty bins get epsilon", np.arange(100, dtype=float), np.full(30, 42.0)),
        ("tiny reference", np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([2.0, 2.5, 6.0])),
        ("one value each", np.array([1.0]), np.array([2.0])),
        ("integers", rng.integers(0, 20, 700).astype(float), rng.integers(2, 22, 600).astype(float)),
    ]
    out = []
    for name, ref, cur in cases:
        out.append({"name": name, "reference": values(ref), "current": values(cur), **psi_by_hand(ref, cur)})
    return out


def categorical_psi_by_hand(ref, cur):
    """One bin per category of the union; counts as given, empty bins at EPSILON."""
    r = np.asarray(ref, dtype=float) / np.sum(ref)
    c = np.asarray(cur, dtype=float) / np.sum(cur)
    r = np.where(r == 0, EPSILON, r)
    c = np.where(c == 0, EPSILON, c)
    return float(np.sum((c - r) * np.log(c / r)))


def categorical_psi_cases():
    cases = [
        ("same proportions", ["a", "b", "c"], [10, 20, 30], [20, 40, 60]),
        ("shifted", ["sun", "rain", "fog"], [640, 641, 101], [500, 800, 60]),
        ("a category only in the current", ["a", "b", "c"], [50, 50, 0], [40, 40, 5]),
        ("disjoint", ["x", "y"], [10, 0], [0, 10]),
    ]
    return [
        {"name": n, "categories": k, "reference": r, "current": c, "value": categorical_psi_by_hand(r, c)}
        for n, k, r, c in cases
    ]


# ---------------------------------------------------------------------------------- Wasserstein


def wasserstein_cases(rng):
    normal = lambda n, loc=0.0, scale=1.0: rounded(rng.normal(loc, scale, n))
    same = normal(100)
    cases = [
        ("shifted", normal(500), normal(400, 0.7)),
        ("identical", same, same.copy()),
        ("ties", rng.integers(0, 4, 60).astype(float), rng.integers(0, 6, 45).astype(float)),
        ("n = 1 each", np.array([2.0]), np.array([5.5])),
        ("very unequal sizes", normal(3, 2.0), normal(5000)),
        ("large scale values", normal(1000, 1e6, 1e4), normal(900, 1.001e6, 1.2e4)),
        ("constant reference", np.full(20, 7.0), np.array([7.0, 8.0, 9.0])),
        ("constant reference, same values", np.full(20, 7.0), np.full(5, 7.0)),
    ]
    out = []
    for name, u, v in cases:
        d = float(stats.wasserstein_distance(u, v))
        std = float(np.std(u))
        out.append({
            "name": name,
            "reference": values(u),
            "current": values(v),
            "distance": d,
            "referenceStd": std,
            "normalized": (d / std) if std > 0 else (0.0 if d == 0 else None),
        })
    return out


# ----------------------------------------------------------------------------- Multiple testing


def bh_by_hand(ps):
    ps = np.asarray(ps, dtype=float)
    order = np.argsort(ps, kind="stable")
    sorted_ps = ps[order].copy()
    m = len(ps)
    i = np.arange(1, m + 1)
    sorted_ps *= m / i
    sorted_ps = np.minimum.accumulate(sorted_ps[::-1])[::-1]
    adjusted = np.empty(m)
    adjusted[order] = sorted_ps
    return np.clip(adjusted, 0, 1)


def multiple_testing_cases(rng):
    sets = [
        ("one p-value", [0.03]),
        ("textbook", [0.01, 0.04, 0.03, 0.005, 0.2, 0.8]),
        ("ties", [0.02, 0.02, 0.02, 0.5, 0.5]),
        ("zeros and ones", [0.0, 1.0, 0.0, 0.3, 1.0]),
        ("tiny", [1e-300, 1e-12, 3e-5, 0.049, 0.051]),
        ("fifty uniform", list(rng.uniform(0, 1, 50))),
        ("mostly significant", list(rng.uniform(0, 0.01, 20)) + [0.9]),
    ]
    out = []
    for name, ps in sets:
        ps = [float(p) for p in ps]
        bh = bh_by_hand(ps)
        if hasattr(stats, "false_discovery_control"):
            assert np.array_equal(bh, stats.false_discovery_control(ps, method="bh")), name
        bonferroni = np.minimum(np.asarray(ps) * len(ps), 1.0)
        out.append({
            "name": name,
            "pvalues": ps,
            "bonferroni": [float(v) for v in bonferroni],
            "benjaminiHochberg": [float(v) for v in bh],
        })
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20260711)
    square, inside = exact_kernels()
    write("ks", {
        "samples": ks_samples(rng),
        "kstwoSf": kstwo_grid(),
        "smirnov": smirnov_grid(),
        "probOutsideSquare": square,
        "outerProbInside": inside,
    })
    write("chi2", {"tables": chi2_cases(rng), "gammaincc": gammaincc_grid()})
    write("psi", {"epsilon": EPSILON, "cases": psi_cases(rng), "categorical": categorical_psi_cases()})
    write("wasserstein", {"cases": wasserstein_cases(rng)})
    write("multiple-testing", {"cases": multiple_testing_cases(rng)})


if __name__ == "__main__":
    main()
