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

    :func:`softran.fapi.decode` fills ``message_type`` (and ``sfn`` / ``slot`` for a slot
    message whose first four body bytes arrived) so that a PHY can answer with an
    ERROR.indication naming the message.
    """

    def __init__(self, reason: str, *, message_type: int | None = None,
                 sfn: int | None = None, slot: int | None = None) -> None:
        super().__init__(reason)
        self.reason: str = reason
        #: Message type ID (SCF 222 Table 3-4) of the message that failed, when known.
        self.message_type: int | None = message_type
        #: SFN / slot of the failed slot message, when its first four body bytes were there:
        #: what a PHY puts in the ERROR.indication it answers with (SCF 222 §3.3.6.1).
        self.sfn: int | None = sfn
        self.slot: int | None = slot
