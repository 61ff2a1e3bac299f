"""The reader's int8 export: dynamic (shipped) against static quantization, side by side.

    .venv/bin/python benchmarks/reader_quantization.py --reader .cache/reader/stage2 \
        --pools .cache/tune/reader-pools

--reader is a training run's folder (train_reader.py writes reader.fp32.onnx and the dynamic
reader.int8.onnx there); --pools the tune_answer.py cache it was trained from. The static
export calibrates its activation scales once (MinMax over 200 questions of the SQuAD articles
the reader trained on, the best 8 candidates each) and quantizes the MatMuls (QDQ). Printed for
each: held-out SQuAD (articles 1 and 6) and seed reader-alone answer@1 / @3 over the best 16
candidates, file size, how far a score moves with its batch-mates (the six test cases of
tests/answer/test_reader.py, each candidate scored alone vs in its batch) and p50 of scoring 8
candidates, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reader", type=Path, required=True, help="a train_reader.py --out folder")
    ap.add_argument("--pools", type=Path, required=True, help="tune_answer.py cache folder")
    ap.add_argument("--calibration", type=int, default=200, help="questions to calibrate on")
    args = ap.parse_args(argv)
    fp32 = args.reader / "reader.fp32.onnx"
    if not fp32.is_file():
        ap.error(f"{fp32} not found: run training/train_reader.py with --out {args.reader}")

    import train_reader as tr
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    from askcorpus.answer.compose import AnswerSettings
    from askcorpus.answer.reader import Reader, ReaderInput, batch_feed, encode_pairs
    from askcorpus.evaluation.benchmarks import squad_question_articles
    from tests.answer.test_reader import CASES

    cfg = AnswerSettings()
    pools = tr.load_pools(args.pools)
    paragraphs = tr.squad_paragraphs()
    article = squad_question_articles(tr.SQUAD)
    squad = tr.groups_from("squad", pools["squad"], cfg, paragraphs)
    for g in squad:
        g.article = article.get(g.qid, -1)
    sets = {"held-out SQuAD": [g for g in squad if g.article in (1, 6)],
            "seed": tr.groups_from("seed", pools["seed"], cfg, paragraphs)}
    trained_on = [g for g in squad if g.article not in (1, 6)]
    calib = random.Random(0).sample(trained_on, min(args.calibration, len(trained_on)))
    tok = tr.tokenizer()

    def feed(question: str, items: list[ReaderInput]) -> dict[str, np.ndarray]:
        return batch_feed(encode_pairs(tok, question, items))

    class Calibration(CalibrationDataReader):
        def __init__(self) -> None:
            self.groups = iter(calib)

        def get_next(self) -> dict[str, np.ndarray] | None:
            g = next(self.groups, None)
            return None if g is None else feed(g.question, g.items[:8])

    with tempfile.TemporaryDirectory() as tmp:
        static = Path(tmp)
        quantize_static(str(fp32), str(static / "reader.int8.onnx"), Calibration(),
                        quant_format=QuantFormat.QDQ, per_channel=True,
                        weight_type=QuantType.QInt8, activation_type=QuantType.QUInt8,
                        op_types_to_quantize=["MatMul"],
                        calibrate_method=CalibrationMethod.MinMax)
        shutil.copyfile(tr.base_model_path() / "tokenizer.json", static / "tokenizer.json")
        (static / "meta.json").write_text(json.dumps({"file": "reader.int8.onnx"}))
        if not (args.reader / "tokenizer.json").exists():
            shutil.copyfile(tr.base_model_path() / "tokenizer.json",
                            args.reader / "tokenizer.json")
        readers = {"dynamic (shipped kind)": Reader(args.reader, verify=False),
                   "static (MinMax, QDQ)": Reader(static, verify=False)}
        files = {"dynamic (shipped kind)": args.reader / "reader.int8.onnx",
                 "static (MinMax, QDQ)": static / "reader.int8.onnx"}
        timing = [ReaderInput(s, "", t) for _, t, a, o in CASES for s in [a, *o]][:8]
        print("| export | file MB | " + " | ".join(f"{n} @1 / @3" for n in sets)
              + " | batch-mate shift (max logit) | 8 candidates p50 ms |")
        print("|---|---|" + "---|" * len(sets) + "---|---|")
        for name, reader in readers.items():
            cells = []
            for gs in sets.values():
                m = tr.evaluate(gs, [reader.score(g.question, g.items) for g in gs])
                cells.append(f"{m['@1']:.3f} / {m['@3']:.3f}")
            shift = 0.0
            for question, title, answer, others in CASES:
                items = [ReaderInput(s, "", title) for s in [answer, *others]]
                together = reader.score(question, items)
                alone = np.array([reader.score(question, [it])[0] for it in items])
                shift = max(shift, float(np.abs(together - alone).max()))
            reader.score(CASES[0][0], timing)
            times = []
            for _ in range(30):
                t0 = time.perf_counter()
                reader.score(CASES[0][0], timing)
                times.append((time.perf_counter() - t0) * 1000)
            print(f"| {name} | {files[name].stat().st_size / 1e6:.1f} | " + " | ".join(cells)
                  + f" | {shift:.3f} | {statistics.median(times):.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
