"""Atoms and power-diagram partitions on tiny handwritten geometries with exact answers."""

import numpy as np
import shapely

from gis.synthetic.partition import (
    absorb_fragments,
    atom_adjacency,
    build_atoms,
    dissolve,
    fit_power_weights,
    power_labels,
)

GRID_SEEDS = np.array([[x + 0.5, y + 0.5] for y in range(4) for x in range(4)], dtype=float)


def _grid():
    return build_atoms(shapely.box(0, 0, 4, 4), GRID_SEEDS)


def test_two_seeds_split_a_rectangle_into_unit_squares():
    atoms = build_atoms(shapely.box(0, 0, 2, 1), np.array([[0.5, 0.5], [1.5, 0.5]]))
    assert [a.area for a in atoms] == [1.0, 1.0]
    assert atoms[0].equals(shapely.box(0, 0, 1, 1))
    assert atoms[1].equals(shapely.box(1, 0, 2, 1))


def test_grid_atoms_form_an_exact_coverage():
    atoms = _grid()
    assert len(atoms) == 16
    assert all(a.area == 1.0 for a in atoms)
    assert shapely.coverage_is_valid(atoms)
    assert shapely.coverage_union_all(atoms).equals(shapely.box(0, 0, 4, 4))
    # sorted by centroid y then x, so atom k holds seed k
    assert np.array_equal(shapely.get_coordinates(shapely.centroid(atoms)), GRID_SEEDS)


def test_adjacency_of_a_4x4_grid():
    pairs, length = atom_adjacency(_grid())
    assert len(pairs) == 24  # 12 horizontal + 12 vertical neighbours
    assert length.tolist() == [1.0] * 24
    assert [0, 1] in pairs.tolist() and [0, 4] in pairs.tolist()
    assert [0, 5] not in pairs.tolist()  # corner contact is not adjacency


def test_power_labels_move_the_boundary_exactly():
    seeds = np.array([[0.0, 0.0], [4.0, 0.0]])
    pts = np.array([[1.9, 0.0], [2.1, 0.0], [2.4, 0.0], [2.6, 0.0]])
    assert power_labels(pts, seeds, np.zeros(2)).tolist() == [0, 1, 1, 1]
    # x² - 4 = (x - 4)²  →  the boundary moves from x = 2 to x = 2.5
    assert power_labels(pts, seeds, np.array([4.0, 0.0])).tolist() == [0, 0, 0, 1]


def test_fit_power_weights_meets_area_targets():
    pts = np.array([[0.5, 0.0], [1.5, 0.0], [2.5, 0.0], [3.5, 0.0]])
    seeds = np.array([[0.0, 0.0], [4.0, 0.0]])
    _, labels = fit_power_weights(pts, np.ones(4), seeds, np.array([3.0, 1.0]))
    assert labels.tolist() == [0, 0, 0, 1]


def test_fit_on_grid_gives_exact_areas():
    atoms = _grid()
    centre = shapely.get_coordinates(shapely.centroid(atoms))
    seeds = np.array([[0.0, 2.0], [4.0, 2.0]])
    _, labels = fit_power_weights(centre, shapely.area(atoms), seeds, np.array([3.0, 1.0]))
    left, right = dissolve(atoms, labels, 2)
    assert (left.area, right.area) == (12.0, 4.0)
    assert left.equals(shapely.box(0, 0, 3, 4)) and right.equals(shapely.box(3, 0, 4, 4))


def test_absorb_fragments_keeps_the_largest_piece():
    strip = build_atoms(shapely.box(0, 0, 4, 1), np.array([[x + 0.5, 0.5] for x in range(4)]))
    pairs, length = atom_adjacency(strip)
    labels = np.array([0, 1, 0, 0])
    assert absorb_fragments(labels, np.ones(4), pairs, length).tolist() == [1, 1, 0, 0]


def test_absorb_fragments_honours_anchors_and_groups():
    strip = build_atoms(shapely.box(0, 0, 4, 1), np.array([[x + 0.5, 0.5] for x in range(4)]))
    pairs, length = atom_adjacency(strip)
    labels = np.array([0, 1, 0, 0])
    anchored = absorb_fragments(labels, np.ones(4), pairs, length, anchors=np.array([0, -1]))
    assert anchored.tolist() == [0, 1, 1, 1]
    # a fragment may only join a label of its own group: atom 0 has no such neighbour
    groups = np.array([0, 1, 0, 0])
    kept = absorb_fragments(labels, np.ones(4), pairs, length, groups=groups)
    assert kept.tolist() == [0, 1, 0, 0]


def test_dissolve_nests_exactly():
    atoms = _grid()
    labels = np.repeat([0, 1], 8)  # bottom two rows, top two rows
    low, high = dissolve(atoms, labels, 2)
    assert low.equals(shapely.box(0, 0, 4, 2)) and high.equals(shapely.box(0, 2, 4, 4))
    assert low.intersection(high).area == 0.0
