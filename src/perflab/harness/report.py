"""Reports: a Markdown file with its JSON twin, and altair charts saved offline."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from perflab.harness.atomic import atomic_write_bytes, atomic_write_text
from perflab.harness.jsonutil import json_default

__all__ = [
    "markdown_table",
    "save_chart",
    "write_report",
]


def write_report(
    path: str | os.PathLike[str], markdown: str, data: dict[str, Any]
) -> tuple[Path, Path]:
    """Write ``markdown`` to ``path`` (``.md``) and ``data`` to the same stem with ``.json``.

    Both are written atomically. Returns ``(md_path, json_path)``.
    """
    path = Path(path)
    if path.suffix != ".md":
        path = path.with_suffix(".md")
    json_path = path.with_suffix(".json")
    text = json.dumps(data, indent=2, sort_keys=True, default=json_default) + "\n"
    atomic_write_text(json_path, text)
    atomic_write_text(path, markdown if markdown.endswith("\n") else markdown + "\n")
    return path, json_path


def save_chart(chart: Any, path: str | os.PathLike[str], *, scale: float = 1.0) -> Path:
    """Save an altair chart to PNG or SVG (by suffix) offline with vl-convert.

    No network is needed: vl-convert bundles Vega, Vega-Lite and the fonts. altair's
    5,000-row guard (meant for specs sent to a browser) is lifted here: the data is
    rendered once, offline, into an image.
    """
    import altair as alt
    import vl_convert as vlc

    path = Path(path)
    if hasattr(chart, "to_json"):
        with alt.data_transformers.disable_max_rows():
            spec = chart.to_json()
    else:
        spec = json.dumps(chart)
    suffix = path.suffix.lower()
    if suffix == ".png":
        data = vlc.vegalite_to_png(spec, scale=scale)
    elif suffix == ".svg":
        data = vlc.vegalite_to_svg(spec).encode("utf-8")
    else:
        raise ValueError(f"save_chart: unsupported format {suffix!r} (use .png or .svg)")
    return atomic_write_bytes(path, data)


def markdown_table(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    """A GitHub-flavoured Markdown table of ``rows`` (floats shown with 4 significant digits)."""
    if not rows:
        return "_(no rows)_\n"
    columns = columns or list(rows[0].keys())

    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.4g}"
        return "" if v is None else str(v)

    out = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    out += ["| " + " | ".join(fmt(r.get(c)) for c in columns) + " |" for r in rows]
    return "\n".join(out) + "\n"
