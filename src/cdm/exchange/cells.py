"""Free text in a CSV cell, safe to open in a spreadsheet, and back.

A spreadsheet runs a cell beginning with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab or a
carriage return) as a formula: a site's name such as ``=HYPERLINK(…)`` would run in the
coordinator's Excel. OWASP's rule: such a cell is written with a leading single quote, which
spreadsheets show as text. A value that already begins with a quote gets one more, so that
``formula_unquote(formula_safe(v)) == v`` for every text and the import gives back exactly what
was exported.

``formula_safe`` is for every free-text cell written to CSV (row-level exports, open data);
``formula_unquote`` for the same columns read back by the import.
"""

FORMULA_STARTS = frozenset("=+-@\t\r")
QUOTE = "'"


def formula_safe(value: str) -> str:
    """``value`` as a cell no spreadsheet runs as a formula (non-text values pass unchanged)."""
    if isinstance(value, str) and value and (value[0] in FORMULA_STARTS or value[0] == QUOTE):
        return QUOTE + value
    return value


def formula_unquote(value: str) -> str:
    """The text ``formula_safe`` was given: one leading quote less when it protected something."""
    if len(value) > 1 and value[0] == QUOTE and (value[1] in FORMULA_STARTS or value[1] == QUOTE):
        return value[1:]
    return value
