"""Multi-article exports split into their articles: LexisNexis TXT and Nexis Uni DOCX (the
real sample files in ../shared/data/exports/lexisnexis/, skipped where absent) and Factiva RTF
and HTML (fixtures built here from Factiva's documented field layout: see
fixtures/factiva/README.md). Every article found, every field as the file states it, and
offsets into the file's text."""

from __future__ import annotations

from pathlib import Path

import pytest

from askcorpus.corpus.formats.lexisnexis import read_docx, read_txt
from askcorpus.corpus.formats.word import docx_text
from askcorpus.corpus.ingest import decode, load_corpus, read_file
from askcorpus.types import Document, Skipped
from tests.conftest import SHARED_DATA

LN = SHARED_DATA / "exports" / "lexisnexis"
FACTIVA = Path(__file__).parent / "fixtures" / "factiva"
needs_ln = pytest.mark.skipif(not (LN / "sample.TXT").is_file(), reason="no LexisNexis samples")

TXT_ARTICLES = [  # (N of 10, title, outlet, date, byline, length), read off sample.TXT
    ("1", "Lorem ipsum dolor sit amet", "Guardian.com", "2010-01-11",
     "Andrew Sparrow", "355 words"),
    ("2", "Lorem ipsum dolor sit amet", "Guardian", "2010-01-11", "Simon Tisdall",
     "927 words"),
    ("3", "Lorem ipsum dolor sit amet", "The Sun (England)", "2010-01-11",
     "TREVOR Kavanagh", "677 words"),
    ("4", "Lorem ipsum dolor sit amet, consectetur adipiscing elit", "The Times (London)",
     "2010-01-11", "Tom Coghlan", "453 words"),
    ("5", "Lorem ipsum dolor sit amet, consectetur adipiscing elit. Etiam lacinia elementum "
     "sapien?; eget aliquet ex finibus ut.", "The Times (London)", "2010-01-11",
     "William Rees-Mogg", "918 words"),
    ("6", "Lorem ipsum dolor sit amet, consectetur adipiscing elit. Etiam lacinia elementum "
     "sapien, eget aliquet", "The Times (London)", "2010-01-11", "Tom Coghlan",
     "471 words"),
    ("7", "ranch noble ash voice declaration", "Guardian", "2010-01-08",
     "Allegra Stratton", "607 words"),
    ("8", "PRISONER OF HIS OWN CABINET", "MAIL ON SUNDAY (London)", "2010-01-10",
     "BY STEPHEN POLLARD", "698 words"),
    ("9", "R (programming language) on Wikipedia", "Sunday Mirror", "2010-01-10",
     "Ross Ihaka and Robert Gentleman", "446 words"),
    ("10", "Wikipedia", "DAILY MAIL (London)", "2010-01-09", None,
     "2,968 words"),
]
GUARDIAN = "The Guardian(London)"
DOCX_ARTICLES = [  # read off sample.DOCX (Nexis Uni)
    ("1", "Lorem ipsum dolor sit amet", "2019-07-01",
     "Mattha Busby (now), Andrew Sparrow (earlier)", "355 words"),
    ("2", "Lorem ipsum dolor sit amet", "2019-07-02", "Andrew Sparrow",
     "571 words"),
    ("3", "Lorem ipsum dolor sit amet", "2019-07-04",
     "Daniel Boffey in Brussels", "641 words"),
    ("4", "Lorem ipsum dolor sit amet, consectetur adipiscing elit",
     "2019-07-03", "Heather Stewart", "663 words"),
    ("5", "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
     "2019-07-04", "Andrew Sparrow and Kevin Rawlinson", "17366 words"),
    ("6", "Lorem ipsum dolor sit amet, consectetur adipiscing elit. Etiam lacinia elementum "
     "sapien, eget aliquet", "2019-07-02",
     "Lisa O'Carroll Sample File correspondent", "967 words"),
    ("7", "Sample Headline", "2019-07-03", "Letters", "412 words"),
    ("8", "Lorem ipsum dolor sit amet, nec egestas blandit", "2019-07-03",
     "Greg Wood", "838 words"),
    ("9", "R (programming language) on Wikipedia", "2019-07-03",
     "Ross Ihaka and Robert Gentleman", "446 words"),
    ("10", "What is Wikipedia", "2019-07-02", "Tom Kibasi",
     "1163 words"),
]
HEADER_WORDS = ("BYLINE:", "LENGTH:", "LOAD-DATE:", "LANGUAGE:", "DOCUMENTS", "Copyright",
                "Byline:", "Length:", "Load-Date:", "End of Document", "Body\n")


def _docs(path: Path) -> list[Document]:
    items = list(read_file(path, path.name))
    assert all(isinstance(d, Document) for d in items), [d for d in items
                                                        if isinstance(d, Skipped)]
    return items  # type: ignore[return-value]


