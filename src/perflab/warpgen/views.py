"""Kernel browser for the Warp dataset's dashboards (warp_dataset and chief_report).

Pure presentation over the sample records of :mod:`perflab.warpgen.samples` (plain dicts):
filter them by category and variant, and lay out one kernel's Python source beside its
generated C++ (CPU) and CUDA C++ with its validation status. Nothing here reads or writes
files; the marimo module is passed in by the notebook.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "choices",
    "filter_controls",
    "filter_samples",
    "kernel_browser",
    "kernel_picker",
    "picked",
    "validation_line",
]


def choices(samples: list[dict[str, Any]], key: str) -> list[str]:
    """``"all"`` and the distinct values of ``key`` among ``samples``, sorted."""
    return ["all", *sorted({str(r[key]) for r in samples})]


def filter_samples(
    samples: list[dict[str, Any]], category: str = "all", variant: str = "all"
) -> list[dict[str, Any]]:
    """The samples of ``category`` and ``variant`` (``"all"``: any), in their order."""
    return [
        r
        for r in samples
        if category in ("all", r["category"]) and variant in ("all", r["variant"])
    ]


def validation_line(rec: dict[str, Any]) -> str:
    """Markdown: the validation checks recorded for one sample (``not_run`` when the build
    did not sample it for validation)."""
    v = rec.get("validation") or {}
    parts = [f"{k} = {v[k]}" for k in sorted(v) if not isinstance(v[k], dict | list)]
    return "**validation**: " + (", ".join(parts) if parts else "none recorded")


def kernel_browser(mo: Any, rec: dict[str, Any] | None, cuda: dict[str, Any] | None) -> Any:
    """Python source | C++ (CPU) | CUDA C++ of one sample, side by side, with a header
    naming category, variant and kernel and the validation line."""
    if rec is None:
        return mo.md("_no sample kernel matches the filters_")

    def block(title: str, lang: str, text: str) -> Any:
        return mo.vstack([mo.md(f"**{title}**"), mo.md(f"```{lang}\n{text}\n```")])

    cuda_code = cuda["generated_code"] if cuda else "(no CUDA record for this sample)"
    return mo.vstack(
        [
            mo.md(
                f"#### `{rec['kernel_name']}`: category {rec['category']} · variant "
                f"{rec['variant']} · id `{rec['id']}`\n\n{validation_line(rec)}"
            ),
            mo.hstack(
                [
                    block("Python", "python", rec["python_source"]),
                    block("C++ (CPU)", "cpp", rec["generated_code"]),
                    block("CUDA C++", "cpp", cuda_code),
                ],
                widths="equal",
                align="start",
            ),
        ]
    )


def filter_controls(mo: Any, samples: list[dict[str, Any]], title: str) -> tuple[Any, Any, Any]:
    """The category and variant dropdowns over ``samples`` and a view of them under the
    heading ``title``: ``(category, variant, view)``."""
    category = mo.ui.dropdown(choices(samples, "category"), value="all", label="category")
    variant = mo.ui.dropdown(choices(samples, "variant"), value="all", label="variant")
    return category, variant, mo.vstack([mo.md(f"### {title}"), mo.hstack([category, variant])])


def kernel_picker(
    mo: Any, samples: list[dict[str, Any]], category: str, variant: str
) -> tuple[list[dict[str, Any]], Any, Any]:
    """The samples matching the filters, a dropdown of their ids (first preselected) and a
    view of it with the count: ``(matching, picker, view)``."""
    matching = filter_samples(samples, category, variant)
    picker = mo.ui.dropdown(
        options=[r["id"] for r in matching],
        value=matching[0]["id"] if matching else None,
        label="sample kernel",
    )
    count = mo.md(f"{len(matching)} of {len(samples)} sample kernels")
    return matching, picker, mo.hstack([picker, count])


def picked(matching: list[dict[str, Any]], sample_id: str | None) -> dict[str, Any] | None:
    """The sample with id ``sample_id`` among ``matching`` (None when absent)."""
    return next((r for r in matching if r["id"] == sample_id), None)
