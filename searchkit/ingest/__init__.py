"""Ingest: source files -> `Article` records (readers, stable ids, unchanged-file checks)."""
