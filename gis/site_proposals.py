"""Where the next sites should go: maximal covering and set covering over candidate sites.

Every candidate ``j`` newly covers a set of demand points (grid cells of uncovered hamlets), each
point carrying its people. *Maximal covering*: choose at most K candidates covering the most
people. *Set covering* (as a curve): how many sites until every coverable person, or hamlet, is
covered.

Points covered by exactly the same candidates (and in the same hamlet) are merged first: the
problem only sees these "elements", usually far fewer than the grid cells.

Two solvers answer, and the solution says which:

- ``exact``: the integer programme solved by HiGHS through ``scipy.optimize.milp`` (a
  maintained open-source MIP solver that scipy ships; no extra service, and, unlike CP-SAT, it
  takes fractional people as weights). Used when the merged instance is small; the gap is
  HiGHS's proven one (0 at optimality).
- ``greedy``: lazy greedy (coverage is submodular: a candidate's gain only shrinks as others are
  chosen, so stale gains are upper bounds and most need no recomputation). Its value is at least
  (1 − 1/e) of the optimum (Nemhauser, Wolsey & Fisher 1978). The gap reported is against a
  data-dependent upper bound: for any greedy prefix S, OPT_K ≤ f(S) + the sum of the K largest
  gains over S (Minoux 1978; Leskovec et al. 2007) — far tighter than the a-priori factor.

Ties prefer the candidate of the lower ``rank`` (co-location 0 before structures, office plots
and new grid points), then the lower index: sharing first.
"""

from __future__ import annotations

import heapq
import math
import time
from dataclasses import dataclass, field

import numpy as np

from gis import propagation as prop
from gis.antenna import bearing_deg, sector_attenuation_db
from gis.coverage import CellArrays, CoverageParams

__all__ = [
    "CoverInstance",
    "Solution",
    "CurvePoint",
    "maximal_cover",
    "greedy",
    "exact",
    "coverage_curve",
    "greedy_path",
    "levels_at",
    "newly_covered",
]

# Below these sizes the integer programme is solved exactly (HiGHS answers such instances in
# well under a second); larger ones go to the greedy.
EXACT_MAX_CANDIDATES = 400
EXACT_MAX_ELEMENTS = 40_000
EXACT_TIME_LIMIT_S = 10.0
_REL_EPS = 1e-9
LAGRANGE_ITERATIONS = 150


@dataclass(frozen=True)
class CoverInstance:
    """Demand points and the candidates that would cover them.

    Parameters
    ----------
    people : (n_points,) people at each demand point (≥ 0)
    covers : per candidate, the indices of the points it would newly cover
    rank : (n_candidates,) preference, lower first (default all 0)
    hamlet : (n_points,) hamlet index of each point (default: one hamlet per point)
    hamlet_need : (n_hamlets,) points a hamlet needs covered to count as covered (default 1)

    Example
    -------
    >>> inst = CoverInstance.build([5, 4, 4], [[0], [1, 2], [0, 1]])
    >>> maximal_cover(inst, 1).chosen, maximal_cover(inst, 1).objective
    ([1], 8.0)
    """

    people: np.ndarray  # per element (merged points)
    points: np.ndarray  # demand points merged into each element
    hamlet: np.ndarray  # hamlet index of each element
    hamlet_need: np.ndarray
    covers: tuple  # per candidate: sorted element indices
    rank: np.ndarray
    n_points: int

    @classmethod
    def build(cls, people, covers, rank=None, hamlet=None, hamlet_need=None) -> CoverInstance:
        people = np.asarray(people, dtype=float).reshape(-1)
        n = people.size
        if np.any(people < 0) or not np.all(np.isfinite(people)):
            raise ValueError("people must be finite and ≥ 0")
        covers = [np.unique(np.asarray(c, dtype=np.int64).reshape(-1)) for c in covers]
        if any(c.size and (c[0] < 0 or c[-1] >= n) for c in covers):
            raise ValueError("a candidate covers a point that does not exist")
        rank = np.zeros(len(covers), np.int64) if rank is None else np.asarray(rank, np.int64).reshape(-1)
        if rank.size != len(covers):
            raise ValueError("rank needs one value per candidate")
        hamlet = np.arange(n) if hamlet is None else np.asarray(hamlet, np.int64).reshape(-1)
        n_hamlets = int(hamlet.max()) + 1 if n else 0
        need = np.ones(n_hamlets, np.int64) if hamlet_need is None else np.asarray(hamlet_need, np.int64)
        return _merged(people, covers, rank, hamlet, need)

    @property
    def n_candidates(self) -> int:
        return len(self.covers)

    def value(self, chosen) -> float:
        """People covered by the candidates ``chosen``."""
        hit = np.zeros(self.people.size, bool)
        for j in chosen:
            hit[self.covers[j]] = True
        return float(self.people[hit].sum())


