"""Few-shot MNIST, every image recipe: do its images add to 10 or 50 real ones per class?

    python benchmarks/few_shot_recipes.py            # hours on 2 CPU cores; minutes on a GPU
    python benchmarks/few_shot_recipes.py --quick    # smoke run: tiny GANs, one seed

Extends ``examples/few_shot_mnist.py`` (its split, classic augmentation and fixed
classifier) to every recipe and two sizes. For each size (``--per-class``, 10 and 50
by default), the training set is that many bundled MNIST test-set digits per class
and the test set the others; the arms are real only, + classic (shifted and rotated
copies), + each recipe's images (``GANAugmenter.fit_resample`` with an explicit
amount: ``--added-per-class`` per class, label filter on, so that every recipe adds
the same number), and + classic + the recipe with the best "+ recipe" accuracy. Each
arm trains the same SmallCNN for the same steps, over ``--seeds`` seeds. Per recipe,
the fidelity report of its added images gives recall, coverage and CAS (a CNN trained
on them alone, tested on real images), and the fit time is measured.

The goals of issue 16 (real + synthetic > real + classic, and classic + synthetic >
classic, by more than one standard deviation, at both sizes) are checked and the table
says whether each was reached. ``--quick`` results are labelled as such: they only
show that the script runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time

import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "examples"))

from few_shot_mnist import (accuracy, add_run_options, classic_augment,  # noqa: E402
                            few_shot_split, parse_run_options)

from synthaug import GANAugmenter  # noqa: E402
from synthaug.datasets import load_mnist_t10k  # noqa: E402
from synthaug.image_metrics import image_fidelity_report  # noqa: E402
from synthaug.nn import IMAGE_RECIPES  # noqa: E402

RESULTS = os.path.join(ROOT, "benchmarks", "results")


def run_size(images, labels, per_class: int, args) -> dict:
    """Every arm at one training-set size."""
    train, test = few_shot_split(images, labels, per_class, seed=0)
    if args.quick:
        test = (test[0][:500], test[1][:500])
    X, y = train
    X_classic, y_classic = classic_augment(X, y, args.added_per_class, seed=0)
    sets = {"real only": (X, y),
            "+ classic": (np.concatenate([X, X_classic]), np.concatenate([y, y_classic]))}
    recipes, synthetic = {}, {}
    for name in args.recipes:
        started = time.perf_counter()
        augmenter = GANAugmenter(image_model=name, epochs=args.epochs, conv_width=args.conv_width,
                                 embedding_dim=64, random_state=0, device=args.device,
                                 sampling_strategy={c: per_class + args.added_per_class
                                                    for c in range(10)})
        X_aug, y_aug = augmenter.fit_resample(X, y)
        seconds = time.perf_counter() - started
        X_syn, y_syn = X_aug[len(X):], y_aug[len(X):]
        synthetic[name] = X_syn, y_syn
        sets[f"+ {name}"] = X_aug, y_aug
        report = image_fidelity_report(X, X_syn, y_real=y, y_synthetic=y_syn,
                                       real_test=test[0][:2000], y_test=test[1][:2000],
                                       classifier_steps=args.classifier_steps)
        found = report.to_dict()
        features = found["features"]["classifier"]["synthetic"]
        recipes[name] = {"fit_seconds": seconds, "added": int(len(X_syn)),
                         "recall": features["recall"], "coverage": features["coverage"],
                         "cas": found["classification"]["synthetic"]}
        print(f"  {per_class}/class {name}: fit {seconds:.0f} s, {recipes[name]}", flush=True)
    scores = {arm: [accuracy(data, test, args.classifier_steps, seed) for seed in range(args.seeds)]
              for arm, data in sets.items()}
    best = max(args.recipes, key=lambda name: np.mean(scores[f"+ {name}"]))
    X_syn, y_syn = synthetic[best]
    both = (np.concatenate([X, X_classic, X_syn]), np.concatenate([y, y_classic, y_syn]))
    scores[f"+ classic + {best}"] = [accuracy(both, test, args.classifier_steps, seed)
                                     for seed in range(args.seeds)]
    for arm, found in scores.items():
        print(f"  {per_class}/class {arm:<24} {np.mean(found):.4f} +- {np.std(found):.4f}",
              flush=True)
    return {"per_class": per_class, "n_test": int(len(test[1])), "best": best,
            "accuracy": {arm: {"mean": float(np.mean(s)), "std": float(np.std(s)), "runs": s}
                         for arm, s in scores.items()},
            "recipes": recipes}


def beats(acc: dict, arm: str, other: str) -> bool:
    """``arm`` above ``other`` by more than the larger of their standard deviations."""
    margin = max(acc[arm]["std"], acc[other]["std"])
    return acc[arm]["mean"] - acc[other]["mean"] > margin


def markdown(results: dict) -> str:
    s = results["settings"]
    quick = " (QUICK MODE: tiny GANs, one seed; shows the script runs, not what recipes add)" \
        if s["quick"] else ""
    lines = [f"# Few-shot MNIST, every image recipe{quick}", "",
             f"Command: `{results['command']}` on {results['machine']}. Each recipe: "
             f"`GANAugmenter(image_model=..., epochs={s['epochs']}, conv_width={s['conv_width']}, "
             f"embedding_dim=64).fit_resample` adding {s['added_per_class']} label-filtered "
             f"images per class. Classifier: the package's SmallCNN, {s['classifier_steps']} "
             f"Adam steps in every arm, {s['seeds']} seed(s); tested on the other MNIST "
             "test-set images. Recall, coverage (classifier features) and CAS (a CNN trained "
             "on the recipe's images alone) come from `image_fidelity_report`.", ""]
    for size in results["sizes"]:
        acc, base = size["accuracy"], size["accuracy"]["real only"]["mean"]
        lines += [f"## {size['per_class']} real images per class ({size['n_test']} test images)",
                  "", "| Training set | Accuracy (mean +- std) | vs real only | recall | "
                  "coverage | CAS | fit (s) |", "|---|---:|---:|---:|---:|---:|---:|"]
        for arm, a in acc.items():
            name = arm[2:]
            r = size["recipes"].get(name)
            extra = (f"{r['recall']:.2f} | {r['coverage']:.2f} | {r['cas']:.3f} | "
                     f"{r['fit_seconds']:.0f}") if r else " | | | "
            lines.append(f"| {arm} | {a['mean']:.4f} +- {a['std']:.4f} | "
                         f"{a['mean'] - base:+.4f} | {extra} |")
        best = size["best"]
        goals = [(f"real + {best} > real + classic", beats(acc, f"+ {best}", "+ classic")),
                 (f"classic + {best} > classic", beats(acc, f"+ classic + {best}", "+ classic"))]
        if s["seeds"] < 2:
            verdict = "not judged (one seed has no standard deviation)"
        else:
            verdict = "; ".join(f"{goal}: {'reached' if met else 'NOT reached'}"
                                for goal, met in goals)
        lines += ["", f"Goals (by more than one standard deviation): {verdict}", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, nargs="+", default=[10, 50],
                        help="real training images per class, one run per value")
    parser.add_argument("--recipes", nargs="+", default=list(IMAGE_RECIPES),
                        choices=list(IMAGE_RECIPES))
    add_run_options(parser, RESULTS)
    args = parse_run_options(parser)
    command = shlex.join(["python", "benchmarks/few_shot_recipes.py", *sys.argv[1:]])
    images, labels = load_mnist_t10k(return_X_y=True)
    sizes = [run_size(images, labels, n, args) for n in args.per_class]
    cuda = torch.cuda.is_available() and args.device in ("auto", "cuda")
    results = {"command": command,
               "machine": f"{platform.machine()}, {os.cpu_count()} cores, GANs on "
                          + (torch.cuda.get_device_name() if cuda else "the CPU"),
               "settings": {k: v for k, v in vars(args).items() if k != "results_dir"},
               "sizes": sizes}
    name = "few_shot_recipes" + ("_quick" if args.quick else "")
    with open(os.path.join(args.results_dir, f"{name}.json"), "w") as f:
        json.dump(results, f, indent=2)
    with open(os.path.join(args.results_dir, f"{name}.md"), "w") as f:
        f.write(markdown(results))
    print(f"Wrote {name}.md and {name}.json in {args.results_dir}")


if __name__ == "__main__":
    main()
