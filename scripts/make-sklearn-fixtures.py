#!/usr/bin/python3
"""Generate prediction CSVs and scikit-learn's metric values for them.

Run with Debian's Python (scikit-learn 1.2.1):  /usr/bin/python3 scripts/make-sklearn-fixtures.py
Writes test/fixtures/sklearn/<case>.csv and <case>.json. Deterministic: a second run produces
byte-identical files (fixed seed, floats written with repr, sorted JSON keys).

The JSON holds what the TypeScript metrics must reproduce to 1e-9: sklearn's defaults, with
zero_division=0 for the averaged scores and the positive label that roc_auc_score uses.
"""

import json
import os

import numpy as np
import sklearn
from sklearn import metrics as m

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "sklearn")
N = 300


def write_csv(name, columns):
    names = list(columns)
    rows = zip(*(columns[c] for c in names))
    with open(os.path.join(OUT, name + ".csv"), "w", newline="\n") as f:
        f.write(",".join(names) + "\n")
        for row in rows:
            f.write(",".join(cell(v) for v in row) + "\n")


def cell(v):
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return str(v)


def write_json(name, data):
    data["sklearn"] = sklearn.__version__
    with open(os.path.join(OUT, name + ".json"), "w", newline="\n") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")


def floats(d):
    return {k: float(v) for k, v in d.items()}


def confusion(y_true, y_pred):
    labels = np.unique(np.concatenate([y_true, y_pred]))
    matrix = m.confusion_matrix(y_true, y_pred, labels=labels)
    return {"labels": [cell(v) for v in labels], "matrix": matrix.tolist()}


def binary_case(name, y_true, y_score, y_pred=None, baseline_of=None):
    """y_score is P(greater label in np.unique order): what roc_auc_score and log_loss assume."""
    labels = np.unique(y_true)
    pos = labels[1]
    derived = y_pred is None
    if derived:
        y_pred = np.where(y_score >= 0.5, pos, labels[0])
    values = {
        "accuracy": m.accuracy_score(y_true, y_pred),
        "precision": m.precision_score(y_true, y_pred, pos_label=pos, zero_division=0),
        "recall": m.recall_score(y_true, y_pred, pos_label=pos, zero_division=0),
        "f1": m.f1_score(y_true, y_pred, pos_label=pos, zero_division=0),
        "roc_auc": m.roc_auc_score(y_true, y_score),
        "log_loss": m.log_loss(y_true, y_score),
        "balanced_accuracy": m.balanced_accuracy_score(y_true, y_pred),
    }
    columns = {"y_true": y_true} if derived else {"y_true": y_true, "y_pred": y_pred}
    columns["y_score"] = y_score
    write_csv(name, columns)
    data = {"task": "binary", "posLabel": cell(pos), "metrics": floats(values)}
    data["confusion"] = confusion(y_true, y_pred)
    if baseline_of:
        data["baselineOf"] = baseline_of
    write_json(name, data)


def ovr_auc(y_true, proba, classes):
    """Macro mean over the classes present in y_true of the one-vs-rest AUC."""
    present = [i for i, c in enumerate(classes) if np.any(y_true == c)]
    return float(np.mean([m.roc_auc_score(y_true == classes[i], proba[:, i]) for i in present]))


def multiclass_case(name, y_true, proba, classes, column_order, y_pred=None, sklearn_ovr=True):
    """classes sorted (np.unique order); proba[:, i] is P(classes[i]); columns written in column_order."""
    derived = y_pred is None
    if derived:
        y_pred = classes[np.argmax(proba, axis=1)]
    values = {
        "accuracy": m.accuracy_score(y_true, y_pred),
        "f1_macro": m.f1_score(y_true, y_pred, average="macro", zero_division=0),
        "f1_weighted": m.f1_score(y_true, y_pred, average="weighted", zero_division=0),
        "precision_macro": m.precision_score(y_true, y_pred, average="macro", zero_division=0),
        "recall_macro": m.recall_score(y_true, y_pred, average="macro", zero_division=0),
        "roc_auc_ovr": ovr_auc(y_true, proba, classes),
        "log_loss": m.log_loss(y_true, proba, labels=classes),
    }
    if sklearn_ovr:
        # When every class occurs in y_true the manual mean is sklearn's own multi_class="ovr".
        direct = m.roc_auc_score(y_true, proba, multi_class="ovr", labels=classes)
        assert abs(direct - values["roc_auc_ovr"]) < 1e-12, (direct, values["roc_auc_ovr"])
    columns = {"y_true": y_true} if derived else {"y_true": y_true, "y_pred": y_pred}
    for c in column_order:
        columns["proba_" + cell(c)] = proba[:, list(classes).index(c)]
    write_csv(name, columns)
    write_json(name, {"task": "multiclass", "metrics": floats(values), "confusion": confusion(y_true, y_pred)})


