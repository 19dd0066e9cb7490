"""``GANAugmenter``: the scikit-learn / imbalanced-learn face of the conditional GAN.

Every method validates and delegates: the kind of data (:mod:`synthaug._tables`,
:mod:`synthaug._images`) encodes, builds networks, samples and reports; the one
training loop (:mod:`synthaug._training`) trains; :mod:`synthaug._augmentation`
counts, draws and filters what augmentation adds; :mod:`synthaug._persistence` writes
and reads model files.
"""

from __future__ import annotations

import os
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

from synthaug import _persistence
from synthaug._augmentation import augment, plan_validation, run_validation
from synthaug._background import beside, side_by_side_allowed
from synthaug._containers import concat_rows
from synthaug._schema import ENCODINGS
from synthaug._distributed import is_main_process, process_group
from synthaug._kinds import modality_for
from synthaug._modality import Inputs, Modality
from synthaug._resumable import STRUCTURE, TrainingState, continuation
from synthaug._runtime import new_seed, resolve_device, seed_of
from synthaug._training import GANModel, TrainingPlan, fit_model
from synthaug.image_metrics import ImageFidelityReport
from synthaug.losses import OBJECTIVES
from synthaug.metrics import FidelityReport
from synthaug.nn import IMAGE_RECIPES


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
    epochs : int or "auto", default="auto"
        Passes over the training data. ``"auto"``: 300, and for tables as many more as
        make 3,000 steps (a table of 1,000 rows, four steps of 250 rows an epoch, trains
        750 epochs; tables of 5,000 rows and more train 300): small tables need more
        passes to learn how columns depend on each other.
    batch_size : int or "auto", default="auto"
        Rows (or images) per step; for tables rounded down to a multiple of ``pac``.
        ``"auto"``: 500 rows (tables under 2,000 rows: a quarter of their rows, at
        least 250), 64 images (32 for ``"stylegan"`` and ``"cyclegan"``).
    loss : {"auto", "wgan-gp", "bce", "wgan", "hinge", "r1"}, default="auto"
        Adversarial objective: Wasserstein with gradient penalty (Adam), the original
        non-saturating minimax loss (Adam), Wasserstein with weight clipping (RMSProp,
        5 critic steps), hinge (Adam) or the non-saturating loss with an R1 penalty
        on real samples (Adam at StyleGAN2's 2e-3 and betas (0, 0.99)). ``"auto"``:
        ``"wgan-gp"`` for tables, ``"hinge"`` for ``image_model="sngan"`` and
        ``"cyclegan"``, ``"bce"`` for ``"dcgan"``, ``"r1"`` for ``"stylegan"``.
    generator_lr, discriminator_lr : float, default=None
        Learning rates; ``None`` uses the objective's own (2e-4 with Adam, 5e-5 for
        ``"wgan"``, 2e-3 for ``"r1"``).
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
    pack_pooling : bool, default=True
        Tables: how the critic reads a pack of ``pac`` rows. ``True`` passes every row
        through one shared first layer, and the rest of the critic sees the mean and
        the spread of those features over the pack: it learns one row's structure once
        rather than once per position in the pack, and still sees how diverse the pack
        is. ``False`` is CTGAN's PacGAN critic, which concatenates the rows into one
        wide input (the earlier default: model files saved before this parameter
        existed load with ``False``). Across the seven benchmark tables ``True``
        raised the mean Column Pair Trends and the detection score
        (benchmarks/results/multi_table_ablations.md).
    backbone : {"auto", "mlp", "conv"}, default="auto"
        ``"auto"`` picks by the shape of ``X``: a 2-D table (or DataFrame) gets the
        MLP, a 3-D ``(n, H, W)`` or 4-D ``(n, H, W, C)`` / ``(n, C, H, W)`` array of
        images gets the convolutional GAN. ``"mlp"`` or ``"conv"`` insist on one and
        reject input of the other shape. A 4-D array is read as channels-last when its
        last axis has 1 or 3 entries, else as channels-first; images have 8 to 128
        pixels a side and 1 or 3 channels, so no valid array reads both ways.
    image_model : {"sngan", "dcgan", "stylegan", "cyclegan"}, default="sngan"
        The image recipe. ``"sngan"``, for a few hundred images per class:
        class-conditional batch norm in the generator, a spectrally normalised
        projection discriminator, hinge loss, an exponential moving average of the
        generator's weights for sampling and differentiable augmentation.
        ``"dcgan"``: the classic conditional DCGAN (batch norm, ReLU, transposed
        convolutions; LeakyReLU strided convolutions; label embeddings concatenated;
        non-saturating loss), as a baseline. ``"stylegan"``: a StyleGAN2-style
        generator (a mapping network from noise and class to a style, modulated and
        demodulated convolutions, per-layer noise, a learned constant input, style
        mixing) and a residual discriminator, the non-saturating loss with an R1
        penalty (``loss="r1"``), differentiable translation and cutout
        (:mod:`synthaug.nn.stylegan`). ``"cyclegan"``: class-to-class translation of
        real images (one generator and one discriminator, both conditioned on the
        target class; adversarial, cycle-consistency and identity losses;
        :mod:`synthaug.nn.cyclegan`), which keeps the variety of the real images it
        starts from. It needs two classes or more, adds :meth:`translate`, and its
        :meth:`sample` (hence :meth:`fit_resample`) translates randomly drawn training
        images of other classes into the class asked for; the model keeps its
        training images for that, in memory and in its model file.

        CPU and GPU: the defaults (``conv_width=64``, 300 epochs) are sized for a GPU,
        where ``conv_width=128`` gives the networks more room. On a CPU, for a few
        hundred images, use ``conv_width=16`` to ``32`` and 30 to 100 epochs
        (``examples/few_shot_mnist.py`` and ``benchmarks/few_shot_recipes.py`` use
        16 and 150): per image and epoch, ``"stylegan"`` (two modulated
        convolutions per resolution, the R1 penalty's second derivatives) and
        ``"cyclegan"`` (three generator passes per step) cost more than ``"sngan"``
        at the same ``conv_width``, though their widths are half of its.
    conv_width : int, default=64
        Channels of the image networks at full resolution; each halving of the
        resolution doubles them, up to 8x (``"stylegan"`` and ``"cyclegan"``: half
        as many, up to 2x ``conv_width``).
    diff_augment : str or None, default="auto"
        Differentiable augmentations applied to every image the discriminator sees,
        comma-separated from ``"color"``, ``"translation"``, ``"cutout"``; ``None``
        for none. ``"auto"``: all three for ``"sngan"``, translation and cutout for
        ``"stylegan"`` and ``"cyclegan"``, none for ``"dcgan"``.
    ema_decay : float, None or "auto", default="auto"
        Decay of the exponential moving average of the generator's weights that
        sampling uses (it smooths the last steps' oscillations); ``None`` samples with
        the trained weights. ``"auto"``: 0.999 for tables and every image recipe but
        ``"dcgan"``, which has none.
    match_marginals : bool, default=True
        Tables: after training, map each column's generated values onto the training
        rows' distribution of that column, keeping their order (a rank-preserving
        quantile map for numbers and dates; a per-category correction for discrete
        columns), so that every column's marginal matches the training data while the
        dependencies between columns stay the generator's. Numbers then take values
        the training column has (columns with up to 1,000 distinct values) or values
        between its quantiles; the model file keeps 1,001 quantiles of each numeric
        column. ``False`` decodes the generator's own values.
    continuous_encoding : {"quantile", "mixture"}, default="quantile"
        Tables: how numbers and dates are encoded for the networks. ``"quantile"``: the
        normal score of each value's rank in its training column (one smooth feature,
        whatever the column's shape). ``"mixture"``: CTGAN's mode-specific
        normalisation (a Gaussian mixture's mode, one-hot, and the position inside it).
    joint_columns : bool, default=True
        Tables: model discrete columns that nearly determine each other as one
        discrete column over the combinations of their values seen in training, so
        that generated rows hold only combinations real rows hold, in their
        proportions. Columns are joined when strongly associated (Cramér's V of 0.5 or
        more) and their observed combinations few: at most ``k_1 + ... + k_g - (g - 1)``
        for ``g`` columns of ``k_i`` values (a code and its label, a job and its
        department, a count that is zero exactly when an amount is). The label
        (``target_column``) is never joined. A condition on one joined column draws
        each row's combination among those holding its value, by their training
        frequencies. ``schema_.joints`` lists what was joined.
    discrete_columns : list, default=None
        Columns to treat as discrete. ``None`` infers them: strings, categories,
        booleans, objects, and integer columns with at most 20 distinct values.
        With a list, exactly the listed numeric columns are discrete (non-numeric
        columns always are).
    target_column : column name, default=None
        Name of the label column inside ``X`` (see above). ``None`` takes labels
        from ``y``.
    sampling_strategy : "validated", float, str, dict or callable, default="validated"
        How many synthetic rows per class :meth:`fit_resample` and :meth:`transform`
        add. ``"validated"``: as many as internal cross-validation on the training data
        vouches for (see :attr:`augmentation_`): a share (0, 25%, 50% or 100%) of what
        balances the classes, zero when no share raises a proxy model's F1 without
        lowering its ROC AUC. It refits the GAN on each of 3 folds (at most 5,000 rows
        each, a third of the steps), in a second process while the final model trains
        when the machine has two cores or more: on 1,000 Adult rows ``fit_resample``
        takes 96 s on 2 CPU cores, ``fit`` about 90 s. Any other value is
        imbalanced-learn's and is met as asked: ``"auto"``/``"not majority"``,
        ``"minority"``, ``"not minority"``, ``"all"``, a float ratio (two classes), a
        ``{class: total rows}`` dict, or a callable ``f(y) -> dict``.
    filter_synthetic : bool or "auto", default="auto"
        The label filter of :meth:`fit_resample` and :meth:`transform`: vet every
        synthetic sample with a classifier trained on the real ones (HistGradientBoosting
        with classes weighed equally for tables, a small CNN for images); a sample it
        assigns to another class than the one it was made for is replaced by a fresh
        one, and a class the filter cannot fill in a few draws gets fewer samples (never
        unvetted ones). Rows of the wrong class are label noise, but the filter also
        keeps the samples far from the class boundary, which can cost ROC AUC.
        ``"auto"``: ``"validated"`` tries both and keeps the better; explicit strategies
        filter. Costs one classifier fit and a few more samples; :meth:`sample` is never
        filtered.
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
        off for images. Use :meth:`evaluate` for a report on held-out data. A fit
        stopped by Ctrl-C attaches none.
    warm_start : bool, default=False
        scikit-learn's convention: with ``True``, ``fit`` on a fitted model continues
        it for ``epochs`` more epochs, from its weights, its optimisers' state and its
        random stream, keeping its encoding; ``history_`` grows, its epoch numbers
        going on. ``X`` needs the columns (or image size) and the categories and
        classes the model was fit on, and the parameters that shape the networks or
        the encoding may not change. A model loaded from a file written by
        :meth:`save` has no optimiser state and continues with fresh optimisers (a
        warning says so); a checkpoint continues exactly.
    checkpoint_path : str or path-like, default=None
        Where ``fit`` writes a checkpoint every ``checkpoint_every`` epochs and when
        it ends (stopped by Ctrl-C or divergence included): a model file (tensors and
        JSON, no pickled code) that also holds the optimisers' state, the torch random
        state and the epoch. ``GANAugmenter.load(path)`` is a usable model, and
        :meth:`resume` finishes the fit it comes from.
    checkpoint_every : int, default=10
        Epochs between checkpoints, counted over the model's whole history.
    id_columns : "auto", list or None, default="auto"
        Identifier columns of a table (row numbers, keys): not modelled; synthetic
        rows get fresh values no real row has, in the column's place and dtype
        (integers count on past the largest real one, text gets a prefix no real
        value starts with). ``"auto"`` finds, in tables of at least 50 rows, columns
        of integers or text with a distinct value in every row, and warns which;
        integers must also run consecutively give or take gaps (a range of at most
        twice the row count) or be named like an identifier (``id``, ``user_id``,
        ``key``, ``index``, ``rownames``, ...), as a measurement stored as integers
        may well be distinct in a small table. Floats, dates, booleans and categorical
        dtypes never count. A list names them; ``None`` models every column.

    Attributes
    ----------
    backbone_ : {"mlp", "conv"}
        The backbone ``fit`` used.
    schema_ : TableSchema
        Column encodings learned from ``X`` (and the label given as ``y``); tables only.
    condition_space_ : ConditionSpace
        Layout and category frequencies of the condition vector.
    training_plan_ : TrainingPlan or None
        The settings the fit ran with, ``"auto"`` resolved: ``loss``, ``epochs``,
        ``steps_per_epoch``, ``batch_size``, learning rates, critic steps,
        ``mixed_precision``, ``start_epoch`` (the epochs before a warm start) and
        ``world_size`` (processes that trained data parallel, each drawing
        ``batch_size // world_size`` rows per step);
        ``None`` for a model file of format 1 or 2.
    network_ : torch.nn.Module
        The trained generator and discriminator, on ``device_``.
    classes_ : ndarray or None
        Class labels seen in ``fit``, or ``None`` without a label.
    history_ : list of dict
        Per epoch: ``epoch``, ``discriminator_loss``, ``generator_loss``,
        ``condition_loss`` and ``seconds``, over every fit a warm start continued.
        Shorter than ``epochs`` if training diverged or was interrupted and was
        rolled back (a ``RuntimeWarning`` says so).
    device_ : torch.device
        Device the model lives on.
    fidelity_ : FidelityReport, ImageFidelityReport or None
        How synthetic rows compare with the training rows (see ``fidelity``).
    n_features_in_ : int
        Number of columns of ``X`` (tables only).
    id_columns_ : list
        The identifier columns (see ``id_columns``; tables only).
    n_samples_fit_ : int or None
        Number of rows (or images) of ``X`` (``None`` for a model file that did not record it).
    feature_names_in_ : ndarray of str
        Column names of ``X``, when they are all strings (tables only).
    image_shape_ : tuple
        ``(H, W, C)`` of the training images (images only).
    sampling_strategy_ : dict
        After :meth:`fit_resample` or :meth:`transform`: ``{class: synthetic samples
        asked for}`` for every class.
    augmentation_ : Augmentation
        After :meth:`fit_resample` or :meth:`transform`: per class the samples asked
        for, added and refused by the label filter; with ``"validated"``, the share
        chosen and the internal estimate of the gain in ROC AUC and F1 over real
        samples alone, with its spread. ``augmentation_.summary()`` says it in words.
    saved_with_ : dict
        After :meth:`load`: ``{library: version}`` the file was written with (synthaug,
        torch, numpy, pandas, scikit-learn; synthaug and torch only in older files).

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
        "epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "batch_size": [Interval(Integral, 2, None, closed="left"), StrOptions({"auto"})],
        "loss": [StrOptions(set(OBJECTIVES) | {"auto"})],
        "generator_lr": [Interval(Real, 0, None, closed="neither"), None],
        "discriminator_lr": [Interval(Real, 0, None, closed="neither"), None],
        "discriminator_steps": [Interval(Integral, 1, None, closed="left"), None],
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "generator_dim": [tuple, list],
        "discriminator_dim": [tuple, list],
        "pac": [Interval(Integral, 1, None, closed="left")],
        "pack_pooling": ["boolean"],
        "backbone": [StrOptions({"auto", "mlp", "conv"})],
        "image_model": [StrOptions(set(IMAGE_RECIPES))],
        "conv_width": [Interval(Integral, 1, None, closed="left")],
        "diff_augment": [str, None],
        "ema_decay": [Interval(Real, 0, 1, closed="neither"), None, StrOptions({"auto"})],
        "match_marginals": ["boolean"],
        "continuous_encoding": [StrOptions(set(ENCODINGS))],
        "joint_columns": ["boolean"],
        "discrete_columns": [list, tuple, None],
        "target_column": "no_validation",
        "sampling_strategy": [
            Interval(Real, 0, 1, closed="right"),
            StrOptions({"validated", "auto", "minority", "not minority", "not majority", "all"}),
            dict,
            callable,
        ],
        "filter_synthetic": ["boolean", StrOptions({"auto"})],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "fidelity": ["boolean", StrOptions({"auto"})],
        "warm_start": ["boolean"],
        "checkpoint_path": [str, os.PathLike, None],
        "checkpoint_every": [Interval(Integral, 1, None, closed="left")],
        "id_columns": [StrOptions({"auto"}), list, tuple, None],
    }

    def __init__(
        self,
        *,
        epochs: int | str = "auto",
        batch_size: int | str = "auto",
        loss: str = "auto",
        generator_lr: float | None = None,
        discriminator_lr: float | None = None,
        discriminator_steps: int | None = None,
        embedding_dim: int = 128,
        generator_dim: tuple = (256, 256),
        discriminator_dim: tuple = (256, 256),
        pac: int = 10,
        pack_pooling: bool = True,
        backbone: str = "auto",
        image_model: str = "sngan",
        conv_width: int = 64,
        diff_augment: str | None = "auto",
        ema_decay: float | str | None = "auto",
        match_marginals: bool = True,
        continuous_encoding: str = "quantile",
        joint_columns: bool = True,
        discrete_columns: list | None = None,
        target_column: Any = None,
        sampling_strategy: Any = "validated",
        filter_synthetic: bool | str = "auto",
        device: str | torch.device = "auto",
        random_state: int | np.random.RandomState | None = None,
        verbose: bool = False,
        fidelity: bool | str = "auto",
        warm_start: bool = False,
        checkpoint_path: str | os.PathLike | None = None,
        checkpoint_every: int = 10,
        id_columns: str | list | None = "auto",
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
        self.pack_pooling = pack_pooling
        self.backbone = backbone
        self.image_model = image_model
        self.conv_width = conv_width
        self.diff_augment = diff_augment
        self.ema_decay = ema_decay
        self.match_marginals = match_marginals
        self.continuous_encoding = continuous_encoding
        self.joint_columns = joint_columns
        self.discrete_columns = discrete_columns
        self.target_column = target_column
        self.sampling_strategy = sampling_strategy
        self.filter_synthetic = filter_synthetic
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.fidelity = fidelity
        self.warm_start = warm_start
        self.checkpoint_path = checkpoint_path
        self.checkpoint_every = checkpoint_every
        self.id_columns = id_columns

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

        Notes
        -----
        Ctrl-C (a ``KeyboardInterrupt``) during training rolls the model back to the
        end of the last complete epoch and warns: ``fit`` returns a usable model, which
        :meth:`save` writes and :meth:`resume` trains on. Before the first epoch ends,
        the interrupt goes through.
        """
        self._validate_params()
        return self._fit(self._check(X, y))

    def resume(self, X, y=None) -> "GANAugmenter":
        """Finish the fit a checkpoint, or a fit stopped by Ctrl-C, comes from.

        Trains the epochs that fit had left, from where it stood: on a CPU, with an
        int ``random_state`` and the same ``X`` and ``y``, the result equals the fit
        never stopped, bit for bit. To train more than a fit planned, set
        ``warm_start=True`` and call ``fit``.

        Parameters
        ----------
        X, y : as for :meth:`fit`, the data of the fit to finish

        Returns
        -------
        self : GANAugmenter

        Examples
        --------
        >>> from synthaug import GANAugmenter
        >>> aug = GANAugmenter(epochs=300, checkpoint_path="adult.ckpt", random_state=0)
        >>> aug.fit(X, y)  # doctest: +SKIP
        >>> # ... the machine restarts during epoch 137; adult.ckpt holds epoch 130
        >>> aug = GANAugmenter.load("adult.ckpt").resume(X, y)  # doctest: +SKIP
        >>> len(aug.history_)  # doctest: +SKIP
        300
        """
        check_is_fitted(self)
        self._validate_params()
        return self._fit(self._check(X, y), resume=True)

    def _check(self, X, y) -> Inputs:
        """The input gate of ``fit`` and ``fit_resample``: the modality ``X``'s shape calls for."""
        return modality_for(X, self.backbone).check(X, y, self.get_params())

    def _fit(self, inputs: Inputs, resume: bool = False) -> "GANAugmenter":
        rng = check_random_state(self.random_state)
        # Launched by torchrun (or in a process group), the fit is data parallel.
        group = process_group(resolve_device(self.device))
        device = group.device(resolve_device(self.device))
        # Drawn first, in this order: a warm start draws the seeds of the fit it continues.
        encoding_seed, training_seed, finishing_seed, report_seed = group.shared_seeds(
            [new_seed(rng) for _ in range(4)])
        params = self.get_params()
        warm = (resume or self.warm_start) and hasattr(self, "network_")
        if warm:
            state = continuation(self._training_state, params, resume, self._modality.name,
                                 inputs.kind.name)
            data, build = self._modality, self.network_.to
        else:
            state = TrainingState(encoding_seed, {name: params[name] for name in STRUCTURE})
            data = group.fitted_once(lambda: inputs.kind.fit(inputs, params, rng), inputs.kind)
            build = data.network(params)
        training = data.training_set(inputs, params, state.encoding_seed)
        choices = data.recipe.choose(params)
        objective = OBJECTIVES[choices["loss"]]
        batch_size = group.local_batch(training.batch_size, training.multiple) * group.world_size
        steps_per_epoch = max(1, -(-len(inputs) // batch_size))
        plan = TrainingPlan(
            loss=choices["loss"],
            epochs=state.until - state.epoch if resume else
            data.recipe.epochs(self.epochs, steps_per_epoch),
            steps_per_epoch=steps_per_epoch,
            batch_size=batch_size,
            generator_lr=self.generator_lr or objective.learning_rate,
            discriminator_lr=self.discriminator_lr or objective.learning_rate,
            discriminator_steps=self.discriminator_steps or objective.discriminator_steps,
            mixed_precision=data.recipe.mixed_precision and device.type == "cuda",
            start_epoch=state.epoch,
            world_size=group.world_size,
        )
        state.until = plan.start_epoch + plan.epochs
        checkpoints = None if self.checkpoint_path is None or not group.writes_files else \
            _persistence.checkpoints(self.checkpoint_path, self.checkpoint_every, params, data,
                                     len(inputs), plan)
        network, _ = fit_model(build, training.samples, training.codes, data.space, objective,
                               plan, device, training_seed, training.prepare,
                               progress=bool(self.verbose), state=state, on_epoch=checkpoints,
                               group=group)
        data.after_training(network, inputs, params, finishing_seed, device)
        self._set_fitted(data, network, device, state.settled(), len(inputs), plan, None)
        if choices["fidelity"] and not state.interrupted:
            report_rng = np.random.RandomState(report_seed)
            real = data.report_sample(inputs, report_rng)
            self.fidelity_ = data.report(network, device, real, None, len(real),
                                         new_seed(report_rng), self.history_)
        if self.checkpoint_path is not None and group.writes_files:
            _persistence.save(self, self.checkpoint_path, training=True)
        return self

    def _set_fitted(self, data: Modality, network: GANModel, device: torch.device,
                    state: TrainingState, n_samples: int | None, plan: TrainingPlan | None,
                    fidelity) -> None:
        """The fitted attributes (shared by ``fit`` and ``load``)."""
        previous = getattr(self, "_modality", None)
        for name in ("saved_with_",) + (() if previous is None else tuple(previous.attributes())):
            if hasattr(self, name):
                delattr(self, name)
        self._modality, self._training_state = data, state
        self.backbone_, self.condition_space_ = data.backbone, data.space
        self.classes_ = None if data.labels is None else data.labels.classes
        self.network_, self.device_, self.history_ = network, device, state.history
        self.n_samples_fit_, self.training_plan_, self.fidelity_ = n_samples, plan, fidelity
        for name, value in data.attributes().items():
            setattr(self, name, value)

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
            ``{column: value}`` that every row must meet, tables only. A discrete
            column's value is met exactly: the generator is conditioned on it and
            the column set to it. A numeric or date column takes a closed range
            ``(low, high)`` (``None`` for an open end) or, if its values are whole
            numbers or at most 1,000 distinct ones, a single value: generated rows
            are kept only if they meet it, so the rows within the range follow the
            model's own distribution. At most ``max(10**6, 1000 * n_samples)`` rows
            are generated for that; a range the model rarely reaches raises a
            ``ValueError`` saying how often it does.
        random_state : int, default=None
            Seed for this call; ``None`` uses the estimator's ``random_state`` (so a
            seeded augmenter returns the same rows each call).

        A translation model (``image_model="cyclegan"``) makes each image by
        translating a training image drawn at random from the other classes into the
        image's class (with ``y=None``, classes in their training proportions); see
        :meth:`translate` for images of your own.

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
        >>> X_new, _ = aug.sample(10, conditions={0: (0.0, None)})
        >>> bool((X_new[:, 0] >= 0).all())
        True
        """
        check_is_fitted(self)
        if not isinstance(n_samples, Integral) or n_samples < 0:
            raise ValueError(f"n_samples must be a non-negative integer; got {n_samples!r}.")
        return self._modality.sample(self.network_, n_samples, y, conditions,
                                     self._seed(random_state), self.device_)

    def translate(self, X, y, *, random_state: int | None = None):
        """Translate real images into class(es) ``y`` (``image_model="cyclegan"`` only).

        Parameters
        ----------
        X : images of the size seen in ``fit``
            In any layout the estimator takes (``(n, H, W)``, channels-last or
            channels-first) and dtype; the value range is taken to be the training
            images'.
        y : class label or array-like of shape (n,)
            The class to translate every image into, or one class per image. An image
            already of its target class comes back close to unchanged (the identity
            loss trains for that).
        random_state : int, default=None
            Seed for this call; ``None`` uses the estimator's ``random_state``.

        Returns
        -------
        X_translated : ndarray
            The translated images, in ``X``'s layout and dtype, one per image of ``X``
            and in its order, within the training images' value range.

        Raises
        ------
        ValueError
            For a model that does not translate (every ``image_model`` but
            ``"cyclegan"``, and tables), for a class not seen in ``fit``, or for images
            of another size.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_digits
        >>> from synthaug import GANAugmenter
        >>> X, y = load_digits(return_X_y=True)
        >>> X = X.reshape(-1, 8, 8)
        >>> aug = GANAugmenter(image_model="cyclegan", epochs=1, conv_width=8,
        ...                    random_state=0).fit(X[:200], y[:200])
        >>> ones = aug.translate(X[y == 0][:5], y=1)     # five zeros, drawn as ones
        >>> ones.shape, ones.dtype
        ((5, 8, 8), dtype('float64'))
        """
        check_is_fitted(self)
        return self._modality.translate(self.network_, X, y, self._seed(random_state),
                                        self.device_)

    def _seed(self, random_state) -> int:
        """The seed of one call: its own ``random_state``, else the estimator's."""
        return seed_of(self.random_state if random_state is None else random_state)

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
        data = self._modality
        real = data.check_real(X, y, "X")
        test = None if X_test is None else data.check_real(X_test, y_test, "X_test")
        n = n_samples if n_samples is not None else min(len(real), data.report_size)
        return data.report(self.network_, self.device_, real, test, n, self._seed(random_state),
                           self.history_, feature_extractor)

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
        >>> aug = GANAugmenter(epochs=1, random_state=0)
        >>> X_res, y_res = aug.fit_resample(X, y)   # as many rows as cross-validation vouches for
        >>> np.array_equal(X_res[:120], X), aug.augmentation_.strategy
        (True, 'validated')
        >>> balance = GANAugmenter(epochs=1, random_state=0, sampling_strategy="auto",
        ...                        filter_synthetic=False)
        >>> np.bincount(balance.fit_resample(X, y)[1]).tolist()
        [100, 100]
        """
        self._validate_params()
        if y is None:
            raise ValueError("fit_resample needs class labels y.")
        inputs = self._check(X, y)
        X_new, y_new = self._fit_augment(inputs)
        return (concat_rows([inputs.X, X_new]),
                concat_rows([inputs.label_layout.restore(inputs.labels), y_new]))

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
        real = self._modality.check_real(X, None, "X")
        unseen = set(pd.unique(real.labels).tolist()) - set(self.classes_.tolist())
        if unseen:
            raise ValueError(f"X has classes {sorted(unseen, key=str)} that were not seen "
                             "during fit.")
        (X_new,), self.augmentation_ = augment(self, real)
        self.sampling_strategy_ = self.augmentation_.requested
        return concat_rows([real.X, X_new])

    @available_if(_has_target_column)
    def fit_transform(self, X, y=None):
        """Fit on ``X`` (label in ``target_column``) and return :meth:`transform` of it."""
        self._validate_params()
        inputs = self._check(X, y)
        (X_new,) = self._fit_augment(inputs)
        return concat_rows([inputs.X, X_new])

    def _fit_augment(self, inputs: Inputs) -> tuple:
        """Fit on ``inputs`` and return the synthetic samples that augmentation adds.

        With ``sampling_strategy="validated"`` the fold models are trained beside the
        final fit, in a second process, where the machine allows it (see
        :mod:`synthaug._background`); the choice is the same either way.
        """
        validated = None
        if isinstance(self.sampling_strategy, str) and self.sampling_strategy == "validated":
            plan = plan_validation(self, inputs)
            with beside(run_validation, plan, enabled=plan.answer is None and
                        side_by_side_allowed(resolve_device(self.device))) as result:
                self._fit(inputs)
            validated = result()
        else:
            self._fit(inputs)
        samples, self.augmentation_ = augment(self, inputs, validated)
        self.sampling_strategy_ = self.augmentation_.requested
        return samples

    # ------------------------------------------------------------------ files

    def save(self, path: str | os.PathLike) -> None:
        """Write the fitted model to ``path``: tensors plus JSON metadata, no pickled code.

        A model fit data parallel (launched by ``torchrun``) is written by rank 0 alone;
        on the other ranks, which hold the same model, ``save`` writes nothing, so a
        script that calls it on every rank writes one file.

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
        plan = self.training_plan_
        if plan is None or plan.world_size == 1 or is_main_process():
            _persistence.save(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike, *, device: str | torch.device = "auto") -> "GANAugmenter":
        """Load a model written by :meth:`save` onto ``device`` (a GPU model loads on a CPU).

        Only tensors and JSON are read (``torch.load(weights_only=True)``): loading
        never runs pickled code.
        """
        return _persistence.load(cls, path, device)
