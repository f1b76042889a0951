"""Atoms → nested regions: the exact-coverage core of the synthetic admin hierarchy.

An *atom* is a small polygon (a Voronoi cell clipped to an outline). Atoms form an exact
coverage: neighbours share identical edges. A region is the union of the atoms given its label,
so regions at every level are gap-free, overlap-free and nested by construction.

Labels come from a power diagram: atom ``i`` goes to the seed ``k`` minimising
``|p_i - s_k|² - w_k``; the weights ``w`` are tuned until region areas meet their targets.
"""

from __future__ import annotations

import numpy as np
import shapely

__all__ = [
    "build_atoms",
    "atom_adjacency",
    "power_labels",
    "fit_power_weights",
    "absorb_fragments",
    "dissolve",
]


def build_atoms(outline, seeds: np.ndarray) -> np.ndarray:
    """Voronoi cells of ``seeds`` clipped to ``outline``, as an exact polygon coverage.

    The Voronoi edges and the outline boundary are noded together and polygonised, so every
    shared edge has identical vertices on both sides (clipping cells one by one would not
    guarantee that). Atoms are returned sorted by centroid (y, then x).

    Example
    -------
    >>> square = shapely.box(0, 0, 2, 1)
    >>> atoms = build_atoms(square, np.array([[0.5, 0.5], [1.5, 0.5]]))
    >>> [a.area for a in atoms]
    [1.0, 1.0]
    """
    seeds = np.asarray(seeds, dtype=float)
    edges = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=outline, only_edges=True)
    inside = shapely.intersection(edges, outline)
    noded = shapely.union_all([inside, outline.boundary])
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    probe = shapely.point_on_surface(faces)
    faces = faces[shapely.contains(outline, probe)]
    centre = shapely.get_coordinates(shapely.centroid(faces))
    return faces[np.lexsort((centre[:, 0], centre[:, 1]))]


