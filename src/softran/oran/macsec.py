"""MACsec (IEEE Std 802.1AE-2018) on the fronthaul's Ethernet frames, with static keys.

The O-RAN security requirements (O-RAN.WG11 Security Requirements Specifications, fronthaul
C/U-plane) ask for MACsec between O-DU and O-RU. This module is one MAC Security Entity
(:class:`SecY`) per endpoint and a transport wrapper (:class:`MACsecTransport`):

* **SecTAG** (clause 9.3): ``EtherType 0x88E5 | TCI/AN | SL | PN | [SCI]``. TCI bits V (0),
  ES (end station), SC (SCI present), SCB, E (encrypted), C (changed text), and the 2-bit
  association number AN; SL = the number of secure-data octets when below 48, else 0; the
  32-bit packet number PN; the 8-octet SCI = MAC address || port identifier (clause 8.2.1).
* **Cipher suites** (clause 14, ``data/macsec_cipher_suites.csv``): GCM-AES-128, GCM-AES-256
  and the extended-packet-numbering GCM-AES-XPN-128 / -256 (64-bit PN, the SecTAG carries the
  32 low bits, IV = (SSCI || PN) xor Salt), through ``cryptography``'s AESGCM. With
  confidentiality the secure data (the frame from its EtherType on) is encrypted and the
  additional authenticated data is ``DA | SA | SecTAG``; without it (E = C = 0) the secure
  data is sent in the clear inside the authenticated data. The ICV is 16 octets.
* **Receive validation** (clause 10.6) with ``validateFrames`` Strict / Check / Disabled,
  ``replayProtect`` and ``replayWindow``: a frame with PN below the lowest acceptable PN
  (``nextPN - replayWindow``) is *late* and dropped; after a valid frame ``nextPN`` moves on.
  With a window of 0 (the default) any frame whose PN was seen or passed is dropped; within a
  non-zero window 802.1AE accepts reordered frames and does not detect duplicates. Under XPN
  the PN's high 32 bits are recovered from the lowest acceptable PN (802.1AEbw clause
  10.6.2), so a replayed frame is read as 2^32 ahead and fails the ICV (``InPktsNotValid``).
* **Counters** (clause 10.7, names as in the standard): SecY ``InPktsUntagged``,
  ``InPktsNoTag``, ``InPktsBadTag``, ``InPktsUnknownSCI``, ``InPktsNoSCI``, ``InPktsOverrun``,
  ``OutPktsUntagged``, ``OutPktsTooLong``, octet counters; per receive SC ``InPktsOK``,
  ``InPktsUnchecked``, ``InPktsDelayed``, ``InPktsLate``, ``InPktsInvalid``,
  ``InPktsNotValid``, ``InPktsNotUsingSA``, ``InPktsUnusedSA`` (the last two: a frame for an
  AN with no receive SA installed -- "no SA"); per SA the ones that apply to it; per transmit
  SC / SA ``OutPktsProtected``, ``OutPktsEncrypted``.

**Keys are static** (:class:`MACsecConfig`: one SAK for the channel, installed for the
transmit SA and for the peer's receive SA, as MKA would distribute one SAK to all members).
MKA (IEEE 802.1X key agreement), SAK rekeying and the confidentiality offset are out of scope;
a transmit SA whose PN is exhausted raises :class:`MACsecError` (a new key is needed). Dropped
frames are counted and never raise; :attr:`SecY.last_drop` names why the last one was dropped.
"""

from __future__ import annotations

import csv
import struct
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from softran.oran.transport import ECPRI_ETHERTYPE, VlanTag, build_ethernet_frame, mac_bytes
from softran.validation import check_bool, check_bytes, check_choice, check_int

__all__ = [
    "ICV_BYTES",
    "MACSEC_ETHERTYPE",
    "ODU_MAC",
    "ORU_MAC",
    "RX_SA_COUNTERS",
    "RX_SC_COUNTERS",
    "SECY_COUNTERS",
    "TX_SA_COUNTERS",
    "VALIDATE_FRAMES",
    "CipherSuite",
    "MACsecConfig",
    "MACsecError",
    "MACsecTransport",
    "SecTAG",
    "SecY",
    "cipher_suite",
    "make_sci",
]

