"""Samples of every image recipe on scikit-learn's 8x8 digits, as one PNG (the README's).

    python examples/recipe_samples.py                      # a few minutes on 2 CPU cores
    python examples/recipe_samples.py --epochs 1 --out /tmp/grid.png   # smoke run

Each recipe is fit with the same settings on ``--per-class`` digits of each class; the
grid has one row per recipe, with the real digits first, and ``--columns`` images of
each class 0-9 side by side. ``cyclegan`` images are translations of real digits of
other classes (what its ``sample`` makes).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.datasets import load_digits

from synthaug import GANAugmenter
from synthaug.nn import IMAGE_RECIPES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--per-class", type=int, default=50, help="training digits per class")
    parser.add_argument("--conv-width", type=int, default=16)
    parser.add_argument("--columns", type=int, default=3, help="images of each class per row")
    parser.add_argument("--recipes", nargs="+", default=list(IMAGE_RECIPES),
                        choices=list(IMAGE_RECIPES))
    parser.add_argument("--out", default="docs/recipe_samples.png")
    args = parser.parse_args()

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    digits = load_digits()
    rng = np.random.RandomState(0)
    keep = np.concatenate([rng.permutation(np.flatnonzero(digits.target == c))[:args.per_class]
                           for c in range(10)])
    X, y = np.round(digits.images[keep] * 255 / 16).astype(np.uint8), digits.target[keep]
    wanted = np.repeat(np.arange(10), args.columns)
    rows = {"real": X[np.concatenate([np.flatnonzero(y == c)[:args.columns] for c in range(10)])]}
    for name in args.recipes:
        started = time.perf_counter()
        aug = GANAugmenter(image_model=name, epochs=args.epochs, conv_width=args.conv_width,
                           embedding_dim=64, random_state=0, fidelity=False).fit(X, y)
        rows[name] = aug.sample(len(wanted), y=wanted)[0]
        print(f"{name}: {args.epochs} epochs in {time.perf_counter() - started:.0f} s", flush=True)

    fig, axes = plt.subplots(len(rows), 1, figsize=(len(wanted) * 0.32, len(rows) * 0.5))
    for ax, (name, images) in zip(np.atleast_1d(axes), rows.items()):
        ax.imshow(np.concatenate(list(images), axis=1), cmap="gray", vmin=0, vmax=255)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
    fig.suptitle(f"8x8 digits, {args.per_class} per class, {args.epochs} epochs, "
                 f"conv_width={args.conv_width}: {args.columns} of each class 0-9", fontsize=8)
    fig.savefig(args.out, dpi=100, bbox_inches="tight")
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
