#!/usr/bin/env python3
"""Comparison baseline for the speech-emotion model: utterance-level statistics + SVM / logistic regression.

Not exported (pitch tracking is not in an ONNX graph here); it answers "does a CNN beat classic features?".
Same speaker-independent protocol as train_ser_cnn.py (common.FOLDS): 3-fold leave-4-actors-out CV inside actors 01-12
(folds {01,02,07,08}, {03,04,09,10}, {05,06,11,12}); features are standardised on the training folds only.
Actors 13-16 are scored once per model with `--final` (train on 01-12).

    nice -n 15 /tmp/mvenv/bin/python models/build/ser_stats_baseline.py [--final] --report models/build/out/ser_stats_baseline.json
"""

import argparse

import librosa
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from common import FOLDS, HOP, N_FFT, SR, WINLEN, load, speech_region, write_report


def stats(m):
    return np.concatenate([m.mean(1), m.std(1)])


def features(y):
    a, b = speech_region(y)
    y = y[a:b]
    kw = dict(n_fft=N_FFT, hop_length=HOP, win_length=WINLEN, center=False)
    mel = librosa.feature.melspectrogram(y=y, sr=SR, n_mels=64, **kw)
    logmel = librosa.power_to_db(mel, top_db=80)
    mfcc = librosa.feature.mfcc(S=logmel, n_mfcc=40)
    d1 = librosa.feature.delta(mfcc)
    d2 = librosa.feature.delta(mfcc, order=2)
    S = np.abs(librosa.stft(y, **kw))
    spec = np.vstack(
        [
            librosa.feature.spectral_centroid(S=S, sr=SR),
            librosa.feature.spectral_bandwidth(S=S, sr=SR),
            librosa.feature.spectral_rolloff(S=S, sr=SR),
            librosa.feature.spectral_flatness(S=S),
            librosa.feature.spectral_contrast(S=S, sr=SR),
            librosa.feature.rms(S=S, frame_length=N_FFT),
            librosa.feature.zero_crossing_rate(y, frame_length=N_FFT, hop_length=HOP, center=False),
        ]
    )
    f0 = librosa.yin(y, fmin=60, fmax=500, sr=SR, frame_length=1024, hop_length=HOP)
    lf0 = np.log(f0)
    pitch = np.array([lf0.mean(), lf0.std(), np.percentile(lf0, 10), np.percentile(lf0, 90), len(y) / SR])
    return np.concatenate([stats(mfcc), stats(d1), stats(d2), stats(logmel), stats(spec), pitch])


MODELS = {
    "svm_rbf_C1": lambda: make_pipeline(StandardScaler(), SVC(C=1, gamma="scale", class_weight="balanced")),
    "svm_rbf_C10": lambda: make_pipeline(StandardScaler(), SVC(C=10, gamma="scale", class_weight="balanced")),
    "logreg_C0.1": lambda: make_pipeline(
        StandardScaler(), LogisticRegression(C=0.1, max_iter=3000, class_weight="balanced")
    ),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/speech")
    ap.add_argument("--final", action="store_true", help="also train on 01-12 and score actors 13-16 once per model")
    ap.add_argument("--report", default=None)
    args = ap.parse_args()
    clips = load(args.data, set(range(1, 17)))
    X = np.stack([features(c["y"]) for c in clips])
    y = np.array([c["label"] for c in clips])
    actor = np.array([c["actor"] for c in clips])
    report = {"n_features": int(X.shape[1]), "cv_actors_01_12": {}, "validation_actors_13_16": {}}
    for name, make in MODELS.items():
        correct = 0
        n = 0
        for held in FOLDS:
            tr = (actor <= 12) & ~np.isin(actor, held)
            te = np.isin(actor, held)
            pred = make().fit(X[tr], y[tr]).predict(X[te])
            correct += int((pred == y[te]).sum())
            n += int(te.sum())
        report["cv_actors_01_12"][name] = correct / n
        print(f"{name}: CV accuracy (actors 01-12, 3 folds) {correct / n:.4f}", flush=True)
        if args.final:
            tr, te = actor <= 12, actor >= 13
            acc = float((make().fit(X[tr], y[tr]).predict(X[te]) == y[te]).mean())
            report["validation_actors_13_16"][name] = acc
            print(f"{name}: actors 13-16 {acc:.4f}", flush=True)
    write_report(report, args.report)


if __name__ == "__main__":
    main()
