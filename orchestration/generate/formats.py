"""The text forms of SPEC §1.1: ISO dates, UTC timestamps, '.' decimals, true/false.

Times are whole seconds since 1970-01-01 UTC and days are day numbers since then; both are plain ints so the
hot loop never builds a datetime.
"""

from __future__ import annotations

from datetime import date, timedelta

DAY = 86_400
HOUR = 3_600
_EPOCH = date(1970, 1, 1)
_DATES: dict[int, str] = {}
_MINUTES = [f"{m // 60:02d}:{m % 60:02d}:" for m in range(24 * 60)]  # "HH:MM:" of each minute of a day


def day_number(value: date) -> int:
    return (value - _EPOCH).days


def date_of(day: int) -> date:
    return _EPOCH + timedelta(days=day)


def add_months(value: date, months: int) -> date:
    """The same day `months` later (the generator only uses it on the 1st or with days ≤ 28)."""
    month0 = value.month - 1 + months
    return date(value.year + month0 // 12, month0 % 12 + 1, min(value.day, 28))


def iso_date(day: int) -> str:
    text = _DATES.get(day)
    if text is None:
        text = _DATES[day] = date_of(day).isoformat()
    return text


def iso_timestamp(seconds: int) -> str:
    day, sec = divmod(seconds, DAY)
    minute, sec = divmod(sec, 60)
    return f"{iso_date(day)}T{_MINUTES[minute]}{sec:02d}Z"


def fixed(value: int, scale: int = 2) -> str:
    """An integer count of 10**-scale units as a decimal with exactly `scale` decimals: fixed(1250) = '12.50'."""
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), 10**scale)
    return f"{sign}{whole}.{frac:0{scale}d}"


def trimmed(value: int, scale: int = 4, keep: int = 2) -> str:
    """Like fixed() but without trailing zeros beyond `keep` decimals: trimmed(123400) = '12.34'."""
    text = fixed(value, scale)
    cut = len(text)
    while scale > keep and text[cut - 1] == "0":
        cut -= 1
        scale -= 1
    return text[:cut]


def quantity(hundredths: int) -> str:
    """A quantity in hundredths: whole numbers without decimals ('3'), others with two ('2.75')."""
    if hundredths % 100 == 0:
        return str(hundredths // 100)
    return fixed(hundredths, 2)


def boolean(value: bool) -> str:
    return "true" if value else "false"
