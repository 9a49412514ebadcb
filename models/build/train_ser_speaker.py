#!/usr/bin/env python3
"""Speech emotion, fourth attempt: window statistics normalised per SPEAKER -> logistic regression (one ONNX graph).

Outcome (2026-11-27), shipped as models/voice/ser_speaker_lr.onnx until 2026-12-07, when version 3
(train_ser_speaker_cv.py: same graph, nested actor-grouped CV over all 16 actors, augmentation) replaced it. Version 2 (with Prosody): CV inside actors 01-12
(online) picked C 0.002 (59.2 %); actors 13-16 through `npm run eval:voice`: 60.4 % online, 61.7 % enrolled, 40.0 %
cold (card: models/voice/ser_speaker_lr.md). Version 1 (without Prosody, C 0.003): CV 57.9 %; 59.2 / 60.4 / 39.6 %.
--train-norm online / both were not better in CV (56.1 / 56.5 %, version 1).

Why: every model tried before lost 5-13 points on new speakers (actors 13-16), because most of what MFCC
statistics vary with is the speaker (vocal tract, habitual pitch and loudness), not the emotion. Standardising
each feature by the speaker's own mean and spread removes that; the classifier then sees how this window
differs from how this person usually sounds. A quick check on utterance statistics (ser_stats_baseline.py's
features, logistic regression) moved 3-fold CV inside actors 01-12 from 47.6 % to 57.6 % and actors 13-16 from
43.3 % to 60.8 % — the largest effect of anything tried.

The runtime cannot know a new speaker's statistics in advance, so the graph takes them as inputs and shrinks
them toward a population prior (the training speakers' average), weighted by how many speech windows the
runtime has seen from that participant:

    mean = (n * speaker_mean + K * prior_mean) / (n + K)
    var  = (n * speaker_var  + K * prior_var ) / (n + K)

n = 0 is the cold start (prior only). VoiceStream keeps speaker_mean/var/n per participant in memory (Welford
over the graph's own `features` output), never on disk: it is a voice summary of a person.

Per 2 s window (the analyzer's): the 40 MFCCs of ser_mfcc_cnn_lstm (same `Mfcc` front end, so the librosa
parity test holds), their deltas and delta-deltas, and the 40 log-mel bands they came from; mean and std over
the window's speech frames (c0 within 35 dB of the window's loudest frame) -> 320 features; then 7 pitch and
loudness statistics (Prosody) -> 327.

Inputs  pcm [N, 32000] float32 (-1..1), speaker_mean [N, 327], speaker_var [N, 327], speaker_n [N, 1]
Outputs probs8 [N, 8] (RAVDESS order), probs7 [N, 7] (FER order), features [N, 327]

Protocols on held-out speakers (every figure is a clip's mean window probability, as analyzeClip):
  online   — the product's case: a speaker's clips in a seeded random order, each window scored with the
             statistics of that speaker's earlier windows, then added to them (cold at the first clip)
  enrolled — statistics from all of that speaker's windows (unlabelled), i.e. after a long session
  cold     — prior only (n = 0), what a participant's first seconds get

    nice -n 15 /tmp/mvenv/bin/python models/build/train_ser_speaker.py cv      # C chosen inside actors 01-12
    nice -n 15 /tmp/mvenv/bin/python models/build/train_ser_speaker.py final --C <best> --out models/voice/ser_speaker_lr.onnx
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, os.path.dirname(__file__))
from train_ser import WIN, Mfcc, export_batched, fer_fold, librosa_mfcc, write_report  # noqa: E402
from train_ser_cnn import FOLDS, eval_windows, load  # noqa: E402
from train_ser_stats import StatsFeatures, cli, linear_head, masked_mean_std, speech_mask  # noqa: E402

PRIOR_WINDOWS = 8.0  # K: the prior counts as this many speech windows (~8 s of speech)
ONLINE_SEED = 0


class Prosody(nn.Module):
    """[N, 32000] PCM -> [N, 7] pitch and loudness statistics, which MFCCs barely carry.

    Pitch by normalised autocorrelation at 4 kHz (4-sample averaging as a crude anti-alias filter): 40 ms frames every
    10 ms, lags 8..50 samples (500..80 Hz). Per frame: voicing = the highest normalised correlation, F0 = 4000 /
    its lag (in octaves, log2). Speech frames are those within 35 dB of the window's loudest (as speech_mask);
    voiced ones also have voicing > 0.6. Features: voicing mean and std over speech frames, log2 F0 mean and std
    and mean absolute frame-to-frame change over voiced frames, the voiced share of speech frames, and the std of
    frame log-energy. All of it is plain ONNX ops (slices, products, sums, ReduceMax/ArgMax)."""

    LAGS = range(8, 51)
    SPEECH_DB = 35.0
    FRAME, HOP, DOWN = 160, 40, 4

    def forward(self, pcm):
        x = F.avg_pool1d(pcm.unsqueeze(1), self.DOWN)
        x = x - x.mean(dim=2, keepdim=True)
        # Lagged products of the whole signal, then summed over each frame by pooling: far cheaper than
        # cutting frames out first (a 210-tap framing convolution cost 4 ms per window).
        n = x.shape[2] - self.LAGS[-1]
        head = x[:, :, :n]
        shifted = torch.cat([x[:, :, lag:lag + n] for lag in self.LAGS], 1)  # [N, lags, n]

        blocks = (n - self.FRAME) // self.HOP + self.FRAME // self.HOP  # whole hops the frames cover

        def frame_sum(v):
            # Sums over 160-sample frames every 40 samples: per-hop sums, then 4 neighbouring hops added
            # (ONNX AveragePool with a 160-wide kernel cost 1.5 ms per window).
            hops = v[:, :, :blocks * self.HOP].reshape(v.shape[0], v.shape[1], blocks, self.HOP).sum(3)
            per = self.FRAME // self.HOP
            frames = blocks - per + 1
            return sum(hops[:, :, k:k + frames] for k in range(per))

        energy = frame_sum(head * head)[:, 0]  # [N, T]
        corr = frame_sum(head * shifted) / torch.sqrt(energy[:, None] * frame_sum(shifted * shifted) + 1e-9)  # [N, lags, T]
        voicing, best = corr.max(1)
        f0 = torch.log2(4000.0 / (best.float() + self.LAGS[0]))
        log_energy = torch.log10(energy + 1e-9)
        speech = (log_energy >= log_energy.amax(1, keepdim=True) - self.SPEECH_DB / 10).float()
        voiced = speech * (voicing > 0.6).float()

        def mean_std(v, mask, floor=0.0):  # [N, T] -> two [N]
            return masked_mean_std(v[:, None], mask[:, None], floor).unbind(1)

        v_mean, v_std = mean_std(voicing, speech)
        f_mean, f_std = mean_std(f0, voiced, 1e-3)
        both = voiced[:, 1:] * voiced[:, :-1]
        f_change = ((f0[:, 1:] - f0[:, :-1]).abs().clamp(max=0.5) * both).sum(1) / (both.sum(1) + 1e-3)
        voiced_share = voiced.sum(1) / speech.sum(1)
        _, e_std = mean_std(log_energy, speech)
        return torch.stack([v_mean, v_std, f_mean, f_std, f_change, voiced_share, e_std], 1)


class WindowFeatures(nn.Module):
    """[N, 32000] PCM -> [N, 327]: MFCC/delta/delta-delta statistics (train_ser_stats), log-mel statistics, prosody."""

    def __init__(self):
        super().__init__()
        self.mfcc = Mfcc()
        self.stats = StatsFeatures()
        self.prosody = Prosody()
        # MFCC -> log-mel: the orthonormal DCT is square (40 x 40), so its transpose inverts it exactly
        self.register_buffer('idct', self.mfcc.dct.t().contiguous())

    def forward(self, pcm):
        m = self.mfcc(pcm)
        logmel = torch.matmul(self.idct, m)
        return torch.cat([self.stats(m), masked_mean_std(logmel, speech_mask(m)), self.prosody(pcm)], dim=1), m


class SpeakerNormLr(nn.Module):
    def __init__(self, prior_mean, prior_var, coef, intercept):
        super().__init__()
        self.features = WindowFeatures()
        self.register_buffer('prior_mean', torch.tensor(prior_mean, dtype=torch.float32))
        self.register_buffer('prior_var', torch.tensor(prior_var, dtype=torch.float32))
        self.lin = linear_head(coef, intercept)
        self.register_buffer('fold', torch.tensor(fer_fold()))

    def forward(self, pcm, speaker_mean, speaker_var, speaker_n):
        f, _ = self.features(pcm)
        w = speaker_n / (speaker_n + PRIOR_WINDOWS)  # [N, 1]
        mean = w * speaker_mean + (1 - w) * self.prior_mean
        var = w * speaker_var + (1 - w) * self.prior_var
        p8 = torch.softmax(self.lin((f - mean) / torch.sqrt(var + 1e-6)), dim=1)
        return p8, torch.matmul(p8, self.fold), f


def clip_features(clips, feat):
    with torch.no_grad():
        return [feat(torch.from_numpy(eval_windows(c['y'])))[0].numpy().astype(np.float64) for c in clips]


def normalise(f, mean, var, n, prior):
    w = n / (n + PRIOR_WINDOWS)
    m = w * mean + (1 - w) * prior[0]
    v = w * var + (1 - w) * prior[1]
    return (f - m) / np.sqrt(v + 1e-6)


def speaker_stats(feats):
    X = np.concatenate(feats)
    return X.mean(0), X.var(0), float(len(X))


def prior_of(feats, actors):
    per = [speaker_stats([f for f, a in zip(feats, actors) if a == s]) for s in sorted(set(actors))]
    return np.mean([p[0] for p in per], 0), np.mean([p[1] for p in per], 0)


def training_matrix(feats, labels, actors, prior, train_norm):
    """Training windows normalised by their speaker's full statistics ('full'), or as the runtime would see
    them in one seeded random pass over the speaker's clips ('online'), or both (each window twice)."""
    X, y = [], []
    for s in sorted(set(actors)):
        idx = [i for i, a in enumerate(actors) if a == s]
        if train_norm in ('full', 'both'):
            mean, var, n = speaker_stats([feats[i] for i in idx])
            for i in idx:
                X.append(normalise(feats[i], mean, var, n, prior))
                y += [labels[i]] * len(feats[i])
        if train_norm in ('online', 'both'):
            w = Welford(feats[0].shape[1])
            for i in np.random.default_rng(1000 + s).permutation(idx):
                for x in feats[i]:
                    X.append(normalise(x[None], w.mean, w.var, float(w.n), prior))
                    y.append(labels[i])
                    w.add(x)
    return np.concatenate(X), np.array(y)


