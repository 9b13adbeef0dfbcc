"""Rich tables of records that stay readable at any width (the reports of the command line).

A record table has one row per record and one column per field when that fits the console;
otherwise (and always below :data:`NARROW_COLUMNS`) it is laid out vertically, one row per field
and one column per record, so that 80 columns show every cell whole instead of cutting each one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.table import Table

__all__ = ["NARROW_COLUMNS", "fits", "record_table"]

#: below this many console columns a record table is laid out vertically
NARROW_COLUMNS = 100


def fits(table: Table, width: int) -> bool:
    """Whether ``table`` shows every cell whole in ``width`` columns: its cells may wrap at
    spaces, but no word is cut.

    >>> from rich.table import Table
    >>> t = Table(); t.add_column("a" * 50); t.add_column("b" * 50)
    >>> fits(t, 120), fits(t, 80)
    (True, False)
    """
    from rich.console import Console
    from rich.measure import Measurement

    console = Console(width=100_000)
    return Measurement.get(console, console.options, table).minimum <= width


def record_table(title: str, fields: Sequence[tuple[str, str]],
                 records: Sequence[Sequence[str]], width: int | None = None) -> Table:
    """A :class:`rich.table.Table` of ``records`` (each a sequence of cell texts, Rich
    markup allowed) under ``fields`` (``(header, justify)`` pairs; justify ``"left"``,
    ``"right"`` or ``"center"``): wide, or vertical when ``width`` is given and the wide
    table does not fit it (:func:`fits`), or is below :data:`NARROW_COLUMNS`.

    >>> t = record_table("cells", [("cell ID", "right"), ("SNR (dB)", "right")],
    ...                  [["17", "12.5"], ["402", "3.1"]])
    >>> t.row_count, [c.header for c in t.columns]
    (2, ['cell ID', 'SNR (dB)'])
    >>> t = record_table("cells", [("cell ID", "right"), ("SNR (dB)", "right")],
    ...                  [["17", "12.5"], ["402", "3.1"]], width=80)
    >>> t.row_count, [c.header for c in t.columns]
    (2, ['', '#1', '#2'])
    """
    from rich.table import Table

    rows = [list(r) for r in records]
    for r in rows:
        if len(r) != len(fields):
            raise ValueError(f"a record has {len(r)} cells but there are {len(fields)} fields")
    wide = Table(title=title, title_justify="left")
    for name, justify in fields:
        wide.add_column(name, justify=justify)  # type: ignore[arg-type]
    for r in rows:
        wide.add_row(*r)
    if width is None or width >= NARROW_COLUMNS and fits(wide, width):
        return wide
    table = Table(title=title, title_justify="left", show_header=len(rows) > 1)
    table.add_column("", justify="left", no_wrap=True)
    for i in range(len(rows)):
        table.add_column(f"#{i + 1}", justify="left")
    for j, (name, _) in enumerate(fields):
        table.add_row(name, *(r[j] for r in rows))
    return table
