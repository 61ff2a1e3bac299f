"""Each format through the real libraries, on real files written here: PDF, DOCX, RTF, EML,
MBOX, the format table, and one clear reason per bad file."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest

from askcorpus.corpus.formats import EXTENSIONS, FORMATS, pick
from askcorpus.corpus.ingest import load_corpus, read_file
from askcorpus.types import Document, Skipped

LEAD = ("Dock workers walked out on Monday at the largest grain port, halting exports for the "
        "first time in a decade.")
MORE = "Union leaders said the strike would last at least three days, a spokesman said."


def _items(path: Path) -> list[Document | Skipped]:
    return list(read_file(path, path.name))


def _doc(path: Path) -> Document:
    items = _items(path)
    assert len(items) == 1 and isinstance(items[0], Document), items
    return items[0]


def _reason(path: Path) -> str:
    items = _items(path)
    assert len(items) == 1 and isinstance(items[0], Skipped), items
    return items[0].reason


def _check_offsets(doc: Document, *quotes: str) -> None:
    quotable = [doc.text[s:e] for s, e in doc.spans]
    for q in quotes:
        assert any(q in part for part in quotable), (q, quotable)
        start = doc.text.index(q)
        assert doc.text[start:start + len(q)] == q


# ---------------------------------------------------------------- PDF

def make_pdf(lines: list[str] | None, *, title: str | None = None) -> bytes:
    """A one-page PDF whose text layer holds ``lines`` (None: a page with no text at all, as
    a scan without OCR is), written object by object with a correct cross-reference table."""
    stream = b"" if lines is None else b"BT /F1 11 Tf 50 750 Td 14 TL " + b" ".join(
        b"(" + ln.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode(
            "latin-1") + b") '" for ln in lines) + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    if title:
        objects.append(b"<< /Title (" + title.encode("latin-1") + b") >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    info = b" /Info %d 0 R" % len(objects) if title else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, info, xref)
    return bytes(out)


def test_pdf_text_layer(tmp_path: Path) -> None:
    p = tmp_path / "strike.pdf"
    p.write_bytes(make_pdf(["Port strike halts grain exports", "", LEAD, MORE],
                           title="Port strike"))
    doc = _doc(p)
    assert doc.format == "pdf" and doc.title == "Port strike"
    _check_offsets(doc, "halting exports for the first time in a decade.", MORE)


def test_pdf_without_text_layer_and_encrypted(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    scan = tmp_path / "scan.pdf"
    scan.write_bytes(make_pdf(None))
    assert _reason(scan).startswith("PDF has no text layer (scanned pages or images only)")
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(make_pdf([LEAD]))))
    writer.encrypt(user_password="secret", owner_password="owner")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as f:
        writer.write(f)
    assert _reason(locked).startswith("encrypted PDF (it needs a password)")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage")
    assert _reason(broken).startswith(("corrupt PDF", "PDF has no text layer"))


def test_pdf_encrypted_with_an_empty_password_is_read(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(make_pdf(["Strike", "", LEAD]))))
    writer.encrypt(user_password="", owner_password="owner")  # "no copying", still readable
    p = tmp_path / "open.pdf"
    with p.open("wb") as f:
        writer.write(f)
    _check_offsets(_doc(p), "halting exports")


# ---------------------------------------------------------------- DOCX

def make_docx(path: Path, paragraphs: list[str], *, author: str = "",
              table: list[list[str]] | None = None) -> Path:
    import docx

    d = docx.Document()
    d.core_properties.author = author
    for text in paragraphs:
        d.add_paragraph(text)
    if table:
        t = d.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                t.cell(r, c).text = cell
    d.save(str(path))
    return path


def test_docx_paragraphs_and_tables(tmp_path: Path) -> None:
    p = make_docx(tmp_path / "strike.docx", ["Port strike halts grain exports", LEAD, MORE],
                  author="Maria Lopez", table=[["Ships waiting", "40"]])
    doc = _doc(p)
    assert (doc.format, doc.title, doc.author) == ("docx", "Port strike halts grain exports",
                                                   "Maria Lopez")
    _check_offsets(doc, LEAD, MORE)
    assert "Ships waiting | 40" in doc.text


def test_docx_corrupt_and_zip_bomb(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.docx"
    corrupt.write_bytes(b"PK\x03\x04 this is no zip archive")
    assert _reason(corrupt).startswith("corrupt DOCX (not a valid Word file")
    notword = tmp_path / "notword.docx"
    with zipfile.ZipFile(notword, "w") as z:
        z.writestr("hello.txt", "hi")
    assert _reason(notword).startswith("corrupt DOCX (no word/document.xml")
    bomb = tmp_path / "bomb.docx"
    real = io.BytesIO()
    make_docx(tmp_path / "x.docx", [LEAD])
    with zipfile.ZipFile(tmp_path / "x.docx") as src, \
            zipfile.ZipFile(real, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info, src.read(info))
        z.writestr("word/media/huge.bin", b"\0" * (64 * 2**20))  # 64 MB of zeros, ~64 KB packed
    bomb.write_bytes(real.getvalue())
    assert bomb.stat().st_size < 2**20
    reason = _reason(bomb)
    assert "zip bomb" in reason and "expands" in reason


def test_docx_zip_bomb_by_total_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from askcorpus.corpus.formats import word

    monkeypatch.setattr(word, "MAX_UNPACKED", 10_000)
    p = make_docx(tmp_path / "big.docx", [LEAD])
    assert "above the 0 MB limit (a zip bomb?)" in _reason(p)


# ---------------------------------------------------------------- RTF

def test_rtf(tmp_path: Path) -> None:
    p = tmp_path / "strike.rtf"
    p.write_text("{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}\\pard\\f0 Port strike halts grain "
                 "exports\\par\\par " + LEAD + "\\par\\par Caf\\'e9 owners said: " + MORE
                 + "\\par}", encoding="latin-1")
    doc = _doc(p)
    assert doc.format == "rtf" and doc.title == "Port strike halts grain exports"
    _check_offsets(doc, LEAD, "Café owners said")
    p.write_text("plain words, no RTF header", encoding="utf-8")
    assert _reason(p).startswith("not an RTF file")


# ---------------------------------------------------------------- e-mail

def _message(subject: str, body: str, *, html: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = "The Morning Brief <brief@news.example>"
    msg["To"] = "reader@example.org"
    msg["Subject"] = subject
    msg["Date"] = "Tue, 12 Mar 2024 07:00:00 +0000"
    if body:
        msg.set_content(body)
    if html:
        if body:
            msg.add_alternative(html, subtype="html")
        else:
            msg.set_content(html, subtype="html")
    return bytes(msg)


def test_eml(tmp_path: Path) -> None:
    p = tmp_path / "brief.eml"
    p.write_bytes(_message("Port strike halts grain exports", f"{LEAD}\n\n{MORE}\n"))
    doc = _doc(p)
    assert (doc.format, doc.title, doc.outlet, doc.date) == (
        "eml", "Port strike halts grain exports", "The Morning Brief",
        "2024-03-12")
    _check_offsets(doc, LEAD, MORE)


def test_eml_html_only_is_read_as_a_page(tmp_path: Path) -> None:
    html = (f"<html><body><nav>Home | Unsubscribe</nav><article><h1>Strike</h1><p>{LEAD}</p>"
            f"<p>{MORE}</p></article></body></html>")
    p = tmp_path / "html.eml"
    p.write_bytes(_message("Strike", "", html=html))
    doc = _doc(p)
    _check_offsets(doc, LEAD, MORE)
    assert "<p>" not in doc.text


def test_mbox_many_messages(tmp_path: Path) -> None:
    parts = []
    for n, subject in enumerate(["Port strike halts grain exports", "Rates held"], 1):
        parts.append(b"From brief@news.example Tue Mar 12 07:00:00 2024\n"
                     + _message(subject, f"{LEAD} ({n})\n\n>From the desk Tue 2024: {MORE}\n")
                     + b"\n")  # a body line "From …" is written ">From …" in a mailbox
    p = tmp_path / "news.mbox"
    p.write_bytes(b"".join(parts))
    docs = _items(p)
    assert [(d.record, d.title) for d in docs if isinstance(d, Document)] == [
        ("1", "Port strike halts grain exports"), ("2", "Rates held")]
    for d in docs:
        assert isinstance(d, Document)
        _check_offsets(d, MORE, "From the desk Tue 2024")
    p.write_bytes(b"Subject: no From line\n\nbody")
    assert _reason(p).startswith("not an mbox mailbox")


# ---------------------------------------------------------------- the table

def test_table_picks_by_extension_and_content() -> None:
    assert {".txt", ".md", ".html", ".htm", ".json", ".jsonl", ".pdf", ".docx", ".rtf", ".eml",
            ".mbox"} <= set(EXTENSIONS)
    assert pick("a/b.TXT", b"Plain article") is not None
    assert pick("a/b.txt", b"Plain article").name == "txt"  # type: ignore[union-attr]
    export = b"\r\n                1 of 3 DOCUMENTS\r\n"
    assert pick("x.txt", export).name == "lexisnexis"  # type: ignore[union-attr]
    assert pick("x.png", b"\x89PNG") is None
    names = [f.name for f in FORMATS]
    assert len(names) == len(set(names)) and all(f.description for f in FORMATS)


def test_every_new_format_in_one_corpus(tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_bytes(make_pdf(["Strike", "", LEAD]))
    make_docx(tmp_path / "b.docx", ["Rates", MORE])
    (tmp_path / "c.eml").write_bytes(_message("Floods", f"{MORE} Rivers rose again.\n"))
    (tmp_path / "scan.pdf").write_bytes(make_pdf(None))
    docs, skipped = load_corpus(tmp_path)
    assert sorted(d.format for d in docs) == ["docx", "eml", "pdf"]
    assert [(s.path, s.reason.split(" (")[0]) for s in skipped] == [
        ("scan.pdf", "PDF has no text layer")]


def test_bad_files_one_reason_each_in_the_index_summary(tmp_path: Path) -> None:
    """Encrypted and image-only PDFs, a corrupt DOCX, a zip bomb and an export with a broken
    separator, indexed beside good files: one clear reason per bad file, a complete index
    whose stored offsets are exact."""
    from pypdf import PdfReader, PdfWriter

    from tests.corpus.test_hostile_corpus import _index, _reasons, check_index

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "good.pdf").write_bytes(make_pdf(["Port strike", "", LEAD, MORE]))
    make_docx(corpus / "good.docx", ["Rates held", MORE])
    (corpus / "scan.pdf").write_bytes(make_pdf(None))
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(make_pdf([LEAD]))))
    writer.encrypt(user_password="secret", owner_password="owner")
    with (corpus / "locked.pdf").open("wb") as f:
        writer.write(f)
    (corpus / "corrupt.docx").write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    with zipfile.ZipFile(corpus / "bomb.docx", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b" " * (300 * 2**20))  # 300 MB of spaces, ~300 KB
    (corpus / "export.txt").write_text(
        "   1 of 2 DOCUMENTS\n\n   The Harbour Gazette\n\n   March 12, 2024\n\nPort strike\n\n"
        f"LENGTH: 20 words\n\n{LEAD}\n\n   2 of 2 DOCUMENTS\n\n   Gazette\n\nno fields\n",
        encoding="utf-8")
    summary = _index(corpus, tmp_path / "ix")
    reasons = _reasons(summary)
    assert {k: v.split(" (")[0].split(":")[0] for k, v in reasons.items()} == {
        "scan.pdf": "PDF has no text layer",
        "locked.pdf": "encrypted PDF",
        "corrupt.docx": "corrupt DOCX",
        "bomb.docx": "DOCX unpacks to 300 MB, above the 200 MB limit",
        "export.txt#2": "LexisNexis article 2 has no LENGTH",
    }
    checked = check_index(tmp_path / "ix")
    assert sorted(d.format for d in checked["docs"].values()) == ["docx", "lexisnexis", "pdf"]
