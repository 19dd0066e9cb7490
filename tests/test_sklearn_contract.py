"""scikit-learn's own estimator checks, run on a tiny configuration."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from conftest import fast_augmenter

# Checks that do not apply to a generative augmenter, each with the reason.
EXPECTED_FAILED_CHECKS: dict = {}


@parametrize_with_checks([fast_augmenter(epochs=1)],
                         expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
