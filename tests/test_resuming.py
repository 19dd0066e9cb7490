"""Warm starts, checkpoints and Ctrl-C: a fit continued is the fit never stopped."""

import json

import numpy as np
import pandas as pd
import pytest
import torch

from synthaug import GANAugmenter
from synthaug import losses
from conftest import assert_same_model, bce_stopping, fast_augmenter, fast_image_augmenter

# 100 rows in batches of 60: two steps an epoch.
STEPS_PER_EPOCH = 2


@pytest.fixture
def small():
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"x": rng.normal(size=100), "k": rng.choice(["a", "b"], 100)})
    return X, rng.randint(2, size=100)


# ---------------------------------------------------------------- warm start


def encoding(aug: GANAugmenter) -> str:
    """The fitted encoding, without the marginal maps that every fit refits."""
    schema = aug.schema_.to_dict()
    for column in schema["columns"] + [schema["label"] or {}]:
        column.pop("marginal", None), column.pop("bias", None)
    return json.dumps(schema)


def test_warm_start_continues_as_one_longer_fit(small):
    X, y = small
    whole = fast_augmenter(loss="bce", epochs=6).fit(X, y)
    aug = fast_augmenter(loss="bce", epochs=2).fit(X, y)
    aug.set_params(warm_start=True, epochs=4).fit(X, y)
    assert [h["epoch"] for h in aug.history_] == [1, 2, 3, 4, 5, 6]
    # The encoding is kept, and the marginal maps are those of the longer fit.
    assert aug.schema_.to_dict() == whole.schema_.to_dict()
    assert_same_model(aug, whole)


def test_warm_start_on_other_rows_keeps_the_encoding_and_trains_on(small):
    X, y = small
    aug = fast_augmenter(epochs=2).fit(X, y)
    schema = encoding(aug)
    before = {k: v.clone() for k, v in aug.network_.state_dict().items()}
    shifted = X.assign(x=X["x"] + 3)
    aug.set_params(warm_start=True, epochs=1).fit(shifted[:80], y[:80])
    assert encoding(aug) == schema and len(aug.history_) == 3
    assert not torch.equal(before["generator.body.2.weight"],
                           aug.network_.state_dict()["generator.body.2.weight"])


def test_warm_start_without_a_fitted_model_fits_anew(small):
    X, y = small
    a = fast_augmenter(warm_start=True).fit(X, y)
    assert_same_model(a, fast_augmenter().fit(X, y))


@pytest.mark.parametrize("change, fragment", [
    (lambda X: X.rename(columns={"k": "kind"}), "lacks ['k'] and has new columns ['kind']"),
    (lambda X: X[["k", "x"]], "in another order"),
    (lambda X: X.assign(k=X["k"].replace("b", "c")), "column 'k' has the values ['a', 'b']"),
])
def test_warm_start_refuses_data_the_encoding_does_not_fit(small, change, fragment):
    X, y = small
    aug = fast_augmenter().fit(X, y).set_params(warm_start=True)
    with pytest.raises(ValueError, match="warm_start=True") as error:
        aug.fit(change(X), y)
    assert fragment in str(error.value)
    assert len(aug.history_) == 2  # the fitted model is left as it was


def test_warm_start_refuses_unseen_classes_and_a_missing_y(small):
    X, y = small
    aug = fast_augmenter().fit(X, y).set_params(warm_start=True)
    with pytest.raises(ValueError, match=r"classes are \[0, 1\]; y has others, such as \[7\]"):
        aug.fit(X, np.where(y == 1, 7, 0))
    with pytest.raises(ValueError, match="fit with labels y; pass the y"):
        aug.fit(X)


def test_warm_start_refuses_parameters_that_reshape_the_networks(small):
    X, y = small
    aug = fast_augmenter().fit(X, y).set_params(warm_start=True, embedding_dim=8)
    with pytest.raises(ValueError, match="embedding_dim=16 shaped; this fit has embedding_dim=8"):
        aug.fit(X, y)
    aug.set_params(embedding_dim=16, loss="wgan")  # RMSprop, where the fit used Adam
    with pytest.raises(ValueError, match="trains with RMSprop"):
        aug.fit(X, y)


def test_warm_start_of_images_continues_as_one_longer_fit(digits):
    X, y = digits[0][:128], digits[1][:128]
    whole = fast_image_augmenter(epochs=2).fit(X, y)
    aug = fast_image_augmenter(epochs=1).fit(X, y).set_params(warm_start=True).fit(X, y)
    assert aug.network_.average_steps == whole.network_.average_steps == 4
    assert_same_model(aug, whole)


def test_warm_start_from_a_saved_model_warns_that_the_optimisers_start_afresh(small, tmp_path):
    X, y = small
    fast_augmenter().fit(X, y).save(tmp_path / "model.pt")
    aug = GANAugmenter.load(tmp_path / "model.pt").set_params(warm_start=True, epochs=1)
    with pytest.warns(UserWarning, match="continues from epoch 2 with fresh optimisers"):
        aug.fit(X, y)
    assert [h["epoch"] for h in aug.history_] == [1, 2, 3]


# ---------------------------------------------------------------- checkpoints


