#!/usr/bin/env python3
"""Train the speech-emotion model on RAVDESS (../shared/data/speech) and export it to ONNX.

Offline build script (not used at run time). Exact command for the committed model (repository root):

    nice -n 15 /tmp/mvenv/bin/python models/build/train_ser.py --data ../shared/data/speech \
        --epochs 30 --threads 1 --seed 0 --norm global --out models/voice/ser_mfcc_cnn_lstm.onnx

(A second run with --norm cmvn --threads 2 scored lower on actors 13-16: 35.4 % vs 37.9 %; see the model card.)

Split (speaker independent): train on actors 01-12, validate on actors 13-16. Fixed epoch count with a
cosine schedule; the last epoch is exported (no checkpoint picked on the validation actors).

The ONNX graph takes raw PCM and computes the features itself, so the runtime needs no DSP code:
  input  `pcm`    float32 [N, 32000]   2.0 s of 16 kHz mono, samples in -1..1 (Int16 / 32768)
  output `probs8` float32 [N, 8]       softmax over RAVDESS classes
                                       neutral, calm, happy, sad, angry, fearful, disgust, surprised
  output `probs7` float32 [N, 7]       the same mass folded to FER order (angry, disgust, fear, happy, sad,
                                       surprise, neutral): calm+neutral -> neutral, fearful -> fear, ...
  output `mfcc`   float32 [N, 40, 197] the 40 MFCCs the classifier sees (before normalisation), for parity
                                       tests: equal to common.librosa_mfcc(): librosa melspectrogram (n_fft 512,
                                       hop 160, win 400 hann, center=False, 40 slaney mels 0-8 kHz, power 2),
                                       power_to_db(amin 1e-10, top_db None), DCT-II ortho, 40 coefficients
"""

import argparse
import json
import time

import numpy as np
import torch
import torch.nn as nn

from common import (
    FOLD8,
    N_MFCC,
    RAVDESS,
    WIN,
    Mfcc,
    classification_metrics,
    export_batched,
    fer_fold,
    librosa_mfcc,
    load,
    speech_region,
    windows,
    write_report,
)


class SerNet(nn.Module):
    """MFCC -> global normalisation -> 1-D CNN -> BiLSTM -> attention pooling -> 8 classes."""

    def __init__(self, hidden=64, ch=96, dropout=0.3, cmvn=False):
        super().__init__()
        self.cmvn = cmvn
        self.mfcc = Mfcc()
        self.register_buffer("mu", torch.zeros(N_MFCC, 1))
        self.register_buffer("sigma", torch.ones(N_MFCC, 1))
        self.cnn = nn.Sequential(
            nn.Conv1d(N_MFCC, ch, 5, padding=2),
            nn.BatchNorm1d(ch),
            nn.ReLU(),
            nn.Conv1d(ch, ch, 5, padding=2),
            nn.BatchNorm1d(ch),
            nn.ReLU(),
            nn.MaxPool1d(2),
            nn.Conv1d(ch, ch, 3, padding=1),
            nn.BatchNorm1d(ch),
            nn.ReLU(),
            nn.MaxPool1d(2),
            nn.Dropout(dropout),
        )
        self.lstm = nn.LSTM(ch, hidden, batch_first=True, bidirectional=True)
        self.att = nn.Linear(2 * hidden, 1)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(2 * hidden, 8))
        self.register_buffer("fold", torch.tensor(fer_fold()))

    def logits(self, feats, spec_aug=False):
        if self.cmvn:
            # per-window cepstral mean and variance normalisation: removes speaker timbre and channel
            x = (feats - feats.mean(dim=2, keepdim=True)) / (feats.std(dim=2, keepdim=True) + 1e-3)
        else:
            x = (feats - self.mu) / self.sigma
        if spec_aug:
            x = spec_augment(x)
        h = self.cnn(x).transpose(1, 2)  # [N, T', ch]
        h, _ = self.lstm(h)
        a = torch.softmax(self.att(h), dim=1)
        return self.head((a * h).sum(1))

    def forward(self, pcm):
        feats = self.mfcc(pcm)
        p8 = torch.softmax(self.logits(feats), dim=1)
        return p8, torch.matmul(p8, self.fold), feats


def spec_augment(x):
    n, c, t = x.shape
    x = x.clone()
    for i in range(n):
        w = int(torch.randint(0, 25, (1,)))
        s = int(torch.randint(0, max(1, t - w), (1,)))
        x[i, :, s : s + w] = 0
        w = int(torch.randint(0, 6, (1,)))
        s = int(torch.randint(1, c - w, (1,)))
        x[i, s : s + w, :] = 0
    return x


