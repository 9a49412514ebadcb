"""
Offline training of the music valence/arousal estimator (Python is used only here).

Input: the JSON lines written by server/music/cli/export-features.ts (the importer's own
TypeScript feature code), e.g.
    node --import tsx server/music/cli/export-features.ts ../shared/data/music /tmp/4q.jsonl
    OMP_NUM_THREADS=1 python3 models/music/train.py /tmp/4q.jsonl models/music/music-va.json

Model families (each a scikit-learn pipeline; standardisation and univariate feature selection
sit *inside* it, so selection only ever sees training clips): logistic regression on the two
axes, multinomial logistic regression, shrinkage LDA, random forest. Evaluation is nested:
REPEATS repetitions of artist-grouped, stratified 5-fold CV; in each outer training fold an inner
artist-grouped 4-fold CV chooses each family's hyper-parameters (and, for "recipe", the family
too), so no reported figure was tuned on its own test fold. "ensemble" is the soft vote of the
ENSEMBLE families, each tuned that way; it is what ships: refit on all clips (hyper-parameters
by inner CV over 3 splittings) and written as plain JSON for the TypeScript runtime
(server/music/valence-arousal.ts), plus the Python model's probabilities on 12 exported vectors
(models/music/reference-outputs.json) that server/music/valence-arousal.test.ts replays.
"""

import json
import os
import sys
import time

import numpy as np
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

QUADRANTS = ["Q1", "Q2", "Q3", "Q4"]
# Quadrant index -> (valence positive, arousal high).
VALENCE_POSITIVE = np.array([1, 0, 0, 1])
AROUSAL_HIGH = np.array([1, 1, 0, 0])
REPEATS = int(os.environ.get("MUSIC_CV_REPEATS", "10"))
INNER_FOLDS = 4
# Bumped whenever the feature code or the recipe changes (3: timbre/tonal/rhythm/segment features, model families).
MODEL_REVISION = 4  # 4: trained on 10 s windows (5 s hop), a clip = the mean over its windows
K_GRID = [15, 30, 60, None]  # None = all features
FOREST_TREES = 200
# The shipped model: a soft vote (mean of quadrant probabilities) of three different kinds of
# model, each with its hyper-parameters chosen by inner CV: a discriminative linear model, a
# shrinkage-regularised generative one, and a forest. Averaging diverse models lowers variance,
# which is what 100 training clips mostly suffer from.
ENSEMBLE = ["logreg_quadrant", "lda_shrinkage", "random_forest"]


def load(path):
    """One row per analysis window (server/music/cli/export-features.ts). Returns the clip-level labels and
    groups, and X as a column of clip indices: every model is wrapped in Windowed, which trains on all the
    windows of the clips it is given and predicts a clip as the mean of its windows' probabilities, so the
    CV code below splits, scores and reports clips, never windows (no window of a test clip is seen)."""
    rows = [json.loads(line) for line in open(path) if line.strip()]
    names = sorted(rows[0]["vector"].keys())
    files = list(dict.fromkeys(r["file"] for r in rows))
    index = {f: i for i, f in enumerate(files)}
    first = {}
    for r in rows:
        first.setdefault(r["file"], r)
    WINDOWS["X"] = np.array([[r["vector"][n] for n in names] for r in rows], dtype=float)
    WINDOWS["clip"] = np.array([index[r["file"]] for r in rows])
    y = np.array([QUADRANTS.index(first[f]["quadrant"]) for f in files])
    groups = np.array([first[f]["group"] for f in files])
    clips = [{"file": f, "windows": [r["vector"] for r in rows if r["file"] == f]} for f in files]
    return names, np.arange(len(files))[:, None], y, groups, clips


# The window feature matrix and each window's clip index (set by load()).
WINDOWS = {}


