"""An unzoned time in an import is a wall-clock time on the region's clock: one that clock skipped or
showed twice (a daylight-saving change; Vietnam has none, a deployment elsewhere may) names no single
instant and is refused rather than guessed. Instants derived by hand from the zones' rules."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from app.services.imports.values import RowProblem, instant, on_clock

BERLIN = ZoneInfo("Europe/Berlin")  # 2025: UTC+1, UTC+2 from 30 March 02:00 to 26 October 03:00


def _read(written: str, zone: ZoneInfo) -> datetime:
    return on_clock(instant({"t": written}, "t"), zone, "t", written)


def test_wall_clock_times_on_a_clock_with_daylight_saving():
    assert _read("29/03/2025 02:30", BERLIN) == datetime(2025, 3, 29, 1, 30, tzinfo=UTC)
    assert _read("30/03/2025 03:30", BERLIN) == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)
    assert _read("01/05/2025 10:00", ZoneInfo("Asia/Ho_Chi_Minh")) == datetime(2025, 5, 1, 3, tzinfo=UTC)
    # A written offset is kept, whatever the clock.
    assert _read("30/03/2025 02:30 +01:00", BERLIN) == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize("written", ["30/03/2025 02:30", "26/10/2025 02:30"])
def test_a_time_skipped_or_shown_twice_is_refused(written):
    with pytest.raises(RowProblem) as err:
        _read(written, BERLIN)
    assert err.value.problem.code == "value.local_time_unclear"
    assert dict(err.value.problem.params) == {"value": written, "zone": "Europe/Berlin"}
    assert str(err.value) == (
        f"t: '{written}' is not a single instant in Europe/Berlin (the clocks changed then): "
        "write it with its UTC offset"
    )
