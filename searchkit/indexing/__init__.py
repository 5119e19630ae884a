"""Indexing: preparing articles in worker processes for a backend's writer."""
