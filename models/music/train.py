"""
Offline training of the music valence/arousal estimator (Python is used only here).

Input: the JSON lines written by server/music/cli/export-features.ts (the importer's own
TypeScript feature code), e.g.
    node --import tsx server/music/cli/export-features.ts ../shared/data/music /tmp/4q.jsonl
    python3 models/music/train.py /tmp/4q.jsonl models/music/music-va.json

Model: standardised features -> L2-regularised logistic regression. Two variants are compared
by repeated, artist-grouped, stratified 5-fold cross-validation, with the regularisation
strength chosen inside each training fold (nested), so the reported figures are not tuned on
their own test folds:
  * "quadrant": one multinomial model over Q1..Q4;
  * "axes": two binary models (valence > 0, arousal > 0) whose signs make the quadrant.
The better variant is refit on all clips and written as plain JSON weights for the TypeScript
runtime (server/music/valence-arousal.ts).
"""
import json
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, confusion_matrix
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

QUADRANTS = ["Q1", "Q2", "Q3", "Q4"]
VALENCE_POSITIVE = {"Q1": 1, "Q2": 0, "Q3": 0, "Q4": 1}
AROUSAL_HIGH = {"Q1": 1, "Q2": 1, "Q3": 0, "Q4": 0}
C_GRID = [0.003, 0.01, 0.03, 0.1, 0.3, 1.0]
REPEATS = 10
# Bumped whenever the feature code or the recipe changes (2: tempo envelope blur).
MODEL_REVISION = 2


def load(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    names = sorted(rows[0]["vector"].keys())
    X = np.array([[r["vector"][n] for n in names] for r in rows], dtype=float)
    y = np.array([QUADRANTS.index(r["quadrant"]) for r in rows])
    groups = np.array([r["group"] for r in rows])
    return names, X, y, groups


def fit(variant, X, y, C):
    if variant == "quadrant":
        return [make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=5000)).fit(X, y)]
    v = np.array([VALENCE_POSITIVE[QUADRANTS[i]] for i in y])
    a = np.array([AROUSAL_HIGH[QUADRANTS[i]] for i in y])
    return [make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=5000)).fit(X, t) for t in (v, a)]


def predict(variant, models, X):
    if variant == "quadrant":
        return models[0].predict(X)
    pv = models[0].predict_proba(X)[:, 1] > 0.5
    pa = models[1].predict_proba(X)[:, 1] > 0.5
    return np.array([QUADRANTS.index(q) for q in (("Q1" if v else "Q2") if a else ("Q4" if v else "Q3") for v, a in zip(pv, pa))])


def choose_c(variant, X, y, groups, seed):
    best, best_acc = C_GRID[0], -1
    for C in C_GRID:
        accs = []
        for tr, te in StratifiedGroupKFold(n_splits=4, shuffle=True, random_state=seed).split(X, y, groups):
            accs.append(accuracy_score(y[te], predict(variant, fit(variant, X[tr], y[tr], C), X[te])))
        if np.mean(accs) > best_acc:
            best, best_acc = C, np.mean(accs)
    return best


def nested_cv(variant, X, y, groups):
    accs, f1s, conf = [], [], np.zeros((4, 4), dtype=int)
    valence_acc, arousal_acc = [], []
    for rep in range(REPEATS):
        pred = np.zeros_like(y)
        for tr, te in StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=rep).split(X, y, groups):
            C = choose_c(variant, X[tr], y[tr], groups[tr], seed=100 + rep)
            pred[te] = predict(variant, fit(variant, X[tr], y[tr], C), X[te])
        accs.append(accuracy_score(y, pred))
        f1s.append(f1_score(y, pred, average="macro"))
        conf += confusion_matrix(y, pred, labels=range(4))
        yv = np.array([VALENCE_POSITIVE[QUADRANTS[i]] for i in y]); pv = np.array([VALENCE_POSITIVE[QUADRANTS[i]] for i in pred])
        ya = np.array([AROUSAL_HIGH[QUADRANTS[i]] for i in y]); pa = np.array([AROUSAL_HIGH[QUADRANTS[i]] for i in pred])
        valence_acc.append(np.mean(yv == pv)); arousal_acc.append(np.mean(ya == pa))
    return {
        "accuracy_mean": float(np.mean(accs)), "accuracy_std": float(np.std(accs)),
        "macro_f1_mean": float(np.mean(f1s)), "macro_f1_std": float(np.std(f1s)),
        "valence_sign_accuracy": float(np.mean(valence_acc)), "arousal_sign_accuracy": float(np.mean(arousal_acc)),
        "confusion_sum_over_repeats": conf.tolist(),
    }


def export(variant, models, names, C, cv, n):
    def linear(pipe):
        scaler, lr = pipe[0], pipe[1]
        return {"mean": scaler.mean_.tolist(), "scale": scaler.scale_.tolist(), "coef": lr.coef_.tolist(), "intercept": lr.intercept_.tolist()}
    return {
        "version": f"4q-logreg-{variant}-{MODEL_REVISION}",
        "variant": variant,
        "features": names,
        "classes": QUADRANTS if variant == "quadrant" else ["valence_positive", "arousal_high"],
        "models": [linear(m) for m in models],
        "C": C,
        "trained_on": {"dataset": "4Q audio emotion dataset dev split (../shared/data/music)", "n": n},
        "cross_validation": cv,
    }


def main():
    src, out = sys.argv[1], sys.argv[2]
    names, X, y, groups = load(src)
    results = {}
    for variant in ("quadrant", "axes"):
        results[variant] = nested_cv(variant, X, y, groups)
        print(variant, json.dumps({k: v for k, v in results[variant].items() if k != "confusion_sum_over_repeats"}))
    variant = max(results, key=lambda k: results[k]["accuracy_mean"])
    C = choose_c(variant, X, y, groups, seed=0)
    models = fit(variant, X, y, C)
    model = export(variant, models, names, C, {"scheme": f"{REPEATS}x artist-grouped stratified 5-fold, C chosen by inner 4-fold", **{k: results[k] for k in results}}, len(y))
    json.dump(model, open(out, "w"), indent=1)
    print("chose", variant, "C", C, "->", out)


if __name__ == "__main__":
    main()
