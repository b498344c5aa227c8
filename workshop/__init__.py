"""Open Workshop: one workshop in several places at once."""

__version__ = "0.1.0"
