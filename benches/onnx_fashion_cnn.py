"""A PyTorch CNN with BatchNorm, trained on Fashion-MNIST and exported to ONNX, for
benches/onnx_fashion_cnn.sh (issue 22: bring your own model).

The network a PyTorch user would write: conv 3x3 1->8 (pad 1) -> BatchNorm -> ReLU -> 2x2
max-pool -> conv 3x3 8->16 (pad 1) -> BatchNorm -> ReLU -> 2x2 max-pool -> flatten -> linear
784->10. Inputs are pixels / 255 in [0, 1] (no normalization). Adam, lr 1e-3, batch 64,
EPOCHS epochs, seed 0, float32. After training: the float test accuracy on all 10,000 test
images (model.eval(): BatchNorm with its running statistics), then torch.onnx.export with
the BatchNorms kept as graph nodes (TrainingMode.PRESERVE on the eval model; no constant
folding), opset 13, a dynamic batch dimension.

Prints `torch float test accuracy: P %` and `onnx nodes: Op=count ...`.
Usage: python3 onnx_fashion_cnn.py DATA_DIR OUT.onnx [EPOCHS [THREADS]]
"""

import collections
import gzip
import sys
import time

import numpy as np
import onnx
import torch


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(data_dir, split):
    x = idx(f"{data_dir}/{split}-images-idx3-ubyte.gz").astype(np.float32) / 255.0
    y = idx(f"{data_dir}/{split}-labels-idx1-ubyte.gz").astype(np.int64)
    return torch.from_numpy(x).unsqueeze(1), torch.from_numpy(y)


def model():
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3, padding=1),
        torch.nn.BatchNorm2d(8),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 16, 3, padding=1),
        torch.nn.BatchNorm2d(16),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(16 * 7 * 7, 10),
    )


def main():
    data_dir, out = sys.argv[1], sys.argv[2]
    epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    torch.manual_seed(0)
    torch.set_num_threads(threads)
    xtr, ytr = load(data_dir, "train")
    xte, yte = load(data_dir, "t10k")
    net = model()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for epoch in range(epochs):
        net.train()
        t0 = time.time()
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr), 64):
            b = perm[i : i + 64]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(xtr[b]), ytr[b])
            loss.backward()
            opt.step()
        print(f"epoch {epoch + 1}: loss {loss.item():.4f}, {time.time() - t0:.1f} s", flush=True)
    net.eval()
    with torch.no_grad():
        pred = torch.cat([net(xte[i : i + 1000]).argmax(1) for i in range(0, len(xte), 1000)])
    acc = 100.0 * (pred == yte).float().mean().item()
    print(f"torch float test accuracy: {acc:.2f} %")
    torch.onnx.export(
        net,
        xte[:1],
        out,
        opset_version=13,
        input_names=["image"],
        output_names=["logits"],
        dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}},
        training=torch.onnx.TrainingMode.PRESERVE,
        do_constant_folding=False,
        dynamo=False,
    )
    ops = collections.Counter(n.op_type for n in onnx.load(out).graph.node)
    print("onnx nodes: " + " ".join(f"{k}={v}" for k, v in sorted(ops.items())))


if __name__ == "__main__":
    main()