#: EtherType of the SecTAG (IEEE 802.1AE clause 9.2).
MACSEC_ETHERTYPE: int = 0x88E5
#: Locally administered MAC addresses of the O-DU and the O-RU in softran's pcaps and loopbacks.
ODU_MAC: str = "02:00:00:00:00:01"
ORU_MAC: str = "02:00:00:00:00:02"
#: ICV length of every 802.1AE-2018 cipher suite.
ICV_BYTES: int = 16
#: ``validateFrames`` values (clause 10.7.8).
VALIDATE_FRAMES: tuple[str, ...] = ("Disabled", "Check", "Strict")
#: SecY statistics (clause 10.7.3, 10.7.9 - 10.7.10).
SECY_COUNTERS: tuple[str, ...] = (
    "InPktsUntagged", "InPktsNoTag", "InPktsBadTag", "InPktsUnknownSCI", "InPktsNoSCI",
    "InPktsOverrun", "InOctetsValidated", "InOctetsDecrypted", "OutPktsUntagged",
    "OutPktsTooLong", "OutOctetsProtected", "OutOctetsEncrypted")
#: Receive SC statistics (clause 10.7.9).
RX_SC_COUNTERS: tuple[str, ...] = (
    "InPktsOK", "InPktsUnchecked", "InPktsDelayed", "InPktsLate", "InPktsInvalid",
    "InPktsNotValid", "InPktsNotUsingSA", "InPktsUnusedSA")
#: Receive SA statistics (clause 10.7.12).
RX_SA_COUNTERS: tuple[str, ...] = ("InPktsOK", "InPktsInvalid", "InPktsNotValid",
                                   "InPktsNotUsingSA", "InPktsUnusedSA")
#: Transmit SC / SA statistics (clauses 10.7.17, 10.7.20).
TX_SA_COUNTERS: tuple[str, ...] = ("OutPktsProtected", "OutPktsEncrypted")

_TCI_V, _TCI_ES, _TCI_SC, _TCI_SCB, _TCI_E, _TCI_C = 0x80, 0x40, 0x20, 0x10, 0x08, 0x04
_ETHERTYPE_BYTES = MACSEC_ETHERTYPE.to_bytes(2, "big")
_TAG = struct.Struct(">HBBI")               # EtherType, TCI/AN, SL, PN (32 bits)
_MIN_FRAME = 60


class MACsecError(RuntimeError):
    """A transmit SA cannot protect another frame (PN exhausted) or is missing."""


@dataclass(frozen=True)
class CipherSuite:
    """A MACsec cipher suite: name, 64-bit identifier, SAK length in octets, XPN or not."""

    name: str
    identifier: str
    key_bytes: int
    xpn: bool


@cache
def _suites() -> dict[str, CipherSuite]:
    path = Path(__file__).parent / "data" / "macsec_cipher_suites.csv"
    with open(path, newline="") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    return {r["name"]: CipherSuite(r["name"], r["identifier"], int(r["key_bytes"]),
                                   r["xpn"] == "1") for r in rows}


def cipher_suite(name: str) -> CipherSuite:
    """The cipher suite ``name`` (IEEE 802.1AE-2018 Table 14-1).

    >>> cipher_suite("GCM-AES-XPN-256")
    CipherSuite(name='GCM-AES-XPN-256', identifier='00-80-C2-00-01-00-00-04', key_bytes=32, xpn=True)
    """
    suites = _suites()
    return suites[check_choice("cipher_suite", name, tuple(suites))]


def make_sci(mac: str | bytes, port: int = 1) -> bytes:
    """The 64-bit Secure Channel Identifier: the 48-bit MAC address of the SecY's port and a
    16-bit port identifier (IEEE 802.1AE clause 8.2.1; an end station uses port 1).

    >>> make_sci("02:00:00:00:00:01").hex()
    '0200000000010001'
    """
    return mac_bytes(mac) + check_int("port", port, 0, 0xFFFF).to_bytes(2, "big")


