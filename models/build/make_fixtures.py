#!/usr/bin/env python3
"""Pick the committed test fixtures and write the training-pipeline references the TypeScript tests
compare against (models/fixtures/).

    /tmp/mvenv/bin/python models/build/make_fixtures.py --fer ../shared/data/fer --speech ../shared/data/speech

Face: FER-2013 PublicTest images (validation split, never trained on; not flagged dup_in_fer_train), the
most confident correct ones of a few classes for the shipped classifier. Their bytes are copied unchanged.
reference.json holds, per image, the grayscale pixels exactly as the training script reads them (PIL,
'L') and the classifier's probabilities from onnxruntime in Python on that input.
Voice: RAVDESS clips of held-out actors (13-16) that the model gets right with the most confidence,
copied unchanged; plus librosa's MFCC (the features the model was trained on) of one 2 s window and the
model's probabilities for it. `--only speaker`: seven more clips of actor 14 (voice/speaker14/) for the
speaker-adaptive model, and its torch features and probabilities for that window (speaker_reference.json).
FER-2013 and RAVDESS terms: research use; RAVDESS is CC BY-NC-SA 4.0 (Livingstone & Russo 2018).
"""

import argparse
import json
import os
import shutil

import numpy as np
import onnxruntime as ort
import soundfile as sf
from PIL import Image

from common import FER, RAVDESS, WIN, librosa_mfcc, read_rows, speech_region, windows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fer", default="../shared/data/fer")
    ap.add_argument("--speech", default="../shared/data/speech")
    ap.add_argument("--classifier", default="models/face/fer_cnn48.onnx")
    ap.add_argument("--size", type=int, default=48)
    ap.add_argument("--classes", default="happy,surprise,neutral,angry,sad")
    ap.add_argument("--per-class", type=int, default=3)
    ap.add_argument("--out", default="models/fixtures")
    ap.add_argument("--only", choices=["face", "voice", "speaker", "both"], default="both")
    args = ap.parse_args()

    face_dir = os.path.join(args.out, "face")
    voice_dir = os.path.join(args.out, "voice")
    os.makedirs(face_dir, exist_ok=True)
    os.makedirs(voice_dir, exist_ok=True)

    if args.only in ("face", "both"):
        make_face(args, face_dir)
    if args.only in ("voice", "both"):
        make_voice(args, voice_dir)
    if args.only in ("speaker", "both"):
        make_speaker(args, voice_dir)


def make_face(args, face_dir):
    sess = ort.InferenceSession(args.classifier)
    rows = [r for r in read_rows(args.fer) if r["dup_in_fer_train"] != "1" and r["dup_within_test"] in ("", "0")]
    face = {"classifier": os.path.basename(args.classifier), "size": args.size, "images": []}
    for cls in args.classes.split(","):
        cand = [r for r in rows if r["label"] == cls]
        px = [np.asarray(Image.open(os.path.join(args.fer, r["file"])).convert("L"), dtype=np.uint8) for r in cand]
        x = (
            np.stack(
                [
                    np.asarray(Image.fromarray(p).resize((args.size, args.size), Image.BILINEAR))
                    if p.shape[0] != args.size
                    else p
                    for p in px
                ]
            ).astype(np.float32)[:, None]
            / 255.0
        )
        probs = sess.run(None, {"input": x})[0]
        conf = probs[:, FER.index(cls)]
        order = np.argsort(-conf)
        correct = [int(i) for i in order if probs[i].argmax() == FER.index(cls)]
        # confident but not the very easiest: skip the 5 most confident
        for i in correct[5 : 5 + args.per_class] if len(correct) >= 5 + args.per_class else correct[: args.per_class]:
            name = f"{cls}_{os.path.basename(cand[i]['file'])}"
            shutil.copyfile(os.path.join(args.fer, cand[i]["file"]), os.path.join(face_dir, name))
            face["images"].append(
                {
                    "file": name,
                    "label": cls,
                    "source": cand[i]["file"],
                    "pixels": px[i].reshape(-1).tolist(),
                    "width": int(px[i].shape[1]),
                    "height": int(px[i].shape[0]),
                    "probs": [round(float(v), 6) for v in probs[i]],
                }
            )
    json.dump(face, open(os.path.join(face_dir, "reference.json"), "w"))
    print("face fixtures", [(i["file"], max(i["probs"])) for i in face["images"]])