def _check_in_file(doc: Document, file_text: str) -> None:
    """The article is its exact slice of the file's text; only the body is quotable."""
    offset = int(dict(doc.extra)["file_offset"])
    assert file_text[offset:offset + len(doc.text)] == doc.text
    assert doc.spans
    for s, e in doc.spans:
        quote = doc.text[s:e]
        assert file_text[offset + s:offset + e] == quote == quote.strip()
        assert not any(w in quote for w in HEADER_WORDS), quote[:80]
    length_at = max(doc.text.find("LENGTH:"), doc.text.find("Length:"))
    assert 0 < length_at < doc.spans[0][0]  # the title and header lines are not quotable


@needs_ln
def test_lexisnexis_txt_every_article_every_field() -> None:
    docs = _docs(LN / "sample.TXT")
    got = [(d.record, d.title, d.outlet, d.date, d.author, dict(d.extra)["length"])
           for d in docs]
    assert got == TXT_ARTICLES
    text = decode((LN / "sample.TXT").read_bytes())[0]
    for d in docs:
        assert d.format == "lexisnexis" and d.path == "sample.TXT"
        _check_in_file(d, text)
    extra = dict(docs[2].extra)
    assert (extra["section"], extra["edition"], extra["load-date"], extra["documents"]) == (
        "FEATURES; Pg. 6", "Edition 1; Scotland", "January 11, 2010", "3 of 10")
    assert dict(docs[7].extra)["documents"] == "8 of 383"  # as the file numbers it
    assert docs[0].text[docs[0].spans[0][0]:].startswith("Lorem ipsum dolor sit amet, consec")
    last = docs[-1]
    assert last.text[last.spans[-1][0]:last.spans[-1][1]].endswith("across Turkey.")


@needs_ln
def test_nexis_uni_docx_every_article_every_field() -> None:
    docs = _docs(LN / "sample.DOCX")
    got = [(d.record, d.title, d.outlet, d.date, d.author, dict(d.extra)["length"])
           for d in docs]
    assert got == [(n, t, GUARDIAN, date, by, ln) for n, t, date, by, ln in DOCX_ARTICLES]
    text = docx_text((LN / "sample.DOCX").read_bytes())[0]
    for d in docs:
        assert d.format == "nexisuni"
        _check_in_file(d, text)
        assert "Client/Matter" not in d.text  # the cover page belongs to no article
    assert dict(docs[0].extra)["section"] == "POLITICS; Version:28"
    assert dict(docs[-1].extra)["load-date"] == "July 2, 2019"


@needs_ln
def test_nexis_uni_docx_without_articles_is_a_plain_word_file() -> None:
    """test.DOCX holds one line and no article separators: read as one Word document."""
    docs = _docs(LN / "test.DOCX")
    assert [(d.format, d.title) for d in docs] == [("docx", "LexisNexis Uni Test")]


@needs_ln
def test_exports_in_a_corpus_folder(tmp_path: Path) -> None:
    for name in ("sample.TXT", "sample.DOCX"):
        (tmp_path / name).write_bytes((LN / name).read_bytes())
    docs, skipped = load_corpus(tmp_path)
    assert skipped == []
    # the R article is in both exports with the same text: still two articles (two outlets)
    assert len(docs) == 20


def test_lexisnexis_broken_separators(tmp_path: Path) -> None:
    body = ("Workers walked out on Monday at the port, halting exports for the first time in "
            "a decade, union leaders said.")
    art = ("                               {n} of 3 DOCUMENTS\n\n"
           "                               The Harbour Gazette\n\n"
           "                            March 12, 2024 Tuesday\n\n"
           "Port strike {n}\n\nBYLINE: Maria Lopez\n\nLENGTH: 20 words\n\n{body}\n\n"
           "LOAD-DATE: March 12, 2024\n\n")
    text = art.format(n=1, body=body) + art.format(n=3, body=body) + \
        "                               4 of 4 DOCUMENTS\n\n   Gazette\n\nno fields at all\n"
    p = tmp_path / "export.txt"
    p.write_text(text, encoding="utf-8")
    items = list(read_txt(p.read_bytes(), "export.txt"))
    docs = [d for d in items if isinstance(d, Document)]
    reasons = [(s.path, s.reason) for s in items if isinstance(s, Skipped)]
    assert [d.title for d in docs] == ["Port strike 1", "Port strike 3"]
    assert reasons == [
        ("export.txt", "LexisNexis export: article 2 is missing before article 3 (a broken "
                       "separator?)"),
        ("export.txt#4", "LexisNexis article 4 has no LENGTH: line (a broken separator or a "
                         "damaged export?)"),
    ]


