"""Model files written by earlier releases (formats 1 and 2) load and sample as they did."""

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synthaug import GANAugmenter

DATA = Path(__file__).parent / "data"


def table_samples(model: GANAugmenter) -> str:
    """What tests/data/README.md says the CSV holds, as CSV text."""
    X, y = model.sample(12, random_state=3)
    Xc, yc = model.sample(6, y="yes", conditions={"city": "Lima"}, random_state=4)
    return (X.assign(label=y).to_csv(index=False)
            + Xc.assign(label=yc).to_csv(index=False, header=False))


def assert_same_samples(text: str, expected_file: Path) -> None:
    """Text and categories exactly; numbers and dates up to float32 rounding, which differs
    between CPUs (the same network on AVX2 and AVX-512 kernels: about 1e-7 relative)."""
    got, want = (pd.read_csv(io.StringIO(t)) for t in (text, expected_file.read_text()))
    assert list(got.columns) == list(want.columns) and len(got) == len(want)
    for name in want.columns:
        a, b = got[name], want[name]
        if name == "joined":
            a, b = (pd.to_datetime(v).astype("int64") / 1e9 for v in (a, b))
        if pd.api.types.is_numeric_dtype(b) and not pd.api.types.is_bool_dtype(b):
            np.testing.assert_allclose(a, b, rtol=1e-5, err_msg=name)
        else:
            assert a.tolist() == b.tolist(), name


@pytest.mark.parametrize("name", ["model_v1_table", "model_v2_table"])
def test_table_model_files_of_earlier_formats_sample_the_same_rows(name):
    model = GANAugmenter.load(DATA / f"{name}.pt", device="cpu")
    assert model.backbone_ == "mlp" and model.classes_.tolist() == ["no", "yes"]
    assert list(model.feature_names_in_) == ["height", "visits", "grade", "city", "member",
                                             "joined"]
    assert_same_samples(table_samples(model), DATA / f"{name}.csv")
    X, _ = model.sample(5)
    assert str(X["grade"].dtype) == "category" and list(X["grade"].cat.categories) == list("ABCD")
    assert X["joined"].dtype == "datetime64[ns]" and X["member"].dtype == bool


def test_image_model_file_of_format_2_samples_the_same_images():
    model = GANAugmenter.load(DATA / "model_v2_images.pt", device="cpu")
    expected = json.loads((DATA / "model_v2_images.json").read_text())
    images, labels = model.sample(6, y=[3, 3, 1, 0, 9, 9], random_state=1)
    assert images.dtype == np.uint8 and images.shape == (6, 8, 8)
    np.testing.assert_array_equal(images, np.array(expected["images"], dtype=np.uint8))
    assert labels.tolist() == expected["labels"]
    assert model.image_shape_ == (8, 8, 1) and model.classes_.tolist() == list(range(10))


@pytest.mark.parametrize("name", ["model_v1_table", "model_v2_table"])
def test_earlier_table_files_saved_again_sample_the_same(name, tmp_path):
    old = GANAugmenter.load(DATA / f"{name}.pt", device="cpu")
    old.save(tmp_path / "again.pt")
    assert_same_samples(table_samples(GANAugmenter.load(tmp_path / "again.pt", device="cpu")),
                        DATA / f"{name}.csv")


def test_earlier_image_file_saved_again_samples_the_same(tmp_path):
    old = GANAugmenter.load(DATA / "model_v2_images.pt", device="cpu")
    old.save(tmp_path / "again.pt")
    new = GANAugmenter.load(tmp_path / "again.pt", device="cpu")
    for a, b in zip(old.sample(20, random_state=7), new.sample(20, random_state=7)):
        np.testing.assert_array_equal(a, b)
