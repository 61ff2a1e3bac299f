"""askcorpus: ask questions of a folder of news articles, get verbatim, attributed quotes.

    from askcorpus import Pipeline, Settings

    pipe = Pipeline(Settings(corpus=Path("corpus"), index=Path("index")))
    answer = pipe.ask("Who says what about NATO?")

The pipeline, in stage packages (docs/ARCHITECTURE.md): ``corpus`` (files -> Documents),
``index`` (Documents -> a searchable index), ``answer`` (question + index -> Answer),
``evaluation`` (question sets -> metrics), ``web`` (the chat). ``Pipeline`` and ``Settings``
load on first use: importing askcorpus does no work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .version import __version__

__all__ = ["Pipeline", "Settings", "__version__"]

if TYPE_CHECKING:
    from .config import Settings
    from .pipeline import Pipeline


def __getattr__(name: str) -> Any:
    if name == "Pipeline":
        from .pipeline import Pipeline

        return Pipeline
    if name == "Settings":
        from .config import Settings

        return Settings
    raise AttributeError(f"module 'askcorpus' has no attribute {name!r}")
