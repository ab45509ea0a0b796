#!/usr/bin/env python3
"""PyTorch (CPU) baseline for `cargo run --release --example bench`: the identical workloads,
timed the same way (median of several samples after a warm-up), printed as one JSON object
with the same keys, so `benches/compare.py` can set the two side by side.

    /work/venv/bin/python benches/pytorch_baseline.py --threads 1 > torch1.json

Workloads (see examples/bench.rs):
- simplenet_adam_step_us: Linear(10,5) -> sigmoid -> Linear(5,1), MSE, batch 100, forward +
  backward + Adam(lr=1e-3) step + zero_grad;
- mlp784_adam_step_us: 784-256-128-10 ReLU, batch 128, cross-entropy, Adam;
- matmul_gflops: torch.matmul of square f32 matrices, n = 64..2048 (2 n^3 / time);
  matmul_numpy_gflops: the same through numpy (OpenBLAS);
- optim_4m_melem_per_s / optim_4m_x64_melem_per_s: one optimizer step over 4M params as one
  tensor / as 64 tensors, PyTorch's default implementation (foreach on CPU tensors where
  PyTorch picks it); "adam_fused" is Adam(fused=True). LARS is not in PyTorch: "lars" here is
  a straightforward torch implementation (per-tensor trust ratio, then SGD with momentum);
- digits_epoch_ms: one epoch over the training rows of data/digits.csv (MLP 64-128-64-10
  ReLU, batch 32, Adam lr 1e-3, shuffled each epoch).
"""

import argparse
import csv
import json
import os
import statistics
import time


