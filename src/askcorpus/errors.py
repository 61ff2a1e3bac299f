"""The errors a user can meet. Each message says what happened and what to do."""

from __future__ import annotations


class AskCorpusError(Exception):
    """Base class: the CLI prints ``str(error)`` as one line and exits non-zero."""

    exit_code = 1


class CorpusError(AskCorpusError):
    """The corpus folder is missing, empty or unreadable."""


class IndexMissingError(AskCorpusError):
    """No index has been built in the folder."""


class IndexMismatchError(AskCorpusError):
    """The index was built with another model or other settings."""


class IndexCorruptError(AskCorpusError):
    """The index files are damaged or from an unknown schema."""


class IndexLockedError(AskCorpusError):
    """Another process is writing the index."""


class QuestionError(AskCorpusError):
    """The question is empty or otherwise unusable."""

    exit_code = 2


class ModelError(AskCorpusError):
    """The embedding model could not be loaded."""
