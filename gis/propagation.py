"""Median path loss: Okumura–Hata, COST-231 Hata and its extrapolation above 2 GHz (vectorised).

Notation (as in the sources): f in MHz, h_b base-station antenna height in m, h_m mobile antenna
height in m, d distance in km, log = log10. Every model here has the form

    L(d) = A(f, h_b, h_m, clutter) + B(h_b) · log d,      B = 44.9 − 6.55 log h_b

so ``log_distance_terms`` returns (A, B) and a range inverts in closed form (``max_range_km``).

Models, by frequency (``path_loss_db`` dispatches):

* f ≤ 1500 MHz — Okumura–Hata, urban (small/medium city):
  L_u = 69.55 + 26.16 log f − 13.82 log h_b − a(h_m) + (44.9 − 6.55 log h_b) log d,
  a(h_m) = (1.1 log f − 0.7) h_m − (1.56 log f − 0.8).
  M. Hata, "Empirical formula for propagation loss in land mobile radio services",
  IEEE Trans. Veh. Technol. VT-29(3), 317–325, 1980. Valid 150–1500 MHz, h_b 30–200 m,
  h_m 1–10 m, d 1–20 km.
* 1500 < f ≤ 2000 MHz — COST-231 Hata:
  L_u = 46.3 + 33.9 log f − 13.82 log h_b − a(h_m) + (44.9 − 6.55 log h_b) log d + C_m,
  C_m = 3 dB for urban clutter (metropolitan centre), 0 dB otherwise.
  COST Action 231, "Digital mobile radio towards future generation systems", final report,
  EUR 18957, 1999, §4.4. Same h/d validity as Hata.
* 2000 < f ≤ 4200 MHz (2100, 2600, 3500 MHz bands) — the COST-231 Hata formula evaluated with
  its frequency term 33.9 log f extended beyond 2 GHz. This is an EXTRAPOLATION, done by several
  planning tools and compared against 3.5 GHz measurements (with ECC-33 and SUI) by
  V. S. Abhayawardhana et al., "Comparison of empirical propagation path loss models for fixed
  wireless access systems", IEEE VTC 2005-Spring, pp. 73–77. Chosen over ECC-33/SUI because it
  is continuous with the 1800 MHz model and keeps the closed-form range inversion.

Environment corrections (Hata 1980, eqs. for suburban and open areas), applied to every model
(for COST-231 to the C_m = 0 form — the common practice of planning tools, a documented choice):
suburban L = L_u − 2 [log(f/28)]² − 5.4; open/rural L = L_u − 4.78 (log f)² + 18.33 log f − 40.94.

``path_loss_db`` clamps d to ≥ 0.05 km (near field), h_b to 5–200 m and h_m to 1–10 m; the
``okumura_hata_db`` / ``cost231_*`` functions evaluate their formula as written.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "URBAN",
    "SUBURBAN",
    "RURAL",
    "CLUTTER",
    "CLUTTER_NAMES",
    "NEAR_FIELD_KM",
    "BASE_HEIGHT_RANGE_M",
    "MOBILE_HEIGHT_RANGE_M",
    "FREQUENCY_RANGE_MHZ",
    "MODEL_HATA",
    "MODEL_COST231",
    "MODEL_COST231_EXTENDED",
    "clutter_codes",
    "mobile_antenna_correction_db",
    "environment_correction_db",
    "okumura_hata_db",
    "cost231_hata_db",
    "cost231_hata_extended_db",
    "model_name",
    "log_distance_terms",
    "path_loss_db",
    "max_range_km",
    "validity_notes",
]

URBAN, SUBURBAN, RURAL = 0, 1, 2
CLUTTER = {"urban": URBAN, "suburban": SUBURBAN, "rural": RURAL}
CLUTTER_NAMES = ("urban", "suburban", "rural")  # index = code

NEAR_FIELD_KM = 0.05
BASE_HEIGHT_RANGE_M = (5.0, 200.0)  # below 5 m an antenna is street furniture, not a Hata base
MOBILE_HEIGHT_RANGE_M = (1.0, 10.0)
FREQUENCY_RANGE_MHZ = (150.0, 4200.0)  # Hata's floor … top of NR band n77
HATA_MAX_MHZ = 1500.0
COST231_MAX_MHZ = 2000.0

MODEL_HATA = "Okumura-Hata (Hata 1980)"
MODEL_COST231 = "COST-231 Hata (COST 231 final report, 1999)"
MODEL_COST231_EXTENDED = "COST-231 Hata extrapolated above 2 GHz"


def clutter_codes(clutter) -> np.ndarray:
    """A clutter name ("urban", "suburban", "rural") or codes (0, 1, 2) → an int array of codes."""
    if isinstance(clutter, str):
        try:
            return np.asarray(CLUTTER[clutter.lower()])
        except KeyError:
            raise ValueError(f"unknown clutter {clutter!r}; expected one of {CLUTTER_NAMES}") from None
    codes = np.asarray(clutter)
    if codes.dtype.kind not in "iu" or (codes.size and (codes.min() < URBAN or codes.max() > RURAL)):
        raise ValueError("clutter codes must be integers URBAN=0, SUBURBAN=1, RURAL=2")
    return codes


def mobile_antenna_correction_db(f_mhz, h_m_m):
    """a(h_m) for a small/medium city: (1.1 log f − 0.7) h_m − (1.56 log f − 0.8) (Hata 1980)."""
    log_f = np.log10(f_mhz)
    return (1.1 * log_f - 0.7) * np.asarray(h_m_m, dtype=float) - (1.56 * log_f - 0.8)


def environment_correction_db(f_mhz, clutter):
    """dB added to the urban loss: 0 urban, −2[log(f/28)]² − 5.4 suburban,
    −4.78(log f)² + 18.33 log f − 40.94 open/rural (Hata 1980)."""
    codes = clutter_codes(clutter)
    log_f = np.log10(f_mhz)
    suburban = -2.0 * np.log10(np.asarray(f_mhz, dtype=float) / 28.0) ** 2 - 5.4
    rural = -4.78 * log_f**2 + 18.33 * log_f - 40.94
    return np.where(codes == SUBURBAN, suburban, np.where(codes == RURAL, rural, 0.0))


def _slope_db(h_b_m):
    return 44.9 - 6.55 * np.log10(h_b_m)


def _intercept_db(f_mhz, h_b_m, h_m_m, codes, a0, a_f, c_m_urban):
    log_f = np.log10(f_mhz)
    c_m = np.where(codes == URBAN, c_m_urban, 0.0)
    return (
        a0
        + a_f * log_f
        - 13.82 * np.log10(h_b_m)
        - mobile_antenna_correction_db(f_mhz, h_m_m)
        + c_m
        + environment_correction_db(f_mhz, codes)
    )


def _check_band(f_mhz, low: float, high: float, model: str, low_open: bool = False) -> np.ndarray:
    f = np.asarray(f_mhz, dtype=float)
    below = f <= low if low_open else f < low
    if np.any(below | (f > high)):
        raise ValueError(f"{model} is defined for {low:g}–{high:g} MHz, got {f_mhz}")
    return f


def _family(f, h_b_m, h_m_m, d_km, clutter, hata: bool):
    codes = clutter_codes(clutter)
    a0, a_f, c_m = (69.55, 26.16, 0.0) if hata else (46.3, 33.9, 3.0)
    intercept = _intercept_db(f, h_b_m, h_m_m, codes, a0, a_f, c_m)
    return intercept + _slope_db(h_b_m) * np.log10(d_km)


def okumura_hata_db(f_mhz, h_b_m, h_m_m, d_km, clutter="urban"):
    """Okumura–Hata median path loss in dB, 150–1500 MHz (formula as written, no clamping).

    Example: f = 900 MHz, h_b = 30 m, h_m = 1.5 m, urban, d = 1 km → 126.40 dB.
    """
    f = _check_band(f_mhz, 150.0, HATA_MAX_MHZ, "Okumura-Hata")
    return _family(f, h_b_m, h_m_m, d_km, clutter, hata=True)


def cost231_hata_db(f_mhz, h_b_m, h_m_m, d_km, clutter="urban"):
    """COST-231 Hata median path loss in dB, 1500–2000 MHz (C_m = 3 dB urban, else 0)."""
    f = _check_band(f_mhz, HATA_MAX_MHZ, COST231_MAX_MHZ, "COST-231 Hata")
    return _family(f, h_b_m, h_m_m, d_km, clutter, hata=False)


def cost231_hata_extended_db(f_mhz, h_b_m, h_m_m, d_km, clutter="urban"):
    """COST-231 Hata evaluated above 2 GHz (2000–4200 MHz): an extrapolation, see the module notes."""
    f = _check_band(f_mhz, COST231_MAX_MHZ, FREQUENCY_RANGE_MHZ[1], "Extended COST-231 Hata", True)
    return _family(f, h_b_m, h_m_m, d_km, clutter, hata=False)


def model_name(f_mhz: float) -> str:
    """The model ``path_loss_db`` uses at ``f_mhz``."""
    f = float(_check_band(f_mhz, *FREQUENCY_RANGE_MHZ, "path_loss_db"))
    if f <= HATA_MAX_MHZ:
        return MODEL_HATA
    return MODEL_COST231 if f <= COST231_MAX_MHZ else MODEL_COST231_EXTENDED


def log_distance_terms(f_mhz, h_b_m, h_m_m, clutter):
    """(A, B) with ``path_loss_db = A + B·log10(max(d_km, 0.05))`` (heights clamped, f dispatched)."""
    f = _check_band(f_mhz, *FREQUENCY_RANGE_MHZ, "path_loss_db")
    h_b = np.clip(h_b_m, *BASE_HEIGHT_RANGE_M)
    h_m = np.clip(h_m_m, *MOBILE_HEIGHT_RANGE_M)
    codes = clutter_codes(clutter)
    hata = f <= HATA_MAX_MHZ
    intercept = _intercept_db(
        f, h_b, h_m, codes, np.where(hata, 69.55, 46.3), np.where(hata, 26.16, 33.9), np.where(hata, 0.0, 3.0)
    )
    return intercept, _slope_db(h_b)


def path_loss_db(f_mhz, h_b_m, h_m_m, d_km, clutter):
    """Median path loss in dB with the model chosen by frequency; arrays broadcast.

    d is clamped to ≥ 0.05 km, h_b to 5–200 m, h_m to 1–10 m. ``clutter`` is a name or an array
    of codes (URBAN=0, SUBURBAN=1, RURAL=2).

    Example: 1800 MHz, h_b 30 m, h_m 1.5 m, d 1 km, rural → 104.27 dB.
    """
    intercept, slope = log_distance_terms(f_mhz, h_b_m, h_m_m, clutter)
    return intercept + slope * np.log10(np.maximum(d_km, NEAR_FIELD_KM))


def max_range_km(f_mhz, h_b_m, h_m_m, max_path_loss_db, clutter):
    """Distance (km) at which ``path_loss_db`` reaches ``max_path_loss_db``:
    d = 10^((L_max − A) / B). 0 where even the 0.05 km near-field loss exceeds L_max."""
    intercept, slope = log_distance_terms(f_mhz, h_b_m, h_m_m, clutter)
    d = 10.0 ** ((np.asarray(max_path_loss_db, dtype=float) - intercept) / slope)
    return np.where(d >= NEAR_FIELD_KM, d, 0.0)


def validity_notes(f_mhz, h_b_m, d_km) -> list[str]:
    """Human-readable flags where the inputs leave the models' published validity."""
    f, h_b, d = (np.asarray(v, dtype=float) for v in (f_mhz, h_b_m, d_km))
    notes = []
    if np.any((f < FREQUENCY_RANGE_MHZ[0]) | (f > FREQUENCY_RANGE_MHZ[1])):
        notes.append(f"f outside {FREQUENCY_RANGE_MHZ[0]:g}–{FREQUENCY_RANGE_MHZ[1]:g} MHz: no model here")
    if np.any(f > COST231_MAX_MHZ):
        notes.append(
            f"f up to {f.max():g} MHz > 2000 MHz: COST-231 Hata extrapolated beyond its 1500–2000 MHz range"
        )
    if np.any(h_b < 30.0):
        notes.append(f"h_b down to {h_b.min():g} m < 30 m: extrapolation of Hata (valid 30–200 m)")
    if np.any(h_b < BASE_HEIGHT_RANGE_M[0]):
        notes.append(f"h_b < {BASE_HEIGHT_RANGE_M[0]:g} m clamped to {BASE_HEIGHT_RANGE_M[0]:g} m")
    if np.any(h_b > 200.0):
        notes.append(f"h_b up to {h_b.max():g} m > 200 m: beyond Hata's validity, clamped to 200 m")
    if np.any(d < 1.0):
        notes.append(f"d down to {d.min():g} km < 1 km: extrapolation of Hata (valid 1–20 km)")
    if np.any(d < NEAR_FIELD_KM):
        notes.append(f"d < {NEAR_FIELD_KM:g} km clamped to {NEAR_FIELD_KM:g} km (near field)")
    if np.any(d > 20.0):
        notes.append(f"d up to {d.max():g} km > 20 km: extrapolation of Hata (valid 1–20 km)")
    return notes
