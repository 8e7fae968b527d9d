"""Where things stand on a return sheet: shared by the template writer and the reader.

Rows are 1-based as Excel shows them. A reader never trusts these alone (people insert
rows): it searches for the header and the labels, and uses these as the first guess.
"""

from __future__ import annotations

from pipeline.core.messages import text

TITLE_ROWS = (1, 2)
ORG_ROW = 3
BIN_ROW = 4
PERIOD_ROW = 5
DEADLINE_ROW = 6
NIL_ROW = 7
DESCRIPTION_ROW = 8
HEADER_ROW = 9
FIRST_DATA_ROW = 10
BLANK_DATA_ROWS = 300
SEARCH_ROWS = 40

ORG_LABEL = text("layout_organisation")
BIN_LABEL = text("layout_bin")
PERIOD_LABEL = text("layout_period")
DEADLINE_LABEL = text("layout_deadline")
NIL_LABEL = text("layout_nil")
NIL_YES = text("layout_nil_yes")
