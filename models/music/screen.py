"""
Screening experiments for the music valence/arousal estimator (offline; nothing here ships).
They reuse train.py's nested, artist-grouped CV and splittings, so their figures compare row by row
with the model card's. Results of the 2026-11-27 screen are in MODEL_CARD.md ("Screened, not shipped").

  # extra model families on the shipped features (names: any of train.py's families, hier, svm, extra, hgb, logreg_pquad)
  MUSIC_CV_REPEATS=3 python3 models/music/screen.py cv /tmp/4q.jsonl logreg_quadrant,hier,svm [ENSEMBLE_MEMBERS]
  # extra feature groups computed with librosa, merged into an export, then run through `cv`
  python3 models/music/screen.py spectral /tmp/4q.jsonl ../shared/data/music /tmp/4q-spectral.jsonl
  python3 models/music/screen.py melodic  /tmp/4q.jsonl ../shared/data/music /tmp/4q-melodic.jsonl
  # other window lengths: MUSIC_WINDOW_S=5 MUSIC_HOP_S=2.5 node --import tsx server/music/cli/export-features.ts ...

The librosa groups only say whether a feature family carries information the shipped 156 do not;
a family that helps has to be ported to server/music/ (the importer's TypeScript) before it can ship.
"""

import csv
import json
import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train as T  # noqa: E402
from sklearn.ensemble import ExtraTreesClassifier, HistGradientBoostingClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

SR, HOP = 22050, 512
FPS = SR / HOP


class Hierarchical:
    """P(high arousal) from one binary model, P(positive valence | arousal half) from one model per half:
    valence cues differ between loud (Q1 vs Q2) and quiet (Q4 vs Q3) music."""

    def __init__(self, make):
        self.make = make

    def fit(self, X, y):
        a, v = T.AROUSAL_HIGH[y], T.VALENCE_POSITIVE[y]
        self.arousal = self.make().fit(X, a)
        self.high = self.make().fit(X[a == 1], v[a == 1])
        self.low = self.make().fit(X[a == 0], v[a == 0])
        return self

    def predict_proba(self, X):
        pa, ph, pl = (m.predict_proba(X)[:, 1] for m in (self.arousal, self.high, self.low))
        return np.stack([pa * ph, pa * (1 - ph), (1 - pa) * (1 - pl), (1 - pa) * pl], axis=1)


class WeightedWindows(T.Windowed):
    """Windowed, with each window weighted by its clip's label agreement (4Q's `pquad`)."""

    weights = None  # clip index -> weight, set by main

    def fit(self, clip_idx, y):
        label = dict(zip(clip_idx[:, 0].tolist(), y.tolist(), strict=False))
        rows = np.flatnonzero(np.isin(T.WINDOWS["clip"], clip_idx[:, 0]))
        clips = T.WINDOWS["clip"][rows]
        self.model = self.make().fit(
            T.WINDOWS["X"][rows],
            np.array([label[c] for c in clips]),
            logisticregression__sample_weight=WeightedWindows.weights[clips],
        )
        return self


def families(which):
    shipped = T.window_families()
    win = lambda make: lambda: T.Windowed(make)  # noqa: E731
    logreg = lambda C, k: T.linear_pipe(k, LogisticRegression(C=C, max_iter=5000))  # noqa: E731
    extra = {
        "hier": lambda: [
            ({"C": C, "k": k}, win(lambda C=C, k=k: Hierarchical(lambda: logreg(C, k))))
            for C in (0.01, 0.03, 0.1, 0.3)
            for k in T.K_GRID
        ],
        "svm": lambda: [
            (
                {"C": C},
                win(lambda C=C: T.Quadrant(lambda: T.linear_pipe(None, SVC(C=C, probability=True, random_state=0)))),
            )
            for C in (0.3, 1, 3)
        ],
        "extra": lambda: [
            (
                {"leaf": leaf},
                win(
                    lambda leaf=leaf: T.Quadrant(
                        lambda: ExtraTreesClassifier(
                            n_estimators=300, min_samples_leaf=leaf, max_features="sqrt", random_state=0, n_jobs=1
                        )
                    )
                ),
            )
            for leaf in (1, 3)
        ],
        "hgb": lambda: [
            (
                {"lr": 0.05},
                win(
                    lambda: T.Quadrant(
                        lambda: HistGradientBoostingClassifier(
                            learning_rate=0.05, max_iter=150, max_leaf_nodes=8, l2_regularization=1.0, random_state=0
                        )
                    )
                ),
            )
        ],
        "logreg_pquad": lambda: [
            ({"C": C, "k": k}, (lambda C=C, k=k: WeightedWindows(lambda: logreg(C, k))))
            for C in (0.01, 0.03, 0.1, 0.3)
            for k in T.K_GRID
        ],
    }
    out = {}
    for name in which:
        if name in shipped:
            out[name] = [(p, (lambda make=make: T.Windowed(make))) for p, make in shipped[name]]
        else:
            out[name] = extra[name]()
    return out


def run_cv(src, which, ensemble):
    warnings.filterwarnings("ignore")
    T.ENSEMBLE = ensemble
    names, X, y, groups, clips = T.load(src)
    if "logreg_pquad" in which:
        data_dir = os.environ.get("MUSIC_DATA", os.path.join(os.path.dirname(__file__), "../../../shared/data/music"))
        pquad = {r["file"]: float(r["pquad"]) for r in csv.DictReader(open(os.path.join(data_dir, "labels.csv")))}
        WeightedWindows.weights = np.array([pquad[c["file"]] for c in clips])
    print(f"{src}: {len(y)} clips, {len(T.WINDOWS['clip'])} windows, {len(names)} features", flush=True)
    for n, r in T.nested_cv(families(which), X, y, groups, T.REPEATS).items():
        print(
            "RESULT",
            n,
            json.dumps(
                {k: r[k] for k in ("accuracy_mean", "accuracy_std", "valence_sign_accuracy", "arousal_sign_accuracy")}
            ),
            flush=True,
        )


