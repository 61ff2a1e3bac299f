"""Check written questions and turn them into the question set's records.

    python training/data/check_questions.py .cache/writing/out/batch_003.jsonl   # report
    python training/data/check_questions.py FILE... --out training/data/part.jsonl  # keep passes

A writer's line (see INSTRUCTIONS.md) is one of

    {"article": KEY, "question": Q, "answer": A, "evidence": E, "kind": K, "context": C}
    {"article": KEY, "question": Q, "answerable": false, "about": NAME}

Every check here is automatic (no model): the article exists and is allowed; the evidence is
verbatim in the article (white space aside) and holds the answer verbatim; the question ends
with "?", names something (a capitalised name or a number), does not hold the answer, shares
no run of 4 words with the answer sentence(s) or the headline beyond names and numbers, and
does not share most of its content words with the answer sentence(s); no question twice. The
records carry the answer's and the sentences' character offsets into the article's text.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from news_articles import Article, all_articles, excluded_keys, split_of

KINDS = ("who", "what", "when", "where", "how many", "how much", "which", "why", "how", "yes/no")
CONTEXTS = ("none", "headline", "neighbour")
RUN = 4  # a shared run of this many words fails unless it is mostly names and numbers
STOP = set("""a an the of to in on at for from by with about as into onto over under after
before between during than then that this these those there their its it it's his her hers
him he she they them we us our you your i me my and or but nor not no yes so if whether was
were is are be been being am do does did done has have had having will would shall should can
could may might must also just only very more most less least much many how what who whom
whose which when where why per up down out off new said says say told according reported
report reports year years month months week weeks day days time""".split())


@dataclass(frozen=True)
class Checked:
    line: int
    record: dict | None
    errors: tuple[str, ...]


def tokens(text: str) -> list[str]:
    return re.findall(r"[A-Za-z][A-Za-z'&-]*|\d[\d.,/]*", text)


def _named(question: str) -> set[str]:
    """Lower-cased words the question writes capitalised (not its first) or as numbers."""
    toks = tokens(question)
    return {t.lower() for i, t in enumerate(toks)
            if t[0].isdigit() or (i > 0 and t[0].isupper()) or (t.isupper() and len(t) > 1)}


def stem(word: str) -> str:
    w = word.lower().strip("'")
    for suf in ("ings", "ing", "ied", "ies", "ed", "es", "s", "ly"):
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            return w[: -len(suf)]
    return w


def copied_runs(question: str, text: str) -> list[str]:
    """Runs of RUN words the question shares with ``text`` that are not mostly names/numbers."""
    named = _named(question)
    q = [t.lower() for t in tokens(question)]
    grams = {tuple(t.lower() for t in g) for g in _ngrams(tokens(text), RUN)}
    out = []
    for g in _ngrams(q, RUN):
        if tuple(g) in grams and sum(t in named for t in g) <= 1:
            out.append(" ".join(g))
    return out


def _ngrams(seq: Sequence[str], n: int) -> Iterable[Sequence[str]]:
    return (seq[i:i + n] for i in range(len(seq) - n + 1))


def content_share(question: str, text: str) -> tuple[int, int]:
    """(content words of the question also in text, content words of the question), stemmed;
    names, numbers and function words are not content words."""
    named = _named(question)
    q = {stem(t) for t in tokens(question) if t.lower() not in STOP and t.lower() not in named
         and not t[0].isdigit()}
    have = {stem(t) for t in tokens(text)}
    return len(q & have), len(q)


def find(text: str, needle: str, start: int = 0, end: int | None = None) -> tuple[int, int] | None:
    """Where ``needle`` stands in ``text[start:end]``, any run of white space matching any."""
    words = needle.split()
    if not words:
        return None
    pat = r"\s+".join(re.escape(w) for w in words)
    m = re.compile(pat).search(text, start, len(text) if end is None else end)
    return (m.start(), m.end()) if m else None


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def check_line(n: int, raw: dict, arts: dict[str, Article], skip: set[str]) -> Checked:
    errs: list[str] = []
    key = raw.get("article")
    q = str(raw.get("question") or "").strip()
    a = arts.get(key) if isinstance(key, str) else None
    if a is None:
        return Checked(n, None, (f"unknown article {key!r}",))
    if key in skip:
        return Checked(n, None, (f"{key} is a measure (eval/reuters_questions.jsonl)",))
    if not q.endswith("?") or not 4 <= len(q.split()) <= 35:
        errs.append("a question of 4-35 words ending in '?'")
    if not _named(q):
        errs.append("names nothing (no capitalised name or number): not specific")
    if raw.get("answerable", True) is False:
        about = str(raw.get("about") or "")
        if not about or find(a.text + "\n" + a.title, about) is None:
            errs.append(f"'about' {about!r} is not in the article")
        rec = {"question": q, "answers": [], "sources": [], "answerable": False,
               "kind": "near-topic", "about": about, "anchor": key, "split": split_of(key)}
        return Checked(n, None if errs else rec, tuple(errs))
    answer = str(raw.get("answer") or "").strip()
    evidence = str(raw.get("evidence") or "").strip()
    kind, context = raw.get("kind"), raw.get("context", "none")
    if kind not in KINDS:
        errs.append(f"kind {kind!r} not one of {', '.join(KINDS)}")
    if context not in CONTEXTS:
        errs.append(f"context {context!r} not one of {', '.join(CONTEXTS)}")
    ev = find(a.text, evidence)
    if ev is None:
        return Checked(n, None, (*errs, "evidence not verbatim in the article"))
    ans = find(a.text, answer, ev[0], ev[1])
    if ans is None:
        return Checked(n, None, (*errs, "answer not verbatim inside the evidence"))
    if len(answer.split()) > 25:
        errs.append("answer longer than 25 words")
    sents = sentences_of(a.text, ev)
    errs += wording_errors(q, answer, " ".join(a.text[s:e] for s, e in sents), a.title)
    rec = {"question": q, "answers": [a.text[ans[0]:ans[1]]], "sources": [key],
           "answerable": True, "kind": kind, "answer_start": ans[0], "answer_end": ans[1],
           "sentences": [list(s) for s in sents], "context": context,
           "needs_context": context != "none" or needs_context(q, a, sents),
           "split": split_of(key)}
    if kind == "yes/no":
        rec["yes_no"] = str(raw.get("yes_no") or "").lower()
        if rec["yes_no"] not in ("yes", "no"):
            errs.append("a yes/no question needs \"yes_no\": \"yes\" or \"no\"")
    return Checked(n, None if errs else rec, tuple(errs))


def wording_errors(question: str, answer: str, stated: str, title: str) -> list[str]:
    """What is wrong with the wording of a question whose answer ``stated`` says."""
    errs = []
    if _norm(answer) and f" {_norm(answer)} " in f" {_norm(question)} ":
        errs.append("the answer is inside the question")
    if runs := copied_runs(question, stated + "\n" + title):
        errs.append(f"copies {runs[0]!r} from the article")
    shared, total = content_share(question, stated)
    if shared >= 2 and shared * 2 > total:
        errs.append(f"shares {shared} of its {total} content words with the answer sentence")
    return errs


def sentences_of(text: str, span: tuple[int, int]) -> list[tuple[int, int]]:
    """The sentences (askcorpus's splitter) that the evidence span overlaps."""
    from askcorpus.corpus.sentences import sentence_spans

    return [(s, e) for s, e in sentence_spans(text) if s < span[1] and e > span[0]]


def needs_context(question: str, a: Article, sents: list[tuple[int, int]]) -> bool:
    """No name the question gives is in the answer sentence(s), but one is in the headline or
    elsewhere in the article: the sentence is understood only with its neighbours."""
    names = {t for t in _named(question) if not t[0].isdigit() and len(t) > 2}
    stated = {t.lower() for s, e in sents for t in tokens(a.text[s:e])}
    rest = {t.lower() for t in tokens(a.title + " " + a.text)}
    return bool(names) and not names & stated and bool(names & rest)


def check_files(paths: Sequence[Path], arts: dict[str, Article] | None = None
                ) -> list[tuple[Path, Checked]]:
    arts = arts if arts is not None else all_articles()
    skip = excluded_keys()
    seen: dict[str, str] = {}
    out = []
    for p in paths:
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as e:
                out.append((p, Checked(n, None, (f"not JSON: {e}",))))
                continue
            c = check_line(n, raw if isinstance(raw, dict) else {}, arts, skip)
            norm = _norm(str(raw.get("question", ""))) if isinstance(raw, dict) else ""
            if c.record is not None and norm in seen:
                c = Checked(n, None, (f"the same question as {seen[norm]}",))
            elif c.record is not None:
                seen[norm] = f"{p.name}:{n}"
                c.record["writer"] = p.stem
            out.append((p, c))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, help="write the passing records here (JSONL)")
    args = ap.parse_args()
    results = check_files(args.files)
    bad = [(p, c) for p, c in results if c.errors]
    for p, c in bad:
        print(f"{p.name}:{c.line}: " + "; ".join(c.errors))
    good = [c.record for _, c in results if c.record]
    ans = sum(r["answerable"] for r in good)
    print(f"{len(results)} lines: {len(good)} pass ({ans} answerable, {len(good) - ans} "
          f"unanswerable), {len(bad)} fail")
    if args.out:
        with args.out.open("w", encoding="utf-8") as f:
            for r in good:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    sys.exit(1 if bad and not args.out else 0)


if __name__ == "__main__":
    main()