class Windowed:
    """Fits a model on every window of the given clips (each window labelled with its clip's quadrant);
    a clip's probabilities are the mean over its windows, as the importer computes them."""

    def __init__(self, make):
        self.make = make

    def fit(self, clip_idx, y):
        label = dict(zip(clip_idx[:, 0].tolist(), y.tolist(), strict=False))
        rows = np.flatnonzero(np.isin(WINDOWS["clip"], clip_idx[:, 0]))
        self.model = self.make().fit(WINDOWS["X"][rows], np.array([label[c] for c in WINDOWS["clip"][rows]]))
        return self

    def predict_proba(self, clip_idx):
        rows = np.flatnonzero(np.isin(WINDOWS["clip"], clip_idx[:, 0]))
        p = self.model.predict_proba(WINDOWS["X"][rows])  # one call for all windows (forests are slow per call)
        return np.stack([p[WINDOWS["clip"][rows] == c].mean(axis=0) for c in clip_idx[:, 0]])


def linear_pipe(k, clf):
    steps = [StandardScaler()]
    if k is not None:
        steps.append(SelectKBest(f_classif, k=k))
    steps.append(clf)
    return make_pipeline(*steps)


class Axes:
    """Two binary models (valence > 0, arousal > 0); quadrant probabilities are their products."""

    def __init__(self, make):
        self.make = make

    def fit(self, X, y):
        self.models = [self.make().fit(X, VALENCE_POSITIVE[y]), self.make().fit(X, AROUSAL_HIGH[y])]
        return self

    def predict_proba(self, X):
        pv = self.models[0].predict_proba(X)[:, 1]
        pa = self.models[1].predict_proba(X)[:, 1]
        return np.stack([pv * pa, (1 - pv) * pa, (1 - pv) * (1 - pa), pv * (1 - pa)], axis=1)


class Quadrant:
    def __init__(self, make):
        self.make = make

    def fit(self, X, y):
        self.model = self.make().fit(X, y)
        return self

    def predict_proba(self, X):
        return self.model.predict_proba(X)


class Ensemble:
    """Soft vote: the mean of the members' quadrant probabilities."""

    def __init__(self, members):
        self.members = members

    def predict_proba(self, X):
        return np.mean([m.predict_proba(X) for m in self.members], axis=0)


def families():
    """name -> list of (params, factory). Order inside a family = preference on ties (simplest first)."""
    return {
        name: [(params, (lambda make=make: Windowed(make))) for params, make in configs]
        for name, configs in window_families().items()
    }


