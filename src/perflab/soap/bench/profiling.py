"""Profiles of one warm call per backend: a cProfile ``.prof`` file, a table of the top
functions by self time, and a flame graph (PNG) of the call tree.

For the torch backend cProfile sees the Python-level calls into torch operators (each
operator's time is attributed to the ``torch`` built-in that launched it), which is the level
at which the vectorised code can be changed. The flame graph comes from a second warm call
sampled by pyinstrument (full call stacks, which cProfile does not keep): each bar is one
function in one call path, its width the share of the call's wall time, callers below callees.
Open a ``.prof`` file with ``python -m pstats FILE`` or snakeviz.
"""

from __future__ import annotations

import cProfile
import os
import pstats
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import altair as alt
import polars as pl
import torch
from pyinstrument import Profiler

from perflab.harness import save_chart
from perflab.soap.bench.cases import Backend, make_calculator
from perflab.soap.frames import Frame

__all__ = [
    "FLAME_MAX_DEPTH",
    "FLAME_MIN_SHARE",
    "flame_chart",
    "flame_rows",
    "merged_tree",
    "profile_backend",
]

#: flame-graph bars narrower than this share of the call, or deeper than this, are dropped
FLAME_MIN_SHARE = 0.005
FLAME_MAX_DEPTH = 40


def _name(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    if filename == "~":
        return name  # a built-in
    marker = "site-packages/"
    if marker in filename:
        filename = filename.split(marker, 1)[1]
    elif "/src/" in filename:
        filename = filename.split("/src/", 1)[1]
    return f"{filename}:{line}({name})"


def _top_rows(prof: cProfile.Profile, top: int) -> tuple[float, list[dict[str, Any]]]:
    stats = pstats.Stats(prof)
    total = stats.total_tt
    rows = []
    entries = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)
    for func, (_cc, nc, tt, ct, _callers) in entries[:top]:
        rows.append(
            {
                "function": _name(func),
                "calls": nc,
                "self_s": tt,
                "self_pct": 100.0 * tt / total if total > 0 else 0.0,
                "cumulative_s": ct,
            }
        )
    return total, rows


@dataclass
class _Node:
    """A call-tree node with the calls of one function from one caller merged."""

    function: str
    where: str
    module: str
    time: float = 0.0
    children: dict[tuple[str, str], _Node] = field(default_factory=dict)


def merged_tree(frame: Any) -> _Node:
    """pyinstrument's frame tree with siblings of the same function merged (its raw tree
    keeps one node per run of consecutive samples, so a loop gives many small siblings)."""
    path = frame.file_path_short or ""
    node = _Node(frame.function or "?", path, path.split("/")[0] or "(built-in)")
    _merge_into(node, frame)
    return node


def _merge_into(node: _Node, frame: Any) -> None:
    node.time += frame.time
    for child in frame.children:
        path = child.file_path_short or ""
        key = (child.function or "?", path)
        if key not in node.children:
            node.children[key] = _Node(key[0], path, path.split("/")[0] or "(built-in)")
        _merge_into(node.children[key], child)


def flame_rows(root: Any) -> list[dict[str, Any]]:
    """Bars of a pyinstrument frame tree (siblings merged): ``x0``/``x1`` as shares of the
    root's time, widest callee first."""
    tree = merged_tree(root)
    total = tree.time or 1.0
    rows: list[dict[str, Any]] = []
    stack = [(tree, 0.0, 0)]
    while stack:
        node, x0, depth = stack.pop()
        share = node.time / total
        if share < FLAME_MIN_SHARE or depth > FLAME_MAX_DEPTH:
            continue
        rows.append(
            {
                "function": node.function,
                "where": node.where,
                "module": node.module,
                "depth": depth,
                "x0": x0,
                "x1": x0 + share,
                "share_pct": 100.0 * share,
                "seconds": node.time,
            }
        )
        x = x0
        for child in sorted(node.children.values(), key=lambda c: -c.time):
            stack.append((child, x, depth + 1))
            x += child.time / total
    return rows


def flame_chart(rows: list[dict[str, Any]], title: str) -> alt.Chart:
    data = pl.DataFrame(rows).with_columns(
        (pl.col("depth") + 1).alias("top"),
        pl.when(pl.col("x1") - pl.col("x0") > 0.06)
        .then(pl.col("function"))
        .otherwise(pl.lit(""))
        .alias("label"),
    )
    base = alt.Chart(data.to_pandas()).encode(
        x=alt.X("x0:Q", scale=alt.Scale(domain=[0, 1]), title="share of the call's wall time"),
        x2="x1:Q",
        y=alt.Y("depth:Q", title="stack depth (caller below callee)"),
        y2="top:Q",
    )
    bars = base.mark_rect(stroke="white", strokeWidth=0.5).encode(
        color=alt.Color("module:N", legend=alt.Legend(title="module")),
        tooltip=["function", "where", "share_pct", "seconds"],
    )
    text = base.mark_text(align="left", dx=2, dy=-6, fontSize=8).encode(
        x="x0:Q", y="top:Q", text="label:N"
    )
    return (bars + text).properties(title=title, width=900, height=420)


def profile_backend(
    backend: Backend,
    frames: list[Frame],
    *,
    out_dir: Path | None = None,
    stem: str = "",
    what: str = "expansion",
    top: int = 12,
) -> dict[str, Any]:
    """Profile one warm call of ``what``; with ``out_dir``, writes ``<stem>.prof`` and
    ``<stem>_flame.png`` there. Returns the total profiled seconds, the top functions by
    self time and the files written."""
    calc = make_calculator(backend)
    call = getattr(calc, what)
    call(frames)  # warm
    prof = cProfile.Profile()
    prof.enable()
    call(frames)
    if backend.device == "cuda":
        torch.cuda.synchronize()
    prof.disable()
    total, rows = _top_rows(prof, top)
    out: dict[str, Any] = {"total_s": total, "rows": rows, "files": {}}
    if out_dir is None:
        return out
    out_dir.mkdir(parents=True, exist_ok=True)
    prof_path = out_dir / f"{stem}.prof"
    tmp = out_dir / f".{stem}.prof.tmp"
    prof.dump_stats(tmp)
    os.replace(tmp, prof_path)
    sampler = Profiler(interval=0.0005)
    sampler.start()
    call(frames)
    sampler.stop()
    chart = flame_chart(flame_rows(sampler.last_session.root_frame()), f"{stem}: one warm call")
    out["files"] = {"prof": prof_path, "flame": save_chart(chart, out_dir / f"{stem}_flame.png")}
    return out
