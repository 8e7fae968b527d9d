"""The documents that close the plan: reference 3.1, publication 3.2, action plan 4.1,
register 6.1, from the findings of the indicators."""
