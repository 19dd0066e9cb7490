"""Images: layouts, dtypes and value ranges round trip; classes are respected; bad input fails."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from synthaug import GANAugmenter
from synthaug._augmentation import synthesize
from synthaug._judges import image_judge
from synthaug._validation import check_images
from synthaug.nn import augment, sngan
from synthaug.nn.image import ImageGAN, ImageGANConfig, canvas_size
from conftest import fast_image_augmenter


def images_like(shape, dtype, value_range, seed=0):
    """Random images (structure does not matter for round trips) and balanced labels."""
    rng = np.random.RandomState(seed)
    low, high = value_range
    values = rng.uniform(low, high, size=shape)
    values.flat[:2] = low, high  # the observed range is exactly value_range
    return values.astype(dtype), np.arange(shape[0]) % 3


LAYOUTS = [
    ((48, 8, 8), np.uint8, (0, 255)),              # 3-D grey, uint8
    ((48, 28, 28, 1), np.uint8, (0, 255)),         # channels-last, MNIST-sized
    ((48, 3, 20, 12), np.float32, (0.0, 1.0)),     # channels-first RGB, odd and non-square
    ((48, 12, 20, 3), np.float64, (-1.0, 1.0)),    # channels-last RGB in [-1, 1]
    ((48, 1, 9, 9), np.float32, (0.0, 1.0)),       # channels-first grey, 9 -> 16 canvas
]


@pytest.mark.parametrize("shape, dtype, value_range", LAYOUTS,
                         ids=["nhw-uint8-8x8", "nhwc-uint8-28x28", "nchw-float01-20x12",
                              "nhwc-float11-12x20", "nchw-float01-9x9"])
def test_layout_dtype_and_range_round_trip(shape, dtype, value_range):
    X, y = images_like(shape, dtype, value_range)
    aug = fast_image_augmenter(epochs=1).fit(X, y)
    assert aug.backbone_ == "conv" and aug.classes_.tolist() == [0, 1, 2]
    X_new, y_new = aug.sample(10, y=2)
    assert X_new.shape == (10,) + X.shape[1:] and X_new.dtype == X.dtype
    assert value_range[0] <= X_new.min() and X_new.max() <= value_range[1]
    assert y_new.dtype == y.dtype and (y_new == 2).all()
    X_res, y_res = aug.set_params(sampling_strategy="auto", filter_synthetic=False).fit_resample(
        X[:40], np.r_[np.zeros(30, int), np.ones(10, int)])
    assert X_res.shape == (60,) + X.shape[1:] and X_res.dtype == X.dtype
    np.testing.assert_array_equal(X_res[:40], X[:40])  # real images first, unchanged
    assert np.bincount(y_res).tolist() == [30, 30]


def test_uint8_output_uses_the_full_pixel_scale(digits):
    X, y = digits
    aug = fast_image_augmenter(epochs=1).fit(X, y)
    X_new, _ = aug.sample(200)
    assert X_new.dtype == np.uint8 and X_new.max() > 128


def test_backbone_auto_picks_by_shape_and_forcing_checks_it(digits):
    X, y = digits
    images = fast_image_augmenter(epochs=1).fit(X[:100], y[:100])
    table = fast_image_augmenter(epochs=1).fit(X[:100].reshape(100, -1), y[:100])
    assert images.backbone_ == "conv" and table.backbone_ == "mlp"
    assert images.image_shape_ == (8, 8, 1) and not hasattr(images, "n_features_in_")
    with pytest.raises(ValueError, match="backbone='conv' takes images"):
        fast_image_augmenter(backbone="conv").fit(X[:100].reshape(100, -1), y[:100])
    with pytest.raises(ValueError, match="backbone='mlp' takes a 2-D table"):
        fast_image_augmenter(backbone="mlp").fit(X[:100], y[:100])


def test_canvas_is_the_next_power_of_two():
    assert [canvas_size(h, w) for h, w in ((8, 8), (9, 8), (28, 28), (20, 12), (128, 65))] == \
        [8, 16, 32, 32, 128]
    config = ImageGANConfig(20, 12, 3, 2, noise_dim=4, base_width=4)
    model = ImageGAN(config, *sngan.networks(config))
    x = torch.rand(2, 3, 20, 12) * 2 - 1
    padded = model.pad(x)
    assert padded.shape == (2, 3, 32, 32) and torch.equal(model.crop(padded), x)


@pytest.mark.parametrize("image_model", ["sngan", "dcgan"])
def test_both_recipes_train_and_sample(digits, image_model):
    X, y = digits
    aug = fast_image_augmenter(image_model=image_model).fit(X[:300], y[:300])
    assert [h["epoch"] for h in aug.history_] == [1, 2]
    assert (aug.network_.average is not None) == (image_model == "sngan")
    assert aug.network_.config.augment == (("color", "translation", "cutout")
                                           if image_model == "sngan" else ())
    X_new, y_new = aug.sample(30)
    assert X_new.shape == (30, 8, 8) and set(y_new) <= set(range(10))


def test_generator_average_moves_after_each_generator_step(digits):
    X, y = digits
    aug = fast_image_augmenter(epochs=1).fit(X[:128], y[:128])
    network = aug.network_
    assert network.average_steps == 2  # 128 images, batches of 64
    trained = torch.cat([p.flatten() for p in network.generator.parameters()])
    averaged = torch.cat([p.flatten() for p in network.average.parameters()])
    assert not torch.equal(trained, averaged)


def test_sample_keeps_per_image_labels_in_order_and_is_seeded(digits):
    X, y = digits
    aug = fast_image_augmenter(epochs=1).fit(X[:200], y[:200])
    wanted = np.array([3, 1, 3, 0, 9] * 4)
    X_a, y_a = aug.sample(len(wanted), y=wanted)
    assert y_a.tolist() == wanted.tolist()
    X_b, _ = aug.sample(len(wanted), y=wanted)
    np.testing.assert_array_equal(X_a, X_b)  # random_state=0: the same images each call
    X_c, _ = aug.sample(len(wanted), y=wanted, random_state=1)
    assert not np.array_equal(X_a, X_c)
    assert aug.sample(0, y=np.array([], dtype=int))[0].shape == (0, 8, 8)


def test_a_model_fit_without_labels_returns_images_only(digits):
    X, _ = digits
    aug = fast_image_augmenter(epochs=1).fit(X[:100])
    images = aug.sample(7)
    assert isinstance(images, np.ndarray) and images.shape == (7, 8, 8)
    assert aug.classes_ is None
    with pytest.raises(ValueError, match="fit without y"):
        aug.sample(3, y=1)


def test_same_seed_gives_identical_image_models(digits):
    X, y = digits
    a = fast_image_augmenter(epochs=1).fit(X[:128], y[:128])
    b = fast_image_augmenter(epochs=1).fit(X[:128], y[:128])
    np.testing.assert_array_equal(a.sample(20)[0], b.sample(20)[0])


def judge_digits(digits):
    """A classifier of real digits, independent of the package's own metrics."""
    X, y = digits
    return LogisticRegression(max_iter=2000).fit(X.reshape(len(X), -1) / 255, y)


