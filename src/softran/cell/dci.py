"""DCI formats 1_0 and 0_0 as fields (TS 38.212 §7.3.1.2.1, §7.3.1.1.1), formats 1_1 and 0_1
with the field sizes of the test cell's dedicated configuration (§7.3.1.2.2, §7.3.1.1.2; see
:func:`dci_size_1_1`, :func:`dci_size_0_1`), the RAR UL grant
(TS 38.213 §8.2, Table 8.2-1), resource indication values (TS 38.214 §5.1.2.2.2, §6.1.2.2.2)
and the default time-domain allocation tables A (TS 38.214 Tables 5.1.2.1.1-2, 6.1.2.1.1-2,
-4, -5; ``cell/data/``).

The payload bits are what :func:`softran.nr.coding.dci.dci_encode` takes (field after field,
most significant bit first). Format 0_0 in a common search space is zero-padded to the size
of format 1_0 (TS 38.212 §7.3.1.0), so both have :func:`dci_size_1_0` bits.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass

from softran.cell.datafiles import read_csv
from softran.validation import check_choice, check_int

__all__ = [
    "DCI0_0",
    "DCI0_1",
    "DCI1_0",
    "DCI1_1",
    "RAR_GRANT_BITS",
    "AntennaPorts",
    "RARGrant",
    "TimeAllocation",
    "antenna_ports_0_1",
    "antenna_ports_1_1",
    "dci_size_0_1",
    "dci_size_1_0",
    "dci_size_1_1",
    "fdra_bits",
    "pack_dci",
    "pdsch_time_allocation",
    "pusch_time_allocation",
    "riv",
    "riv_decode",
    "unpack_dci",
    "unpack_dci_uss",
]

#: Bits of the RAR UL grant, TS 38.213 Table 8.2-1 (14 + 4 + 4 + 3 + 1 + hopping flag 1).
RAR_GRANT_BITS = 27


def riv(n_bwp: int, rb_start: int, l_rbs: int) -> int:
    """Resource indication value of a contiguous allocation, TS 38.214 §5.1.2.2.2 (type 1):
    ``N (L - 1) + RB_start`` if ``L - 1 <= floor(N / 2)``, else ``N (N - L + 1) + (N - 1 -
    RB_start)``.

    >>> riv(51, 0, 51), riv(51, 3, 10), riv(51, 40, 11)
    (101, 462, 550)
    """
    n = check_int("n_bwp", n_bwp, 1, 275)
    s = check_int("rb_start", rb_start, 0, n - 1)
    length = check_int("l_rbs", l_rbs, 1, n - s)
    if length - 1 <= n // 2:
        return n * (length - 1) + s
    return n * (n - length + 1) + (n - 1 - s)


def riv_decode(n_bwp: int, value: int) -> tuple[int, int]:
    """``(RB_start, L_RBs)`` of a resource indication value (inverse of :func:`riv`).

    >>> riv_decode(51, 462), riv_decode(51, 101), riv_decode(51, 550)
    ((3, 10), (0, 51), (40, 11))
    """
    n = check_int("n_bwp", n_bwp, 1, 275)
    value = check_int("value", value, 0)
    candidates = ((value % n, value // n + 1), (n - 1 - value % n, n + 1 - value // n))
    for s, length in candidates:
        if 0 <= s < n and 1 <= length <= n - s and riv(n, s, length) == value:
            return s, length
    raise ValueError(f"value = {value} is not a resource indication value for n_bwp = {n}")


def fdra_bits(n_bwp: int) -> int:
    """Bits of the frequency-domain resource assignment of DCI 1_0 / 0_0 (no hopping),
    ``ceil(log2(N (N + 1) / 2))`` (TS 38.212 §7.3.1.2.1, §7.3.1.1.1).

    >>> fdra_bits(51), fdra_bits(106), fdra_bits(273)
    (11, 13, 16)
    """
    n = check_int("n_bwp", n_bwp, 1, 275)
    return math.ceil(math.log2(n * (n + 1) / 2)) if n > 1 else 1


def dci_size_1_0(n_bwp: int) -> int:
    """Payload size of DCI format 1_0 with C-RNTI (TS 38.212 §7.3.1.2.1): identifier 1, FDRA,
    TDRA 4, VRB-to-PRB 1, MCS 5, NDI 1, RV 2, HARQ process 4, DAI 2, TPC 2, PUCCH resource 3,
    PDSCH-to-HARQ timing 3. The RA-RNTI / SI-RNTI / TC-RNTI variants have the same size.

    >>> dci_size_1_0(51)
    39
    """
    return fdra_bits(n_bwp) + 28


@dataclass(frozen=True)
class DCI1_0:
    """DCI format 1_0 (TS 38.212 §7.3.1.2.1). With RA-RNTI (``rnti_type="ra"``) the fields
    after the MCS are ``tb_scaling`` (2) and 16 reserved bits; with SI-RNTI (``"si"``) RV,
    the system information indicator (``si_indicator``) and 15 reserved bits; with C-RNTI or
    TC-RNTI (``"c"``) the identifier (1 = DL), NDI, RV, HARQ process, DAI, TPC, PUCCH
    resource indicator and PDSCH-to-HARQ feedback timing indicator."""

    fdra: int
    tdra: int = 0
    vrb_to_prb: int = 0
    mcs: int = 0
    ndi: int = 0
    rv: int = 0
    harq_process: int = 0
    dai: int = 0
    tpc: int = 1
    pucch_resource: int = 0
    harq_timing: int = 0
    tb_scaling: int = 0
    si_indicator: int = 0
    rnti_type: str = "c"


@dataclass(frozen=True)
class DCI0_0:
    """DCI format 0_0 with C-RNTI / TC-RNTI (TS 38.212 §7.3.1.1.1): identifier (0 = UL),
    FDRA, TDRA 4, frequency hopping flag 1, MCS 5, NDI 1, RV 2, HARQ process 4, TPC 2."""

    fdra: int
    tdra: int = 0
    hopping: int = 0
    mcs: int = 0
    ndi: int = 0
    rv: int = 0
    harq_process: int = 0
    tpc: int = 1


@dataclass(frozen=True)
class DCI1_1:
    """DCI format 1_1 with C-RNTI (TS 38.212 §7.3.1.2.2) in the test cell's configuration
    (:func:`dci_size_1_1`): identifier (1 = DL), FDRA (type 1), TDRA, MCS / NDI / RV of TB 1,
    HARQ process, DAI, TPC, PUCCH resource indicator, PDSCH-to-HARQ feedback timing
    indicator, antenna ports (Table 7.3.1.2.2-1), SRS request, DMRS sequence initialization.
    """

    fdra: int
    tdra: int = 0
    mcs: int = 0
    ndi: int = 0
    rv: int = 0
    harq_process: int = 0
    dai: int = 0
    tpc: int = 1
    pucch_resource: int = 0
    harq_timing: int = 0
    antenna_ports: int = 3
    srs_request: int = 0
    dmrs_seq_init: int = 0
    rnti_type: str = "c"


@dataclass(frozen=True)
class DCI0_1:
    """DCI format 0_1 with C-RNTI (TS 38.212 §7.3.1.1.2) in the test cell's configuration
    (:func:`dci_size_0_1`): identifier (0 = UL), FDRA (type 1), TDRA, MCS, NDI, RV, HARQ
    process, 1st DAI, TPC, antenna ports (Table 7.3.1.1.2-8), SRS request, DMRS sequence
    initialization, UL-SCH indicator."""

    fdra: int
    tdra: int = 0
    mcs: int = 0
    ndi: int = 0
    rv: int = 0
    harq_process: int = 0
    dai: int = 0
    tpc: int = 1
    antenna_ports: int = 2
    srs_request: int = 0
    dmrs_seq_init: int = 0
    ul_sch: int = 1


#: Fields of DCI 1_1 in the test cell's configuration, in the order of TS 38.212 §7.3.1.2.2;
#: ``None`` widths are the FDRA. Zero-width fields of the configuration: carrier indicator (no
#: cross-carrier scheduling), BWP indicator (one BWP), VRB-to-PRB mapping (non-interleaved),
#: PRB bundling size indicator, rate matching indicator, ZP CSI-RS trigger, TB 2 (one
#: codeword), TCI (tci-PresentInDCI absent), CBGTI / CBGFI (no code block groups). TDRA 4
#: bits: the default table A (16 rows, no pdsch-TimeDomainAllocationList); DAI 2: dynamic
#: HARQ-ACK codebook, one serving cell; PDSCH-to-HARQ timing 3: dl-DataToUL-ACK {1..8};
#: antenna ports 4: DMRS type 1, maxLength 1; SRS request 2; DMRS sequence initialization 1.
_LAYOUT_1_1: tuple[tuple[str, int | None], ...] = (
    ("_id", 1), ("fdra", None), ("tdra", 4), ("mcs", 5), ("ndi", 1), ("rv", 2),
    ("harq_process", 4), ("dai", 2), ("tpc", 2), ("pucch_resource", 3), ("harq_timing", 3),
    ("antenna_ports", 4), ("srs_request", 2), ("dmrs_seq_init", 1))
#: Fields of DCI 0_1 (TS 38.212 §7.3.1.1.2). Zero-width in the configuration: carrier
#: indicator, UL/SUL indicator, BWP indicator, frequency hopping flag (no hopping), 2nd DAI,
#: SRS resource indicator (one SRS resource), precoding information and number of layers
#: (one antenna port), CSI request (no aperiodic trigger states), CBGTI, PTRS-DMRS
#: association (no PT-RS), beta_offset indicator (semi-static). 1st DAI 2 bits (dynamic
#: codebook); antenna ports 3 (transform precoding disabled, DMRS type 1, maxLength 1, rank 1);
#: DMRS sequence initialization 1 (transform precoding disabled); UL-SCH indicator 1.
_LAYOUT_0_1: tuple[tuple[str, int | None], ...] = (
    ("_id", 1), ("fdra", None), ("tdra", 4), ("mcs", 5), ("ndi", 1), ("rv", 2),
    ("harq_process", 4), ("dai", 2), ("tpc", 2), ("antenna_ports", 3), ("srs_request", 2),
    ("dmrs_seq_init", 1), ("ul_sch", 1))


def dci_size_1_1(n_bwp: int) -> int:
    """Payload size of DCI format 1_1 in the test cell's configuration (the fields of
    :class:`DCI1_1`, TS 38.212 §7.3.1.2.2): FDRA type 1 of ``n_bwp`` RBs plus 34 bits.

    >>> dci_size_1_1(51)
    45
    """
    return fdra_bits(n_bwp) + sum(w for _, w in _LAYOUT_1_1 if w is not None)


def dci_size_0_1(n_bwp: int) -> int:
    """Payload size of DCI format 0_1 in the test cell's configuration (:class:`DCI0_1`,
    TS 38.212 §7.3.1.1.2): FDRA type 1 plus 28 bits. It is not padded: formats 0_0 / 1_0 are
    monitored only in the common search space, so the one-bit padding of §7.3.1.1.2 (0_1 of
    the size of 0_0 / 1_0 in another UE-specific search space) does not apply.

    >>> dci_size_0_1(51)
    39
    """
    return fdra_bits(n_bwp) + sum(w for _, w in _LAYOUT_0_1 if w is not None)


@dataclass(frozen=True)
class AntennaPorts:
    """One row of an antenna-ports table: DMRS CDM groups without data and DMRS ports."""

    cdm_groups_without_data: int
    dmrs_ports: tuple[int, ...]


@functools.cache
def _ports(name: str) -> dict[int, AntennaPorts]:
    return {int(r["value"]): AntennaPorts(int(r["cdm_groups_without_data"]),
                                          tuple(int(p) for p in r["dmrs_ports"].split()))
            for r in read_csv(name)}


def antenna_ports_1_1(value: int) -> AntennaPorts:
    """Antenna port(s) field of DCI 1_1, TS 38.212 Table 7.3.1.2.2-1 (DMRS type 1,
    maxLength 1, one codeword); a reserved value is a ``ValueError``.

    >>> antenna_ports_1_1(3)
    AntennaPorts(cdm_groups_without_data=2, dmrs_ports=(0,))
    """
    value = check_int("antenna_ports", value, 0, 15)
    if value not in _ports("dci_antenna_ports_1_1.csv"):
        raise ValueError(f"antenna_ports = {value} is reserved (TS 38.212 Table 7.3.1.2.2-1); "
                         "allowed: 0..11")
    return _ports("dci_antenna_ports_1_1.csv")[value]


def antenna_ports_0_1(value: int) -> AntennaPorts:
    """Antenna ports field of DCI 0_1, TS 38.212 Table 7.3.1.1.2-8 (transform precoding
    disabled, DMRS type 1, maxLength 1, rank 1); a reserved value is a ``ValueError``.

    >>> antenna_ports_0_1(2)
    AntennaPorts(cdm_groups_without_data=2, dmrs_ports=(0,))
    """
    value = check_int("antenna_ports", value, 0, 7)
    if value not in _ports("dci_antenna_ports_0_1.csv"):
        raise ValueError(f"antenna_ports = {value} is reserved (TS 38.212 Table 7.3.1.1.2-8); "
                         "allowed: 0..5")
    return _ports("dci_antenna_ports_0_1.csv")[value]


def _layout(dci: DCI1_0 | DCI0_0 | DCI1_1 | DCI0_1 | type, n_bwp: int, rnti_type: str = "c"
            ) -> list[tuple[str, int]]:
    f = fdra_bits(n_bwp)
    for cls, fields in ((DCI1_1, _LAYOUT_1_1), (DCI0_1, _LAYOUT_0_1)):
        if dci is cls or isinstance(dci, cls):
            return [(name, f if w is None else w) for name, w in fields]
    if dci is DCI0_0 or isinstance(dci, DCI0_0):
        return [("_id", 1), ("fdra", f), ("tdra", 4), ("hopping", 1), ("mcs", 5), ("ndi", 1),
                ("rv", 2), ("harq_process", 4), ("tpc", 2)]
    if rnti_type == "ra":
        return [("fdra", f), ("tdra", 4), ("vrb_to_prb", 1), ("mcs", 5), ("tb_scaling", 2),
                ("_reserved", 16)]
    if rnti_type == "si":
        return [("fdra", f), ("tdra", 4), ("vrb_to_prb", 1), ("mcs", 5), ("rv", 2),
                ("si_indicator", 1), ("_reserved", 15)]
    return [("_id", 1), ("fdra", f), ("tdra", 4), ("vrb_to_prb", 1), ("mcs", 5), ("ndi", 1),
            ("rv", 2), ("harq_process", 4), ("dai", 2), ("tpc", 2), ("pucch_resource", 3),
            ("harq_timing", 3)]


def pack_dci(dci: DCI1_0 | DCI0_0 | DCI1_1 | DCI0_1, n_bwp: int) -> list[int]:
    """The payload bits (0/1, MSB first) of a DCI: 1_0 / 0_0 of :func:`dci_size_1_0` bits
    (format 0_0 zero-padded, TS 38.212 §7.3.1.0), 1_1 of :func:`dci_size_1_1`, 0_1 of
    :func:`dci_size_0_1`. A field value that does not fit its bits is a ``ValueError``.

    >>> bits = pack_dci(DCI1_0(fdra=riv(51, 0, 51), mcs=9, harq_timing=3), 51)
    >>> len(bits), bits[0], "".join(map(str, bits[1:12]))
    (39, 1, '00001100101')
    >>> len(pack_dci(DCI1_1(fdra=101, mcs=27), 51)), len(pack_dci(DCI0_1(fdra=5), 51))
    (45, 39)
    """
    if not isinstance(dci, (DCI1_0, DCI0_0, DCI1_1, DCI0_1)):
        raise TypeError(f"dci must be a DCI1_0, DCI0_0, DCI1_1 or DCI0_1, got "
                        f"{type(dci).__name__}")
    rnti_type = dci.rnti_type if isinstance(dci, (DCI1_0, DCI1_1)) else "c"
    check_choice("rnti_type", rnti_type, ("c",) if isinstance(dci, DCI1_1) else ("c", "ra", "si"))
    values = asdict(dci)
    values["_id"] = 1 if isinstance(dci, (DCI1_0, DCI1_1)) else 0
    values["_reserved"] = 0
    out: list[int] = []
    for name, width in _layout(dci, n_bwp, rnti_type):
        v = check_int(name.lstrip("_"), values[name], 0, 2 ** width - 1)
        out += [(v >> (width - 1 - b)) & 1 for b in range(width)]
    if isinstance(dci, (DCI1_1, DCI0_1)):
        return out
    size = dci_size_1_0(n_bwp)
    return out + [0] * (size - len(out))


def unpack_dci(bits: list[int] | tuple[int, ...], n_bwp: int, rnti_type: str = "c"
               ) -> DCI1_0 | DCI0_0:
    """The DCI of payload ``bits`` (inverse of :func:`pack_dci`): with ``rnti_type="c"`` the
    identifier bit picks format 1_0 (1) or 0_0 (0).

    >>> unpack_dci(pack_dci(DCI0_0(fdra=462, mcs=4, ndi=1), 51), 51)
    DCI0_0(fdra=462, tdra=0, hopping=0, mcs=4, ndi=1, rv=0, harq_process=0, tpc=1)
    """
    rnti_type = check_choice("rnti_type", rnti_type, ("c", "ra", "si"))
    bits = [check_int(f"bits[{i}]", b, 0, 1) for i, b in enumerate(bits)]
    size = dci_size_1_0(n_bwp)
    if len(bits) != size:
        raise ValueError(f"bits has {len(bits)} entries; DCI 1_0 / 0_0 with n_bwp = {n_bwp} "
                         f"has {size}")
    cls: type = DCI1_0 if (rnti_type != "c" or bits[0] == 1) else DCI0_0
    fields: dict[str, int] = {}
    pos = 0
    for name, width in _layout(cls, n_bwp, rnti_type):
        v = 0
        for b in bits[pos:pos + width]:
            v = (v << 1) | b
        pos += width
        if not name.startswith("_"):
            fields[name] = v
    if cls is DCI1_0:
        return DCI1_0(**fields, rnti_type=rnti_type)
    return DCI0_0(**fields)


def unpack_dci_uss(bits: list[int] | tuple[int, ...], n_bwp: int) -> DCI1_1 | DCI0_1:
    """The DCI 1_1 or 0_1 (TS 38.212 §7.3.1.2.2 / §7.3.1.1.2) of payload ``bits`` found in the
    UE-specific search space (inverse of :func:`pack_dci`): :func:`dci_size_1_1` bits with
    identifier 1 are format 1_1, :func:`dci_size_0_1` bits with identifier 0 format 0_1;
    anything else is a ``ValueError``.

    >>> unpack_dci_uss(pack_dci(DCI0_1(fdra=462, mcs=20, ndi=1), 51), 51).mcs
    20
    """
    bits = [check_int(f"bits[{i}]", b, 0, 1) for i, b in enumerate(bits)]
    n = len(bits)
    if n == dci_size_1_1(n_bwp) and bits and bits[0] == 1:
        cls: type = DCI1_1
    elif n == dci_size_0_1(n_bwp) and bits and bits[0] == 0:
        cls = DCI0_1
    else:
        raise ValueError(f"bits ({n} bits, identifier {bits[0] if bits else '-'}) are neither "
                         f"DCI 1_1 ({dci_size_1_1(n_bwp)} bits, identifier 1) nor DCI 0_1 "
                         f"({dci_size_0_1(n_bwp)} bits, identifier 0) for n_bwp = {n_bwp}")
    fields: dict[str, int] = {}
    pos = 0
    for name, width in _layout(cls, n_bwp):
        v = 0
        for b in bits[pos:pos + width]:
            v = (v << 1) | b
        pos += width
        if not name.startswith("_"):
            fields[name] = v
    return cls(**fields)


@dataclass(frozen=True)
class RARGrant:
    """The RAR UL grant, TS 38.213 §8.2 Table 8.2-1 (MSB first): frequency hopping flag 1,
    PUSCH frequency resource allocation 14, PUSCH time resource allocation 4, MCS 4, TPC
    command for PUSCH 3, CSI request 1. For N_BWP <= 180 the frequency allocation is a RIV in
    its ceil(log2(N (N + 1) / 2)) least significant bits (§8.3, no hopping)."""

    fdra: int
    tdra: int = 0
    mcs: int = 0
    tpc: int = 3
    csi_request: int = 0
    hopping: int = 0

    def to_int(self) -> int:
        """The 27-bit grant as an integer (the value of :class:`~softran.cell.mac_pdu.RARSubPDU`).

        >>> RARGrant.from_int(RARGrant(fdra=462, tdra=0, mcs=2).to_int())
        RARGrant(fdra=462, tdra=0, mcs=2, tpc=3, csi_request=0, hopping=0)
        """
        v = check_int("hopping", self.hopping, 0, 1)
        for name, width in (("fdra", 14), ("tdra", 4), ("mcs", 4), ("tpc", 3),
                            ("csi_request", 1)):
            v = (v << width) | check_int(name, getattr(self, name), 0, 2 ** width - 1)
        return v

    @classmethod
    def from_int(cls, value: int) -> RARGrant:
        value = check_int("value", value, 0, 2 ** RAR_GRANT_BITS - 1)
        return cls(hopping=value >> 26, fdra=(value >> 12) & 0x3FFF, tdra=(value >> 8) & 0xF,
                   mcs=(value >> 4) & 0xF, tpc=(value >> 1) & 0x7, csi_request=value & 1)


@dataclass(frozen=True)
class TimeAllocation:
    """One row of a time-domain allocation table: mapping type, slot offset (K0 or K2),
    start symbol S and length L."""

    mapping_type: str
    k: int
    s: int
    l: int


@functools.cache
def _pdsch_rows() -> dict[tuple[int, int], TimeAllocation]:
    return {(int(r["row"]), int(r["dmrs_typea_pos"])):
            TimeAllocation(r["mapping_type"], int(r["k0"]), int(r["s"]), int(r["l"]))
            for r in read_csv("pdsch_tdra_default_a.csv")}


def pdsch_time_allocation(tdra: int, dmrs_typea_pos: int = 2) -> TimeAllocation:
    """Row ``tdra + 1`` of TS 38.214 Table 5.1.2.1.1-2 (default A, normal CP).

    >>> pdsch_time_allocation(0)
    TimeAllocation(mapping_type='A', k=0, s=2, l=12)
    """
    tdra = check_int("tdra", tdra, 0, 15)
    pos = check_choice("dmrs_typea_pos", dmrs_typea_pos, (2, 3))
    return _pdsch_rows()[(tdra + 1, pos)]


@functools.cache
def _mu_rows() -> dict[int, tuple[int, int]]:
    return {int(r["mu"]): (int(r["j"]), int(r["delta"])) for r in read_csv("pusch_msg3_delta.csv")}


def pusch_time_allocation(tdra: int, mu: int, *, msg3: bool = False) -> TimeAllocation:
    """Row ``tdra + 1`` of TS 38.214 Table 6.1.2.1.1-2 (default A, normal CP) with K2 = j +
    the row's offset (Table 6.1.2.1.1-4), plus Delta for a Msg3 PUSCH scheduled by a RAR
    (§6.1.2.1.1, Table 6.1.2.1.1-5).

    >>> pusch_time_allocation(0, 1), pusch_time_allocation(0, 1, msg3=True).k
    (TimeAllocation(mapping_type='A', k=1, s=0, l=14), 4)
    """
    tdra = check_int("tdra", tdra, 0, 15)
    mu = check_int("mu", mu, 0, 3)
    row = next(r for r in read_csv("pusch_tdra_default_a.csv") if int(r["row"]) == tdra + 1)
    j, delta = _mu_rows()[mu]
    k2 = j + int(row["k2_plus_j"]) + (delta if msg3 else 0)
    return TimeAllocation(row["mapping_type"], k2, int(row["s"]), int(row["l"]))
