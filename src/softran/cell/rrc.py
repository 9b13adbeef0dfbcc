"""The RRC messages of the test cell in TS 38.331 ASN.1 UPER, encoded and decoded by pycrate's
NR RRC module (``pycrate_asn1dir.RRCNR``, generated from the TS 38.331 ASN.1): SIB1 on the
BCCH-DL-SCH, RRCSetupRequest on the UL-CCCH (48 bits, the UE contention resolution
identity of TS 38.321 §5.1.5) and RRCSetup on the DL-CCCH (in Msg4). The MIB stays the
bit-exact :class:`softran.nr.ssb.MIB`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from softran.validation import check_bytes, check_int

__all__ = ["SIB1Info", "decode_rrc_setup", "decode_rrc_setup_request", "decode_sib1",
           "encode_rrc_setup", "encode_rrc_setup_request", "encode_sib1"]

_CAUSES = ("emergency", "highPriorityAccess", "mt-Access", "mo-Signalling", "mo-Data",
           "mo-VoiceCall", "mo-VideoCall", "mo-SMS", "mps-PriorityAccess",
           "mcs-PriorityAccess")


@functools.cache
def _rrc() -> Any:
    from pycrate_asn1dir import RRCNR
    return RRCNR.NR_RRC_Definitions


@dataclass(frozen=True)
class SIB1Info:
    """What the test cell's SIB1 carries: PLMN (MCC, MNC digits), tracking area code (24
    bits), cell identity (36 bits) and q-RxLevMin (dBm / 2, -70..-22)."""

    mcc: tuple[int, int, int] = (0, 0, 1)
    mnc: tuple[int, ...] = (0, 1)
    tracking_area_code: int = 1
    cell_identity: int = 1
    q_rx_lev_min: int = -70


def encode_sib1(info: SIB1Info) -> bytes:
    """BCCH-DL-SCH-Message with systemInformationBlockType1 (TS 38.331 §6.2.1, §6.3.1 SIB1):
    cellSelectionInfo (q-RxLevMin) and cellAccessRelatedInfo (one PLMN-IdentityInfo), UPER.

    >>> len(encode_sib1(SIB1Info()))
    15
    >>> decode_sib1(encode_sib1(SIB1Info(cell_identity=7)))  # doctest: +NORMALIZE_WHITESPACE
    SIB1Info(mcc=(0, 0, 1), mnc=(0, 1), tracking_area_code=1, cell_identity=7,
             q_rx_lev_min=-70)
    """
    if not isinstance(info, SIB1Info):
        raise TypeError(f"info must be a SIB1Info, got {type(info).__name__}")
    check_int("tracking_area_code", info.tracking_area_code, 0, 2 ** 24 - 1)
    check_int("cell_identity", info.cell_identity, 0, 2 ** 36 - 1)
    check_int("q_rx_lev_min", info.q_rx_lev_min, -70, -22)
    sib1 = {"cellSelectionInfo": {"q-RxLevMin": info.q_rx_lev_min},
            "cellAccessRelatedInfo": {"plmn-IdentityInfoList": [{
                "plmn-IdentityList": [{"mcc": list(info.mcc), "mnc": list(info.mnc)}],
                "trackingAreaCode": (info.tracking_area_code, 24),
                "cellIdentity": (info.cell_identity, 36),
                "cellReservedForOperatorUse": "notReserved"}]}}
    msg = _rrc().BCCH_DL_SCH_Message
    msg.set_val({"message": ("c1", ("systemInformationBlockType1", sib1))})
    return bytes(msg.to_uper())


def decode_sib1(data: bytes) -> SIB1Info:
    """The :class:`SIB1Info` of a BCCH-DL-SCH-Message (inverse of :func:`encode_sib1`); a
    message that is not a SIB1 or does not decode is a ``ValueError``."""
    data = check_bytes("data", data)
    msg = _rrc().BCCH_DL_SCH_Message
    try:
        msg.from_uper(data)
        val = msg.get_val()
        kind, sib1 = val["message"][1]
    except Exception as err:  # noqa: BLE001 (pycrate raises its own, varied error types)
        raise ValueError(f"data is not a BCCH-DL-SCH-Message (TS 38.331 UPER): {err}") from None
    if kind != "systemInformationBlockType1":
        raise ValueError(f"data holds a {kind}, not a systemInformationBlockType1")
    plmn = sib1["cellAccessRelatedInfo"]["plmn-IdentityInfoList"][0]
    ident = plmn["plmn-IdentityList"][0]
    return SIB1Info(mcc=tuple(ident.get("mcc", (0, 0, 0))), mnc=tuple(ident["mnc"]),
                    tracking_area_code=plmn["trackingAreaCode"][0],
                    cell_identity=plmn["cellIdentity"][0],
                    q_rx_lev_min=sib1.get("cellSelectionInfo", {}).get("q-RxLevMin", -70))


def encode_rrc_setup_request(value: int, cause: str = "mo-Data", *,
                             identity: str = "randomValue") -> bytes:
    """UL-CCCH-Message with rrcSetupRequest (TS 38.331 §6.2.1, §6.2.2 RRCSetupRequest):
    ue-Identity (InitialUE-Identity: ``"randomValue"`` or ``"ng-5G-S-TMSI-Part1"``, the
    rightmost 39 bits of the 5G-S-TMSI, both 39 bits), establishmentCause, spare; UPER, 48 bits.

    >>> encode_rrc_setup_request(0x123456789).hex()
    '102468acf128'
    >>> decode_rrc_setup_request(bytes.fromhex('102468acf128'))
    ('randomValue', 4886718345, 'mo-Data')
    """
    value = check_int("value", value, 0, 2 ** 39 - 1)
    if identity not in ("randomValue", "ng-5G-S-TMSI-Part1"):
        raise ValueError(f"identity = {identity!r} is not an InitialUE-Identity; allowed: "
                         "randomValue, ng-5G-S-TMSI-Part1")
    if cause not in _CAUSES:
        raise ValueError(f"cause = {cause!r} is not an EstablishmentCause; allowed: "
                         f"{', '.join(_CAUSES)}")
    msg = _rrc().UL_CCCH_Message
    msg.set_val({"message": ("c1", ("rrcSetupRequest", {"rrcSetupRequest": {
        "ue-Identity": (identity, (value, 39)), "establishmentCause": cause,
        "spare": (0, 1)}}))})
    return bytes(msg.to_uper())


def decode_rrc_setup_request(data: bytes) -> tuple[str, int, str]:
    """``(identity kind, value, establishmentCause)`` of an UL-CCCH-Message with
    rrcSetupRequest (inverse of :func:`encode_rrc_setup_request`); anything else is a
    ``ValueError``."""
    data = check_bytes("data", data)
    msg = _rrc().UL_CCCH_Message
    try:
        msg.from_uper(data)
        kind, body = msg.get_val()["message"][1]
        req = body["rrcSetupRequest"]
        ident_kind, ident = req["ue-Identity"]
    except Exception as err:  # noqa: BLE001 (pycrate's own error types)
        raise ValueError(f"data is not an UL-CCCH-Message (TS 38.331 UPER): {err}") from None
    if kind != "rrcSetupRequest":
        raise ValueError(f"data holds a {kind}, not an rrcSetupRequest")
    return ident_kind, ident[0], req["establishmentCause"]


def encode_rrc_setup(transaction_id: int = 0, cell_group_id: int = 0) -> bytes:
    """DL-CCCH-Message with rrcSetup (TS 38.331 §6.2.1, §6.2.2 RRCSetup): the
    rrc-TransactionIdentifier, radioBearerConfig with SRB1 (srb-ToAddModList, srb-Identity 1)
    and masterCellGroup, an OCTET STRING holding a UPER CellGroupConfig with ``cellGroupId``
    only (the test cell's dedicated configuration, TS 38.331 §6.3.2, is the cell plan's, not
    signalled); UPER.

    >>> encode_rrc_setup().hex()
    '204000100000'
    >>> decode_rrc_setup(encode_rrc_setup(transaction_id=3))
    (3, 0)
    """
    tid = check_int("transaction_id", transaction_id, 0, 3)
    cg_id = check_int("cell_group_id", cell_group_id, 0, 3)
    cg = _rrc().CellGroupConfig
    cg.set_val({"cellGroupId": cg_id})
    msg = _rrc().DL_CCCH_Message
    msg.set_val({"message": ("c1", ("rrcSetup", {
        "rrc-TransactionIdentifier": tid,
        "criticalExtensions": ("rrcSetup", {
            "radioBearerConfig": {"srb-ToAddModList": [{"srb-Identity": 1}]},
            "masterCellGroup": bytes(cg.to_uper())})}))})
    return bytes(msg.to_uper())


def decode_rrc_setup(data: bytes) -> tuple[int, int]:
    """``(rrc-TransactionIdentifier, cellGroupId)`` of a DL-CCCH-Message with rrcSetup (inverse
    of :func:`encode_rrc_setup`); anything else is a ``ValueError``."""
    data = check_bytes("data", data)
    msg = _rrc().DL_CCCH_Message
    try:
        msg.from_uper(data)
        kind, body = msg.get_val()["message"][1]
    except Exception as err:  # noqa: BLE001 (pycrate's own error types)
        raise ValueError(f"data is not a DL-CCCH-Message (TS 38.331 UPER): {err}") from None
    if kind != "rrcSetup":
        raise ValueError(f"data holds a {kind}, not an rrcSetup")
    try:
        _, setup = body["criticalExtensions"]
        cg = setup["masterCellGroup"]
        if isinstance(cg, (bytes, bytearray)):          # pycrate leaves it open or decodes it
            cell_group = _rrc().CellGroupConfig
            cell_group.from_uper(bytes(cg))
            cg = ("CellGroupConfig", cell_group.get_val())
        return body["rrc-TransactionIdentifier"], cg[1]["cellGroupId"]
    except Exception as err:  # noqa: BLE001 (pycrate's own error types)
        raise ValueError(f"data is a DL-CCCH-Message rrcSetup whose masterCellGroup does not "
                         f"decode: {err}") from None
