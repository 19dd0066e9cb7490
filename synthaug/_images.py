"""Images: the modality behind the convolutional backbones.

Images go through :func:`~synthaug._validation.check_images` (one (n, C, H, W) array
and the caller's layout, dtype and value range), train the recipe chosen by
``image_model`` (:data:`synthaug.nn.IMAGE_RECIPES`), and come back in the caller's
layout. The class label is the only condition column. After training, the sampling
generator's batch-norm statistics are recomputed from its own outputs.

A translation recipe (``translates``, :mod:`synthaug.nn.cyclegan`) needs labels; its
network keeps the training images (handed to it when it is built for a
fit, read back from the model file otherwise), and :meth:`ImageModality.translate`
maps the caller's images into chosen classes.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np
import pandas as pd
import torch

from synthaug._conditioning import ConditionSpace
from synthaug._judges import batched, fit_classifier, image_judge
from synthaug._labels import Labels
from synthaug._modality import Inputs, Modality, TrainingSet
from synthaug._recipes import Recipe
from synthaug._runtime import seeded
from synthaug._schema import DiscreteColumn
from synthaug._validation import ImageLayout, LabelLayout, check_images, check_labels
from synthaug.image_metrics import MAX_IMAGES, ImageFidelityReport, image_fidelity_report
from synthaug.nn import IMAGE_RECIPES
from synthaug.nn.augment import parse_policy
from synthaug.nn.image import ImageGAN, ImageGANConfig

# Batches of generated images whose statistics the sampling generator's batch norm keeps.
CALIBRATION_BATCHES, CALIBRATION_BATCH = 8, 256


class ImageModality(Modality):
    """Fitted images: their layout, the label and the recipe."""

    name, backbone = "images", "conv"
    fit_report_size, report_size = 1_000, MAX_IMAGES

    def __init__(self, layout: ImageLayout, labels: Labels | None, space: ConditionSpace,
                 image_model: str, donors: int = 0):
        self.layout, self.labels, self.space = layout, labels, space
        self.recipe = self.recipe_for({"image_model": image_model})
        # The training images a translation model keeps: their number (in the model
        # file) and, while fitting, the pixels and class codes its network is built with.
        self.donors, self._donor_data = donors, None

    # ---------------------------------------------------------------- fit

    @classmethod
    def recipe_for(cls, params: dict) -> Recipe:
        return IMAGE_RECIPES[params["image_model"]]

    @classmethod
    def accepts(cls, X) -> bool:
        return not isinstance(X, pd.DataFrame) and np.ndim(X) in (3, 4)

    @classmethod
    def wrong_shape(cls, X) -> str:
        return (f"backbone='conv' takes images of shape (n, H, W), (n, H, W, C) or "
                f"(n, C, H, W); got X with {np.ndim(X)} dimension(s). Reshape flat pixel rows "
                "with X.reshape(n, H, W), or use backbone='auto' for a table.")

    @classmethod
    def check(cls, X, y, params: dict) -> Inputs:
        if params["target_column"] is not None:
            raise ValueError(
                f"target_column={params['target_column']!r} applies to tables; pass image "
                "labels as y (and leave target_column=None)."
            )
        pixels, layout = check_images(X)
        labels, label_layout = (None, None) if y is None else check_labels(y, len(pixels))
        return Inputs(cls, pixels, layout, labels, label_layout, original=np.asarray(X))

    @classmethod
    def fit(cls, inputs: Inputs, params: dict, rng) -> "ImageModality":
        labels = None
        if inputs.labels is not None:
            labels = Labels(DiscreteColumn.fit(pd.Series(inputs.labels)), inputs.label_layout, 0)
        codes = _codes(labels, inputs)
        space = ConditionSpace.from_codes(codes, [] if labels is None
                                          else [labels.column.n_categories])
        modality = cls(inputs.layout, labels, space, params["image_model"])
        if modality.recipe.translates:
            # (y of one class is refused by the label gate already.)
            if labels is None:
                raise ValueError(
                    f"image_model={params['image_model']!r} translates images from one class "
                    "into another, so it needs labels y of two classes or more; got no y. "
                    "Use image_model='sngan' to make images without labels.")
            modality.donors, modality._donor_data = len(inputs), (inputs.data, codes[:, 0])
        return modality

    def training_set(self, inputs: Inputs, params: dict, seed: int) -> TrainingSet:
        fitted, given = (self.layout.height, self.layout.width, self.layout.channels), \
            (inputs.layout.height, inputs.layout.width, inputs.layout.channels)
        if given != fitted:
            raise ValueError(f"warm_start=True continues a model fit on images of (H, W, C) = "
                             f"{fitted}; X holds {given}. Set warm_start=False to fit anew.")
        self.check_labelled(inputs)
        if self.labels is not None:
            unseen = set(pd.unique(inputs.labels).tolist()) - set(self.labels.classes.tolist())
            if unseen:
                raise ValueError(f"warm_start=True continues a model of the classes "
                                 f"{self.labels.classes.tolist()}; y has others: "
                                 f"{sorted(unseen, key=str)}. Set warm_start=False to fit anew.")
        layout = inputs.layout
        return TrainingSet(
            inputs.data, _codes(self.labels, inputs), self.batch_size(params, len(inputs)),
            prepare=lambda network, batch: network.pad(layout.to_unit(batch.float())))

    def network(self, params: dict) -> Callable[[torch.device], ImageGAN]:
        recipe, layout, space = self.recipe, self.layout, self.space
        choices = recipe.choose(params)
        config = ImageGANConfig(
            height=layout.height, width=layout.width, channels=layout.channels,
            n_classes=max(1, space.dim), label_column=None if self.labels is None else 0,
            noise_dim=params["embedding_dim"], base_width=params["conv_width"],
            augment=parse_policy(choices["diff_augment"]), ema_decay=choices["ema_decay"],
            donors=self.donors,
        )
        model, donors = recipe.model or ImageGAN, self._donor_data

        def build(device: torch.device) -> ImageGAN:
            network = model(config, *recipe.networks(config)).to(device)
            if donors is not None:
                pixels, codes = donors
                network.remember(layout.to_unit(torch.as_tensor(pixels, device=device).float()),
                                 torch.as_tensor(codes, device=device))
            # Channels-last on CUDA (faster convolutions there).
            return network.to(memory_format=network.memory_format)

        return build

    def attributes(self) -> dict:
        return {"image_shape_": (self.layout.height, self.layout.width, self.layout.channels)}

    def after_training(self, network: ImageGAN, inputs: Inputs, params: dict, seed: int,
                       device: torch.device) -> None:
        with seeded(seed, device):
            network.calibrate([self.space.draw(CALIBRATION_BATCH, device)
                               for _ in range(CALIBRATION_BATCHES)])

    # ---------------------------------------------------------------- sample

    def fixed_codes(self, conditions: dict | None) -> dict:
        if conditions is not None:
            raise ValueError("conditions= fixes columns of a table; an image model has only "
                             "its label, which y= fixes.")
        return {}

    def translate(self, network: ImageGAN, X, y, seed: int, device: torch.device):
        if not self.recipe.translates:
            raise ValueError(
                f"translate maps images into another class and needs a translation model "
                f"(image_model='cyclegan'); this model is image_model={self.recipe.name!r}, "
                "which makes images from noise: use sample(n, y=...) instead.")
        inputs = self.check_real(X, None, "X")
        n = len(inputs)
        if np.ndim(y) == 0:
            codes = np.full(n, self.labels.code_of(y), dtype=np.int64)
        else:
            y = np.asarray(y)
            if y.ndim != 1 or len(y) != n:
                raise ValueError(f"y has shape {y.shape} but X holds {n} images; pass one "
                                 "class for all or one class per image.")
            classes, positions = np.unique(y, return_inverse=True)
            codes = np.array([self.labels.code_of(c) for c in classes], np.int64)[positions]
        # The caller's axes and dtype, the training images' value range.
        layout = dataclasses.replace(self.layout, axes=inputs.layout.axes,
                                     dtype=inputs.layout.dtype)
        pixels = self.layout.to_unit(inputs.data.astype(np.float32))
        network.eval()
        out = []
        with seeded(seed, device), torch.no_grad():
            for start in range(0, n, network.sample_batch):
                stop = start + network.sample_batch
                images = torch.as_tensor(pixels[start:stop], device=device)
                labels = torch.as_tensor(codes[start:stop], device=device)
                out.append(network.translate(images, labels).float().cpu().numpy())
        return layout.restore(np.concatenate(out))

    def decode(self, output: np.ndarray, codes: np.ndarray):
        images = self.layout.restore(output)
        if self.labels is None:
            return images
        return images, self.labels.decode(codes[:, self.labels.index])

    # ---------------------------------------------------------------- real data later on

    def check_real(self, X, y, name: str) -> Inputs:
        pixels, layout = check_images(X, min_images=1)
        shape = (layout.height, layout.width, layout.channels)
        if shape != (self.layout.height, self.layout.width, self.layout.channels):
            raise ValueError(
                f"{name} holds images of (H, W, C) = {shape}; the model was fit on "
                f"{(self.layout.height, self.layout.width, self.layout.channels)}."
            )
        labels, label_layout = (None, None) if y is None else check_labels(y, len(pixels))
        if labels is not None and self.labels is None:
            raise ValueError(f"y was given for {name}, but the model was fit without y.")
        return Inputs(type(self), pixels, layout, labels, label_layout, original=np.asarray(X))

    def judge(self, inputs: Inputs, seed: int) -> Callable:
        return image_judge(self.judged(inputs.X), inputs.labels, seed)

    def judged(self, X) -> np.ndarray:
        return self.layout.unit(X)

    def labelled(self, samples: tuple) -> tuple:
        return self.judged(samples[0]), np.asarray(samples[1])

    def proxies(self, features: np.ndarray, labels: np.ndarray, seed: int) -> list[Callable]:
        classes, codes = np.unique(labels, return_inverse=True)
        model = fit_classifier(torch.as_tensor(features, dtype=torch.float32),
                               torch.as_tensor(codes), len(classes), seed=seed)
        return [lambda X: torch.softmax(batched(model, torch.as_tensor(X, dtype=torch.float32)),
                                        dim=1).numpy()]

    def report(self, network, device, real: Inputs, test: Inputs | None, n: int, seed: int,
               history: list, feature_extractor=None) -> ImageFidelityReport:
        synthetic = self.sample(network, n, None, None, seed, device)
        synthetic_labels = None
        if self.labels is not None:
            synthetic, synthetic_labels = synthetic
        return image_fidelity_report(
            real.X, synthetic, y_real=real.labels,
            y_synthetic=None if real.labels is None else synthetic_labels,
            real_test=None if test is None else test.X,
            y_test=None if test is None else test.labels,
            feature_extractor=feature_extractor, history=history, random_state=seed)

    # ---------------------------------------------------------------- files

    def to_dict(self) -> dict:
        labels = self.labels
        return {"layout": self.layout.to_dict(), "conditions": self.space.to_dict(),
                "label": None if labels is None else labels.column.to_dict(),
                "label_layout": None if labels is None else labels.layout.to_dict(),
                "image_model": self.recipe.name, "donors": self.donors}

    @classmethod
    def from_dict(cls, d: dict) -> "ImageModality":
        label = d["label"]
        labels = None if label is None else Labels(
            DiscreteColumn.from_dict(label), LabelLayout.from_dict(d["label_layout"]), 0)
        return cls(ImageLayout.from_dict(d["layout"]), labels,
                   ConditionSpace.from_dict(d["conditions"]), d["image_model"],
                   d.get("donors", 0))

    @classmethod
    def report_from_dict(cls, d: dict) -> ImageFidelityReport:
        return ImageFidelityReport.from_dict(d)


def _codes(labels: Labels | None, inputs: Inputs) -> np.ndarray:
    """The class index of each image (no column without labels)."""
    if labels is None:
        return np.zeros((len(inputs), 0), np.int64)
    return labels.column.codes(pd.Series(inputs.labels))[:, None]