def test_generated_digits_are_of_the_class_asked_for(digits):
    """After a short fit the generator honours its label: agreement far above chance (10%)."""
    X, y = digits
    aug = fast_image_augmenter(epochs=10, conv_width=16, image_model="dcgan").fit(X, y)
    wanted = np.repeat(np.arange(10), 30)
    X_new, _ = aug.sample(len(wanted), y=wanted)
    agreement = np.mean(judge_digits(digits).predict(X_new.reshape(len(X_new), -1) / 255) == wanted)
    assert agreement > 0.4, agreement


@pytest.mark.slow
def test_sngan_recipe_digits_are_of_the_class_asked_for(digits):
    X, y = digits
    aug = fast_image_augmenter(epochs=60, conv_width=16).fit(X, y)
    wanted = np.repeat(np.arange(10), 50)
    X_new, _ = aug.sample(len(wanted), y=wanted)
    agreement = np.mean(judge_digits(digits).predict(X_new.reshape(len(X_new), -1) / 255) == wanted)
    assert agreement > 0.6, agreement


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("X, y, error, message", [
    (np.zeros((10, 4, 4), np.uint8), None, ValueError, r"4x4 pixels .* 8 to 128 pixels"),
    (np.zeros((10, 8, 130), np.uint8), None, ValueError, r"8x130 pixels"),
    (np.zeros((10, 16, 16, 4), np.uint8), None, ValueError, "1 or 3 channels"),
    (np.zeros((10, 2, 16, 16), np.uint8), None, ValueError, "1 or 3 channels"),
    (np.zeros((1, 16, 16), np.uint8), None, ValueError, "1 image"),
    (np.full((10, 8, 8), np.nan), None, ValueError, r"NaN or infinite values \(first in image 0\)"),
    (np.r_[np.ones((3, 8, 8)), np.full((1, 8, 8), np.inf)], None, ValueError, "first in image 3"),
    (np.full((10, 8, 8), 0.5), None, ValueError, "Every pixel of every image is 0.5"),
    (np.zeros((10, 8, 8), bool), None, ValueError, "integer or float pixel values"),
    (np.zeros((10, 8, 8), object), None, ValueError, "integer or float pixel values"),
    (np.zeros((10, 8, 8), np.uint8), np.arange(9) % 2, ValueError, "X has 10 rows but y has 9"),
    (np.zeros((10, 8, 8), np.uint8), np.zeros(10), ValueError, "only one class"),
])
def test_bad_images(X, y, error, message):
    with pytest.raises(error, match=message):
        fast_image_augmenter().fit(X, y)


