"""Tables and altair charts of an atlas, for the notebooks' dashboards.

All functions take the ``datasets.Dataset`` of :func:`perflab.atlas.load` (or its polars
frame from :func:`frame`) and return polars frames or altair charts; nothing here reads or
writes files.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

__all__ = [
    "FACET_RANGES",
    "TABLE_COLUMNS",
    "agreement",
    "capacity_vs_volume",
    "coordinate_names",
    "cycle_chart",
    "cycle_projection_frame",
    "filter_controls",
    "filter_family",
    "filter_rows",
    "frame",
    "methods",
    "projection_pairs",
    "row_by_id",
    "selected_id",
    "summary_line",
    "systolic_by_family",
    "systolic_histogram",
    "top_systolic",
]

#: Scalar columns shown in tables (the arrays stay in the dataset).
TABLE_COLUMNS = (
    "polytope_id",
    "family",
    "dimension",
    "num_vertices",
    "num_facets",
    "volume",
    "ehz_capacity",
    "capacity_method",
    "capacity_spread",
    "systolic_ratio",
    "status_haim_kislev",
    "status_billiards",
    "status_reeb",
    "status_branch_bound",
)


def frame(ds: Any) -> Any:
    """The scalar columns of the atlas as a polars DataFrame (plan order)."""
    import polars as pl

    cols = [c for c in TABLE_COLUMNS if c in ds.column_names]
    return pl.from_arrow(ds.select_columns(cols).data.table)


def row_by_id(ds: Any, polytope_id: str) -> dict[str, Any]:
    """The full row (arrays included) of ``polytope_id``."""
    ids = ds.select_columns(["polytope_id"]).to_dict()["polytope_id"]
    try:
        return ds[ids.index(polytope_id)]
    except ValueError:
        raise KeyError(f"no polytope {polytope_id!r} in this atlas") from None


def selected_id(selection: Any, fallback: Any, ds: Any) -> str:
    """The id of the row picked in a table (``selection``: a frame, maybe empty), else the
    first of ``fallback`` (a frame), else the atlas's first row."""
    if selection is not None and len(selection) > 0:
        return str(selection["polytope_id"][0])
    if fallback is not None and len(fallback) > 0:
        return str(fallback["polytope_id"][0])
    return str(ds[0]["polytope_id"])


def filter_family(df: Any, family: str | None) -> Any:
    """Rows of one family (``None`` or ``"all"``: every row)."""
    import polars as pl

    if family in (None, "", "all"):
        return df
    return df.filter(pl.col("family") == family)


def top_systolic(df: Any, k: int = 10, min_dimension: int = 4) -> Any:
    """The ``k`` rows with the largest systolic ratio (ties by id, so the order is stable),
    among polytopes of dimension >= ``min_dimension`` (in the plane sys = area/area = 1)."""
    import polars as pl

    return (
        df.filter(pl.col("systolic_ratio").is_not_null() & (pl.col("dimension") >= min_dimension))
        .sort(["systolic_ratio", "polytope_id"], descending=[True, False])
        .head(k)
    )


def agreement(df: Any) -> Any:
    """Per row: which capacity algorithms succeeded and their spread (max - min)."""
    import polars as pl

    methods = [
        c
        for c in ("status_billiards", "status_reeb", "status_branch_bound", "status_haim_kislev")
        if c in df.columns
    ]
    return df.select(
        "polytope_id",
        "family",
        "num_facets",
        *methods,
        "capacity_method",
        "ehz_capacity",
        pl.col("capacity_spread"),
    )


