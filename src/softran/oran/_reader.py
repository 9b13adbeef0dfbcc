"""Private helpers for the decoders: a bounds-checked byte cursor and checked construction."""

from __future__ import annotations

from typing import Any, TypeVar

from softran.oran.errors import FronthaulDecodeError

T = TypeVar("T")


class Reader:
    """Cursor over ``data[pos:end]`` whose every read is bounds checked."""

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None) -> None:
        self.data = bytes(data)
        self.pos = pos
        self.end = len(self.data) if end is None else end

    @property
    def remaining(self) -> int:
        return self.end - self.pos

    def take(self, n: int, what: str) -> bytes:
        if n < 0 or n > self.remaining:
            raise FronthaulDecodeError(f"truncated {what}: needs {n} bytes, "
                                       f"{self.remaining} left")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def uint(self, n: int, what: str) -> int:
        return int.from_bytes(self.take(n, what), "big")

    def u8(self, what: str) -> int:
        return self.uint(1, what)

    def u16(self, what: str) -> int:
        return self.uint(2, what)


def build(cls: type[T], what: str, **fields: Any) -> T:
    """``cls(**fields)``, turning a range/type complaint into a :class:`FronthaulDecodeError`."""
    try:
        return cls(**fields)
    except (ValueError, TypeError) as err:
        raise FronthaulDecodeError(f"invalid {what}: {err}") from None


def signed(value: int, bits: int) -> int:
    """Two's-complement interpretation of an unsigned ``bits``-bit field."""
    return value - (1 << bits) if value >= 1 << (bits - 1) else value
