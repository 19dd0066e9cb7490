"""Discrete columns that nearly determine each other, found in the training rows.

Tables often hold discrete columns that are two views of one fact: a code and its
label (Adult's ``education`` and ``education-num``), a detail and its group (a job
role and its department), a count that is zero exactly when an amount is. Learnt as
separate one-hot blocks, a generator has to discover that most combinations of their
categories never occur, and it makes some anyway. Such columns are modelled as one
discrete column over the combinations seen in training
(:class:`~synthaug._schema.JointColumn`), so that every generated row holds a
combination real rows hold, in their proportions.

A group qualifies when its columns are strongly associated and their observed
combinations are few: for columns of ``k_1, ..., k_g`` categories, at most
``k_1 + ... + k_g - (g - 1)``, as many as a staircase through their grid of
combinations has (a column determined by another has as many combinations as that
one has categories). Independent columns fill their grid, and so never qualify.
"""

from __future__ import annotations

import itertools

import numpy as np

# Pairs less associated than this Cramér's V are never joined: two rare categories that
# happen never to meet in the training rows are no relation.
MIN_ASSOCIATION = 0.5
# Groups are searched on at most this many rows (then checked on all of them).
SEARCH_ROWS = 20_000


def joint_groups(codes: np.ndarray) -> list[list[int]]:
    """Groups of columns of ``codes`` (an ``(n_rows, n_columns)`` matrix of category
    indices) to model as one column each, as sorted column indices; columns in no
    group are left out.

    Pairs that qualify are joined most determined first (fewest observed combinations
    per cell of their grid), and two groups merge when the merged one qualifies too.
    """
    if len(codes) > SEARCH_ROWS:
        # A fixed draw: the search leaves the fit's random stream as it was.
        search = codes[np.random.RandomState(0).choice(len(codes), SEARCH_ROWS, replace=False)]
    else:
        search = codes
    # Category indices renumbered to those present in the rows searched.
    search = np.stack([np.unique(column, return_inverse=True)[1] for column in search.T], axis=1) \
        if search.size else search
    sizes = search.max(axis=0) + 1 if search.size else np.zeros(0, int)
    pairs = []
    for a, b in itertools.combinations(range(search.shape[1]), 2):
        table = np.bincount(search[:, a] * sizes[b] + search[:, b],
                            minlength=sizes[a] * sizes[b]).reshape(sizes[a], sizes[b])
        seen = int(np.count_nonzero(table))
        if seen < sizes[a] * sizes[b] and seen <= sizes[a] + sizes[b] - 1 \
                and _cramers_v(table) >= MIN_ASSOCIATION:
            pairs.append((seen / (sizes[a] * sizes[b]), a, b))
    group = {column: [column] for column in range(search.shape[1])}
    for _, a, b in sorted(pairs):
        if group[a] is group[b]:
            continue
        merged = sorted(group[a] + group[b])
        if _qualifies(search, merged):
            for column in merged:
                group[column] = merged
    found = list({id(g): g for g in group.values() if len(g) > 1}.values())
    # The rows left out of the search may hold more combinations.
    return sorted((g for g in found if _qualifies(codes, g)), key=lambda g: g[0])


def _qualifies(codes: np.ndarray, group: list[int]) -> bool:
    """Whether the columns ``group`` have few enough observed combinations."""
    seen = len(np.unique(codes[:, group], axis=0))
    present = [len(np.unique(codes[:, column])) for column in group]
    return seen <= sum(present) - (len(group) - 1)


def _cramers_v(table: np.ndarray) -> float:
    """Cramér's V of a contingency table (rows and columns with no count left out)."""
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if min(table.shape) < 2:
        return 0.0
    n = table.sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    chi2 = ((table - expected) ** 2 / expected).sum()
    return float(np.sqrt(chi2 / n / (min(table.shape) - 1)))
