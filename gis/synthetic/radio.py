"""BTS sites and their cells.

Sites cluster in towns, follow the main roads and scatter over the countryside in proportion to
hamlet population. Inside each dead-zone disc no 4G/5G cell exists (at most a few 2G-only
sites), and 4G cells within GAP_HIGH_BAND_KM of a gap centre use 1800/2100/2600 MHz only.

Link budget used for ``eirp_dbm``: ``tx_power_dbm + antenna_gain_dbi - loss``, with a 2 dB
jumper/feeder loss for macro sectors (RRU + passive antenna) and 0 dB for integrated 5G AAUs
and small cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from gis.synthetic.draw import pick, random_date
from gis.synthetic.facts import OPERATORS
from gis.synthetic.world import World

__all__ = ["Site", "Cell", "build_sites", "FEEDER_LOSS_DB", "MOBILE"]

MOBILE = ("Viettel", "VinaPhone", "MobiFone", "Vietnamobile")  # Gmobile has no sites
_MOBILE_SHARE = np.array([0.42, 0.24, 0.22, 0.12])
_LETTER = {o.short_name: o.letter for o in OPERATORS}
TOWERCO = next(o.short_name for o in OPERATORS if o.kind == "infrastructure")
FEEDER_LOSS_DB = 2.0
_STATUS = (
    ("active", 0.90),
    ("proposed", 0.03),
    ("approved", 0.03),
    ("rejected", 0.015),
    ("decommissioned", 0.025),
)
_BANDS_4G = ((1800, 0.45), (2100, 0.15), (900, 0.15), (700, 0.12), (2600, 0.13))
_BANDS_4G_NEAR_GAP = ((1800, 0.6), (2100, 0.25), (2600, 0.15))


@dataclass
class Cell:
    code: str
    site_code: str
    operator: str
    technology: str
    band_mhz: int
    azimuth_deg: int | None
    beamwidth_deg: int
    tilt_mech_deg: float
    tilt_elec_deg: float
    antenna_height_m: float
    tx_power_dbm: float
    antenna_gain_dbi: float
    eirp_dbm: float


@dataclass
class Site:
    code: str
    xy: np.ndarray  # UTM
    setting: str  # town / road / rural / gap (generator-only)
    structure_type: str
    height_m: float
    owner: str
    status: str
    permit_no: str | None
    commissioned_on: str | None
    accepts_tenants: bool
    rent_vnd_month: int | None
    tenants: list[str] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)


def build_sites(world: World, rng: np.random.Generator) -> list[Site]:
    """About 1,500 sites with their cells, sorted by code."""
    xy, setting = _positions(world, rng)
    sites = []
    for i, (p, s) in enumerate(zip(xy, setting, strict=True)):
        site = _site(f"{world.prefix}-S{i + 1:04d}", p, s, rng)
        if site.status == "active":
            _equip(site, world, rng)
        sites.append(site)
    return sites


def _positions(world: World, rng: np.random.Generator):
    """Site positions: towns, then roads, then countryside; gaps thinned to a few 2G sites."""
    pts, kind = [], []
    for town in world.towns:
        n = max(6, world.count(int(round(town.population / 550))))
        p = world.around(town, n, rng, sigma_m=900.0)
        pts.append(p)
        kind += ["town"] * len(p)
    road = world.along_roads(world.count(180), rng, offset_m=120.0)
    road = road[world.inside(road)]
    pts.append(road)
    kind += ["road"] * len(road)
    rural_hamlets = [h for h in world.admin.hamlets if not h.urban]
    pop = np.array([h.population for h in rural_hamlets], dtype=float)
    picks = rng.choice(len(rural_hamlets), size=world.count(1_200), p=pop / pop.sum())
    for k in picks:
        pts.append(world.within(rural_hamlets[k], 1, rng))
        kind.append("rural")
    xy = np.vstack(pts)
    kind = np.array(kind)
    # dead zones: drop every site in a disc but a few, which become 2G-only
    gap = world.in_gap(xy)
    keep = ~gap | (rng.random(len(xy)) < 0.06)
    kind[gap] = "gap"
    xy, kind = xy[keep], kind[keep]
    order = np.lexsort((xy[:, 0], -xy[:, 1]))  # codes run north to south
    return xy[order], kind[order].tolist()


def _site(code: str, xy, setting: str, rng) -> Site:
    if setting == "town":
        structure = pick(
            rng,
            (
                ("rooftop", 0.55),
                ("tower", 0.2),
                ("camouflaged", 0.1),
                ("small_cell", 0.1),
                ("guyed_mast", 0.05),
            ),
        )
    else:
        structure = pick(rng, (("tower", 0.6), ("guyed_mast", 0.35), ("rooftop", 0.05)))
    height = {
        "tower": rng.uniform(30, 45) if setting != "town" else rng.uniform(20, 40),
        "guyed_mast": rng.uniform(25, 45),
        "rooftop": rng.uniform(15, 25),
        "camouflaged": rng.uniform(15, 25),
        "small_cell": rng.uniform(6, 12),
    }[structure]
    status = pick(rng, _STATUS) if setting != "gap" else "active"
    owner = TOWERCO if rng.random() < 0.12 else MOBILE[rng.choice(4, p=_MOBILE_SHARE)]
    accepts = (
        owner == TOWERCO
        or (structure in ("tower", "guyed_mast") and rng.random() < 0.4)
        or (structure == "rooftop" and rng.random() < 0.15)
    )
    rent = None
    if accepts:
        low, high = (6, 15) if structure in ("tower", "guyed_mast") else (3, 8)
        rent = int(round(rng.uniform(low, high), 1) * 1_000_000)
    year = int(rng.integers(2008, 2025))
    permit = (
        None if status in ("proposed", "rejected") else (f"{int(rng.integers(1, 400)):03d}/{year}/GPXD-SXD")
    )
    commissioned = None
    if status == "active":
        commissioned = random_date(rng, date(year, 1, 1), date(min(year + 1, 2025), 8, 31))
    elif status == "decommissioned":
        commissioned = random_date(rng, date(2005, 1, 1), date(2015, 12, 31))
    return Site(
        code,
        np.asarray(xy),
        setting,
        structure,
        round(float(height), 1),
        owner,
        status,
        permit,
        commissioned,
        bool(accepts),
        rent,
    )


def _equip(site: Site, world: World, rng) -> None:
    """Tenants and cells of an active site."""
    if site.owner == TOWERCO:
        n = pick(rng, ((1, 0.45), (2, 0.4), (3, 0.15)))
        tenants = list(rng.choice(MOBILE, size=n, replace=False, p=_MOBILE_SHARE))
    else:
        extra = pick(rng, ((0, 0.85), (1, 0.12), (2, 0.03)))
        others = [m for m in MOBILE if m != site.owner]
        p = np.array([_MOBILE_SHARE[MOBILE.index(m)] for m in others])
        tenants = [site.owner] + list(rng.choice(others, size=extra, replace=False, p=p / p.sum()))
    site.tenants = sorted((str(t) for t in tenants), key=MOBILE.index)
    near_gap = bool(world.near_gap(site.xy)[0])
    for op in site.tenants:
        _operator_cells(site, op, near_gap, rng)


def _operator_cells(site: Site, op: str, near_gap: bool, rng) -> None:
    """One operator's cells on a site: 2G-only, a small cell, or 4G sectors plus extra layers."""
    add = _cell_adder(site, op, rng)
    base = rng.uniform(0, 120)
    small = site.structure_type == "small_cell"
    if site.setting == "gap" or (not small and rng.random() < 0.05):  # 2G-only tenancy
        band = 900 if rng.random() < 0.7 else 1800
        if rng.random() < 0.4:
            add("2G", band, [None], 43.0, 11.0, FEEDER_LOSS_DB)
        else:
            add(
                "2G",
                band,
                _sectors(base, 3, rng),
                pick(rng, ((43.0, 0.6), (44.8, 0.4))),
                15.5,
                FEEDER_LOSS_DB,
            )
        return
    if small:
        band = pick(rng, ((1800, 0.6), (2600, 0.4)))
        tx = float(pick(rng, ((30.0, 0.4), (33.0, 0.4), (37.0, 0.2))))
        if rng.random() < 0.5:
            add("4G", band, [None], tx, 5.0, 0.0)
        else:
            add("4G", band, [base], tx, 8.0, 0.0)
        return
    azimuths = _sectors(base, pick(rng, ((3, 0.7), (2, 0.15), (1, 0.15))), rng)
    bands = _BANDS_4G_NEAR_GAP if near_gap else _BANDS_4G
    layers = [pick(rng, bands)]
    if site.setting == "town" and rng.random() < 0.25:  # a second capacity layer
        layers.append(pick(rng, tuple((b, p) for b, p in bands if b != layers[0])))
    for band in layers:
        add(
            "4G",
            band,
            azimuths,
            float(pick(rng, ((43.0, 0.35), (44.8, 0.4), (46.0, 0.25)))),
            float(pick(rng, ((15.5, 0.2), (16.5, 0.3), (17.0, 0.2), (17.5, 0.2), (18.0, 0.1)))),
            FEEDER_LOSS_DB,
        )
    if site.setting != "town" and rng.random() < 0.25:  # legacy 2G layer
        if rng.random() < 0.5:
            add("2G", 900, [None], 43.0, 11.0, FEEDER_LOSS_DB)
        else:
            add("2G", 900, azimuths, 43.0, 15.5, FEEDER_LOSS_DB)
    if op in ("VinaPhone", "MobiFone") and rng.random() < 0.1:
        add("3G", 2100, azimuths, 43.0, 17.0, FEEDER_LOSS_DB)
    if site.setting == "town" and op != "Vietnamobile" and rng.random() < 0.12:
        band = 2600 if op == "Viettel" and rng.random() < 0.4 else 3500
        add("5G", band, _sectors(base, 3, rng), float(pick(rng, ((47.0, 0.5), (49.0, 0.5)))), 24.0, 0.0)


