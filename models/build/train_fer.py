#!/usr/bin/env python3
"""Train the compact FER-2013 expression CNN on ../shared/data/fer-train and export it to ONNX.

Offline build script (not used at run time). Exact command used for the committed model
(from the repository root, in a venv made from the offline wheels, see models/build/README.md):

    nice -n 15 /tmp/mvenv/bin/python models/build/train_fer.py \
        --data ../shared/data/fer-train --eval ../shared/data/fer \
        --epochs 6 --stop-after-epoch 3 --threads 2 --seed 0 --out models/face/fer_cnn48.onnx

Data rules (../shared/data/MANIFEST.md):
  * trains only on fer-train/; every image flagged dup_in_fer_holdout=1 or dup_in_fer_dev=1 is left out
    (703 images), so neither PublicTest (fer/) nor the private holdout leaks into training;
  * early stopping / checkpoint selection on a fixed stratified 10 % of the remaining fer-train images
    (seeded), never on fer/;
  * fer/ (PublicTest) is only evaluated once at the end, for the model card.

Model input  `input`  float32 [N,1,48,48]: grayscale in 0..1 (gray/255), face crop, row-major.
Model output `probs`  float32 [N,7]: softmax in FER order angry, disgust, fear, happy, sad, surprise, neutral.
Per-image standardisation and horizontal-flip test-time averaging are inside the graph.
"""

import argparse
import os
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

from common import FER, classification_metrics, export_batched, read_rows, write_report


def load_dir(root, rows):
    xs = np.zeros((len(rows), 48, 48), dtype=np.uint8)
    for i, r in enumerate(rows):
        im = Image.open(os.path.join(root, r["file"])).convert("L")
        if im.size != (48, 48):
            im = im.resize((48, 48), Image.BILINEAR)
        xs[i] = np.asarray(im, dtype=np.uint8)
    ys = np.array([FER.index(r["label"]) for r in rows], dtype=np.int64)
    return xs, ys


def block(i, o):
    return nn.Sequential(nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True))


class FerCnn(nn.Module):
    """VGG-style compact CNN: 4 stages of two 3x3 convs, global average pooling, linear head."""

    def __init__(self, widths=(16, 32, 64, 128), dropout=0.3):
        super().__init__()
        a, b, c, d = widths
        self.features = nn.Sequential(
            block(1, a),
            block(a, a),
            nn.MaxPool2d(2),
            block(a, b),
            block(b, b),
            nn.MaxPool2d(2),
            block(b, c),
            block(c, c),
            nn.MaxPool2d(2),
            block(c, d),
            block(d, d),
        )
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(d, 7))

    @staticmethod
    def standardise(x):
        # per-image standardisation: robust to camera exposure and contrast
        m = x.mean(dim=(1, 2, 3), keepdim=True)
        s = x.std(dim=(1, 2, 3), keepdim=True)
        return (x - m) / (s + 1e-3)

    def forward(self, x):  # x in 0..1
        return self.head(self.features(self.standardise(x)))


