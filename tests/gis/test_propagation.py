"""Path-loss models against numbers worked out by hand (log = log10, f MHz, h m, d km)."""

import numpy as np
import pytest

from gis.propagation import (
    MODEL_COST231,
    MODEL_COST231_EXTENDED,
    MODEL_HATA,
    RURAL,
    SUBURBAN,
    URBAN,
    clutter_codes,
    cost231_hata_db,
    cost231_hata_extended_db,
    environment_correction_db,
    max_range_km,
    model_name,
    okumura_hata_db,
    path_loss_db,
    validity_notes,
)

DB = 0.01

# Shared by the cases at f = 900 MHz, h_b = 30 m, h_m = 1.5 m:
#   log f = log 900 = 2.954243          log h_b = log 30 = 1.477121
#   a(h_m) = (1.1·2.954243 − 0.7)·1.5 − (1.56·2.954243 − 0.8)
#          = 2.549667·1.5 − 3.808618 = 3.824500 − 3.808618 = 0.015882
#   B = 44.9 − 6.55·1.477121 = 44.9 − 9.675144 = 35.224856
#   urban at 1 km (log d = 0):
#   L = 69.55 + 26.16·2.954243 − 13.82·1.477121 − 0.015882
#     = 69.55 + 77.282984 − 20.413816 − 0.015882 = 126.403286
HATA_900_1KM = 126.403286


def test_okumura_hata_urban_900_mhz_at_1_and_5_km():
    assert okumura_hata_db(900, 30, 1.5, 1.0) == pytest.approx(HATA_900_1KM, abs=DB)
    # 5 km: + B·log 5 = 35.224856 · 0.698970 = 24.621118 → 151.024404
    assert okumura_hata_db(900, 30, 1.5, 5.0) == pytest.approx(151.024404, abs=DB)


def test_suburban_and_rural_corrections_at_900_mhz():
    # suburban: −2·[log(900/28)]² − 5.4 = −2·1.507084² − 5.4 = −2·2.271304 − 5.4 = −9.942607
    assert okumura_hata_db(900, 30, 1.5, 1.0, "suburban") == pytest.approx(HATA_900_1KM - 9.942607, abs=DB)
    # open/rural: −4.78·(log f)² + 18.33·log f − 40.94
    #   = −4.78·8.727549 + 18.33·2.954243 − 40.94 = −41.717683 + 54.151265 − 40.94 = −28.506418
    assert okumura_hata_db(900, 30, 1.5, 1.0, "rural") == pytest.approx(HATA_900_1KM - 28.506418, abs=DB)
    assert environment_correction_db(900, [URBAN, SUBURBAN, RURAL]) == pytest.approx(
        [0.0, -9.942607, -28.506418], abs=DB
    )


def test_cost231_hata_at_1800_mhz():
    # log f = log 1800 = 3.255273; log h_b = 1.477121
    # a(h_m) = (1.1·3.255273 − 0.7)·1.5 − (1.56·3.255273 − 0.8) = 4.321200 − 4.278225 = 0.042975
    # C_m = 0: 46.3 + 33.9·3.255273 − 13.82·1.477121 − 0.042975
    #        = 46.3 + 110.353738 − 20.413816 − 0.042975 = 136.196948
    # urban (metropolitan centre, C_m = 3 dB), 1 km: 139.196948
    assert cost231_hata_db(1800, 30, 1.5, 1.0) == pytest.approx(139.196948, abs=DB)
    # 2 km: + B·log 2 = 35.224856 · 0.301030 = 10.603738 → 149.800686
    assert cost231_hata_db(1800, 30, 1.5, 2.0, "urban") == pytest.approx(149.800686, abs=DB)
    # suburban (C_m = 0): −2·[log(1800/28)]² − 5.4 = −2·1.808114² − 5.4 = −2·3.269278 − 5.4 = −11.938556
    assert cost231_hata_db(1800, 30, 1.5, 1.0, "suburban") == pytest.approx(136.196948 - 11.938556, abs=DB)
    # rural (C_m = 0): −4.78·10.596799 + 18.33·3.255273 − 40.94 = −50.652700 + 59.669145 − 40.94 = −31.923555
    assert cost231_hata_db(1800, 30, 1.5, 1.0, "rural") == pytest.approx(136.196948 - 31.923555, abs=DB)


def test_cost231_extended_to_3500_mhz():
    # log f = 3.544068
    # a(h_m) = (1.1·3.544068 − 0.7)·1.5 − (1.56·3.544068 − 0.8) = 4.797712 − 4.728746 = 0.068966
    # C_m = 0: 46.3 + 33.9·3.544068 − 20.413816 − 0.068966 = 46.3 + 120.143907 − 20.482782 = 145.961125
    # rural: −4.78·12.560418 + 18.33·3.544068 − 40.94 = −60.038799 + 64.962767 − 40.94 = −36.016032
    rural = cost231_hata_extended_db(3500, 30, 1.5, 1.0, "rural")
    assert rural == pytest.approx(145.961125 - 36.016032, abs=DB)
    # urban, 2 km: 145.961125 + 3 + 10.603738 = 159.564863
    assert cost231_hata_extended_db(3500, 30, 1.5, 2.0) == pytest.approx(159.564863, abs=DB)