def regression_case(name, y_true, y_pred, baseline_of=None):
    values = {
        "mae": m.mean_absolute_error(y_true, y_pred),
        "mse": m.mean_squared_error(y_true, y_pred),
        "rmse": m.mean_squared_error(y_true, y_pred, squared=False),
        "r2": m.r2_score(y_true, y_pred),
    }
    write_csv(name, {"y_true": y_true, "y_pred": y_pred})
    data = {"task": "regression", "metrics": floats(values)}
    if baseline_of:
        data["baselineOf"] = baseline_of
    write_json(name, data)


def dirichlet_scores(rng, y_index, k, strength):
    """Probability rows that lean towards the true class by `strength`."""
    alpha = np.ones((len(y_index), k))
    alpha[np.arange(len(y_index)), y_index] += strength
    g = rng.gamma(alpha)
    return g / g.sum(axis=1, keepdims=True)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20240611)

    # Binary 0/1 with y_pred and y_score, plus a weaker baseline on the same rows.
    y = rng.integers(0, 2, N)
    score = np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0.0, 1.0)
    binary_case("binary_01", y, score, y_pred=(score >= 0.45).astype(int))
    weak = np.clip(rng.normal(0.45 + 0.1 * y, 0.25), 0.0, 1.0)
    binary_case("binary_01_baseline", y, weak, y_pred=(weak >= 0.5).astype(int), baseline_of="binary_01")

    # String labels; no y_pred column, so it is derived as y_score >= 0.5 -> "spam".
    y = rng.choice(np.array(["ham", "spam"]), N, p=[0.6, 0.4])
    p_spam = np.clip(rng.normal(np.where(y == "spam", 0.6, 0.35), 0.2), 0.0, 1.0)
    binary_case("binary_strings", y, p_spam)

    # Heavily tied scores (one decimal) and labels {-1, 1}.
    y = rng.choice(np.array([-1, 1]), N)
    tied = np.round(np.clip(rng.normal(np.where(y == 1, 0.6, 0.4), 0.2), 0.0, 1.0), 1)
    binary_case("binary_ties", y, tied, y_pred=np.where(tied >= 0.5, 1, -1))

    # Multiclass, string labels, proba_ columns written out of sorted order.
    classes = np.array(["bird", "cat", "dog"])
    yi = rng.integers(0, 3, N)
    proba = dirichlet_scores(rng, yi, 3, 2.0)
    noisy = np.where(rng.random(N) < 0.8, np.argmax(proba, axis=1), rng.integers(0, 3, N))
    multiclass_case("multiclass_strings", classes[yi], proba, classes, ["dog", "cat", "bird"], classes[noisy])

    # Five classes: "d" occurs in y_true but is never predicted, "e" is predicted but never occurs.
    classes = np.array(["a", "b", "c", "d", "e"])
    yi = rng.choice([0, 1, 2, 3], N)
    proba = dirichlet_scores(rng, yi, 5, 1.5)
    pred = np.argmax(proba, axis=1)
    pred[pred == 3] = 4
    multiclass_case("multiclass_zero_division", classes[yi], proba, classes, list(classes), classes[pred], False)

    # Numeric classes 0, 1, 2, 10 (numeric order differs from string order), no y_pred column and
    # probabilities rounded to one decimal, so argmax ties resolve to the first class in sorted order.
    classes = np.array([0, 1, 2, 10])
    yi = rng.integers(0, 4, N)
    proba = np.round(dirichlet_scores(rng, yi, 4, 1.0), 1)
    multiclass_case("multiclass_argmax", classes[yi], proba, classes, [10, 2, 1, 0], None, False)

    # Regression, and a weaker baseline on the same rows.
    x = rng.normal(0.0, 1.0, N)
    y = 3.0 * x + rng.normal(0.0, 0.5, N)
    regression_case("regression", y, 3.0 * x + rng.normal(0.0, 0.4, N))
    regression_case("regression_baseline", y, 2.5 * x + rng.normal(0.0, 0.9, N), baseline_of="regression")

    # Constant y_true: sklearn's force_finite sets r2 to 0.0 (2.5 is exact, so the mean is too).
    regression_case("regression_constant", np.full(40, 2.5), 2.5 + rng.normal(0.0, 0.3, 40))

    # numpy's default (linear) quantiles, for the bootstrap's percentile helper; ties included.
    values = np.concatenate([np.random.default_rng(7).normal(0.0, 1.0, 57), [0.5, 0.5, 0.5]])
    quantiles = [0.0, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.99, 1.0]
    points = [{"q": q, "value": float(np.quantile(values, q))} for q in quantiles]
    with open(os.path.join(OUT, "percentile.json"), "w", newline="\n") as f:
        json.dump({"numpy": np.__version__, "values": values.tolist(), "quantiles": points}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
