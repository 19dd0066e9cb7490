"""MLP generator and discriminator for tables, with per-span output heads.

Shapes: the generator maps ``(B, noise_dim + cond_dim)`` to ``(B, data_dim)``
encoded rows; the discriminator maps ``(B, data_dim)`` rows plus ``(B, cond_dim)``
conditions to ``(B // pac, 1)`` scores, judging ``pac`` rows at a time so that it
can see a lack of diversity (a cheap guard against mode collapse).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from synthaug._conditioning import Condition
from synthaug._recipes import Recipe
from synthaug.nn.average import AveragedGenerator

# Temperature of the Gumbel-softmax heads: low enough to look one-hot to the critic.
GUMBEL_TAU = 0.2


class Residual(nn.Module):
    """Linear -> BatchNorm -> ReLU, concatenated to its input (widths add up)."""

    def __init__(self, in_dim: int, out_dim: int):
        super().__init__()
        self.fc = nn.Linear(in_dim, out_dim)
        self.bn = nn.BatchNorm1d(out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([F.relu(self.bn(self.fc(x))), x], dim=1)


class Generator(nn.Module):
    def __init__(self, in_dim: int, hidden: tuple, data_dim: int):
        super().__init__()
        blocks, width = [], in_dim
        for h in hidden:
            blocks.append(Residual(width, h))
            width += h
        self.body = nn.Sequential(*blocks, nn.Linear(width, data_dim))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.body(z)


class ByteDropout(nn.Module):
    """Dropout whose mask comes from random bytes, with ``p`` rounded to 1/256.

    ``nn.Dropout`` draws its mask with ``bernoulli_``, which on CPU costs 2.1 ms for a
    500 x 256 mask against 0.44 ms for random bytes (2 cores); profiled on Adult, it was
    a seventh of a pooled-critic fit's CPU time. A drop rate in steps of 1/256 is as
    good a regulariser.
    """

    def __init__(self, p: float):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {p!r}.")
        self.cut = round(p * 256)
        self.scale = 256 / (256 - self.cut)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.cut == 0:
            return x
        bytes_ = torch.empty(x.shape, dtype=torch.uint8, device=x.device).random_(256)
        # The scale goes into the mask, outside autograd: one multiply in the graph.
        return x * (bytes_ >= self.cut).to(x.dtype).mul_(self.scale)


def critic_layers(width: int, hidden: tuple, dropout: float) -> tuple[list, int]:
    """Linear -> LeakyReLU -> Dropout (none at rate 0) per width of ``hidden``, from
    ``width`` inputs; and the width they end on."""
    layers = []
    for h in hidden:
        layers += [nn.Linear(width, h), nn.LeakyReLU(0.2)]
        layers += [ByteDropout(dropout)] if dropout else []
        width = h
    return layers, width


class Discriminator(nn.Module):
    """PacGAN's critic: the ``pac`` rows of a pack concatenated into one input."""

    def __init__(self, in_dim: int, hidden: tuple, pac: int, dropout: float = 0.5):
        super().__init__()
        layers, width = critic_layers(in_dim * pac, hidden, dropout)
        self.body = nn.Sequential(*layers, nn.Linear(width, 1))
        self.pac = pac

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x.reshape(-1, self.pac * x.shape[1]))


class PooledDiscriminator(nn.Module):
    """A critic of packs that reads every row with one shared first layer and passes
    the pack's mean and spread of those features through the remaining layers.

    Concatenating the rows (:class:`Discriminator`) gives every position in the pack
    its own first-layer weights, so each learns a row's structure from a tenth of the
    rows; here one layer learns it from all of them, and the spread still shows the
    critic a pack with too little diversity. With ``pac=1`` the spread is zero and it
    is a plain per-row critic.
    """

    def __init__(self, in_dim: int, hidden: tuple, pac: int, dropout: float = 0.5):
        super().__init__()
        # No dropout on the row features: the pack's mean already averages them, and a
        # mask on every row's features was most of this critic's extra cost (4.1 against
        # 2.1 s an epoch on Adult, 2 cores); without it the seven tables' mean Pair
        # Trends and detection score were no worse (multi_table_ablations.md). With no
        # hidden layer the pack's mean and spread of the rows themselves are scored.
        layers, self.width = critic_layers(in_dim, hidden[:1], 0.0)
        self.rows = nn.Sequential(*layers)
        layers, width = critic_layers(2 * self.width, hidden[1:], dropout)
        self.body = nn.Sequential(*layers, nn.Linear(width, 1))
        self.pac = pac

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.rows(x).view(-1, self.pac, self.width)
        mean = features.mean(dim=1, keepdim=True)
        # Written out rather than Tensor.var, which takes 3 ms on this strided reduction
        # on CPU against 0.1 ms; the small constant keeps the square root's gradient
        # finite for identical rows.
        spread = ((features - mean).square().mean(dim=1) + 1e-8).sqrt()
        return self.body(torch.cat([mean.squeeze(1), spread], dim=1))


def padded_index(blocks: list) -> tuple[torch.Tensor, torch.Tensor]:
    """Index (S, M) into the feature axis for S blocks ``(start, dim)``, and its valid mask.

    Gathering with it lays ragged blocks out as one (B, S, M) tensor, so a softmax or
    cross-entropy over every block is a single op instead of a loop over columns.
    """
    width = max((dim for _, dim in blocks), default=1)
    offsets = torch.arange(width)
    starts = torch.tensor([start for start, _ in blocks], dtype=torch.long).reshape(-1, 1)
    dims = torch.tensor([dim for _, dim in blocks], dtype=torch.long).reshape(-1, 1)
    valid = offsets < dims
    return torch.where(valid, starts + offsets, 0), valid


