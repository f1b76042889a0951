"""Maximal and set covering on hand-built instances whose optimum is derived by hand."""

import math

import numpy as np
import pytest

from gis.site_proposals import CoverInstance, coverage_curve, exact, greedy, maximal_cover

# Six demand points. A covers the middle four (4 people); B and C each cover two of those and a
# point of their own worth 1.5. K = 2: greedy takes A (4) then B (+1.5) = 5.5; B + C cover
# everything = 7, the optimum (any pair with A covers at most 4 + 1.5).
PEOPLE = [1, 1, 1, 1, 1.5, 1.5]
A, B, C = [0, 1, 2, 3], [0, 1, 4], [2, 3, 5]


def test_greedy_is_not_optimal_and_says_how_far_it_may_be():
    inst = CoverInstance.build(PEOPLE, [A, B, C])
    g = greedy(inst, 2)
    assert g.chosen == [0, 1] and g.gains == [4.0, 1.5] and g.objective == 5.5
    # Online bound: min(0 + 4 + 3.5, 4 + 1.5 + 1.5) = 7 — here exactly the optimum.
    assert g.upper_bound == 7.0
    assert g.gap == pytest.approx(1.5 / 7)
    assert g.objective >= (1 - 1 / math.e) * 7


def test_the_exact_solver_finds_the_optimum_and_ranks_it():
    inst = CoverInstance.build(PEOPLE, [A, B, C])
    s = maximal_cover(inst, 2)
    assert s.method == "exact" and s.optimal
    assert sorted(s.chosen) == [1, 2] and s.objective == 7.0 and s.gap == 0.0
    assert s.chosen == [1, 2] and s.gains == [3.5, 3.5]  # equal gains: the lower index first
    assert maximal_cover(inst, 2, method="greedy").objective == 5.5


def test_k_one_greedy_is_optimal_and_proves_it():
    inst = CoverInstance.build(PEOPLE, [A, B, C])
    s = greedy(inst, 1, dual_iterations=0)
    assert s.chosen == [0] and s.objective == 4.0
    assert s.method == "greedy" and s.optimal and s.gap == 0.0  # bound 0 + 4 = 4


def test_among_optima_the_exact_solver_takes_the_fewest_sites():
    # K = 3. Greedy: A (4), then B (+1.5), then C (+1.5) = 7 with three sites; B + C alone
    # cover all 7 (D, a new grid point, adds nothing to them). The exact answer keeps two sites.
    inst = CoverInstance.build(PEOPLE, [A, B, C, [4]], rank=[0, 0, 0, 4])
    assert greedy(inst, 3).objective == 7.0 and len(greedy(inst, 3).chosen) == 3
    s = maximal_cover(inst, 3)
    assert s.method == "exact" and s.objective == 7.0 and sorted(s.chosen) == [1, 2]


def test_ties_prefer_co_location_then_the_lower_index():
    # Candidate 0 a new grid point (rank 3), 1 a co-location (rank 0), 2 a pole (rank 1): each
    # covers 2 people of its own; K = 1 → the co-location.
    inst = CoverInstance.build([1, 1, 1, 1, 1, 1], [[0, 1], [2, 3], [4, 5]], rank=[3, 0, 1])
    assert greedy(inst, 1).chosen == [1]
    assert greedy(inst, 2).chosen == [1, 2]
    assert exact(inst, 2).chosen == [1, 2]  # every pair covers 4: the preferred ones
    # Two candidates covering the same points: the one to share wins in both solvers.
    same = CoverInstance.build([2, 3], [[0, 1], [0, 1]], rank=[2, 0])
    assert greedy(same, 1).chosen == [1] and exact(same, 1).chosen == [1]


def test_a_candidate_covering_nothing_and_k_beyond_the_candidates():
    inst = CoverInstance.build([2, 5], [[], [1], [0, 1]])
    for solve in (greedy, exact):
        s = solve(inst, 5)
        assert s.chosen == [2] and s.objective == 7.0 and s.gains == [7.0], solve
    # Zero sites: nothing chosen, nothing covered.
    assert greedy(inst, 0).chosen == [] and exact(inst, 0).objective == 0.0
    # Nothing any candidate covers, and no demand at all: no site, proven.
    for empty in (CoverInstance.build([1, 2], [[], []]), CoverInstance.build([], [])):
        s = maximal_cover(empty, 3)
        assert s.chosen == [] and s.objective == 0.0 and s.optimal
        assert coverage_curve(empty) == ([], 0)


def test_points_of_one_hamlet_covered_alike_are_merged_and_hamlets_counted():
    # Hamlet 0 has four uncovered points and needs three of them; hamlet 1 needs its one point.
    # Candidate 0 covers points 0, 1 (two of hamlet 0), candidate 1 points 2, 3 and hamlet 1's 4.
    inst = CoverInstance.build(
        [1, 1, 1, 1, 2], [[0, 1], [2, 3, 4]], hamlet=[0, 0, 0, 0, 1], hamlet_need=[3, 1]
    )
    assert inst.people.size == 3 and sorted(inst.points.tolist()) == [1, 2, 2]
    s = greedy(inst, 2)
    assert s.chosen == [1, 0] and s.gains == [4.0, 2.0]
    assert s.hamlets_covered == [1, 2]  # hamlet 1 first; hamlet 0 reaches 4 ≥ 3 after both


