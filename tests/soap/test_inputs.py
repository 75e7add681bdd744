"""Bad input raises a clear error naming the field; ase.Atoms frames are accepted."""

from __future__ import annotations

import ase
import numpy as np
import pytest

from perflab.soap import AniSOAP, Frame, FrameError, HyperparameterError

HYPERS = dict(max_angular=2, radial_basis="gto", cutoff_radius=4.0, radial_gaussian_width=1.0)


def arrays(n=4):
    rng = np.random.default_rng(0)
    q = rng.normal(size=(n, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    return dict(
        positions=rng.uniform(0, 5, size=(n, 3)),
        species=np.array([1, 2, 1, 2][:n]),
        quaternions=q,
        diameters=rng.uniform(1, 2, size=(n, 3)),
    )


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("quaternions", None, "quaternions: missing"),
        ("quaternions", np.ones((4, 4)), "quaternions: must be unit"),
        ("quaternions", np.ones((4, 3)), "quaternions: expected shape"),
        ("diameters", -np.ones((4, 3)), "diameters: must be strictly positive"),
        ("diameters", np.zeros((4, 3)), "diameters: must be strictly positive"),
        ("diameters", np.ones((3, 3)), "diameters: expected 4 rows"),
        ("positions", np.full((4, 3), np.nan), "positions: contains 12 NaN"),
        ("positions", np.ones((4, 2)), "positions: expected shape"),
        ("species", np.array([1.5, 1, 1, 1]), "species: must be integers"),
        ("species", np.array([1, 1, 1]), "species: expected shape"),
        ("species", np.array([-1, 1, 1, 1]), "species: must be non-negative"),
        ("cell", np.zeros((3, 3)), "cell: lattice vectors are degenerate"),
        ("cell", np.eye(2), "cell: expected shape"),
        ("cell", np.eye(3)[:2], "cell: expected 3 rows, got 2"),
        ("species", np.array([1, 2, 2**31, 1]), "species: labels must be at most"),
    ],
)
def test_bad_frame_input_names_the_field(field, value, match):
    kw = arrays()
    kw[field] = value
    with pytest.raises(FrameError, match=match):
        Frame(**kw)


def test_nan_in_quaternions_and_diameters():
    for field in ("quaternions", "diameters"):
        kw = arrays()
        kw[field] = kw[field].copy()
        kw[field][1, 0] = np.nan
        with pytest.raises(FrameError, match=f"{field}: contains 1 NaN"):
            Frame(**kw)


def test_frame_error_is_a_value_error():
    assert issubclass(FrameError, ValueError)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(max_angular=-1), "max_angular: must be in"),
        (dict(max_angular=99), "max_angular: must be in"),
        (dict(max_angular=2.5), "max_angular: must be an int"),
        (dict(cutoff_radius=-1.0), "cutoff_radius: must be positive"),
        (dict(cutoff_radius=float("nan")), "cutoff_radius: must be positive"),
        (dict(radial_gaussian_width=None), "radial_gaussian_width: required"),
        (dict(radial_gaussian_width=-0.5), "radial_gaussian_width: must be a positive"),
        (dict(radial_basis="bessel"), "radial_basis: must be one of"),
        (dict(backend="jax"), "backend: must be one of"),
        (dict(backend="torch", dtype="float16"), "dtype: must be one of"),
        (dict(backend="numpy", dtype="float32"), "dtype: the numpy backend"),
        (dict(max_radial=[1, 2]), "max_radial: a list needs"),
        (dict(max_radial=-2), "max_radial: must be >= 0"),
        (dict(batch_size=0), "batch_size: must be a positive"),
        (dict(layout="weird"), "layout: must be one of"),
        (dict(radial_gaussian_width="1.5"), "radial_gaussian_width: must be a number"),
        (dict(max_radial=2.0), "max_radial: must be None, an int or a list"),
        (dict(orthonormalize="no"), "orthonormalize: must be True or False"),
        (dict(device="tpu"), "device: must be 'cpu' or 'cuda'"),
        (dict(species=[1, 1, 2]), "species: labels must be distinct"),
        (dict(species=[-1, 2]), "species: labels must be in"),
        (dict(species="CH"), "species: must be a list of ints"),
        (dict(species=[1.0, 2.0]), "species: labels must be ints"),
        (dict(species=[]), "species: need at least one label"),
    ],
)
def test_bad_hyperparameters_name_the_field(kwargs, match):
    with pytest.raises(HyperparameterError, match=match):
        AniSOAP(**{**HYPERS, **kwargs})