def atom_adjacency(atoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Neighbouring atom pairs and the length of boundary each pair shares.

    Returns
    -------
    pairs : (m, 2) int array, ``i < j``, sorted
    length : (m,) float array, shared boundary length in CRS units
    """
    rings, ring_atom = [], []
    for i, atom in enumerate(atoms):
        for part in shapely.get_parts(atom):
            for ring in shapely.get_rings(part):
                rings.append(ring)
                ring_atom.append(i)
    coords, idx = shapely.get_coordinates(np.array(rings, dtype=object), return_index=True)
    same = idx[:-1] == idx[1:]
    a, b = coords[:-1][same], coords[1:][same]
    owner = np.asarray(ring_atom)[idx[:-1][same]]
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    lo = np.where(swap[:, None], b, a)
    hi = np.where(swap[:, None], a, b)
    seg = np.ascontiguousarray(np.hstack([lo, hi]))
    _, inverse, counts = np.unique(seg, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    shared = counts[inverse] == 2
    order = np.argsort(inverse[shared], kind="stable")
    owners = owner[shared][order].reshape(-1, 2)
    seg_len = np.hypot(*(hi - lo)[shared][order][::2].T)
    owners.sort(axis=1)
    keep = owners[:, 0] != owners[:, 1]
    owners, seg_len = owners[keep], seg_len[keep]
    uniq, inv = np.unique(owners, axis=0, return_inverse=True)
    return uniq, np.bincount(inv.ravel(), weights=seg_len, minlength=len(uniq))


def power_labels(points: np.ndarray, seeds: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Index of the seed minimising the power distance ``|p - s|² - w`` for each point."""
    d2 = ((points[:, None, :] - seeds[None, :, :]) ** 2).sum(axis=2) - weights[None, :]
    return np.argmin(d2, axis=1)


def fit_power_weights(
    points: np.ndarray,
    areas: np.ndarray,
    seeds: np.ndarray,
    targets: np.ndarray,
    *,
    iterations: int = 400,
    tolerance: float = 0.01,
) -> tuple[np.ndarray, np.ndarray]:
    """Tune power weights so the area labelled to each seed approaches its target.

    A weight change ``dw`` moves a power-diagram edge by ``dw / (2 d)``; summed over a cell's
    perimeter that is an area change of the same order as ``dw``, hence the unit gain with
    damping. Returns the best (weights, labels) seen, judged by worst relative error.

    Example
    -------
    >>> pts = np.array([[0.5, 0.0], [1.5, 0.0], [2.5, 0.0], [3.5, 0.0]])
    >>> w, lab = fit_power_weights(pts, np.ones(4), np.array([[0.0, 0], [4.0, 0]]),
    ...                            np.array([3.0, 1.0]))
    >>> lab.tolist()
    [0, 0, 0, 1]
    """
    targets = np.asarray(targets, dtype=float)
    targets = targets * areas.sum() / targets.sum()
    weights = np.zeros(len(seeds))
    best = (np.inf, weights.copy(), power_labels(points, seeds, weights))
    gain = 1.0
    previous = np.inf
    for _ in range(iterations):
        labels = power_labels(points, seeds, weights)
        got = np.bincount(labels, weights=areas, minlength=len(seeds))
        error = float(np.max(np.abs(got - targets) / targets))
        if error < best[0]:
            best = (error, weights.copy(), labels)
        if error <= tolerance:
            break
        if error >= previous:
            gain *= 0.7
        previous = error
        weights = weights + gain * (targets - got)
        weights -= weights.mean()
    return best[1], best[2]


def _components(labels: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Connected-component id per atom, linking only neighbours with the same label."""
    link = pairs[labels[pairs[:, 0]] == labels[pairs[:, 1]]]
    comp = np.arange(len(labels))
    while True:
        low = np.minimum(comp[link[:, 0]], comp[link[:, 1]])
        new = comp.copy()
        np.minimum.at(new, link[:, 0], low)
        np.minimum.at(new, link[:, 1], low)
        new = new[new]  # pointer jumping
        if np.array_equal(new, comp):
            return comp
        comp = new


def absorb_fragments(
    labels: np.ndarray,
    areas: np.ndarray,
    pairs: np.ndarray,
    lengths: np.ndarray,
    groups: np.ndarray | None = None,
    anchors: np.ndarray | None = None,
) -> np.ndarray:
    """Make every label one connected piece.

    Each label keeps the piece holding its anchor atom (``anchors[label]``, -1 for none) or
    else its largest piece; other pieces join the neighbouring label (within the same
    ``group``, e.g. the parent unit) with which they share most boundary. Pieces with no
    eligible neighbour stay where they are.
    """
    labels = labels.copy()
    groups = np.zeros(len(labels), dtype=int) if groups is None else groups
    for _ in range(50):
        comp = _components(labels, pairs)
        comp_area = np.bincount(comp, weights=areas, minlength=len(labels))
        main = np.full(labels.max() + 1, -1)
        if anchors is not None:
            held = (anchors >= 0) & (labels[np.maximum(anchors, 0)] == np.arange(len(anchors)))
            main[: len(anchors)][held] = comp[anchors[held]]
        order = np.lexsort((np.arange(len(labels)), -comp_area[comp]))
        for i in order:  # largest piece first; ties broken by atom index
            if main[labels[i]] < 0:
                main[labels[i]] = comp[i]
        stray = comp != main[labels]
        if not stray.any():
            return labels
        changed = False
        for piece in np.unique(comp[stray]):
            members = comp == piece
            a_in, b_in = members[pairs[:, 0]], members[pairs[:, 1]]
            edge = a_in ^ b_in
            other = np.where(a_in[edge], pairs[edge, 1], pairs[edge, 0])
            ok = (groups[other] == groups[members.argmax()]) & (labels[other] != labels[members.argmax()])
            if not ok.any():
                continue
            share = np.bincount(labels[other[ok]], weights=lengths[edge][ok])
            labels[members] = int(np.argmax(share))
            changed = True
        if not changed:
            return labels
    return labels


def dissolve(atoms: np.ndarray, labels: np.ndarray, count: int) -> list:
    """Union of the atoms of each label ``0..count-1`` (exact coverage union)."""
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(count + 1))
    return [shapely.coverage_union_all(atoms[order[bounds[k] : bounds[k + 1]]]) for k in range(count)]
