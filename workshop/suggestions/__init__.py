"""Theme suggestions for a live event: which theme a note belongs in, duplicates, emerging groups.

Pure: no I/O beyond the libraries' own data, no asyncio, no web imports. See docs/themes.md.
"""

from .engine import Duplicate, Group, Reason, Suggestion, ThemeIndex, Tuning

__all__ = ["Duplicate", "Group", "Reason", "Suggestion", "ThemeIndex", "Tuning"]
