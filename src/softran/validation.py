"""Input checks shared by every layer: one clear error per bad argument.

Every public function validates what it is given and raises ``ValueError`` (wrong value)
or ``TypeError`` (wrong type) with a message that names the parameter, the value and what
is allowed. Nothing is clipped or wrapped silently.

Two policies live here, decided once for the whole project:

* **Memory** (:func:`check_allocation`): a function that allocates from a size the caller
  gives (a sequence length, an FFT size, a transport block size, a batch of slots, a number
  of samples to read) first estimates the bytes it will need and refuses, with a
  ``ValueError`` naming the parameter, the value and the limit, a call that would need more
  than :func:`allocation_limit` allows: the smaller of a fixed cap (4 GiB by default;
  :func:`set_max_allocation`, the :func:`max_allocation` context manager or the
  ``SOFTRAN_MAX_ALLOCATION`` environment variable change it) and half of the memory
  available now on the device the call runs on. The cap keeps a typing error (``10**9``
  for ``10**6``) from swapping a machine to a halt or killing a GPU job, whatever memory the
  machine has; the share of the available memory turns what would be an allocator crash
  (``MemoryError``, ``ENOMEM``, the OOM killer, ``CUDA out of memory``) into the same one-line
  error on a smaller machine. Estimates are of the dominant buffers (about right to a small
  factor), so the limit is a guard against mistakes, not an accounting.
* **Non-finite values** (:func:`check_finite`, :func:`check_llr`, :func:`check_variance`):
  NaN is refused everywhere (it is never a value, only the trace of an earlier mistake, and it
  would silently turn every result it touches into NaN or a random decision). ±inf is refused
  in waveforms, grids, symbols, channel coefficients and noise variances, and allowed in LLRs,
  where it means "certain" (+inf: known 0, e.g. filler bits; -inf: known 1). The check is one
  ``isnan().any()`` / ``isfinite().all()`` pass per call at the public entry point.
"""

from __future__ import annotations

import contextlib
import functools
import math
import numbers
import os
import re
from collections.abc import Iterable, Iterator
from typing import Any

import torch
from pydantic import BaseModel, ConfigDict

__all__ = [
    "DEFAULT_MAX_ALLOCATION",
    "MAX_ALLOCATION_ENV",
    "ValidatedModel",
    "allocation_limit",
    "available_memory",
    "check_allocation",
    "check_finite",
    "check_llr",
    "check_variance",
    "get_max_allocation",
    "max_allocation",
    "set_max_allocation",
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
    if bits.dtype != torch.bool and bits.numel():
        # one reduction pass (max, or min and max for signed types); the offending value is
        # looked for only when there is one
        bad_range = (int(bits.max()) > 1 if bits.dtype == torch.uint8
                     else any(int(v) not in (0, 1) for v in torch.aminmax(bits)))
        if bad_range:
            bad = bits[(bits != 0) & (bits != 1)].flatten()[0].item()
            raise ValueError(f"{name} must contain only 0 and 1, found {bad}")
    # a bool tensor holds bytes 0/1: viewed as uint8 without a copy (a uint8 one is returned
    # as it is, too)
    return bits.view(torch.uint8) if bits.dtype == torch.bool else bits.to(torch.uint8)


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


# --------------------------------------------------------------------------------------------
# Memory: refuse a call that would need more memory than allowed (module docstring)
# --------------------------------------------------------------------------------------------

#: Default cap, in bytes, of the memory one call may ask for (4 GiB): more than any single
#: call of a link-level simulation of the standard's largest configurations needs (a 275-PRB
#: slot on 8 ports is about 3 MB; a batch of 1000 of them about 3 GB), far less than what a
#: mistyped size asks for.
DEFAULT_MAX_ALLOCATION: int = 4 << 30
#: Environment variable that sets the cap (bytes, or a size such as ``"16G"``, ``"512MiB"``);
#: read when a check needs it, so worker processes inherit it.
MAX_ALLOCATION_ENV: str = "SOFTRAN_MAX_ALLOCATION"
#: Share of the memory available on the device that one call may ask for.
AVAILABLE_FRACTION: float = 0.5
#: Estimates up to this size pass without querying the available memory (a query costs
#: microseconds; allocations this small cannot exhaust a machine that runs softran).
_QUERY_ABOVE = 64 << 20

_max_allocation_override: int | None = None

_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?)\s*([kmgt]?)(i?b)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def _format_bytes(n: float) -> str:
    for unit, size in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} bytes"


