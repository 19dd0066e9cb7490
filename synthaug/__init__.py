"""synthaug: conditional GANs as a data-augmentation step for ML pipelines.

>>> from synthaug import GANAugmenter
"""

__version__ = "0.1.0"

from synthaug._training import TrainingDivergedError  # noqa: E402
from synthaug.estimator import GANAugmenter  # noqa: E402

__all__ = ["GANAugmenter", "TrainingDivergedError", "__version__"]
