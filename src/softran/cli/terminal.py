"""What every command group of the ``softran`` command line shares: the Rich console and the
way a command ends (its exit code, and a bad argument as one line on stderr).

Bad arguments (and files that cannot be read or written) end in one line on stderr
(``softran: error: ...``) and exit code 2.
"""

from __future__ import annotations

import sys
from typing import Any

import typer

__all__ = ["invoke", "make_console", "one_line"]


def make_console() -> Any:
    """The Rich console of a command: as wide as the terminal, 160 columns when piped."""
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 160)


def one_line(exc: BaseException) -> str:
    """One line for an error: pydantic's multi-line report is reduced to its messages.

    >>> one_line(ValueError("n_prb = 0 is out of range;\\n allowed: 1..275"))
    'n_prb = 0 is out of range; allowed: 1..275'
    """
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            return "; ".join(e["msg"].removeprefix("Value error, ") for e in errors())
        except (TypeError, KeyError, AttributeError):  # not a pydantic error after all
            pass
    if isinstance(exc, typer.TyperException):
        return " ".join(exc.format_message().split())
    return " ".join(str(exc).split())


def invoke(command: Any, args: list[str], prog_name: str = "softran") -> int:
    """Run a Click/Typer ``command`` on ``args`` and return its exit code.

    No arguments shows the help. A usage error (unknown option, bad value, ...), a
    ``ValueError`` / ``TypeError`` from the library or an ``OSError`` (a path that cannot be
    read or written, a port in use) prints ``<prog_name>: error: <one line>`` on stderr and
    returns 2; an abort returns 1; ``typer.Exit(n)`` returns ``n``.
    """
    try:
        result = command.main(args=args or ["--help"], prog_name=prog_name,
                              standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        typer.echo(f"{prog_name}: aborted", err=True)
        return 1
    except typer.TyperException as exc:  # usage errors: unknown option, bad value, ...
        typer.echo(f"{prog_name}: error: {one_line(exc)}", err=True)
        return 2
    except (ValueError, TypeError, OSError) as exc:  # bad input; a file that cannot be written
        typer.echo(f"{prog_name}: error: {one_line(exc)}", err=True)
        return 2
    return result if isinstance(result, int) else 0
