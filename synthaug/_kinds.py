"""The kinds of data the estimator takes, by backbone: the registry of modalities."""

from __future__ import annotations

from synthaug._images import ImageModality
from synthaug._modality import Modality
from synthaug._tables import TableModality

MODALITIES: dict[str, type[Modality]] = {m.backbone: m for m in (TableModality, ImageModality)}
BY_NAME: dict[str, type[Modality]] = {m.name: m for m in MODALITIES.values()}


def modality_for(X, backbone: str) -> type[Modality]:
    """The modality for ``X``: found by its shape with ``backbone="auto"``, else the one
    ``backbone`` names, which must accept ``X``."""
    if backbone == "auto":
        return next(m for m in MODALITIES.values() if m.accepts(X))
    modality = MODALITIES[backbone]
    if not modality.accepts(X):
        raise ValueError(modality.wrong_shape(X))
    return modality
