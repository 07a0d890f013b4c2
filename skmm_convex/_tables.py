"""The one Markdown table writer of the package, its experiments and its benchmarks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["markdown_table"]

_RULES = {None: "---", "left": ":---", "right": "---:", "center": ":---:"}


def markdown_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    align: Sequence[str | None] | None = None,
    cell: Callable[[Any], str] = str,
) -> str:
    """A GitHub Markdown table, one line per row, ending with a newline.

    Parameters
    ----------
    headers : sequence of str
    rows : sequence of sequences
        One value per header; each is written as ``cell(value)``.
    align : sequence of {None, "left", "right", "center"}, optional
        Per column; None (default) writes a plain ``---`` rule.
    cell : callable
        Formats a value (``str`` by default).
    """
    align = [None] * len(headers) if align is None else list(align)
    if len(align) != len(headers):
        raise ValueError(f"align has {len(align)} entries for {len(headers)} headers")
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(_RULES[a] for a in align) + "|"]
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"a row has {len(row)} cells for {len(headers)} headers: {row!r}")
        lines.append("| " + " | ".join(cell(value) for value in row) + " |")
    return "\n".join(lines) + "\n"
