"""The critics' dropout draws its mask from random bytes; it must still drop a share
``p`` of the features, keep their expectation, and be off in eval mode."""

import pytest
import torch

from synthaug.nn.tabular import ByteDropout


def test_drops_the_asked_share_and_keeps_the_mean():
    torch.manual_seed(0)
    layer = ByteDropout(0.5).train()
    x = torch.ones(400, 500)
    out = layer(x)
    assert abs((out == 0).float().mean().item() - 0.5) < 0.01
    assert set(out.unique().tolist()) == {0.0, 2.0}
    assert abs(out.mean().item() - 1.0) < 0.02


def test_gradients_flow_through_the_kept_features_only():
    torch.manual_seed(1)
    x = torch.randn(50, 40, requires_grad=True)
    out = ByteDropout(0.25).train()(x)
    out.sum().backward()
    kept = out != 0
    torch.testing.assert_close(x.grad[kept], torch.full_like(x.grad[kept], 256 / 192))
    assert (x.grad[~kept] == 0).all()


def test_is_the_identity_in_eval_mode_and_at_zero():
    x = torch.randn(8, 3)
    assert ByteDropout(0.5).eval()(x) is x
    assert ByteDropout(0.0).train()(x) is x


def test_refuses_a_rate_outside_zero_to_one():
    with pytest.raises(ValueError, match="dropout must be in"):
        ByteDropout(1.0)
