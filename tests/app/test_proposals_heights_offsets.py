"""Candidates' gains with the operator's accepted calibration offset (as its what-if has it) and a
tall structure's antenna at its own height less the mounting margin (no 60 m cap), both by hand
from the COST-231 Hata formula at 1800 MHz, rural, a 1.5 m handset."""

import math

import numpy as np
import pytest

from app.services.proposals import _covers, any_offset_db
from app.services.proposals_candidates import MOUNT_MARGIN_M, Candidate, antenna_height_m, reach_m
from app.services.proposals_demand import Demand
from gis import propagation as prop
from gis.coverage import LEGACY, MBB, CoverageParams

PARAMS = CoverageParams()
F_MHZ, H_M = 1800.0, 1.5  # the candidates' band (CANDIDATE_CELLS) and the handset height


def _loss_at_1km(h_b: float) -> float:
    """COST-231 Hata at 1 km, rural (C_m = 0), written out."""
    lf = math.log10(F_MHZ)
    a_hm = (1.1 * lf - 0.7) * H_M - (1.56 * lf - 0.8)
    rural = -4.78 * lf**2 + 18.33 * lf - 40.94
    return 46.3 + 33.9 * lf - 13.82 * math.log10(h_b) - a_hm + rural


def _edge_km(h_b: float, offset_db: float = 0.0) -> float:
    """Where a 58 dBm sector's boresight level falls to the −105 dBm outdoor threshold."""
    rs = 10 * math.log10(12 * PARAMS.lte_resource_blocks)  # 4G: RSRP per resource element
    budget = 58.0 + offset_db - rs - PARAMS.shadow_margin_db() - PARAMS.outdoor_threshold_dbm
    return 10 ** ((budget - _loss_at_1km(h_b)) / (44.9 - 6.55 * math.log10(h_b)))


def _demand(distances_km, people) -> Demand:
    """Uncovered points due north of the origin (the 0° sector's boresight), rural."""
    n = len(distances_km)
    return Demand(
        x_m=np.zeros(n),
        y_m=np.asarray(distances_km, float) * 1000.0,
        clutter=np.full(n, prop.RURAL),
        hamlet=np.zeros(n, np.int64),
        people=np.asarray(people, float),
        hamlet_ids=[1],
        hamlet_need=np.array([n]),
        hamlet_total=np.array([n]),
        blocks=1,
    )


def _gain(candidate: Candidate, demand: Demand, offset_db: float = 0.0) -> float:
    (covered,) = _covers([candidate], demand, PARAMS, offset_db)
    return float(demand.people[covered].sum())


def test_the_hand_edge_is_the_models():
    assert _loss_at_1km(30.0) == pytest.approx(104.27, abs=0.01)  # gis.propagation's own example
    # 58 − 27.78 (10·log10(12·50)) − 10.25 + 105 = 124.97 dB; 10^((124.97 − 104.27) / 35.225) km
    assert _edge_km(30.0) == pytest.approx(3.868, abs=0.002)
    assert _edge_km(30.0, 3.0) == pytest.approx(4.706, abs=0.002)  # × 10^(3 / 35.225) = × 1.2168


def test_an_accepted_offset_turns_a_candidates_gain_from_100_to_140_people():
    """A new 30 m mast; 100 people just inside the bare edge (3.87 km), 40 between it and the edge
    with +3 dB (4.71 km), 25 beyond both. Without the offset: 100; with it: 100 + 40 = 140."""
    r0, r3 = _edge_km(30.0), _edge_km(30.0, 3.0)
    demand = _demand([0.95 * r0, (r0 + r3) / 2, 1.05 * r3], [100, 40, 25])
    mast = Candidate("new", None, 0.0, 0.0, 0.0, 0.0, 30.0, None)
    assert _gain(mast, demand) == 100.0
    assert _gain(mast, demand, 3.0) == 140.0
    assert _gain(mast, demand, -3.0) == 0.0  # an operator the model overrates loses even the first


def test_any_operator_takes_the_smallest_offset_so_the_gain_is_the_weakest_operators():
    """Viettel +3 dB, VinaPhone −3 dB, MobiFone none (0 dB): "any" operator takes −3 dB. The demand
    of the 100-to-140 test: at −3 dB the mast's edge (3.18 km by hand) falls short of even the 100
    people at 3.67 km, so it gains 0 — what VinaPhone would reach, not Viettel's 140."""
    offsets = {("Viettel", MBB): 3.0, ("VinaPhone", MBB): -3.0, ("Viettel", LEGACY): -9.0}
    names = ["Viettel", "VinaPhone", "MobiFone"]
    assert any_offset_db(offsets, names) == -3.0
    assert any_offset_db(offsets, ["Viettel", "MobiFone"]) == 0.0  # MobiFone, uncalibrated: as modelled
    assert any_offset_db({("Viettel", MBB): 3.0, ("MobiFone", MBB): 1.0}, ["Viettel", "MobiFone"]) == 1.0
    assert any_offset_db(offsets, []) == 0.0
    r0, r3, rm3 = _edge_km(30.0), _edge_km(30.0, 3.0), _edge_km(30.0, -3.0)
    assert rm3 == pytest.approx(3.179, abs=0.002)  # 3.868 / 1.2168
    demand = _demand([0.95 * r0, (r0 + r3) / 2, 1.05 * r3], [100, 40, 25])
    mast = Candidate("new", None, 0.0, 0.0, 0.0, 0.0, 30.0, None)
    assert _gain(mast, demand, any_offset_db(offsets, names)) == 0.0
    assert _gain(mast, demand, any_offset_db(offsets, ["Viettel", "MobiFone"])) == 100.0


def test_an_80_m_structure_offers_its_height_less_the_margin_not_60_m():
    """An 80 m water tower: antenna at 78 m. Its edge (by hand) is beyond a 60 m antenna's; 50 people
    between the two are reached, and the reach that picks candidates goes as far."""
    assert MOUNT_MARGIN_M == 2.0
    assert float(antenna_height_m("tall_structure", 80.0)) == 78.0
    assert float(antenna_height_m("pole", 10.0)) == 10.0  # attachment heights are antenna heights
    assert float(antenna_height_m("tall_structure", 260.0)) == prop.BASE_HEIGHT_RANGE_M[1]  # model's top
    r60, r78 = _edge_km(60.0), _edge_km(78.0)
    assert r78 > r60 * 1.1  # 6.50 km against 5.59 km
    demand = _demand([0.5 * r60, (r60 + r78) / 2, 1.05 * r78], [70, 50, 30])
    tower = Candidate("tall_structure", "CT-80", 0.0, 0.0, 0.0, 0.0, 80.0, "Cấp nước", "Tháp nước 80 m")
    capped = Candidate("tall_structure", "CT-62", 0.0, 0.0, 0.0, 0.0, 62.0, "Cấp nước", "Antenna at 60 m")
    assert _gain(capped, demand) == 70.0
    assert _gain(tower, demand) == 120.0
    (far,) = reach_m("tall_structure", [80.0], PARAMS)
    assert far / 1000.0 == pytest.approx(r78, rel=1e-6)  # the floor is the outdoor threshold here
