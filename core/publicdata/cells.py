"""Small-cell suppression for published aggregates.

A count below `MIN_CELL` in a cross-tabulation (district x category) or in a group as rare as a
language few residents speak could point at one person, so it is published as "fewer than 5"
(`None` here, `"<5"` on the page, `null` in data). Suppressing only those cells is not enough
when a row or column total is shown: the one hidden cell would be the total minus the others. So
every row and column with exactly one hidden cell hides its smallest other cell too
("complementary suppression"), repeated until no hidden cell can be worked out that way.
A zero singles nobody out and is shown, unless it is the only cell left to hide beside one.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

MIN_CELL = 5
Cell = TypeVar("Cell", bound=tuple[Hashable, Hashable])


def suppress(count: int) -> int | None:
    """One published count: itself, or None when it is a small non-zero number."""
    return None if 0 < count < MIN_CELL else count


def suppress_table(table: Mapping[Cell, int]) -> dict[Cell, int | None]:
    """A cross-tabulation with its small cells, and the cells that would give them away, hidden."""
    shown: dict[Cell, int | None] = {cell: suppress(count) for cell, count in table.items()}
    lines: list[list[Cell]] = []
    for position in (0, 1):
        grouped: dict[object, list[Cell]] = {}
        for cell in table:
            grouped.setdefault(cell[position], []).append(cell)
        lines.extend(grouped.values())
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [cell for cell in line if shown[cell] is None]
            visible = [cell for cell in line if shown[cell] is not None]
            if len(hidden) == 1 and visible:
                # The smallest non-zero cell hides the least; a zero only when nothing else is
                # left, as total minus zeros would otherwise be the hidden cell itself.
                smallest = min(visible, key=lambda cell: (table[cell] == 0, table[cell]))
                shown[smallest] = None
                changed = True
    return shown
