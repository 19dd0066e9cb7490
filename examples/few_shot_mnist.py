"""Few-shot MNIST: do GAN images added to 50 real images per class help a classifier?

    python examples/few_shot_mnist.py            # about 10 minutes on 2 CPU cores
    python examples/few_shot_mnist.py --quick    # smoke run (seconds): tiny GAN, one seed

From the bundled 10,000 MNIST test-set digits, 50 per class (500) are the training
set and the other 9,500 the test set. One fixed classifier (the package's
:class:`~synthaug.image_metrics.SmallCNN`, the same number of training steps in every
arm) is trained on:

- real only: the 500 real images;
- + classic: plus shifted (up to 2 pixels) and slightly rotated (up to 10 degrees)
  copies of them; flips are left out, a mirrored digit is often another digit or none;
- + synthetic: plus images from ``GANAugmenter.fit_resample`` on the same 500 images
  (its label filter drops images a classifier of the real ones puts in another class);
- + classic + synthetic: both.

Each arm is repeated over ``--seeds`` classifier seeds. Writes a markdown table, the
numbers as JSON, and a grid of real and synthetic samples per class and the GAN's
loss curves (``few_shot_mnist/samples.png``, ``losses.png``) into ``--results-dir``
(``benchmarks/results`` by default; ``--quick`` writes ``few_shot_mnist_quick*``).
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
from scipy import ndimage

from synthaug import GANAugmenter
from synthaug.datasets import load_mnist_t10k
from synthaug.image_metrics import batched, fit_classifier, image_fidelity_report
from synthaug.nn import IMAGE_RECIPES

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "..", "benchmarks", "results")
ARMS = ("real only", "+ classic", "+ synthetic", "+ classic + synthetic")


def few_shot_split(images, labels, per_class: int, seed: int):
    """``per_class`` training images of each class; everything else is the test set."""
    rng = np.random.RandomState(seed)
    train = np.concatenate([rng.permutation(np.flatnonzero(labels == c))[:per_class]
                            for c in np.unique(labels)])
    test = np.setdiff1d(np.arange(len(labels)), train)
    return (images[train], labels[train]), (images[test], labels[test])


def classic_augment(images, labels, per_class: int, seed: int):
    """Shifted (up to 2 px) and rotated (up to 10 degrees) copies, ``per_class`` per class."""
    rng = np.random.RandomState(seed)
    picks = np.concatenate([rng.choice(np.flatnonzero(labels == c), per_class)
                            for c in np.unique(labels)])
    out = np.empty((len(picks),) + images.shape[1:], dtype=images.dtype)
    for i, index in enumerate(picks):
        image = ndimage.rotate(images[index].astype(float), rng.uniform(-10, 10), reshape=False,
                               order=1)
        image = ndimage.shift(image, rng.randint(-2, 3, size=2), order=0)
        out[i] = np.clip(np.round(image), 0, 255)
    return out, labels[picks]


def accuracy(train, test, steps: int, seed: int) -> float:
    """Test accuracy of the fixed classifier trained on ``train`` (uint8 images, labels)."""
    def tensor(images):
        return torch.as_tensor(images[:, None] / 127.5 - 1, dtype=torch.float32)

    (X, y), (X_test, y_test) = train, test
    model = fit_classifier(tensor(X), torch.as_tensor(y.astype(np.int64)), 10, steps=steps,
                           seed=seed)
    predicted = batched(model, tensor(X_test)).argmax(dim=1).numpy()
    return float(np.mean(predicted == y_test))


def add_run_options(parser: argparse.ArgumentParser, results_dir: str) -> None:
    """The options this example shares with ``benchmarks/few_shot_recipes.py``."""
    parser.add_argument("--quick", action="store_true", help="tiny settings, one seed (smoke run)")
    parser.add_argument("--added-per-class", type=int, default=100,
                        help="classic and synthetic images added per class")
    parser.add_argument("--epochs", type=int, default=150, help="GAN epochs")
    parser.add_argument("--conv-width", type=int, default=16)
    parser.add_argument("--classifier-steps", type=int, default=300)
    parser.add_argument("--seeds", type=int, default=3, help="classifier seeds per arm")
    parser.add_argument("--device", default="auto", help="where the GANs train (auto, cpu, cuda)")
    parser.add_argument("--results-dir", default=results_dir)


def parse_run_options(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """The parsed options, with ``--quick``'s tiny settings applied."""
    args = parser.parse_args()
    if args.quick:
        args.epochs, args.conv_width, args.classifier_steps, args.seeds = 1, 4, 20, 1
        args.added_per_class = 10
    return args


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=50, help="real training images per class")
    parser.add_argument("--image-model", default="sngan", choices=list(IMAGE_RECIPES))
    add_run_options(parser, RESULTS)
    args = parse_run_options(parser)
    command = shlex.join(["python", "examples/few_shot_mnist.py", *sys.argv[1:]])

    images, labels = load_mnist_t10k(return_X_y=True)
    train, test = few_shot_split(images, labels, args.per_class, seed=0)
    if args.quick:
        test = (test[0][:500], test[1][:500])
    X, y = train
    print(f"MNIST few-shot: {len(X)} training images ({args.per_class} per class), "
          f"{len(test[0])} test images", flush=True)

    started = time.perf_counter()
    # The library's augmenting path: fit, then synthetic images per class, each vetted by
    # the label filter (on for an explicit amount unless filter_synthetic=False).
    augmenter = GANAugmenter(epochs=args.epochs, conv_width=args.conv_width, embedding_dim=64,
                             image_model=args.image_model, random_state=0, device=args.device,
                             sampling_strategy={c: args.per_class + args.added_per_class
                                                for c in range(10)},
                             verbose=not args.quick)
    X_aug, y_aug = augmenter.fit_resample(X, y)
    gan_seconds = time.perf_counter() - started
    X_syn, y_syn = X_aug[len(X):], y_aug[len(X):]
    X_classic, y_classic = classic_augment(X, y, args.added_per_class, seed=0)
    sets = {
        "real only": (X, y),
        "+ classic": (np.concatenate([X, X_classic]), np.concatenate([y, y_classic])),
        "+ synthetic": (np.concatenate([X, X_syn]), np.concatenate([y, y_syn])),
        "+ classic + synthetic": (np.concatenate([X, X_classic, X_syn]),
                                  np.concatenate([y, y_classic, y_syn])),
    }

    started = time.perf_counter()
    scores = {arm: [accuracy(sets[arm], test, args.classifier_steps, seed)
                    for seed in range(args.seeds)] for arm in ARMS}
    classifier_seconds = time.perf_counter() - started
    for arm in ARMS:
        print(f"  {arm:<24} accuracy {np.mean(scores[arm]):.4f} +- {np.std(scores[arm]):.4f}",
              flush=True)

    started = time.perf_counter()
    report = image_fidelity_report(X, X_syn, y_real=y, y_synthetic=y_syn, real_test=test[0][:2000],
                                   y_test=test[1][:2000], history=augmenter.history_,
                                   classifier_steps=args.classifier_steps)
    report_seconds = time.perf_counter() - started
    print(report.summary(), flush=True)

    suffix = ("_quick" if args.quick else "") + ("_cuda" if augmenter.device_.type == "cuda" else "")
    figures = report.plot(os.path.join(args.results_dir, f"few_shot_mnist{suffix}"))
    results = {
        "command": command,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, GAN on "
                   + (torch.cuda.get_device_name() if augmenter.device_.type == "cuda" else "the CPU"),
        "settings": {k: v for k, v in vars(args).items() if k != "results_dir"},
        "accuracy": {arm: {"mean": float(np.mean(s)), "std": float(np.std(s)), "runs": s}
                     for arm, s in scores.items()},
        "seconds": {"gan_fit": gan_seconds, "classifiers": classifier_seconds,
                    "report": report_seconds},
        "report": report.to_dict(),
    }
    with open(os.path.join(args.results_dir, f"few_shot_mnist{suffix}.json"), "w") as f:
        json.dump(results, f, indent=2)
    with open(os.path.join(args.results_dir, f"few_shot_mnist{suffix}.md"), "w") as f:
        f.write(markdown(results, [os.path.relpath(p, args.results_dir) for p in figures]))
    print(f"Wrote few_shot_mnist{suffix}.md, .json and {', '.join(figures)} in {args.results_dir}")


