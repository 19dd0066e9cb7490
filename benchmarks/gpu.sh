#!/usr/bin/env bash
# The GPU checks and tables, on a machine with CUDA (issue 7's table 5; issue 6's GPU path):
# the GPU tests and the tests that train on device="auto", then Adult time-to-quality and
# speed against ctgan on the GPU, then the few-shot MNIST example with the GAN on the GPU,
# then data parallel scaling on 1 GPU and, when there are more, 2, 4 and 8 (torchrun, NCCL).
#
#     bash benchmarks/gpu.sh [RESULTS_DIR]      # default benchmarks/results
#
# Each step runs even if one before it failed; the exit status says whether all passed.
set -u
cd "$(dirname "$0")/.."
out=${1:-benchmarks/results}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
python=${PYTHON:-python3}
status=0
step() { echo "== $* ($(date +%T))"; "$@" || { echo "== FAILED: $*"; status=1; }; }

$python -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; print(torch.__version__, torch.cuda.get_device_name())" || exit 1
step $python -m pytest -q -p no:cacheprovider -m "not slow" tests/test_images.py \
    tests/test_persistence.py tests/test_tabular_roundtrip.py tests/test_conditional.py tests/test_training.py \
    tests/test_distributed.py
step $python benchmarks/adult_time_to_quality.py --device cuda --synthaug-epochs 5 10 20 40 80 120 \
    --results-dir "$out"
step $python benchmarks/adult_speed.py --device cuda --results-dir "$out"
step $python examples/few_shot_mnist.py --device cuda --results-dir "$out"
# Processes beyond the GPUs present are skipped (one process per GPU).
step $python benchmarks/distributed_scaling.py --device cuda --processes 1 2 4 8 --epochs 4 \
    --results-dir "$out"
exit $status
