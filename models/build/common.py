"""What every offline build script shares: labels, data loading, the speech front end (MFCC), ONNX export,
metrics, temperature calibration, training reports and the cv/final command line. Nothing here runs in the server.

Scripts run from the repository root as `python models/build/<script>.py`, so this folder is on sys.path and
`from common import ...` needs nothing else.
"""

import argparse
import csv
import json
import os
import time

import librosa
import numpy as np
import soundfile as sf
import torch
import torch.nn as nn
import torch.nn.functional as F
from scipy.optimize import minimize_scalar

# ---------------------------------------------------------------- labels

FER = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]  # vocabulary/emotions.ts
RAVDESS = ["neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"]  # models/voice/labels.ts
TO_FER = {
    "neutral": "neutral",
    "calm": "neutral",
    "happy": "happy",
    "sad": "sad",
    "angry": "angry",
    "fearful": "fear",
    "disgust": "disgust",
    "surprised": "surprise",
}
FOLD8 = np.array([FER.index(TO_FER[r]) for r in RAVDESS])  # RAVDESS index -> FER index


def fer_fold():
    """[8, 7] matrix folding RAVDESS probabilities into FER order (calm + neutral → neutral)."""
    fold = np.zeros((8, 7), dtype=np.float32)
    for i, r in enumerate(RAVDESS):
        fold[i, FER.index(TO_FER[r])] = 1
    return fold


def fer7(p8):
    """[n, 8] RAVDESS probabilities -> [n, 7] in FER order (the same fold as fer_fold)."""
    out = np.zeros((len(p8), 7))
    for k in range(8):
        out[:, FOLD8[k]] += p8[:, k]
    return out


# ---------------------------------------------------------------- data

SR = 16000
WIN = 32000  # 2.0 s, the analyzer's window
# Speaker-independent CV inside actors 01-12: 2 men and 2 women held out per fold.
FOLDS = [(1, 2, 7, 8), (3, 4, 9, 10), (5, 6, 11, 12)]


def read_rows(root):
    """A data set's labels.csv (../shared/data/*/labels.csv) as dicts."""
    with open(os.path.join(root, "labels.csv"), newline="") as f:
        return list(csv.DictReader(f))


def load(data, actors=None):
    """RAVDESS clips (16 kHz mono, -1..1) of the given actors (all when None): y, label (RAVDESS index), actor, file."""
    clips = []
    for r in read_rows(data):
        if actors is not None and int(r["actor"]) not in actors:
            continue
        y, sr = sf.read(os.path.join(data, r["file"]), dtype="int16")
        assert sr == SR and y.ndim == 1
        y = y.astype(np.float32) / 32768.0
        clips.append({"y": y, "label": RAVDESS.index(r["emotion"]), "actor": int(r["actor"]), "file": r["file"]})
    return clips


def speech_region(y):
    """[a, b): the frames within 35 dB of the clip's peak. Stands in for Silero VAD (the runtime's gate)."""
    _, (a, b) = librosa.effects.trim(y, top_db=35, frame_length=512, hop_length=160)
    return int(a), int(b)


def window_ending(y, e):
    """The analyzer's view: the last 2 s before sample e, zeros before the stream started."""
    out = np.zeros(WIN, dtype=np.float32)
    s = e - WIN
    lo = max(s, 0)
    out[lo - s :] = y[lo:e]
    return out


