"""``python -m synthaug``: the ``synthaug`` command, runnable as a module, so that
``torchrun --nproc-per-node N -m synthaug fit DATA --out MODEL`` trains data parallel."""

from synthaug.cli import main

if __name__ == "__main__":
    main(prog_name="synthaug")
