"""Enrich: tidy articles, datelines, mentioned dates, entities (and their canonical forms), wire copies."""
