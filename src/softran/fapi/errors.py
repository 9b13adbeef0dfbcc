"""The one exception every FAPI decoder raises on bad bytes.

Every decoder of :mod:`softran.fapi` raises :class:`FAPIDecodeError` -- and no other
exception type -- when a buffer is truncated, carries a count or length that disagrees with
the data, holds a field value outside its range or an unknown message / PDU type. It is a
``ValueError``; ``reason`` is one line that names the field. Encoders and constructors raise
plain ``ValueError`` / ``TypeError`` (via :mod:`softran.validation`).
"""

from __future__ import annotations

__all__ = ["FAPIDecodeError"]


class FAPIDecodeError(ValueError):
    """Bytes of an SCF 222 message could not be decoded; ``reason`` says why.

    >>> try:
    ...     raise FAPIDecodeError("truncated SlotIndication.sfn: needs 2 bytes, 1 left")
    ... except ValueError as err:
    ...     print(err.reason)
    truncated SlotIndication.sfn: needs 2 bytes, 1 left
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason: str = reason