def window_families():
    """The same model families, as they are fitted on window vectors."""
    out = {}
    if os.environ.get("MUSIC_WITH_AXES") == "1":  # the per-axis family never won and costs a third of the run
        out["logreg_axes"] = [
            ({"C": C, "k": k}, (lambda C=C, k=k: Axes(lambda: linear_pipe(k, LogisticRegression(C=C, max_iter=5000)))))
            for C in (0.01, 0.03, 0.1, 0.3)
            for k in K_GRID
        ]
    out["logreg_quadrant"] = [
        ({"C": C, "k": k}, (lambda C=C, k=k: Quadrant(lambda: linear_pipe(k, LogisticRegression(C=C, max_iter=5000)))))
        for C in (0.01, 0.03, 0.1, 0.3)
        for k in K_GRID
    ]
    out["lda_shrinkage"] = [
        (
            {"k": k},
            (lambda k=k: Quadrant(lambda: linear_pipe(k, LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")))),
        )
        for k in K_GRID
    ]
    out["random_forest"] = [
        (
            {"leaf": leaf, "max_features": mf},
            (
                lambda leaf=leaf, mf=mf: Quadrant(
                    lambda: RandomForestClassifier(
                        n_estimators=FOREST_TREES, min_samples_leaf=leaf, max_features=mf, random_state=0, n_jobs=1
                    )
                )
            ),
        )
        for leaf in (1, 3)
        for mf in ("sqrt", 0.3)
    ]
    return out


def predict(model, X):
    return model.predict_proba(X).argmax(axis=1)


def inner_scores(configs, X, y, groups, seed):
    """Inner artist-grouped CV accuracy of every config (a flat list of (family, params, factory))."""
    splits = list(StratifiedGroupKFold(n_splits=INNER_FOLDS, shuffle=True, random_state=seed).split(X, y, groups))
    scores = []
    for _, _, make in configs:
        correct = 0
        for tr, te in splits:
            correct += np.sum(predict(make().fit(X[tr], y[tr]), X[te]) == y[te])
        scores.append(correct / len(y))
    return np.array(scores)


def summarise(preds, y):
    accs = [accuracy_score(y, p) for p in preds]
    f1s = [f1_score(y, p, average="macro") for p in preds]
    conf = sum(confusion_matrix(y, p, labels=range(4)) for p in preds)
    v = [np.mean(VALENCE_POSITIVE[y] == VALENCE_POSITIVE[p]) for p in preds]
    a = [np.mean(AROUSAL_HIGH[y] == AROUSAL_HIGH[p]) for p in preds]
    return {
        "accuracy_mean": round(float(np.mean(accs)), 4),
        "accuracy_std": round(float(np.std(accs)), 4),
        "macro_f1_mean": round(float(np.mean(f1s)), 4),
        "macro_f1_std": round(float(np.std(f1s)), 4),
        "valence_sign_accuracy": round(float(np.mean(v)), 4),
        "arousal_sign_accuracy": round(float(np.mean(a)), 4),
        "confusion_sum_over_repeats": conf.tolist(),
    }


def nested_cv(fams, X, y, groups, repeats):
    configs = [(f, p, m) for f, lst in fams.items() for p, m in lst]
    names = list(fams) + ["recipe", "ensemble"]
    preds = {n: [] for n in names}
    chosen = {n: [] for n in names}
    for rep in range(repeats):
        pred = {n: np.zeros_like(y) for n in names}
        for fold, (tr, te) in enumerate(
            StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=rep).split(X, y, groups)
        ):
            scores = inner_scores(configs, X[tr], y[tr], groups[tr], seed=1000 + 10 * rep + fold)
            picks = {
                f: max((i for i, c in enumerate(configs) if c[0] == f), key=lambda i: (scores[i], -i)) for f in fams
            }
            picks["recipe"] = max(range(len(configs)), key=lambda i: (scores[i], -i))
            fitted = {}
            for n, i in picks.items():
                if i not in fitted:
                    fitted[i] = configs[i][2]().fit(X[tr], y[tr])
                pred[n][te] = predict(fitted[i], X[te])
                chosen[n].append(f"{configs[i][0]} {json.dumps(configs[i][1])}")
            pred["ensemble"][te] = Ensemble([fitted[picks[f]] for f in ENSEMBLE]).predict_proba(X[te]).argmax(axis=1)
            chosen["ensemble"].append(" + ".join(chosen[f][-1] for f in ENSEMBLE))
        for n in names:
            preds[n].append(pred[n])
        print(
            f"repeat {rep + 1}/{repeats}: " + ", ".join(f"{n} {accuracy_score(y, pred[n]):.2f}" for n in names),
            flush=True,
        )
    return {
        n: {
            **summarise(preds[n], y),
            "chosen_in_folds": {k: int(c) for k, c in zip(*np.unique(chosen[n], return_counts=True), strict=False)},
        }
        for n in names
    }


# ---- export: plain JSON the TypeScript runtime evaluates ----


def export_linear(pipe, names):
    scaler, clf = pipe[0], pipe[-1]
    keep = pipe[1].get_support() if len(pipe) == 3 else np.ones(len(names), dtype=bool)
    coef = np.atleast_2d(clf.coef_)
    intercept = np.atleast_1d(clf.intercept_)
    return {
        "features": [n for n, k in zip(names, keep, strict=False) if k],
        "mean": scaler.mean_[keep].tolist(),
        "scale": scaler.scale_[keep].tolist(),
        "coef": coef.tolist(),
        "intercept": intercept.tolist(),
    }


def export_tree(tree):
    t = tree.tree_
    leaf_values = t.value[:, 0, :]
    leaf_values = leaf_values / leaf_values.sum(axis=1, keepdims=True)
    return {
        "feature": t.feature.tolist(),
        "threshold": t.threshold.tolist(),
        "left": t.children_left.tolist(),
        "right": t.children_right.tolist(),
        "value": np.round(leaf_values, 6).tolist(),
    }


def export(family, params, model, names):
    base = {"family": family, "params": params}
    if isinstance(model, Windowed):
        model = model.model
    if isinstance(model, Axes):
        return {
            **base,
            "variant": "axes",
            "classes": ["valence_positive", "arousal_high"],
            "models": [export_linear(m, names) for m in model.models],
        }
    inner = model.model
    if isinstance(inner, RandomForestClassifier):
        return {
            **base,
            "variant": "forest",
            "classes": QUADRANTS,
            "features": names,
            "trees": [export_tree(e) for e in inner.estimators_],
        }
    # Multinomial logistic regression or LDA: softmax over linear scores (LDA's predict_proba is exactly that).
    return {**base, "variant": "quadrant", "classes": QUADRANTS, "models": [export_linear(inner, names)]}


def main():
    src, out = sys.argv[1], sys.argv[2]
    reference_out = sys.argv[3] if len(sys.argv) > 3 else out.replace("music-va.json", "reference-outputs.json")
    names, X, y, groups, clips = load(src)
    print(f"{len(y)} clips, {len(WINDOWS['clip'])} windows, {len(names)} features", flush=True)
    fams = families()
    t0 = time.time()
    results = nested_cv(fams, X, y, groups, REPEATS)
    for n, r in results.items():
        print(n, json.dumps({k: v for k, v in r.items() if k not in ("confusion_sum_over_repeats", "chosen_in_folds")}))
    # The shipped model: the ensemble, each member's hyper-parameters by inner CV on all clips (3 splittings averaged).
    configs = [(f, p, m) for f, lst in fams.items() for p, m in lst if f in ENSEMBLE]
    scores = np.mean([inner_scores(configs, X, y, groups, seed=s) for s in range(3)], axis=0)
    members, exported = [], []
    for f in ENSEMBLE:
        i = max((i for i, c in enumerate(configs) if c[0] == f), key=lambda i: (scores[i], -i))
        members.append(configs[i][2]().fit(X, y))
        exported.append(
            {**export(f, configs[i][1], members[-1], names), "inner_cv_accuracy": round(float(scores[i]), 4)}
        )
    model = Ensemble(members)
    doc = {"version": f"4q-ensemble-{MODEL_REVISION}", "variant": "ensemble", "classes": QUADRANTS, "members": exported}
    family, params = "ensemble", [m["family"] for m in exported]
    doc["trained_on"] = {
        "dataset": "4Q audio emotion dataset dev split (../shared/data/music)",
        "n": int(len(y)),
        "windows": int(len(WINDOWS["clip"])),
        "features_exported": len(names),
    }
    doc["cross_validation"] = {
        "scheme": f"{REPEATS}x artist-grouped stratified 5-fold; hyper-parameters (and for 'recipe' the family) chosen by inner artist-grouped {INNER_FOLDS}-fold CV",
        **results,
    }
    json.dump(doc, open(out, "w"), separators=(",", ":"))
    # Reference outputs: the Python model's quadrant probabilities for a few clips' exported window vectors (3 per quadrant).
    picks = [i for q in range(4) for i in np.flatnonzero(y == q)[:3]]
    proba = model.predict_proba(X[picks])
    ref = {
        "model_version": doc["version"],
        "cases": [
            {
                "file": clips[i]["file"],
                "windows": [{n: w[n] for n in names} for w in clips[i]["windows"]],
                "probabilities": proba[j].tolist(),
            }
            for j, i in enumerate(picks)
        ],
    }
    json.dump(ref, open(reference_out, "w"), indent=1)
    print(f"shipped {family} of {params} -> {out}; reference outputs -> {reference_out}; {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
