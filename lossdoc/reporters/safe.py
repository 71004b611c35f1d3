"""Text that came from a log is data, never commands: the one place that makes it safe to print.

Series names, tags, column names, run folders and file names are written by whoever wrote the log (a
contributor's run, a downloaded checkpoint folder). Every reporter, the ``inspect`` command and the error lines on
stderr pass such text through here:

- ``printable``: control characters (C0 including newline, tab and CR, DEL, the C1 range U+0080-U+009F) and the
  Unicode characters that reorder or break lines (bidi overrides, line/paragraph separators) are shown escaped
  (``\\x1b``, ``\\n``, ``\\u202e``), so no ESC sequence reaches a terminal and a name never breaks a line;
- ``md_inline``: ``printable`` plus backslash escapes for the characters markdown would read as emphasis, code,
  links, HTML (comments included), tables or entities; ``md_fence`` picks a code fence no backtick run inside the
  block can close;
- ``guard_lines``: the last pass over a whole stdout or stderr text: a line that would start (after leading
  blanks) with ``::`` gets its first colon escaped, so that no log text can become a GitHub workflow command
  wherever a table or a wrapped paragraph happens to put it. The github reporter does not use it: its own lines
  are the commands, and the log text inside them is %-escaped by the workflow-command rules.

Rich never sees log text as markup: reporters hand it over as ``rich.text.Text``.
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls, and the format characters that can disguise or split text on screen.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(m: re.Match[str]) -> str:
    ch = m.group(0)
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object) -> str:
    """``text`` with every control or line-breaking character shown escaped (``\\x1b``, ``\\n``...)."""
    s = str(text)
    return _UNSAFE.sub(_escape_char, s) if _UNSAFE.search(s) else s


# Characters that start inline markdown constructs (CommonMark lets any ASCII punctuation be backslash-escaped).
# Headings, lists and fences need a line start, which escaped names never get; inline constructs are what is left:
# emphasis, code, links and images, HTML and comments, tables, strikethrough, entities and (on GitHub) math.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<!|~&$])")


def md_inline(text: object) -> str:
    """Log text for running markdown (a table cell, a heading, a list item): printable, every markdown
    metacharacter backslash-escaped, so that it renders as the literal text and forges nothing."""
    return _MD_SPECIAL.sub(r"\\\1", printable(text))


def md_code(text: object, *, in_table: bool = False) -> str:
    """Log text as a markdown code span: nothing inside is markup; the delimiter is a backtick run longer than any
    inside it. In a table cell ``|`` is still escaped (GitHub splits cells on it even inside code)."""
    s = printable(text)
    longest = max((len(m) for m in re.findall(r"`+", s)), default=0)
    tick = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") or not s.strip() else ""
    if in_table:
        s = s.replace("|", "\\|")
    return f"{tick}{pad}{s}{pad}{tick}"


def md_fence(body: str) -> str:
    """A backtick fence longer than any backtick run in ``body``, so the code block cannot be closed early."""
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    return "`" * max(3, longest + 1)


# Leading blanks, and the colour codes rich puts before a line's first character.
_COMMAND_START = re.compile(r"^((?:\s|\x1b\[[0-9;]*m)*):")


def guard_lines(text: str) -> str:
    """No line starts with ``::`` (a GitHub workflow command), whatever the log's names were."""
    if "::" not in text:
        return text
    out = []
    for line in text.split("\n"):
        m = _COMMAND_START.match(line)
        if m and line[m.end() : m.end() + 1] == ":":
            line = f"{m.group(1)}\\{line[len(m.group(1)) :]}"
        out.append(line)
    return "\n".join(out)


def mpl_text(text: object) -> str:
    """Log text for a matplotlib label: printable, and ``$`` escaped so it is never parsed as mathtext."""
    return printable(text).replace("$", r"\$")