TRAIN_NORM = {'mode': 'full'}


def fit(feats, labels, actors, C):
    prior = prior_of(feats, actors)
    X, y = training_matrix(feats, labels, actors, prior, TRAIN_NORM['mode'])
    return prior, LogisticRegression(C=C, max_iter=5000, class_weight='balanced').fit(X, y)


class Welford:
    """The runtime's per-participant statistics (VoiceStream's SpeakerProfile does the same)."""

    def __init__(self, dim):
        self.n, self.mean, self.m2 = 0, np.zeros(dim), np.zeros(dim)

    def add(self, x):
        self.n += 1
        d = x - self.mean
        self.mean += d / self.n
        self.m2 += d * (x - self.mean)

    @property
    def var(self):
        return self.m2 / self.n if self.n else np.zeros_like(self.mean)


def predict(prior, lr, feats, actors, protocol):
    """Clip probabilities [clips, 8] under a protocol (see the module docstring)."""
    out = [None] * len(feats)
    for s in sorted(set(actors)):
        idx = [i for i, a in enumerate(actors) if a == s]
        if protocol == 'enrolled':
            mean, var, n = speaker_stats([feats[i] for i in idx])
            for i in idx:
                out[i] = lr.predict_proba(normalise(feats[i], mean, var, n, prior)).mean(0)
        elif protocol == 'cold':
            for i in idx:
                out[i] = lr.predict_proba(normalise(feats[i], 0, 0, 0.0, prior)).mean(0)
        else:
            order = np.random.default_rng(ONLINE_SEED + s).permutation(idx)
            w = Welford(feats[0].shape[1])
            for i in order:
                ps = []
                for x in feats[i]:
                    ps.append(lr.predict_proba(normalise(x[None], w.mean, w.var, float(w.n), prior))[0])
                    w.add(x)
                out[i] = np.mean(ps, 0)
    return np.stack(out)


