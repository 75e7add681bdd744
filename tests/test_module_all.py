"""Every module of ``src/perflab`` states its public names in ``__all__`` (checked with ast,
without importing; ruff's F822 checks that each listed name exists)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "perflab"


def _has_all(tree: ast.Module) -> bool:
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            return True
    return False


def test_every_module_has_dunder_all():
    missing = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if not _has_all(ast.parse(path.read_text(encoding="utf-8"))):
            missing.append(rel)
    assert not missing, f"modules without __all__: {missing}"
