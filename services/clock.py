"""The current time, injectable so that tests can stand on any day (J-9's 14 days, PER-5's period end)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .models import School

Clock = Callable[[], datetime]


def school_today(clock: Clock, school: School) -> date:
    """Today in the school's time zone: a lesson's day is the school's day, not UTC's."""
    return today_in(clock, school.timezone)


def today_in(clock: Clock, timezone: str) -> date:
    return clock().astimezone(ZoneInfo(timezone)).date()
