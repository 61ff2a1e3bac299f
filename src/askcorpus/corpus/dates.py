"""Article dates: any written form a file states, normalised to ISO 8601 (``YYYY-MM-DD``).

``normalise`` turns a stated date ("26-FEB-1987 15:01:01.79", "March 3, 1987",
"2024-05-01T10:00:00Z", "Tue, 05 Mar 2024 10:00:00 +0000") into ``YYYY-MM-DD``;
``find_in_text`` finds the date an article's text states in its first lines (a "Published …"
line or a dateline "LONDON, March 3, 1987 (Reuters) -"). dateparser reads the written forms.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache

_ISO = re.compile(r"^\s*((?:1[89]|20)\d\d)-?([01]\d)-?([0-3]\d)(?:$|[T ]|\s)")
_MONTHS = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
           r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_WRITTEN = (rf"(?:{_MONTHS}\s+[0-3]?\d(?:st|nd|rd|th)?,?\s+(?:1[89]|20)\d\d"
            rf"|[0-3]?\d(?:st|nd|rd|th)?\s+{_MONTHS},?\s+(?:1[89]|20)\d\d"
            rf"|(?:1[89]|20)\d\d-[01]\d-[0-3]\d)")
_PUBLISHED = re.compile(rf"^\s*(?:first\s+)?(?:published|posted|updated|date)(?:\s+on)?\s*:?\s*"
                        rf"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s*)?({_WRITTEN})",
                        re.IGNORECASE)
# "LONDON, March 3, 1987 (Reuters) -", "WASHINGTON, Feb 26 -" (a year is needed to be a date)
_DATELINE = re.compile(rf"^\s*[A-Z][A-Z .'-]{{1,40}},\s*({_WRITTEN})")
_WRITTEN_OR_DASHED = re.compile(rf"{_WRITTEN}|\b[0-3]?\d-{_MONTHS}-(?:1[89]|20)\d\d\b",
                                re.IGNORECASE)
_ANY = re.compile(rf"\b{_WRITTEN}\b", re.IGNORECASE)

# what may stand beside a date on a line of its own: weekday, time, time zone
_DATE_ONLY_EXTRAS = re.compile(
    r"\b(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|[0-2]?\d[:.][0-5]\d(?:[:.][0-5]\d)?"
    r"(?:\s*[ap]\.?m\.?)?|GMT|UTC|[ECMP][SD]T|BST|CET|CEST|updated|published)\b",
    re.IGNORECASE)
MIN_YEAR, MAX_YEAR = 1800, 2100


def _valid(d: date) -> str | None:
    return d.isoformat() if MIN_YEAR <= d.year <= MAX_YEAR else None


@lru_cache(maxsize=4096)
def normalise(raw: str | None) -> str | None:
    """``YYYY-MM-DD`` for a stated date, or None when it names no day (or no valid one)."""
    if not raw or not raw.strip():
        return None
    raw = " ".join(raw.split())[:120]
    m = _ISO.match(raw)
    if m:
        try:
            return _valid(date(int(m[1]), int(m[2]), int(m[3])))
        except ValueError:
            return None
    # "26-FEB-1987 15:01:01.79" (Reuters-21578): fractional seconds dateparser cannot read
    raw = re.sub(r"(\d:\d\d:\d\d)\.\d+[A-Za-z]*", r"\1", raw)
    if not re.search(r"\d", raw):
        return None
    import dateparser

    try:
        parsed = dateparser.parse(raw, languages=None, settings={
            "PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["day", "month", "year"],
            "RETURN_AS_TIMEZONE_AWARE": False})
    except (ValueError, OverflowError, TypeError):  # dateparser's own errors on odd input
        parsed = None
    if isinstance(parsed, datetime):
        return _valid(parsed.date())
    # a date followed by what no parser reads ("27-MAR-1987 03:48:23.00F RM"): the date alone
    m = _WRITTEN_OR_DASHED.search(raw)
    return normalise(m.group(0)) if m and m.group(0) != raw else None


def find_in_text(text: str, max_lines: int = 8) -> tuple[str | None, str | None]:
    """(ISO date, source) that the article's first lines state: a "Published …" line, a
    dateline, or a date on a line of its own; (None, None) when they state none."""
    lines = [ln for ln in text[:4000].splitlines() if ln.strip()][:max_lines]
    # the article's furniture: the lines before its first sentence-long line (a hard-wrapped
    # body can leave "June 19, 1987." alone on a line: that is no dateline)
    head = lines[:next((i for i, ln in enumerate(lines) if len(ln.split()) >= 8), len(lines))]
    for ln in head:
        m = _PUBLISHED.match(ln)
        if m and (iso := normalise(m.group(1))):
            return iso, "published line"
    for ln in lines:
        m = _DATELINE.match(ln)
        if m and (iso := normalise(m.group(1))):
            return iso, "dateline"
    for ln in head:
        m = _ANY.search(ln)
        rest = _DATE_ONLY_EXTRAS.sub("", ln[:m.start()] + ln[m.end():]) if m else "x"
        # a line that is the date alone (perhaps with its weekday or time), not a sentence
        if m and not rest.strip(" \t,.;:|-–—()") and (iso := normalise(m.group(0))):
            return iso, "date line"
    return None, None


def parse_user_date(value: str, *, end: bool = False) -> str:
    """A date a user typed (``--since 1987-03-01``, "March 1987", "1987"): ``YYYY-MM-DD``.
    ``end``: a month or a year means its last day. Raises ValueError with a clear reason."""
    from calendar import monthrange

    v = " ".join(str(value).split())
    if not v:
        raise ValueError("an empty date")
    if re.fullmatch(r"(?:1[89]|20)\d\d", v):
        return f"{v}-12-31" if end else f"{v}-01-01"
    m = re.fullmatch(r"((?:1[89]|20)\d\d)-([01]?\d)", v)
    if m and 1 <= int(m[2]) <= 12:
        y, mo = int(m[1]), int(m[2])
        return date(y, mo, monthrange(y, mo)[1] if end else 1).isoformat()
    if re.fullmatch(r"\d{4}-\d\d-\d\d", v):
        try:
            d = date.fromisoformat(v)
        except ValueError:
            raise ValueError(f"{value!r} is not a real day") from None
        if not _valid(d):
            raise ValueError(f"{value!r} is outside {MIN_YEAR}-{MAX_YEAR}")
        return d.isoformat()
    m = re.fullmatch(rf"({_MONTHS})\s+((?:1[89]|20)\d\d)", v, re.IGNORECASE)
    if m:
        mo = _month_number(m[1])
        y = int(m[2])
        return date(y, mo, monthrange(y, mo)[1] if end else 1).isoformat()
    iso = normalise(v)
    if iso is None:
        raise ValueError(f"cannot read {value!r} as a date (write it as YYYY-MM-DD)")
    return iso


def _month_number(name: str) -> int:
    key = name.strip(".").lower()[:3]
    return ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
            "dec"].index(key) + 1
