"""Tracking: who has sent what — each organisation's state for each return, read from the
ledger, with the words and marks `status`, the letters and the workbooks show it by."""