def eval_windows(y, hop=8000):
    """Like VoiceAnalyzer.analyzeClip: windows ending every 0.5 s and at the clip's end, kept when >= 25 % of the
    window is speech (energy region here, Silero at run time)."""
    a, b = speech_region(y)
    ends = list(range(hop, len(y) + 1, hop))
    if not ends or ends[-1] != len(y):
        ends.append(len(y))
    keep = [e for e in ends if min(e, b) - max(e - WIN, a) >= WIN // 4]
    return np.stack([window_ending(y, e) for e in (keep or [len(y)])])


def windows(c, hop=8000):
    """The MFCC + BiLSTM model's evaluation: every 2 s window starting every 0.5 s that overlaps the clip's speech
    region (c['a'], c['b']); probabilities are averaged over them."""
    y, a, b = c["y"], c["a"], c["b"]
    starts = list(range(max(0, a - WIN // 4), max(1, b - WIN * 3 // 4), hop)) or [max(0, (a + b) // 2 - WIN // 2)]
    out = []
    for s in starts:
        w = np.zeros(WIN, dtype=np.float32)
        seg = y[s : s + WIN]
        w[: len(seg)] = seg
        out.append(w)
    return np.stack(out)


# ---------------------------------------------------------------- MFCC (the speech models' front end)

N_FFT, HOP, WINLEN, N_MELS, N_MFCC = 512, 160, 400, 40, 40


def centred_hann_dft():
    """A WINLEN-point Hann window centred in N_FFT, and the real DFT as conv weights [2·(N_FFT/2+1), 1, N_FFT]."""
    win = np.zeros(N_FFT)
    off = (N_FFT - WINLEN) // 2
    win[off : off + WINLEN] = librosa.filters.get_window("hann", WINLEN, fftbins=True)
    n = np.arange(N_FFT)
    k = np.arange(N_FFT // 2 + 1)[:, None]
    cos = np.cos(2 * np.pi * k * n / N_FFT) * win
    sin = -np.sin(2 * np.pi * k * n / N_FFT) * win
    return win, np.concatenate([cos, sin])[:, None, :]


class Mfcc(nn.Module):
    """librosa-compatible MFCC (center=False) as fixed convolutions: exports to plain ONNX ops."""

    def __init__(self):
        super().__init__()
        _, dft = centred_hann_dft()
        self.register_buffer("dft", torch.tensor(dft, dtype=torch.float32))
        mel = librosa.filters.mel(sr=SR, n_fft=N_FFT, n_mels=N_MELS, fmin=0, fmax=SR / 2)
        self.register_buffer("mel", torch.tensor(mel, dtype=torch.float32))
        dct = np.zeros((N_MFCC, N_MELS))
        for i in range(N_MFCC):
            dct[i] = np.cos(np.pi * i * (2 * np.arange(N_MELS) + 1) / (2 * N_MELS))
        dct[0] *= np.sqrt(1 / N_MELS)
        dct[1:] *= np.sqrt(2 / N_MELS)
        self.register_buffer("dct", torch.tensor(dct, dtype=torch.float32))

    def forward(self, pcm):  # [N, T] -> [N, 40, frames]
        spec = F.conv1d(pcm.unsqueeze(1), self.dft, stride=HOP)  # [N, 2*257, frames]
        re, im = spec[:, : N_FFT // 2 + 1], spec[:, N_FFT // 2 + 1 :]
        power = re * re + im * im
        mel = torch.matmul(self.mel, power)
        logmel = 10.0 * torch.log10(torch.clamp(mel, min=1e-10))
        return torch.matmul(self.dct, logmel)


def librosa_power_mel(y, n_mels=N_MELS):
    """librosa's power mel spectrogram with the front end's STFT framing (the reference for parity tests)."""
    return librosa.feature.melspectrogram(
        y=y,
        sr=SR,
        n_fft=N_FFT,
        hop_length=HOP,
        win_length=WINLEN,
        window="hann",
        center=False,
        power=2.0,
        n_mels=n_mels,
        fmin=0,
        fmax=SR / 2,
        htk=False,
        norm="slaney",
    )


def librosa_mfcc(y):
    """The reference features: librosa's MFCC with the parameters above (no top_db clipping)."""
    mel = librosa_power_mel(y)
    return librosa.feature.mfcc(
        S=librosa.power_to_db(mel, ref=1.0, amin=1e-10, top_db=None), n_mfcc=N_MFCC, dct_type=2, norm="ortho", lifter=0
    )


# ---------------------------------------------------------------- export


def export_batched(net, example, out, input_names, output_names):
    """ONNX (opset 17, legacy exporter) with the batch axis of every input and output left free."""
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    torch.onnx.export(
        net,
        example,
        out,
        input_names=input_names,
        output_names=output_names,
        dynamic_axes={n: {0: "batch"} for n in input_names + output_names},
        opset_version=17,
        dynamo=False,
    )


# ---------------------------------------------------------------- metrics


def classification_metrics(probs, truth, labels, digits=None):
    """Accuracy, macro-F1, per-class recall (rounded to `digits` when given) and the confusion matrix (rows true,
    columns predicted) of one probability row per item."""
    k = len(labels)
    pred = probs.argmax(1)
    cm = np.zeros((k, k), dtype=int)
    for t, q in zip(truth, pred, strict=False):
        cm[t, q] += 1
    rec = cm.diagonal() / np.maximum(cm.sum(1), 1)
    prec = cm.diagonal() / np.maximum(cm.sum(0), 1)
    f1 = np.where(prec + rec > 0, 2 * prec * rec / np.maximum(prec + rec, 1e-12), 0)
    recall = (lambda v: round(float(v), digits)) if digits is not None else float
    return {
        "n": int(len(truth)),
        "accuracy": float((pred == truth).mean()),
        "macro_f1": float(f1.mean()),
        "per_class_recall": {labels[i]: recall(rec[i]) for i in range(k)},
        "confusion": cm.tolist(),
    }


def softmax(z, T=1.0):
    z = z / T
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def ece(probs, truth, bins=10):
    """Expected calibration error: |accuracy - confidence| per confidence bin, weighted by the bin's share."""
    conf = probs.max(1)
    correct = (probs.argmax(1) == truth).astype(float)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for b in range(bins):
        m = (conf > edges[b]) & (conf <= edges[b + 1]) if b else (conf <= edges[1])
        if m.any():
            total += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(total)


# ---------------------------------------------------------------- calibration
# A temperature fit and the report that judges it: kept with the metrics they are built from (softmax, ece),
# apart from any one training script, so a script's protocol (its folds, its model) stays its own business.


def acc(probs, truth):
    return float((probs.argmax(1) == truth).mean())


def fit_temperature(logits, truth):
    def nll(logt):
        p = softmax(logits, np.exp(logt))
        return -np.mean(np.log(p[np.arange(len(truth)), truth] + 1e-12))

    return float(np.exp(minimize_scalar(nll, bounds=(np.log(0.2), np.log(5.0)), method="bounded").x))


def calibration_report(oof, labels, actors, folds):
    """Accuracy per outer fold, and ECE before / after a cross-fitted temperature (window and clip level).

    oof: clip index -> its out-of-fold window logits; folds: the outer folds, each a tuple of actors."""
    idx = sorted(oof)
    a = actors[idx]
    fold_of = np.array([next(k for k, f in enumerate(folds) if x in f) for x in a])
    Ts, win_p_raw, win_p_cal, win_y, clip_raw, clip_cal = [], [], [], [], [], []
    for k in range(len(folds)):
        tr = [i for i, f in zip(idx, fold_of, strict=False) if f != k]
        te = [i for i, f in zip(idx, fold_of, strict=False) if f == k]
        T = fit_temperature(
            np.concatenate([oof[i] for i in tr]), np.concatenate([[labels[i]] * len(oof[i]) for i in tr])
        )
        Ts.append(T)
        for i in te:
            win_p_raw.append(softmax(oof[i]))
            win_p_cal.append(softmax(oof[i], T))
            win_y += [labels[i]] * len(oof[i])
            clip_raw.append(softmax(oof[i]).mean(0))
            clip_cal.append(softmax(oof[i], T).mean(0))
    wr, wc, wy = np.concatenate(win_p_raw), np.concatenate(win_p_cal), np.array(win_y)
    cr = np.stack(clip_raw)
    order = [i for k in range(len(folds)) for i, f in zip(idx, fold_of, strict=False) if f == k]
    yc = labels[order]
    per_fold = [
        acc(
            cr[[j for j, i in enumerate(order) if actors[i] in f]],
            yc[[j for j, i in enumerate(order) if actors[i] in f]],
        )
        for f in folds
    ]
    T_all = fit_temperature(
        np.concatenate([oof[i] for i in idx]), np.concatenate([[labels[i]] * len(oof[i]) for i in idx])
    )
    cm8 = np.zeros((8, 8), int)
    for t, p in zip(yc, cr.argmax(1), strict=False):
        cm8[t, p] += 1
    y7 = FOLD8[yc]
    p7 = fer7(np.stack(clip_cal))
    w7 = fer7(wc)
    cm7w = np.zeros((7, 7), int)
    for t, p in zip(FOLD8[wy], w7.argmax(1), strict=False):
        cm7w[t, p] += 1
    return {
        "clips": len(idx),
        "accuracy_8class": acc(cr, yc),
        "accuracy_fer7": acc(p7, y7),
        "per_fold_accuracy": per_fold,
        "fold_mean": float(np.mean(per_fold)),
        "fold_std": float(np.std(per_fold, ddof=1)),
        "per_class_recall_8": {RAVDESS[c]: float(cm8[c, c] / cm8[c].sum()) for c in range(8)},
        "confusion_8": cm8.tolist(),
        "temperature_cross_fitted": Ts,
        "temperature_all_oof": T_all,
        "ece_window_before": ece(wr, wy),
        "ece_window_after": ece(wc, wy),
        "ece_clip_before": ece(cr, yc),
        "ece_clip_after": ece(np.stack(clip_cal), yc),
        "ece_window_fer7_before": ece(fer7(wr), FOLD8[wy]),
        "ece_window_fer7_after": ece(w7, FOLD8[wy]),
        "window_confusion_fer7": cm7w.tolist(),
    }


# ---------------------------------------------------------------- reports


def write_report(report, path, t0=None):
    """Writes a training log (models/build/out/*.json) when a path was given, with the run time since t0 if given."""
    if t0 is not None:
        report["minutes"] = (time.time() - t0) / 60
    if path:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "w") as f:
            json.dump(report, f, indent=1)


# ---------------------------------------------------------------- command line


def cv_final_cli(default_out):
    """The command line of the statistics + logistic-regression scripts: `cv` picks C, `final` exports."""
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["cv", "final"])
    ap.add_argument("--data", default="../shared/data/speech")
    ap.add_argument("--Cs", default="0.003,0.01,0.03,0.1,0.3")
    ap.add_argument("--C", type=float, default=None)
    ap.add_argument("--out", default=default_out)
    ap.add_argument("--report", default=None)
    return ap