def time_per_call(fn, budget, samples):
    """Median seconds per call of fn (same procedure as examples/bench.rs)."""
    warm = budget / 10
    t0 = time.perf_counter()
    calls = 0
    while time.perf_counter() - t0 < warm or calls < 2:
        fn()
        calls += 1
    per_call = (time.perf_counter() - t0) / calls
    reps = max(1, int(-(-(budget / samples) // per_call)))
    times = []
    for _ in range(samples):
        t = time.perf_counter()
        for _ in range(reps):
            fn()
        times.append((time.perf_counter() - t) / reps)
    times.sort()
    return times[samples // 2]


def mlp(torch, sizes, act):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(act())
    return torch.nn.Sequential(*layers)


def train_step(torch, net, opt, loss_fn, x, y):
    def step():
        opt.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def simplenet(torch, budget):
    torch.manual_seed(0)
    net = mlp(torch, [10, 5, 1], torch.nn.Sigmoid)
    x = torch.randn(100, 10)
    y = torch.randn(100, 1)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    return time_per_call(train_step(torch, net, opt, torch.nn.functional.mse_loss, x, y), budget, 15) * 1e6


def mlp784(torch, budget):
    torch.manual_seed(1)
    net = mlp(torch, [784, 256, 128, 10], torch.nn.ReLU)
    x = torch.randn(128, 784)
    y = torch.tensor([(i * 7) % 10 for i in range(128)])
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    return time_per_call(train_step(torch, net, opt, torch.nn.functional.cross_entropy, x, y), budget, 15) * 1e6


def matmul(torch, budget, use_numpy=False):
    import numpy as np

    out = {}
    torch.manual_seed(2)
    for n in [64, 128, 256, 512, 1024, 2048]:
        a = torch.randn(n, n)
        b = torch.randn(n, n)
        if use_numpy:
            an, bn = a.numpy(), b.numpy()
            fn = lambda: np.matmul(an, bn)
        else:
            fn = lambda: torch.matmul(a, b)
        s = time_per_call(fn, budget, 5 if n >= 1024 else 9)
        out[str(n)] = round(2 * n**3 / s / 1e9, 1)
    return out


class Lars:
    """LARS as tapegrad implements it (PyTorch has none; crates/optim/src/lars.rs, same
    defaults): per tensor, local_lr = eta ||w|| / (||g|| + wd ||w||) (1 if a norm is 0),
    v = momentum v + lr local_lr (g + wd w), w -= v. Written with torch ops as a user would."""

    def __init__(self, torch, params, lr=0.1, momentum=0.9, weight_decay=1e-4, eta=1e-3):
        self.torch = torch
        self.params = list(params)
        self.lr, self.momentum, self.wd, self.eta = lr, momentum, weight_decay, eta
        self.buf = [None] * len(self.params)

    def step(self):
        torch = self.torch
        with torch.no_grad():
            for i, p in enumerate(self.params):
                g = p.grad
                wn = torch.linalg.vector_norm(p)
                gn = torch.linalg.vector_norm(g)
                trust = torch.where(
                    (wn > 0) & (gn > 0), self.eta * wn / (gn + self.wd * wn), torch.ones_like(wn)
                )
                d = g.add(p, alpha=self.wd).mul_(trust * self.lr)
                if self.buf[i] is None:
                    self.buf[i] = d
                else:
                    self.buf[i].mul_(self.momentum).add_(d)
                p.sub_(self.buf[i])


def optimizers(torch):
    o = torch.optim
    return [
        ("sgd", lambda ps: o.SGD(ps, lr=0.01)),
        ("sgd_momentum", lambda ps: o.SGD(ps, lr=0.01, momentum=0.9)),
        ("adagrad", lambda ps: o.Adagrad(ps)),
        ("rmsprop", lambda ps: o.RMSprop(ps)),
        ("adam", lambda ps: o.Adam(ps)),
        ("adam_fused", lambda ps: o.Adam(ps, fused=True)),
        ("adamw", lambda ps: o.AdamW(ps)),
        ("adadelta", lambda ps: o.Adadelta(ps)),
        ("nadam", lambda ps: o.NAdam(ps)),
        ("radam", lambda ps: o.RAdam(ps)),
        ("adamax", lambda ps: o.Adamax(ps)),
        ("lars", lambda ps: Lars(torch, ps)),
    ]


def optim_params(torch, total, pieces):
    n = total // pieces
    ps = []
    for k in range(pieces):
        i = torch.arange(n, dtype=torch.int64)
        v = ((i * 2_654_435_761 + k) % 1000).float() / 1000.0 - 0.5
        g = ((i * 40_503 + 7 * k) % 997).float() / 997.0 - 0.5
        p = torch.nn.Parameter(v)
        p.grad = g
        ps.append(p)
    return ps


def optim(torch, budget, pieces):
    total = 1 << 22
    out = {}
    for key, make in optimizers(torch):
        opt = make(optim_params(torch, total, pieces))
        opt.step()  # allocates the state
        s = time_per_call(opt.step, budget, 7)
        out[key] = round(total / s / 1e6, 1)
    return out


def digits(torch, budget):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "digits.csv")
    if not os.path.exists(path):
        return None
    xs, ys = [], []
    with open(path) as f:
        r = csv.reader(f)
        next(r)
        for row in r:
            if row[1] != "train":
                continue
            ys.append(int(row[0]))
            xs.append([float(v) / 16.0 for v in row[2:]])
    x = torch.tensor(xs, dtype=torch.float32)
    y = torch.tensor(ys)
    torch.manual_seed(3)
    net = mlp(torch, [64, 128, 64, 10], torch.nn.ReLU)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    ce = torch.nn.functional.cross_entropy
    n = len(ys)

    def epoch():
        order = torch.randperm(n)
        for s in range(0, n, 32):
            idx = order[s : s + 32]
            bx, by = x[idx], y[idx]
            opt.zero_grad()
            loss = ce(net(bx), by)
            loss.backward()
            opt.step()
            loss.item()

    return time_per_call(epoch, budget, 7) * 1e3


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    ap.add_argument("--quick", action="store_true", help="short runs (smoke test)")
    args = ap.parse_args()
    if args.threads is not None:
        # numpy's OpenBLAS reads these when it loads: set them before the first import.
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)
    import torch

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    unit = 0.1 if args.quick else 1.0
    result = {
        "framework": "pytorch " + torch.__version__,
        "threads": torch.get_num_threads(),
        "simplenet_adam_step_us": round(simplenet(torch, 2 * unit), 2),
        "mlp784_adam_step_us": round(mlp784(torch, 3 * unit), 1),
        "matmul_gflops": matmul(torch, unit),
        "matmul_numpy_gflops": matmul(torch, unit, use_numpy=True),
        "optim_4m_melem_per_s": optim(torch, unit, 1),
        "optim_4m_x64_melem_per_s": optim(torch, unit / 2, 64),
        "digits_epoch_ms": (lambda v: None if v is None else round(v, 2))(digits(torch, 2 * unit)),
    }
    print(json.dumps(result, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
