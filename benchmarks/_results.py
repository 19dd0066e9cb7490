"""Where every benchmark writes: ``results/NAME.md`` and ``NAME.json`` (``NAME_quick.*``)."""

from __future__ import annotations

import json
import os


def write_results(results_dir: str, name: str, quick: bool, lines: list, payload) -> None:
    """Write the markdown table ``lines`` and the raw ``payload``, then print the table."""
    stem = os.path.join(results_dir, name + ("_quick" if quick else ""))
    os.makedirs(results_dir, exist_ok=True)
    with open(stem + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(stem + ".json", "w") as f:
        json.dump(payload, f, indent=2)
    print("\n".join(lines))
