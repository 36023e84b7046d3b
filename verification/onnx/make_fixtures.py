"""Writes the ONNX fixtures of tests/import_onnx.rs, laid out as torch.onnx.export lays out
the same PyTorch modules (opset 17: Conv, BatchNormalization, Relu, MaxPool, Flatten, Gemm),
with weights fitted here with numpy on potmac's digits training split, and onnxruntime's
outputs recorded as the independent reference.

- digits_mlp.onnx: Flatten, Gemm (transB=1), Relu, MatMul + Add (a 64-32-10 MLP trained with
  numpy); digits_mlp_ext.onnx + digits_mlp_ext.onnx.data: the same model with every
  initializer in an external data file.
- digits_cnn_bn.onnx: two stages of Conv 3x3 (pads 1) + BatchNormalization + Relu + MaxPool
  2x2, then Flatten and Gemm. The convolutions are random (seeded), the BatchNorm statistics
  are those of the training images (one channel's gamma is negative), the Gemm is a ridge
  fit of the features.
- digits_mlp_norm.onnx: an MLP trained on (x - 0.3) / 0.1 of the pixels, the case of
  `--input-norm 0.3,0.1`.
- digits_mlp_norm_graph.onnx: the same MLP with its normalization in the graph (`Sub`,
  `Div` of the input, as torch.onnx.export writes `(x - mean) / std` in `forward`).
- digits_mlp_qonnx.onnx: the MLP as Brevitas exports a quantized one to QONNX: float
  initializers through `Quant` nodes (domain qonnx.custom_op.general). Layer 1's 8-bit
  integers are 0 or powers of two (its weights rounded to them in the log domain), layer 2's
  are 4-bit narrow-range integers (-7..7); the input passes a 5-bit unsigned `Quant` of step
  1/16, exact on the digits' count/16 pixels.
- digits_mlp_qcdq.onnx: the same weights in QCDQ form: layer 1 an int8 initializer through
  `DequantizeLinear`, layer 2 `QuantizeLinear`, `Clip` to -7..7, `DequantizeLinear`; the
  input `QuantizeLinear` / `DequantizeLinear` of step 1/16.
- digits_mlp_apot.onnx: the MLP with its weights on additive power-of-two grids, plain float
  initializers (no quantizer nodes): layer 1 rounded to the levels of potmac's apot:5, layer 2
  to those of apot:4 (src/quant/apot.rs: one power of two or none from each base set, summed),
  each times one f32 scale (max|W| / the largest level) and multiplied in f32, as a
  dequantization does.

fixtures.json records, per model, onnxruntime's logits of the first 16 test images and its
count of correct test predictions (inputs are pixels count/16, normalized for the last model).
The split is potmac's (src/train/data.rs): SplitMix64 Fisher-Yates permutation (seed 1797) of
the 1,797 rows of data/digits/digits.csv.gz; the first 1,437 train, the other 360 test.

Run (needs numpy, onnx, onnxruntime): python3 verification/onnx/make_fixtures.py
"""

import gzip
import json
import pathlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

M64 = (1 << 64) - 1
HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
NORM = (0.3, 0.1)


def permutation(n, seed=1797):
    state = seed & M64

    def next_u64():
        nonlocal state
        state = (state + 0x9E3779B97F4A7C15) & M64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def below(m):
        zone = M64 - (M64 % m)
        while True:
            r = next_u64()
            if r < zone:
                return r % m

    p = list(range(n))
    for i in range(n - 1, 0, -1):
        j = below(i + 1)
        p[i], p[j] = p[j], p[i]
    return p


def digits():
    rows = [
        [float(v) for v in line.split(",")]
        for line in gzip.open(ROOT / "data/digits/digits.csv.gz", "rt")
        if line.strip()
    ]
    data = np.array(rows, dtype=np.float64)
    perm = permutation(len(rows))
    x = (data[:, :64] / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    y = data[:, 64].astype(np.int64)
    tr, te = perm[:1437], perm[1437:]
    return x[tr], y[tr], x[te], y[te]


def init(name, a):
    return numpy_helper.from_array(np.asarray(a, dtype=np.float32), name)


def model(nodes, inits, out_dims, out_name="output", domains=()):
    inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 1, 8, 8])
    out = helper.make_tensor_value_info(out_name, TensorProto.FLOAT, ["batch"] + out_dims)
    g = helper.make_graph(nodes, "main_graph", [inp], [out], inits)
    opsets = [helper.make_opsetid("", 17)] + [helper.make_opsetid(d, 1) for d in domains]
    m = helper.make_model(g, opset_imports=opsets)
    m.producer_name = "potmac verification/onnx/make_fixtures.py"
    onnx.checker.check_model(m)
    return m


