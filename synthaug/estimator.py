"""``GANAugmenter``: the scikit-learn / imbalanced-learn face of the conditional GAN."""

from __future__ import annotations

import functools
import json
import os
import warnings
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from synthaug import __version__
from synthaug._conditioning import ConditionSpace, TrainingSampler
from synthaug._filtering import ROUNDS as FILTER_ROUNDS
from synthaug._filtering import concat_rows, filtered, fit_judge
from synthaug._resampling import synthetic_counts
from synthaug._json import from_json, to_json
from synthaug._schema import DiscreteColumn, TableSchema, infer_discrete
from synthaug._training import TrainingPlan, resolve_device, seeded, train
from synthaug._validation import (ImageLayout, LabelLayout, TableLayout, check_images,
                                  check_labels, check_table)
from synthaug.image_metrics import MAX_IMAGES, ImageFidelityReport, image_fidelity_report
from synthaug.losses import OBJECTIVES
from synthaug.metrics import MAX_ROWS, FidelityReport, fidelity_report
from synthaug.nn.augment import POLICIES, parse_policy
from synthaug.nn.image import MODELS, ImageGAN, ImageGANConfig
from synthaug.nn.tabular import TabularGAN

# Name of the label column inside the internal frame when labels come as ``y``.
_LABEL = "__synthaug_label__"
_FORMAT = "synthaug.GANAugmenter"
# Version 2 added image models (files of version 1 hold tables and still load).
_FORMAT_VERSION = 2
# Rows compared by the report that ``fit`` attaches (evaluate() compares up to MAX_ROWS).
_FIT_REPORT_ROWS = 2_000
# Images compared by the report that ``fit`` attaches to an image model.
_FIT_REPORT_IMAGES = 1_000
# What "auto" resolves to, per backbone.
_AUTO_BATCH_SIZE = {"mlp": 500, "conv": 64}
_AUTO_LOSS = {"mlp": "wgan-gp", "sngan": "hinge", "dcgan": "bce"}
_AUTO_DIFF_AUGMENT = {"sngan": ",".join(POLICIES), "dcgan": None}
# EMA of the generator's weights, for the recipes that keep one.
_EMA_DECAY = {"sngan": 0.999, "dcgan": None}
# Batches of generated images whose statistics the sampling generator's batch norm keeps.
_CALIBRATION_BATCHES, _CALIBRATION_BATCH = 8, 256


def _has_target_column(estimator: "GANAugmenter") -> bool:
    return estimator.target_column is not None


def _has_no_target_column(estimator: "GANAugmenter") -> bool:
    return estimator.target_column is None


