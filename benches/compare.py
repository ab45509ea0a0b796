#!/usr/bin/env python3
"""Side-by-side table of examples/bench.rs and benches/pytorch_baseline.py results.

    python3 benches/compare.py rust.json torch.json [--markdown]
    python3 benches/compare.py rust-a.json,rust-b.json torch-a.json,torch-b.json

Several comma-separated files per side (interleaved runs, see benches/measure.sh) are merged
key by key, keeping each side's best figure (the lowest time, the highest rate): on a shared
machine the best of several runs is the least disturbed one.

Ratios are "times faster than PyTorch": PyTorch time / tapegrad time for the step times,
tapegrad rate / PyTorch rate for GFLOP/s and Melem/s. For Adam the PyTorch column is the
fused Adam (adam_fused) when present, as the target asks; the default (foreach) Adam is shown
on its own row. matmul is also set against numpy (OpenBLAS) when the baseline measured it.
"""

import argparse
import json


def rows(r, t):
    out = []
    for key, label in (("fma_peak_gflops_1core", "FMA peak, 1 core (GFLOP/s)"), ("fma_peak_gflops_all_threads", "FMA peak, all threads (GFLOP/s)")):
        if key in r:
            out.append((label, r.get(key), None, "info"))
    out.append(("SimpleNet step (us)", r.get("simplenet_adam_step_us"), t.get("simplenet_adam_step_us"), "time"))
    out.append(("MLP 784 step (us)", r.get("mlp784_adam_step_us"), t.get("mlp784_adam_step_us"), "time"))
    out.append(("digits epoch (ms)", r.get("digits_epoch_ms"), t.get("digits_epoch_ms"), "time"))
    for n, v in r.get("matmul_gflops", {}).items():
        out.append((f"matmul {n} GFLOP/s vs torch", v, t.get("matmul_gflops", {}).get(n), "rate"))
        if "matmul_numpy_gflops" in t:
            out.append((f"matmul {n} GFLOP/s vs numpy", v, t["matmul_numpy_gflops"].get(n), "rate"))
    for key, label in (("optim_4m_melem_per_s", "4M x1"), ("optim_4m_x64_melem_per_s", "4M x64")):
        ro, to = r.get(key, {}), t.get(key, {})
        for name, v in ro.items():
            if name == "adam" and "adam_fused" in to:
                out.append((f"{name} {label} Melem/s vs fused", v, to["adam_fused"], "rate"))
            out.append((f"{name} {label} Melem/s", v, to.get(name), "rate"))
    return out


def best(a, b, key=""):
    """Key-by-key best of two results: lowest time (keys ending in _us/_ms), highest rate."""
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: best(a.get(k), b.get(k), k) if k in a and k in b else a.get(k, b.get(k)) for k in {**a, **b}}
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and key not in ("threads",):
        lower = key.endswith("_us") or key.endswith("_ms")
        return min(a, b) if lower else max(a, b)
    return a if a is not None else b


def load(paths):
    out = None
    for p in paths.split(","):
        with open(p) as f:
            r = json.load(f)
        out = r if out is None else best(out, r)
    return out


def fmt(x):
    if x is None:
        return "-"
    return f"{x:.4g}" if isinstance(x, float) else str(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tapegrad")
    ap.add_argument("pytorch")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = ap.parse_args()
    r = load(args.tapegrad)
    t = load(args.pytorch)
    head = ("workload", f"tapegrad ({r.get('threads')} thr)", f"PyTorch ({t.get('threads')} thr)", "speed-up")
    table = []
    for name, a, b, kind in rows(r, t):
        ratio = None
        if a and b and kind != "info":
            ratio = b / a if kind == "time" else a / b
        table.append((name, fmt(a), fmt(b), "-" if ratio is None else f"{ratio:.2f}x"))
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join(["---"] + ["---:"] * 3) + "|")
        for row in table:
            print("| " + " | ".join(row) + " |")
    else:
        w = [max(len(str(x[i])) for x in table + [head]) for i in range(4)]
        for row in [head] + table:
            print("  ".join(str(c).ljust(w[0]) if i == 0 else str(c).rjust(w[i]) for i, c in enumerate(row)))


if __name__ == "__main__":
    main()
