"""What a benchmark run measures: systems x backends, for the presets and the sweeps.

A :class:`Case` is one (system, backend configuration) pair. Presets:

- ``tiny``: seconds (CI smoke): the small golden systems, a 100-particle fluid, a few rings.
- ``cpu``: the golden systems (incl. ``golden_bench_2sp``, the acceptance system), benzene-like
  rings, and ellipsoid fluids of 10^2 to 10^4 particles at fixed density (numpy only up to
  300 particles: its per-pair loop would take minutes beyond).
- ``gpu``: ``cpu`` plus CUDA rows at every size (recorded as skipped where there is no GPU).

Every preset times the reference package (anisoap 0.1.1, ``make reference``) on the golden
systems in the same run, interleaved with our backends; without it those rows are recorded
as skipped with the reason "reference not installed".

Sweeps: ``species`` (benzene-like rings with 1 to 6 species at a constant particle count,
the expansion and the power spectrum timed separately), ``threads`` (the default per-call
thread choice against one thread and against torch's default thread count, on the
seed-size case, alone and beside two CPU-burning processes), ``batch`` (pairs per torch
batch).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

__all__ = [
    "ACCEPT_SYSTEM",
    "BURNERS",
    "CUDA32",
    "CUDA64",
    "HYPERS",
    "NUMPY",
    "PRESETS",
    "REFERENCE",
    "SPECIES_COUNTS",
    "SWEEPS",
    "TORCH32",
    "TORCH64",
    "WHATS",
    "Backend",
    "Case",
    "System",
    "benzene",
    "fluid",
    "golden",
    "make_calculator",
    "preset_cases",
    "sweep_cases",
]

#: the hyperparameters of the golden files (and of every benchmark)
HYPERS: dict[str, Any] = dict(
    max_angular=6, radial_basis="gto", cutoff_radius=7.0, radial_gaussian_width=1.5
)
PRESETS = ("tiny", "cpu", "gpu")
SWEEPS = ("species", "threads", "batch")
#: what a case times: one AniSOAP method call
WHATS = ("expansion", "power_spectrum")
#: the seed-size acceptance system (10 frames x 40 ellipsoids, 2 species)
ACCEPT_SYSTEM = "golden_bench_2sp"
#: CPU-burning processes beside the loaded thread cases
BURNERS = 2
#: species counts of the species sweep (a ring has six sites)
SPECIES_COUNTS = (1, 2, 3, 4, 5, 6)


@dataclass(frozen=True)
class Backend:
    """A backend configuration: ``numpy``, ``torch`` on ``device`` in ``dtype``, or
    ``reference`` (anisoap 0.1.1, pure-Python moments)."""

    backend: str
    device: str = "cpu"
    dtype: str = "float64"
    threads: int | None = None  # torch intra-op threads per call (None: the library's "auto")
    batch_size: int | None = None

    @property
    def label(self) -> str:
        if self.backend in ("numpy", "reference"):
            return self.backend
        return f"torch-{self.device}-{self.dtype}"

    @property
    def threads_label(self) -> str:
        """``"auto"`` (the library's per-call choice) or the pinned count; ``"1"`` for numpy
        and the reference (single-threaded Python loops)."""
        if self.backend != "torch":
            return "1"
        return "auto" if self.threads is None else str(self.threads)


def make_calculator(backend: Backend) -> Any:
    """An :class:`~perflab.soap.AniSOAP` (or, for ``reference``, a
    :class:`~perflab.soap.bench.reference_runner.ReferenceRunner`) with the benchmark
    hyperparameters on ``backend``."""
    if backend.backend == "reference":
        from perflab.soap.bench.reference_runner import ReferenceRunner

        return ReferenceRunner(HYPERS)
    from perflab.soap.calculator import AniSOAP

    return AniSOAP(
        **HYPERS,
        backend=backend.backend,
        device=backend.device if backend.backend == "torch" else None,
        dtype=backend.dtype,
        batch_size=backend.batch_size,
        threads="auto" if backend.threads is None else backend.threads,
    )


NUMPY = Backend("numpy")
TORCH64 = Backend("torch", "cpu", "float64")
TORCH32 = Backend("torch", "cpu", "float32")
CUDA64 = Backend("torch", "cuda", "float64")
CUDA32 = Backend("torch", "cuda", "float32")
REFERENCE = Backend("reference")


@dataclass(frozen=True)
class System:
    """A benchmark system, built by :func:`perflab.soap.bench.runner.build_system`."""

    family: str  # "golden" | "benzene" | "fluid"
    name: str
    params: tuple[tuple[str, Any], ...] = ()

    def param(self, key: str, default: Any = None) -> Any:
        return dict(self.params).get(key, default)


def golden(name: str) -> System:
    return System("golden", name, (("file", name),))


def fluid(n: int, seed: int = 0) -> System:
    return System("fluid", f"fluid_{n}", (("n_particles", n), ("seed", seed)))


def benzene(n_species: int, n_frames: int = 10, n_molecules: int = 8) -> System:
    return System(
        "benzene",
        f"benzene_{n_frames}x{6 * n_molecules}_{n_species}sp",
        (("n_frames", n_frames), ("n_molecules", n_molecules), ("n_species", n_species)),
    )


@dataclass(frozen=True)
class Case:
    sweep: str  # "main" for a preset's cases, else the sweep name
    system: System
    backend: Backend
    repeats: int = 5
    warmup: int = 1
    interleave: str = ""  # consecutive cases with the same label are timed round-robin
    what: str = "expansion"  # the AniSOAP method timed (WHATS)
    burners: int = 0  # CPU-burning processes running beside the case's group

    def describe(self) -> dict[str, Any]:
        return {
            "sweep": self.sweep,
            "family": self.system.family,
            "system": self.system.name,
            "backend": self.backend.label,
            **{k: v for k, v in asdict(self.backend).items() if k not in ("backend", "threads")},
            "threads": self.backend.threads_label,
            "what": self.what,
            "burners": self.burners,
            "backend_kind": self.backend.backend,
            "repeats": self.repeats,
            "warmup": self.warmup,
            "interleaved": bool(self.interleave),
        }


def preset_cases(preset: str, *, threads: int | None = None) -> list[Case]:
    """The main cases of ``preset``; ``threads`` pins torch's intra-op threads for its torch
    CPU cases (``None``: the library's per-call "auto" choice, see
    :mod:`perflab.soap.threads`); the ``threads`` sweep measures the difference."""
    if threads is not None and (
        isinstance(threads, bool) or int(threads) != threads or threads < 1
    ):
        raise ValueError(f"threads: must be a positive integer or None, got {threads!r}")
    cases = _preset_cases(preset)
    if threads is None:
        return cases
    return [
        replace(c, backend=replace(c.backend, threads=int(threads)))
        if c.backend.backend == "torch" and c.backend.device == "cpu"
        else c
        for c in cases
    ]


def _preset_cases(preset: str) -> list[Case]:
    if preset not in PRESETS:
        raise ValueError(f"preset: must be one of {PRESETS}, got {preset!r}")
    cases: list[Case] = []
    if preset == "tiny":
        for name in ("golden_small_1sp", "golden_small_3sp"):
            for b in (REFERENCE, NUMPY, TORCH64, TORCH32, CUDA64):
                reps = 1 if b is REFERENCE else 2
                cases.append(Case("main", golden(name), b, repeats=reps, warmup=0, interleave=name))
        for n in (30, 100):
            for b in (TORCH64, TORCH32):
                cases.append(Case("main", fluid(n), b, repeats=2, warmup=0, interleave="fluids"))
        return cases
    torch_backends = [TORCH64, TORCH32]
    gpu_backends = [CUDA64, CUDA32] if preset == "gpu" else [CUDA64]
    for name in ("golden_small_1sp", "golden_small_3sp", "golden_bench_2sp"):
        # the backends of one golden system are timed round-robin (the acceptance ratios
        # compare them, so they should see the same machine load)
        for b in [REFERENCE, NUMPY, *torch_backends, *gpu_backends]:
            reps = {REFERENCE: 3, NUMPY: 5}.get(b, 11)
            warm = 0 if b is REFERENCE else 1
            cases.append(Case("main", golden(name), b, repeats=reps, warmup=warm, interleave=name))
    for b in [NUMPY, *torch_backends]:
        reps = 2 if b is NUMPY else 5
        cases.append(Case("main", benzene(1), b, repeats=reps, warmup=0 if b is NUMPY else 1))
    sizes = (100, 300, 1000, 3000, 10000)
    for n in sizes:  # the scaling series: timed round-robin (see run_group)
        for b in [*torch_backends, *(gpu_backends if preset == "gpu" else [])]:
            cases.append(Case("main", fluid(n), b, repeats=7, warmup=1, interleave="fluids"))
    for n in (100, 300):
        cases.append(Case("main", fluid(n), NUMPY, repeats=2, warmup=0))
    return cases


def sweep_cases(sweep: str, *, smoke: bool = False) -> list[Case]:
    """The cases of one sweep (``smoke``: a seconds-long version)."""
    if sweep not in SWEEPS:
        raise ValueError(f"sweep: must be one of {SWEEPS}, got {sweep!r}")
    cases: list[Case] = []
    if sweep == "species":
        return _species_cases(smoke)
    if sweep == "threads":
        return _thread_cases(smoke)
    sizes = (64, 8192) if smoke else (256, 1024, 4096, 16384, 65536)
    system = golden("golden_small_1sp") if smoke else fluid(3000)
    for bs in sizes:
        for base in (TORCH64,) if smoke else (TORCH64, TORCH32):
            b = Backend(base.backend, base.device, base.dtype, batch_size=bs)
            cases.append(Case(sweep, system, b, repeats=2 if smoke else 5, warmup=1))
    return cases


def _species_cases(smoke: bool) -> list[Case]:
    """Benzene-like rings with 1..6 species at a constant particle count (10 frames x 48
    ellipsoids; 1 x 6 in smoke), the expansion and the power spectrum timed separately.
    All cases are one round-robin group, so that a drift in the machine's load hits every
    species count alike (timed one after the other, the curves followed the load)."""
    frames, molecules = (1, 1) if smoke else (10, 8)
    backends = (TORCH64,) if smoke else (NUMPY, TORCH64, TORCH32)
    cases = []
    for k in SPECIES_COUNTS:
        system = benzene(k, frames, molecules)
        for what in WHATS:
            for b in backends:
                reps = 1 if smoke else (3 if b is NUMPY else 7)
                cases.append(
                    Case(
                        "species",
                        system,
                        b,
                        repeats=reps,
                        warmup=0 if smoke else 1,
                        interleave="species",
                        what=what,
                    )
                )
    return cases


def _thread_cases(smoke: bool) -> list[Case]:
    """The default thread choice ("auto") against one thread and against torch's default
    count on this machine, on the seed-size system, alone and beside ``BURNERS`` CPU-burning
    processes; each group timed round-robin so that both see the same load."""
    import torch

    system = golden("golden_small_1sp" if smoke else ACCEPT_SYSTEM)
    counts = sorted({1, torch.get_num_threads()})
    cases = []
    for burners in (0, BURNERS):
        for base in (TORCH64,) if smoke else (TORCH64, TORCH32):
            for t in [None, *counts]:
                b = Backend(base.backend, base.device, base.dtype, threads=t)
                cases.append(
                    Case(
                        "threads",
                        system,
                        b,
                        repeats=2 if smoke else 18,
                        warmup=1,
                        interleave=f"threads-{base.dtype}-{burners}",
                        burners=burners,
                    )
                )
    return cases
