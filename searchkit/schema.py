"""Indexes pickle their schema with this module's path: opening one made before the move to
`searchkit.querylang.schema` finds the same module here."""
import sys

from .querylang import schema

sys.modules[__name__] = schema
