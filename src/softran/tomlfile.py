"""TOML input files (scenarios, optical link descriptions): reading and the one-line error
format ``"<file>: <dotted.key>: <message>"`` that the CLI prints.

A source is a :class:`~pathlib.Path`, a path string, or TOML text (a string with a newline
or ``=`` is read as text). Validation errors from pydantic are located by their ``loc``
tuple, written as a dotted key with ``[i]`` for array entries.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

__all__ = ["MAX_TOML_BYTES", "format_loc", "read_toml", "split_message"]

#: largest TOML input read (a scenario or link description is a few kB)
MAX_TOML_BYTES = 16 * 2**20


def read_toml(source: str | Path, text_name: str, error: type[Exception]
              ) -> tuple[str, str, dict[str, Any]]:
    """``(name, text, data)`` of a TOML file or text; ``name`` is the file name, or
    ``text_name`` for text. Unreadable files and bad TOML raise ``error`` in one line.

    >>> read_toml('a = 1\\n', "scenario", ValueError)
    ('scenario', 'a = 1\\n', {'a': 1})
    >>> read_toml('x = [', "link", ValueError)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: link: invalid TOML: ...
    >>> read_toml(Path(__file__).with_suffix(".nope"), "x", ValueError)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: tomlfile.nope: cannot read '...tomlfile.nope': No such file or directory
    """
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source
                                    and "=" not in source):
        path = Path(source)
        name = path.name
        try:
            if path.is_file() and path.stat().st_size > MAX_TOML_BYTES:
                raise error(f"{name}: {str(path)!r} has {path.stat().st_size} bytes; a TOML "
                            f"input holds at most {MAX_TOML_BYTES} (is it the right file?)")
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            raise error(f"{name}: cannot read {str(path)!r} as TOML: byte {err.start} is not "
                        "UTF-8 text (is it the right file?)") from None
        except OSError as err:
            raise error(f"{name}: cannot read {str(path)!r}: {err.strerror or err}") from None
    elif isinstance(source, str):
        name, text = text_name, source
    else:
        raise TypeError(f"source must be a path or TOML text, got {type(source).__name__}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise error(f"{name}: invalid TOML: {' '.join(str(err).split())}") from None
    return name, text, data


def format_loc(loc: tuple[Any, ...]) -> str:
    """Dotted key of a pydantic error location.

    >>> format_loc(("spans", 3, "length_km"))
    'spans[3].length_km'
    """
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def split_message(loc: tuple[Any, ...], msg: str) -> tuple[tuple[Any, ...], str]:
    """Strip pydantic's prefixes from a validator message; a message ``"@key.sub: text"``
    moves the error to ``loc + (key, sub)`` (model validators use it to name the field).

    >>> split_message(("channel",), "Value error, @profile: required")
    (('channel', 'profile'), 'required')
    """
    msg = str(msg).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    m = re.match(r"@([\w.]+): (.*)", msg, flags=re.DOTALL)
    if m:
        return (*loc, *m.group(1).split(".")), m.group(2)
    return loc, msg
