"""Transitional alias of :mod:`firestorm.ingest.formats` while the demo package moves (removed after)."""

from firestorm.ingest.formats import *  # noqa: F401,F403
from firestorm.ingest.formats import FORMATS

FIELDS = {name: list(export.fields) for name, export in FORMATS.items() if export.fields}
