"""Atlas builds on a real Dask cluster (issue 12): a ``dask scheduler`` and two ``dask
worker`` processes on 127.0.0.1; the shards are byte-identical to a local build, also when
a worker is killed with SIGKILL mid-build; an unreachable scheduler fails at once."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from perflab.atlas.__main__ import main
from perflab.atlas.builder import build
from perflab.atlas.plan import get_plan
from perflab.harness.cluster import ClusterError, compute_target

pytestmark = pytest.mark.smoke

FAMILIES = ["random_polygon", "random_polygon_product", "halfspace_polytope_4d", "perturbed"]


def _plan_file(tmp: Path, per_family: int) -> Path:
    plan = get_plan("atlas-small")
    small = plan.restricted(
        families=[f for f in FAMILIES if f in plan.family_names()], per_family=per_family
    )
    path = tmp / "plan.json"
    path.write_text(json.dumps(small.to_dict()))
    return path


def _data(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted((folder / "data").rglob("*.parquet"))
    }


def _dask(*args: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dask", *args],
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
        start_new_session=True,  # the whole group is killed at the end
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LoopbackCluster:
    """A scheduler and two single-threaded workers without nannies (a SIGKILLed worker
    stays dead), each in its own process group."""

    def __init__(self, tmp: Path) -> None:
        self.address = f"tcp://127.0.0.1:{_free_port()}"
        self.scheduler_log = tmp / "scheduler.log"
        port = self.address.rsplit(":", 1)[1]
        self.scheduler = _dask(
            "scheduler", "--host", "127.0.0.1", "--port", port, "--dashboard-address", ":0",
            "--no-show", log=tmp / "scheduler.log",
        )  # fmt: skip
        self.workers = [
            _dask(
                "worker",
                self.address,
                "--nthreads",
                "1",
                "--no-nanny",
                "--dashboard-address",
                ":0",
                "--name",
                f"w{i}",
                log=tmp / f"worker{i}.log",
            )  # fmt: skip
            for i in range(2)
        ]
        from distributed import Client

        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(self.address, timeout=5) as client:
                    client.wait_for_workers(2, timeout=max(1.0, deadline - time.monotonic()))
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise

    def processes(self) -> list[subprocess.Popen]:
        return [self.scheduler, *self.workers]

    def close(self) -> None:
        """SIGKILL every process group (the workers hold nothing worth a graceful close)."""
        for proc in self.processes():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = LoopbackCluster(tmp_path_factory.mktemp("dask"))
    try:
        yield c
    finally:
        c.close()
    assert all(p.poll() is not None for p in c.processes())


@pytest.fixture(scope="module")
def plan_and_local(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("local")
    plan_path = _plan_file(tmp, per_family=4)
    res = build(get_plan(str(plan_path)), tmp / "local")
    assert res.complete and res.rows_computed >= 10
    return plan_path, _data(tmp / "local")


def test_a_build_through_scheduler_matches_a_local_build(cluster, plan_and_local, tmp_path):
    plan_path, local = plan_and_local
    code = main(
        ["build", str(plan_path), "--out", str(tmp_path), "--scheduler", cluster.address,
         "--quiet", "--no-charts"]
    )  # fmt: skip
    assert code == 0
    folder = tmp_path / "datasets" / get_plan(str(plan_path)).atlas
    assert _data(folder) == local
    runs = (tmp_path / "benchmarks" / get_plan(str(plan_path)).atlas / "runs.jsonl").read_text()
    assert f"Dask cluster at {cluster.address}" in runs


def test_a_worker_killed_mid_build_costs_only_its_rows(cluster, plan_and_local, tmp_path):
    """SIGKILL one worker once rows have started coming back: the scheduler reruns its
    rows on the other worker and the shards are still those of the local build."""
    plan_path, local = plan_and_local
    victim = cluster.workers[0]
    seen = []

    def row_done(rec):
        seen.append(rec["polytope_id"])
        if len(seen) == 2:
            os.killpg(victim.pid, signal.SIGKILL)

    res = build(
        get_plan(str(plan_path)), tmp_path / "ds", scheduler=cluster.address, row_done=row_done
    )
    assert victim.wait(timeout=10) == -signal.SIGKILL
    assert res.complete
    assert _data(tmp_path / "ds") == local
    assert len(seen) == res.rows_computed  # every row once, none lost
    log = cluster.scheduler_log.read_text()
    assert "Remove worker" in log and "name: w0" in log


def test_an_unreachable_scheduler_fails_at_once(tmp_path, capsys):
    plan_path = _plan_file(tmp_path, per_family=1)
    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    t0 = time.monotonic()
    with pytest.raises(SystemExit) as exc:
        main(["build", str(plan_path), "--out", str(tmp_path / "o"), "--scheduler", address])
    assert exc.value.code == 2
    assert time.monotonic() - t0 < 5
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"cannot reach the Dask scheduler at {address}" in err
    assert not (tmp_path / "o").exists()  # nothing was written


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"scheduler": "localhost:8786"}, "tcp://HOST:PORT"),
        ({"scheduler": "tcp://h:1", "cluster": "local"}, "not both"),
        ({"cluster": "pbs"}, "--cluster knows"),
        ({"scheduler": "tcp://h:1", "workers": 4}, "does not apply"),
    ],
)
def test_bad_cluster_options_are_refused(kwargs, match):
    workers = kwargs.pop("workers", 1)
    with pytest.raises(ClusterError, match=match):
        compute_target(workers, **kwargs)


@pytest.mark.deep  # a notebook process plus an embedded cluster: ~20 s
def test_a_notebook_takes_the_cluster_flags(tmp_path):
    """``python notebooks/atlas_tiny.py --smoke --cluster local --workers 2`` builds on an
    embedded Dask cluster and writes the bytes of a one-process build of the same plan."""
    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "nb"
    r = subprocess.run(
        [sys.executable, str(root / "notebooks/atlas_tiny.py"), "--smoke", "--out", str(out),
         "--cluster", "local", "--workers", "2"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    runs = (out / "benchmarks" / "atlas-tiny-smoke" / "runs.jsonl").read_text()
    assert "local Dask cluster of 2 workers" in runs
    plan = get_plan("atlas-tiny")
    smoke = plan.restricted(families=plan.family_names()[:3], per_family=1)
    build(smoke, tmp_path / "inline")
    assert _data(out / "datasets" / "atlas-tiny-smoke") == _data(tmp_path / "inline")


@pytest.mark.deep  # an embedded cluster started twice: ~20 s
def test_a_client_killed_mid_build_leaves_no_worker_and_resumes(plan_and_local, tmp_path):
    """SIGKILL the client of a ``--cluster local`` build once rows are journalled: its Dask
    worker processes go with it, and a re-run resumes to the bytes of a local build."""
    import psutil

    plan_path, local = plan_and_local
    cmd = [sys.executable, "-m", "perflab.atlas", "build", str(plan_path), "--out",
           str(tmp_path), "--cluster", "local", "--workers", "2", "--quiet",
           "--no-charts"]  # fmt: skip
    client = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    work = tmp_path / "datasets" / get_plan(str(plan_path)).atlas / ".work"
    deadline = time.monotonic() + 120
    while not any(p.stat().st_size for p in work.glob("*.jsonl")) and client.poll() is None:
        assert time.monotonic() < deadline, "no row was journalled"
        time.sleep(0.02)
    assert client.poll() is None, "the build finished before it could be killed"
    children = psutil.Process(client.pid).children(recursive=True)
    assert children  # the embedded cluster's processes
    client.kill()
    client.wait()
    gone, alive = psutil.wait_procs(children, timeout=30)
    assert alive == [], f"Dask processes outlived their client: {alive}"
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert r.returncode == 0, r.stderr[-2000:]
    assert _data(tmp_path / "datasets" / get_plan(str(plan_path)).atlas) == local