def test_cuda_request_without_cuda_is_an_error_not_a_fallback():
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    with pytest.raises(RuntimeError, match="device: CUDA requested"):
        AniSOAP(**HYPERS, backend="torch", device="cuda")


def test_bad_frames_argument():
    calc = AniSOAP(**HYPERS)
    with pytest.raises(FrameError, match="frames: need at least one"):
        calc.power_spectrum([])
    with pytest.raises(FrameError, match="frames: expected perflab.soap.Frame or ase.Atoms"):
        calc.power_spectrum([np.zeros((3, 3))])
    with pytest.raises(FrameError, match="frames: expected a Frame, an ase.Atoms or a sequence"):
        calc.power_spectrum({"frame": Frame(**arrays())})


def test_species_outside_the_fixed_list_is_rejected():
    calc = AniSOAP(**HYPERS, species=[1])
    with pytest.raises(ValueError, match="species: frames contain labels \\[2\\]"):
        calc.expansion([Frame(**arrays())])


def to_atoms(frame_kw, pbc=False, cell=None):
    atoms = ase.Atoms(
        numbers=frame_kw["species"], positions=frame_kw["positions"], cell=cell, pbc=pbc
    )
    atoms.arrays["c_q"] = frame_kw["quaternions"]
    for k in range(3):
        atoms.arrays[f"c_diameter[{k + 1}]"] = frame_kw["diameters"][:, k]
    return atoms


@pytest.mark.parametrize("pbc", [False, True])
def test_ase_atoms_frames_give_the_same_numbers(pbc):
    kw = arrays()
    cell = np.diag([9.0, 8.0, 10.0]) if pbc else None
    atoms = to_atoms(kw, pbc=pbc, cell=cell if pbc else np.zeros((3, 3)))
    calc = AniSOAP(**HYPERS)
    np.testing.assert_array_equal(
        calc.power_spectrum([atoms]), calc.power_spectrum([Frame(**kw, cell=cell)])
    )
    back = Frame.from_ase(Frame(**kw, cell=cell).to_ase())
    np.testing.assert_array_equal(back.positions, kw["positions"])
    assert back.periodic == pbc


def test_ase_atoms_without_orientations():
    atoms = to_atoms(arrays())
    del atoms.arrays["c_q"]
    with pytest.raises(FrameError, match="quaternions: ase.Atoms has no array 'c_q'"):
        AniSOAP(**HYPERS).power_spectrum([atoms])
    atoms = to_atoms(arrays(), pbc=[True, False, True], cell=np.eye(3) * 5)
    with pytest.raises(FrameError, match="cell: partial periodicity"):
        Frame.from_ase(atoms)


def test_ase_atoms_read_back_from_extended_xyz(tmp_path):
    """ase.io reads the column ``c_diameter[1]`` back as ``c_diameter1``: both are accepted."""
    import ase.io

    kw = arrays()
    path = tmp_path / "frames.xyz"
    ase.io.write(path, [to_atoms(kw)], format="extxyz")
    (atoms,) = ase.io.read(path, index=":")
    assert "c_diameter1" in atoms.arrays and "c_diameter[1]" not in atoms.arrays
    calc = AniSOAP(**HYPERS)
    np.testing.assert_allclose(
        calc.power_spectrum([atoms]), calc.power_spectrum([Frame(**kw)]), rtol=1e-6
    )
    del atoms.arrays["c_diameter2"]
    with pytest.raises(FrameError, match="diameters: ase.Atoms has no array 'c_diameter\\[2\\]'"):
        Frame.from_ase(atoms)