@dataclass(frozen=True)
class SecTAG:
    """A parsed SecTAG (IEEE 802.1AE clause 9.3), without the EtherType.

    >>> tag = SecTAG(an=2, sc=True, e=True, c=True, sl=0, pn=0xB2C28465,
    ...              sci=bytes.fromhex("12153524C0895E81"))
    >>> tag.to_bytes().hex()
    '88e52e00b2c2846512153524c0895e81'
    >>> SecTAG.parse(tag.to_bytes()) == tag
    True
    """

    an: int
    pn: int
    sl: int = 0
    es: bool = False
    sc: bool = False
    scb: bool = False
    e: bool = False
    c: bool = False
    sci: bytes | None = None
    v: bool = False

    @property
    def tci_an(self) -> int:
        """The TCI/AN octet."""
        return ((_TCI_V if self.v else 0) | (_TCI_ES if self.es else 0)
                | (_TCI_SC if self.sc else 0) | (_TCI_SCB if self.scb else 0)
                | (_TCI_E if self.e else 0) | (_TCI_C if self.c else 0) | self.an)

    def to_bytes(self) -> bytes:
        """``0x88E5 | TCI/AN | SL | PN | [SCI]`` (8 or 16 octets)."""
        out = _ETHERTYPE_BYTES + bytes([self.tci_an, self.sl]) + self.pn.to_bytes(4, "big")
        return out + (self.sci or b"") if self.sc else out

    @classmethod
    def parse(cls, data: bytes) -> SecTAG:
        """Read a SecTAG that starts with its EtherType (fields only; validity is
        :meth:`SecY.validate`'s job)."""
        if len(data) < 8 or data[:2] != _ETHERTYPE_BYTES:
            raise ValueError("data does not start with a MACsec SecTAG (EtherType 0x88E5)")
        tci = data[2]
        sc = bool(tci & _TCI_SC)
        if sc and len(data) < 16:
            raise ValueError("SecTAG with SC = 1 is shorter than 16 octets")
        return cls(an=tci & 3, pn=int.from_bytes(data[4:8], "big"), sl=data[3],
                   es=bool(tci & _TCI_ES), sc=sc, scb=bool(tci & _TCI_SCB),
                   e=bool(tci & _TCI_E), c=bool(tci & _TCI_C),
                   sci=bytes(data[8:16]) if sc else None, v=bool(tci & _TCI_V))


@dataclass
class _TxSA:
    an: int
    aead: AESGCM
    next_pn: int
    ssci: bytes
    salt: bytes
    stats: dict[str, int] = field(default_factory=dict)


@dataclass
class _RxSA:
    an: int
    aead: AESGCM
    next_pn: int
    lowest_pn: int
    ssci: bytes
    salt: bytes
    stats: dict[str, int] = field(default_factory=dict)


@dataclass
class _RxSC:
    sci: bytes
    sas: dict[int, _RxSA] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)


