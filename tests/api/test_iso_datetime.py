"""`api.boundary.iso_datetime` writes exactly what `datetime.isoformat` writes, faster where it can."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from api.boundary import iso_datetime

OFFSETS = st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59))


@settings(max_examples=2000, deadline=None)
@given(st.datetimes(timezones=st.sampled_from([None, UTC])))
def test_a_utc_or_naive_datetime_is_written_as_isoformat_writes_it(value: datetime) -> None:
    assert iso_datetime(value) == value.isoformat()


@settings(max_examples=300, deadline=None)
@given(st.datetimes(), OFFSETS)
def test_any_other_offset_is_written_as_isoformat_writes_it(value: datetime, offset: timedelta) -> None:
    aware = value.replace(tzinfo=timezone(offset))
    assert iso_datetime(aware) == aware.isoformat()


def test_a_datetime_subclass_is_written_by_its_own_isoformat() -> None:
    class Stamped(datetime):
        def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
            return "stamped"

    assert iso_datetime(Stamped(2026, 1, 2, tzinfo=UTC)) == "stamped"
    assert iso_datetime(datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)) == "2026-01-02T03:04:05.000006+00:00"
