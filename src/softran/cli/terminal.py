"""What every command group of the ``softran`` command line shares: the Rich console, output
paths, the command class (usage lines), and the way a command ends (its exit code, and a bad
argument as one line on stderr).

Bad arguments (and files that cannot be read or written) end in one line on stderr
(``softran: error: ...``) and exit code 2; Ctrl-C ends in ``softran: interrupted`` and exit
code 130; anything else that goes wrong is a bug, reported as one line (``softran: internal
error: ...``, exit code 1; ``SOFTRAN_TRACEBACK=1`` shows the traceback).

Output paths (:func:`output_path`): every command creates the missing folders of a file it
writes and says so (``created    out/``); a figure's suffix is checked before the work.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import typer
import typer.core

__all__ = ["FIGURE_SUFFIXES", "Command", "check_figure_path", "invoke", "make_console",
           "one_line", "output_path", "use_command_class"]

#: suffixes of the figures the commands write (matplotlib formats)
FIGURE_SUFFIXES = (".png", ".svg")


def make_console() -> Any:
    """The Rich console of a command: as wide as the terminal; when piped, ``$COLUMNS``
    columns if set, else 160."""
    from rich.console import Console

    if sys.stdout.isatty():
        return Console()
    columns = os.environ.get("COLUMNS", "")
    return Console(width=int(columns) if columns.isdigit() and int(columns) > 0 else 160)


def output_path(path: Path, name: str = "out", *, folder: bool = False) -> Path:
    """Make ``path`` writable as an output: create its missing folders (the folder itself
    when ``folder``) and say so on stdout. A file where a folder must be, or a folder where
    the file must be, is a ``ValueError`` naming the option ``name``.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = output_path(Path(d) / "a" / "b.csv", "csv")  # doctest: +ELLIPSIS
    created    .../a/
    """
    path = Path(path)
    target = path if folder else path.parent
    if not folder and path.is_dir():
        raise ValueError(f"{name} = {str(path)!r} is a folder; give a file name")
    if target.exists() and not target.is_dir():
        raise ValueError(f"{name} = {str(path)!r}: {str(target)!r} is a file, not a folder")
    missing = not target.exists()
    if missing:
        for parent in target.parents:
            if parent.exists() and not parent.is_dir():
                raise ValueError(f"{name} = {str(path)!r}: {str(parent)!r} is a file, not a "
                                 "folder")
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise ValueError(f"{name} = {str(path)!r}: cannot create folder {str(target)!r} "
                             f"({err.strerror or err})") from None
        typer.echo(f"created    {target}{os.sep}")
    return path


def check_figure_path(name: str, path: Path | None) -> Path | None:
    """Check a figure path's suffix (before the work that the figure shows).

    >>> check_figure_path("plot", Path("curves.txt"))
    Traceback (most recent call last):
    ValueError: plot = 'curves.txt' is not allowed; the suffix must be .png or .svg
    """
    if path is None:
        return None
    if Path(path).suffix.lower() not in FIGURE_SUFFIXES:
        raise ValueError(f"{name} = {str(path)!r} is not allowed; the suffix must be "
                         + " or ".join(FIGURE_SUFFIXES))
    return Path(path)


class Interrupted(Exception):
    """Ctrl-C inside a command (raised by :class:`Command` so that :func:`invoke` can say it)."""


class Command(typer.core.TyperCommand):
    """The class of every ``softran`` command: its usage line names the arguments in upper
    case, required ones bare and optional ones in brackets
    (``softran simulate [OPTIONS] SCENARIO``), as do its help and its errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if param.param_type_name == "argument" and param.metavar is None and param.name:
                param.metavar = param.name.upper()

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as exc:   # Typer would turn it into a silent exit code 130
            raise Interrupted from exc

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = (param.metavar or param.name or "").upper()
                name = name if param.required else f"[{name}]"
                pieces.append(name + ("..." if param.nargs != 1 else ""))
        return pieces


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


def use_command_class(app: typer.Typer) -> None:
    """Make :class:`Command` the class of every command of ``app`` and of its groups that
    does not name its own (call it once, after the registrations)."""
    for info in app.registered_commands:
        if info.cls in (None, typer.core.TyperCommand):
            info.cls = Command
    for group in app.registered_groups:
        if group.typer_instance is not None:
            use_command_class(group.typer_instance)


def invoke(command: Any, args: list[str], prog_name: str = "softran") -> int:
    """Run a Click/Typer ``command`` on ``args`` and return its exit code.

    No arguments shows the help. A usage error (unknown option, bad value, ...), a
    ``ValueError`` / ``TypeError`` from the library or an ``OSError`` (a path that cannot be
    read or written, a port in use) prints ``<prog_name>: error: <one line>`` on stderr and
    returns 2; an abort returns 1; Ctrl-C returns 130; ``typer.Exit(n)`` returns ``n``; any
    other exception is a bug: one line ``<prog_name>: internal error: ...`` and 1 (with
    ``SOFTRAN_TRACEBACK=1`` in the environment it propagates, traceback and all).
    """
    try:
        result = command.main(args=args or ["--help"], prog_name=prog_name,
                              standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):  # Click turns Ctrl-C into Abort
            typer.echo(f"{prog_name}: interrupted", err=True)
            return 130
        typer.echo(f"{prog_name}: aborted", err=True)
        return 1
    except typer.TyperException as exc:  # usage errors: unknown option, bad value, ...
        typer.echo(f"{prog_name}: error: {one_line(exc)}", err=True)
        return 2
    except (ValueError, TypeError, OSError) as exc:  # bad input; a file that cannot be written
        typer.echo(f"{prog_name}: error: {one_line(exc)}", err=True)
        return 2
    except (KeyboardInterrupt, Interrupted):
        typer.echo(f"{prog_name}: interrupted", err=True)
        return 130
    except Exception as exc:  # a bug: still one line, unless asked for the traceback
        if os.environ.get("SOFTRAN_TRACEBACK"):
            raise
        typer.echo(f"{prog_name}: internal error: {type(exc).__name__}: {one_line(exc)} "
                   "(SOFTRAN_TRACEBACK=1 shows where)", err=True)
        return 1
    return result if isinstance(result, int) else 0
