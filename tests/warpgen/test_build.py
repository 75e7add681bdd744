"""The build: pass rates, stats vs disk, datasets loading, determinism, kill -9 and resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from perflab.warpgen.build import BuildConfig, config_from_args, run_build
from perflab.warpgen.errors import BuildConfigError
from perflab.warpgen.generate import CATEGORY_NAMES
from perflab.warpgen.records import BACKENDS, FIELDS
from perflab.warpgen.stats import dataset_stats, read_stats
from perflab.warpgen.storage import Layout, iter_backend

ROOT = Path(__file__).resolve().parents[2]


def _shards(root: Path) -> dict[str, bytes]:
    return {f"{b}/{p.name}": p.read_bytes() for b in BACKENDS for p in Layout(root).shard_files(b)}


def _cli(*args: str, **kw) -> subprocess.Popen:
    env = dict(os.environ, PYTHONHASHSEED="random")
    return subprocess.Popen(
        [sys.executable, "-m", "perflab.warpgen.build", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        **kw,
    )


def test_smoke_set_validates_100_percent(smoke_build):
    cfg, stats = smoke_build
    for b in BACKENDS:
        d = stats["dataset"][b]
        assert d["records"] >= len(CATEGORY_NAMES)
        assert d["bytes"] >= cfg.target_bytes
        v = d["validation"]
        assert v["sampled"] == d["records"], "smoke validates every kernel"
        for chk in ("cpu_compiled", "launched", "outputs_finite", "ptx_compiled"):
            assert v["checks"][chk]["tried"] == d["records"]
            assert v["checks"][chk]["rate"] == 1.0, (chk, v["failures"])
        # the numpy equivalence check runs on a part of the modules and never fails
        eq = v["checks"]["equivalence"]
        assert eq["tried"] >= 5 and eq["rate"] == 1.0, v["failures"]
        assert v["failures"] == []
        assert set(d["categories"]) == set(CATEGORY_NAMES)
    assert stats["build"]["generator_failures"]["count"] == 0


def test_records_have_the_schema_and_both_backends_pair_up(smoke_build):
    cfg, _ = smoke_build
    layout = Layout(cfg.root)
    cpu = [r for r, _ in iter_backend(layout, "cpu")]
    cuda = [r for r, _ in iter_backend(layout, "cuda")]
    assert [r["id"] for r in cpu] == [r["id"] for r in cuda]
    assert len({r["id"] for r in cpu}) == len(cpu)
    for r in cpu + cuda:
        assert set(FIELDS) <= set(r)
        assert r["warp_version"] == "1.19.0"
        assert r["options"]["target"] == r["backend"]
        assert r["validation"]["cuda_note"]
    assert all("cpu_kernel_forward" in r["generated_code"] for r in cpu)
    assert all("__global__" in r["generated_code"] for r in cuda)


def test_preamble_plus_record_is_the_generated_module(smoke_build):
    """Stripping the preamble loses nothing: preamble + generated_code is warp's text."""
    from perflab.warpgen import codegen
    from perflab.warpgen.generate import generate_kernel
    from perflab.warpgen.normalize import normalize_generated
    from perflab.warpgen.storage import read_preamble

    cfg, _ = smoke_build
    layout = Layout(cfg.root)
    recs = {b: next(iter_backend(layout, b))[0] for b in BACKENDS}
    spec = generate_kernel(cfg.seed, recs["cpu"]["index"])
    mod = codegen.load_source(spec.python_source, "wg_test_preamble")
    try:
        code = codegen.generate_code(
            getattr(mod, spec.kernel_name),
            enable_backward=recs["cpu"]["options"]["enable_backward"],
        )
    finally:
        codegen.unload(mod)
    for b in BACKENDS:
        r = recs[b]
        full = read_preamble(layout, b, r["preamble_sha256"]) + r["generated_code"]
        assert full == normalize_generated(getattr(code, b))
        assert r["tokens"]["tokenizer"] == "perflab-code-v1" and r["tokens"]["generated_code"] > 0
        assert r["licence"] == "MIT" and r["synthetic"] is True
        assert r["compile_options"]["compiler"].startswith("clang" if b == "cpu" else "nvrtc")


def test_every_skeleton_lies_in_one_split_and_is_stored_once(smoke_build):
    cfg, _ = smoke_build
    recs = [r for r, _ in iter_backend(Layout(cfg.root), "cpu")]
    skeletons = [r["skeleton_id"] for r in recs]
    assert len(skeletons) == len(set(skeletons))  # skeleton_cap = 1
    launched = [r for r in recs if r["validation"]["sampled"]]
    assert all(len(r["validation"]["output_sha256"]) == 64 for r in launched)
    assert all(r["launches"][0]["dim"] for r in recs)


