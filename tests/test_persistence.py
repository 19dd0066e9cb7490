"""Determinism, clone, pickle and model files (tensors + JSON, never pickled code)."""

import json
import os
import pickle
import pickletools
import zipfile

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone

from synthaug import GANAugmenter
from conftest import fast_augmenter


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(3)
    n = 200
    X = pd.DataFrame({
        "x": rng.normal(size=n),
        "n": pd.array(np.where(rng.rand(n) < 0.2, None, rng.randint(0, 9, n)), dtype="Int64"),
        "c": pd.Categorical(rng.choice(["u", "v", "w"], n)),
        7: rng.rand(n) < 0.5,  # a non-string column name survives the JSON metadata
    })
    y = pd.Series(rng.choice(["p", "q"], n), name="y")
    return X, y


def test_same_seed_gives_bit_identical_models_and_samples(data):
    X, y = data
    a = fast_augmenter(random_state=5).fit(X, y)
    b = fast_augmenter(random_state=5).fit(X, y)
    assert a.history_[-1]["generator_loss"] == b.history_[-1]["generator_loss"]
    for ta, tb in zip(a.network_.state_dict().values(), b.network_.state_dict().values()):
        assert torch.equal(ta, tb)
    pd.testing.assert_frame_equal(a.sample(100)[0], b.sample(100)[0])
    c = fast_augmenter(random_state=6).fit(X, y)
    assert not a.sample(100)[0].equals(c.sample(100)[0])


def test_fit_leaves_the_global_torch_rng_alone(data):
    X, y = data
    torch.manual_seed(1234)
    expected = torch.rand(3)
    torch.manual_seed(1234)
    fast_augmenter().fit(X, y).sample(10)
    assert torch.equal(torch.rand(3), expected)


def test_clone_has_same_params_and_refits_identically(data):
    X, y = data
    a = fast_augmenter(random_state=2).fit(X, y)
    b = clone(a)
    assert b.get_params() == a.get_params() and not hasattr(b, "network_")
    pd.testing.assert_frame_equal(b.fit(X, y).sample(50)[0], a.sample(50)[0])


def test_pickle_round_trip_gives_identical_samples(data):
    X, y = data
    a = fast_augmenter().fit(X, y)
    b = pickle.loads(pickle.dumps(a))
    for left, right in zip(a.sample(80, random_state=9), b.sample(80, random_state=9)):
        pd.testing.assert_series_equal(left, right) if isinstance(left, pd.Series) \
            else pd.testing.assert_frame_equal(left, right)


def test_save_load_gives_identical_samples_and_metadata(data, tmp_path):
    X, y = data
    # Same device on both sides: CUDA and the CPU draw different random streams.
    a = fast_augmenter(sampling_strategy={"q": 150}, device="cpu").fit(X, y)
    path = tmp_path / "model.pt"
    a.save(path)
    b = GANAugmenter.load(path, device="cpu")
    assert b.get_params() == {**a.get_params(), "device": "cpu"}
    assert b.history_ == a.history_ and b.classes_.tolist() == a.classes_.tolist()
    assert b.n_samples_fit_ == a.n_samples_fit_ == len(X)
    assert not hasattr(a, "feature_names_in_") and not hasattr(b, "feature_names_in_")
    Xa, ya = a.sample(120, y="q", conditions={"c": "w"}, random_state=4)
    Xb, yb = b.sample(120, y="q", conditions={"c": "w"}, random_state=4)
    pd.testing.assert_frame_equal(Xa, Xb)
    pd.testing.assert_series_equal(ya, yb)
    assert Xb.dtypes.equals(X.dtypes)


