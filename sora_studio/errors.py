"""Error kinds shared by the core, the CLI and the UI.

The CLI maps them to the contract's exit codes: BadInput -> 2, Refused -> 3, anything else -> 1.
Messages are written for people: say what went wrong and what to do about it.
"""


class StudioError(Exception):
    """A runtime failure with a message fit to show a user (exit code 1)."""

    exit_code = 1


class BadInput(StudioError):
    """The input (file, argument, project) is invalid; nothing was changed (exit code 2)."""

    exit_code = 2


class Refused(StudioError):
    """Refused by policy, consent or limits (exit code 3)."""

    exit_code = 3


class Cancelled(StudioError):
    """The user cancelled a long operation; partial output was discarded."""

    exit_code = 1