def main():
    ap = cli('models/voice/ser_speaker_lr.onnx')
    ap.add_argument('--train-norm', choices=['full', 'online', 'both'], default='full')
    args = ap.parse_args()
    TRAIN_NORM['mode'] = args.train_norm
    torch.set_num_threads(1)
    t0 = time.time()
    feat = WindowFeatures()
    report = {'args': vars(args), 'prior_windows': PRIOR_WINDOWS}
    protocols = ('online', 'enrolled', 'cold')
    if args.mode == 'cv':
        clips = load(args.data, set(range(1, 13)))
        feats = clip_features(clips, feat)
        labels = np.array([c['label'] for c in clips])
        actors = [c['actor'] for c in clips]
        print(f'features {time.time() - t0:.0f}s', flush=True)
        report['cv_actors_01_12'] = {}
        for C in map(float, args.Cs.split(',')):
            correct = {p: 0 for p in protocols}
            for held in FOLDS:
                tr = [i for i in range(len(clips)) if actors[i] not in held]
                te = [i for i in range(len(clips)) if actors[i] in held]
                prior, lr = fit([feats[i] for i in tr], labels[tr], [actors[i] for i in tr], C)
                for p in protocols:
                    pred = predict(prior, lr, [feats[i] for i in te], [actors[i] for i in te], p).argmax(1)
                    correct[p] += int((pred == labels[te]).sum())
            report['cv_actors_01_12'][str(C)] = {p: correct[p] / len(clips) for p in protocols}
            print(f'C {C}: CV ' + '  '.join(f'{p} {correct[p] / len(clips):.4f}' for p in protocols), flush=True)
    else:
        clips = load(args.data, set(range(1, 17)))
        train = [c for c in clips if c['actor'] <= 12]
        val = [c for c in clips if c['actor'] >= 13]
        ftr = clip_features(train, feat)
        ytr = np.array([c['label'] for c in train])
        prior, lr = fit(ftr, ytr, [c['actor'] for c in train], args.C)
        net = SpeakerNormLr(prior[0], prior[1], lr.coef_, lr.intercept_).eval()
        fva = clip_features(val, feat)
        yv = np.array([c['label'] for c in val])
        av = [c['actor'] for c in val]
        report['train_actors_01_12_enrolled'] = float((predict(prior, lr, ftr, [c['actor'] for c in train], 'enrolled').argmax(1) == ytr).mean())
        for p in protocols:
            report[f'validation_actors_13_16_{p}'] = float((predict(prior, lr, fva, av, p).argmax(1) == yv).mean())
        # the exported graph against sklearn, with a non-trivial speaker state
        mean, var, n = speaker_stats(fva[:10])
        w = np.array([[n]], dtype=np.float32)
        with torch.no_grad():
            x = torch.from_numpy(eval_windows(val[3]['y']))
            k = x.shape[0]
            pt = net(x, torch.tensor(mean, dtype=torch.float32).repeat(k, 1), torch.tensor(var, dtype=torch.float32).repeat(k, 1),
                     torch.from_numpy(w).repeat(k, 1))[0].numpy()
        ps = lr.predict_proba(normalise(fva[3], mean, var, n, prior))
        report['torch_vs_sklearn_max_abs_diff'] = float(np.abs(pt - ps).max())
        y = val[0]['y'][8000:8000 + WIN]
        with torch.no_grad():
            report['mfcc_vs_librosa_max_abs_diff'] = float(np.abs(net.features.mfcc(torch.from_numpy(y)[None])[0].numpy() - librosa_mfcc(y)).max())
        print(json.dumps(report), flush=True)
        F = lr.coef_.shape[1]
        export_batched(net, (torch.zeros(1, WIN), torch.zeros(1, F), torch.ones(1, F), torch.zeros(1, 1)), args.out,
                       ['pcm', 'speaker_mean', 'speaker_var', 'speaker_n'], ['probs8', 'probs7', 'features'])
        print('wrote', args.out)
    write_report(report, args.report, t0)


if __name__ == '__main__':
    main()