def _parse_size(name: str, value: Any) -> int:
    """A byte count: an int >= 1, or a string of digits with an optional binary unit
    (``"4G"``, ``"512MiB"``, ``"1.5g"``; K = 1024)."""
    if isinstance(value, str):
        m = _SIZE.match(value)
        if m is None:
            raise ValueError(f"{name} = {value!r} is not a size; allowed: a number of bytes, "
                             "optionally with a unit K, M, G or T (binary, e.g. '16G', '512MiB')")
        value = int(float(m.group(1)) * _UNITS[m.group(2).lower()])
    return check_int(name, value, 1)


@functools.lru_cache(maxsize=8)
def _env_cap(text: str) -> int:
    return _parse_size(MAX_ALLOCATION_ENV, text)


def get_max_allocation() -> int:
    """The cap, in bytes, of the memory one call may ask for: the value given to
    :func:`set_max_allocation` (or :func:`max_allocation`), else the ``SOFTRAN_MAX_ALLOCATION``
    environment variable, else :data:`DEFAULT_MAX_ALLOCATION`.

    >>> with max_allocation("1M"):
    ...     get_max_allocation()
    1048576
    """
    if _max_allocation_override is not None:
        return _max_allocation_override
    text = os.environ.get(MAX_ALLOCATION_ENV)
    return DEFAULT_MAX_ALLOCATION if text is None or not text.strip() else _env_cap(text)


def set_max_allocation(limit: int | str | None) -> int | None:
    """Set the cap of :func:`get_max_allocation` for this process (bytes, or a size string such
    as ``"16G"``); ``None`` goes back to the environment variable / default. Returns the
    previous setting (``None`` if there was none), for restoring it.

    >>> old = set_max_allocation("8G"); get_max_allocation() == 8 << 30
    True
    >>> set_max_allocation(old) == 8 << 30
    True
    """
    global _max_allocation_override
    previous = _max_allocation_override
    _max_allocation_override = None if limit is None else _parse_size("limit", limit)
    return previous


@contextlib.contextmanager
def max_allocation(limit: int | str | None) -> Iterator[None]:
    """Context manager: :func:`set_max_allocation` for the ``with`` block, then restore.

    >>> with max_allocation(1000):
    ...     check_allocation("n", 10**6, 10**6)       # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: n = 1000000 would need about 977 KiB of memory, more than the limit of 1000 ...
    """
    previous = set_max_allocation(limit)
    try:
        yield
    finally:
        set_max_allocation(previous)


def _cgroup_available() -> int | None:
    """Memory left under the cgroup v2 / v1 limit of this process (containers), or None."""
    for limit_file, usage_file in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                    "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            with open(limit_file) as f:
                limit = f.read().strip()
            with open(usage_file) as f:
                usage = int(f.read().strip())
        except (OSError, ValueError):
            continue
        if limit.isdigit() and int(limit) < 1 << 60:
            return max(int(limit) - usage, 0)
    return None