def test_stats_file_matches_the_disk(smoke_build):
    cfg, stats = smoke_build
    on_file = read_stats(cfg.stats_path)
    assert on_file["dataset"] == json.loads(json.dumps(dataset_stats(Layout(cfg.root))))
    for b in BACKENDS:
        files = Layout(cfg.root).shard_files(b)
        assert on_file["dataset"][b]["bytes"] == sum(p.stat().st_size for p in files)
        cat_bytes = sum(c["bytes"] for c in on_file["dataset"][b]["categories"].values())
        assert cat_bytes == on_file["dataset"][b]["bytes"]
    assert on_file["throughput"]["wall_s_total"] > 0
    assert on_file["env"]["versions"]["warp"] == "1.19.0"


def test_shards_load_with_hugging_face_datasets(smoke_build):
    import datasets

    cfg, stats = smoke_build
    ds = datasets.load_dataset(
        "json",
        data_files=Layout(cfg.root).data_files(),
        cache_dir=str(cfg.root.parent / "hf-cache"),
    )
    for b in BACKENDS:
        assert ds[b].num_rows == stats["dataset"][b]["records"]
        assert set(FIELDS) <= set(ds[b].column_names)
        assert ds[b][0]["backend"] == b


def test_samples_are_written_and_spread_over_categories(smoke_build):
    cfg, _ = smoke_build
    for b in BACKENDS:
        lines = (Layout(cfg.root).samples_dir / f"{b}.jsonl").read_text().splitlines()
        recs = [json.loads(x) for x in lines]
        assert 0 < len(recs) <= 100
        assert {r["category"] for r in recs} == set(CATEGORY_NAMES)


def test_two_runs_with_the_same_seed_are_byte_identical(tmp_path):
    """Different worker counts, same seed: the same bytes (no validation: kept fast)."""
    args = dict(target_mb=0.1, sample_rate=0.0, shard_kernels=3, seed=5)
    a = run_build(config_from_args(out=tmp_path / "a", workers=1, **args))
    b = run_build(config_from_args(out=tmp_path / "b", workers=2, **args))
    sa, sb = _shards(tmp_path / "a" / "warp-kernels"), _shards(tmp_path / "b" / "warp-kernels")
    assert sa and sa == sb
    assert a["dataset"] == b["dataset"]
    assert a["dataset"]["cpu"]["validation"]["sampled"] == 0


def _kill_midway(out: Path, args: list[str]) -> int:
    """Start the CLI build, SIGKILL its whole process group once a shard is committed."""
    manifest = out / "warp-kernels" / "manifest.json"
    proc = _cli(*args, "--out", str(out))
    committed = 0
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if manifest.exists():
            done = json.loads(manifest.read_text())["done"]
            if len(done) >= 1:
                committed = len(done)
                os.killpg(proc.pid, signal.SIGKILL)
                break
        time.sleep(0.01)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the build finished before it could be killed"
    return committed


def _resume_and_compare(out: Path, args: list[str], ref_root: Path, committed: int) -> None:
    resumed = _cli(*args, "--out", str(out))
    log, _ = resumed.communicate(timeout=280)
    assert resumed.returncode == 0, log.decode()[-3000:]
    manifest = json.loads((out / "warp-kernels" / "manifest.json").read_text())
    assert manifest["extra"]["runs"][-1]["started_shard"] >= committed  # kept finished shards
    layout, ref = Layout(out / "warp-kernels"), Layout(ref_root)
    total = len(ref.shard_files("cpu"))
    assert committed < total, f"kill must land mid-way ({committed} of {total} shards done)"
    for b in BACKENDS:
        ids = [r["id"] for r, _ in iter_backend(layout, b)]
        ref_ids = [r["id"] for r, _ in iter_backend(ref, b)]
        assert len(ids) == len(set(ids)), "duplicate id after resume"
        assert ids == ref_ids, "missing or extra ids after resume"
    # byte for byte the dataset of an uninterrupted build with the same seed
    assert _shards(out / "warp-kernels") == _shards(ref_root)


def test_sigkill_mid_build_then_resume_completes_without_duplicates(tmp_path):
    """A real SIGKILL of the CLI build and its workers; the rerun completes the same dataset."""
    args = ["--target-mb", "0.4", "--shard-kernels", "2", "--sample-rate", "0.05", "--workers", "1"]
    ref = run_build(
        config_from_args(
            out=tmp_path / "ref", target_mb=0.4, shard_kernels=2, sample_rate=0.05, workers=2
        )
    )
    assert ref["build"]["shards_committed"] >= 10
    committed = _kill_midway(tmp_path / "killed", args)
    _resume_and_compare(tmp_path / "killed", args, tmp_path / "ref" / "warp-kernels", committed)


@pytest.mark.deep
def test_sigkill_of_the_smoke_build_then_resume(smoke_build, tmp_path):
    """The same on the fully validated smoke build (slower: every kernel is compiled)."""
    cfg, _ = smoke_build
    args = ["--smoke", "--workers", "2"]
    committed = _kill_midway(tmp_path / "killed", args)
    _resume_and_compare(tmp_path / "killed", args, cfg.root, committed)


