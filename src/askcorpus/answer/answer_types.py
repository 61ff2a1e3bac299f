"""What kind of answer a question wants, and whether a sentence offers one (no model needed).

A sentence "offers" an answer when it holds a span of the wanted type that the question itself
does not already contain: a number for "how many", a year or date for "when", a name for
"who", a place for "where"/"which country", an outlet for "which paper".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMBER, DATE, PERSON, PLACE, SOURCE, ENTITY, OTHER = (
    "number", "date", "person", "place", "source", "entity", "other")

_Q_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((t, re.compile(p, re.I)) for t, p in (
    (SOURCE, r"\b(?:which|what)\s+(?:\w+\s+){0,2}(?:paper|newspaper|outlet|publication|site|"
             r"website|source|agency|broadcaster|magazine|media)\b|\boriginal source\b|"
             r"\bwho (?:reported|published|wrote|ran)\b"),
    (NUMBER, r"\bhow (?:many|much|large|big|long|far|old)\b|\bwhat (?:number|percentage|share|"
             r"proportion|amount|size)\b|\bup to how\b"),
    (DATE, r"\bwhen\b|\b(?:what|which) (?:year|date|day|month|decade|century|time)\b"),
    (PLACE, r"\bwhere\b|\b(?:what|which) (?:\w+ )?(?:country|countries|city|cities|region|"
            r"state|nation|nations|place|capital|continent|town|area|border)\b"),
    (PERSON, r"\bwho(?:m|se)?\b|\b(?:what|which) (?:\w+ )?(?:leader|president|minister|person|"
             r"official|politician|man|woman|people|general|author|chancellor|king|queen)\b"),
    (ENTITY, r"\b(?:what|which) (?:\w+ ){0,2}(?:company|organisation|organization|group|"
             r"alliance|party|team|name|allies|ally|members|partners)\b"),
))
_NUM = re.compile(r"\b\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
                  r"twelve|dozens?|hundreds?|thousands?|millions?|billions?|half)\b", re.I)
_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|"
          r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)")
_DATE = re.compile(rf"\b(?:1[5-9]\d\d|20\d\d)s?\b|\b{_MONTH}\b|\b(?:Monday|Tuesday|Wednesday|"
                   r"Thursday|Friday|Saturday|Sunday|yesterday|today|tomorrow|winter|summer|"
                   r"spring|autumn|century)\b", re.I)
_CAPS = re.compile(r"\b[A-Z][\w’'.-]*(?:\s+(?:of|de|la|von|van|al|the|and)?\s*[A-Z][\w’'.-]*)*")
_DOMAIN = re.compile(r"\b(?:www\.)?[\w-]+\.(?:com|co\.uk|org|net|news|info|ru|de|fr|eg)\b", re.I)
_TITLES = re.compile(r"\b(?:President|Minister|Prime|Chancellor|Secretary|Mr|Mrs|Ms|Dr|General|"
                     r"King|Queen|Senator|Governor|Foreign|Defence|Defense)\b")
_STOP_CAPS = {"The", "A", "An", "In", "On", "At", "As", "It", "This", "That", "These", "Those",
              "However", "But", "And", "Meanwhile", "Moreover", "Furthermore", "While", "Such",
              "According", "Thus", "If", "When", "After", "Before", "Since", "With", "For"}
_PLACES = set("""Afghanistan Albania Algeria America Armenia Asia Australia Austria Azerbaijan
Belarus Belgium Brazil Britain Bulgaria Canada China Crimea Croatia Cuba Czech Denmark Donbas
Donetsk Egypt Estonia Europe Finland France Georgia Germany Greece Hungary India Indonesia Iran
Iraq Ireland Israel Italy Japan Kazakhstan Kharkiv Kherson Korea Kosovo Kursk Kyiv Latvia
Lebanon Libya Lithuania Luhansk Mexico Moldova Moscow Netherlands Norway Odesa Pakistan Poland
Portugal Pyongyang Romania Russia Serbia Slovakia Slovenia Spain Sweden Switzerland Syria Taiwan
Turkey Ukraine Warsaw Washington Yemen London Paris Berlin Beijing Brussels Africa
Vietnam Venezuela Nigeria Saudi Qatar Ethiopia Sudan Somalia Kenya Chile Argentina
Colombia""".split())


def question_type(question: str) -> str:
    for kind, rx in _Q_RULES:
        if rx.search(question):
            return kind
    return OTHER


@dataclass(frozen=True, slots=True)
class Offer:
    """Spans of the wanted type in a sentence, as offsets relative to the sentence."""

    spans: tuple[tuple[int, int], ...]

    def __bool__(self) -> bool:
        return bool(self.spans)


def _names(sentence: str) -> list[tuple[int, int]]:
    out = []
    lead = len(sentence) - len(sentence.lstrip(" \"“‘'-•"))
    for m in _CAPS.finditer(sentence):
        words = m.group(0).split()
        s = m.start()
        while words and words[0] in _STOP_CAPS:  # sentence-initial function words
            s += len(words[0]) + 1
            words = words[1:]
        if len(words) == 1 and m.start() == lead and words[0] not in _PLACES:
            continue  # one capitalized word opening the sentence ("Recent", "Officials")
        if words:
            out.append((s, m.end()))
    return out


def answer_key(span_text: str) -> str:
    """What two typed answers must share to be the same answer: "Emmanuel Macron" ->
    "macron", "12,000 troops" -> "12,000"."""
    words = [w.strip(".,;:’'\"”“()").lower() for w in span_text.split()]
    words = [w for w in words if w]
    return (words[-1] if words and not any(ch.isdigit() for ch in span_text)
            else next((w for w in words if any(ch.isdigit() for ch in w)), ""))


def offers(qtype: str, sentence: str, question: str) -> Offer:
    """Spans in ``sentence`` of the type the question wants and that the question lacks."""
    q_low = question.lower()

    def fresh(s: int, e: int) -> bool:
        return sentence[s:e].lower().strip(" .,’'") not in q_low

    spans: list[tuple[int, int]] = []
    if qtype == NUMBER:
        spans = [m.span() for m in _NUM.finditer(sentence)
                 if not _DATE.fullmatch(m.group(0)) or "," in m.group(0)]
    elif qtype == DATE:
        spans = [m.span() for m in _DATE.finditer(sentence)]
    elif qtype == SOURCE:
        spans = [m.span() for m in _DOMAIN.finditer(sentence)]
        spans += [(s, e) for s, e in _names(sentence)
                  if re.search(r"\b(?:publication|newspaper|paper|outlet|agency|source|"
                               r"writes|reported|news)\b", sentence, re.I)]
    elif qtype == PERSON:
        spans = [(s, e) for s, e in _names(sentence)
                 if " " in sentence[s:e].strip() or _TITLES.search(sentence[max(0, s - 25):s])
                 or sentence[s:e] not in _PLACES]
    elif qtype == PLACE:
        spans = [(s, e) for s, e in _names(sentence)
                 if any(re.sub(r"[’']s$", "", w.strip(".,")) in _PLACES
                        for w in sentence[s:e].split())]
    elif qtype == ENTITY:
        spans = _names(sentence)
    return Offer(tuple((s, e) for s, e in spans if fresh(s, e)))


_COUNTED = re.compile(r"\bhow (?:many|much)\s+(?:of\s+)?(?:the\s+)?([\w’'-]+(?:\s+[\w’'-]+){0,3})",
                      re.I)
_STOP_AFTER = {"are", "is", "was", "were", "did", "do", "does", "have", "has", "had", "will",
               "would", "can", "could", "may", "might", "of", "from", "in", "on", "at", "for",
               "to", "that", "which", "who", "been", "be", "the", "a", "an"}


def counted_noun(question: str) -> str | None:
    """What a "how many" question counts: "How many Russian soldiers have …" -> "soldiers"."""
    m = _COUNTED.search(question)
    if not m:
        return None
    words: list[str] = []
    for w in m.group(1).split():
        if w.lower() in _STOP_AFTER:
            break
        words.append(w)
    return words[-1] if words else None