def available_memory(device: torch.device | str | None = None) -> int | None:
    """Bytes that can be allocated now on ``device`` (default: the CPU), or ``None`` where this
    cannot be known. CPU: ``MemAvailable`` of ``/proc/meminfo`` (else the free physical pages),
    bounded by the cgroup limit of a container; CUDA: the free device memory plus what torch's
    caching allocator holds unused.

    >>> (available_memory() or 1) > 0
    True
    """
    dev = torch.device("cpu" if device is None else device)
    if dev.type == "cuda":
        try:
            free, _total = torch.cuda.mem_get_info(dev)
            return int(free + torch.cuda.memory_reserved(dev) - torch.cuda.memory_allocated(dev))
        except (RuntimeError, AssertionError, ValueError):
            return None
    if dev.type != "cpu":
        return None
    avail: int | None = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        avail = None
    if avail is None:
        try:
            avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, ValueError, OSError):
            avail = None
    group = _cgroup_available()
    if group is not None:
        avail = group if avail is None else min(avail, group)
    return avail


def allocation_limit(device: torch.device | str | None = None) -> tuple[int, str]:
    """``(bytes, reason)``: what one call on ``device`` may ask for now, the smaller of the cap
    (:func:`get_max_allocation`) and :data:`AVAILABLE_FRACTION` of :func:`available_memory`,
    and which of the two it is.

    >>> with max_allocation("1K"):
    ...     allocation_limit()
    (1024, 'the per-call cap; set_max_allocation() or SOFTRAN_MAX_ALLOCATION raise it')
    """
    cap = get_max_allocation()
    why = "the per-call cap; set_max_allocation() or SOFTRAN_MAX_ALLOCATION raise it"
    avail = available_memory(device)
    if avail is not None and AVAILABLE_FRACTION * avail < cap:
        dev = torch.device("cpu" if device is None else device)
        return (int(AVAILABLE_FRACTION * avail),
                f"half of the {_format_bytes(avail)} of memory available now on {dev}")
    return cap, why


def check_allocation(name: str, value: Any, n_elements: float,
                     bytes_per_element: int | torch.dtype = 1, *,
                     device: torch.device | str | None = None) -> None:
    """Refuse a call before it allocates about ``n_elements * bytes_per_element`` bytes, if that
    is more than :func:`allocation_limit` allows on ``device`` (module docstring).

    ``name`` and ``value`` are the parameter the size comes from and its value, as the caller
    gave it; ``n_elements`` the estimated number of elements of the dominant buffers (a Python
    int cannot overflow; products of user sizes are safe); ``bytes_per_element`` an int or a
    dtype. Small estimates (up to 64 MiB and under the cap) pass after one comparison.

    >>> check_allocation("n", 10**6, 10**6, torch.complex64)   # 8 MB: fine
    >>> check_allocation("n", 10**11, 10**11)                  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: n = 100000000000 would need about 93.1 GiB of memory, more than the limit of ...
    """
    if isinstance(bytes_per_element, torch.dtype):
        bytes_per_element = bytes_per_element.itemsize
    n_bytes = math.ceil(n_elements) * bytes_per_element
    cap = get_max_allocation()
    if n_bytes <= min(cap, _QUERY_ABOVE):
        return
    limit, why = (cap, "the per-call cap; set_max_allocation() or SOFTRAN_MAX_ALLOCATION raise "
                  "it") if n_bytes > cap else allocation_limit(device)
    if n_bytes > limit:
        raise ValueError(f"{name} = {_short(value)} would need about {_format_bytes(n_bytes)} of "
                         f"memory, more than the limit of {_format_bytes(limit)} ({why})")


# --------------------------------------------------------------------------------------------
# Non-finite values: NaN never, ±inf only in LLRs (module docstring)
# --------------------------------------------------------------------------------------------

def _first_index(mask: torch.Tensor) -> tuple[int, ...] | int:
    idx = tuple(int(i) for i in mask.nonzero()[0])
    return idx[0] if len(idx) == 1 else idx


