"""The reader's training recipe (training/train_reader.py): what each question group teaches.

The script is not part of the library; these functions decide what the reader learns from and
how it is measured, so a group without its answer, a negative that is the answer, or a
measure that counts the wrong sentence would silently train or report the wrong thing.
"""

from __future__ import annotations

import importlib.util
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "training" / "train_reader.py"


@pytest.fixture(scope="module")
def tr():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("train_reader", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["train_reader"] = module  # its dataclass looks its module up
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("train_reader", None)


def group(tr, labels: list[int], answerable: bool = True):  # type: ignore[no-untyped-def]
    from askcorpus.answer.reader import ReaderInput

    items = [ReaderInput(f"sentence {i}", "", "Headline") for i in range(len(labels))]
    return tr.Group("q1", "Who?", items, labels, answerable, "news_train",
                    feat_scores=[float(-i) for i in range(len(labels))])


def test_a_sampled_group_holds_its_answer_once_and_the_hardest_negatives(tr) -> None:  # type: ignore[no-untyped-def]
    # candidates in feature order; 1 the answer, -1 ambiguous (never sampled), 0 negatives
    g = group(tr, [0, -1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
    for seed in range(20):
        items, answer = tr.sample_group(g, random.Random(seed), 7)
        assert len(items) == 8
        assert items[answer] == g.items[4]
        assert g.items[1] not in items  # the ambiguous one is neither answer nor negative
        negatives = [it for k, it in enumerate(items) if k != answer]
        # the 5 hardest negatives by the features always, 2 of the others at random
        assert {g.items[k] for k in (0, 2, 3, 5, 6)} <= set(negatives)
    assert len({tr.sample_group(g, random.Random(s), 7)[1] for s in range(20)}) > 1


def test_a_small_group_gives_what_it_has(tr) -> None:  # type: ignore[no-untyped-def]
    items, answer = tr.sample_group(group(tr, [1, 0]), random.Random(0), 7)
    assert len(items) == 2 and items[answer].sentence == "sentence 0"


def test_measures_count_the_answer_and_the_ambiguous_copy(tr) -> None:  # type: ignore[no-untyped-def]
    gs = [group(tr, [0, 1, 0]), group(tr, [0, 0, -1]), group(tr, [0, 0, 0], answerable=False)]
    scores = [np.array([0.1, 2.0, 0.0]), np.array([3.0, 1.0, 2.0]), np.array([-1.0, -2.0, -3.0])]
    m = tr.evaluate(gs, scores)
    assert m["n"] == 2
    assert m["@1"] == 0.5  # the second question's first sentence is not the answer
    assert m["@3"] == 1.0  # its copy of the answer elsewhere counts within three
    assert m["auc"] == 1.0 and m["null_recall@0"] == 1.0
    # with the features mixed in, the feature order (0 best) pulls the first sentence up
    mixed = tr.evaluate(gs[:1], [np.array([1.0, 1.1, 0.0])], mix=2.0)
    assert mixed["@1"] == 0.0


def test_missing_squad_answer_sentence_joins_its_group(tr) -> None:  # type: ignore[no-untyped-def]
    paragraphs = {"000_0001": (0, "The bridge opened in 1932. It cost four million pounds.",
                               "Harbour Bridge")}
    g = group(tr, [0, 0])
    tr.add_missing_squad_positive(g, paragraphs, "000_0001", ["four million pounds"])
    assert g.labels == [0, 0, 1]
    assert g.items[-1].sentence == "It cost four million pounds."
    assert g.items[-1].title == "Harbour Bridge"
    tr.add_missing_squad_positive(g, paragraphs, "000_0001", ["four million pounds"])
    assert g.labels == [0, 0, 1]  # once only


def test_the_recipe_refuses_missing_pools_with_one_clear_line(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, str(SCRIPT), "--pools", str(tmp_path), "--out",
                          str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert "no squad.pkl; collect the pools first" in run.stderr
    assert "Traceback" not in run.stderr
    run = subprocess.run([sys.executable, str(SCRIPT), "--pools", str(tmp_path), "--out",
                          str(tmp_path / "out"), "--holdout", "one"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "--holdout takes SQuAD article numbers" in run.stderr


def test_a_group_without_an_answer_gives_negatives_only(tr) -> None:  # type: ignore[no-untyped-def]
    g = group(tr, [0, 0, -1, 0, 0, 0, 0, 0, 0, 0], answerable=False)
    items, answer = tr.sample_group(g, random.Random(3), 7)
    assert answer is None
    assert len(items) == 7 and g.items[2] not in items


def test_the_pointwise_loss_pushes_answerless_candidates_down(tr, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import argparse

    import torch

    class Tiny(torch.nn.Module):  # one logit per pair from a learnt bias on its first piece
        def __init__(self) -> None:
            super().__init__()
            self.emb = torch.nn.Embedding(40000, 1)
            self.head = torch.nn.Linear(1, 1)

        def forward(self, ids, mask, types):  # type: ignore[no-untyped-def]
            return self.head(self.emb(ids[:, 1])).squeeze(-1)

    torch.manual_seed(0)
    model = Tiny()
    tok = tr.tokenizer()
    g = group(tr, [0] * 8, answerable=False)
    before = float(model(*tr.batch_tensors(tr.encode_pairs(tok, g.question, g.items))).mean())
    args = argparse.Namespace(seed=0, batch=1, epochs=20, lr=0.05, negatives=7, pointwise=1.0,
                              out=tmp_path)
    tr.train(model, tok, [g], args)
    after = float(model(*tr.batch_tensors(tr.encode_pairs(tok, g.question, g.items))).mean())
    assert after < before - 0.5


def test_unanswerable_groups_need_the_pointwise_loss(tmp_path: Path) -> None:
    (tmp_path / "squad.pkl").write_bytes(b"")
    run = subprocess.run([sys.executable, str(SCRIPT), "--pools", str(tmp_path), "--out",
                          str(tmp_path / "out"), "--questions", str(tmp_path),
                          "--unanswerable", "10"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "--unanswerable needs --questions and --pointwise" in run.stderr