def _merged(people, covers, rank, hamlet, need) -> CoverInstance:
    """Merge the points of one hamlet covered by the same candidates into one element."""
    n = people.size
    cand = np.concatenate([np.full(c.size, j, np.int64) for j, c in enumerate(covers)] or [np.zeros(0, int)])
    pts = np.concatenate(covers or [np.zeros(0, int)]).astype(np.int64)
    # Two independent 64-bit sums of random keys name each point's set of candidates; a
    # collision of both is ~2^-128, i.e. never.
    rng = np.random.default_rng(20231)
    keys = rng.integers(1, 2**63, size=(2, len(covers) or 1), dtype=np.uint64)
    order = np.argsort(pts, kind="stable")
    pts_sorted, cand_sorted = pts[order], cand[order]
    sig = np.zeros((2, n), np.uint64)
    if pts_sorted.size:
        starts = np.flatnonzero(np.r_[True, pts_sorted[1:] != pts_sorted[:-1]])
        owners = pts_sorted[starts]
        for r in range(2):
            sig[r, owners] = np.add.reduceat(keys[r, cand_sorted], starts)
    covered = np.zeros(n, bool)
    covered[pts] = True
    idx = np.flatnonzero(covered)  # points no candidate covers cannot change the choice
    table = np.stack([hamlet[idx].astype(np.uint64), sig[0, idx], sig[1, idx]], axis=1)
    _, first, inverse = np.unique(table, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    element_of = np.full(n, -1, np.int64)
    element_of[idx] = inverse
    n_el = first.size
    el_people = np.bincount(inverse, weights=people[idx], minlength=n_el)
    el_points = np.bincount(inverse, minlength=n_el).astype(np.int64)
    el_covers = tuple(np.unique(element_of[c]) for c in covers)
    return CoverInstance(
        people=el_people,
        points=el_points,
        hamlet=hamlet[idx][first],
        hamlet_need=need,
        covers=el_covers,
        rank=rank,
        n_points=n,
    )


@dataclass
class Solution:
    """The chosen candidates in ranked order, with each one's marginal gain."""

    method: str  # "exact" or "greedy"
    k: int
    chosen: list[int]
    gains: list[float]  # marginal people, in ranked order
    objective: float
    upper_bound: float
    optimal: bool
    seconds: float
    note: str = ""
    hamlets_covered: list[int] = field(default_factory=list)  # cumulative, in ranked order

    @property
    def gap(self) -> float:
        """(bound − value) / bound: 0 when proven optimal."""
        if self.upper_bound <= 0:
            return 0.0
        return max(0.0, (self.upper_bound - self.objective) / self.upper_bound)


@dataclass(frozen=True)
class CurvePoint:
    sites: int
    people: float  # cumulative
    hamlets: int  # cumulative hamlets reaching their need


def _key(gain: float) -> float:
    # Gains are sums of fractional people in varying order: compare them to the micro-person so
    # that equal gains tie exactly and the preference (rank, index) decides.
    return round(gain, 6)


def _gain(inst: CoverInstance, j: int, covered: np.ndarray) -> float:
    c = inst.covers[j]
    return _key(float(inst.people[c[~covered[c]]].sum())) if c.size else 0.0


def _lazy_greedy(inst: CoverInstance, k: int, covered=None):
    """Greedy picks (at most k, stopping when nothing gains), their gains, and for each k' ≤ k
    an upper bound on OPT_k'. Heap keys (−gain, rank, index) are exact tie-breaks; a stale gain
    is an upper bound of the fresh one, so a fresh key on top wins."""
    covered = np.zeros(inst.people.size, bool) if covered is None else covered
    heap = [(-_gain(inst, j, covered), int(inst.rank[j]), j, 0) for j in range(inst.n_candidates)]
    heapq.heapify(heap)
    order, gains, value = [], [], 0.0
    bounds = np.full(k, np.inf)
    for rnd in range(k):
        _tighten(bounds, heap, value)
        while heap and heap[0][3] != rnd:
            _, r, j, _ = heapq.heappop(heap)
            heapq.heappush(heap, (-_gain(inst, j, covered), r, j, rnd))
        if not heap or -heap[0][0] <= 0.0:
            break
        neg, _, j, _ = heapq.heappop(heap)
        order.append(j)
        gains.append(-neg)
        value += -neg
        covered[inst.covers[j]] = True
    _tighten(bounds, heap, value)
    return order, gains, bounds


def _tighten(bounds: np.ndarray, heap: list, value: float) -> None:
    """OPT_k' ≤ f(S) + the k' largest (stale, hence upper) gains over S, for every k'."""
    top = sorted((-h[0] for h in heapq.nsmallest(bounds.size, heap)), reverse=True)
    sums = value + np.cumsum(np.array(top + [0.0] * (bounds.size - len(top))))
    np.minimum(bounds, sums, out=bounds)


def _hamlets_cumulative(inst: CoverInstance, order: list[int]) -> list[int]:
    """Hamlets whose covered points reach their need, after each pick."""
    got = np.zeros(inst.hamlet_need.size, np.int64)
    covered = np.zeros(inst.people.size, bool)
    done = np.zeros(inst.hamlet_need.size, bool)
    out = []
    for j in order:
        c = inst.covers[j]
        new = c[~covered[c]]
        covered[new] = True
        np.add.at(got, inst.hamlet[new], inst.points[new])
        done |= (got >= inst.hamlet_need) & (inst.hamlet_need > 0)
        out.append(int(done.sum()))
    return out


def greedy(inst: CoverInstance, k: int, dual_iterations: int = LAGRANGE_ITERATIONS) -> Solution:
    """The lazy greedy's k picks, with its (1 − 1/e) guarantee, its online bound and the
    Lagrangian (LP-relaxation) bound, whichever is tightest."""
    t0 = time.perf_counter()
    order, gains, bounds = _lazy_greedy(inst, k)
    value = float(sum(gains))
    bound = float(bounds[k - 1]) if k > 0 else 0.0
    bound = min(bound, value / (1 - 1 / math.e), float(inst.people.sum()))
    if bound > value + 1e-6 and dual_iterations:
        bound = min(bound, lagrangian_bound(inst, k, order, value, dual_iterations)[0])
    bound = max(bound, value)
    return Solution(
        method="greedy",
        k=k,
        chosen=order,
        gains=gains,
        objective=value,
        upper_bound=bound,
        optimal=bound <= value + 1e-6,
        seconds=time.perf_counter() - t0,
        hamlets_covered=_hamlets_cumulative(inst, order),
    )


def lagrangian_bound(
    inst: CoverInstance, k: int, start: list[int], lower: float, iterations: int, u0=None
) -> tuple[float, np.ndarray]:
    """Upper bound on OPT_k from the Lagrangian dual of the LP relaxation: for any u with
    0 ≤ u ≤ people, OPT_k ≤ Σ (people − u) + the k largest Σ_{e∈j} u_e. Starts from ``u0`` or
    where the online bound of ``start`` stands (u = people of the points it leaves uncovered)
    and descends by projected subgradient with Polyak steps towards ``lower`` (the greedy's
    value); every iterate is a valid bound, so stopping early only loosens it. Returns the
    bound and its u (a warm start for the next k)."""
    a, at = _incidence(inst), _incidence_t(inst)
    w = inst.people
    if u0 is None:
        covered = np.zeros(w.size, bool)
        for j in start:
            covered[inst.covers[j]] = True
        u0 = np.where(covered, 0.0, w)
    u, best_u = u0, u0
    best, theta, stale = np.inf, 1.0, 0
    nc = inst.n_candidates
    checkpoint = (np.inf, 0)  # (best then, iteration): stop once 20 iterations gain < 0.01 %
    for it in range(iterations):
        if it - checkpoint[1] >= 20:
            if best > checkpoint[0] * (1 - 1e-4):
                break
            checkpoint = (best, it)
        c = at @ u
        top = np.argpartition(-c, k - 1)[:k] if k < nc else np.arange(nc)
        b = float((w - u).sum() + c[top].sum())
        if b < best - 1e-9:
            best, best_u, stale = b, u, 0
        else:
            stale += 1
            if stale >= 10:
                theta, stale = theta / 2, 0
        pick = np.zeros(nc)
        pick[top] = 1.0
        g = a @ pick - 1.0
        norm = float(np.square(g).sum())  # not g @ g: BLAS threads spin on a loaded machine
        if norm == 0 or best - lower <= 1e-6 * max(1.0, lower):
            break
        u = np.clip(u - theta * (b - lower) / norm * g, 0.0, w)
    return best, best_u


def greedy_path(
    inst: CoverInstance, k_max: int, dual_iterations: int = LAGRANGE_ITERATIONS
) -> list[Solution]:
    """Greedy solutions for k = 1 … k_max (prefixes of one greedy run), each with its bound (the
    Lagrangian descent of each k starts from its own greedy prefix: warm starts from the previous
    k's multipliers were measured to stall)."""
    order, gains, bounds = _lazy_greedy(inst, k_max)
    hamlets = _hamlets_cumulative(inst, order)
    total, out = float(inst.people.sum()), []
    for k in range(1, k_max + 1):
        t0 = time.perf_counter()
        n = min(k, len(order))
        value = float(sum(gains[:n]))
        bound = min(float(bounds[k - 1]), value / (1 - 1 / math.e) if value else 0.0, total)
        if bound > value + 1e-6 and dual_iterations:
            dual, _ = lagrangian_bound(inst, k, order[:n], value, dual_iterations)
            bound = min(bound, dual)
        bound = max(bound, value)
        out.append(
            Solution("greedy", k, order[:n], gains[:n], value, bound, bound <= value + 1e-6,
                     time.perf_counter() - t0, hamlets_covered=hamlets[:n])
        )  # fmt: skip
    return out


def _incidence(inst: CoverInstance):
    """The element × candidate 0/1 matrix (CSR), built once per instance."""
    from scipy.sparse import csc_array

    cached = _INCIDENCE.get(id(inst))
    if cached is not None and cached[0] is inst:
        return cached[1]
    lengths = np.array([c.size for c in inst.covers], np.int64)
    indptr = np.r_[0, np.cumsum(lengths)]
    indices = np.concatenate(list(inst.covers) or [np.zeros(0, np.int64)])
    # 32-bit indices: the Lagrangian descent is two products per step, bound by memory traffic
    a = csc_array(
        (np.ones(indices.size), indices.astype(np.int32), indptr.astype(np.int32)),
        shape=(inst.people.size, inst.n_candidates),
    ).tocsr()
    _INCIDENCE.clear()  # one instance at a time: the last one asked about
    _INCIDENCE[id(inst)] = (inst, a)
    return a


_INCIDENCE: dict = {}


def _incidence_t(inst: CoverInstance):
    """The candidate × element matrix (CSR), kept beside the incidence."""
    cached = _INCIDENCE.get(("t", id(inst)))
    if cached is not None and cached[0] is inst:
        return cached[1]
    at = _incidence(inst).T.tocsr()
    _INCIDENCE[("t", id(inst))] = (inst, at)
    return at


def _undominated(inst: CoverInstance) -> np.ndarray:
    """Candidates no other one makes redundant. ``j`` goes when some ``i`` covers all it covers
    with a rank no worse (a strict order: identical sets of equal rank keep the lower index), so
    a dropped one can always be swapped for a kept one covering as much at no greater cost — the
    exact optimum, the preference among optima and the fewest sites are all unchanged."""
    a = _incidence(inst)
    overlap = (a.T @ a).toarray()
    size = np.diag(overlap)
    rank, idx = inst.rank, np.arange(inst.n_candidates)
    keep = size > 0
    for j in np.flatnonzero(keep):
        sup = (overlap[j] == size[j]) & (idx != j) & (rank <= rank[j])
        strict = (size > size[j]) | (rank < rank[j]) | (idx < j)
        if np.any(sup & strict):
            keep[j] = False
    return np.flatnonzero(keep)


def _restricted(inst: CoverInstance, kept: np.ndarray) -> CoverInstance:
    """The instance over the ``kept`` candidates, its elements merged again (those that differed
    only by dropped candidates become one; hamlets do not matter to the optimisation)."""
    n = inst.people.size
    return CoverInstance.build(
        inst.people, [inst.covers[j] for j in kept], rank=inst.rank[kept], hamlet=np.zeros(n, np.int64)
    )


def exact(inst: CoverInstance, k: int, time_limit_s: float = EXACT_TIME_LIMIT_S) -> Solution:
    """max Σ people·y  s.t.  y_e ≤ Σ_{j∋e} x_j,  Σ x_j ≤ k,  x binary, 0 ≤ y ≤ 1 (HiGHS); then,
    among the optima, the least Σ (1 + rank)·x: sharing first and no site that adds nothing."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import eye_array, hstack

    t0 = time.perf_counter()
    full, kept = inst, _undominated(inst)
    inst = _restricted(inst, kept)
    nc, ne = inst.n_candidates, inst.people.size
    if not nc or not ne:  # nothing to cover, or nothing covers anything: no site is the answer
        return Solution("exact", k, [], [], 0.0, 0.0, True, time.perf_counter() - t0)
    a = _incidence(inst)
    cover = LinearConstraint(hstack([-a, eye_array(ne)]).tocsr(), -np.inf, 0.0)
    count = LinearConstraint(np.r_[np.ones(nc), np.zeros(ne)][None, :], 0, k)
    integral = np.r_[np.ones(nc), np.zeros(ne)]
    box = Bounds(0, 1)
    opts = {"time_limit": time_limit_s}
    first = milp(
        np.r_[np.zeros(nc), -inst.people],
        constraints=[cover, count],
        integrality=integral,
        bounds=box,
        options=opts,
    )
    if first.x is None:
        raise RuntimeError(f"HiGHS found no solution: {first.message}")
    optimal = first.status == 0
    best = -float(first.fun)
    bound = -float(first.mip_dual_bound) if first.mip_dual_bound is not None else best
    x = first.x[:nc]
    if optimal and nc:
        floor = LinearConstraint(
            np.r_[np.zeros(nc), inst.people][None, :], best - 1e-6 * max(1.0, best), np.inf
        )
        second = milp(
            np.r_[1.0 + inst.rank, np.zeros(ne)],
            constraints=[cover, count, floor],
            integrality=integral,
            bounds=box,
            options=opts,
        )
        if second.status == 0:
            x = second.x[:nc]
    chosen = [int(kept[j]) for j in np.flatnonzero(x > 0.5)]
    inst = full
    order, gains = _ranked(inst, chosen)
    value = float(sum(gains))
    return Solution(
        method="exact",
        k=k,
        chosen=order,
        gains=gains,
        objective=value,
        upper_bound=max(bound if not optimal else value, value),
        optimal=optimal,
        seconds=time.perf_counter() - t0,
        note="" if optimal else f"HiGHS stopped at its time limit ({time_limit_s:g} s)",
        hamlets_covered=_hamlets_cumulative(inst, order),
    )


def _ranked(inst: CoverInstance, chosen: list[int]) -> tuple[list[int], list[float]]:
    """A chosen set in the order of its marginal gains (greedy within the set)."""
    sub = CoverInstance(
        inst.people,
        inst.points,
        inst.hamlet,
        inst.hamlet_need,
        tuple(inst.covers[j] for j in chosen),
        inst.rank[chosen],
        inst.n_points,
    )
    order, gains, _ = _lazy_greedy(sub, len(chosen))
    # a chosen site adding nothing cannot be in the second stage's answer; keep any such last
    rest = [i for i in range(len(chosen)) if i not in order]
    return [chosen[i] for i in order + rest], gains + [0.0] * len(rest)


def small(inst: CoverInstance) -> bool:
    return inst.n_candidates <= EXACT_MAX_CANDIDATES and inst.people.size <= EXACT_MAX_ELEMENTS


def maximal_cover(inst: CoverInstance, k: int, method: str = "auto") -> Solution:
    """At most ``k`` candidates covering the most people: exact on small instances (or when
    ``method="exact"``) — which also finds, among the optima, the fewest and most shareable
    sites — greedy otherwise; the answer names its method, bound and gap."""
    if k < 0:
        raise ValueError("k must be ≥ 0")
    if method == "greedy" or (method == "auto" and not small(inst)):
        return greedy(inst, k)
    g = greedy(inst, k, dual_iterations=0)
    e = exact(inst, k)
    if e.optimal or e.objective >= g.objective:
        if not e.optimal:
            e.upper_bound = min(e.upper_bound, g.upper_bound)
        return e
    g.upper_bound = min(g.upper_bound, e.upper_bound)
    g.note = e.note
    return g


def coverage_curve(inst: CoverInstance) -> tuple[list[CurvePoint], int | None]:
    """Greedy until nothing gains: people and hamlets covered after 1, 2, … sites (the set
    covering curve), and — on small instances — the exact fewest sites covering every coverable
    person (None when too large to prove)."""
    order, gains, _ = _lazy_greedy(inst, inst.n_candidates)
    hamlets = _hamlets_cumulative(inst, order)
    people = np.cumsum(gains) if gains else np.zeros(0)
    curve = [CurvePoint(i + 1, float(people[i]), hamlets[i]) for i in range(len(order))]
    return curve, (_fewest_sites(inst) if small(inst) else None)


def _fewest_sites(inst: CoverInstance) -> int | None:
    """min Σ x  s.t. every element with people is covered by a chosen candidate (HiGHS)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    inst = _restricted(inst, _undominated(inst))
    need = np.flatnonzero(inst.people > 0)
    if not need.size:
        return 0
    a = _incidence(inst)[need]
    res = milp(
        np.ones(inst.n_candidates),
        constraints=[LinearConstraint(a, 1, np.inf)],
        integrality=np.ones(inst.n_candidates),
        bounds=Bounds(0, 1),
        options={"time_limit": EXACT_TIME_LIMIT_S},
    )
    return int(round(res.fun)) if res.status == 0 else None


# --- what a candidate would newly cover ---------------------------------------------------------


def levels_at(cells: CellArrays, params: CoverageParams, x_m, y_m, clutter) -> np.ndarray:
    """Received level (dBm) of every cell at every point: the coverage engine's formula
    (gis.coverage: EIRP − RS offset − shadow margin − path loss − sector attenuation), evaluated
    at given points instead of a whole grid. Returns (n_cells, n_points); ``clutter`` holds the
    points' codes (URBAN / SUBURBAN / RURAL)."""
    x_m, y_m = np.asarray(x_m, float), np.asarray(y_m, float)
    codes = np.asarray(clutter, np.intp)
    dx, dy = x_m[None, :] - cells.x_m[:, None], y_m[None, :] - cells.y_m[:, None]
    d_km = np.hypot(dx, dy) / 1000.0
    loss = prop.path_loss_db(
        cells.band_mhz[:, None], cells.antenna_height_m[:, None], params.rx_height_m, d_km, codes[None, :]
    )
    sector = sector_attenuation_db(
        bearing_deg(dx, dy), cells.azimuth_deg[:, None], cells.beamwidth_deg[:, None], params.front_to_back_db
    )
    return cells.reference_level_dbm(params)[:, None] - loss - sector


def newly_covered(cells: CellArrays, params: CoverageParams, x_m, y_m, clutter, near=None) -> np.ndarray:
    """Indices of the points (uncovered demand) where the best of ``cells`` — one candidate site's
    sectors — reaches the outdoor threshold. ``near`` (indices) may pre-select the points within
    the cells' reach."""
    idx = np.arange(np.asarray(x_m).size) if near is None else np.asarray(near, np.int64)
    if not idx.size or not len(cells):
        return np.zeros(0, np.int64)
    x, y, c = np.asarray(x_m)[idx], np.asarray(y_m)[idx], np.asarray(clutter)[idx]
    best = levels_at(cells, params, x, y, c).max(axis=0)
    return idx[best >= params.outdoor_threshold_dbm]
