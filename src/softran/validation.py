"""Input checks shared by every layer: one clear error per bad argument.

Every public function validates what it is given and raises ``ValueError`` (wrong value)
or ``TypeError`` (wrong type) with a message that names the parameter, the value and what
is allowed. Nothing is clipped or wrapped silently.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import torch
from pydantic import BaseModel, ConfigDict

__all__ = [
    "ValidatedModel",
    "check_bool",
    "check_int_list",
    "check_real",
    "check_bits",
    "check_bytes",
    "check_choice",
    "check_name",
    "check_int",
    "check_int_or_tensor",
    "check_int_tensor",
    "check_positive",
    "check_tensor",
]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_int(name: str, value: Any, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as ``int`` if it is an integer in ``[low, high]``.

    >>> check_int("n_cell_id", 17, 0, 1007)
    17
    """
    if type(value) is not int:  # fast path for plain ints (the ABC check below is slow)
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be an integer, got {_short(value)} "
                            f"({type(value).__name__})")
        value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "-inf" if low is None else str(low)
        hi = "inf" if high is None else str(high)
        raise ValueError(f"{name} = {value} is out of range; allowed: {lo}..{hi}")
    return value


def check_real(name: str, value: Any, low: float | None = None,
               high: float | None = None) -> float:
    """A finite real number (not a bool), optionally within ``[low, high]``, as a float.

    >>> check_real("cfo", 1.5e3), check_real("loss", 0, low=0)
    (1500.0, 0.0)
    >>> check_real("gain", -1, low=0)
    Traceback (most recent call last):
    ValueError: gain = -1.0 is not allowed; it must be >= 0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_short(value)} "
                        f"({type(value).__name__})")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} = {v} is not allowed; it must be finite")
    if low is not None and v < low:
        raise ValueError(f"{name} = {v} is not allowed; it must be >= {low:g}")
    if high is not None and v > high:
        raise ValueError(f"{name} = {v} is not allowed; it must be <= {high:g}")
    return v


def check_positive(name: str, value: Any) -> float:
    """Return ``value`` as ``float`` if it is a finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {_short(value)} ({type(value).__name__})")
    value = float(value)
    if not value > 0 or value == float("inf"):
        raise ValueError(f"{name} = {value} is not allowed; it must be a finite number > 0")
    return value