class Exported(nn.Module):
    """Inference graph: average of the softmax for the image and its mirror image."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        p = F.softmax(self.net(x), dim=1) + F.softmax(self.net(torch.flip(x, dims=[3])), dim=1)
        return p * 0.5


def augment(x, g):
    """x: [B,1,48,48] float 0..1. Random affine (rotation ±12°, scale 0.88–1.12, shift ±4 px), flip,
    brightness/contrast jitter. Deterministic for a given generator state."""
    b = x.shape[0]
    ang = (torch.rand(b, generator=g) * 2 - 1) * (12 * np.pi / 180)
    sc = 1 + (torch.rand(b, generator=g) * 2 - 1) * 0.12
    tx = (torch.rand(b, generator=g) * 2 - 1) * (4 / 24)
    ty = (torch.rand(b, generator=g) * 2 - 1) * (4 / 24)
    flip = (torch.rand(b, generator=g) < 0.5).float() * 2 - 1
    cos, sin = torch.cos(ang) / sc, torch.sin(ang) / sc
    theta = torch.stack([torch.stack([cos * flip, -sin, tx], 1), torch.stack([sin * flip, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    y = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    bright = (torch.rand(b, 1, 1, 1, generator=g) * 2 - 1) * 0.15
    contrast = 1 + (torch.rand(b, 1, 1, 1, generator=g) * 2 - 1) * 0.25
    m = y.mean(dim=(1, 2, 3), keepdim=True)
    return ((y - m) * contrast + m + bright).clamp(0, 1)


def evaluate(net, xs, ys, bs=512, tta=True):
    net.eval()
    model = Exported(net) if tta else None
    probs = []
    with torch.no_grad():
        for i in range(0, len(xs), bs):
            x = torch.from_numpy(xs[i : i + bs]).float().unsqueeze(1) / 255.0
            probs.append(model(x) if tta else F.softmax(net(x), 1))
    p = torch.cat(probs).numpy()
    return p, float((p.argmax(1) == ys).mean())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/fer-train")
    ap.add_argument("--eval", default="../shared/data/fer")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--patience", type=int, default=5)
    ap.add_argument("--widths", default="16,32,64,128")
    ap.add_argument("--cache", default="/tmp/fer_cache.npz")
    ap.add_argument("--limit", type=int, default=0, help="smoke test: use only N training images")
    ap.add_argument(
        "--stop-after-epoch",
        type=int,
        default=0,
        help="time box: stop after this epoch (the LR schedule still spans --epochs)",
    )
    ap.add_argument("--export-from", default="", help="skip training: evaluate and export this saved state_dict")
    ap.add_argument("--out", default="models/face/fer_cnn48.onnx")
    ap.add_argument("--report", default="models/build/out/fer_cnn48_train.json")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    random.seed(args.seed)

    rows = read_rows(args.data)
    kept = [r for r in rows if r["dup_in_fer_holdout"] != "1" and r["dup_in_fer_dev"] != "1"]
    print(f"fer-train: {len(rows)} rows, {len(rows) - len(kept)} flagged duplicates left out, {len(kept)} used")
    if os.path.exists(args.cache):
        z = np.load(args.cache)
        xs, ys = z["xs"], z["ys"]
        assert len(xs) == len(kept)
    else:
        xs, ys = load_dir(args.data, kept)
        np.savez(args.cache, xs=xs, ys=ys)

    if args.limit:
        sel = np.random.RandomState(1).permutation(len(ys))[: args.limit]
        xs, ys = xs[sel], ys[sel]
    # fixed stratified 10 % for early stopping
    rng = np.random.RandomState(args.seed)
    val_idx = []
    for c in range(7):
        idx = np.where(ys == c)[0]
        rng.shuffle(idx)
        val_idx.extend(idx[: max(1, int(round(len(idx) * 0.1)))])
    val_mask = np.zeros(len(ys), dtype=bool)
    val_mask[val_idx] = True
    xtr, ytr, xva, yva = xs[~val_mask], ys[~val_mask], xs[val_mask], ys[val_mask]
    counts = np.bincount(ytr, minlength=7)
    # class weights: square-root inverse frequency (disgust ≈ 4x, happy ≈ 0.6x), normalised to mean 1
    w = np.sqrt(counts.max() / counts)
    w = w / (w * counts).sum() * counts.sum()
    print("train", len(ytr), "val", len(yva), "class counts", counts.tolist(), "weights", np.round(w, 2).tolist())

    net = FerCnn(tuple(int(v) for v in args.widths.split(",")))
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=5e-4)
    steps_per_epoch = (len(ytr) + args.batch - 1) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch, pct_start=0.15
    )
    lossf = nn.CrossEntropyLoss(weight=torch.tensor(w, dtype=torch.float32), label_smoothing=0.1)
    g = torch.Generator().manual_seed(args.seed)
    xtr_t = torch.from_numpy(xtr).float().unsqueeze(1) / 255.0
    ytr_t = torch.from_numpy(ytr)
    best, best_state, best_epoch, log = -1.0, None, -1, []
    t0 = time.time()
    last_epoch = min(args.epochs, args.stop_after_epoch or args.epochs)
    if args.export_from:
        best_state, last_epoch = torch.load(args.export_from), 0
        net.load_state_dict(best_state)
        _, best = evaluate(net, xva, yva)
        best_epoch = args.stop_after_epoch or args.epochs
        print(f"loaded {args.export_from}: val {best:.4f}")
    for ep in range(last_epoch):
        net.train()
        perm = torch.randperm(len(ytr), generator=g)
        tl, te = 0.0, time.time()
        for s in range(steps_per_epoch):
            bi = perm[s * args.batch : (s + 1) * args.batch]
            x = augment(xtr_t[bi], g)
            loss = lossf(net(x), ytr_t[bi])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tl += loss.item()
        _, va = evaluate(net, xva, yva)
        log.append({"epoch": ep + 1, "loss": tl / steps_per_epoch, "val_acc": va, "epoch_s": time.time() - te})
        print(
            f"epoch {ep + 1}/{args.epochs} loss {tl / steps_per_epoch:.4f} val(fer-train 10%) {va:.4f} "
            f"{time.time() - te:.0f}s (total {(time.time() - t0) / 60:.1f} min)",
            flush=True,
        )
        if va > best:
            best, best_epoch = va, ep + 1
            best_state = {k: v.clone() for k, v in net.state_dict().items()}
            torch.save(best_state, "/tmp/fer_cnn48_best.pt")
        elif ep + 1 - best_epoch >= args.patience:
            print("early stop")
            break
    net.load_state_dict(best_state)
    net.eval()
    print(f"best epoch {best_epoch}, val {best:.4f}, train time {(time.time() - t0) / 60:.1f} min")

    report = {
        "best_epoch": best_epoch,
        "val_acc_fer_train_10pct": best,
        "log": log,
        "train_minutes": (time.time() - t0) / 60,
        "args": vars(args),
    }
    if args.eval and os.path.exists(os.path.join(args.eval, "labels.csv")):
        erows = read_rows(args.eval)
        ex, ey = load_dir(args.eval, erows)
        p, _ = evaluate(net, ex, ey)
        report["fer_all"] = classification_metrics(p, ey, FER)
        nd = np.array([r.get("dup_in_fer_train") != "1" for r in erows])
        report["fer_without_dup_in_fer_train"] = classification_metrics(p[nd], ey[nd], FER)
        print("fer/ accuracy", report["fer_all"]["accuracy"], "macro-F1", report["fer_all"]["macro_f1"])

    export_batched(Exported(net).eval(), torch.zeros(1, 1, 48, 48), args.out, ["input"], ["probs"])
    write_report(report, args.report)
    print("wrote", args.out, args.report)


if __name__ == "__main__":
    main()
