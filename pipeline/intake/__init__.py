"""Returns in: the inbox, identification, reading, normalisation, validation and the
correction workbooks sent back. Never needs a writer of the later stages."""
