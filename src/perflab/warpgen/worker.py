"""The work of one shard, run in a worker process: generate, code-generate, validate, encode.

Everything here depends only on ``(seed, index)`` and the build parameters, never on which
worker runs it or when, so shards are reproducible byte for byte. Timings are returned to the
driver for the stats file but never written into records.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from perflab.warpgen import codegen
from perflab.warpgen.generate import category_of, generate_kernel
from perflab.warpgen.normalize import (
    assert_normalized,
    normalize_generated,
    python_key,
    split_preamble,
)
from perflab.warpgen.records import BACKENDS, encode, make_record
from perflab.warpgen.skeleton import skeleton_id
from perflab.warpgen.spec import KernelSpec
from perflab.warpgen.tokens import count_tokens
from perflab.warpgen.validate import Validation, validate_kernel

__all__ = [
    "BACKWARD_FRACTION",
    "KernelResult",
    "ShardResult",
    "build_shard",
    "init_worker",
    "kernel_choices",
    "launches_of",
    "process_kernel",
]

BACKWARD_FRACTION = 0.9  # share of kernels generated with enable_backward=True

_WORK_DIR: Path | None = None


@dataclass
class KernelResult:
    """One kernel's outcome: its encoded records, or the generator failure."""

    index: int
    category: str
    variant: str
    key: str = ""
    cpu_line: bytes = b""
    cuda_line: bytes = b""
    error: str = ""
    skeleton: str = ""
    # backend -> (sha256, text) of the preamble stripped from the generated code
    preambles: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class ShardResult:
    shard: int
    kernels: list[KernelResult] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def init_worker(work_dir: str) -> None:
    """Process initialiser: warp with a kernel cache private to this process."""
    global _WORK_DIR
    _WORK_DIR = Path(work_dir) / f"worker-{os.getpid()}"
    # warp and NVRTC put precompiled headers in the temp folder and, when the pool is
    # terminated, never remove them: keep them in the build's work folder (removed afterwards)
    tmp = _WORK_DIR / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    os.environ["TMPDIR"] = str(tmp)
    tempfile.tempdir = str(tmp)
    codegen.init_warp(_WORK_DIR / "kernel-cache")


def kernel_choices(seed: int, index: int, sample_rate: float) -> tuple[bool, bool]:
    """(enable_backward, in_validation_sample) for kernel ``index``, drawn from its seed."""
    u = np.random.default_rng([seed, index, 1_000_003]).random(2)
    return bool(u[0] < BACKWARD_FRACTION), bool(u[1] < sample_rate)


def _clean_error(msg: str) -> str:
    if _WORK_DIR is not None:
        msg = msg.replace(str(_WORK_DIR), "<work>")
    return " ".join(msg.split())[:2000]


def launches_of(spec: KernelSpec) -> list[dict]:
    """Launch dimensions and argument shapes of every kernel of the module (record field)."""
    out = []
    for k in spec.kernels:
        args = [{"name": a.name, "kind": a.kind, "shape": list(a.shape)} for a in k.args]
        out.append(
            {
                "kernel": k.kernel_name,
                "dim": list(k.dim),
                "block_dim": int(k.block_dim or 0),
                "args": args,
            }
        )
    return out


def _strip(text: str, kernel_name: str) -> tuple[str, str, str]:
    """(preamble sha256, preamble, rest) of raw generated code."""
    text = normalize_generated(text)
    assert_normalized(text, kernel_name)
    pre, rest = split_preamble(text)
    return hashlib.sha256(pre.encode("utf-8")).hexdigest(), pre, rest


def process_kernel(
    seed: int, index: int, sample_rate: float, ptx_arch: int, timing: dict
) -> KernelResult:
    """Generate kernel ``index``, run warp's code generation, validate if sampled."""
    t0 = time.perf_counter()
    try:
        spec = generate_kernel(seed, index)
        src = spec.python_source
        key = python_key(src)
        skel = skeleton_id(src)
    except Exception as exc:  # a generator bug: recorded as a failure of this kernel
        return KernelResult(
            index, category_of(index), "", error=f"generate: {type(exc).__name__}: {exc}"
        )
    backward, sampled = kernel_choices(seed, index, sample_rate)
    res = KernelResult(index, spec.category, spec.variant, key, skeleton=skel)
    # unique per content and options: warp caches binaries by module name when strip_hash is on
    digest = hashlib.sha256(f"{src}\0{backward}".encode()).hexdigest()[:24]
    t1 = time.perf_counter()
    try:
        pymod = codegen.load_source(src, f"wgk_{digest}")
    except Exception as exc:
        res.error = _clean_error(f"load: {type(exc).__name__}: {exc}")
        return res
    try:
        kernel = getattr(pymod, spec.kernel_name)
        code = codegen.generate_code(kernel, enable_backward=backward, cuda_arch=ptx_arch)
        texts = {}
        for b in BACKENDS:
            sha, pre, rest = _strip(getattr(code, b), spec.kernel_name)
            res.preambles[b] = (sha, pre)
            texts[b] = rest
        t2 = time.perf_counter()
        if sampled:
            val = validate_kernel(
                spec,
                pymod,
                seed=seed,
                index=index,
                work_dir=_WORK_DIR or ".",
                ptx_arch=ptx_arch,
            )
            val.error = _clean_error(val.error)
        else:
            val = Validation(ptx_arch=f"sm_{ptx_arch}")
        t3 = time.perf_counter()
        timing["generate"] = timing.get("generate", 0.0) + (t1 - t0)
        timing["codegen"] = timing.get("codegen", 0.0) + (t2 - t1)
        timing["validate"] = timing.get("validate", 0.0) + (t3 - t2)
        common = dict(
            category=spec.category,
            variant=spec.variant,
            kernel_names=[k.kernel_name for k in spec.kernels],
            index=index,
            seed=seed,
            key=key,
            python_source=src,
            warp_version=codegen.WARP_VERSION,
            options=code.options,
            launches=launches_of(spec),
            validation=val.to_dict(),
            skeleton_id=skel,
            python_tokens=count_tokens(src),
        )
        for b in BACKENDS:
            rec = make_record(
                backend=b,
                generated_code=texts[b],
                preamble_sha256=res.preambles[b][0],
                compile_options=code.compile_options[b],
                **common,
            )
            setattr(res, f"{b}_line", encode(rec))
    except Exception as exc:
        res.error = _clean_error(f"{type(exc).__name__}: {exc}")
    finally:
        codegen.unload(pymod)
    return res


def build_shard(
    seed: int, shard: int, start: int, stop: int, sample_rate: float, ptx_arch: int
) -> ShardResult:
    """Process kernels ``start..stop-1`` (one shard)."""
    out = ShardResult(shard)
    for index in range(start, stop):
        out.kernels.append(process_kernel(seed, index, sample_rate, ptx_arch, out.seconds))
    return out