def test_nexis_uni_docx_broken_separator(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    for text in ["Port strike", "The Harbour Gazette", "March 12, 2024 Tuesday",
                 "Length:\u00a020 words", "Body", "Workers walked out on Monday at the port, "
                 "halting exports for the first time in a decade.", "End of Document",
                 "Rates held", "Financial Courier", "March 13, 2024 Wednesday",
                 "The bank kept rates unchanged, but this article lost its Body line.",
                 "End of Document"]:
        d.add_paragraph(text)
    p = tmp_path / "export.docx"
    d.save(str(p))
    items = list(read_docx(p.read_bytes(), "export.docx"))
    assert [i.title for i in items if isinstance(i, Document)] == ["Port strike"]
    assert [(s.path, s.reason) for s in items if isinstance(s, Skipped)] == [
        ("export.docx#2", "Nexis Uni article 2 has no 'Body' line (a broken separator or a "
                          "damaged export?)")]
    # the same file through the format table: recognised as an export by its content
    assert [getattr(i, "format", None) for i in read_file(p, p.name)] == ["nexisuni", None]


FACTIVA_RTF = [  # (AN, HD, SN, PD, BY, WC)
    ("HARBGZ0020240312ek3c0001x", "Port strike halts grain exports", "The Harbour Gazette",
     "2024-03-12", "Maria Lopez", "74 words"),
    ("FINCOU0020240313ek3d0002y", "Central bank holds rates steady", "Financial Courier",
     "2024-03-13", "Tom Becker", "58 words"),
]
FACTIVA_HTML = [
    ("RHINVN0020240505ek550001a", "Floods force thousands from their homes",
     "Rhine Valley News", "2024-05-05", "Anna Schmidt", "61 words"),
    ("RHINVN0020240506ek560002b", "Rail line to reopen in June", "Rhine Valley News",
     "2024-05-06", None, "35 words"),
]


@pytest.mark.parametrize("name, expected, first, last", [
    ("export.rtf", FACTIVA_RTF, "Dock workers walked out on Monday",
     "unanimously by the board."),
    ("export.html", FACTIVA_HTML, "Rivers burst their banks", "the operator said on Sunday."),
])
def test_factiva_every_article_every_field(name: str, expected: list[tuple], first: str,
                                           last: str) -> None:
    docs = _docs(FACTIVA / name)
    got = [(d.record, d.title, d.outlet, d.date, d.author, dict(d.extra)["length"])
           for d in docs]
    assert got == expected
    assert {d.format for d in docs} == {"factiva"}
    quotable = [d.text[s:e] for d in docs for s, e in d.spans]
    assert quotable[0].startswith(first) and quotable[-1].endswith(last)
    for q in quotable:  # only LP and TD are quotable: no field codes, no copyright line
        assert not q.startswith(("HD", "SN", "AN", "CY", "Document ")) and "(c)" not in q


def test_factiva_rtf_offsets_into_the_file_text() -> None:
    from askcorpus.corpus.formats.rtf import rtf_text

    text = rtf_text((FACTIVA / "export.rtf").read_bytes())
    for d in _docs(FACTIVA / "export.rtf"):
        offset = int(dict(d.extra)["file_offset"])
        assert text[offset:offset + len(d.text)] == d.text


def test_factiva_broken_export() -> None:
    items = list(read_file(FACTIVA / "broken.rtf", "broken.rtf"))
    assert [i.title for i in items if isinstance(i, Document)] == ["Bridge reopens after repairs"]
    assert [(s.path, s.reason) for s in items if isinstance(s, Skipped)] == [
        ("broken.rtf#2", "Factiva article 2 has no LP or TD (text) field (a broken export?)")]


@needs_ln
def test_exports_indexed_quotes_are_verbatim_in_the_file(tmp_path: Path) -> None:
    """Indexed (fake embedder), every stored chunk of every export article is exact, and a
    quote's offsets plus the article's file_offset point at the same words in the file."""
    from askcorpus.config import Settings
    from askcorpus.pipeline import Pipeline
    from tests.corpus.test_hostile_corpus import _index, check_index
    from tests.fakes import FakeEmbedder

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "sample.TXT").write_bytes((LN / "sample.TXT").read_bytes())
    (corpus / "factiva.rtf").write_bytes((FACTIVA / "export.rtf").read_bytes())
    summary = _index(corpus, tmp_path / "ix")
    assert summary.documents == 12 and summary.skipped == []
    check_index(tmp_path / "ix")
    file_text = decode((LN / "sample.TXT").read_bytes())[0]
    offsets = {d.record: int(dict(d.extra)["file_offset"]) for d in _docs(LN / "sample.TXT")}
    p = Pipeline(Settings(corpus=corpus, index=tmp_path / "ix"), embedder=FakeEmbedder())
    try:
        answer = p.ask("R programming language statistical computing")
    finally:
        p.close()
    quotes = [*answer.quotes, *answer.related]
    assert any(q.doc.path == "sample.TXT" for q in quotes)
    for q in quotes:
        if q.doc.path == "sample.TXT":
            at = offsets[q.doc.record]
            assert file_text[at + q.start:at + q.end] == q.text