def run(m, x):
    # Imported here, not at the top: make_torch_fixtures.py imports digits() and NORM from
    # this file in a venv with no onnxruntime.
    import onnxruntime as ort

    s = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    return s.run(None, {"input": x})[0]


def train_mlp(x, y, hidden=32, steps=400, seed=0):
    """Full-batch Adam on softmax cross-entropy, float64."""
    r = np.random.default_rng(seed)
    x = x.reshape(len(x), -1).astype(np.float64)
    p = [
        r.normal(0, np.sqrt(2 / 64), (hidden, 64)),
        np.zeros(hidden),
        r.normal(0, np.sqrt(2 / hidden), (10, hidden)),
        np.zeros(10),
    ]
    m = [np.zeros_like(v) for v in p]
    v2 = [np.zeros_like(v) for v in p]
    onehot = np.eye(10)[y]
    for t in range(1, steps + 1):
        h = np.maximum(x @ p[0].T + p[1], 0)
        z = h @ p[2].T + p[3]
        e = np.exp(z - z.max(1, keepdims=True))
        dz = (e / e.sum(1, keepdims=True) - onehot) / len(x)
        dh = (dz @ p[2]) * (h > 0)
        grads = [dh.T @ x, dh.sum(0), dz.T @ h, dz.sum(0)]
        for i, gr in enumerate(grads):
            m[i] = 0.9 * m[i] + 0.1 * gr
            v2[i] = 0.999 * v2[i] + 0.001 * gr * gr
            p[i] -= 0.01 * (m[i] / (1 - 0.9**t)) / (np.sqrt(v2[i] / (1 - 0.999**t)) + 1e-8)
    return p


def mlp_model(p):
    nodes = [
        helper.make_node("Flatten", ["input"], ["/0/Flatten_output_0"], "/0/Flatten", axis=1),
        helper.make_node(
            "Gemm", ["/0/Flatten_output_0", "1.weight", "1.bias"], ["/1/Gemm_output_0"],
            "/1/Gemm", alpha=1.0, beta=1.0, transB=1,
        ),
        helper.make_node("Relu", ["/1/Gemm_output_0"], ["/2/Relu_output_0"], "/2/Relu"),
        helper.make_node("MatMul", ["/2/Relu_output_0", "3.weight_t"], ["/3/MatMul_output_0"], "/3/MatMul"),
        helper.make_node("Add", ["/3/MatMul_output_0", "3.bias"], ["output"], "/3/Add"),
    ]
    inits = [init("1.weight", p[0]), init("1.bias", p[1]), init("3.weight_t", p[2].T), init("3.bias", p[3])]
    return model(nodes, inits, [10])


def conv_block(i, src, cin, cout, r, bias):
    w = r.normal(0, np.sqrt(2 / (cin * 9)), (cout, cin, 3, 3))
    inits = [init(f"conv{i}.weight", w)]
    ins = [src, f"conv{i}.weight"]
    if bias:
        inits.append(init(f"conv{i}.bias", r.normal(0, 0.1, cout)))
        ins.append(f"conv{i}.bias")
    conv = helper.make_node(
        "Conv", ins, [f"/conv{i}/Conv_output_0"], f"/conv{i}/Conv",
        dilations=[1, 1], group=1, kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1],
    )
    return conv, inits


