"""GPU check of the bragg kernels: every CUDA path against the CPU results, timed.

    python -m perflab.bragg.gpu_check --out DIR            # on a machine with CUDA
    PYTHONPATH=src python3 -m perflab.bragg.gpu_check --out "$OUT"   # the lent GPU machine

On a machine without CUDA it prints why and exits 0 (nothing to check, nothing written).
With CUDA it runs, for float64 and float32 inputs:

* tricubic interpolation by every backend that supports CUDA here (``torch``; ``warp`` when
  warp-lang is installed and sees the GPU; ``compile`` unless ``--no-compile``), both
  ``out_of_range`` modes, against ``backend="torch"`` on the CPU: max relative error and
  mask mismatches;
* ``interpolation="sticky"`` and the gradients (F and h) on CUDA against the CPU;
* detector absorption on the per-layer path (layer positions, parallax per layer, capture
  fractions, ``absorb`` in modes sum, last, running) against the CPU;

and times each CUDA path (first call in the process, then the median of ``--repeats`` warm
calls, synchronised) beside the same call on the CPU. A backend whose package is missing is
skipped with the reason. Writes ``gpu_check.json`` and ``gpu_check.md`` to ``--out``; exit
status 1 when any comparison is outside its tolerance.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

__all__ = [
    "DTYPES",
    "TOL",
    "check_absorption",
    "check_sticky_and_gradients",
    "check_tricubic",
    "cuda_unavailable_reason",
    "main",
    "render",
    "run_checks",
]

TOL = {"float64": 1e-12, "float32": 1e-5}
DTYPES = {"float32": torch.float32, "float64": torch.float64}


def cuda_unavailable_reason() -> str | None:
    """None when CUDA can run here, else why not."""
    if torch.cuda.is_available():
        return None
    if torch.version.cuda is None:
        return f"torch {torch.__version__} is a CPU-only build (torch.version.cuda is None)"
    return "torch.cuda.is_available() is False (no driver or no device)"


def _timed(fn, device: torch.device, repeats: int) -> dict[str, Any]:
    def call():
        out = fn()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        return out

    t = time.perf_counter()
    out = call()
    first = time.perf_counter() - t
    samples = []
    for _ in range(repeats):
        t = time.perf_counter()
        call()
        samples.append(time.perf_counter() - t)
    return {"first_s": first, "warm_s": samples, "median_s": float(np.median(samples)),
            "result": out}  # fmt: skip


def _rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.detach().double().cpu(), b.detach().double().cpu()
    scale = b.abs().clamp_min(torch.finfo(torch.float64).tiny)
    return float(((a - b).abs() / scale).max()) if a.numel() else 0.0


def _inputs(points: int, dtype: torch.dtype, seed: int):
    rng = np.random.default_rng(seed)
    F = torch.from_numpy(rng.uniform(10.0, 1000.0, (41, 41, 41))).to(dtype)
    lo, hi = -20.0, 20.0
    inside = rng.random(points) < 0.85
    q = np.where(inside, rng.uniform(lo + 2, hi - 2, (3, points)),
                 rng.uniform(lo - 3, hi + 3, (3, points)))  # fmt: skip
    return F, (-20, -20, -20), torch.from_numpy(q).to(dtype)


def _cuda_backends(dtype: torch.dtype, device: torch.device, with_compile: bool):
    from perflab.bragg import tricubic_warp

    names, skipped = ["torch"], []
    if tricubic_warp.available(device, dtype):
        names.append("warp")
    else:
        reason = "warp-lang not installed, or it does not see the GPU"
        skipped.append({"what": f"tricubic warp on {device}", "reason": reason})
    if with_compile:
        names.append("compile")
    else:
        skipped.append({"what": f"tricubic compile on {device}", "reason": "--no-compile"})
    return names, skipped


def _call(F, mins, q, backend: str, kw: dict[str, Any]):
    from perflab.bragg import tricubic_interpolate

    return lambda: tricubic_interpolate(F, mins, *q, backend=backend, **kw)


def check_tricubic(device: torch.device, points: int, repeats: int, with_compile: bool):
    """Rows: every backend on ``device`` vs eager torch on the CPU, both dtypes and modes."""
    rows, skipped = [], []
    for name, dtype in DTYPES.items():
        F, mins, q = _inputs(points, dtype, seed=0)
        backends, skip = _cuda_backends(dtype, device, with_compile)
        skipped += skip
        for mode in ("nearest", "default"):
            kw = {"default_F": 1.5, "out_of_range": mode, "return_mask": True}
            cpu = _timed(_call(F, mins, q, "torch", kw), torch.device("cpu"), repeats)
            Fd, qd = F.to(device), q.to(device)
            for backend in backends:
                fn = _call(Fd, mins, qd, backend, kw)
                r = _timed(fn, device, repeats)
                v, m = r.pop("result")
                ref_v, ref_m = cpu["result"]
                err = _rel_err(v, ref_v)
                mism = int((m.cpu() != ref_m).sum())
                rows.append({"check": "tricubic", "backend": backend, "dtype": name,
                             "mode": mode, "points": points, "max_rel_error": err,
                             "mask_mismatches": mism, "tolerance": TOL[name],
                             "passed": err <= TOL[name] and mism == 0, **r,
                             "cpu_median_s": cpu["median_s"],
                             "speedup_vs_cpu_torch": cpu["median_s"] / r["median_s"]})  # fmt: skip
    return rows, skipped


def check_sticky_and_gradients(device: torch.device, points: int) -> list[dict[str, Any]]:
    """``interpolation="sticky"`` values and the gradients in F and h, CUDA vs CPU."""
    from perflab.bragg import tricubic_interpolate

    F, mins, q = _inputs(points, torch.float64, seed=1)
    out = []
    for where in (torch.device("cpu"), device):
        Fg = F.to(where).clone().requires_grad_()
        h = q[0].to(where).clone().requires_grad_()
        v = tricubic_interpolate(Fg, mins, h, q[1].to(where), q[2].to(where))
        (v * torch.linspace(0.5, 1.5, v.numel(), dtype=v.dtype, device=where)).sum().backward()
        s = tricubic_interpolate(F.to(where), mins, *q.to(where), interpolation="sticky")
        out.append((s, Fg.grad, h.grad))
    rows = []
    for what, a, b in zip(("sticky values", "dV/dF", "dV/dh"), out[1], out[0], strict=True):
        err = _rel_err(a, b) if what != "dV/dF" else float((a - b.to(a.device)).abs().max().cpu()
                                                            / b.abs().max())  # fmt: skip
        rows.append({"check": what, "backend": "torch", "dtype": "float64", "points": points,
                     "max_rel_error": err, "tolerance": 1e-12,
                     "passed": err <= 1e-12})  # fmt: skip
    return rows


def _absorption(where: torch.device, dtype: torch.dtype, size: int, steps: int, mode: str):
    from perflab.bragg import (
        absorb,
        capture_fractions,
        detector_pixel_positions,
        layer_positions,
        parallax,
    )

    def t(v):
        return torch.tensor(v, dtype=dtype, device=where)

    half = size * 1e-4 / 2
    pos = detector_pixel_positions(t([0.1, -half, -half]), t([0.0, 0.0, 1.0]),
                                   t([0.0, 1.0, 0.0]), (size, size), 1e-4)  # fmt: skip
    odet = t([0.9, 0.4358898943540674, 0.0])  # tilted about 26 deg
    images = torch.rand((steps, size, size), generator=torch.Generator().manual_seed(0),
                        dtype=dtype).to(where)  # fmt: skip
    sensor = {"thickness": 320e-6, "steps": steps, "step_rule": "nanobragg"}

    def run():
        rho = parallax(layer_positions(pos, odet, **sensor), odet)
        return absorb(images, capture_fractions(rho, attenuation_length=234e-6, **sensor), mode)

    return run


def check_absorption(device: torch.device, size: int, repeats: int) -> list[dict[str, Any]]:
    """The per-layer absorption path on ``device`` vs the CPU, three absorb modes."""
    rows = []
    for name, dtype in DTYPES.items():
        for mode in ("sum", "last", "running"):
            cpu = _timed(_absorption(torch.device("cpu"), dtype, size, 5, mode),
                         torch.device("cpu"), repeats)  # fmt: skip
            r = _timed(_absorption(device, dtype, size, 5, mode), device, repeats)
            err = _rel_err(r.pop("result"), cpu["result"])
            tol = TOL[name] * 10  # exp/expm1 of the device library: a few ulps
            rows.append({"check": f"absorption ({mode})", "backend": "torch", "dtype": name,
                         "pixels": size * size, "max_rel_error": err, "tolerance": tol,
                         "passed": err <= tol, **r, "cpu_median_s": cpu["median_s"],
                         "speedup_vs_cpu_torch": cpu["median_s"] / r["median_s"]})  # fmt: skip
    return rows


def run_checks(device: torch.device, *, points: int, size: int, repeats: int,
               with_compile: bool) -> dict[str, Any]:  # fmt: skip
    """Every check on ``device`` (a CUDA device; "cpu" exercises the machinery in tests)."""
    from perflab.harness import env_snapshot

    tri, skipped = check_tricubic(device, points, repeats, with_compile)
    rows = tri + check_sticky_and_gradients(device, min(points, 20_000))
    rows += check_absorption(device, size, repeats)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else str(device)
    return {"schema": "perflab.bragg.gpu_check/1", "device": name, "rows": rows,
            "skipped": skipped, "passed": all(r["passed"] for r in rows),
            "env": env_snapshot()}  # fmt: skip


def render(results: dict[str, Any]) -> str:
    cols = ["check", "backend", "dtype", "mode", "max_rel_error", "tolerance", "passed",
            "first_s", "median_s", "cpu_median_s", "speedup_vs_cpu_torch"]  # fmt: skip
    lines = [f"# GPU check of the bragg kernels on {results['device']}", "",
             f"All comparisons within tolerance: {results['passed']}", "",
             "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]  # fmt: skip
    for r in results["rows"]:
        cells = [r.get(c, "") for c in cols]
        lines.append("| " + " | ".join(f"{c:.4g}" if isinstance(c, float) else str(c)
                                       for c in cells) + " |")  # fmt: skip
    lines += ["", "Skipped:"] + [f"- {s['what']}: {s['reason']}" for s in results["skipped"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m perflab.bragg.gpu_check",
                                description=__doc__.split("\n")[0])  # fmt: skip
    p.add_argument("--out", default="reports/gpu_check", help="folder for the report")
    p.add_argument("--points", type=int, default=1_000_000)
    p.add_argument("--size", type=int, default=1024, help="detector edge (pixels)")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--no-compile", action="store_true", help="skip the torch.compile backend")
    a = p.parse_args(argv)
    reason = cuda_unavailable_reason()
    if reason is not None:
        print(f"GPU check not run: CUDA is not available here ({reason}). Nothing to check.")
        return 0
    results = run_checks(torch.device("cuda"), points=a.points, size=a.size,
                         repeats=a.repeats, with_compile=not a.no_compile)  # fmt: skip
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "gpu_check.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (out / "gpu_check.md").write_text(render(results))
    print(render(results))
    return 0 if results["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
