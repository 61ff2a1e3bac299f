"""Wording by which an article itself marks a claim as unconfirmed or second-hand."""

from __future__ import annotations

import re

# (flag, pattern). Patterns match whole words, case-insensitively.
_RULES: tuple[tuple[str, str], ...] = (
    ("unconfirmed", r"reportedly|allegedly|alleged|unconfirmed|unverified|purportedly|"
                    r"rumou?red|speculat\w*|if confirmed|no official confirmation|"
                    r"not (?:been |yet )?(?:publicly |officially |independently )?confirmed|"
                    r"could not (?:be )?(?:independently )?(?:verify|verified|confirm)|"
                    r"reports? (?:have |has )?surfaced|reports? (?:suggest|say|said|claim)\w*|"
                    r"it is (?:assumed|believed|rumou?red)|is said to|are said to|"
                    r"estimates? suggest\w*|may be involved"),
    ("attributed", r"according to(?: \w+){0,3}|sources? (?:said|say|claim)\w*|"
                   r"according to sources|claims?|claimed|(?:the )?publication writes|"
                   r"writes about this|as the publication writes|analysts suggest"),
    ("forecast", r"is expected to|are expected to|is likely to|are likely to|could|may|might"),
)
_COMPILED = tuple((flag, re.compile(rf"\b(?:{pat})\b", re.IGNORECASE)) for flag, pat in _RULES)
_EXPECTED = re.compile(r"(?:\b\w+\s+)?\bexpected to\b", re.IGNORECASE)
# "forecast" alone is too common to show; it only joins a flag raised by the other rules.
SHOWN = ("unconfirmed", "attributed")


def flag_text(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(flags, the words that raised them) for a quote's text."""
    flags: list[str] = []
    terms: list[str] = []
    for flag, rx in _COMPILED:
        found = [m.group(0) for m in rx.finditer(text)]
        if found and flag in SHOWN:
            flags.append(flag)
            terms.extend(found)
    expected = _EXPECTED.search(text)
    if expected and "unconfirmed" not in flags:
        flags.append("unconfirmed")
        terms.append(expected.group(0))
    return tuple(flags), tuple(dict.fromkeys(terms))


_DOUBT = re.compile(
    r"\b(?:not (?:been |yet )?(?:publicly |officially |independently )?confirmed|"
    r"no official confirmation|unconfirmed|unverified|could not (?:be )?(?:verified|confirmed)|"
    r"den(?:y|ies|ied)|dismiss(?:ed|es)|reject(?:ed|s)|refut(?:ed|es)|false|fake|disputed?|"
    r"contradict\w*|allegedly|baseless|no evidence|remains? unclear|if confirmed)\b", re.I)


def doubts(text: str) -> bool:
    """Does the sentence itself cast doubt on a claim (unconfirmed, denied, disputed)?"""
    return bool(_DOUBT.search(text))
