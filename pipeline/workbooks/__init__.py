"""Workbooks out: templates, the consolidated workbook with indicators and charts, the
states of returns and measures, and the mail that carries them."""
