"""Where a job's tasks run: this process, a local process pool, or a Dask cluster.

A build names its place with a :class:`ComputeTarget` (checked by :func:`compute_target`)
and runs its tasks through :func:`open_executor`, which yields an object with
``submit(fn, *args) -> future`` for :func:`perflab.harness.pool.completed_results`:

- ``workers=1`` and no cluster: ``None`` (the caller runs the tasks in its own process);
- ``workers=N`` and no cluster: :func:`perflab.harness.pool.process_pool` (N spawned
  processes on this machine that die with it);
- ``cluster="local"``: an embedded ``distributed.LocalCluster`` of N single-threaded worker
  processes (Dask's nannies restart a worker that dies);
- ``cluster="slurm"``: a dask-jobqueue ``SLURMCluster`` of N batch jobs of one
  single-threaded worker each, submitted with ``sbatch`` from this (login) node; queue,
  account, memory and walltime come from Dask's configuration (``jobqueue.slurm.*`` in
  ``~/.config/dask/jobqueue.yaml``, or ``DASK_JOBQUEUE__SLURM__QUEUE=...`` variables);
- ``scheduler="tcp://HOST:PORT"``: the workers of a running Dask cluster (``dask scheduler``
  + ``dask worker``, or any dask-jobqueue cluster started apart).

On Dask a worker that dies (killed, out of memory) loses only its running tasks: the
scheduler gives them to another worker (``distributed.scheduler.allowed-failures`` times,
then :class:`distributed.KilledWorker`). Tasks are submitted with ``pure=False``, so two equal
tasks are two tasks. A scheduler that cannot be reached fails at once with
:class:`ClusterUnreachable`, before any file is touched. Workers must run the same software
as the client (their results decide the bytes of a dataset): :func:`software_fingerprint`
gives what must match.

References: Dask distributed documentation, "Futures" and "Resilience"
(https://distributed.dask.org/en/stable/resilience.html).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import socket
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from perflab.harness.pool import process_pool

__all__ = [
    "ClusterError",
    "ClusterUnreachable",
    "ComputeTarget",
    "DaskExecutor",
    "check_reachable",
    "SoftwareMismatch",
    "compute_target",
    "open_executor",
    "slurm_cluster",
    "software_fingerprint",
]

#: the packages whose versions decide what a task computes (and so a dataset's bytes)
FINGERPRINT_PACKAGES = ("perflab", "numpy", "scipy", "highspy", "pyarrow", "datasets")
CONNECT_TIMEOUT_S = 10.0
CLUSTERS = {"local": "local-cluster", "slurm": "slurm"}
SLURM_DEFAULT_MEMORY = "4GiB"  # per one-core worker, unless jobqueue.slurm.memory says
_ADDRESS = re.compile(r"^(tcp|tls)://(?P<host>[^:/\s]+|\[[0-9a-fA-F:]+\]):(?P<port>\d{1,5})$")


class ClusterError(RuntimeError):
    """A cluster option that cannot work (bad address, conflicting flags)."""


class ClusterUnreachable(ClusterError):
    """No Dask scheduler answers at the given address."""


class SoftwareMismatch(ClusterError):
    """A worker runs other versions of the packages that decide the results."""


@dataclass(frozen=True)
class ComputeTarget:
    """Where tasks run: ``kind`` is ``"inline"`` (this process), ``"processes"`` (a local
    pool of ``workers``), ``"local-cluster"`` (an embedded Dask ``LocalCluster`` of
    ``workers``) or ``"scheduler"`` (the Dask cluster at ``address``)."""

    kind: str
    workers: int = 1
    address: str | None = None

    @property
    def is_dask(self) -> bool:
        return self.kind in ("local-cluster", "slurm", "scheduler")

    def describe(self) -> str:
        if self.kind == "scheduler":
            return f"Dask cluster at {self.address}"
        if self.kind == "local-cluster":
            return f"local Dask cluster of {self.workers} workers"
        if self.kind == "slurm":
            return f"Slurm cluster of {self.workers} one-worker jobs"
        return "this process" if self.kind == "inline" else f"{self.workers} local processes"

    def flags(self) -> list[str]:
        """The command-line flags that name this target (to print a resume command)."""
        if self.kind == "scheduler":
            return ["--scheduler", str(self.address)]
        if self.kind in ("local-cluster", "slurm"):
            name = "local" if self.kind == "local-cluster" else "slurm"
            return ["--cluster", name, "--workers", str(self.workers)]
        return ["--workers", str(self.workers)] if self.workers != 1 else []


def compute_target(
    workers: int = 1, *, scheduler: str | None = None, cluster: str | None = None
) -> ComputeTarget:
    """Check the options and say where tasks will run.

    Parameters
    ----------
    workers : int
        Worker processes (>= 1) of a local pool or of ``cluster="local"``; the workers of a
        running cluster are the cluster's, so ``workers`` must stay 1 with ``scheduler``.
    scheduler : str, optional
        ``tcp://HOST:PORT`` (or ``tls://``) of a running Dask scheduler.
    cluster : str, optional
        ``"local"``: start an embedded ``distributed.LocalCluster`` of ``workers``;
        ``"slurm"``: submit ``workers`` Slurm jobs of one worker (dask-jobqueue).

    Raises
    ------
    ValueError
        ``workers`` is not a positive integer.
    ClusterError
        Both ``scheduler`` and ``cluster``, an unknown ``cluster``, a malformed address, or
        ``workers`` given with ``scheduler``.

    Examples
    --------
    >>> compute_target(2).describe()
    '2 local processes'
    >>> compute_target(2, cluster="local").flags()
    ['--cluster', 'local', '--workers', '2']
    """
    if isinstance(workers, bool) or int(workers) != workers or workers < 1:
        raise ValueError(f"workers must be a positive integer (>= 1), got {workers!r}")
    workers = int(workers)
    if scheduler is not None and cluster is not None:
        raise ClusterError("give either --scheduler ADDRESS or --cluster local, not both")
    if scheduler is not None:
        if not _ADDRESS.match(scheduler.strip()):
            raise ClusterError(
                f"--scheduler needs a Dask scheduler address like tcp://HOST:PORT, "
                f"got {scheduler!r}"
            )
        if workers != 1:
            raise ClusterError(
                "--workers does not apply with --scheduler: the cluster's workers compute the "
                "rows (start more with `dask worker ADDRESS`)"
            )
        return ComputeTarget("scheduler", 1, scheduler.strip())
    if cluster is not None:
        if cluster not in CLUSTERS:
            raise ClusterError(
                f"--cluster knows {sorted(CLUSTERS)} (an embedded Dask LocalCluster, or Slurm "
                f"jobs through dask-jobqueue), got {cluster!r}; for another cluster start it "
                f"and pass --scheduler ADDRESS"
            )
        return ComputeTarget(CLUSTERS[cluster], workers)
    return ComputeTarget("inline" if workers == 1 else "processes", workers)


@functools.cache
def software_fingerprint() -> dict[str, str]:
    """Python's version and those of :data:`FINGERPRINT_PACKAGES` in this process."""
    out = {"python": sys.version.split()[0]}
    for name in FINGERPRINT_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