def cnn_model(xtr, ytr):
    r = np.random.default_rng(7)
    nodes, inits, src, cin = [], [], "input", 1
    for i, (cout, bias) in enumerate([(8, True), (16, False)], start=1):
        conv, ci = conv_block(i, src, cin, cout, r, bias)
        nodes.append(conv)
        inits += ci
        # BatchNorm statistics of the training images at this point (eval-mode BN).
        side = 8 >> (i - 1)
        probe = model(nodes, inits, [cout, side, side], conv.output[0])
        z = run(probe, xtr).astype(np.float64)
        mean, var = z.mean((0, 2, 3)), z.var((0, 2, 3))
        gamma = r.uniform(0.5, 1.5, cout)
        if i == 1:
            gamma[3] = -gamma[3]
        beta = r.normal(0, 0.2, cout)
        inits += [init(f"bn{i}.{k}", v) for k, v in
                  [("weight", gamma), ("bias", beta), ("running_mean", mean), ("running_var", var)]]
        nodes += [
            helper.make_node(
                "BatchNormalization",
                [conv.output[0]] + [f"bn{i}.{k}" for k in ["weight", "bias", "running_mean", "running_var"]],
                [f"/bn{i}/BatchNormalization_output_0"], f"/bn{i}/BatchNormalization",
                epsilon=1e-5, momentum=0.9,
            ),
            helper.make_node("Relu", [f"/bn{i}/BatchNormalization_output_0"], [f"/relu{i}/Relu_output_0"], f"/relu{i}/Relu"),
            helper.make_node(
                "MaxPool", [f"/relu{i}/Relu_output_0"], [f"/pool{i}/MaxPool_output_0"], f"/pool{i}/MaxPool",
                ceil_mode=0, kernel_shape=[2, 2], pads=[0, 0, 0, 0], strides=[2, 2],
            ),
        ]
        src, cin = f"/pool{i}/MaxPool_output_0", cout
    nodes.append(helper.make_node("Flatten", [src], ["/flatten/Flatten_output_0"], "/flatten/Flatten", axis=1))
    probe = model(nodes, inits, [64], "/flatten/Flatten_output_0")
    f = run(probe, xtr).astype(np.float64)
    fa = np.hstack([f, np.ones((len(f), 1))])
    target = np.eye(10)[ytr] * 2 - 1
    sol = np.linalg.solve(fa.T @ fa + 1e-2 * np.eye(fa.shape[1]), fa.T @ target)
    inits += [init("fc.weight", sol[:-1].T), init("fc.bias", sol[-1])]
    nodes.append(helper.make_node(
        "Gemm", ["/flatten/Flatten_output_0", "fc.weight", "fc.bias"], ["output"], "/fc/Gemm",
        alpha=1.0, beta=1.0, transB=1,
    ))
    return model(nodes, inits, [10])


def norm_in_graph(m):
    """`m` with (input - 0.3) / 0.1 computed by Sub and Div nodes before its first node."""
    g = onnx.GraphProto()
    g.CopyFrom(m.graph)
    g.node[0].input[0] = "/norm/Div_output_0"
    nodes = [
        helper.make_node("Sub", ["input", "norm.mean"], ["/norm/Sub_output_0"], "/norm/Sub"),
        helper.make_node("Div", ["/norm/Sub_output_0", "norm.std"], ["/norm/Div_output_0"], "/norm/Div"),
    ] + list(g.node)
    inits = [init("norm.mean", NORM[0]), init("norm.std", NORM[1])] + list(g.initializer)
    return model(nodes, inits, [10])


def quantized_weights(p):
    """Layer 1: 8-bit integers 0 or +-2^k (k = 0..6) on scale s1; layer 2: -7..7 on s2."""
    w1, w2 = p[0], p[2]
    s1 = np.float32(np.abs(w1).max() / 64)
    k = np.clip(np.round(np.log2(np.maximum(np.abs(w1) / s1, 1e-30))), -1, 6)
    q1 = np.where(k < 0, 0, np.sign(w1) * 2.0**k)
    s2 = np.float32(np.abs(w2).max() / 7)
    q2 = np.round(w2 / s2)
    # Float weights that round to those integers (off the grid by up to 0.3 steps).
    r = np.random.default_rng(5)
    f1 = (q1 + r.uniform(-0.3, 0.3, q1.shape) * (q1 != 0)) * s1
    f2 = (q2 + r.uniform(-0.3, 0.3, q2.shape)) * s2
    return (q1, s1, f1), (q2, s2, f2)


