"""Records: JSON types that Hugging Face ``datasets`` can load from any set of shards."""

from __future__ import annotations

from perflab.warpgen.records import FAILED, FIELDS, NOT_RUN, PASSED, encode, make_record
from perflab.warpgen.validate import NOT_EXECUTED_NO_GPU, Validation


def _record(index: int, validation: Validation) -> dict:
    return make_record(
        backend="cpu",
        category="elementwise",
        variant="map",
        kernel_name=f"map_k{index}",
        index=index,
        seed=0,
        key=f"{index:064x}",
        python_source="import warp as wp\n",
        generated_code="// code\n",
        warp_version="1.19.0",
        options={"enable_backward": True},
        validation=validation.to_dict(),
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