def test_models_refuse_frequencies_outside_their_range():
    with pytest.raises(ValueError):
        okumura_hata_db(1800, 30, 1.5, 1.0)
    with pytest.raises(ValueError):
        cost231_hata_db(900, 30, 1.5, 1.0)
    with pytest.raises(ValueError):
        cost231_hata_extended_db(1800, 30, 1.5, 1.0)
    with pytest.raises(ValueError):
        path_loss_db(100, 30, 1.5, 1.0, "rural")
    with pytest.raises(ValueError):
        path_loss_db(900, 30, 1.5, 1.0, "forest")


@pytest.mark.parametrize(
    ("f", "model", "name"),
    [
        (700, okumura_hata_db, MODEL_HATA),
        (900, okumura_hata_db, MODEL_HATA),
        (1500, okumura_hata_db, MODEL_HATA),
        (1800, cost231_hata_db, MODEL_COST231),
        (2000, cost231_hata_db, MODEL_COST231),
        (2100, cost231_hata_extended_db, MODEL_COST231_EXTENDED),
        (2600, cost231_hata_extended_db, MODEL_COST231_EXTENDED),
        (3500, cost231_hata_extended_db, MODEL_COST231_EXTENDED),
    ],
)
def test_path_loss_dispatches_by_band(f, model, name):
    d = np.array([0.5, 1.0, 3.0, 12.0])
    for clutter in ("urban", "suburban", "rural"):
        assert path_loss_db(f, 30, 1.5, d, clutter) == pytest.approx(model(f, 30, 1.5, d, clutter), abs=1e-9)
    assert model_name(f) == name


def test_path_loss_takes_clutter_code_arrays():
    codes = np.array([URBAN, SUBURBAN, RURAL])
    expected = [HATA_900_1KM, HATA_900_1KM - 9.942607, HATA_900_1KM - 28.506418]
    assert path_loss_db(900, 30, 1.5, 1.0, codes) == pytest.approx(expected, abs=DB)
    assert clutter_codes("Rural") == RURAL
    with pytest.raises(ValueError):
        clutter_codes(np.array([3]))


def test_clamps_near_field_and_heights():
    assert path_loss_db(900, 30, 1.5, 0.001, "urban") == path_loss_db(900, 30, 1.5, 0.05, "urban")
    assert path_loss_db(900, 2.0, 1.5, 3.0, "urban") == path_loss_db(900, 5.0, 1.5, 3.0, "urban")
    assert path_loss_db(900, 300.0, 1.5, 3.0, "urban") == path_loss_db(900, 200.0, 1.5, 3.0, "urban")
    assert path_loss_db(900, 30, 0.2, 3.0, "urban") == path_loss_db(900, 30, 1.0, 3.0, "urban")


def test_urban_loses_most_and_rural_least_at_every_frequency():
    # the coverage engine's bounds rely on this order
    for f in np.linspace(150, 4200, 200):
        urban, suburban, rural = path_loss_db(f, 30, 1.5, 2.0, np.array([URBAN, SUBURBAN, RURAL]))
        assert urban > suburban > rural


def test_max_range_inverts_path_loss_exactly():
    rng = np.random.default_rng(7)
    for f in (700, 900, 1800, 2100, 2600, 3500):
        h_b = rng.uniform(5, 60, 50)
        clutter = rng.integers(0, 3, 50)
        loss = rng.uniform(100, 160, 50)
        d = max_range_km(f, h_b, 1.5, loss, clutter)
        reached = d > 0
        assert path_loss_db(f, h_b[reached], 1.5, d[reached], clutter[reached]) == pytest.approx(
            loss[reached], abs=1e-9
        )
        # below the near-field loss nothing is reached
        near = path_loss_db(f, h_b, 1.5, 0.05, clutter)
        assert np.all((d == 0) == (loss < near))


def test_max_range_matches_the_worked_radius_table():
    # mission-anchors §4.3, h_b 30 m, h_m 1.5 m: d = 10^((L_max − A)/B), A = L(1 km)
    # 1800 MHz rural, MAPL 126.9: 10^((126.9 − 104.273393)/35.224856) = 10^0.642349 = 4.39 km
    assert max_range_km(1800, 30, 1.5, 126.9, "rural") == pytest.approx(4.39, abs=0.01)
    # 900 MHz, MAPL 127.9: urban 10^((127.9 − 126.403286)/35.224856) = 10^0.042490 = 1.10 km,
    # suburban 10^((127.9 − 116.460679)/35.224856) = 2.11 km,
    # rural 10^((127.9 − 97.896868)/35.224856) = 7.11 km
    assert max_range_km(900, 30, 1.5, 127.9, np.array([URBAN, SUBURBAN, RURAL])) == pytest.approx(
        [1.10, 2.11, 7.11], abs=0.01
    )


def test_validity_notes_flag_extrapolation():
    assert validity_notes(900, 30, 5.0) == []
    notes = validity_notes(900, 25, 0.5)
    assert any("h_b" in n and "30 m" in n for n in notes)
    assert any("1 km" in n for n in notes)
    assert any("2000 MHz" in n for n in validity_notes(3500, 30, 2.0))
    assert any("clamped" in n for n in validity_notes(900, 30, 0.01))
    assert any("20 km" in n for n in validity_notes(900, 30, 30.0))
    assert len(validity_notes([900, 3500], [12.0, 40.0], [0.2, 8.0])) == 3
