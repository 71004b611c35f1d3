"""lossdoc's exceptions. The CLI catches LossdocError in one place and prints ``lossdoc: error: <message>``
on one line with exit code 2; anything else is an internal error (also exit 2, traceback only with --debug)."""

from __future__ import annotations


class LossdocError(Exception):
    """Base class: an error to report to the user in one line, exit code 2."""

    exit_code = 2


class InputError(LossdocError):
    """A log that cannot be read: missing, unreadable, unsupported content, no loss series."""

    def __init__(self, source: str, problem: str) -> None:
        self.source = str(source)
        self.problem = problem
        super().__init__(f"{self.source}: {problem}")


class NotALog(InputError):
    """A file no reader recognises (a README, a config, a checkpoint). Given directly it is an input error; met in
    a folder sweep it is skipped and counted in one note of the report, never an error."""


class UsageError(LossdocError):
    """Options that do not fit together or name something that does not exist."""


class ConfigError(LossdocError):
    """A configuration file with an unknown key or a bad value."""
