"""Conditional sampling: rows of a chosen class (``y=``) and with fixed values (``conditions=``).

    python examples/conditional_sampling.py --epochs 60 --rows 5000

The generator is conditioned on the class and on the fixed discrete values, so they
are met exactly (nothing is filtered out), and the other columns follow what the
model learned for rows like those. Under half a minute on two CPU cores.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from synthaug import GANAugmenter
from synthaug.datasets import load_adult


def describe(name: str, X: pd.DataFrame) -> str:
    return (f"{name:<34} {len(X):>5} rows  age {X['age'].mean():5.1f}  hours/week "
            f"{X['hours-per-week'].mean():5.1f}  female {(X['sex'] == 'Female').mean():6.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--rows", type=int, default=5000, help="stratified subsample of Adult")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    X, y = load_adult(return_X_y=True)
    X, _, y, _ = train_test_split(X, y, train_size=args.rows, stratify=y, random_state=args.seed)
    augmenter = GANAugmenter(epochs=args.epochs, fidelity=False, random_state=args.seed,
                             verbose=True).fit(X, y)

    # One class for every row.
    X_rich, y_rich = augmenter.sample(1000, y=">50K")
    # One class per row, in the order given.
    wanted = np.repeat(["<=50K", ">50K"], [300, 200])
    X_mixed, y_mixed = augmenter.sample(len(wanted), y=wanted)
    # A class and fixed values of discrete columns.
    conditions = {"sex": "Female", "workclass": "Private"}
    X_fixed, y_fixed = augmenter.sample(500, y=">50K", conditions=conditions)

    print()
    print(describe("real, income >50K", X[y == ">50K"]))
    print(describe("synthetic, y='>50K'", X_rich))
    print(describe("real, income <=50K", X[y == "<=50K"]))
    print(describe("synthetic, y='<=50K' (of the mix)", X_mixed[y_mixed == "<=50K"]))
    print(f"\ny='>50K' gives only >50K rows: {bool((y_rich == '>50K').all())}")
    print(f"one class per row keeps the order: {bool((y_mixed.to_numpy() == wanted).all())}")
    met = all((X_fixed[column] == value).all() for column, value in conditions.items())
    print(f"conditions {conditions} met in every row: {met and bool((y_fixed == '>50K').all())}")
    print("\nEducation of synthetic women in private jobs earning >50K:")
    print(X_fixed["education"].value_counts(normalize=True).head(5).round(3).to_string())


if __name__ == "__main__":
    main()
