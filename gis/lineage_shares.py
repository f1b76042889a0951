"""Figures of new admin units carried back to the old units they replaced, along a reform's lineage.

A plan judged on the former districts and communes still needs its reported counts after the
reform, when the statistics arrive per new commune. A lineage link says which share of an OLD unit
went into a NEW one (``area_share``; ``population_share`` when the split is known by population):
``1`` for an old unit that went in whole. A new unit's figure is therefore split among its
predecessors in proportion to what each brought in — share × the old unit's population (when every
predecessor's population share and population are known), else share × its area — and an old unit
gets the sum of its parts over the new units it went into. A whole count is split into whole
parts that add up to it (largest remainders).

Only counts are carried (subscriptions, users, households, adults: they add up over the ground).
Percentages are not: a new commune's share of households with fibre says nothing about which of its
predecessors had them, and the mean of a share is not a share of the means. An old unit whose
pieces did not all report the metric gets nothing: a part of its figure would silently be missing.
Pure: no web or database imports.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

__all__ = ["Link", "Derived", "predecessor_weights", "apportion", "distribute", "sum_up"]


@dataclass(frozen=True)
class Link:
    """One lineage row: ``old`` (wholly or partly) went into ``new``."""

    old: Hashable
    new: Hashable
    area_share: float  # of the old unit's area lying in the new one
    population_share: float | None = None  # of the old unit's population now in the new one
    old_population: float | None = None
    old_area_km2: float | None = None


@dataclass(frozen=True)
class Derived:
    """A figure of an old unit carried back from new ones (``sources``: new unit → its part)."""

    value: float
    sources: dict


def _brought(links: list[Link]) -> list[float] | None:
    """What each predecessor of one new unit brought into it: people when every one is known, else
    area; None when neither is known for all of them."""
    if all(x.population_share is not None and x.old_population is not None for x in links):
        return [x.population_share * x.old_population for x in links]
    if all(x.old_area_km2 is not None for x in links):
        return [x.area_share * x.old_area_km2 for x in links]
    return None


def predecessor_weights(links: Iterable[Link]) -> dict[tuple[Hashable, Hashable], float]:
    """(old, new) → the share of the NEW unit's figures that belongs to ``old``; the weights of each
    new unit's predecessors add up to 1. A new unit whose predecessors cannot be weighed (sizes
    unknown, or all zero) has none."""
    by_new: dict[Hashable, list[Link]] = defaultdict(list)
    for link in links:
        by_new[link.new].append(link)
    weights = {}
    for new, preds in by_new.items():
        brought = _brought(preds)
        total = sum(brought) if brought else 0
        if total <= 0:
            continue
        for link, part in zip(preds, brought, strict=True):
            weights[link.old, new] = part / total
    return weights


def apportion(total: float, weights: Mapping[Hashable, float]) -> dict[Hashable, float]:
    """``total`` split by ``weights`` (adding up to 1). A whole count is split into whole parts
    that add up to it (largest remainders; ties to the larger weight, then to the key's order):
    people and subscriptions are not counted in fractions, and the parts still make the whole."""
    exact = {k: total * w for k, w in weights.items()}
    if float(total) != int(total):
        return exact
    parts = {k: int(v // 1) for k, v in exact.items()}
    left = int(total) - sum(parts.values())
    order = sorted(exact, key=lambda k: (-(exact[k] - parts[k]), -weights[k], str(k)))
    for k in order[:left]:
        parts[k] += 1
    return {k: float(v) for k, v in parts.items()}


def distribute(values: Mapping[Hashable, float], links: Iterable[Link]) -> dict[Hashable, Derived]:
    """One count per new unit (``values``) → its value for each old unit every piece of which lies
    in a new unit with a value and a weight; the others are left out (see the module's note).
    Whole counts stay whole (:func:`apportion`)."""
    links = list(links)
    weights = predecessor_weights(links)
    parts: dict[tuple[Hashable, Hashable], float] = {}
    for new in {n for _, n in weights}:
        if new in values:
            shares = {old: w for (old, n), w in weights.items() if n == new}
            for old, part in apportion(float(values[new]), shares).items():
                parts[old, new] = part
    successors: dict[Hashable, list[Hashable]] = defaultdict(list)
    for link in links:
        successors[link.old].append(link.new)
    out = {}
    for old, news in successors.items():
        if any((old, n) not in parts for n in news):
            continue
        sources = {n: parts[old, n] for n in news}
        out[old] = Derived(sum(sources.values()), sources)
    return out


def sum_up(children: Mapping[Hashable, list[Hashable]], known: Mapping[Hashable, float]) -> dict:
    """Parent → the sum of its children's values (a district of its old communes), for each parent
    all of whose children are ``known``; a parent without children gets nothing."""
    return {
        parent: sum(float(known[c]) for c in kids)
        for parent, kids in children.items()
        if kids and all(c in known for c in kids)
    }