def markdown(results: dict, figures: list) -> str:
    s, acc, sec = results["settings"], results["accuracy"], results["seconds"]
    report = results["report"]
    base = acc["real only"]["mean"]
    lines = [
        f"# Few-shot MNIST: {s['per_class']} real images per class, plus "
        f"{s['added_per_class']} classic or synthetic per class",
        "",
        f"Command: `{results['command']}` on {results['machine']}. GAN: "
        f"`GANAugmenter(image_model={s['image_model']!r}, epochs={s['epochs']}, "
        f"conv_width={s['conv_width']}, embedding_dim=64).fit_resample` on the "
        f"{10 * s['per_class']} real training images (label filter on, the default) in "
        f"{sec['gan_fit']:.0f} s. Classifier: the package's SmallCNN, "
        f"{s['classifier_steps']} Adam steps of 64 images in every arm, {s['seeds']} seed(s); "
        "tested on the other MNIST test-set images.",
        "",
        "| Training set | Accuracy (mean +- std) | vs real only |",
        "|---|---:|---:|",
    ]
    for arm in ARMS:
        mean, std = acc[arm]["mean"], acc[arm]["std"]
        lines.append(f"| {arm} | {mean:.4f} +- {std:.4f} | {mean - base:+.4f} |")
    syn = report["features"]["classifier"]["synthetic"]
    real = report["features"]["classifier"]["real"]
    lines += [
        "",
        f"Fidelity of the added synthetic images (`image_fidelity_report`, {report['n_synthetic']} "
        f"synthetic vs {report['n_real']} training images, {report['n_test']} held-out real "
        "images as the yardstick; its classifier is the same SmallCNN and steps):",
        "",
        "| | synthetic | held-out real |",
        "|---|---:|---:|",
        f"| Fréchet distance (classifier features) | {syn['frechet_distance']:.2f} | "
        f"{real['frechet_distance']:.2f} |",
        f"| KID | {syn['kid']:.4f} | {real['kid']:.4f} |",
        f"| precision / recall | {syn['precision']:.2f} / {syn['recall']:.2f} | "
        f"{real['precision']:.2f} / {real['recall']:.2f} |",
        f"| density / coverage | {syn['density']:.2f} / {syn['coverage']:.2f} | "
        f"{real['density']:.2f} / {real['coverage']:.2f} |",
        f"| label agreement | {report['label_agreement']['synthetic']:.3f} | "
        f"{report['label_agreement']['real']:.3f} |",
        f"| inception-style score (max 10) | {report['inception_score']['synthetic']:.2f} | "
        f"{report['inception_score']['real']:.2f} |",
        f"| CAS / TRTR accuracy | {report['classification']['synthetic']:.3f} | "
        f"{report['classification']['real']:.3f} |",
        f"| nearest training image (RMS) | {report['memorisation']['nn_distance_synthetic']:.3f} | "
        f"{report['memorisation']['nn_distance_real']:.3f} |",
        "",
        "Label agreement is judged by a CNN of the same kind as the label filter's, so "
        "filtered images score near 1 by construction; CAS and recall say more about them.",
        "",
        f"Missing modes (real k-means clusters per class that synthetic images of the class "
        f"almost never land in): {sum(report['mode_collapse']['missing_modes'].values())} of "
        f"{sum(report['mode_collapse']['modes'].values())}. Warnings: "
        f"{len(report['warnings']) or 'none'}",
        "",
        *[f"- {w}" for w in report["warnings"]],
        "",
        f"Samples, real left and synthetic right, one row per class: ![samples]({figures[0]})",
        "",
        f"Training losses: ![losses]({figures[1]})",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
