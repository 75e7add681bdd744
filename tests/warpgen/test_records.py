"""Records: JSON types that Hugging Face ``datasets`` can load from any set of shards."""

from __future__ import annotations

from perflab.warpgen.records import FAILED, FIELDS, NOT_RUN, PASSED, encode, make_record
from perflab.warpgen.validate import NOT_EXECUTED_NO_GPU, Validation


def _record(index: int, validation: Validation) -> dict:
    return make_record(
        backend="cpu",
        category="elementwise",
        variant="map",
        kernel_names=[f"map_k{index}"],
        index=index,
        seed=0,
        key=f"{index:064x}",
        python_source="import warp as wp\n",
        generated_code="// code\n",
        preamble_sha256="0" * 64,
        warp_version="1.19.0",
        options={"enable_backward": True},
        compile_options={"compiler": "clang", "optimization_level": 2},
        launches=[{"kernel": f"map_k{index}", "dim": [8], "block_dim": 0, "args": []}],
        validation=validation.to_dict(),
        skeleton_id=f"{index:016x}",
        python_tokens=4,
    )


def test_validation_checks_are_never_null():
    """JSON null would make ``datasets`` type the column ``null`` in a shard with no sampled
    kernel, and refuse to load the next shard (``Couldn't cast array of type bool to null``)."""
    for v in (Validation(), Validation(sampled=True, cpu_compiled=FAILED)):
        assert None not in v.to_dict().values()
    assert Validation().cpu_compiled == NOT_RUN and PASSED != NOT_RUN


def test_shards_load_with_datasets_when_the_first_has_no_sampled_kernel(tmp_path):
    import datasets

    unsampled = Validation()
    checks = ("cpu_compiled", "launched", "outputs_finite", "ptx_compiled")
    sampled = Validation(
        sampled=True, cuda_note=NOT_EXECUTED_NO_GPU, **dict.fromkeys(checks, PASSED)
    )
    first, second = tmp_path / "shard-00000.jsonl", tmp_path / "shard-00001.jsonl"
    first.write_bytes(encode(_record(0, unsampled)) + encode(_record(1, unsampled)))
    second.write_bytes(encode(_record(2, sampled)) + encode(_record(3, unsampled)))
    ds = datasets.load_dataset(
        "json", data_files={"cpu": [str(first), str(second)]}, cache_dir=str(tmp_path / "hf")
    )["cpu"]
    assert ds.num_rows == 4 and set(FIELDS) <= set(ds.column_names)
    checks = [r["validation"]["cpu_compiled"] for r in ds]
    assert checks == [NOT_RUN, NOT_RUN, PASSED, NOT_RUN]


def test_new_fields_licence_synthetic_tokens_split():
    from perflab.warpgen.records import LICENCE, split_of
    from perflab.warpgen.tokens import TOKENIZER

    r = _record(5, Validation())
    assert r["licence"] == LICENCE == "MIT" and r["synthetic"] is True
    assert r["tokens"] == {"python": 4, "generated_code": 3, "tokenizer": TOKENIZER}  # / / code
    assert r["split"] == split_of(r["skeleton_id"])
    assert r["kernel_names"] == [r["kernel_name"]]


def test_split_depends_on_the_skeleton_only_and_is_about_80_10_10():
    from collections import Counter

    from perflab.warpgen.records import split_of

    ids = [f"{k:016x}" for k in range(20_000)]
    assert [split_of(i) for i in ids[:50]] == [split_of(i) for i in ids[:50]]
    share = Counter(split_of(i) for i in ids)
    assert abs(share["train"] / 20_000 - 0.8) < 0.01
    assert abs(share["validation"] / 20_000 - 0.1) < 0.01
    assert abs(share["test"] / 20_000 - 0.1) < 0.01