def make_voice(args, voice_dir):
    ser = ort.InferenceSession("models/voice/ser_mfcc_cnn_lstm.onnx")
    srows = [r for r in read_rows(args.speech) if 13 <= int(r["actor"]) <= 16]
    best = {}
    for r in srows:
        y, sr = sf.read(os.path.join(args.speech, r["file"]), dtype="int16")
        yf = y.astype(np.float32) / 32768
        a, b = speech_region(yf)
        p = ser.run(["probs8"], {"pcm": windows({"y": yf, "a": a, "b": b})})[0].mean(0)
        t = RAVDESS.index(r["emotion"])
        if p.argmax() == t and p[t] > best.get(r["emotion"], (0,))[0]:
            best[r["emotion"]] = (float(p[t]), r, yf)
    voice = {"clips": []}
    for emo in ("angry", "sad", "happy", "calm"):
        if emo not in best:
            continue
        conf, r, yf = best[emo]
        name = f"{emo}_{os.path.basename(r['file'])}"
        shutil.copyfile(os.path.join(args.speech, r["file"]), os.path.join(voice_dir, name))
        voice["clips"].append(
            {"file": name, "emotion": emo, "source": r["file"], "python_clip_confidence": round(conf, 4)}
        )
        if len(voice["clips"]) == 2:
            break
    # MFCC + probabilities reference on one window of the first clip
    first = voice["clips"][0]
    y, _ = sf.read(os.path.join(voice_dir, first["file"]), dtype="int16")
    start = 8000
    w = y[start : start + WIN].astype(np.float32) / 32768
    ref = librosa_mfcc(w)
    p8 = ser.run(["probs8"], {"pcm": w[None]})[0][0]
    voice["window"] = {
        "file": first["file"],
        "start": start,
        "length": WIN,
        "mfcc_shape": list(ref.shape),
        "mfcc": np.round(ref, 4).reshape(-1).tolist(),
        "probs8": [round(float(v), 6) for v in p8],
    }
    json.dump(voice, open(os.path.join(voice_dir, "reference.json"), "w"))
    print("voice fixtures", [(c["file"], c["python_clip_confidence"]) for c in voice["clips"]])


# Actor 14's clips of statement 2 ("Dogs are sitting by the door"), every emotion but sad: the voice the
# speaker-adaptive model learns before it scores the sad fixture (actor 14, statement 1). Held-out actor.
SPEAKER_CLIPS = [f"ravdess/Actor_14/03-01-{e:02d}-01-02-01-14.wav" for e in (1, 2, 3, 5, 6, 7, 8)]


def make_speaker(args, voice_dir):
    """Profile clips for the speaker-adaptive model and its training-pipeline references (speaker_reference.json):
    the torch features of one window and the graph's probabilities for it, cold and against a fixed profile."""
    import torch

    from ser_speaker_model import WindowFeatures  # the shipped graph's feature front end

    sess = ort.InferenceSession("models/voice/ser_speaker_lr.onnx")
    out_dir = os.path.join(voice_dir, "speaker14")
    os.makedirs(out_dir, exist_ok=True)
    for f in SPEAKER_CLIPS:
        shutil.copyfile(os.path.join(args.speech, f), os.path.join(out_dir, os.path.basename(f)))
    ref = json.load(open(os.path.join(voice_dir, "reference.json")))
    w = ref["window"]
    y, _ = sf.read(os.path.join(voice_dir, w["file"]), dtype="int16")
    pcm = (y[w["start"] : w["start"] + w["length"]].astype(np.float32) / 32768)[None]
    with torch.no_grad():
        feats = WindowFeatures()(torch.from_numpy(pcm))[0][0].numpy()
    dim = feats.shape[0]
    rng = np.random.default_rng(0)
    mean = (feats + rng.normal(0, 1, dim)).astype(np.float32)  # a profile near this voice
    var = (np.abs(feats) * 0.05 + 1).astype(np.float32)
    cold = sess.run(
        ["probs8"],
        {
            "pcm": pcm,
            "speaker_mean": np.zeros((1, dim), np.float32),
            "speaker_var": np.zeros((1, dim), np.float32),
            "speaker_n": np.zeros((1, 1), np.float32),
        },
    )[0][0]
    warm = sess.run(
        ["probs8"],
        {
            "pcm": pcm,
            "speaker_mean": mean[None],
            "speaker_var": var[None],
            "speaker_n": np.full((1, 1), 20, np.float32),
        },
    )[0][0]
    json.dump(
        {
            "profile_clips": [os.path.basename(f) for f in SPEAKER_CLIPS],
            "window": {k: w[k] for k in ("file", "start", "length")},
            "features": np.round(feats, 5).tolist(),
            "profile": {"mean": mean.tolist(), "variance": var.tolist(), "windows": 20},
            "probs8_cold": [round(float(v), 6) for v in cold],
            "probs8_profile": [round(float(v), 6) for v in warm],
        },
        open(os.path.join(voice_dir, "speaker_reference.json"), "w"),
    )
    print("speaker fixtures", len(SPEAKER_CLIPS), "clips; cold", cold.round(3), "profile", warm.round(3))


if __name__ == "__main__":
    main()
