"""Time in a question: "in March 1987", "last week", "since January", "before 3 March 1987".

``find_time`` recognises an absolute or relative expression and resolves it against a
reference day (``as_of``) into a :class:`TimeWindow`: an inclusive range of ISO days. A window
the user gives (``--since`` / ``--until``) is made by ``user_window``. ``label`` says it in
words: "1–31 March 1987".

A time relative to an event ("before the summit", "after the Louvre accord", "since the
proposal") is found by ``find_event``; the pipeline dates the event from the articles retrieved
for the question (the earliest dated one that ``mentions`` it) and ``event_window`` makes the
window. ``find_preference`` finds "latest", "most recent", "earliest", "first reported": no
window, a preference for the newest (or earliest) of the quotes that answer.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ..corpus.dates import parse_user_date
from ..errors import QuestionError

_MONTH_NAMES = ["january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december"]
_MON = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
        r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_YEAR = r"(?:1[89]|20)\d\d"
_DAY = r"[0-3]?\d(?:st|nd|rd|th)?"
# one point in time: a day, a month (with or without year) or a year; each form is read by
# the pattern of the same name in _FORMS
_FORMS = {
    "mdy": rf"(?P<mon>{_MON})\s+(?P<day>{_DAY}),?\s+(?P<year>{_YEAR})",
    "dmy": rf"(?P<day>{_DAY})\s+(?P<mon>{_MON}),?\s+(?P<year>{_YEAR})",
    "my": rf"(?P<mon>{_MON}),?\s+(?:of\s+)?(?P<year>{_YEAR})",
    "iso": rf"(?P<iso>{_YEAR}-[01]\d-[0-3]\d)",
    "md": rf"(?P<mon>{_MON})\s+(?P<day>{_DAY})",
    "dm": rf"(?P<day>{_DAY})\s+(?P<mon>{_MON})",
    "m": rf"(?P<mon>{_MON})",
    "y": rf"(?P<year>{_YEAR})",
}
_FORMS_RE = {k: re.compile(rf"^{v}$", re.IGNORECASE) for k, v in _FORMS.items()}
_POINT = "(?:" + "|".join(re.sub(r"\(\?P<\w+>", "(?:", v) for v in _FORMS.values()) + ")"
_RELATIVE = re.compile(
    r"\b(?P<rel>yesterday|today|this (?:week|month|year)|last (?:week|month|year)"
    r"|(?:in |over |during )?the (?:last|past) (?:(?P<n>\d{1,3}|two|three|four|five|six|seven|"
    r"eight|nine|ten|few) )?(?P<unit>days?|weeks?|months?|years?))\b", re.IGNORECASE)
_PREPOSITIONS = (r"(?P<prep>in|during|on|since|before|after|until|till|by|as of|from|"
                 r"between|throughout|through)")
_ABSOLUTE = re.compile(
    rf"\b{_PREPOSITIONS}\s+(?P<part>early\s+|late\s+|mid-?\s*)?(?P<a>{_POINT})"
    rf"(?:\s+(?:and|to|until|through|-|–)\s+(?P<b>{_POINT}))?(?![\w/-])",
    re.IGNORECASE)
# "the week of 2 March 1987", "the first week of March 1987"
_WEEK_OF = re.compile(rf"\b(?:(?:in|during)\s+)?the\s+"
                      rf"(?:(?P<nth>first|second|third|fourth|last)\s+)?week\s+"
                      rf"(?:of|beginning|starting)\s+(?P<a>{_POINT})(?![\w-])", re.IGNORECASE)
_WEEK_ENDED = re.compile(rf"\b(?:(?:in|during)\s+)?the\s+week\s+(?:ended|ending|to)\s+"
                         rf"(?P<a>{_POINT})(?![\w-])", re.IGNORECASE)
# "between 20 and 31 March 1987"
_DAYS_OF = re.compile(rf"\b(?:between|from)\s+(?P<d1>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:and|to|-|–)\s+"
                      rf"(?P<a>{_DAY}\s+{_MON},?\s+{_YEAR}|{_MON}\s+{_DAY},?\s+{_YEAR})(?![\w-])",
                      re.IGNORECASE)
_PART = re.compile(r"^(?:(?P<part>early|mid-?|late)\s*)", re.IGNORECASE)
_AGO = re.compile(r"\b(?P<n>\d{1,3}|a|one|two|three|four|five|six|seven|eight|nine|ten)\s+"
                  r"(?P<unit>days?|weeks?|months?|years?)\s+ago\b", re.IGNORECASE)
_EARLIER = re.compile(r"\b(?:earlier|previously)\s+this\s+(?P<unit>week|month|year)\b"
                      r"|\bsince\s+the\s+(?:start|beginning)\s+of\s+the\s+"
                      r"(?P<unit2>week|month|year)\b",
                      re.IGNORECASE)

_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10, "few": 3}


@dataclass(frozen=True)
class TimeWindow:
    """Articles dated ``since`` … ``until`` (ISO days, inclusive; None: open)."""

    since: str | None
    until: str | None
    expression: str | None = None  # the words of the question that said it; None: the user
    as_of: str | None = None  # the reference day a relative expression was resolved against
    event: str | None = None  # "the Louvre accord": the window is before / after it
    event_date: str | None = None  # the day the event was dated to (its first article's)

    @property
    def label(self) -> str:
        if self.event and self.event_date:
            when = _fmt(date.fromisoformat(self.event_date))
            return f"before {when}" if self.until else f"on or after {when}"
        return label(self.since, self.until)

    def to_dict(self) -> dict[str, str | None]:
        d = {"since": self.since, "until": self.until, "expression": self.expression,
             "as_of": self.as_of, "label": self.label}
        if self.event:
            d.update(event=self.event, event_date=self.event_date)
        return d


def _fmt(d: date) -> str:
    return f"{d.day} {_MONTH_NAMES[d.month - 1].title()} {d.year}"


def label(since: str | None, until: str | None) -> str:
    """ "1–31 March 1987", "3 March 1987", "since 1 March 1987", "until 31 May 1987"."""
    a = date.fromisoformat(since) if since else None
    b = date.fromisoformat(until) if until else None
    if a and b:
        if a == b:
            return _fmt(a)
        if a.year == b.year and a.month == b.month:
            return f"{a.day}–{b.day} {_MONTH_NAMES[a.month - 1].title()} {a.year}"
        if a.year == b.year:
            return (f"{a.day} {_MONTH_NAMES[a.month - 1].title()} – "
                    f"{b.day} {_MONTH_NAMES[b.month - 1].title()} {a.year}")
        return f"{_fmt(a)} – {_fmt(b)}"
    if a:
        return f"on or after {_fmt(a)}"
    if b:
        return f"on or before {_fmt(b)}"
    return "any date"


def user_window(since: str | None, until: str | None) -> TimeWindow | None:
    """The window ``--since`` / ``--until`` give (a month or a year: all of it), or None.
    Raises QuestionError for an unreadable date or a range that ends before it starts."""
    since = since.strip() if isinstance(since, str) and since.strip() else None
    until = until.strip() if isinstance(until, str) and until.strip() else None
    if since is None and until is None:
        return None
    try:
        a = parse_user_date(since) if since else None
        b = parse_user_date(until, end=True) if until else None
    except ValueError as e:
        raise QuestionError(f"bad date: {e}") from None
    if a and b and a > b:
        raise QuestionError(f"--since {since} is after --until {until}: the range is empty")
    return TimeWindow(a, b)


def parse_as_of(value: str | None) -> date | None:
    if value is None or not str(value).strip():
        return None
    try:
        return date.fromisoformat(parse_user_date(str(value)))
    except ValueError as e:
        raise QuestionError(f"bad --as-of date: {e}") from None


def _month(name: str) -> int:
    return _MONTH_NAMES.index(next(m for m in _MONTH_NAMES if m.startswith(name[:3].lower()))) + 1


def _point(text: str, as_of: date) -> tuple[date, date]:
    """The first and last day a matched point means (a month or a day without a year: the
    latest one on or before ``as_of``)."""
    g: dict[str, str] = {}
    for rx in _FORMS_RE.values():
        m = rx.match(" ".join(text.split()))
        if m:
            g = {k: v for k, v in m.groupdict().items() if v}
            break
    if "iso" in g:
        d = date.fromisoformat(g["iso"])
        return d, d
    year = int(g["year"]) if "year" in g else None
    if "mon" in g:
        mon = _month(g["mon"])
        day = int(re.sub(r"\D", "", g["day"])) if "day" in g else None
        if year is None:
            year = as_of.year if (mon, day or 1) <= (as_of.month, as_of.day) else as_of.year - 1
        if day is not None:
            d = date(year, mon, day)
            return d, d
        return date(year, mon, 1), date(year, mon, monthrange(year, mon)[1])
    if year is None:
        raise ValueError(text)
    return date(year, 1, 1), date(year, 12, 31)


def _relative(m: re.Match[str], as_of: date) -> tuple[date, date]:
    rel = m["rel"].lower()
    if rel == "today":
        return as_of, as_of
    if rel == "yesterday":
        d = as_of - timedelta(days=1)
        return d, d
    if rel == "this week":
        return as_of - timedelta(days=as_of.weekday()), as_of
    if rel == "this month":
        return as_of.replace(day=1), as_of
    if rel == "this year":
        return as_of.replace(month=1, day=1), as_of
    if rel == "last week":
        start = as_of - timedelta(days=as_of.weekday() + 7)
        return start, start + timedelta(days=6)
    if rel == "last month":
        end = as_of.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if rel == "last year":
        return date(as_of.year - 1, 1, 1), date(as_of.year - 1, 12, 31)
    n_raw = (m["n"] or "1").lower()
    n = int(n_raw) if n_raw.isdigit() else _NUMBERS[n_raw]
    unit = m["unit"].lower().rstrip("s")
    days = {"day": 1, "week": 7, "month": 30, "year": 365}[unit] * n
    return as_of - timedelta(days=days - 1 if unit == "day" else days), as_of


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _special(question: str, as_of: date) -> TimeWindow | None:
    """Weeks, day ranges inside a month, "two weeks ago", "earlier this month"."""
    def window(a: date, b: date, m: re.Match[str]) -> TimeWindow:
        return TimeWindow(a.isoformat(), b.isoformat(), expression=m.group(0).strip(),
                          as_of=as_of.isoformat())

    try:
        m = _WEEK_OF.search(question)
        if m:
            a0, a1 = _point(m["a"], as_of)
            nth = (m["nth"] or "").lower()
            if nth and (a1 - a0).days >= 27:
                if nth == "last":
                    return window(a1 - timedelta(days=6), a1, m)
                k = ["first", "second", "third", "fourth"].index(nth)
                start = a0 + timedelta(days=7 * k)
                return window(start, start + timedelta(days=6), m)
            return window(a0, a0 + timedelta(days=6), m)
        m = _WEEK_ENDED.search(question)
        if m:
            a0, a1 = _point(m["a"], as_of)
            return window(a1 - timedelta(days=6), a1, m)
        m = _DAYS_OF.search(question)
        if m:
            a0, a1 = _point(m["a"], as_of)
            first = a0.replace(day=int(m["d1"]))
            if first > a0:
                raise QuestionError(f"“{m.group(0).strip()}” ends before it starts")
            return window(first, a1, m)
    except ValueError:
        raise QuestionError(f"“{m.group(0).strip()}” names no real day") from None
    m = _AGO.search(question)
    if m:
        n_raw = m["n"].lower()
        n = int(n_raw) if n_raw.isdigit() else _NUMBERS[n_raw]
        unit = m["unit"].lower().rstrip("s")
        if unit == "day":
            d = as_of - timedelta(days=n)
            return window(d, d, m)
        if unit == "week":
            start = _monday(as_of) - timedelta(days=7 * n)
            return window(start, start + timedelta(days=6), m)
        if unit == "month":
            y, mo = divmod(as_of.year * 12 + as_of.month - 1 - n, 12)
            return window(date(y, mo + 1, 1), date(y, mo + 1, monthrange(y, mo + 1)[1]), m)
        return window(date(as_of.year - n, 1, 1), date(as_of.year - n, 12, 31), m)
    m = _EARLIER.search(question)
    if m:
        unit = (m["unit"] or m["unit2"]).lower()
        start = {"week": _monday(as_of), "month": as_of.replace(day=1),
                 "year": as_of.replace(month=1, day=1)}[unit]
        end = as_of - timedelta(days=1) if m["unit"] else as_of
        return window(start, max(start, end), m)
    return None


def find_time(question: str, as_of: date) -> TimeWindow | None:
    """The window a time expression in the question means, resolved against ``as_of``; None
    when the question states no time."""
    special = _special(question, as_of)
    if special is not None:
        return special
    m = _ABSOLUTE.search(question)
    if m:
        try:
            a0, a1 = _point(m["a"], as_of)
            b = _point(m["b"], as_of) if m["b"] else None
        except ValueError:  # "February 30, 1987": no such day
            raise QuestionError(f"“{m.group(0).strip()}” names no real day") from None
        prep = m["prep"].lower()
        if b is not None:
            since, until = a0, b[1]
            if since > until:
                raise QuestionError(f"“{m.group(0).strip()}” ends before it starts")
        elif prep == "since" or prep == "from":
            since, until = a0, as_of if as_of >= a0 else None
        elif prep in ("after",):
            since, until = a1 + timedelta(days=1), None
        elif prep in ("before",):
            since, until = None, a0 - timedelta(days=1)
        elif prep in ("until", "till", "by", "as of"):
            since, until = None, a1
        else:
            since, until = a0, a1
            part = (m["part"] or "").strip().lower().rstrip("-")
            if part and (a1 - a0).days >= 27:  # early / mid / late March: thirds of a month
                start = {"early": 0, "mid": 10, "late": 20}[part]
                since = a0 + timedelta(days=start)
                until = a0 + timedelta(days=start + 9) if part != "late" else a1
        return TimeWindow(since.isoformat() if since else None,
                          until.isoformat() if until else None,
                          expression=m.group(0).strip(), as_of=as_of.isoformat())
    r = _RELATIVE.search(question)
    if r:
        a, b = _relative(r, as_of)
        return TimeWindow(a.isoformat(), b.isoformat(), expression=r.group(0).strip(),
                          as_of=as_of.isoformat())
    return None


# -- events ("before the summit") ---------------------------------------------------------------
_EVENT = re.compile(r"\b(?P<prep>before|ahead\s+of|prior\s+to|after|since|following|"
                    r"in\s+the\s+wake\s+of)\s+(?P<the>the\s+)(?P<rest>[^,?;:!()\"“”]+)",
                    re.IGNORECASE)
# what ends an event's words: a verb, a pronoun, a conjunction, a question word
_EVENT_STOP = frozenset("""was were is are be been being did does do had has have will would could
should can may might must and or but nor when what how why who whom whose which that than then
there it its they their them he his she her we our you your this these those as if so because
while whether""".split())
_EVENT_FILLER = frozenset("of the a an in on at for to by with from about over into 's".split())
# "before the end of March", "after the close", "since the start of the year": times, not events
_NOT_EVENTS = frozenset("""end start beginning middle weekend week month year quarter day days
time close open opening moment past previous last first next same latter former""".split())
_EVENT_MAX_WORDS = 6
_EVENT_WINDOW = 8  # an article mentions the event when its words stand this close together


@dataclass(frozen=True)
class EventRef:
    """A time relative to an event in a question: ``direction`` "before" or "after"."""

    direction: str
    event: str  # "the Louvre accord"
    expression: str  # "after the Louvre accord": the question's words
    words: tuple[str, ...]  # what an article must mention: ("louvre", "accord")


def find_event(question: str) -> EventRef | None:
    """A time relative to an event ("before the summit", "following the OPEC meeting"), or
    None. Times ("before the end of March") are not events."""
    for m in _EVENT.finditer(question):
        tokens: list[str] = []
        for tok in m["rest"].split():
            bare = tok.strip(".'’").lower()
            if not bare or bare in _EVENT_STOP or len(tokens) == _EVENT_MAX_WORDS:
                break
            tokens.append(tok)
            if tok.endswith(".") and not re.fullmatch(r"(?:[A-Za-z]\.)+", tok):
                break  # a sentence ends (U.S. does not)
        while tokens and tokens[-1].strip(".").lower() in _EVENT_FILLER:
            tokens.pop()
        if tokens and tokens[-1].endswith(".") and not re.fullmatch(r"(?:[A-Za-z]\.)+",
                                                                     tokens[-1]):
            tokens[-1] = tokens[-1].rstrip(".")
        words = tuple(w for w in (_event_word(t) for t in tokens)
                      if w and w not in _EVENT_FILLER)
        if not words or words[0] in _NOT_EVENTS or any(_dateish(w) for w in words):
            continue  # "before the July 1 deadline" names a day: not an event to date
        event = "the " + " ".join(tokens)
        prep = " ".join(m["prep"].split()).lower()
        direction = "before" if prep in ("before", "ahead of", "prior to") else "after"
        return EventRef(direction, event, f"{m['prep']} {event}", words)
    return None


def _dateish(word: str) -> bool:
    """A month's name or a day's number (a year is fine: "the 1985 Plaza accord")."""
    return (word.isdigit() and int(word) <= 31) or re.fullmatch(_MON, word) is not None


def _event_word(token: str) -> str:
    w = re.sub(r"['’]s$", "", token.lower()).strip(".,'’\"")
    return re.sub(r"[^a-z0-9]", "", w)


def mentions(text: str, words: tuple[str, ...], window: int = _EVENT_WINDOW) -> bool:
    """Whether ``text`` mentions every one of ``words`` within ``window`` words of each other
    (in any order; a word matches its plural or possessive: "accord" matches "accords")."""
    tokens = [t.replace(".", "") for t in
              re.findall(r"\b(?:[a-z]\.){2,}|[a-z0-9]+", text.lower())]  # "U.S." is "us"
    want = list(dict.fromkeys(words))
    found: list[tuple[int, int]] = []  # (position, which word)
    for i, tok in enumerate(tokens):
        for j, w in enumerate(want):
            if tok == w or (tok.startswith(w) and len(tok) - len(w) <= 2
                            and tok[len(w):] in ("s", "es")):
                found.append((i, j))
    if {j for _, j in found} != set(range(len(want))):
        return False
    last: dict[int, int] = {}
    for pos, j in found:  # the latest position of each word; all close to this one?
        last[j] = pos
        if len(last) == len(want) and pos - min(last.values()) < window:
            return True
    return False


def event_window(ref: EventRef, event_date: str) -> TimeWindow:
    """Before the event: until the day before it; after / since it: from its day on."""
    d = date.fromisoformat(event_date)
    if ref.direction == "before":
        return TimeWindow(None, (d - timedelta(days=1)).isoformat(), expression=ref.expression,
                          event=ref.event, event_date=event_date)
    return TimeWindow(event_date, None, expression=ref.expression, event=ref.event,
                      event_date=event_date)


# -- "latest", "earliest": a preference, not a window -------------------------------------------
_NEWEST = re.compile(r"\b(?:latest|newest|most\s+recent(?:ly)?|most\s+up[- ]to[- ]date|"
                     r"last\s+reported)\b", re.IGNORECASE)
_EARLIEST = re.compile(r"\b(?:(?<!at the )earliest|first\s+(?:reported|announced|disclosed)|"
                       r"initially\s+reported|first\s+reports?)\b", re.IGNORECASE)


@dataclass(frozen=True)
class TimePreference:
    prefer: str  # "newest" or "earliest"
    expression: str  # the question's words: "latest"

    def to_dict(self) -> dict[str, str]:
        return {"prefer": self.prefer, "expression": self.expression}


def find_preference(question: str) -> TimePreference | None:
    """ "latest", "most recent", "newest" -> newest first; "earliest", "first reported" ->
    earliest first; None when the question says neither (or both)."""
    new, old = _NEWEST.search(question), _EARLIEST.search(question)
    if bool(new) == bool(old):
        return None
    m = new or old
    assert m is not None
    return TimePreference("newest" if new else "earliest", " ".join(m.group(0).split()))


def time_statement(t: Mapping[str, Any]) -> str:
    """What an answer says about the time it was limited to: "From articles dated 1–31 March
    1987 (“in March 1987”, 12 articles in range, 3 undated included)." A relative expression
    names the day it was resolved against."""
    said = f"“{t['expression']}”, " if t.get("expression") else ""
    if t.get("expression") and t.get("as_of") and not re.search(r"\d{4}", t["expression"]):
        said = f"“{t['expression']}” as of {t['as_of']}, "
    n, u = t["articles_in_range"], t["undated_articles"]
    undated = (f"{u} undated included" if t["undated"] == "include"
               else "undated excluded")
    return (f"From articles dated {t['label']}{event_clause(t)} ({said}{n} "
            f"article{'s' * (n != 1)} in range, {undated}).")


def event_clause(t: Mapping[str, Any]) -> str:
    """ ", when the first retrieved article on the Louvre accord is dated" (or "")."""
    if not t.get("event"):
        return ""
    return f", when the first retrieved article on {t['event']} is dated"