def check_choice(name: str, value: Any, allowed: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``allowed``; strings compare case-insensitively."""
    allowed = list(allowed)
    for a in allowed:
        if isinstance(a, str) and isinstance(value, str):
            if a.lower() == value.lower():
                return a
        elif a == value and type(a) is type(value):
            return a
    raise ValueError(f"{name} = {_short(value)} is not allowed; allowed: "
                     + ", ".join(repr(a) for a in allowed))


def check_name(name: str, value: Any, allowed: Iterable[str]) -> str:
    """Return the canonical spelling of ``value`` if it is one of the names ``allowed``
    (case-insensitive); a non-string is a ``TypeError`` that lists the allowed names.

    >>> check_name("poly", "24a", ["24A", "24B"])
    '24A'
    """
    allowed = list(allowed)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {_short(value)} ({type(value).__name__}); "
                        "allowed: " + ", ".join(repr(a) for a in allowed))
    return check_choice(name, value, allowed)


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` if it is a ``bool`` (not an int standing in for one).

    >>> check_bool("enable", True)
    True
    """
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {value!r} ({type(value).__name__})")
    return value


def check_int_list(name: str, value: Any, low: int, high: int) -> tuple[int, ...]:
    """An iterable (list, tuple, range, integer tensor) of distinct integers in
    ``[low, high]``, as a tuple; an int is a one-element list.

    >>> check_int_list("prb_set", range(3), 0, 272)
    (0, 1, 2)
    """
    if isinstance(value, torch.Tensor):
        value = value.flatten().tolist()
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = [value]
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be a list of integers, got {type(value).__name__}")
    items = tuple(check_int(f"{name}[{i}]", v, low, high) for i, v in enumerate(value))
    if len(set(items)) != len(items):
        raise ValueError(f"{name} = {list(items)} has repeated entries; each must appear once")
    return items


def check_bytes(name: str, value: Any) -> bytes:
    """Return ``value`` as ``bytes`` if it is ``bytes`` or ``bytearray``.

    >>> check_bytes("payload", bytearray(b"\\x01\\x02"))
    b'\\x01\\x02'
    """
    if not isinstance(value, (bytes, bytearray)):
        raise TypeError(f"{name} must be bytes, got {type(value).__name__}")
    return bytes(value)


def check_tensor(name: str, value: Any, *, min_dim: int = 0) -> torch.Tensor:
    """Return ``value`` if it is a ``torch.Tensor`` with at least ``min_dim`` dimensions."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if value.dim() < min_dim:
        raise ValueError(f"{name} must have at least {min_dim} dimension(s), "
                         f"got shape {tuple(value.shape)}")
    return value


def check_bits(name: str, bits: Any, *, min_dim: int = 1) -> torch.Tensor:
    """Return ``bits`` as a ``uint8`` tensor after checking that every entry is 0 or 1.

    Integer and bool tensors are accepted; floating tensors are rejected (they are LLRs
    or symbols, not bits).

    >>> check_bits("bits", torch.tensor([0, 1, 1])).dtype
    torch.uint8
    """
    bits = check_tensor(name, bits, min_dim=min_dim)
    if bits.is_floating_point() or bits.is_complex():
        raise TypeError(f"{name} must be an integer or bool tensor of 0/1 bits, got dtype {bits.dtype}")
    if bits.dtype != torch.bool and bits.numel() and bool(((bits != 0) & (bits != 1)).any()):
        bad = bits[(bits != 0) & (bits != 1)].flatten()[0].item()
        raise ValueError(f"{name} must contain only 0 and 1, found {bad}")
    return bits.to(torch.uint8)


def check_int_tensor(name: str, value: torch.Tensor, low: int, high: int) -> torch.Tensor:
    """An integer (not bool) tensor with every entry in ``[low, high]``, returned as int64.

    >>> check_int_tensor("n_id", torch.tensor([0, 7], dtype=torch.int32), 0, 1007).dtype
    torch.int64
    """
    if value.dtype == torch.bool or value.is_floating_point() or value.is_complex():
        raise TypeError(f"{name} must be an int or an integer tensor, got dtype {value.dtype}")
    value = value.to(torch.int64)
    bad = (value < low) | (value > high)
    if value.numel() and bool(bad.any()):
        first = int(value[bad].flatten()[0])
        raise ValueError(f"{name} = {first} is out of range; allowed: {low}..{high}")
    return value


def check_int_or_tensor(name: str, value: object, low: int, high: int,
                        device: torch.device | str | None = None) -> torch.Tensor:
    """``value`` (an int or an integer tensor) checked and returned as an int64 tensor on
    ``device`` (default: the tensor's own device, or the CPU for an int).

    >>> check_int_or_tensor("sfn", 5, 0, 1023)
    tensor(5)
    """
    if isinstance(value, torch.Tensor):
        out = check_int_tensor(name, value, low, high)
        return out if device is None else out.to(device)
    return torch.tensor(check_int(name, value, low, high), dtype=torch.int64,
                        device=device if device is not None else "cpu")


class ValidatedModel(BaseModel):
    """Base of the configuration objects (pydantic v2): every field is validated when it is
    set, unknown fields are errors, and a failed assignment leaves the object unchanged.

    >>> class C(ValidatedModel):
    ...     n: int = 1
    >>> c = C()
    >>> try:
    ...     c.n = "x"
    ... except ValueError:
    ...     pass
    >>> c.n
    1
    """

    model_config = ConfigDict(validate_assignment=True, extra="forbid")

    def __setattr__(self, name: str, value: Any) -> None:
        old = dict(self.__dict__)
        old_set = set(self.__pydantic_fields_set__)
        try:
            super().__setattr__(name, value)
        except (ValueError, TypeError):
            object.__setattr__(self, "__dict__", old)
            object.__setattr__(self, "__pydantic_fields_set__", old_set)
            raise
