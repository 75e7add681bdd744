"""Staging folders swapped in whole; an interrupted swap is finished by recover()."""

from __future__ import annotations

import os

from perflab.harness.staging import READY, recover, reset_stage, staging_root, swap_in


def _write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)


def test_swap_in_replaces_every_target_whole(tmp_path):
    targets = {"a": tmp_path / "A", "b": tmp_path / "B"}
    _write(targets["a"], "old.txt", "old a")
    root = staging_root(targets["a"])
    assert root == tmp_path / ".A.staging"
    staged = reset_stage(root, targets, seed=False)
    _write(staged["a"], "new.txt", "new a")
    _write(staged["b"], "new.txt", "new b")
    assert (targets["a"] / "old.txt").exists()  # nothing moves before swap_in
    swap_in(root, targets)
    assert sorted(os.listdir(targets["a"])) == ["new.txt"]
    assert (targets["b"] / "new.txt").read_text() == "new b"
    assert sorted(os.listdir(root)) == []  # old copies and the marker are gone


def test_seeded_stage_starts_as_a_copy(tmp_path):
    targets = {"a": tmp_path / "A"}
    _write(targets["a"], "keep.txt", "k")
    staged = reset_stage(staging_root(targets["a"]), targets, seed=True)
    assert (staged["a"] / "keep.txt").read_text() == "k"


def test_recover_finishes_a_swap_killed_between_its_renames(tmp_path):
    targets = {"a": tmp_path / "A", "b": tmp_path / "B"}
    root = staging_root(targets["a"])
    for name in targets:
        _write(targets[name], "f", "old")
        _write(root / name, "f", "new")
    # what a kill after the first target was moved aside leaves behind
    (root / READY).write_text("swap in progress\n")
    os.rename(targets["a"], root / "old-a")
    assert not targets["a"].exists()
    assert recover(root, targets)
    assert all((t / "f").read_text() == "new" for t in targets.values())
    assert not recover(root, targets)  # nothing left to do