def crop(c, rng, train):
    """A 2.0 s window around the speech region; zero padded when the clip is shorter."""
    y, a, b = c["y"], c["a"], c["b"]
    if b - a >= WIN:
        s = rng.randint(a, b - WIN + 1) if train else a + (b - a - WIN) // 2
    else:
        mid = (a + b) // 2
        jitter = rng.randint(-(WIN - (b - a)) // 2, (WIN - (b - a)) // 2 + 1) if train else 0
        s = mid - WIN // 2 + jitter
    out = np.zeros(WIN, dtype=np.float32)
    lo, hi = max(s, 0), min(s + WIN, len(y))
    out[lo - s : hi - s] = y[lo:hi]
    return out


def evaluate(net, clips):
    net.eval()
    probs = []
    with torch.no_grad():
        for c in clips:
            p8, _, _ = net(torch.from_numpy(windows(c)))
            probs.append(p8.mean(0).numpy())
    probs, ys = np.stack(probs), np.array([c["label"] for c in clips])
    p7 = probs @ net.fold.numpy()
    return {**classification_metrics(probs, ys, RAVDESS), "accuracy_fer7": float((p7.argmax(1) == FOLD8[ys]).mean())}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/speech")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument(
        "--norm",
        choices=["cmvn", "global"],
        default="global",
        help="global: training-set statistics (shipped); cmvn: per-window mean/variance normalisation",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="models/voice/ser_mfcc_cnn_lstm.onnx")
    ap.add_argument("--report", default="models/build/out/ser_train.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.RandomState(args.seed)

    clips = load(args.data)
    for c in clips:
        c["a"], c["b"] = speech_region(c["y"])  # the speech region that training crops and evaluation windows keep to
    train = [c for c in clips if c["actor"] <= 12]
    val = [c for c in clips if 13 <= c["actor"] <= 16]
    print(f"{len(clips)} clips: train actors 01-12 {len(train)}, validation actors 13-16 {len(val)}")

    net = SerNet(cmvn=args.norm == "cmvn")
    # parity of the in-graph MFCC with librosa on a real clip
    y = train[0]["y"][:WIN]
    ref = librosa_mfcc(y)
    with torch.no_grad():
        ours = net.mfcc(torch.from_numpy(y)[None])[0].numpy()
    diff = float(np.abs(ours - ref).max())
    print(f"MFCC vs librosa: max|diff| {diff:.2e} (values up to {np.abs(ref).max():.0f})")
    assert diff < 1e-2, diff

    # global feature normalisation from the training actors
    with torch.no_grad():
        f = torch.cat([net.mfcc(torch.from_numpy(crop(c, rng, False))[None]) for c in train])  # [n,40,T]
    net.mu.copy_(f.mean(dim=(0, 2)).unsqueeze(1))
    net.sigma.copy_(f.std(dim=(0, 2)).unsqueeze(1))

    counts = np.bincount([c["label"] for c in train], minlength=8)
    w = torch.tensor(counts.max() / counts, dtype=torch.float32)
    w = w / (w * torch.tensor(counts, dtype=torch.float32)).sum() * counts.sum()
    lossf = nn.CrossEntropyLoss(weight=w, label_smoothing=0.05)
    params = [p for n, p in net.named_parameters()]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=1e-3)
    steps = (len(train) + args.batch - 1) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.epochs * steps, pct_start=0.1)
    log = []
    t0 = time.time()
    for ep in range(args.epochs):
        net.train()
        perm = rng.permutation(len(train))
        tl = 0.0
        for s in range(steps):
            idx = perm[s * args.batch : (s + 1) * args.batch]
            x = np.stack([crop(train[i], rng, True) for i in idx])
            gain = 10 ** (rng.uniform(-12, 6, size=(len(idx), 1)) / 20)
            noise = rng.randn(*x.shape) * (10 ** (rng.uniform(-75, -35, size=(len(idx), 1)) / 20))
            x = np.clip(x * gain + noise, -1, 1).astype(np.float32)
            yb = torch.tensor([train[i]["label"] for i in idx])
            with torch.no_grad():
                feats = net.mfcc(torch.from_numpy(x))
            loss = lossf(net.logits(feats, spec_aug=True), yb)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(params, 5.0)
            opt.step()
            sched.step()
            tl += loss.item()
        entry = {"epoch": ep + 1, "loss": tl / steps}
        if (ep + 1) % 5 == 0 or ep + 1 == args.epochs:
            entry["val"] = evaluate(net, val)["accuracy"]
        log.append(entry)
        val = f"val {entry['val']:.4f}" if "val" in entry else ""
        print(f"epoch {ep + 1} loss {tl / steps:.4f} {val} ({time.time() - t0:.0f}s)", flush=True)
    net.eval()
    report = {
        "mfcc_vs_librosa_max_abs_diff": diff,
        "validation_actors_13_16": evaluate(net, val),
        "train_actors_01_12": evaluate(net, train),
        "log": log,
        "args": vars(args),
        "train_minutes": (time.time() - t0) / 60,
    }
    print(
        "validation (actors 13-16):",
        json.dumps(
            {
                k: v
                for k, v in report["validation_actors_13_16"].items()
                if k in ("n", "accuracy", "macro_f1", "accuracy_fer7")
            }
        ),
    )
    export_batched(net, torch.zeros(1, WIN), args.out, ["pcm"], ["probs8", "probs7", "mfcc"])
    write_report(report, args.report, t0)
    print("wrote", args.out, args.report)


if __name__ == "__main__":
    main()
