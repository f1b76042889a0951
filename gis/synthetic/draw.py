"""Small random draws shared by the generators (all from an explicit numpy Generator)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

__all__ = ["pick", "random_date"]


def pick(rng: np.random.Generator, options):
    """One value from ``((value, probability), …)``; probabilities need not sum to 1.

    Example
    -------
    >>> pick(np.random.default_rng(0), (("a", 1.0), ("b", 0.0)))
    'a'
    """
    p = np.array([w for _, w in options], dtype=float)
    return options[int(rng.choice(len(options), p=p / p.sum()))][0]


def random_date(rng: np.random.Generator, start: date, end: date) -> str:
    """A uniform date in ``[start, end]`` as ISO ``YYYY-MM-DD``."""
    return (start + timedelta(days=int(rng.integers(0, (end - start).days + 1)))).isoformat()
