"""The web chat (``askcorpus serve`` / ``python app.py``). Importing this is cheap: gradio
and the model are only loaded when :func:`serve` runs."""

from __future__ import annotations

from .server import RunningApp, serve, start

__all__ = ["RunningApp", "serve", "start"]