@pytest.mark.parametrize("kind", ["model file", "checkpoint"])
def test_model_file_holds_no_pickled_objects(data, tmp_path, kind):
    """Only tensors and JSON: loading works with weights_only=True and the metadata is JSON."""
    X, y = data
    path = tmp_path / "model.pt"
    if kind == "checkpoint":
        fast_augmenter(checkpoint_path=path).fit(X, y)
    else:
        fast_augmenter().fit(X, y).save(path)
    blob = torch.load(path, weights_only=True)
    meta = json.loads(blob["metadata"])
    assert meta["format"] == "synthaug.GANAugmenter"
    assert all(isinstance(t, torch.Tensor) for part in ("state", "training")
               for t in blob[part].values())
    assert bool(blob["training"]) == (kind == "checkpoint")
    with zipfile.ZipFile(path) as archive:
        pickled = archive.read(next(n for n in archive.namelist() if n.endswith("data.pkl")))
    # the pickle stream names no class outside torch's tensor rebuilding machinery
    names = {arg for op, arg, _ in pickletools.genops(pickled) if op.name == "GLOBAL"}
    assert names and all(name.split()[0] in {"torch", "torch._utils", "collections"}
                         for name in names), names


def test_discrete_datetime_and_timedelta_columns_survive_save_load(tmp_path):
    rng = np.random.RandomState(0)
    X = pd.DataFrame({
        "day": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.randint(0, 3, 120), unit="D"),
        "wait": pd.to_timedelta(rng.choice([5, 10], 120), unit="min"),
        "x": rng.normal(size=120),
    })
    a = fast_augmenter(discrete_columns=["day", "wait"]).fit(X)
    a.save(tmp_path / "model.pt")
    b = GANAugmenter.load(tmp_path / "model.pt")
    assert b.schema_.column("day").categories == a.schema_.column("day").categories
    day, wait = pd.Timestamp("2024-01-02"), pd.Timedelta(minutes=10)
    out = b.sample(20, conditions={"day": day, "wait": wait})
    assert (out["day"] == day).all() and (out["wait"] == wait).all()
    pd.testing.assert_frame_equal(out, a.sample(20, conditions={"day": day, "wait": wait}))


@pytest.fixture
def saved(data, tmp_path):
    X, y = data
    path = tmp_path / "model.pt"
    fast_augmenter().fit(X, y).save(path)
    return path


def _flip(raw: bytearray, at: int) -> bytes:
    raw[at : at + 8] = bytes(b ^ 0xFF for b in raw[at : at + 8])
    return bytes(raw)