def test_the_set_covering_curve_until_everyone_coverable():
    inst = CoverInstance.build(PEOPLE + [9], [A, B, C, []])  # point 6: no candidate reaches it
    curve, fewest = coverage_curve(inst)
    assert [(p.sites, p.people) for p in curve] == [(1, 4.0), (2, 5.5), (3, 7.0)]
    assert [p.hamlets for p in curve] == [4, 5, 6]
    assert fewest == 2  # B and C cover every coverable person; greedy needs 3


def test_bad_instances_are_refused():
    with pytest.raises(ValueError):
        CoverInstance.build([1, -1], [[0]])
    with pytest.raises(ValueError):
        CoverInstance.build([1], [[3]])
    with pytest.raises(ValueError):
        CoverInstance.build([1], [[0]], rank=[0, 1])


def test_a_random_instance_exact_never_below_greedy_and_within_its_bound():
    rng = np.random.default_rng(7)
    people = rng.integers(0, 50, 150).astype(float)
    covers = [rng.choice(150, rng.integers(5, 30), replace=False) for _ in range(20)]
    inst = CoverInstance.build(people, covers, rank=rng.integers(0, 4, 20))
    for k in (1, 3, 6):
        g, e = greedy(inst, k), exact(inst, k)
        assert e.optimal and g.objective <= e.objective + 1e-9 <= g.upper_bound + 1e-6
        assert e.objective == pytest.approx(inst.value(e.chosen))


def test_a_candidates_levels_are_the_coverage_engines():
    """The gains use the engine's formula at the demand points: the same levels as best_signal
    on a block, sector pattern and clutter included."""
    from gis.coverage import Block, CellArrays, CoverageParams, best_signal
    from gis.site_proposals import levels_at, newly_covered

    params = CoverageParams(cell_m=100.0)
    block = Block("b", 0, 0, 0.0, 0.0, 100.0, 64, 64)  # 6.4 km: the edge of coverage is inside
    cells = CellArrays(
        x_m=[3200.0, 3200.0, 3200.0],
        y_m=[3150.0] * 3,
        operator=[0, 0, 0],
        tech_class=[0, 0, 0],
        technology=["4G"] * 3,
        band_mhz=[1800.0] * 3,
        antenna_height_m=[30.0] * 3,
        eirp_dbm=[58.0] * 3,
        azimuth_deg=[0.0, 120.0, 240.0],
        beamwidth_deg=[65.0] * 3,
    )
    clutter = np.full((64, 64), 2, np.uint8)
    clutter[:, :20] = 1  # a suburban strip
    engine = best_signal(block, cells, params, 1, clutter=clutter)[0, 0]
    xs, ys = block.cell_centres()
    ours = levels_at(cells, params, xs.ravel(), ys.ravel(), clutter.ravel()).max(axis=0).reshape(64, 64)
    seen = engine > -999
    assert seen.sum() > 1000
    assert np.abs(ours[seen] - engine[seen]).max() < 0.01
    hit = newly_covered(cells, params, xs.ravel(), ys.ravel(), clutter.ravel())
    assert 500 < hit.size < 64 * 64 - 500
    assert set(hit.tolist()) == set(np.flatnonzero((engine >= params.outdoor_threshold_dbm).ravel()).tolist())


def test_the_lagrangian_bound_is_valid_and_tighter_than_the_online_one():
    from gis.site_proposals import greedy_path, lagrangian_bound

    rng = np.random.default_rng(11)
    people = rng.integers(1, 30, 120).astype(float)
    covers = [rng.choice(120, rng.integers(5, 25), replace=False) for _ in range(20)]
    inst = CoverInstance.build(people, covers)
    path = greedy_path(inst, 4)
    for k, g in enumerate(path, start=1):
        online = greedy(inst, k, dual_iterations=0)
        assert g.chosen == online.chosen and g.objective == online.objective  # prefixes of one run
        optimum = exact(inst, k).objective
        dual, _ = lagrangian_bound(inst, k, g.chosen, g.objective, 150)
        assert optimum <= dual + 1e-6  # every iterate is a bound
        assert optimum <= g.upper_bound + 1e-6 and g.upper_bound <= online.upper_bound + 1e-6
    # On the hand-built instance the LP relaxation is tight at 7 (x = 2/3 each covers all).
    hand = CoverInstance.build(PEOPLE, [A, B, C])
    assert lagrangian_bound(hand, 2, [0, 1], 5.5, 300)[0] == pytest.approx(7.0, abs=0.05)


def test_dominated_candidates_leave_the_exact_model_but_never_a_preferred_one():
    from gis.site_proposals import _undominated

    # 0 ⊂ 1 (same rank): 0 goes. 2 ≡ 3, 3 a co-location: 2 goes (3 is preferred). 4 ≡ 5 of one
    # rank: the lower index stays. 6 covers nothing.
    inst = CoverInstance.build(
        [1] * 8, [[0], [0, 1], [2, 3], [2, 3], [4, 5], [4, 5], []], rank=[1, 1, 2, 0, 3, 3, 0]
    )
    assert _undominated(inst).tolist() == [1, 3, 4]
    s = exact(inst, 3)
    assert sorted(s.chosen) == [1, 3, 4] and s.objective == 6.0
