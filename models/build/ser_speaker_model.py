"""The shipped speech model's graph (models/voice/ser_speaker_lr.onnx) and what fitting and scoring it needs.

Per 2 s window (the analyzer's): the 40 MFCCs of ser_mfcc_cnn_lstm (the same `Mfcc` front end, so the librosa
parity test holds), their deltas and delta-deltas, and the 40 log-mel bands they came from; mean and std over
the window's speech frames (c0 within 35 dB of the window's loudest frame) -> 320 features; then 7 pitch and
loudness statistics (Prosody) -> 327. Each feature is standardised by the speaker's own statistics, shrunk
toward a population prior by how many of the speaker's windows have been seen:

    mean = (n * speaker_mean + K * prior_mean) / (n + K)
    var  = (n * speaker_var  + K * prior_var ) / (n + K)

then a multinomial logistic regression reads it.

Inputs  pcm [N, 32000] float32 (-1..1), speaker_mean [N, 327], speaker_var [N, 327], speaker_n [N, 1]
Outputs probs8 [N, 8] (RAVDESS order), probs7 [N, 7] (FER order), features [N, 327]

Version 2 (train_ser_speaker.py) and version 3 (train_ser_speaker_cv.py, shipped) fit this same graph.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from common import WIN, Mfcc, export_batched, fer_fold

PRIOR_WINDOWS = 8.0  # K: the prior counts as this many speech windows (~8 s of speech)
# 35 dB below the loudest frame, in c0 units: c0 = sqrt(1/40) * sum over 40 bands of dB = sqrt(40) * mean dB
SPEECH_C0_RANGE = 35.0 * np.sqrt(40.0)


def speech_mask(m):
    """[N, 40, T] MFCC -> [N, 1, T]: 1 for the speech frames (c0 within 35 dB of the window's loudest frame)."""
    c0 = m[:, 0:1, :]
    return (c0 >= c0.amax(dim=2, keepdim=True) - SPEECH_C0_RANGE).float()


def masked_mean_std(x, mask, floor=0.0):
    """[N, C, T] and a [N, 1, T] mask -> [N, 2C]: mean and std over the masked frames (`floor` keeps an empty
    mask finite)."""
    n = mask.sum(dim=2) + floor
    mean = (x * mask).sum(dim=2) / n
    var = (((x - mean.unsqueeze(2)) ** 2) * mask).sum(dim=2) / n
    return torch.cat([mean, torch.sqrt(var + 1e-6)], dim=1)


def linear_head(coef, intercept):
    """A torch Linear holding a fitted linear model's weights (scikit-learn's coef_ and intercept_ layout)."""
    lin = nn.Linear(coef.shape[1], coef.shape[0])
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(coef, dtype=torch.float32))
        lin.bias.copy_(torch.tensor(intercept, dtype=torch.float32))
    return lin