def test_resume_with_other_parameters_is_refused(smoke_build, tmp_path):
    from perflab.harness import ManifestError

    cfg, _ = smoke_build
    other = BuildConfig(root=cfg.root, stats_path=tmp_path / "s.json", target_mb=0.3, seed=99)
    with pytest.raises(ManifestError):
        run_build(other)


def test_resume_of_shards_from_another_generator_version_is_refused(
    smoke_build, tmp_path, monkeypatch
):
    # the same seed gives other kernels once the generator changes: never mix the two
    from perflab.harness import ManifestError
    from perflab.warpgen import build

    cfg, _ = smoke_build
    monkeypatch.setattr(build, "GENERATOR_VERSION", build.GENERATOR_VERSION + 1)
    again = BuildConfig(root=cfg.root, stats_path=tmp_path / "s.json", target_mb=cfg.target_mb)
    with pytest.raises(ManifestError):
        run_build(again)


@pytest.mark.parametrize(
    "kw",
    [
        {"target_mb": 0},
        {"target_mb": -5},
        {"target_mb": float("inf")},
        {"target_mb": float("nan")},
        {"workers": -1},
        {"sample_rate": 1.5},
        {"shard_kernels": 0},
        {"seed": -1},
        {"ptx_arch": 70},
    ],
)
def test_bad_config_raises(kw):
    with pytest.raises(BuildConfigError):
        BuildConfig(**kw)


@pytest.mark.parametrize("kw", [{"shard_kernels": 0}, {"shard_kernels": 0, "smoke": True}])
def test_flags_given_as_zero_are_checked_not_replaced_by_defaults(kw, tmp_path):
    """``--shard-kernels 0`` is an error, not a silent "use the default"."""
    with pytest.raises(BuildConfigError, match="shard_kernels"):
        config_from_args(out=tmp_path, **kw)


def test_notebook_flags_are_the_cli_flags_and_are_checked(tmp_path):
    from perflab.harness.nbargs import parse_flags
    from perflab.warpgen.build import config_from_flags

    flags = parse_flags(
        f"--target-mb 1.5 --seed 3 --shard-kernels 7 --sample-rate 0.5 --out {tmp_path}"
    )
    cfg = config_from_flags(flags)
    assert (cfg.target_mb, cfg.seed, cfg.shard_kernels, cfg.sample_rate) == (1.5, 3, 7, 0.5)
    assert cfg.root == tmp_path / "warp-kernels" and not cfg.smoke
    assert config_from_flags(parse_flags("-- --smoke")).sample_rate == 1.0  # as run as a script
    assert config_from_flags(parse_flags("")).root == Path("build/warp_dataset/warp-kernels")
    published = config_from_flags(parse_flags("--publish"))
    assert published.root == Path("artefacts/datasets/warp-kernels")
    assert published.stats_path == Path("reports/warp_dataset_stats.json")
    # a dashboard (writes=False) reads the published build
    assert config_from_flags(parse_flags(""), writes=False).root == published.root
    with pytest.raises(BuildConfigError, match="never published"):
        config_from_flags(parse_flags("--smoke --publish"))
    with pytest.raises(BuildConfigError, match="--target_mb"):  # a typo is not a 200 MB build
        config_from_flags(parse_flags("--target_mb 1"))
    with pytest.raises(BuildConfigError, match="--seed needs a whole number"):
        config_from_flags(parse_flags("--seed 1.5"))
    with pytest.raises(BuildConfigError, match="--target-mb needs a number"):
        config_from_flags(parse_flags("--target-mb lots"))


def test_samples_are_swapped_in_whole(smoke_build, tmp_path, monkeypatch):
    """A build that fails while writing its samples (here: the CUDA ones) leaves the previous
    samples of every backend as they were; written to completion they are swapped in whole."""
    import shutil

    from perflab.harness.staging import staging_root
    from perflab.warpgen import samples
    from perflab.warpgen.storage import Layout

    cfg, _ = smoke_build
    root = tmp_path / "warp-kernels"
    shutil.copytree(cfg.root, root)
    layout = Layout(root)
    before = {p.name: p.read_bytes() for p in layout.samples_dir.iterdir()}
    assert sorted(before) == ["cpu.jsonl", "cuda.jsonl"]
    (layout.samples_dir / "cpu.jsonl").write_bytes(b"")  # an older sample set
    old = {p.name: p.read_bytes() for p in layout.samples_dir.iterdir()}
    real = samples.select_samples

    def failing(layout_, backend, limit=samples.MAX_SAMPLES):
        if backend == "cuda":
            raise OSError("disk full")
        return real(layout_, backend, limit)

    monkeypatch.setattr(samples, "select_samples", failing)
    with pytest.raises(OSError, match="disk full"):
        samples.write_samples(layout)
    assert {p.name: p.read_bytes() for p in layout.samples_dir.iterdir()} == old
    monkeypatch.setattr(samples, "select_samples", real)
    samples.write_samples(layout)
    assert {p.name: p.read_bytes() for p in layout.samples_dir.iterdir()} == before
    assert not staging_root(layout.samples_dir).exists()
