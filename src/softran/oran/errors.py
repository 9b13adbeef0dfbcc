"""The one exception every fronthaul decoder raises on bad input.

Every decoder in :mod:`softran.oran` (eCPRI, C-plane, U-plane, Ethernet/IPv4/UDP framing,
pcap) raises :class:`FronthaulDecodeError` -- and no other exception type -- when the bytes
it is given are truncated, carry a length that disagrees with the data, hold a field value
outside its range, or use a feature that is not supported. The exception is a
``ValueError`` so that callers that already catch ``ValueError`` keep working; its
``reason`` attribute is a one-line, human-readable explanation naming the field.

Encoders raise plain ``ValueError`` / ``TypeError`` (via :mod:`softran.validation`) for bad
arguments: those are programming errors, not bad packets.
"""

from __future__ import annotations

__all__ = ["FronthaulDecodeError"]


class FronthaulDecodeError(ValueError):
    """Bytes on the fronthaul could not be decoded; ``reason`` says why.

    >>> try:
    ...     raise FronthaulDecodeError("ecpriPayload = 9 exceeds the 4 bytes available")
    ... except ValueError as err:
    ...     print(err.reason)
    ecpriPayload = 9 exceeds the 4 bytes available
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason: str = reason