def _cell_adder(site: Site, op: str, rng):
    """A function appending cells (one per azimuth; ``None`` = omni) numbered per technology."""
    count: dict[str, int] = {}
    small = site.structure_type == "small_cell"

    def add(tech: str, band: int, azimuths, tx: float, gain: float, loss: float) -> None:
        for az in azimuths:
            count[tech] = count.get(tech, 0) + 1
            drop = rng.uniform(0.5, 1.5) if small or tech == "5G" else rng.uniform(0.5, 4.0)
            tilt = float(pick(rng, ((0.0, 0.4), (1.0, 0.2), (2.0, 0.25), (3.0, 0.1), (4.0, 0.05))))
            site.cells.append(
                Cell(
                    f"{site.code}-{_LETTER[op]}-{tech}-{count[tech]}",
                    site.code,
                    op,
                    tech,
                    int(band),
                    None if az is None else int(round(az)) % 360,
                    360 if az is None else 65,
                    tilt,
                    float(rng.integers(2, 9)),
                    round(max(5.0, site.height_m - drop), 1),
                    tx,
                    gain,
                    round(tx + gain - loss, 1),
                )
            )

    return add


def _sectors(base: float, n: int, rng) -> list[float]:
    """Sector azimuths: one, back-to-back (roads), or three at ~120° with a little jitter."""
    if n == 1:
        return [base]
    if n == 2:
        return [base, base + 180]
    return [base + k * 120 + rng.normal(0, 8) for k in range(3)]