def spectral_features(seg):
    """40 log-mel band means/stds, the modulation spectrum of 8 band groups (0.25–20 Hz, 5 bands), MFCC 1–6 correlations."""
    import librosa

    lm = np.log(librosa.feature.melspectrogram(y=seg, sr=SR, n_fft=2048, hop_length=HOP, n_mels=40) + 1e-8)
    v = {}
    for b in range(40):
        v[f"x_mel{b}_mean"], v[f"x_mel{b}_std"] = float(lm[b].mean()), float(lm[b].std())
    for gi, g in enumerate(np.array_split(np.arange(40), 8)):
        e = lm[g].mean(axis=0)
        spec = np.abs(np.fft.rfft((e - e.mean()) * np.hanning(len(e)))) ** 2
        fr = np.fft.rfftfreq(len(e), 1 / FPS)
        total = spec[(fr > 0.25) & (fr < 20)].sum() + 1e-12
        for lo, hi in ((0.25, 1), (1, 2), (2, 4), (4, 8), (8, 20)):
            v[f"x_mod{gi}_{lo}"] = float(np.log(spec[(fr >= lo) & (fr < hi)].sum() / total + 1e-9))
    mf = librosa.feature.mfcc(S=lm, n_mfcc=8)
    for k, val in enumerate(np.corrcoef(mf[1:7])[np.triu_indices(6, 1)]):
        v[f"x_mfcor{k}"] = float(val)
    return v


def melodic_features(f0, voiced_prob, voiced):
    """Predominant-pitch statistics (pYIN on the harmonic part): voicing, range, note steadiness, vibrato (4–8 Hz)."""
    v = {"m_voiced": float(voiced.mean()), "m_vprob": float(voiced_prob.mean())}
    st = 12 * np.log2(f0[voiced] / 440.0) if voiced.sum() > 5 else np.zeros(1)
    v["m_f0_med"] = float(np.median(st))
    v["m_f0_range"] = float(np.percentile(st, 90) - np.percentile(st, 10)) if len(st) > 5 else 0.0
    runs, start = [], None
    for i, b in enumerate(np.append(voiced, False)):
        if b and start is None:
            start = i
        if not b and start is not None:
            if i - start >= 8:
                runs.append((start, i))
            start = None
    vibrato, steady, motion, lengths = [], [], [], []
    for a, b in runs:
        s = 12 * np.log2(f0[a:b] / 440.0)
        motion.append(np.std(np.diff(s)))
        lengths.append((b - a) / FPS)
        steady.append(np.mean(np.abs(s - np.median(s)) < 0.35))
        if b - a >= 16:
            x = (s - np.convolve(s, np.ones(9) / 9, mode="same"))[4:-4]
            sp = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
            fr = np.fft.rfftfreq(len(x), 1 / FPS)
            vibrato.append(sp[(fr >= 4) & (fr <= 8)].sum() / (sp[fr > 1].sum() + 1e-9))
    v["m_runs_per_s"] = len(runs) / (len(voiced) / FPS)
    for key, values in (("m_run_len", lengths), ("m_vibrato", vibrato), ("m_steady", steady), ("m_dstd", motion)):
        v[key] = float(np.mean(values)) if values else 0.0
    return v


def merge(kind, src, data_dir, out):
    """Adds a librosa feature group to every window of an export (10 s windows at a 5 s hop, as exported)."""
    import librosa

    rows = [json.loads(line) for line in open(src) if line.strip()]
    by_file = {}
    for r in rows:
        by_file.setdefault(r["file"], []).append(r)
    merged = []
    for n, (file, windows) in enumerate(by_file.items()):
        y, _ = librosa.load(os.path.join(data_dir, file), sr=SR, mono=True)
        section = min(len(y), 60 * SR)  # the importer's mood section: the middle 60 s
        y = y[(len(y) - section) // 2 :][:section]
        if kind == "melodic":
            f0, voiced, prob = librosa.pyin(
                librosa.effects.harmonic(y, margin=2.0), fmin=100, fmax=1000, sr=SR, frame_length=2048, hop_length=HOP
            )
            f0 = np.nan_to_num(f0, nan=440.0)
        for r in windows:
            if kind == "melodic":
                a = int(r["window"] * 5 * FPS)
                extra = melodic_features(
                    f0[a : a + int(10 * FPS)], prob[a : a + int(10 * FPS)], voiced[a : a + int(10 * FPS)]
                )
            else:
                extra = spectral_features(y[r["window"] * 5 * SR :][: 10 * SR])
            merged.append({**r, "vector": {**r["vector"], **extra}})
        print(f"\r{n + 1}/{len(by_file)}", end="", file=sys.stderr, flush=True)
    open(out, "w").write("\n".join(json.dumps(r) for r in merged) + "\n")


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "cv":
        run_cv(args[0], args[1].split(","), args[2].split(",") if len(args) > 2 else T.ENSEMBLE)
    elif command in ("spectral", "melodic"):
        merge(command, *args)
    else:
        sys.exit(__doc__)
