"""Evaluation output people can read: a terminal table, a Markdown report, PNG plots."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .metrics import recall_curve, risk_coverage
from .questions import QuestionResult


def table(rows: Mapping[str, Mapping[str, float]], metrics: Sequence[str] | None = None) -> str:
    """Configurations as rows, metrics as columns, fixed width."""
    names = list(rows)
    metrics = list(metrics or next(iter(rows.values())).keys())
    head = ["config", *metrics]
    body = [[n, *(_fmt(rows[n].get(m)) for m in metrics)] for n in names]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    line = lambda cells: "  ".join(str(c).rjust(w) for c, w in zip(cells, widths))  # noqa: E731
    return "\n".join([line(head), line(["-" * w for w in widths]), *(line(r) for r in body)])


def markdown_table(rows: Mapping[str, Mapping[str, float]], metrics: Sequence[str]) -> str:
    out = ["| config | " + " | ".join(metrics) + " |", "|---" * (len(metrics) + 1) + "|"]
    for name, vals in rows.items():
        out.append(f"| {name} | " + " | ".join(_fmt(vals.get(m)) for m in metrics) + " |")
    return "\n".join(out)


def _fmt(x: Any) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:.1f}" if abs(x) >= 10 else f"{x:.3f}"
    return str(x)


def write_report(folder: Path, title: str, runs: Mapping[str, Mapping[str, float]],
                 results: Mapping[str, Sequence[QuestionResult]]) -> Path:
    """report.md with the metrics, the failures, and two plots per configuration."""
    folder.mkdir(parents=True, exist_ok=True)
    metrics = list(next(iter(runs.values())).keys())
    lines = [f"# {title}", "", markdown_table(runs, metrics), ""]
    plots = _plots(folder, results)
    for name, png in plots:
        lines += [f"![{name}]({png.name})", ""]
    for name, res in results.items():
        failures = [r for r in res if _failed(r)]
        lines += [f"## Failures: {name} ({len(failures)} of {len(res)})", ""]
        if not failures:
            lines += ["None.", ""]
        for r in failures:
            why = ("abstained on an answerable question" if r.answerable and not r.answered
                   else "answered an unanswerable question" if not r.answerable
                   else "expected answer not in the quotes")
            if r.fidelity_failures:
                why += f"; {r.fidelity_failures} quote(s) not at their offsets"
            lines.append(f"- **{r.id}** {r.question} — {why} (confidence {r.confidence:.3f}; "
                         f"expected {', '.join(map(repr, r.expected)) or '–'})")
            for q in r.quotes[:3]:
                text = q["text"].replace("\n", " ")
                lines.append(f"  - `{q['path']}` [{q['start']}:{q['end']}] {text[:160]}")
        lines.append("")
    path = folder / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _failed(r: QuestionResult) -> bool:
    if r.fidelity_failures:
        return True
    if not r.answerable:
        return r.answered
    return not r.answered or r.answer_rank is None or r.answer_rank > 3


def _plots(folder: Path, results: Mapping[str, Sequence[QuestionResult]]) -> list[tuple[str, Path]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = []
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, res in results.items():
        answerable = [r for r in res if r.answerable]
        ranks = [r.answer_rank if r.answered else None for r in answerable]
        curve = recall_curve(ranks, 10)
        ax.plot(range(1, 11), curve, marker="o", label=name)
    ax.set(xlabel="k (quotes shown)", ylabel="answer@k", title="Answer found in the first k quotes",
           ylim=(0, 1.02))
    out.append(("recall@k", _save(plt, fig, ax, folder / "recall_at_k.png")))

    fig, ax = plt.subplots(figsize=(6, 4))
    for name, res in results.items():
        correct = [(r.answer_rank is not None and r.answer_rank <= 3) if r.answerable else False
                   for r in res]
        pts = risk_coverage([r.confidence for r in res], correct)
        if pts:
            ax.plot([c for c, _ in pts], [rk for _, rk in pts], label=name)
    ax.set(xlabel="coverage (share of questions answered)", ylabel="risk (share answered wrongly)",
           title="Risk–coverage of abstention", xlim=(0, 1.02), ylim=(0, 1.02))
    out.append(("risk-coverage", _save(plt, fig, ax, folder / "risk_coverage.png")))
    return out


def _save(plt: Any, fig: Any, ax: Any, path: Path) -> Path:
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