def _checked(expected: dict[str, str], fn: Callable[..., Any], *args: Any) -> Any:
    """On a worker: ``fn(*args)`` if this worker runs the ``expected`` software."""
    mine = software_fingerprint()
    if mine != expected:
        diff = {k: (v, mine.get(k)) for k, v in expected.items() if mine.get(k) != v}
        shown = ", ".join(f"{k} {a} on the client, {b} here" for k, (a, b) in diff.items())
        raise SoftwareMismatch(
            f"Dask worker on {socket.gethostname()} runs other software than the client "
            f"({shown}); its rows could differ: install the same versions on every worker"
        )
    return fn(*args)


class DaskExecutor:
    """A ``distributed.Client`` seen as an executor: ``submit`` makes impure tasks."""

    def __init__(self, client: Any, target: ComputeTarget) -> None:
        self.client = client
        self.target = target

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` on a worker, after checking that the worker's software is ours
        (workers that join later, e.g. Slurm jobs, are checked too)."""
        return self.client.submit(_checked, software_fingerprint(), fn, *args, pure=False)

    def n_workers(self) -> int:
        return len(self.client.scheduler_info(n_workers=-1).get("workers", {}))


def check_reachable(target: ComputeTarget, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """For a ``"scheduler"`` target: open and close a TCP connection to it, or raise
    :class:`ClusterUnreachable` at once (connection refused, unknown host, timeout). Other
    targets need no network and pass."""
    if target.kind == "scheduler":
        _probe(str(target.address), timeout)


def _probe(address: str, timeout: float) -> None:
    """Open and close a TCP connection to the scheduler, or raise ClusterUnreachable."""
    m = _ADDRESS.match(address)
    assert m is not None  # checked by compute_target
    host, port = m.group("host").strip("[]"), int(m.group("port"))
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ClusterUnreachable(
            f"cannot reach the Dask scheduler at {address}: {reason} (is `dask scheduler` "
            f"running there, and the port open?)"
        ) from None


def slurm_cluster() -> Any:
    """A dask-jobqueue ``SLURMCluster`` whose jobs each run one single-threaded worker, with
    no job submitted yet (``.job_script()`` shows the batch script).

    Raises
    ------
    ClusterError
        dask-jobqueue is not installed, or ``sbatch`` is not on ``PATH``.
    """
    import shutil

    try:
        import dask
        from dask_jobqueue import SLURMCluster
    except ImportError:
        raise ClusterError(
            "--cluster slurm needs dask-jobqueue: pip install -c constraints.txt -e '.[cluster]'"
        ) from None
    if shutil.which("sbatch") is None:
        raise ClusterError(
            "--cluster slurm submits jobs with sbatch, which is not on PATH here: run the build "
            "on a Slurm login node (or start workers yourself and pass --scheduler ADDRESS)"
        )
    return SLURMCluster(
        cores=1,
        processes=1,
        memory=dask.config.get("jobqueue.slurm.memory", None) or SLURM_DEFAULT_MEMORY,
        scheduler_options={"dashboard_address": ":0"},
    )


def _submit_jobs(cluster: Any, jobs: int) -> None:
    """Check the worker job script with ``sbatch --test-only`` (Slurm validates it without
    queueing a job), then ask for ``jobs`` jobs: a refused script (bad partition, account or
    limits) is an error here rather than a build waiting for workers that never come."""
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".sh", prefix="perflab-worker-") as f:
        f.write(cluster.job_script())
        f.flush()
        proc = subprocess.run(
            ["sbatch", "--test-only", f.name], capture_output=True, text=True, timeout=120
        )
    if proc.returncode != 0:
        cluster.close()
        why = proc.stderr.strip() or proc.stdout.strip() or f"exit status {proc.returncode}"
        raise ClusterError(f"Slurm refused the worker job script (sbatch --test-only): {why}")
    cluster.scale(jobs=jobs)


@contextlib.contextmanager
def open_executor(
    target: ComputeTarget, *, connect_timeout: float = CONNECT_TIMEOUT_S
) -> Iterator[Any]:
    """The executor of ``target`` (``None`` for ``"inline"``), shut down on exit.

    Raises
    ------
    ClusterUnreachable
        ``target`` names a scheduler that does not answer within ``connect_timeout``.

    A worker with other versions of :data:`FINGERPRINT_PACKAGES` than this process refuses
    every task given to it with :class:`SoftwareMismatch` (raised where its result is read).
    """
    if target.kind == "inline":
        yield None
        return
    if target.kind == "processes":
        pool = process_pool(target.workers)  # workers die with this process
        try:
            yield pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    from distributed import Client, LocalCluster

    for name in ("distributed", "distributed.nanny", "distributed.worker"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if target.kind == "scheduler":
        check_reachable(target, connect_timeout)
        try:
            client = Client(str(target.address), timeout=connect_timeout)
        except OSError as exc:
            raise ClusterUnreachable(
                f"cannot connect to the Dask scheduler at {target.address}: {exc}"
            ) from None
        cluster = None
    elif target.kind == "slurm":
        cluster = slurm_cluster()
        _submit_jobs(cluster, target.workers)
        client = Client(cluster)
    else:
        cluster = LocalCluster(
            n_workers=target.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # any free port: 8787 may be taken
        )
        client = Client(cluster)
    try:
        yield DaskExecutor(client, target)
    finally:
        logging.getLogger("distributed").setLevel(logging.CRITICAL)
        client.close()
        if cluster is not None:
            cluster.close()
