"""`searchkit serve`: the archive in a browser and a JSON HTTP API (Starlette + Jinja2, served by
uvicorn). Like the CLI, a thin layer over `Archive`: it never imports an engine."""
from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
