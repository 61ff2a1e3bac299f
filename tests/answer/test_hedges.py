"""The wording rules that flag a quote as unconfirmed or second-hand."""

from __future__ import annotations

import pytest

from askcorpus.answer.hedges import doubts, flag_text


@pytest.mark.parametrize("text, flag, term", [
    ("Reports have surfaced that troops moved.", "unconfirmed", "Reports have surfaced"),
    ("The troops are reportedly in Kursk.", "unconfirmed", "reportedly"),
    ("There is no official confirmation of the deal.", "unconfirmed", "no official confirmation"),
    ("According to sources, the talks failed.", "attributed", "According to sources"),
    ("Troops are expected to arrive in March.", "unconfirmed", "are expected to"),
    # a quote may begin with the phrase itself (a sentence fragment after a list or heading)
    ("expected to arrive in March, officials said.", "unconfirmed", "expected to"),
    ("Expected to close.", "unconfirmed", "Expected to"),
])
def test_flags_and_the_words_that_raised_them(text: str, flag: str, term: str) -> None:
    flags, terms = flag_text(text)
    assert flag in flags
    assert term in terms


@pytest.mark.parametrize("text", [
    "The ministry confirmed that 12,000 soldiers arrived.",
    "The result was unexpected to most observers.",  # "unexpected to" is not a hedge
    "",
])
def test_plain_statements_carry_no_flag(text: str) -> None:
    assert flag_text(text) == ((), ())


def test_doubt_words() -> None:
    assert doubts("NATO and U.S. officials have not publicly confirmed the reported plans.")
    assert doubts("The Kremlin denied the report.")
    assert not doubts("The Kremlin confirmed the report.")
