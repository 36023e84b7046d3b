"""Plain eager PyTorch QAT matched to potmac's Fashion-MNIST CNN, timed per epoch.

Matched to `potmac qat --dataset fashion-mnist --model cnn --weights pot:4` (fast recipe):
conv 3x3 1->8 (pad 1) -> ReLU -> 2x2 max-pool -> conv 3x3 8->16 -> ReLU -> pool -> dense
784->10, He-normal initialisation, batch 64, a fresh permutation per epoch, softmax
cross-entropy. Float epochs: Adam lr 1e-3. QAT epochs: Adam lr 1e-4, every step the weights of
every layer fake-quantized to 4-bit PoT with a zero code (scale max|W|/64, zero below half a
unit, exponent rounded in the log domain, clamped to 2^0..2^6) with the straight-through
estimator; inputs quantized to 8 bits; after every hidden ReLU, unsigned 8-bit fake
quantization with a clip that follows an EMA (momentum 0.9) of the batch's 99.99th percentile
(of at most 65,536 strided values, as potmac does), gradient passed inside (0, clip).

Prints one line per phase: `torch fp|qat epoch SECONDS s SAMPLES samples/s` (training steps
only, no evaluation). Usage: python3 qat_vs_torch.py DATA_DIR THREADS [TRAIN_LIMIT]
"""

import gzip
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def percentile(x, p=99.99):
    flat = x.detach().reshape(-1)
    stride = max(1, -(-flat.numel() // 65536))
    s = flat[::stride]
    k = int(round(p / 100.0 * (s.numel() - 1)))
    return torch.kthvalue(s, k + 1).values


def pot4(w):
    """4-bit PoT with a zero code, per-tensor max|W| scale, straight-through estimator."""
    scale = w.detach().abs().max() / 64.0
    t = w.detach().abs() / scale
    k = torch.clamp(torch.floor(torch.log2(torch.clamp(t, min=1e-30)) + 0.5), 0, 6)
    mag = torch.where(t < 0.5, torch.zeros_like(t), torch.exp2(k))
    q = torch.sign(w.detach()) * mag * scale
    return w + (q - w).detach()


def act_q(x, clip):
    """ReLU + unsigned 8-bit fake quantization with clip; STE inside (0, clip)."""
    xc = torch.clamp(x, 0.0, float(clip))
    s = float(clip) / 255.0
    return xc + (torch.round(xc / s) * s - xc).detach()


class Cnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv2d(1, 8, 3, padding=1)
        self.c2 = torch.nn.Conv2d(8, 16, 3, padding=1)
        self.fc = torch.nn.Linear(784, 10)
        for m in (self.c1, self.c2, self.fc):
            torch.nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            torch.nn.init.zeros_(m.bias)
        self.clips = None

    def forward(self, x, quant):
        w1, w2, w3 = self.c1.weight, self.c2.weight, self.fc.weight
        if quant:
            x = torch.round(x * 255.0) / 255.0
            w1, w2, w3 = pot4(w1), pot4(w2), pot4(w3)
        z = F.conv2d(x, w1, self.c1.bias, padding=1)
        if quant:
            self.update_clip(0, z)
            a = act_q(z, self.clips[0])
        else:
            a = F.relu(z)
        a = F.max_pool2d(a, 2)
        z = F.conv2d(a, w2, self.c2.bias, padding=1)
        if quant:
            self.update_clip(1, z)
            a = act_q(z, self.clips[1])
        else:
            a = F.relu(z)
        a = F.max_pool2d(a, 2)
        return F.linear(a.reshape(a.shape[0], -1), w3, self.fc.bias)

    def update_clip(self, i, z):
        p = percentile(F.relu(z))
        self.clips[i] = 0.9 * self.clips[i] + 0.1 * p if self.clips[i] is not None else p


def epoch(model, opt, x, y, quant, gen):
    order = torch.randperm(x.shape[0], generator=gen)
    t0 = time.perf_counter()
    for start in range(0, x.shape[0], 64):
        idx_b = order[start : start + 64]
        logits = model(x[idx_b], quant)
        loss = F.cross_entropy(logits, y[idx_b])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return time.perf_counter() - t0


def main():
    data_dir, threads = sys.argv[1], int(sys.argv[2])
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else None
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(1)
    x = idx(f"{data_dir}/train-images-idx3-ubyte.gz")[:limit]
    y = idx(f"{data_dir}/train-labels-idx1-ubyte.gz")[:limit]
    x = torch.from_numpy(x.astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
    y = torch.from_numpy(y.astype(np.int64))
    gen = torch.Generator().manual_seed(1)
    model = Cnn()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    secs = epoch(model, opt, x, y, False, gen)
    print(f"torch fp epoch {secs:.2f} s {x.shape[0] / secs:.0f} samples/s", flush=True)
    with torch.no_grad():
        z = F.conv2d(torch.round(x[:512] * 255) / 255, pot4(model.c1.weight), model.c1.bias, padding=1)
        c0 = percentile(F.relu(z))
        a = F.max_pool2d(act_q(z, c0), 2)
        c1 = percentile(F.relu(F.conv2d(a, pot4(model.c2.weight), model.c2.bias, padding=1)))
    model.clips = [c0, c1]
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    secs = epoch(model, opt, x, y, True, gen)
    print(f"torch qat epoch {secs:.2f} s {x.shape[0] / secs:.0f} samples/s", flush=True)


if __name__ == "__main__":
    main()
