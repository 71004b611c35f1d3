"""The report for a terminal that cannot show Unicode (``PYTHONIOENCODING=ascii``, a C locale): every glyph
lossdoc draws has an ASCII stand-in here, in one table, applied to the finished text.

- braille chart cells become ``'`` (dots in the top half of the cell), ``.`` (bottom half) or ``:`` (both);
- box drawing (axes, panels, rules) becomes ``-``, ``|``, ``+`` and the dotted guide ``:``;
- the marks: best ``^``, onset ``*``, non-finite ``x``, curve labels ``<``, separators ``-``.
What is still not ASCII after that (a log's own names) is shown escaped by the caller (``\\xe9``)."""

from __future__ import annotations

_TOP = 0x01 | 0x02 | 0x08 | 0x10  # braille dots 1, 2, 4, 5: the upper half of a cell
_BOTTOM = 0x04 | 0x20 | 0x40 | 0x80


def _braille(bits: int) -> str:
    top, bottom = bool(bits & _TOP), bool(bits & _BOTTOM)
    return ":" if top and bottom else "'" if top else "." if bottom else " "


GLYPHS: dict[int, str] = {0x2800 + b: _braille(b) for b in range(256)}
GLYPHS.update({ord(k): v for k, v in {
    "▲": "^", "◆": "*", "×": "x", "◂": "<", "·": "-", "…": "...", "┊": ":", "→": "->", "—": "-", "–": "-",
    "┤": "+", "├": "+", "┬": "+", "┴": "+", "┼": "+", "└": "+", "┘": "+", "┌": "+", "┐": "+",
    "╭": "+", "╮": "+", "╰": "+", "╯": "+", "─": "-", "━": "-", "│": "|", "┃": "|", "═": "=", "║": "|",
}.items()})


def to_ascii(text: str) -> str:
    """``text`` with lossdoc's glyphs replaced by their ASCII stand-ins."""
    return text.translate(GLYPHS)