def test_a_file_with_bytes_flipped_in_its_middle_is_refused_naming_it(saved):
    # Whatever the middle of the file holds (a tensor, the metadata), the file is refused.
    raw = bytearray(saved.read_bytes())
    saved.write_bytes(_flip(raw, len(raw) // 2))
    with pytest.raises(ValueError, match=f"'{saved}' is (not a synthaug model file, or it is )?damaged"):
        GANAugmenter.load(saved)


def test_a_file_with_bytes_flipped_in_a_tensor_is_refused_by_its_checksum(saved):
    import struct
    import zipfile

    raw = bytearray(saved.read_bytes())
    with zipfile.ZipFile(saved) as archive:
        largest = max((i for i in archive.infolist() if "/data/" in i.filename),
                      key=lambda i: i.file_size)
    # torch stores tensors uncompressed, after a zip local header of 30 bytes, the
    # entry's name and its extra field.
    header = largest.header_offset
    name, extra = struct.unpack("<HH", raw[header + 26 : header + 30])
    saved.write_bytes(_flip(raw, header + 30 + name + extra + largest.file_size // 2))
    with pytest.raises(ValueError, match=f"'{saved}' is damaged: tensor .* does not match"):
        GANAugmenter.load(saved)


def test_a_changed_number_in_the_metadata_is_refused(saved):
    """A flipped digit keeps the metadata valid JSON; its checksum still tells."""
    raw = saved.read_bytes()
    assert raw.count(b'"n_samples_fit": 200') == 1
    saved.write_bytes(raw.replace(b'"n_samples_fit": 200', b'"n_samples_fit": 201'))
    with pytest.raises(ValueError, match="metadata does not match the checksum"):
        GANAugmenter.load(saved)


NOT_MODELS = {
    "a JSON file": lambda model: b'{"format": "synthaug.GANAugmenter"}',
    "an empty file": lambda model: b"",
    "a truncated model file": lambda model: model[: len(model) // 2],
    "random bytes": lambda model: np.random.RandomState(0).bytes(5000),
    "another torch file": None,
}


@pytest.mark.parametrize("make", NOT_MODELS.values(), ids=NOT_MODELS.keys())
def test_a_file_that_is_not_a_model_gets_a_one_line_error_saying_so(make, saved, tmp_path):
    path = tmp_path / "other.pt"
    if make is None:
        torch.save({"weights": torch.zeros(2)}, path)
    else:
        path.write_bytes(make(saved.read_bytes()))
    with pytest.raises(ValueError, match=f"'{path}' is not a synthaug model file") as error:
        GANAugmenter.load(path)
    assert "\n" not in str(error.value)


def test_a_missing_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.pt"):
        GANAugmenter.load(tmp_path / "nope.pt")


def test_save_names_a_missing_folder(data, tmp_path):
    aug = fast_augmenter().fit(*data)
    with pytest.raises(FileNotFoundError, match=f"the folder '{tmp_path / 'missing'}' does not "
                                                "exist"):
        aug.save(tmp_path / "missing" / "model.pt")
    with pytest.raises(IsADirectoryError, match="is a folder"):
        aug.save(tmp_path)


def test_save_names_a_read_only_folder(data, tmp_path):
    aug = fast_augmenter().fit(*data)
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("this user (root) may write into read-only folders")
        with pytest.raises(PermissionError, match=f"the folder '{folder}' is not writable"):
            aug.save(folder / "model.pt")
    finally:
        folder.chmod(0o700)


def test_an_interrupted_save_leaves_the_previous_file_whole(saved, data, monkeypatch):
    before = saved.read_bytes()

    def cut_short(blob, file):
        file.write(b"PK\x03\x04 half a model")
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", cut_short)
    with pytest.raises(KeyboardInterrupt):
        fast_augmenter(epochs=1).fit(*data).save(saved)
    assert saved.read_bytes() == before and sorted(saved.parent.iterdir()) == [saved]


def test_a_model_file_records_the_library_versions_it_was_saved_with(saved, data):
    import sklearn

    model = GANAugmenter.load(saved)
    assert model.saved_with_ == {"synthaug": "0.1.0", "torch": torch.__version__,
                                 "numpy": np.__version__, "pandas": pd.__version__,
                                 "scikit-learn": sklearn.__version__}
    assert not hasattr(model.fit(*data), "saved_with_")  # refit: no longer that file


def test_a_format_3_file_of_before_checksummed_metadata_loads(saved, data):
    """Format 3 as it first shipped: no metadata checksum, versions, training state or
    identifiers."""
    blob = torch.load(saved, weights_only=True)
    meta = json.loads(blob["metadata"])
    for key in ("versions", "training_state", "training_checksums"):
        del meta[key]
    del meta["data"]["identifiers"]
    torch.save({"metadata": json.dumps(meta), "state": blob["state"]}, saved)
    model = GANAugmenter.load(saved)
    assert model.saved_with_ == {"synthaug": "0.1.0", "torch": torch.__version__}
    assert model.id_columns_ == [] and len(model.history_) == 2
    X_new, _ = model.sample(10)
    assert list(X_new.columns) == list(data[0].columns)


def test_save_refuses_a_callable_strategy(data, tmp_path):
    X, y = data
    aug = fast_augmenter(sampling_strategy=lambda y: {}).fit(X, y)
    with pytest.raises(ValueError, match="callable sampling_strategy"):
        aug.save(tmp_path / "m.pt")


def test_load_maps_tensors_to_the_requested_device(data, tmp_path, monkeypatch):
    """The GPU-to-CPU path: every tensor is read with map_location='cpu' first."""
    X, y = data
    path = tmp_path / "model.pt"
    fast_augmenter().fit(X, y).save(path)
    calls = []
    original = torch.load

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(torch, "load", spy)
    model = GANAugmenter.load(path, device="cpu")
    assert calls == [{"map_location": "cpu", "weights_only": True}]
    assert all(p.device.type == "cpu" for p in model.network_.parameters())


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_model_trained_on_gpu_loads_on_cpu(data, tmp_path):
    X, y = data
    path = tmp_path / "model.pt"
    gpu = fast_augmenter(device="cuda").fit(X, y)
    assert next(gpu.network_.parameters()).is_cuda
    gpu.save(path)
    cpu = GANAugmenter.load(path, device="cpu")
    X_new, y_new = cpu.sample(50, y="p")
    assert (y_new == "p").all() and X_new.dtypes.equals(X.dtypes)