def test_image_only_options_are_refused_where_they_do_not_apply(digits):
    X, y = digits
    with pytest.raises(ValueError, match="target_column='t' applies to tables"):
        fast_image_augmenter(target_column="t").fit(X[:50])
    aug = fast_image_augmenter(epochs=1).fit(X[:50], y[:50])
    with pytest.raises(ValueError, match="conditions= fixes columns of a table"):
        aug.sample(3, conditions={"x": 1})
    with pytest.raises(ValueError, match="not a class seen during fit"):
        aug.sample(3, y=42)
    with pytest.raises(ValueError, match="diff_augment='blur'"):
        fast_image_augmenter(diff_augment="blur").fit(X[:50], y[:50])


# ---------------------------------------------------------------- augmentation ops


def test_differentiable_augmentations_keep_shapes_and_gradients():
    torch.manual_seed(0)
    x = (torch.rand(16, 3, 12, 20) * 2 - 1).requires_grad_(True)
    for name in augment.POLICIES:
        out = augment.augment(x, (name,))
        assert out.shape == x.shape
        (grad,) = torch.autograd.grad(out.sum(), x)
        assert grad.abs().sum() > 0


def test_translation_shifts_whole_images_and_cutout_zeroes_a_square():
    torch.manual_seed(0)
    x = torch.ones(64, 1, 16, 16)
    shifted = augment.translation(x)
    # every image keeps a 14x14 block of ones (shift of at most 2 pixels) and fills with 0
    assert set(shifted.unique().tolist()) <= {0.0, 1.0}
    assert (shifted.sum(dim=(1, 2, 3)) >= 14 * 14).all()
    cut = augment.cutout(x)
    zeros = (cut == 0).sum(dim=(1, 2, 3))
    assert (zeros <= 8 * 8).all() and (zeros >= 4 * 4).all()  # a half-side square, maybe clipped


# ---------------------------------------------------------------- devices


def test_cpu_training_runs_in_float32_with_the_default_layout(digits):
    X, y = digits
    aug = fast_image_augmenter(epochs=1, device="cpu").fit(X[:64], y[:64])
    assert aug.training_plan_.mixed_precision is False
    assert all(p.dtype == torch.float32 and p.device.type == "cpu"
               for p in aug.network_.parameters())


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_gpu_training_uses_bf16_autocast_channels_last_and_loads_on_cpu(digits, tmp_path):
    X, y = digits
    aug = fast_image_augmenter(device="cuda", epochs=3).fit(X, y)
    network = aug.network_
    assert aug.training_plan_.mixed_precision is True
    assert next(network.parameters()).is_cuda
    weight = network.generator.convs[-1].weight
    assert weight.is_contiguous(memory_format=torch.channels_last)
    X_new, y_new = aug.sample(300, y=3)
    assert X_new.shape == (300, 8, 8) and X_new.dtype == np.uint8 and (y_new == 3).all()
    path = tmp_path / "gpu.pt"
    aug.save(path)
    cpu = GANAugmenter.load(path, device="cpu")
    assert all(p.device.type == "cpu" for p in cpu.network_.parameters())
    X_cpu, _ = cpu.sample(300, y=3)
    assert X_cpu.shape == X_new.shape and abs(X_cpu.mean() - X_new.mean()) < 20


def test_label_filter_keeps_images_of_the_class_they_were_made_for(digits):
    """The image judge (the package's small CNN, fit on real digits) vets a stub generator
    that returns a real digit of the wrong class for every third image it is asked for."""
    X, y = digits
    train, held_out = np.arange(0, len(X), 2), np.arange(1, len(X), 2)
    layout = check_images(X)[1]

    def draw(labels, seed):
        rng = np.random.RandomState(0 if seed is None else seed)
        wanted = labels.astype(int)
        given = np.where(np.arange(len(wanted)) % 3 == 0, (wanted + 1) % 10, wanted)
        picks = [rng.choice(held_out[y[held_out] == c]) for c in given]
        return X[picks], wanted

    judge = image_judge(layout.unit(X[train]), y[train], seed=0)
    counts = {c: 40 for c in range(10)}
    (raw, raw_labels), _, _ = synthesize(draw, counts, seed=0)
    (kept, labels), added, _ = synthesize(draw, counts, seed=0, vet=(layout.unit, judge))
    assert added == counts
    assert np.bincount(labels.astype(int)).tolist() == [40] * 10 and kept.dtype == X.dtype
    truth = judge_digits(digits)
    assert np.mean(truth.predict(raw.reshape(len(raw), -1) / 255) == raw_labels) < 0.75
    assert np.mean(truth.predict(kept.reshape(len(kept), -1) / 255) == labels) > 0.9
