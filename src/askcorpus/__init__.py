"""askcorpus: ask questions of a folder of news articles, get verbatim, attributed quotes."""

__version__ = "0.1.0"
