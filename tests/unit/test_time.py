"""One rule for the times people give (``domain.time``): a time says its zone, or it is
refused with a message that shows how to write it; never read as UTC or local time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.errors import InvalidTime, TimeZoneMissing
from domain.time import epoch_seconds, parse_instant

AT = 1795425600.0  # 2026-11-23T09:20:00Z


def test_a_time_with_its_zone_is_that_instant_in_any_zone() -> None:
    assert epoch_seconds(datetime(2026, 11, 23, 9, 20, tzinfo=UTC), "at") == AT
    shanghai = timezone(timedelta(hours=8))
    assert epoch_seconds(datetime(2026, 11, 23, 17, 20, tzinfo=shanghai), "at") == AT
    assert parse_instant("2026-11-23T09:20:00Z", "at") == AT
    assert parse_instant("2026-11-23T17:20:00+08:00", "at") == AT
    assert parse_instant(str(AT), "at") == AT
    assert epoch_seconds(None, "at") is None


def test_a_time_without_a_zone_is_refused_with_how_to_write_it() -> None:
    with pytest.raises(TimeZoneMissing) as refused:
        epoch_seconds(datetime(2026, 11, 23, 9, 20), "at")
    assert str(refused.value) == "give the time zone of 'at' (e.g. 2026-11-23T09:20:00Z)"
    with pytest.raises(TimeZoneMissing, match="'from'"):
        parse_instant("2026-11-23T09:20:00", "from")


def test_a_time_that_is_not_one_is_refused_clearly() -> None:
    with pytest.raises(InvalidTime, match="not an ISO 8601 time: 'yesterday'"):
        parse_instant("yesterday", "at")
    with pytest.raises(InvalidTime, match="'nan' is not a time"):
        parse_instant("nan", "at")


def test_the_cli_refuses_a_time_without_a_zone_with_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from api.cli.main import main

    with pytest.raises(SystemExit) as exited:
        main(["wallboard", "--at", "2026-11-23T09:20:00", "--store", "sqlite:///unused.db"])
    assert exited.value.code == 2
    assert "give the time zone" in capsys.readouterr().err