def check_finite(name: str, value: Any, *, allow_inf: bool = False) -> torch.Tensor:
    """Return the tensor ``value`` if it holds no NaN (and, unless ``allow_inf``, no ±inf).

    The project's one policy on non-finite values (module docstring): NaN is always refused;
    ±inf is refused in waveforms, grids, symbols, channels and noise variances, allowed only
    in LLRs (``allow_inf=True``, where it means "certain"). Integer and bool tensors pass
    unchecked. Cost: one sum over the data (NaN and ±inf propagate into it; 20 to 30 times
    cheaper than ``isnan().any()``, which allocates a mask); only when the sum is not finite
    (or, with ``allow_inf``, NaN: also +inf plus -inf, or an overflow) does the exact
    elementwise test run, to tell a real NaN / inf from those.

    >>> check_finite("waveform", torch.tensor([1.0, float("nan")]))
    Traceback (most recent call last):
    ValueError: waveform contains NaN (first at index 1); it must hold finite numbers
    >>> check_finite("llr", torch.tensor([float("inf"), -2.0]), allow_inf=True)
    tensor([inf, -2.])
    """
    value = check_tensor(name, value)
    if not (value.is_floating_point() or value.is_complex()) or value.numel() == 0:
        return value
    total = value.detach().sum()
    if allow_inf:
        if not bool(torch.isnan(total)):
            return value
        nan = torch.isnan(value)
        if bool(nan.any()):
            raise ValueError(f"{name} contains NaN (first at index {_first_index(nan)}); it "
                             "must hold numbers or +-inf (LLRs: +inf for a certain 0, -inf for "
                             "a certain 1)")
        return value
    if bool(torch.isfinite(total)):
        return value
    if not bool(torch.isfinite(value).all()):
        nan = torch.isnan(value)
        what = "NaN" if bool(nan.any()) else "inf"
        where = _first_index(nan if what == "NaN" else ~torch.isfinite(value))
        raise ValueError(f"{name} contains {what} (first at index {where}); it must hold finite "
                         "numbers")
    return value


def check_llr(name: str, value: Any, *, min_dim: int = 1) -> torch.Tensor:
    """A floating-point tensor of LLRs (``LLR = ln P(b=0)/P(b=1)``) with at least ``min_dim``
    dimensions and no NaN; ±inf are allowed (certain bits), see :func:`check_finite`.

    >>> check_llr("llr", torch.tensor([1, 0]))
    Traceback (most recent call last):
    TypeError: llr must be a floating-point tensor of LLRs, got dtype torch.int64
    """
    value = check_tensor(name, value, min_dim=min_dim)
    if not value.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor of LLRs, got dtype {value.dtype}")
    return check_finite(name, value, allow_inf=True)


def check_variance(name: str, value: Any, *, positive: bool = False) -> float | torch.Tensor:
    """A noise variance: a real number, or a real (not complex, not bool) tensor, finite and
    >= 0 everywhere (> 0 with ``positive``, where it divides). Returns a float or the tensor.

    >>> check_variance("noise_var", 0.5), check_variance("noise_var", torch.tensor([0.0, 1.0]))
    (0.5, tensor([0., 1.]))
    >>> check_variance("noise_var", float("nan"))
    Traceback (most recent call last):
    ValueError: noise_var = nan is not allowed; it must be finite
    """
    bound = "> 0" if positive else ">= 0"
    if isinstance(value, torch.Tensor):
        if value.is_complex() or value.dtype == torch.bool:
            raise TypeError(f"{name} must be a real number or a real tensor, got dtype "
                            f"{value.dtype}")
        check_finite(name, value)
        bad = (value <= 0) if positive else (value < 0)
        if value.numel() and bool(bad.any()):
            raise ValueError(f"{name} must be {bound} everywhere, found "
                             f"{value[bad].flatten()[0].item()} (first at index "
                             f"{_first_index(bad)})")
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number or a real tensor, got {_short(value)} "
                        f"({type(value).__name__})")
    v = check_real(name, value)
    if (v <= 0) if positive else (v < 0):
        raise ValueError(f"{name} = {v} is not allowed; it must be {bound}")
    return v