def apot_levels(base_sets):
    """The magnitudes of potmac's apot:N: a term 2^-k (or none) from each base set, summed,
    times 2^K (K the largest k)."""
    top = max(max(s) for s in base_sets)
    sums = {0}
    for s in base_sets:
        sums = {a + b for a in sums for b in [0] + [2 ** (top - k) for k in s]}
    return np.array(sorted(sums), dtype=np.float64)


def on_apot_grid(w, levels):
    """w rounded to the nearest level times s = max|w| / the largest level, in f32."""
    s = np.float32(np.abs(w).max() / levels[-1])
    i = np.abs(np.abs(w)[..., None] / s - levels).argmin(-1)
    q = np.sign(w) * levels[i] + 0.0
    return q.astype(np.float32) * s


def apot_weights(p):
    apot4 = apot_levels([[1, 2, 4], [3]])
    apot5 = apot_levels([[1, 3, 5], [2, 4, 6]])
    return [on_apot_grid(p[0], apot5), p[1], on_apot_grid(p[2], apot4), p[3]]


def qonnx_model(p):
    (_, s1, f1), (_, s2, f2) = quantized_weights(p)
    dom = "qonnx.custom_op.general"
    quant = lambda i, o, name, signed, narrow: helper.make_node(  # noqa: E731
        "Quant", i, [o], name, domain=dom, signed=signed, narrow=narrow, rounding_mode="ROUND")
    nodes = [
        quant(["input", "in.scale", "zero", "in.bits"], "/in/Quant_output_0", "/in/Quant", 0, 0),
        helper.make_node("Flatten", ["/in/Quant_output_0"], ["/0/Flatten_output_0"], "/0/Flatten", axis=1),
        quant(["1.weight", "1.scale", "zero", "1.bits"], "/1/weight_quant/Quant_output_0", "/1/weight_quant/Quant", 1, 1),
        helper.make_node(
            "Gemm", ["/0/Flatten_output_0", "/1/weight_quant/Quant_output_0", "1.bias"],
            ["/1/Gemm_output_0"], "/1/Gemm", transB=1),
        helper.make_node("Relu", ["/1/Gemm_output_0"], ["/2/Relu_output_0"], "/2/Relu"),
        quant(["3.weight", "3.scale", "zero", "3.bits"], "/3/weight_quant/Quant_output_0", "/3/weight_quant/Quant", 1, 1),
        helper.make_node(
            "Gemm", ["/2/Relu_output_0", "/3/weight_quant/Quant_output_0", "3.bias"], ["output"],
            "/3/Gemm", transB=1),
    ]
    inits = [
        init("in.scale", 1 / 16), init("zero", 0.0), init("in.bits", 5.0),
        init("1.weight", f1), init("1.scale", s1), init("1.bits", 8.0), init("1.bias", p[1]),
        init("3.weight", f2), init("3.scale", s2), init("3.bits", 4.0), init("3.bias", p[3]),
    ]
    return model(nodes, inits, [10], domains=[dom])


def qonnx_numpy(p, x):
    """The QONNX model's semantics in numpy (onnxruntime has no QONNX ops)."""
    (_, s1, f1), (_, s2, f2) = quantized_weights(p)
    f32 = np.float32
    q = lambda w, s, lo, hi: np.clip(np.round(w.astype(f32) / f32(s)), lo, hi) * f32(s)  # noqa: E731
    x = q(x.reshape(len(x), -1), 1 / 16, 0, 31)
    h = np.maximum(x @ q(f1, s1, -127, 127).T + p[1].astype(f32), 0)
    return h @ q(f2, s2, -7, 7).T + p[3].astype(f32)


