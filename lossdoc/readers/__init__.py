"""Readers: one module per format family, and a registry that picks a reader by sniffing content.

Public entry points: :func:`read_path` (a file, a directory or ``-`` for stdin) and :func:`join` (one-tag
exports joined into one run). Registry order is by each reader's ``priority`` (specific formats first).
"""