def systolic_by_family(df: Any) -> Any:
    """Systolic-ratio distribution per family (box plot, min-max whiskers), sys = 1 marked."""
    import altair as alt
    import polars as pl

    data = df.filter(pl.col("systolic_ratio").is_not_null())
    box = (
        alt.Chart(data)
        .mark_boxplot(extent="min-max")
        .encode(
            x=alt.X("systolic_ratio:Q", title="systolic ratio c^n / (n! vol)"),
            y=alt.Y("family:N", title=None),
            color=alt.Color("family:N", legend=None),
        )
    )
    one = alt.Chart(pl.DataFrame({"x": [1.0]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    return (box + one).properties(title="Systolic ratio per family", width=480, height=300)


def capacity_vs_volume(df: Any) -> Any:
    """EHZ capacity against volume, per family, on log axes (4D: sys = 1 is c^2 = 2 vol)."""
    import altair as alt
    import polars as pl

    data = df.filter(pl.col("ehz_capacity").is_not_null() & pl.col("volume").is_not_null())
    return (
        alt.Chart(data)
        .mark_point(filled=True, opacity=0.7)
        .encode(
            x=alt.X("volume:Q", scale=alt.Scale(type="log"), title="volume"),
            y=alt.Y("ehz_capacity:Q", scale=alt.Scale(type="log"), title="EHZ capacity"),
            color=alt.Color("family:N"),
            shape=alt.Shape("dimension:N"),
            tooltip=["polytope_id", "family", "volume", "ehz_capacity", "systolic_ratio"],
        )
        .properties(title="Capacity vs volume", width=480, height=320)
    )


def projection_pairs(dim: int) -> list[tuple[int, int]]:
    """Coordinate pairs to draw, symplectic planes (q_i, p_i) first, then the others."""
    n = dim // 2
    sympl = [(i, i + n) for i in range(n)]
    rest = [p for p in itertools.combinations(range(dim), 2) if p not in sympl]
    return sympl + rest


def coordinate_names(dim: int) -> list[str]:
    n = dim // 2
    if n == 1:
        return ["q", "p"]
    return [f"q{i + 1}" for i in range(n)] + [f"p{i + 1}" for i in range(n)]


def _hull_2d(points: np.ndarray) -> np.ndarray:
    """The convex hull of planar points in counter-clockwise order (closed: first repeated)."""
    from scipy.spatial import ConvexHull, QhullError

    pts = np.unique(np.round(points, 12), axis=0)
    if len(pts) < 3:
        return np.vstack([pts, pts[:1]])
    try:
        idx = ConvexHull(pts).vertices
    except QhullError:  # all projected points on a line
        order = np.lexsort(pts.T[::-1])
        idx = np.array([order[0], order[-1]])
    return np.vstack([pts[idx], pts[idx[:1]]])


def cycle_projection_frame(row: dict[str, Any]) -> Any:
    """Long-format frame of the polytope outline and its minimal-action cycle in each 2D
    coordinate projection: columns ``plane``, ``kind`` (outline | cycle), ``order``, x, y."""
    import polars as pl

    V = np.asarray(row["vertices"], dtype=np.float64)
    C = np.asarray(row["min_action_cycle"] or np.zeros((0, V.shape[1])), dtype=np.float64)
    names = coordinate_names(V.shape[1])
    recs: dict[str, list[Any]] = {"plane": [], "kind": [], "order": [], "x": [], "y": []}
    for i, j in projection_pairs(V.shape[1]):
        plane = f"({names[i]}, {names[j]})"
        parts = [("outline", _hull_2d(V[:, [i, j]]))]
        if len(C):
            parts.append(("cycle", np.vstack([C[:, [i, j]], C[:1, [i, j]]])))
        for kind, pts in parts:
            for k, (x, y) in enumerate(pts):
                recs["plane"].append(plane)
                recs["kind"].append(kind)
                recs["order"].append(k)
                recs["x"].append(float(x))
                recs["y"].append(float(y))
    return pl.DataFrame(recs)


def cycle_chart(row: dict[str, Any], columns: int = 3) -> Any:
    """The minimal-action cycle (red, with its bounce points) over the polytope's shadow
    (grey) in every 2D coordinate projection of one atlas row."""
    import altair as alt

    df = cycle_projection_frame(row)
    planes = list(dict.fromkeys(df["plane"].to_list()))  # symplectic planes first
    color = alt.Color(
        "kind:N",
        scale=alt.Scale(domain=["outline", "cycle"], range=["#999999", "#d62728"]),
        legend=alt.Legend(title=None, orient="bottom"),
    )
    xy = {
        "x": alt.X("x:Q", title=None, scale=alt.Scale(zero=False)),
        "y": alt.Y("y:Q", title=None, scale=alt.Scale(zero=False)),
    }
    lines = alt.Chart().mark_line().encode(**xy, color=color, detail="kind:N", order="order:Q")
    points = (
        alt.Chart()
        .mark_point(filled=True, size=30)
        .encode(**xy, color=color)
        .transform_filter(alt.datum.kind == "cycle")
    )
    layer = alt.layer(lines, points, data=df)
    title = (
        f"{row['polytope_id']} ({row['family']}): c = {row['ehz_capacity']}, "
        f"sys = {row['systolic_ratio']}"
    )
    return (
        layer.properties(width=180, height=180)
        .facet(facet=alt.Facet("plane:N", title=None, sort=planes), columns=columns)
        .resolve_scale(x="independent", y="independent")
        .properties(title=title)
    )


#: Facet-count ranges offered by the dashboards' facet filter (inclusive bounds).
FACET_RANGES = {"all": (0, 10**9), "3-8": (3, 8), "9-16": (9, 16), "17+": (17, 10**9)}


def filter_rows(
    df: Any, family: str | None = None, facets: str = "all", method: str = "all"
) -> Any:
    """Rows of ``family`` (``"all"``: every family) whose facet count lies in the range
    ``FACET_RANGES[facets]`` and whose ``capacity_method`` is ``method`` (``"all"``: any,
    ``"none"``: rows without a capacity). Raises ``ValueError`` on an unknown range."""
    import polars as pl

    if facets not in FACET_RANGES:
        raise ValueError(f"facets must be one of {list(FACET_RANGES)}, got {facets!r}")
    lo, hi = FACET_RANGES[facets]
    out = filter_family(df, family).filter(pl.col("num_facets").is_between(lo, hi))
    if method == "none":
        return out.filter(pl.col("capacity_method").is_null())
    if method not in (None, "", "all"):
        out = out.filter(pl.col("capacity_method") == method)
    return out


def methods(df: Any) -> list[str]:
    """The choices of the method filter: ``"all"``, each capacity method present, and
    ``"none"`` when some rows have no capacity."""
    present = df["capacity_method"].to_list()
    names = sorted({m for m in present if m})
    return ["all", *names, *(["none"] if any(m is None for m in present) else [])]


def summary_line(atlas: str, shown: Any, total: Any) -> str:
    """Markdown: how many of the atlas's rows the filters keep (the tests read it)."""
    return f"**{len(shown)} of {len(total)} polytopes** of {atlas} shown"


def systolic_histogram(df: Any, bins: int = 30) -> Any:
    """Histogram of the systolic ratio of the rows of dimension >= 4 (in the plane it is
    identically 1), stacked by family; sys = 1 marked."""
    import altair as alt
    import polars as pl

    data = df.filter(pl.col("systolic_ratio").is_not_null() & (pl.col("dimension") >= 4))
    hist = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("systolic_ratio:Q", bin=alt.Bin(maxbins=bins), title="systolic ratio"),
            y=alt.Y("count():Q", title="polytopes"),
            color=alt.Color("family:N"),
            tooltip=["family", "count()"],
        )
    )
    one = alt.Chart(pl.DataFrame({"x": [1.0]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    title = f"Systolic ratio, dimension >= 4 ({len(data)} polytopes)"
    return (hist + one).properties(title=title, width=480, height=260)


def filter_controls(mo: Any, df: Any) -> tuple[Any, Any, Any, Any]:
    """The dashboards' family, facet-range and capacity-method dropdowns (every one on
    ``"all"``) and a row of them: ``(family, facets, method, view)``; ``mo`` is marimo."""
    families = ["all", *sorted(set(df["family"].to_list()))]
    family = mo.ui.dropdown(families, value="all", label="family")
    facets = mo.ui.dropdown(list(FACET_RANGES), value="all", label="facets")
    method = mo.ui.dropdown(methods(df), value="all", label="capacity method")
    return family, facets, method, mo.hstack([family, facets, method], justify="start")
