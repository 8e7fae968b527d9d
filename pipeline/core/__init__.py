"""Shared core: the bilingual text system and message catalogue, errors, ids, Kazakh
and Russian numerals, the working-day calendar, YAML and text measuring. Imports nothing else of Adal."""