def qcdq_model(p):
    (q1, s1, _), (_, s2, f2) = quantized_weights(p)
    i8 = lambda name, v: numpy_helper.from_array(np.asarray(v, dtype=np.int8), name)  # noqa: E731
    u8 = lambda name, v: numpy_helper.from_array(np.asarray(v, dtype=np.uint8), name)  # noqa: E731
    nodes = [
        helper.make_node("QuantizeLinear", ["input", "in.scale", "in.zero"], ["/in/q"], "/in/QuantizeLinear"),
        helper.make_node("DequantizeLinear", ["/in/q", "in.scale", "in.zero"], ["/in/dq"], "/in/DequantizeLinear"),
        helper.make_node("Flatten", ["/in/dq"], ["/0/Flatten_output_0"], "/0/Flatten", axis=1),
        helper.make_node("DequantizeLinear", ["1.weight_int8", "1.scale", "zero8"], ["/1/w"], "/1/DequantizeLinear"),
        helper.make_node("Gemm", ["/0/Flatten_output_0", "/1/w", "1.bias"], ["/1/Gemm_output_0"], "/1/Gemm", transB=1),
        helper.make_node("Relu", ["/1/Gemm_output_0"], ["/2/Relu_output_0"], "/2/Relu"),
        helper.make_node("QuantizeLinear", ["3.weight", "3.scale", "zero8"], ["/3/q"], "/3/QuantizeLinear"),
        helper.make_node("Clip", ["/3/q", "min8", "max8"], ["/3/clip"], "/3/Clip"),
        helper.make_node("DequantizeLinear", ["/3/clip", "3.scale", "zero8"], ["/3/w"], "/3/DequantizeLinear"),
        helper.make_node("Gemm", ["/2/Relu_output_0", "/3/w", "3.bias"], ["output"], "/3/Gemm", transB=1),
    ]
    inits = [
        init("in.scale", 1 / 16), u8("in.zero", 0), i8("zero8", 0), i8("min8", -7), i8("max8", 7),
        i8("1.weight_int8", q1), init("1.scale", s1), init("1.bias", p[1]),
        init("3.weight", f2), init("3.scale", s2), init("3.bias", p[3]),
    ]
    return model(nodes, inits, [10])


def main():
    import onnxruntime as ort

    xtr, ytr, xte, yte = digits()
    norm = lambda x: ((x - NORM[0]) / NORM[1]).astype(np.float32)  # noqa: E731
    mlp = train_mlp(xtr, ytr)
    mlp_norm = train_mlp(norm(xtr), ytr, seed=1)
    models = {
        "digits_mlp": (mlp_model(mlp), lambda x: x),
        "digits_mlp_qonnx": (qonnx_model(mlp), None),
        "digits_mlp_qcdq": (qcdq_model(mlp), lambda x: x),
        "digits_cnn_bn": (cnn_model(xtr, ytr), lambda x: x),
        "digits_mlp_norm": (mlp_model(mlp_norm), norm),
        "digits_mlp_norm_graph": (norm_in_graph(mlp_model(mlp_norm)), lambda x: x),
        "digits_mlp_apot": (mlp_model(apot_weights(mlp)), lambda x: x),
    }
    info = {"onnxruntime_version": ort.__version__, "onnx_version": onnx.__version__,
            "test_samples": len(yte), "input_norm": list(NORM), "models": {}}
    for name, (m, pre) in models.items():
        onnx.save(m, HERE / f"{name}.onnx")
        if pre is None:
            # QONNX: onnxruntime runs the QCDQ form of the same weights; numpy checks that
            # the QONNX semantics give the same logits.
            logits = run(qcdq_model(mlp), xte)
            assert np.allclose(qonnx_numpy(mlp, xte), logits, rtol=1e-4, atol=1e-4)
        else:
            logits = run(m, pre(xte))
        correct = int((logits.argmax(1) == yte).sum())
        info["models"][name] = {
            "float_test_correct": correct,
            "first_test_logits": logits[:16].astype(np.float64).tolist(),
        }
        print(f"{name}: onnxruntime test accuracy {100 * correct / len(yte):.2f}%")
    ext = onnx.load(HERE / "digits_mlp.onnx")
    (HERE / "digits_mlp_ext.onnx.data").unlink(missing_ok=True)  # onnx appends to it
    onnx.save(ext, HERE / "digits_mlp_ext.onnx", save_as_external_data=True,
              all_tensors_to_one_file=True, location="digits_mlp_ext.onnx.data", size_threshold=0)
    (HERE / "fixtures.json").write_text(json.dumps(info, indent=1) + "\n")


if __name__ == "__main__":
    main()