def test_a_fit_resumed_from_its_last_checkpoint_equals_the_uninterrupted_fit(
        small, tmp_path, monkeypatch):
    X, y = small
    path = tmp_path / "run.ckpt"
    whole = fast_augmenter(loss="bce", epochs=6).fit(X, y)
    # A crash in epoch 4: the file holds the checkpoint of epoch 2.
    with monkeypatch.context() as patch:
        patch.setitem(losses.OBJECTIVES, "bce",
                      bce_stopping(3 * STEPS_PER_EPOCH, OSError("the machine went away")))
        with pytest.raises(OSError, match="went away"):
            fast_augmenter(loss="bce", epochs=6, checkpoint_path=path,
                           checkpoint_every=2).fit(X, y)
    checkpoint = GANAugmenter.load(path, device="cpu")
    assert len(checkpoint.history_) == 2
    assert checkpoint.sample(5)[0].shape == (5, 2)  # a checkpoint is a usable model
    resumed = checkpoint.resume(X, y)
    assert [h["epoch"] for h in resumed.history_] == [1, 2, 3, 4, 5, 6]
    assert resumed.get_params() == {**whole.get_params(), "checkpoint_path": str(path),
                                    "checkpoint_every": 2, "device": "cpu"}
    assert_same_model(resumed, whole)
    # The fit ends with a checkpoint of its last epoch, and then there is nothing to resume.
    with pytest.raises(ValueError, match="Nothing to resume"):
        GANAugmenter.load(path).resume(X, y)


def test_checkpoints_hold_only_tensors_and_json(small, tmp_path):
    X, y = small
    path = tmp_path / "run.ckpt"
    fast_augmenter(epochs=2, checkpoint_path=path, checkpoint_every=1).fit(X, y)
    blob = torch.load(path, weights_only=True)
    meta = json.loads(blob["metadata"])
    assert meta["training_state"]["epoch"] == 2
    assert {name.split(".")[0] for name in blob["training"]} == {"optimizer", "rng"}
    assert all(isinstance(t, torch.Tensor) for t in blob["training"].values())
    assert sorted(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_a_checkpoint_path_in_a_missing_folder_is_refused_before_training(small, tmp_path):
    X, y = small
    aug = fast_augmenter(checkpoint_path=tmp_path / "nope" / "run.ckpt")
    with pytest.raises(FileNotFoundError, match="nope"):
        aug.fit(X, y)
    assert not hasattr(aug, "history_")


# ---------------------------------------------------------------- Ctrl-C


def test_ctrl_c_keeps_the_last_complete_epoch_and_leaves_a_usable_model(
        small, tmp_path, monkeypatch):
    X, y = small
    whole = fast_augmenter(loss="bce", epochs=5).fit(X, y)
    with monkeypatch.context() as patch:
        patch.setitem(losses.OBJECTIVES, "bce",
                      bce_stopping(2 * STEPS_PER_EPOCH + 1, KeyboardInterrupt()))
        with pytest.warns(RuntimeWarning, match="interrupted; the model was rolled back to "
                                                "epoch 2"):
            aug = fast_augmenter(loss="bce", epochs=5, fidelity=True).fit(X, y)
    assert [h["epoch"] for h in aug.history_] == [1, 2] and aug.fidelity_ is None
    assert all(torch.isfinite(p).all() for p in aug.network_.parameters())
    assert not aug.network_.training
    aug.save(tmp_path / "model.pt")
    X_new, y_new = GANAugmenter.load(tmp_path / "model.pt").sample(20)
    assert X_new["x"].notna().all() and len(y_new) == 20
    # Rolled back to the end of epoch 2 exactly: resuming gives the fit never stopped.
    assert_same_model(aug.resume(X, y), whole)


def test_ctrl_c_in_the_first_epoch_goes_through(small, monkeypatch):
    X, y = small
    monkeypatch.setitem(losses.OBJECTIVES, "bce", bce_stopping(1, KeyboardInterrupt()))
    aug = fast_augmenter(loss="bce")
    with pytest.raises(KeyboardInterrupt):
        aug.fit(X, y)
    assert not hasattr(aug, "network_")


def test_ctrl_c_in_a_warm_start_keeps_the_model_it_started_from(small, monkeypatch):
    X, y = small
    aug = fast_augmenter(loss="bce").fit(X, y)
    before = {k: v.clone() for k, v in aug.network_.state_dict().items()}
    monkeypatch.setitem(losses.OBJECTIVES, "bce", bce_stopping(1, KeyboardInterrupt()))
    with pytest.warns(RuntimeWarning, match="rolled back to epoch 2"):
        aug.set_params(warm_start=True).fit(X, y)
    assert [h["epoch"] for h in aug.history_] == [1, 2]
    for name, tensor in aug.network_.state_dict().items():
        assert torch.equal(tensor, before[name]), name


def test_warm_start_of_images_refuses_another_size_or_unseen_classes(digits):
    X, y = digits[0][:64], digits[1][:64]
    aug = fast_image_augmenter(epochs=1).fit(X, y).set_params(warm_start=True)
    with pytest.raises(ValueError, match=r"images of \(H, W, C\) = \(8, 8, 1\); X holds "
                                         r"\(8, 12, 1\)"):
        aug.fit(np.pad(X, ((0, 0), (0, 0), (2, 2))), y)
    with pytest.raises(ValueError, match=r"y has others: \[10\]"):
        aug.fit(X, np.where(y == 3, 10, y))
    with pytest.raises(ValueError, match="model of images; X is a table"):
        aug.fit(X.reshape(64, -1), y)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_a_checkpoint_of_a_gpu_fit_continues_on_the_gpu_and_on_a_cpu(small, tmp_path):
    X, y = small
    path = tmp_path / "run.ckpt"
    fast_augmenter(epochs=2, device="cuda", checkpoint_path=path).fit(X, y)
    blob = torch.load(path, weights_only=True)
    assert {"rng.cpu", "rng.cuda"} <= set(blob["training"])
    for device in ("cuda", "cpu"):
        aug = GANAugmenter.load(path, device=device).set_params(warm_start=True, epochs=1)
        aug.fit(X, y)
        assert [h["epoch"] for h in aug.history_] == [1, 2, 3]
        assert next(aug.network_.parameters()).device.type == device
