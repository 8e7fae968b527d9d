"""Adal: the internal analysis of corruption risks of an education department, end to end."""

__version__ = "0.1.0"
