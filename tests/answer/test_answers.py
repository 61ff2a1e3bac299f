"""What answers promise, with the real model on the seed corpus."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from askcorpus.config import Settings
from askcorpus.corpus.sentences import sentence_spans
from askcorpus.pipeline import Pipeline
from tests.conftest import ROOT, SHARED_DATA

pytestmark = pytest.mark.integration


def _original(settings: Settings, path: str) -> str:
    return (settings.corpus / path).read_text(encoding="utf-8")


def test_quotes_are_verbatim_sentences_with_a_marked_span(real_pipeline: Pipeline,
                                                          real_index: Settings) -> None:
    ans = real_pipeline.ask("How many North Korean soldiers are fighting for Russia?", k=5)
    assert ans.answered and ans.quotes
    for q in ans.quotes:
        text = _original(real_index, q.doc.path)
        assert text[q.start:q.end] == q.text
        assert q.start <= q.span_start < q.span_end <= q.end  # type: ignore[operator]
        assert 1 <= len(sentence_spans(q.text)) <= 3
    top = ans.quotes[0]
    assert top.doc.path == "003_40e451d91cf98c43.txt"
    assert _original(real_index, top.doc.path)[top.span_start:top.span_end] == "12,000"
    assert "unconfirmed" in top.flags  # "estimates suggesting ... may be involved"


def test_several_articles_agree(real_pipeline: Pipeline) -> None:
    ans = real_pipeline.ask("Who proposed sending NATO troops to Ukraine for training?", k=5)
    d = ans.to_dict()
    paths = {q["path"] for q in d["quotes"]}
    assert {"000_c79d4084c955e875.txt", "002_77ae12affba87779.txt"} <= paths
    assert any("Macron" in q["text"] for q in d["quotes"])
    assert d["agree_count"] >= 2 and f"{d['agree_count']} articles agree" in d["message"]
    assert [a["doc_id"] for a in d["articles"]] == list(dict.fromkeys(
        q["doc_id"] for q in d["quotes"]))  # grouped by article, best first


def test_unconfirmed_claim_is_flagged_and_contested(real_pipeline: Pipeline) -> None:
    d = real_pipeline.ask("Are NATO and the US really mobilizing 800,000 troops for Ukraine?",
                          k=5).to_dict()
    assert d["answered"]
    big = [q for q in d["quotes"] if "800,000" in q["text"]]
    assert big and "unconfirmed" in big[0]["flags"]
    assert d["disputed"] and "Contested" in d["message"]
    assert {q["stance"] for q in d["quotes"]} >= {"reports", "doubts"}


@pytest.mark.parametrize("question", ["What is the capital of Peru?",
                                      "Who won the last football World Cup?",
                                      "When did Finland join NATO?"])
def test_abstains_when_no_article_answers(real_pipeline: Pipeline, question: str) -> None:
    ans = real_pipeline.ask(question)
    assert not ans.answered and ans.quotes == ()
    assert ans.message == "No article in the corpus answers this."
    assert ans.related  # the closest passages, kept apart


def test_follow_ups(real_pipeline: Pipeline, real_index: Settings) -> None:
    first = "Who proposed sending NATO troops to Ukraine for training?"
    ans = real_pipeline.ask("How did Russia react to that?", history=[first], k=3)
    assert ans.resolved_question and first in ans.resolved_question
    assert ans.answered
    # Russia's answer to the training proposal: "They warned that any foreign instructors in
    # Ukraine would be considered valid targets" continues "...met with criticism from
    # Russia." Sentence vectors pooled in context rank it 8th here (the context pair scores
    # 0.61 against 0.69 embedded alone): the one seed follow-up that pooling loses, kept
    # visible with ASKCORPUS_SENTENCE_VECTORS=embed (see docs/BENCHMARKS.md).
    embed = Pipeline(real_index.replace(sentence_vectors="embed"),
                     embedder=real_pipeline.query_embedder)
    ans = embed.ask("How did Russia react to that?", history=[first], k=3)
    assert ans.answered and any("valid targets" in q.text for q in ans.quotes)
    ans = real_pipeline.ask("And Germany?",
                            history=["Did the United States oppose the Polish initiative?"], k=3)
    assert ans.resolved_question == "Did Germany oppose the Polish initiative?"
    assert any("the United States and Germany opposed" in q.text for q in ans.quotes)


def test_near_duplicates_count_once(tmp_path: Path, real_pipeline: Pipeline) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(Path(__file__).resolve().parents[2] / "corpus", corpus)
    src = corpus / "003_40e451d91cf98c43.txt"
    (corpus / "syndicated").mkdir()
    copy = src.read_text().replace("Ukraine War Intensifies", "War in Ukraine intensifies")
    (corpus / "syndicated" / "copy.txt").write_text(copy + "\nReprinted with permission.")
    settings = Settings(corpus=corpus, index=tmp_path / "index")
    p = Pipeline(settings, embedder=real_pipeline.embedder)
    p.index()
    d = p.ask("How many North Korean soldiers are fighting for Russia?", k=5).to_dict()
    twelve = [q for q in d["quotes"] if "12,000" in q["text"]]
    assert len(twelve) == 1  # the copy is not a second, "agreeing" article
    assert set(twelve[0]["paths"]) == {"003_40e451d91cf98c43.txt", "syndicated/copy.txt"}
    p.close()


class _Reverse:
    name = "reverse"

    def score(self, question: str, texts: list[str]) -> np.ndarray:
        return -np.arange(len(texts), dtype=np.float32)[::-1]  # last hit first


def test_reranker_slot(real_index: Settings, real_pipeline: Pipeline) -> None:
    from askcorpus.answer.rerank import ReaderReranker

    # askcorpus's own reader fills the slot by default
    ans = real_pipeline.ask("What did Iran give Russia?", mode="rerank")
    assert isinstance(real_pipeline._reranker, ReaderReranker)
    assert ans.answered and ans.extra["mode"] == "rerank"
    docs = real_pipeline.rank_documents("What did Iran give Russia?", mode="rerank")
    hybrid = real_pipeline.rank_documents("What did Iran give Russia?", mode="hybrid")
    assert {d.id for d in docs} == {d.id for d in hybrid}  # the same articles, re-ordered
    p = Pipeline(real_index, embedder=real_pipeline.embedder, reranker=_Reverse())
    docs = p.rank_documents("What did Iran give Russia?", mode="rerank")
    plain = p.rank_documents("What did Iran give Russia?", mode="hybrid")
    assert [d.id for d in docs] != [d.id for d in plain]
    assert p.ask("What did Iran give Russia?", mode="rerank").quotes
    p.close()


BBC = SHARED_DATA / "news" / "bbc_news" / "raw"


@pytest.mark.skipif(not BBC.is_dir(), reason="../shared/data/news missing")
def test_abstains_on_news_that_does_not_cover_the_question(tmp_path: Path) -> None:
    """The seed questions asked of real news from 2004-2005 (nothing on this war): abstain.

    A guard on 100 BBC articles (the full-size measurement, 2,225 articles, is
    `benchmarks/tune_answer.py collect-ooc`: 80 % there)."""
    from askcorpus.evaluation.questions import load_questions

    for cat in sorted(p for p in BBC.iterdir() if p.is_dir()):
        (tmp_path / "corpus" / cat.name).mkdir(parents=True)
        for f in sorted(cat.glob("*.txt"))[:20]:
            shutil.copy(f, tmp_path / "corpus" / cat.name / f.name)
    pipe = Pipeline(Settings(corpus=tmp_path / "corpus", index=tmp_path / "index"))
    try:
        pipe.index()
        qs = [q for q in load_questions(ROOT / "eval" / "seed_questions.jsonl")
              if not q.follow_up_of]
        answers = [pipe.ask(q.question) for q in qs]
    finally:
        pipe.close()
    answered = [(q.question, a.quotes[0].text[:60]) for q, a in zip(qs, answers) if a.answered]
    assert len(qs) >= 50
    assert len(answered) <= 0.1 * len(qs), answered
    assert all(a.related for a in answers if not a.answered)  # the closest text, kept apart


_SAME_ANSWERS = """
import json, sys
from pathlib import Path
from askcorpus.config import Settings
from askcorpus.pipeline import Pipeline
pipe = Pipeline(Settings(corpus=Path(sys.argv[1]), index=Path(sys.argv[2])))
out = []
for q in sys.argv[3:]:
    a = pipe.ask(q)
    out.append([a.answered, round(a.confidence, 6)] +
               [[x.doc.path, x.start, x.end, round(x.score, 6)] for x in a.quotes + a.related])
print(json.dumps(out))
"""


def test_answers_do_not_depend_on_the_process(real_index: Settings) -> None:
    """The same question gives the same quotes in every process: Python salts string hashes
    per process, so nothing in the answer stage may follow a set's order (it once did: the
    question's key terms among equal weights, 9 of the seed questions changed)."""
    import os
    import subprocess
    import sys

    questions = ["At which meeting did Zelensky make his appeal to allies?",
                 "Which country did the US and Britain help defend from Houthi and Iranian air "
                 "attacks?", "What is the original source of the story about North Korean "
                 "soldiers backing Russia?", "How many tanks did Germany send to Ukraine?",
                 "Are Kyiv's allies still shipping weapons and aid?"]
    runs = []
    for seed in ("1", "2"):
        proc = subprocess.run([sys.executable, "-c", _SAME_ANSWERS, str(real_index.corpus),
                               str(real_index.index), *questions], capture_output=True,
                              text=True, env={**os.environ, "PYTHONHASHSEED": seed},
                              timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
        runs.append(proc.stdout)
    assert runs[0] == runs[1]