def _xor(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")


class SecY:
    """One MAC Security Entity: a transmit secure channel and receive secure channels.

    Args:
        sci: this SecY's SCI (:func:`make_sci`); the transmit SC.
        cipher_suite: a name of :func:`cipher_suite` (default GCM-AES-128).
        confidentiality: encrypt (E = C = 1); otherwise integrity only (E = C = 0).
        include_sci: put the SCI in every SecTAG (SC = 1); otherwise the ES bit is set and the
            receiver takes the SCI from the source MAC address and port 1 (clause 9.5).
        validate_frames: ``"Strict"`` (the default: unprotected or invalid frames are
            dropped), ``"Check"`` or ``"Disabled"``.
        replay_protect, replay_window: clause 10.6.2 (defaults: on, window 0).

    Install keys with :meth:`install_tx_sa` and :meth:`install_rx_sa`.

    >>> a, b = SecY(make_sci("02:00:00:00:00:01")), SecY(make_sci("02:00:00:00:00:02"))
    >>> a.install_tx_sa(0, bytes(16)); b.install_rx_sa(a.sci, 0, bytes(16))
    >>> frame = bytes(6) + bytes.fromhex("020000000001") + b"\\xae\\xfe" + b"payload"
    >>> b.validate(a.protect(frame)) == frame, b.rx_stats(a.sci)["InPktsOK"]
    (True, 1)
    >>> b.validate(frame), b.stats["InPktsNoTag"], b.last_drop      # unprotected: dropped
    (None, 1, 'InPktsNoTag')
    """

    def __init__(self, sci: bytes, *, cipher_suite: str = "GCM-AES-128",
                 confidentiality: bool = True, include_sci: bool = True,
                 validate_frames: str = "Strict", replay_protect: bool = True,
                 replay_window: int = 0) -> None:
        sci = check_bytes("sci", sci)
        if len(sci) != 8:
            raise ValueError(f"sci has {len(sci)} octets; an SCI has 8 (MAC || port)")
        self.sci = sci
        self.suite = globals()["cipher_suite"](cipher_suite)
        self.confidentiality = check_bool("confidentiality", confidentiality)
        self.include_sci = check_bool("include_sci", include_sci)
        self.validate_frames = check_choice("validate_frames", validate_frames, VALIDATE_FRAMES)
        self.replay_protect = check_bool("replay_protect", replay_protect)
        self.replay_window = check_int("replay_window", replay_window, 0, 0xFFFFFFFF)
        self.stats: dict[str, int] = dict.fromkeys(SECY_COUNTERS, 0)
        self.tx_stats: dict[str, int] = dict.fromkeys(TX_SA_COUNTERS, 0)
        self.last_drop: str | None = None
        self._tx: _TxSA | None = None
        self._rx: dict[bytes, _RxSC] = {}
        self._pn_limit = (1 << 64) - 1 if self.suite.xpn else (1 << 32) - 1
        self._strict = self.validate_frames == "Strict"
        self._tci = (_TCI_E | _TCI_C if self.confidentiality else 0) | (
            _TCI_SC if self.include_sci else _TCI_ES)
        self._sci_field = sci if self.include_sci else b""
        self._iv_prefix = sci

    # -- keys ------------------------------------------------------------------------------

    def _key_args(self, key: bytes, ssci: int | None, salt: bytes | None
                  ) -> tuple[AESGCM, bytes, bytes]:
        key = check_bytes("key", key)
        if len(key) != self.suite.key_bytes:
            raise ValueError(f"key has {len(key)} octets; {self.suite.name} needs "
                             f"{self.suite.key_bytes}")
        if self.suite.xpn:
            if ssci is None or salt is None:
                raise ValueError(f"{self.suite.name} needs ssci and salt (12 octets)")
            salt = check_bytes("salt", salt)
            if len(salt) != 12:
                raise ValueError(f"salt has {len(salt)} octets; XPN needs 12")
            return AESGCM(key), check_int("ssci", ssci, 0, 0xFFFFFFFF).to_bytes(4, "big"), salt
        return AESGCM(key), b"", b""

    def install_tx_sa(self, an: int, key: bytes, next_pn: int = 1, *, ssci: int | None = None,
                      salt: bytes | None = None) -> None:
        """Install (and start using) the transmit SA ``an`` with SAK ``key``; XPN suites also
        need this SC's ``ssci`` and the 96-bit ``salt`` (clause 10.7.21, 14.7)."""
        an = check_int("an", an, 0, 3)
        aead, ssci_b, salt_b = self._key_args(key, ssci, salt)
        next_pn = check_int("next_pn", next_pn, 1, self._pn_limit)
        self._tx = _TxSA(an, aead, next_pn, ssci_b, salt_b, dict.fromkeys(TX_SA_COUNTERS, 0))

    def install_rx_sa(self, sci: bytes, an: int, key: bytes, next_pn: int = 1, *,
                      ssci: int | None = None, salt: bytes | None = None) -> None:
        """Install the receive SA ``an`` of the peer's secure channel ``sci`` (clause
        10.7.13); XPN suites need the peer SC's ``ssci`` and the ``salt``."""
        sci = check_bytes("sci", sci)
        if len(sci) != 8:
            raise ValueError(f"sci has {len(sci)} octets; an SCI has 8 (MAC || port)")
        an = check_int("an", an, 0, 3)
        aead, ssci_b, salt_b = self._key_args(key, ssci, salt)
        next_pn = check_int("next_pn", next_pn, 1, self._pn_limit)
        sc = self._rx.setdefault(sci, _RxSC(sci, stats=dict.fromkeys(RX_SC_COUNTERS, 0)))
        sc.sas[an] = _RxSA(an, aead, next_pn, max(1, next_pn - self.replay_window), ssci_b,
                           salt_b, dict.fromkeys(RX_SA_COUNTERS, 0))

    # -- transmit --------------------------------------------------------------------------

    def protect(self, frame: bytes) -> bytes:
        """The MACsec frame of an Ethernet frame ``DA | SA | EtherType | data`` (no FCS, not
        padded): ``DA | SA | SecTAG | secure data | ICV`` (clause 10.5). Raises
        :class:`MACsecError` when no transmit SA is installed or its PN is exhausted."""
        sa = self._tx
        if sa is None:
            raise MACsecError("no transmit SA installed (install_tx_sa)")
        if len(frame) < 14:
            raise ValueError(f"frame has {len(frame)} octets; an Ethernet frame has at least 14")
        pn = sa.next_pn
        if pn > self._pn_limit:
            raise MACsecError(f"transmit SA {sa.an} has used every PN; a new SAK is needed "
                              "(MKA and rekeying are out of scope)")
        sa.next_pn = pn + 1
        n = len(frame) - 12
        head = frame[:12] + _TAG.pack(MACSEC_ETHERTYPE, self._tci | sa.an, n if n < 48 else 0,
                                      pn & 0xFFFFFFFF) + self._sci_field
        if self.suite.xpn:
            iv = _xor(sa.ssci + pn.to_bytes(8, "big"), sa.salt)
        else:
            iv = self._iv_prefix + pn.to_bytes(4, "big")
        if self.confidentiality:
            out = head + sa.aead.encrypt(iv, frame[12:], head)
            sa.stats["OutPktsEncrypted"] += 1
            self.tx_stats["OutPktsEncrypted"] += 1
            self.stats["OutOctetsEncrypted"] += n
        else:
            protected = head + frame[12:]
            out = protected + sa.aead.encrypt(iv, b"", protected)
            sa.stats["OutPktsProtected"] += 1
            self.tx_stats["OutPktsProtected"] += 1
            self.stats["OutOctetsProtected"] += n
        return out

    # -- receive ---------------------------------------------------------------------------

    def _drop(self, counter: str, stats: dict[str, int], *more: dict[str, int]) -> None:
        stats[counter] += 1
        for s in more:
            s[counter] += 1
        self.last_drop = counter

    def validate(self, frame: bytes) -> bytes | None:
        """Verify and strip MACsec (clause 10.6): the frame ``DA | SA | EtherType | data``, or
        ``None`` if it was dropped (counted under the counter :attr:`last_drop` names).
        Padding after a short frame's ICV (SL != 0) is removed."""
        secure = self.validate_secure(frame)
        return None if secure is None else bytes(frame[:12]) + secure

    def validate_secure(self, frame: bytes) -> bytes | None:
        """:meth:`validate` without the MAC addresses: the user data from its EtherType on,
        or ``None`` (dropped and counted). An untagged frame passed by Check / Disabled
        comes back from its EtherType on as well."""
        self.last_drop = None
        strict = self._strict
        n = len(frame)
        if n < 14 or frame[12:14] != _ETHERTYPE_BYTES:
            if strict:
                return self._drop("InPktsNoTag", self.stats)
            self.stats["InPktsUntagged"] += 1
            return bytes(frame[12:])
        if n < 20:
            return self._drop("InPktsBadTag", self.stats)
        tci, sl = frame[14], frame[15]
        sc_bit = tci & _TCI_SC
        tag_len = 16 if sc_bit else 8
        if (tci & _TCI_V or (tci & (_TCI_ES | _TCI_SCB) and sc_bit) or sl & 0xC0
                or n < 12 + tag_len + ICV_BYTES):
            return self._drop("InPktsBadTag", self.stats)
        secure_at = 12 + tag_len
        if sl:
            end = secure_at + sl + ICV_BYTES
            if sl >= 48 or n < end:
                return self._drop("InPktsBadTag", self.stats)
        else:
            end = n
            if end - secure_at - ICV_BYTES < 48:
                return self._drop("InPktsBadTag", self.stats)
        pn32 = int.from_bytes(frame[16:20], "big")
        if pn32 == 0 and not self.suite.xpn:
            return self._drop("InPktsBadTag", self.stats)
        changed = tci & _TCI_C
        if sc_bit:
            sci = bytes(frame[20:28])
        elif tci & _TCI_ES:
            sci = bytes(frame[6:12]) + b"\x00\x01"
        else:
            sci = next(iter(self._rx)) if len(self._rx) == 1 else b""
        sc = self._rx.get(sci)
        if sc is None:
            if strict or changed:
                return self._drop("InPktsNoSCI", self.stats)
            self.stats["InPktsUnknownSCI"] += 1
            return bytes(frame[secure_at:end - ICV_BYTES])
        sa = sc.sas.get(tci & 3)
        if sa is None:
            if strict or changed:
                return self._drop("InPktsNotUsingSA", sc.stats)
            sc.stats["InPktsUnusedSA"] += 1
            return bytes(frame[secure_at:end - ICV_BYTES])
        if self.suite.xpn:
            hi = sa.lowest_pn >> 32
            if pn32 < (sa.lowest_pn & 0xFFFFFFFF):
                hi += 1
            pn = (hi << 32) | pn32
            iv = _xor(sa.ssci + pn.to_bytes(8, "big"), sa.salt)
        else:
            pn = pn32
            iv = sci + frame[16:20]
        if self.replay_protect and pn < sa.lowest_pn:
            return self._drop("InPktsLate", sc.stats)
        if self.validate_frames == "Disabled":
            sc.stats["InPktsUnchecked"] += 1
            return bytes(frame[secure_at:end - ICV_BYTES])
        encrypted = tci & _TCI_E
        try:
            if encrypted:
                plain = sa.aead.decrypt(iv, frame[secure_at:end], frame[:secure_at])
            else:
                sa.aead.decrypt(iv, frame[end - ICV_BYTES:end], frame[:end - ICV_BYTES])
                plain = bytes(frame[secure_at:end - ICV_BYTES])
        except InvalidTag:
            if strict or changed:
                return self._drop("InPktsNotValid", sc.stats, sa.stats)
            sc.stats["InPktsInvalid"] += 1
            sa.stats["InPktsInvalid"] += 1
            return bytes(frame[secure_at:end - ICV_BYTES])
        delayed = pn < sa.lowest_pn              # only possible without replay protection
        if pn >= sa.next_pn:
            sa.next_pn = pn + 1
            sa.lowest_pn = max(1, sa.next_pn - self.replay_window)
        if delayed:
            sc.stats["InPktsDelayed"] += 1
        else:
            sc.stats["InPktsOK"] += 1
            sa.stats["InPktsOK"] += 1
        self.stats["InOctetsDecrypted" if encrypted else "InOctetsValidated"] += len(plain)
        return plain

    # -- counters --------------------------------------------------------------------------

    def rx_stats(self, sci: bytes) -> dict[str, int]:
        """Counters of the receive SC ``sci``."""
        if sci not in self._rx:
            raise KeyError(f"no receive secure channel {bytes(sci).hex()}")
        return self._rx[sci].stats

    def rx_sa_stats(self, sci: bytes, an: int) -> dict[str, int]:
        """Counters of receive SA ``an`` of SC ``sci``."""
        return self._rx[sci].sas[an].stats

    def totals(self) -> dict[str, int]:
        """SecY, transmit and all receive-SC counters in one dict (receive SCs summed).

        >>> SecY(make_sci("02:00:00:00:00:01")).totals()["InPktsLate"]
        0
        """
        out = dict(self.stats)
        out.update(self.tx_stats)
        for name in RX_SC_COUNTERS:
            out[name] = sum(sc.stats[name] for sc in self._rx.values())
        return out

    def table(self, title: str = "MACsec counters") -> Any:
        """The non-zero counters (and the drop counters, even at 0) as a Rich table."""
        from rich.table import Table

        always = ("InPktsOK", "InPktsLate", "InPktsNotValid", "InPktsNotUsingSA",
                  "InPktsNoSCI", "InPktsNoTag", "InPktsBadTag")
        totals = self.totals()
        order = always + tuple(sorted(k for k in totals if k not in always))
        t = Table(title=title)
        t.add_column("802.1AE counter")
        t.add_column("value", justify="right")
        for name in order:
            if totals[name] or name in always:
                t.add_row(name, str(totals[name]))
        return t


@dataclass(frozen=True)
class MACsecConfig:
    """A static MACsec configuration shared by both ends of a link (no MKA).

    Attributes:
        key: the SAK, 16 octets (GCM-AES-128 / XPN-128) or 32 (GCM-AES-256 / XPN-256).
        xpn: use the extended-packet-numbering suite of that key length.
        salt: XPN only: the 96-bit salt both ends share (default: 12 zero octets -- MKA would
            derive it; any agreed value works for static keys).
        an: association number of the SA.
        confidentiality, include_sci, validate_frames, replay_protect, replay_window: as
            for :class:`SecY`.
        port: port identifier of both SCIs.

    SSCIs (XPN) are given as MKA would: the channel with the numerically lower SCI gets 1,
    the other 2.

    >>> cfg = MACsecConfig(bytes(32))
    >>> cfg.suite, cfg.secy("02:00:00:00:00:01", "02:00:00:00:00:02").sci.hex()
    ('GCM-AES-256', '0200000000010001')
    """

    key: bytes
    xpn: bool = False
    salt: bytes = bytes(12)
    an: int = 0
    confidentiality: bool = True
    include_sci: bool = True
    validate_frames: str = "Strict"
    replay_protect: bool = True
    replay_window: int = 0
    port: int = 1

    def __post_init__(self) -> None:
        key = check_bytes("key", self.key)
        if len(key) not in (16, 32):
            raise ValueError(f"key has {len(key)} octets; a MACsec SAK has 16 (GCM-AES-128) "
                             "or 32 (GCM-AES-256)")
        check_bool("xpn", self.xpn)
        check_int("an", self.an, 0, 3)
        check_int("port", self.port, 0, 0xFFFF)
        check_choice("validate_frames", self.validate_frames, VALIDATE_FRAMES)

    @classmethod
    def from_hex(cls, key_hex: str, **kwargs: Any) -> MACsecConfig:
        """From a hex key (32 or 64 hex digits; ``:``, ``-`` and spaces ignored).

        >>> MACsecConfig.from_hex("00" * 16).suite
        'GCM-AES-128'
        """
        if not isinstance(key_hex, str):
            raise TypeError(f"key_hex must be a str, got {type(key_hex).__name__}")
        text = key_hex.replace(":", "").replace("-", "").replace(" ", "")
        try:
            key = bytes.fromhex(text)
        except ValueError:
            raise ValueError(f"macsec key = {key_hex!r} is not hex; give 32 or 64 hex digits "
                             "(a 128- or 256-bit SAK)") from None
        if len(key) not in (16, 32):
            raise ValueError(f"macsec key has {len(text)} hex digits; allowed: 32 (GCM-AES-128) "
                             "or 64 (GCM-AES-256)")
        return cls(key, **kwargs)

    @property
    def suite(self) -> str:
        """The cipher suite name for this key length and ``xpn``."""
        bits = 8 * len(self.key)
        return f"GCM-AES-XPN-{bits}" if self.xpn else f"GCM-AES-{bits}"

    def secy(self, local_mac: str | bytes, *peer_macs: str | bytes) -> SecY:
        """The SecY of the end with MAC ``local_mac``: transmit SA with the SAK, one receive
        SC + SA per peer MAC address."""
        local = make_sci(local_mac, self.port)
        s = SecY(local, cipher_suite=self.suite, confidentiality=self.confidentiality,
                 include_sci=self.include_sci, validate_frames=self.validate_frames,
                 replay_protect=self.replay_protect, replay_window=self.replay_window)
        peers = [make_sci(m, self.port) for m in peer_macs]
        order = {sci: i + 1 for i, sci in enumerate(sorted([local, *peers]))}
        s.install_tx_sa(self.an, self.key, ssci=order[local] if self.xpn else None,
                        salt=self.salt if self.xpn else None)
        for p in peers:
            s.install_rx_sa(p, self.an, self.key, ssci=order[p] if self.xpn else None,
                            salt=self.salt if self.xpn else None)
        return s


class MACsecTransport:
    """eCPRI over MACsec-protected Ethernet frames, around a transport that carries whole
    frames: an AF_PACKET :class:`~softran.oran.transport.RawEthernetTransport` (bound to
    EtherType 0x88E5), or a :class:`~softran.oran.transport.UDPTransport` tunnelling each
    frame in one datagram (the loopback of :func:`~softran.oran.endpoints.loopback_pair`).

    :meth:`send` builds ``DA | SA | [802.1Q] | 0xAEFE | PDU`` (the VLAN tag is inside the
    secure data), protects it with the SecY and pads the MACsec frame to 60 octets;
    :meth:`recv` validates frames until one passes (or ``timeout`` expires) and returns its
    eCPRI payload. Dropped frames are counted by the SecY (:attr:`secy`), frames of another
    EtherType in ``other_ethertype``.

    >>> from softran.oran.transport import UDPTransport
    >>> cfg = MACsecConfig(bytes(16))
    >>> a_mac, b_mac = "02:00:00:00:00:01", "02:00:00:00:00:02"
    >>> ua, ub = UDPTransport(0), UDPTransport(0)
    >>> ua.remote = ("127.0.0.1", ub.local_address[1])
    >>> a = MACsecTransport(ua, cfg.secy(a_mac, b_mac), dst=b_mac, src=a_mac)
    >>> b = MACsecTransport(ub, cfg.secy(b_mac, a_mac), dst=a_mac, src=b_mac)
    >>> a.send(b"\\x10\\x00\\x00\\x04abcd"); b.recv(timeout=1.0)
    b'\\x10\\x00\\x00\\x04abcd'
    >>> a.close(); b.close()
    """

    def __init__(self, inner: Any, secy: SecY, *, dst: str | bytes, src: str | bytes,
                 vlan: VlanTag | None = None, ethertype: int = ECPRI_ETHERTYPE) -> None:
        if not callable(getattr(inner, "send", None)) or \
                not callable(getattr(inner, "recv", None)):
            raise TypeError("inner must have send(data) and recv(timeout) methods")
        if not isinstance(secy, SecY):
            raise TypeError(f"secy must be a SecY, got {type(secy).__name__}")
        self.inner = inner
        self.secy = secy
        self.dst, self.src = mac_bytes(dst), mac_bytes(src)
        self.vlan = vlan
        self.ethertype = check_int("ethertype", ethertype, 0x0600, 0xFFFF)
        self.other_ethertype = 0
        # DA | SA | [tag] | EtherType, built once; the PDU follows
        self._head = build_ethernet_frame(b"", self.dst, self.src, vlan=vlan,
                                          ethertype=self.ethertype, pad=False)
        self._type = self._head[12:]                 # [802.1Q tag |] EtherType

    def send(self, data: bytes) -> None:
        """Protect and send one eCPRI PDU."""
        frame = self.secy.protect(self._head + bytes(data))
        if len(frame) < _MIN_FRAME:
            frame += bytes(_MIN_FRAME - len(frame))
        self.inner.send(frame)

    def recv(self, timeout: float | None = None) -> bytes | None:
        """The eCPRI payload of the next valid MACsec frame, or ``None`` after ``timeout``
        seconds (``None``: block); invalid frames are dropped and counted on the way."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            frame = self.inner.recv(wait)
            if frame is None:
                return None
            data = self.secy.validate_secure(frame)
            if data is not None:
                if data.startswith(self._type):
                    return data[len(self._type):]
                self.other_ethertype += 1
            if deadline is not None and time.monotonic() >= deadline:
                return None

    def close(self) -> None:
        """Close the wrapped transport."""
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()

    def __enter__(self) -> MACsecTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