class StatsFeatures(nn.Module):
    """[N, 40, T] MFCC -> [N, 240] masked mean and std of MFCC, delta, delta-delta (HTK regression over +-2 frames)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("k", torch.tensor([-2.0, -1.0, 0.0, 1.0, 2.0]).view(1, 1, 5).repeat(40, 1, 1) / 10.0)

    def delta(self, x):
        return F.conv1d(F.pad(x, (2, 2), mode="replicate"), self.k, groups=40)

    def forward(self, m):
        d1 = self.delta(m)
        d2 = self.delta(d1)
        x = torch.cat([m, d1, d2], dim=1)  # [N, 120, T]
        return masked_mean_std(x, speech_mask(m))


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
        shifted = torch.cat([x[:, :, lag : lag + n] for lag in self.LAGS], 1)  # [N, lags, n]

        blocks = (n - self.FRAME) // self.HOP + self.FRAME // self.HOP  # whole hops the frames cover

        def frame_sum(v):
            # Sums over 160-sample frames every 40 samples: per-hop sums, then 4 neighbouring hops added
            # (ONNX AveragePool with a 160-wide kernel cost 1.5 ms per window).
            hops = v[:, :, : blocks * self.HOP].reshape(v.shape[0], v.shape[1], blocks, self.HOP).sum(3)
            per = self.FRAME // self.HOP
            frames = blocks - per + 1
            return sum(hops[:, :, k : k + frames] for k in range(per))

        energy = frame_sum(head * head)[:, 0]  # [N, T]
        corr = frame_sum(head * shifted) / torch.sqrt(
            energy[:, None] * frame_sum(shifted * shifted) + 1e-9
        )  # [N, lags, T]
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
    """[N, 32000] PCM -> [N, 327]: MFCC/delta/delta-delta statistics, log-mel statistics, prosody (and the MFCCs)."""

    def __init__(self):
        super().__init__()
        self.mfcc = Mfcc()
        self.stats = StatsFeatures()
        self.prosody = Prosody()
        # MFCC -> log-mel: the orthonormal DCT is square (40 x 40), so its transpose inverts it exactly
        self.register_buffer("idct", self.mfcc.dct.t().contiguous())

    def forward(self, pcm):
        m = self.mfcc(pcm)
        logmel = torch.matmul(self.idct, m)
        return torch.cat([self.stats(m), masked_mean_std(logmel, speech_mask(m)), self.prosody(pcm)], dim=1), m


class SpeakerNormLr(nn.Module):
    """The exported graph: window features, speaker-shrunk standardisation, logistic regression, the FER fold."""

    def __init__(self, prior_mean, prior_var, coef, intercept):
        super().__init__()
        self.features = WindowFeatures()
        self.register_buffer("prior_mean", torch.tensor(prior_mean, dtype=torch.float32))
        self.register_buffer("prior_var", torch.tensor(prior_var, dtype=torch.float32))
        self.lin = linear_head(coef, intercept)
        self.register_buffer("fold", torch.tensor(fer_fold()))

    def forward(self, pcm, speaker_mean, speaker_var, speaker_n):
        f, _ = self.features(pcm)
        w = speaker_n / (speaker_n + PRIOR_WINDOWS)  # [N, 1]
        mean = w * speaker_mean + (1 - w) * self.prior_mean
        var = w * speaker_var + (1 - w) * self.prior_var
        p8 = torch.softmax(self.lin((f - mean) / torch.sqrt(var + 1e-6)), dim=1)
        return p8, torch.matmul(p8, self.fold), f


def export_speaker_model(net, n_features, out):
    """Writes the graph with its four inputs and three outputs, the batch axis free."""
    export_batched(
        net,
        (torch.zeros(1, WIN), torch.zeros(1, n_features), torch.ones(1, n_features), torch.zeros(1, 1)),
        out,
        ["pcm", "speaker_mean", "speaker_var", "speaker_n"],
        ["probs8", "probs7", "features"],
    )


# ---------------------------------------------------------------- the same arithmetic in numpy, for fitting and scoring


def normalise(f, mean, var, n, prior):
    """Window features standardised by a speaker's statistics shrunk toward the prior (as SpeakerNormLr does)."""
    w = n / (n + PRIOR_WINDOWS)
    m = w * mean + (1 - w) * prior[0]
    v = w * var + (1 - w) * prior[1]
    return (f - m) / np.sqrt(v + 1e-6)


def speaker_stats(feats):
    """Mean, variance and window count over a speaker's windows (a list of [windows, features] arrays)."""
    X = np.concatenate(feats)
    return X.mean(0), X.var(0), float(len(X))


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


class LinearLr:
    """scikit-learn's LogisticRegression(C, class_weight='balanced', multinomial) objective, solved by torch L-BFGS in
    float32: mean balanced-weighted cross-entropy + ||W||^2 / (2 C n), intercept unpenalised (sklearn scales its
    objective the same way). 20-50x faster than sklearn's float64 solver on the 25,000 augmented windows of a
    fold, which is what makes the nested CV affordable on shared CPUs. Checked on one fold (actors 01-02 held out, C 0.002):
    coefficients within 3e-4 of sklearn's (largest 0.23), window probabilities within 2e-3, same clip accuracy."""

    def __init__(self, C):
        self.C = C

    def fit(self, X, y):
        Xt = torch.tensor(X, dtype=torch.float32)
        yt = torch.tensor(y, dtype=torch.long)
        n, d = Xt.shape
        k = int(yt.max()) + 1
        counts = torch.bincount(yt, minlength=k).float()
        sw = (n / (k * counts))[yt]
        W = torch.zeros(d, k, requires_grad=True)
        b = torch.zeros(k, requires_grad=True)
        opt = torch.optim.LBFGS(
            [W, b],
            lr=1,
            max_iter=300,
            tolerance_grad=1e-5,
            tolerance_change=1e-8,
            history_size=20,
            line_search_fn="strong_wolfe",
        )

        def closure():
            opt.zero_grad()
            loss = (torch.nn.functional.cross_entropy(Xt @ W + b, yt, reduction="none") * sw).sum() / n + (
                W * W
            ).sum() / (2 * self.C * n)
            loss.backward()
            return loss

        opt.step(closure)
        self.coef_ = W.detach().numpy().T.astype(np.float64)
        self.intercept_ = b.detach().numpy().astype(np.float64)
        return self

    def decision_function(self, X):
        return X @ self.coef_.T + self.intercept_