class TabularGAN(AveragedGenerator, nn.Module):
    """Generator + discriminator + output heads for rows described by spans.

    ``spans`` is the schema's list of ``(start, dim, activation)``; ``condition_blocks``
    gives ``(start, dim)`` of each discrete column, in condition order, for the
    conditional loss that teaches the generator to honour its condition.
    """

    # Rows generated per forward pass when sampling.
    sample_batch = 10_000

    def __init__(self, spans: list, condition_blocks: list, cond_dim: int, *, noise_dim: int,
                 generator_dim: tuple, discriminator_dim: tuple, pac: int,
                 pack_pooling: bool, ema_decay: float | None = None):
        super().__init__()
        data_dim = sum(dim for _, dim, _ in spans)
        self.noise_dim = noise_dim
        self.generator = Generator(noise_dim + cond_dim, generator_dim, data_dim)
        critic = PooledDiscriminator if pack_pooling else Discriminator
        self.discriminator = critic(data_dim + cond_dim, discriminator_dim, pac)
        # The moving average of the generator's weights that sampling uses (None: the
        # trained weights).
        self.keep_average(ema_decay)
        tanh = [i for start, dim, act in spans if act == "tanh" for i in range(start, start + dim)]
        softmax_index, softmax_valid = padded_index([(s, d) for s, d, a in spans if a == "softmax"])
        cond_index, cond_valid = padded_index(condition_blocks)
        # Activated features come out as [tanh features, softmax features]; `unpermute`
        # puts them back in data order with one gather.
        order = torch.cat([torch.tensor(tanh, dtype=torch.long), softmax_index[softmax_valid]])
        # Gathers go through index_select (its backward is a fast index_add).
        buffers = {
            "tanh_index": torch.tensor(tanh, dtype=torch.long),
            "softmax_index": softmax_index.flatten(),
            "softmax_padding": torch.where(softmax_valid, 0.0, float("-inf")),
            "softmax_keep": torch.nonzero(softmax_valid.flatten()).squeeze(1),
            "unpermute": torch.argsort(order),
            "cond_index": cond_index.flatten(),
            "cond_padding": torch.where(cond_valid, 0.0, float("-inf")),
        }
        for name, tensor in buffers.items():
            self.register_buffer(name, tensor, persistent=False)

    def _blocks(self, x: torch.Tensor, index: torch.Tensor, padding: torch.Tensor) -> torch.Tensor:
        """Gather ragged blocks of features into (B, S, M), padding with -inf."""
        return x.index_select(1, index).view(len(x), *padding.shape) + padding

    def activate(self, logits: torch.Tensor) -> torch.Tensor:
        """tanh on value spans, Gumbel-softmax on every one-hot span, all at once."""
        # Gumbel noise for the real features only (not the padding), from uniforms.
        uniform = torch.rand_like(logits).clamp_(1e-10, 1.0)
        noisy = (logits - torch.log(-torch.log(uniform))) / GUMBEL_TAU
        soft = torch.softmax(self._blocks(noisy, self.softmax_index, self.softmax_padding), dim=-1)
        soft = soft.flatten(1).index_select(1, self.softmax_keep)
        values = torch.tanh(logits.index_select(1, self.tanh_index))
        return torch.cat([values, soft], dim=1).index_select(1, self.unpermute)

    def condition_loss(self, logits: torch.Tensor, condition: Condition) -> torch.Tensor:
        """Cross-entropy of the generated categories against the conditioned ones."""
        if condition.codes.shape[1] == 0:
            return logits.new_zeros(())
        blocks = self._blocks(logits, self.cond_index, self.cond_padding)
        log_p = F.log_softmax(blocks, dim=-1).gather(2, condition.codes.unsqueeze(2)).squeeze(2)
        return -(log_p * condition.mask).sum() / len(logits)

    def generate(self, condition: Condition) -> tuple[torch.Tensor, torch.Tensor]:
        """Fake rows for a batch of conditions, and the conditional loss on them."""
        logits = self.run_generator(self.generator, condition)
        return self.activate(logits), self.condition_loss(logits, condition)

    def run_generator(self, generator: nn.Module, condition: Condition) -> torch.Tensor:
        noise = torch.randn(len(condition), self.noise_dim, device=condition.vector.device)
        return generator(torch.cat([noise, condition.vector], dim=1))

    def discriminate(self, rows: torch.Tensor, condition: Condition) -> torch.Tensor:
        return self.discriminator(torch.cat([rows, condition.vector], dim=1))

    def sample(self, condition: Condition) -> torch.Tensor:
        """Encoded rows for the sampling path (the table data sets fixed blocks exactly)."""
        return self.activate(self.run_generator(self.sampling_generator(), condition))


# At least 3,000 steps: 300 epochs of a table of 1,000 rows at 500 rows a step would be
# 600, too few for the generator to learn how columns depend on each other (measured:
# benchmarks/results/multi_table_fidelity_300_epochs.md, against multi_table_fidelity.md).
# Tables under 2,000 rows take steps of a quarter of their rows, at least 250: at 1,000
# rows, 3,000 steps of 250 rows took 0.67-0.72x the time of steps of 500 on four tables,
# with Column Pair Trends level and the detection score higher on three; steps of 100
# lost Pair Trends on three (benchmarks/results/small_batch.md). On attrition's full
# split (1,029 rows) it cost 0.010 Pair Trends over three seeds (multi_table_fidelity.md);
# fit_resample at 1,000 rows, which it is for, took 0.75x as long and gained F1
# (augmentation_value_1000.md).
RECIPE = Recipe(name="mlp", batch_size=500, loss="wgan-gp", fidelity=True, ema_decay=0.999,
                min_steps=3000, min_batch_size=250)