class GANAugmenter(BaseEstimator):
    """Conditional GAN that learns a table or a set of images and makes new ones to augment it.

    For a table, fits a conditional tabular GAN (mode-specific normalisation of
    continuous columns, one-hot discrete columns, training-by-sampling of conditions,
    a residual MLP generator and a packed MLP critic) on ``X`` and, when given, on the
    class label ``y``. For images (a 3-D or 4-D array), fits a class-conditional
    convolutional GAN (see ``backbone`` and ``image_model``). The fitted model makes
    synthetic rows or images with :meth:`sample`, including ones of a chosen class
    (``y=``) or, for tables, with fixed discrete values (``conditions=``), and acts as
    an imbalanced-learn over-sampler through :meth:`fit_resample`.

    The label can be passed in two ways, which decide how the augmenter is used:

    - ``target_column=None`` (default): labels come as ``y``. The augmenter is an
      imbalanced-learn sampler (``fit_resample(X, y)``), usable as a step of
      ``imblearn.pipeline.Pipeline``.
    - ``target_column="name"``: the label is a column of ``X``. The augmenter is a
      DataFrame transformer: ``fit_transform(df)`` returns ``df`` plus synthetic
      rows. It then has ``transform`` and no ``fit_resample`` (imbalanced-learn
      refuses steps that have both).

    Parameters
    ----------
    epochs : int, default=300
        Passes over the training data.
    batch_size : int or "auto", default="auto"
        Rows (or images) per step; for tables rounded down to a multiple of ``pac``.
        ``"auto"``: 500 rows, 64 images.
    loss : {"auto", "wgan-gp", "bce", "wgan", "hinge"}, default="auto"
        Adversarial objective: Wasserstein with gradient penalty (Adam), the original
        non-saturating minimax loss (Adam), Wasserstein with weight clipping (RMSProp,
        5 critic steps) or hinge (Adam). ``"auto"``: ``"wgan-gp"`` for tables,
        ``"hinge"`` for ``image_model="sngan"``, ``"bce"`` for ``"dcgan"``.
    generator_lr, discriminator_lr : float, default=None
        Learning rates; ``None`` uses the objective's own (2e-4 with Adam, 5e-5 for
        ``"wgan"``).
    discriminator_steps : int, default=None
        Critic steps per generator step; ``None`` uses the objective's own (5 for
        ``"wgan"``, else 1).
    embedding_dim : int, default=128
        Size of the generator's noise vector.
    generator_dim, discriminator_dim : tuple of int, default=(256, 256)
        Hidden widths of the generator's residual blocks and of the critic's layers
        (tables).
    pac : int, default=10
        Rows the critic judges together (PacGAN), which penalises mode collapse
        (tables).
    backbone : {"auto", "mlp", "conv"}, default="auto"
        ``"auto"`` picks by the shape of ``X``: a 2-D table (or DataFrame) gets the
        MLP, a 3-D ``(n, H, W)`` or 4-D ``(n, H, W, C)`` / ``(n, C, H, W)`` array of
        images gets the convolutional GAN. ``"mlp"`` or ``"conv"`` insist on one and
        reject input of the other shape. A 4-D array is read as channels-last when its
        last axis has 1 or 3 entries, else as channels-first; images have 8 to 128
        pixels a side and 1 or 3 channels, so no valid array reads both ways.
    image_model : {"sngan", "dcgan"}, default="sngan"
        The image recipe. ``"sngan"``, for a few hundred images per class:
        class-conditional batch norm in the generator, a spectrally normalised
        projection discriminator, hinge loss, an exponential moving average of the
        generator's weights for sampling and differentiable augmentation.
        ``"dcgan"``: the classic conditional DCGAN (batch norm, ReLU, transposed
        convolutions; LeakyReLU strided convolutions; label embeddings concatenated;
        non-saturating loss), as a baseline.
    conv_width : int, default=64
        Channels of the image networks at full resolution; each halving of the
        resolution doubles them, up to 8x.
    diff_augment : str or None, default="auto"
        Differentiable augmentations applied to every image the discriminator sees,
        comma-separated from ``"color"``, ``"translation"``, ``"cutout"``; ``None``
        for none. ``"auto"``: all three for ``"sngan"``, none for ``"dcgan"``.
    discrete_columns : list, default=None
        Columns to treat as discrete. ``None`` infers them: strings, categories,
        booleans, objects, and integer columns with at most 20 distinct values.
        With a list, exactly the listed numeric columns are discrete (non-numeric
        columns always are).
    target_column : column name, default=None
        Name of the label column inside ``X`` (see above). ``None`` takes labels
        from ``y``.
    sampling_strategy : float, str, dict or callable, default="auto"
        How many synthetic rows per class :meth:`fit_resample` and :meth:`transform`
        add, in imbalanced-learn's vocabulary: ``"auto"``/``"not majority"``,
        ``"minority"``, ``"not minority"``, ``"all"``, a float ratio (two classes),
        a ``{class: total rows}`` dict, or a callable ``f(y) -> dict``.
    filter_synthetic : bool, default=True
        In :meth:`fit_resample` and :meth:`transform`, vet every synthetic sample
        with a classifier trained on the real ones (HistGradientBoosting for tables,
        a small CNN for images): a sample it assigns to another class than the one
        it was made for is replaced by a fresh one. Rows of the wrong class are label
        noise: on 500-row Adult subsets they cancelled any F1 gain over the real rows
        alone and cost accuracy; without them F1 rose above real-only, level with
        SMOTENC (``benchmarks/results/scarce_augmentation.md``). Costs one classifier fit and a few more samples;
        :meth:`sample` is never filtered.
    device : str or torch.device, default="auto"
        ``"auto"`` uses CUDA when available, else the CPU.
    random_state : int, RandomState instance or None, default=None
        Seeds encoding, training and sampling. With an int, CPU results are
        bit-identical across runs, and :meth:`sample` is reproducible.
    verbose : bool, default=False
        Show a progress bar with the losses while training.
    fidelity : bool or "auto", default="auto"
        Attach a report as ``fidelity_`` after ``fit``. For tables a
        :class:`~synthaug.metrics.FidelityReport` on at most 2,000 training rows and
        as many synthetic rows (a few seconds); for images an
        :class:`~synthaug.image_metrics.ImageFidelityReport` on at most 1,000
        training images and as many synthetic ones, which trains two small CNNs
        (seconds on a GPU, tens of seconds on a CPU). ``"auto"``: on for tables,
        off for images. Use :meth:`evaluate` for a report on held-out data.

    Attributes
    ----------
    backbone_ : {"mlp", "conv"}
        The backbone ``fit`` used.
    schema_ : TableSchema
        Column encodings learned from ``X`` (and the label); for images, of the
        label only.
    condition_space_ : ConditionSpace
        Layout and category frequencies of the condition vector.
    network_ : torch.nn.Module
        The trained generator and discriminator, on ``device_``.
    classes_ : ndarray or None
        Class labels seen in ``fit``, or ``None`` without a label.
    history_ : list of dict
        Per epoch: ``epoch``, ``discriminator_loss``, ``generator_loss``,
        ``condition_loss`` and ``seconds``. Shorter than ``epochs`` if training
        diverged and was rolled back (a ``RuntimeWarning`` says so).
    device_ : torch.device
        Device the model lives on.
    fidelity_ : FidelityReport, ImageFidelityReport or None
        How synthetic rows compare with the training rows (see ``fidelity``).
    n_features_in_ : int
        Number of columns of ``X`` (tables only).
    n_samples_fit_ : int or None
        Number of rows (or images) of ``X`` (``None`` for a model file that did not record it).
    feature_names_in_ : ndarray of str
        Column names of ``X``, when they are all strings (tables only).
    image_shape_ : tuple
        ``(H, W, C)`` of the training images (images only).

    Examples
    --------
    >>> from synthaug import GANAugmenter
    >>> from synthaug.datasets import load_adult
    >>> X, y = load_adult(return_X_y=True)
    >>> aug = GANAugmenter(epochs=1, random_state=0).fit(X[:1000], y[:1000])
    >>> X_new, y_new = aug.sample(5, y=">50K")
    >>> list(X_new.columns) == list(X.columns), set(y_new)
    (True, {'>50K'})
    """

    _parameter_constraints: dict = {
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 2, None, closed="left"), StrOptions({"auto"})],
        "loss": [StrOptions(set(OBJECTIVES) | {"auto"})],
        "generator_lr": [Interval(Real, 0, None, closed="neither"), None],
        "discriminator_lr": [Interval(Real, 0, None, closed="neither"), None],
        "discriminator_steps": [Interval(Integral, 1, None, closed="left"), None],
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "generator_dim": [tuple, list],
        "discriminator_dim": [tuple, list],
        "pac": [Interval(Integral, 1, None, closed="left")],
        "backbone": [StrOptions({"auto", "mlp", "conv"})],
        "image_model": [StrOptions(set(MODELS))],
        "conv_width": [Interval(Integral, 1, None, closed="left")],
        "diff_augment": [str, None],
        "discrete_columns": [list, tuple, None],
        "target_column": "no_validation",
        "sampling_strategy": [
            Interval(Real, 0, 1, closed="right"),
            StrOptions({"auto", "minority", "not minority", "not majority", "all"}),
            dict,
            callable,
        ],
        "filter_synthetic": ["boolean"],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "fidelity": ["boolean", StrOptions({"auto"})],
    }

    def __init__(
        self,
        *,
        epochs: int = 300,
        batch_size: int | str = "auto",
        loss: str = "auto",
        generator_lr: float | None = None,
        discriminator_lr: float | None = None,
        discriminator_steps: int | None = None,
        embedding_dim: int = 128,
        generator_dim: tuple = (256, 256),
        discriminator_dim: tuple = (256, 256),
        pac: int = 10,
        backbone: str = "auto",
        image_model: str = "sngan",
        conv_width: int = 64,
        diff_augment: str | None = "auto",
        discrete_columns: list | None = None,
        target_column: Any = None,
        sampling_strategy: Any = "auto",
        filter_synthetic: bool = True,
        device: str | torch.device = "auto",
        random_state: int | np.random.RandomState | None = None,
        verbose: bool = False,
        fidelity: bool | str = "auto",
    ):
        self.epochs = epochs
        self.batch_size = batch_size
        self.loss = loss
        self.generator_lr = generator_lr
        self.discriminator_lr = discriminator_lr
        self.discriminator_steps = discriminator_steps
        self.embedding_dim = embedding_dim
        self.generator_dim = generator_dim
        self.discriminator_dim = discriminator_dim
        self.pac = pac
        self.backbone = backbone
        self.image_model = image_model
        self.conv_width = conv_width
        self.diff_augment = diff_augment
        self.discrete_columns = discrete_columns
        self.target_column = target_column
        self.sampling_strategy = sampling_strategy
        self.filter_synthetic = filter_synthetic
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.fidelity = fidelity

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        tags.target_tags.required = False
        return tags

    # ------------------------------------------------------------------ fit

    def fit(self, X, y=None) -> "GANAugmenter":
        """Fit the conditional GAN on ``X`` (and the class label ``y``, if given).

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features), or images
            Training table: missing values are allowed (and reproduced); infinite
            values are not. Or images of shape ``(n, H, W)``, ``(n, H, W, C)`` or
            ``(n, C, H, W)`` (see ``backbone``), uint8 or float, without NaN.
        y : array-like of shape (n_samples,), default=None
            Class labels to condition on. Must be ``None`` when ``target_column``
            is set.

        Returns
        -------
        self : GANAugmenter
        """
        self._validate_params()
        data, layout, labels, label_layout = self._check_input(X, y)
        return self._fit(data, layout, labels, label_layout)

    def _check_input(self, X, y):
        """The input gate for ``fit`` and ``fit_resample``: a table or images, and labels.

        Returns ``(data, layout, labels, label_layout)``: ``data`` is a DataFrame for
        a table and an (n, C, H, W) pixel array for images.
        """
        if self._backbone_for(X) == "conv":
            if self.target_column is not None:
                raise ValueError(
                    f"target_column={self.target_column!r} applies to tables; pass image "
                    "labels as y (and leave target_column=None)."
                )
            pixels, layout = check_images(X)
            labels, label_layout = (None, None) if y is None else check_labels(y, len(pixels))
            return pixels, layout, labels, label_layout
        frame, layout = check_table(X)
        labels, label_layout = self._split_labels(frame, y)
        return frame, layout, labels, label_layout

    def _backbone_for(self, X) -> str:
        """"mlp" for a 2-D table, "conv" for a 3-D/4-D image array, as ``backbone`` allows."""
        ndim = 2 if isinstance(X, pd.DataFrame) else np.ndim(X)
        found = "conv" if ndim in (3, 4) else "mlp"
        if self.backbone in ("auto", found):
            return found
        if self.backbone == "conv":
            raise ValueError(
                f"backbone='conv' takes images of shape (n, H, W), (n, H, W, C) or "
                f"(n, C, H, W); got X with {ndim} dimension(s). Reshape flat pixel rows "
                "with X.reshape(n, H, W), or use backbone='auto' for a table."
            )
        raise ValueError(
            f"backbone='mlp' takes a 2-D table; got X with {ndim} dimensions. Use "
            "backbone='auto' or 'conv' for images, or flatten them with X.reshape(len(X), -1)."
        )

    def _split_labels(self, frame: pd.DataFrame, y: Any):
        if self.target_column is None:
            if y is None:
                return None, None
            if _LABEL in frame.columns:
                raise ValueError(f"X may not have a column named {_LABEL!r}; rename it.")
            return check_labels(y, len(frame))
        if y is not None:
            raise ValueError(
                f"target_column={self.target_column!r} takes the label from X; do not also "
                "pass y. Set target_column=None to pass labels as y."
            )
        if self.target_column not in frame.columns:
            raise ValueError(
                f"target_column={self.target_column!r} is not a column of X; X's columns are "
                f"{list(frame.columns)}."
            )
        return check_labels(frame[self.target_column], len(frame))

    def _fit(self, data, layout, labels, label_layout) -> "GANAugmenter":
        if isinstance(layout, ImageLayout):
            return self._fit_images(data, layout, labels, label_layout)
        frame = data
        rng = check_random_state(self.random_state)
        label_column = None
        if labels is not None:
            label_column = self.target_column if self.target_column is not None else _LABEL
            if self.target_column is None:
                frame = frame.assign(**{_LABEL: labels})
        features = frame.drop(columns=[_LABEL]) if label_column == _LABEL else frame
        discrete = infer_discrete(features, self.discrete_columns)
        if label_column is not None:
            discrete.add(label_column)
        pac = self.pac
        batch_size = self._batch_size("mlp")
        batch_size -= batch_size % pac
        if batch_size == 0:
            raise ValueError(
                f"batch_size={self.batch_size} must be at least pac={pac} (the critic judges "
                f"pac rows at a time); raise batch_size or lower pac."
            )
        if any(not isinstance(w, Integral) or w < 1
               for w in (*self.generator_dim, *self.discriminator_dim)):
            raise ValueError(
                f"generator_dim={self.generator_dim} and discriminator_dim="
                f"{self.discriminator_dim} must hold positive integers."
            )

        schema = TableSchema.fit(frame, discrete, rng)
        encoded = schema.encode(frame, rng)
        codes = schema.discrete_codes(frame) if schema.discrete else np.zeros((len(frame), 0), int)
        space = ConditionSpace.from_codes(codes, [c.n_categories for c in schema.discrete])
        self._train("mlp", lambda device: self._build_network(schema, space).to(device), encoded,
                    codes, space, batch_size, rng)
        self.backbone_, self.schema_ = "mlp", schema
        self._set_layouts(layout, label_layout, label_column)
        self.fidelity_ = None
        if self.fidelity in (True, "auto"):
            real = frame.sample(min(len(frame), _FIT_REPORT_ROWS), random_state=rng)
            self.fidelity_ = self._report(real, None, len(real), rng.randint(2**31 - 1))
        return self

    def _fit_images(self, pixels: np.ndarray, layout: ImageLayout, labels, label_layout):
        rng = check_random_state(self.random_state)
        labels_frame = pd.DataFrame(index=range(len(pixels)))
        if labels is not None:
            labels_frame[_LABEL] = labels
        # The label alone is the "table": its column encodes and decodes the classes.
        schema = TableSchema.fit(labels_frame, set(labels_frame.columns), rng)
        codes = (schema.discrete_codes(labels_frame) if schema.discrete
                 else np.zeros((len(pixels), 0), int))
        space = ConditionSpace.from_codes(codes, [c.n_categories for c in schema.discrete])
        self._train("conv", lambda device: self._build_image_network(layout, space, device),
                    pixels, codes, space, self._batch_size("conv"), rng,
                    prepare=lambda network, batch: network.pad(layout.to_unit(batch.float())))
        self.backbone_, self.schema_ = "conv", schema
        with seeded(rng.randint(2**31 - 1), self.device_):
            self.network_.calibrate([space.draw(_CALIBRATION_BATCH, self.device_)
                                     for _ in range(_CALIBRATION_BATCHES)])
        self._set_layouts(layout, label_layout, None if labels is None else _LABEL)
        self.fidelity_ = None
        if self.fidelity != "auto" and self.fidelity:
            keep = rng.permutation(len(pixels))[:_FIT_REPORT_IMAGES]
            real = layout.restore(layout.to_unit(pixels[keep].astype(np.float32)))
            self.fidelity_ = self._image_report(real, None if labels is None else labels[keep],
                                                None, None, len(real), rng.randint(2**31 - 1))
        return self

    def _train(self, backbone: str, build, data: np.ndarray, codes: np.ndarray,
               space: ConditionSpace, batch_size: int, rng, prepare=None) -> None:
        """Build a network on the device and train it with the one training loop.

        ``build(device)`` makes the network; ``prepare(network, batch)``, when given,
        turns each drawn batch of ``data`` into the network's input. Sets
        ``history_``, ``n_samples_fit_``, ``condition_space_``, ``network_`` and ``device_``.
        """
        device = resolve_device(self.device)
        objective = OBJECTIVES[self._loss(backbone)]
        plan = TrainingPlan(
            epochs=self.epochs,
            steps_per_epoch=max(1, -(-len(data) // batch_size)),
            batch_size=batch_size,
            generator_lr=self.generator_lr or objective.learning_rate,
            discriminator_lr=self.discriminator_lr or objective.learning_rate,
            discriminator_steps=self.discriminator_steps or objective.discriminator_steps,
            verbose=bool(self.verbose),
            mixed_precision=backbone == "conv" and device.type == "cuda",
        )
        with seeded(rng.randint(2**31 - 1), device):
            network = build(device)
            sampler = TrainingSampler(
                torch.as_tensor(data, device=device),
                torch.as_tensor(codes, dtype=torch.long, device=device),
                space, None if prepare is None else functools.partial(prepare, network),
            )
            history = train(network, sampler.draw, objective, plan)
        self.history_ = history
        self.n_samples_fit_ = len(data)
        self.condition_space_ = space
        self.network_ = network
        self.device_ = device

    def _batch_size(self, backbone: str) -> int:
        return _AUTO_BATCH_SIZE[backbone] if self.batch_size == "auto" else self.batch_size

    def _loss(self, backbone: str) -> str:
        if self.loss != "auto":
            return self.loss
        return _AUTO_LOSS["mlp" if backbone == "mlp" else self.image_model]

    def _set_layouts(self, layout: TableLayout | ImageLayout, label_layout: LabelLayout | None,
                     label_column: Any) -> None:
        """Attributes derived from the input layouts (shared by ``fit`` and ``load``)."""
        self._layout, self._label_layout, self._label_column = layout, label_layout, label_column
        self.classes_ = (None if label_column is None else
                         np.unique(np.asarray(self.schema_.column(label_column).categories)))
        if isinstance(layout, ImageLayout):
            self.image_shape_ = (layout.height, layout.width, layout.channels)
            return
        self.n_features_in_ = len(layout.columns)
        if layout.kind == "frame" and all(isinstance(c, str) for c in layout.columns):
            self.feature_names_in_ = np.asarray(layout.columns, dtype=object)

    def _build_network(self, schema: TableSchema, space: ConditionSpace) -> TabularGAN:
        return TabularGAN(
            schema.span_layout(), schema.discrete_blocks(), space.dim,
            noise_dim=self.embedding_dim,
            generator_dim=tuple(self.generator_dim),
            discriminator_dim=tuple(self.discriminator_dim),
            pac=self.pac,
        )

    def _build_image_network(self, layout: ImageLayout, space: ConditionSpace,
                             device: torch.device) -> ImageGAN:
        """The image networks on ``device``, channels-last there when that is faster."""
        policy = (_AUTO_DIFF_AUGMENT[self.image_model] if self.diff_augment == "auto"
                  else self.diff_augment)
        network = ImageGAN(ImageGANConfig(
            height=layout.height, width=layout.width, channels=layout.channels,
            n_classes=max(1, space.dim), noise_dim=self.embedding_dim,
            base_width=self.conv_width, model=self.image_model,
            augment=parse_policy(policy), ema_decay=_EMA_DECAY[self.image_model],
        )).to(device)
        return network.to(memory_format=network.memory_format)

    # ------------------------------------------------------------------ sample

    def sample(self, n_samples: int, *, y: Any = None, conditions: dict | None = None,
               random_state: int | None = None):
        """Make ``n_samples`` synthetic rows (or images).

        Parameters
        ----------
        n_samples : int
            Number of rows or images.
        y : class label or array-like of shape (n_samples,), default=None
            Class of the rows: one label for all, or one per row (in that order).
            ``None`` lets the generator choose classes in their training
            proportions. Needs a model fit with a label.
        conditions : dict, default=None
            ``{column: value}`` for discrete columns that every row must have;
            the values are met exactly (the generator is conditioned on them, and
            the conditioned columns are set to them). Tables only.
        random_state : int, default=None
            Seed for this call; ``None`` uses the estimator's ``random_state`` (so a
            seeded augmenter returns the same rows each call).

        Returns
        -------
        X_new : DataFrame or ndarray of shape (n_samples, n_features), or images
            The same container, columns, order and dtypes as the ``X`` given to
            ``fit`` (with ``target_column``, the label column included). Images come
            in the layout (3-D, channels-last or channels-first), size, dtype and
            value range of the training images: uint8 as 0-255, floats within the
            range seen in training.
        y_new : Series or ndarray of shape (n_samples,)
            Only when the model was fit with ``y``: the rows' labels, in ``y``'s
            container and dtype. ``sample`` then returns ``(X_new, y_new)``.

        Examples
        --------
        >>> import numpy as np
        >>> from synthaug import GANAugmenter
        >>> rng = np.random.RandomState(0)
        >>> X, y = rng.normal(size=(200, 3)), rng.randint(2, size=200)
        >>> aug = GANAugmenter(epochs=2, random_state=0).fit(X, y)
        >>> X_new, y_new = aug.sample(10, y=1)
        >>> X_new.shape, set(y_new.tolist())
        ((10, 3), {1})
        """
        check_is_fitted(self)
        if not isinstance(n_samples, Integral) or n_samples < 0:
            raise ValueError(f"n_samples must be a non-negative integer; got {n_samples!r}.")
        fixed = self._fixed_codes(conditions)
        seed = self._sampling_seed(random_state)
        if y is None:
            return self._decode(*self._generate(n_samples, fixed, seed))
        if self._label_column is None:
            raise ValueError("y= needs a model fit with labels; this one was fit without y.")
        label_index = self._condition_index(self._label_column)
        label = self.schema_.discrete[label_index]
        if label_index in fixed:
            raise ValueError(
                f"The label {self._label_column!r} is given both as y and in conditions.")
        if np.ndim(y) == 0:
            fixed[label_index] = self._class_code(label, y)
            return self._decode(*self._generate(n_samples, fixed, seed))
        return self._decode(*self._generate_per_class(n_samples, np.asarray(y), label_index,
                                                      label, fixed, seed))

    def _class_code(self, label: DiscreteColumn, value: Any) -> int:
        try:
            return label.code_of(value)
        except ValueError:
            raise ValueError(
                f"y={value!r} is not a class seen during fit; classes_ are "
                f"{self.classes_.tolist()}."
            ) from None

    def _generate_per_class(self, n_samples, y, label_index, label, fixed, seed):
        if len(y) != n_samples:
            raise ValueError(f"y has {len(y)} labels but n_samples={n_samples}; they must match.")
        classes = pd.unique(y)
        if len(classes) == 0:
            return self._generate(0, fixed, seed)
        codes = [self._class_code(label, v) for v in classes]
        positions = pd.Categorical(y, categories=classes).codes
        # One generator run per class, in class order; `order` puts the rows back in y's order.
        order = np.argsort(positions, kind="stable")
        parts = [self._generate(int(np.sum(positions == group)),
                                {**fixed, label_index: int(code)}, seed + group)
                 for group, code in enumerate(codes)]
        inverse = np.argsort(order)
        return tuple(np.concatenate(part)[inverse] for part in zip(*parts))

    def _fixed_codes(self, conditions: dict | None) -> dict:
        if conditions is None:
            return {}
        if self.backbone_ == "conv":
            raise ValueError("conditions= fixes columns of a table; an image model has only "
                             "its label, which y= fixes.")
        if not isinstance(conditions, dict):
            raise TypeError(f"conditions must be a dict {{column: value}}; got {type(conditions).__name__}.")
        fixed = {}
        for name, value in conditions.items():
            if name == _LABEL or name not in self.schema_.names:
                known = [n for n in self.schema_.names if n != _LABEL]
                raise ValueError(f"conditions names column {name!r}, which was not seen during fit; columns are {known}.")
            column = self.schema_.column(name)
            if not isinstance(column, DiscreteColumn):
                raise ValueError(
                    f"conditions can fix discrete columns only, and {name!r} is continuous. Fit with "
                    f"discrete_columns=[..., {name!r}] to condition on it."
                )
            fixed[self._condition_index(name)] = column.code_of(value)
        return fixed

    def _condition_index(self, name: Any) -> int:
        return [c.name for c in self.schema_.discrete].index(name)

    def _sampling_seed(self, random_state) -> int:
        seed = self.random_state if random_state is None else random_state
        return int(check_random_state(seed).randint(2**31 - 1))

    def _generate(self, n: int, fixed: dict, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """Generator output for ``n`` conditions fixing ``fixed`` (column -> code).

        Returns the encoded rows (tables) or (n, C, H, W) images in [-1, 1], and the
        conditions' category codes (n, n_columns).
        """
        network, space, device = self.network_, self.condition_space_, self.device_
        # Tables: conditioned one-hot blocks are set exactly to their category.
        blocks = self.schema_.discrete_blocks() if self.backbone_ == "mlp" else []
        exact = [(*blocks[column], code) for column, code in fixed.items()] if blocks else []
        network.eval()
        outputs, codes = [], []
        with seeded(seed, device), torch.no_grad():
            for start in range(0, max(n, 1), network.sample_batch):
                size = min(network.sample_batch, n - start)
                # An empty request runs one throwaway row, which gives the output's shape.
                rows = max(size, 1)
                condition = space.fixed(rows, fixed, device) if fixed else space.draw(rows, device)
                output = network.sample(condition)
                for begin, dim, code in exact:
                    output[:, begin : begin + dim] = 0.0
                    output[:, begin + code] = 1.0
                outputs.append(output[:size].float().cpu().numpy())
                codes.append(condition.codes[:size].cpu().numpy())
        return np.concatenate(outputs), np.concatenate(codes)

    def _decode(self, output: np.ndarray, codes: np.ndarray):
        if self.backbone_ == "conv":
            images = self._layout.restore(output)
            if self._label_column is None:
                return images
            label = self.schema_.discrete[0]
            labels = label.decode(np.eye(label.n_categories)[codes[:, 0]]).to_numpy()
            return images, self._label_layout.restore(labels)
        frame = self.schema_.decode(output)
        if self._label_column == _LABEL:
            labels = frame.pop(_LABEL).to_numpy()
            return self._layout.restore(frame), self._label_layout.restore(labels)
        return self._layout.restore(frame)

    # ------------------------------------------------------------------ evaluate

    def evaluate(self, X, y=None, *, X_test=None, y_test=None, n_samples: int | None = None,
                 random_state: int | None = None, feature_extractor: torch.nn.Module | None = None
                 ) -> FidelityReport | ImageFidelityReport:
        """Compare fresh synthetic rows with real ones: a :class:`~synthaug.metrics.FidelityReport`.

        For an image model, an :class:`~synthaug.image_metrics.ImageFidelityReport`.

        Parameters
        ----------
        X : DataFrame or array-like, or images
            Real rows with the columns seen in ``fit`` (usually the training rows),
            or real images of the size seen in ``fit``.
        y : array-like, default=None
            Their labels, for a model fit with ``y`` (enables ML efficacy, and the
            classifier-based image metrics).
        X_test, y_test : default=None
            Real rows kept out of training: the test set of the ML efficacy models
            and the held-out baseline of the privacy numbers. Without them, 30% of
            ``X`` plays that part (see the report's ``notes``).
        n_samples : int, default=None
            Synthetic rows to make; ``None`` makes as many as ``X`` has, up to 5,000.
        random_state : int, default=None
            Seed for sampling; ``None`` uses the estimator's ``random_state``.
        feature_extractor : torch.nn.Module, default=None
            Image models only: a network mapping ``(B, C, H, W)`` floats in [-1, 1]
            to ``(B, d)`` features, on which the report computes its feature-space
            metrics too (next to those on its own classifier's features).

        Returns
        -------
        FidelityReport or ImageFidelityReport

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from synthaug import GANAugmenter
        >>> rng = np.random.RandomState(0)
        >>> X = pd.DataFrame({"x": rng.normal(size=300), "k": rng.choice(["a", "b"], 300)})
        >>> aug = GANAugmenter(epochs=2, fidelity=False, random_state=0).fit(X)
        >>> report = aug.evaluate(X)
        >>> 0 <= report.quality["score"] <= 1
        True
        """
        check_is_fitted(self)
        if self.backbone_ == "conv":
            if y is not None and self._label_column is None:
                raise ValueError("y was given for X, but the model was fit without y.")
            n = n_samples if n_samples is not None else min(len(X), MAX_IMAGES)
            return self._image_report(X, y, X_test, y_test, n, self._sampling_seed(random_state),
                                      feature_extractor)
        if feature_extractor is not None:
            raise ValueError("feature_extractor applies to image models; this one models a table.")
        real = self._labelled_frame(X, y, "X")
        test = None if X_test is None else self._labelled_frame(X_test, y_test, "X_test")
        n = n_samples if n_samples is not None else min(len(real), MAX_ROWS)
        return self._report(real, test, n, self._sampling_seed(random_state))

    def _labelled_frame(self, X, y, name: str) -> pd.DataFrame:
        """Validate real rows against the fitted columns; the label (if any) as a column."""
        frame, _ = check_table(X)
        self._check_columns(frame, name)
        labels, _ = self._split_labels(frame, y)
        if self.target_column is None and labels is not None:
            if self._label_column is None:
                raise ValueError(f"y was given for {name}, but the model was fit without y.")
            frame = frame.assign(**{_LABEL: labels})
        return frame

    def _check_columns(self, frame: pd.DataFrame, name: str = "X") -> None:
        if tuple(frame.columns) != self._layout.columns:
            raise ValueError(
                f"{name}'s columns {list(frame.columns)} differ from those seen in fit "
                f"{list(self._layout.columns)}; pass the same columns in the same order."
            )

    def _report(self, real: pd.DataFrame, test: pd.DataFrame | None, n_samples: int,
                seed: int) -> FidelityReport:
        """A fidelity report of ``n_samples`` fresh rows against internal-layout real rows."""
        synthetic = self.schema_.decode(self._generate(n_samples, {}, seed)[0])
        has_label = self._label_column is not None and self._label_column in real.columns
        if not has_label and _LABEL in synthetic.columns:
            synthetic = synthetic.drop(columns=[_LABEL])
        names = {c: str(c) for c in synthetic.columns}
        if _LABEL in names:
            taken = set(names.values())
            name = str(self._label_layout.name) if self._label_layout.name is not None else "y"
            while name in taken:
                name = f"{name}_"
            names[_LABEL] = name
        frames = [None if f is None else f.rename(columns=names) for f in (real, synthetic, test)]
        discrete = [names[c.name] for c in self.schema_.discrete if c.name in names]
        return fidelity_report(frames[0], frames[1], real_test=frames[2],
                               target=names.get(self._label_column) if has_label else None,
                               history=self.history_, discrete_columns=discrete,
                               random_state=seed)

    def _image_report(self, real, labels, test, test_labels, n_samples: int, seed: int,
                      feature_extractor=None) -> ImageFidelityReport:
        """An image report of ``n_samples`` fresh images against real ones (caller's layout)."""
        synthetic = self.sample(n_samples, random_state=seed)
        synthetic_labels = None
        if self._label_column is not None:
            synthetic, synthetic_labels = synthetic
        return image_fidelity_report(
            real, synthetic, y_real=labels, y_synthetic=synthetic_labels if labels is not None
            else None, real_test=test, y_test=test_labels, feature_extractor=feature_extractor,
            history=self.history_, random_state=seed)

    # ------------------------------------------------------------------ augment

    @available_if(_has_no_target_column)
    def fit_resample(self, X, y):
        """Fit on ``(X, y)`` and return them plus synthetic rows per ``sampling_strategy``.

        The imbalanced-learn sampler protocol: in an ``imblearn.pipeline.Pipeline`` it
        runs on training folds only, so synthetic rows never reach ``predict``. With
        ``filter_synthetic`` (the default) every synthetic row has passed the label
        filter: a classifier fit on ``(X, y)`` assigns it to the class it was made for.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features), or images
        y : array-like of shape (n_samples,)

        Returns
        -------
        X_resampled : DataFrame or ndarray
            The real rows (or images), in their order, followed by the synthetic ones
            (a DataFrame gets a fresh ``RangeIndex``, as with imbalanced-learn).
        y_resampled : Series or ndarray
            Their labels, in ``y``'s container and dtype.

        Examples
        --------
        >>> import numpy as np
        >>> from synthaug import GANAugmenter
        >>> rng = np.random.RandomState(0)
        >>> X, y = rng.normal(size=(120, 2)), np.r_[np.zeros(100), np.ones(20)].astype(int)
        >>> X_res, y_res = GANAugmenter(epochs=1, random_state=0).fit_resample(X, y)
        >>> np.bincount(y_res).tolist()
        [100, 100]
        """
        self._validate_params()
        if y is None:
            raise ValueError("fit_resample needs class labels y.")
        data, layout, labels, label_layout = self._check_input(X, y)
        counts = synthetic_counts(labels, self.sampling_strategy)
        self._fit(data, layout, labels, label_layout)
        real = np.asarray(X) if isinstance(layout, ImageLayout) else layout.restore(data)
        X_new, y_new = self._synthetic(counts, real, labels)
        return (concat_rows([real, X_new]),
                concat_rows([label_layout.restore(labels), y_new]))

    def _synthetic(self, counts: dict, real, labels: np.ndarray) -> tuple:
        """``counts[c]`` synthetic samples of each class ``c``, class by class, as
        ``sample`` returns them (a tuple either way); vetted with ``filter_synthetic``
        by a classifier fit on ``real`` (the caller's container) and ``labels``."""
        def draw(wanted: np.ndarray, seed) -> tuple:
            out = self.sample(len(wanted), y=wanted, random_state=seed)
            return out if isinstance(out, tuple) else (out,)

        wanted = _repeat_classes(counts)
        if not self.filter_synthetic or len(wanted) == 0:
            return draw(wanted, None)
        seed = self._sampling_seed(None)
        judge = fit_judge(self._judged(real), labels, seed)
        def draw_judged(wanted: np.ndarray, seed) -> tuple:
            candidates = draw(wanted, seed)
            return candidates, self._judged(candidates[0])

        samples, unvetted = filtered(draw_judged, judge, counts, seed)
        for label, n in unvetted.items():
            warnings.warn(
                f"Only {counts[label] - n} of {counts[label]} synthetic samples of class "
                f"{label!r} passed the label filter after {FILTER_ROUNDS} draws; the other {n} "
                "were added unvetted. The generator has not learnt this class well: train "
                "longer, or check fidelity_.", UserWarning, stacklevel=3)
        return samples

    def _judged(self, X):
        """``X`` (in the caller's container, as ``sample`` returns it) as the label
        filter's classifier reads it. Not through the input gate: a small batch of
        synthetic rows may well have a column that is all missing."""
        if self.backbone_ == "conv":
            return self._layout.unit(X)
        frame = self._layout.to_frame(X)
        return frame.drop(columns=[self.target_column]) if self.target_column is not None else frame

    @available_if(_has_target_column)
    def transform(self, X):
        """Return ``X`` plus synthetic rows so its label counts meet ``sampling_strategy``.

        Available when ``target_column`` is set (the label is a column of ``X``).

        Parameters
        ----------
        X : DataFrame or array-like with the columns seen in ``fit``

        Returns
        -------
        X_augmented : DataFrame or ndarray
            ``X``'s rows, in their order, followed by the synthetic rows; a DataFrame
            gets a fresh ``RangeIndex``.
        """
        check_is_fitted(self)
        frame, layout = check_table(X)
        self._check_columns(frame)
        labels, _ = check_labels(frame[self.target_column], len(frame))
        unseen = set(pd.unique(labels).tolist()) - set(self.classes_.tolist())
        if unseen:
            raise ValueError(f"X has classes {sorted(unseen, key=str)} that were not seen during fit.")
        counts = synthetic_counts(labels, self.sampling_strategy)
        real = layout.restore(frame)
        (X_new,) = self._synthetic(counts, real, labels)
        return concat_rows([real, X_new])

    @available_if(_has_target_column)
    def fit_transform(self, X, y=None):
        """Fit on ``X`` (label in ``target_column``) and return :meth:`transform` of it."""
        return self.fit(X, y).transform(X)

    # ------------------------------------------------------------------ files

    def save(self, path: str | os.PathLike) -> None:
        """Write the fitted model to ``path``: tensors plus JSON metadata, no pickled code.

        Examples
        --------
        >>> import numpy as np, tempfile, os
        >>> from synthaug import GANAugmenter
        >>> X = np.random.RandomState(0).normal(size=(100, 2))
        >>> aug = GANAugmenter(epochs=1, random_state=0).fit(X)
        >>> path = os.path.join(tempfile.mkdtemp(), "model.pt")
        >>> aug.save(path)
        >>> np.array_equal(GANAugmenter.load(path).sample(5), aug.sample(5))
        True
        """
        check_is_fitted(self)
        params = self.get_params()
        if callable(params["sampling_strategy"]):
            raise ValueError("save() stores parameters as JSON and cannot store a callable "
                             "sampling_strategy; set a dict or a string first.")
        if not (params["random_state"] is None or isinstance(params["random_state"], Integral)):
            raise ValueError("save() can store random_state only as an int or None.")
        params["device"] = str(params["device"])
        if isinstance(params["sampling_strategy"], dict):
            params["sampling_strategy"] = {"pairs": [[to_json(k), v] for k, v in
                                                     params["sampling_strategy"].items()]}
        params["target_column"] = to_json(params["target_column"])
        if params["discrete_columns"] is not None:
            params["discrete_columns"] = [to_json(c) for c in params["discrete_columns"]]
        metadata = {
            "format": _FORMAT,
            "format_version": _FORMAT_VERSION,
            "synthaug_version": __version__,
            "torch_version": torch.__version__,
            "params": params,
            "backbone": self.backbone_,
            "schema": self.schema_.to_dict(),
            "conditions": self.condition_space_.to_dict(),
            "layout": self._layout.to_dict(),
            "label_layout": None if self._label_layout is None else self._label_layout.to_dict(),
            "label_column": to_json(self._label_column),
            "history": self.history_,
            "n_samples_fit": self.n_samples_fit_,
            "fidelity": None if self.fidelity_ is None else self.fidelity_.to_dict(),
        }
        state = {k: v.detach().cpu() for k, v in self.network_.state_dict().items()}
        torch.save({"metadata": json.dumps(metadata), "state": state}, path)

    @classmethod
    def load(cls, path: str | os.PathLike, *, device: str | torch.device = "auto") -> "GANAugmenter":
        """Load a model written by :meth:`save` onto ``device`` (a GPU model loads on a CPU).

        Only tensors and JSON are read (``torch.load(weights_only=True)``): loading
        never runs pickled code.
        """
        blob = torch.load(path, map_location="cpu", weights_only=True)
        if not isinstance(blob, dict) or "metadata" not in blob:
            raise ValueError(f"{os.fspath(path)!r} is not a synthaug model file.")
        meta = json.loads(blob["metadata"])
        if meta.get("format") != _FORMAT or meta.get("format_version", 0) > _FORMAT_VERSION:
            raise ValueError(
                f"{os.fspath(path)!r} holds format {meta.get('format')!r} version "
                f"{meta.get('format_version')}; this synthaug ({__version__}) reads "
                f"{_FORMAT!r} up to version {_FORMAT_VERSION}."
            )
        params = dict(meta["params"], device=device)
        params["generator_dim"] = tuple(params["generator_dim"])
        params["discriminator_dim"] = tuple(params["discriminator_dim"])
        params["target_column"] = from_json(params["target_column"])
        if isinstance(params["sampling_strategy"], dict):
            params["sampling_strategy"] = {from_json(k): v
                                           for k, v in params["sampling_strategy"]["pairs"]}
        if params["discrete_columns"] is not None:
            params["discrete_columns"] = [from_json(c) for c in params["discrete_columns"]]
        estimator = cls(**params)
        estimator.backbone_ = meta.get("backbone", "mlp")  # version 1 files hold tables
        images = estimator.backbone_ == "conv"
        estimator.schema_ = TableSchema.from_dict(meta["schema"])
        estimator.condition_space_ = space = ConditionSpace.from_dict(meta["conditions"])
        estimator.device_ = resolve_device(device)
        layout = (ImageLayout if images else TableLayout).from_dict(meta["layout"])
        network = (estimator._build_image_network(layout, space, estimator.device_) if images
                   else estimator._build_network(estimator.schema_, space).to(estimator.device_))
        network.load_state_dict(blob["state"])
        estimator.network_ = network.eval()
        estimator.history_ = meta["history"]
        estimator.n_samples_fit_ = meta.get("n_samples_fit")
        fidelity = meta.get("fidelity")
        report = ImageFidelityReport if images else FidelityReport
        estimator.fidelity_ = None if fidelity is None else report.from_dict(fidelity)
        label_layout = meta["label_layout"]
        estimator._set_layouts(
            layout,
            None if label_layout is None else LabelLayout.from_dict(label_layout),
            from_json(meta["label_column"]),
        )
        return estimator


def _repeat_classes(counts: dict) -> np.ndarray:
    return np.repeat(np.array(list(counts), dtype=object), list(counts.values()))
