"""Writes the fixtures of tests/import_torch.rs: small models trained with PyTorch on potmac's
digits split and exported by torch.onnx.export (TorchScript exporter, opset 17) and by
Brevitas's QONNX export, with torch's own outputs recorded, so the tests need no PyTorch.

- torch_mlp.onnx: nn.Flatten, nn.Linear(64, 32), nn.ReLU, nn.Linear(32, 10).
- torch_cnn_bn.onnx: on N x 1 x 8 x 8 inputs, two stages of Conv2d 3x3 (padding 1) +
  BatchNorm2d + ReLU + MaxPool2d(2) (4 then 8 channels), nn.Flatten, nn.Linear(32, 10);
  exported from the eval model with TrainingMode.PRESERVE and no constant folding, so the
  graph keeps its BatchNormalization nodes (checked here).
- torch_mlp_norm.onnx: the MLP trained on (x - 0.3) / 0.1 of the pixels, normalized outside
  the model as transforms.Normalize does (potmac's `--input-norm 0.3,0.1`).
- brevitas_mlp_qonnx.onnx: nn.Flatten, QuantLinear(64, 32), nn.ReLU, QuantLinear(32, 10),
  4-bit weights (narrow range, one float scale per tensor), trained with quantization in the
  loop, exported by brevitas.export.export_qonnx with its TorchScript exporter (dynamo=False;
  weights through `Quant` nodes of domain qonnx.custom_op.general). Its recorded logits are
  the Brevitas model's own (fake-quantized weights), as no ONNX runtime runs QONNX.

Every model takes N x 1 x 8 x 8 pixels count/16 (the MLPs flatten them), as
tests/import_onnx.rs's fixtures do. torch_fixtures.json records, per model, torch's logits
(for Brevitas: the quantized model's own output) of the first 16 test images, its count of
correct test predictions, and the torch, Brevitas and onnx versions. The split and the data
loading are make_fixtures.py's (potmac's split: SplitMix64 Fisher-Yates, seed 1797, the first
1,437 rows train, the other 360 test).

Run with the PyTorch venv (needs torch, onnx, brevitas and onnxoptimizer, which Brevitas's
QONNX export uses; CPU only, a few seconds per model):
    python verification/onnx/make_torch_fixtures.py
"""

import json
import pathlib
import sys

import numpy as np
import onnx
import torch
from torch import nn

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_fixtures import NORM, digits  # noqa: E402


def train(net, x, y, epochs, lr=0.01, batch=64, seed=0):
    """Adam on cross-entropy, shuffled mini-batches from a seeded generator."""
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    net.train()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=g)
        for i in range(0, len(x), batch):
            b = order[i : i + batch]
            opt.zero_grad()
            loss(net(x[b]), y[b]).backward()
            opt.step()
    net.eval()
    return net


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


def cnn():
    def stage(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2)]

    return nn.Sequential(*stage(1, 4), *stage(4, 8), nn.Flatten(), nn.Linear(8 * 2 * 2, 10))


def brevitas_mlp():
    from brevitas.nn import QuantLinear

    return nn.Sequential(
        nn.Flatten(),
        QuantLinear(64, 32, bias=True, weight_bit_width=4),
        nn.ReLU(),
        QuantLinear(32, 10, bias=True, weight_bit_width=4),
    )


def export_torch(net, path, example):
    torch.onnx.export(
        net,
        (example,),
        str(path),
        input_names=["input"],
        output_names=["output"],
        dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
        opset_version=17,
        training=torch.onnx.TrainingMode.PRESERVE,
        do_constant_folding=False,
        dynamo=False,
    )


def export_brevitas(net, path, example):
    from brevitas.export import export_qonnx

    export_qonnx(
        net, args=example, export_path=str(path), input_names=["input"], output_names=["output"],
        dynamo=False,
    )


def main():
    import brevitas

    torch.set_num_threads(1)
    xtr, ytr, xte, yte = (torch.from_numpy(np.ascontiguousarray(a)) for a in digits())
    norm = lambda x: (x - NORM[0]) / NORM[1]  # noqa: E731
    models = {}
    torch.manual_seed(1)
    models["torch_mlp"] = (train(mlp(), xtr, ytr, 40), lambda x: x, export_torch)
    torch.manual_seed(2)
    models["torch_cnn_bn"] = (train(cnn(), xtr, ytr, 40), lambda x: x, export_torch)
    torch.manual_seed(3)
    models["torch_mlp_norm"] = (train(mlp(), norm(xtr), ytr, 40, lr=0.003), norm, export_torch)
    torch.manual_seed(4)
    models["brevitas_mlp_qonnx"] = (train(brevitas_mlp(), xtr, ytr, 40), lambda x: x, export_brevitas)

    info = {
        "torch_version": torch.__version__,
        "brevitas_version": brevitas.__version__,
        "onnx_version": onnx.__version__,
        "test_samples": len(yte),
        "input_norm": list(NORM),
        "models": {},
    }
    for name, (net, pre, export) in models.items():
        path = HERE / f"{name}.onnx"
        with torch.no_grad():
            export(net, path, pre(xte[:1]))
            logits = net(pre(xte)).numpy()
        m = onnx.load(path)
        onnx.checker.check_model(m)
        ops = [n.op_type for n in m.graph.node]
        if name == "torch_cnn_bn":
            assert ops.count("BatchNormalization") == 2, ops
        if name.startswith("brevitas"):
            assert "Quant" in ops, ops
        correct = int((logits.argmax(1) == yte.numpy()).sum())
        info["models"][name] = {
            "float_test_correct": correct,
            "first_test_logits": logits[:16].astype(np.float64).tolist(),
        }
        size = path.stat().st_size
        assert size < 20_000, (name, size)
        print(f"{name}: test accuracy {100 * correct / len(yte):.2f}%, {size} bytes, ops {ops}")
    (HERE / "torch_fixtures.json").write_text(json.dumps(info, indent=1) + "\n")


if __name__ == "__main__":
    main()
