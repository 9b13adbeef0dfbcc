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

from softran.cell.dci import riv, riv_decode
from softran.nr import PRACHConfig
from softran.validation import check_bytes, check_choice, check_int

__all__ = ["SIB1Info", "ServingCellCommon", "decode_rrc_setup", "decode_rrc_setup_request",
           "decode_sib1",
           "encode_rrc_setup", "encode_rrc_setup_request", "encode_sib1"]

_CAUSES = ("emergency", "highPriorityAccess", "mt-Access", "mo-Signalling", "mo-Data",
           "mo-VoiceCall", "mo-VideoCall", "mo-SMS", "mps-PriorityAccess",
           "mcs-PriorityAccess")


@functools.cache
def _rrc() -> Any:
    from pycrate_asn1dir import RRCNR
    return RRCNR.NR_RRC_Definitions


#: ra-ResponseWindow (slots), ra-ContentionResolutionTimer (subframes), preambleTransMax,
#: powerRampingStep (dB), ssb-PeriodicityServingCell (ms), n-TimingAdvanceOffset and
#: dl-UL-TransmissionPeriodicity (ms): the values of their ENUMERATEDs (TS 38.331 §6.3.2).
_RA_WINDOWS = (1, 2, 4, 8, 10, 20, 40, 80)
_CR_TIMERS = (8, 16, 24, 32, 40, 48, 56, 64)
_TRANS_MAX = (3, 4, 5, 6, 7, 8, 10, 20, 50, 100, 200)
_RAMP_STEPS = (0, 2, 4, 6)
_SSB_PERIODS = (5, 10, 20, 40, 80, 160)
_TA_OFFSETS = (0, 25600, 39936)
_TDD_PERIODS = (0.5, 0.625, 1.0, 1.25, 2.0, 2.5, 5.0, 10.0)
_TDD_PERIOD_NAMES = ("ms0p5", "ms0p625", "ms1", "ms1p25", "ms2", "ms2p5", "ms5", "ms10")
_SCS = (15, 30, 60, 120, 240)
_RESTRICTED = {"unrestricted": "unrestrictedSet", "A": "restrictedSetTypeA",
               "B": "restrictedSetTypeB"}


@dataclass(frozen=True)
class ServingCellCommon:
    """What SIB1's servingCellConfigCommon (ServingCellConfigCommonSIB, TS 38.331 §6.3.2)
    carries for the test cell, in plain numbers: one SCS-specific carrier (offsetToCarrier 0)
    and an initial DL / UL BWP over it, the SS/PBCH block (offsetToPointA in 15 kHz RBs in FR1,
    positions in burst, periodicity in ms, power in dBm), RACH-ConfigCommon (one SSB per
    RACH occasion, 64 contention-based preambles, msg1-FDM ``msg1_fdm``), the
    n-TimingAdvanceOffset (0, 25600 or 39936) and an optional TDD pattern ``tdd``
    (periodicity in ms, DL slots, DL symbols, UL slots, UL symbols; None: paired spectrum).
    ``band`` is the frequencyBandList entry (freqBandIndicatorNR). Durations in the units of
    the ASN.1: ``ra_response_window`` in slots, ``ra_contention_resolution_timer`` in
    subframes."""

    subcarrier_spacing: int = 30
    n_rb: int = 51
    offset_to_point_a: int = 0
    band: int = 1
    ssb_positions_in_burst: int = 0b10000000
    ssb_periodicity_ms: int = 10
    ss_pbch_block_power: int = 0
    n_timing_advance_offset: int = 0
    prach_configuration_index: int = 0
    msg1_fdm: int = 1
    msg1_frequency_start: int = 0
    zero_correlation_zone: int = 0
    preamble_received_target_power: int = -100
    preamble_trans_max: int = 10
    power_ramping_step: int = 2
    ra_response_window: int = 10
    ra_contention_resolution_timer: int = 8
    prach_root_sequence_index: int = 0
    prach_root_sequence_length: int = 139
    msg1_subcarrier_spacing: int | None = 30
    restricted_set: str = "unrestricted"
    tdd: tuple[float, int, int, int, int] | None = None

    def prach_config(self, preamble_index: int = 0, active_slot: int = 0) -> PRACHConfig:
        """The :class:`~softran.nr.PRACHConfig` this RACH-ConfigCommon describes (TS 38.211
        §6.3.3, TS 38.331 RACH-ConfigGeneric): FR1, paired spectrum unless a TDD pattern is
        signalled, over the initial UL BWP, with ``preamble_index`` and ``active_slot``.

        >>> c = ServingCellCommon(prach_configuration_index=105, prach_root_sequence_index=1,
        ...                       zero_correlation_zone=8, msg1_frequency_start=38)
        >>> p = c.prach_config(5, active_slot=1)
        >>> p.format, p.sequence_index, p.n_cs, p.frequency_start, p.preamble_index
        ('A1', 1, 15, 38, 5)
        """
        return PRACHConfig(configuration_index=self.prach_configuration_index,
                           spectrum="paired" if self.tdd is None else "unpaired",
                           subcarrier_spacing=self.msg1_subcarrier_spacing,
                           sequence_index=self.prach_root_sequence_index,
                           preamble_index=preamble_index, restricted_set=self.restricted_set,
                           zero_correlation_zone=self.zero_correlation_zone,
                           frequency_start=self.msg1_frequency_start, active_slot=active_slot,
                           n_size_bwp=self.n_rb, n_start_bwp=0)


def _index(name: str, value: object, allowed: tuple) -> int:
    check_choice(name, value, allowed)
    return allowed.index(value)


def _enum(name: str, value: object, allowed: tuple, prefix: str) -> str:
    """The ENUMERATED name ``prefix + value`` of ``value`` (one of ``allowed``)."""
    return f"{prefix}{allowed[_index(name, value, allowed)]}"


def _scc_value(c: ServingCellCommon) -> dict[str, Any]:
    """The ServingCellConfigCommonSIB value of ``c`` for pycrate (checks every field)."""
    if not isinstance(c, ServingCellCommon):
        raise TypeError(f"serving_cell must be a ServingCellCommon, got {type(c).__name__}")
    scs = _enum("subcarrier_spacing", c.subcarrier_spacing, _SCS, "kHz")
    n_rb = check_int("n_rb", c.n_rb, 1, 275)
    bwp = {"locationAndBandwidth": riv(275, 0, n_rb), "subcarrierSpacing": scs}
    carrier = [{"offsetToCarrier": 0, "subcarrierSpacing": scs, "carrierBandwidth": n_rb}]
    check_choice("msg1_fdm", c.msg1_fdm, (1, 2, 4, 8))
    root_len = check_choice("prach_root_sequence_length", c.prach_root_sequence_length,
                            (139, 839))
    rach: dict[str, Any] = {
        "rach-ConfigGeneric": {
            "prach-ConfigurationIndex": check_int("prach_configuration_index",
                                                  c.prach_configuration_index, 0, 255),
            "msg1-FDM": ("one", "two", "four", "eight")[(1, 2, 4, 8).index(c.msg1_fdm)],
            "msg1-FrequencyStart": check_int("msg1_frequency_start", c.msg1_frequency_start,
                                             0, 274),
            "zeroCorrelationZoneConfig": check_int("zero_correlation_zone",
                                                   c.zero_correlation_zone, 0, 15),
            "preambleReceivedTargetPower": check_int("preamble_received_target_power",
                                                     c.preamble_received_target_power,
                                                     -202, -60),
            "preambleTransMax": _enum("preamble_trans_max", c.preamble_trans_max, _TRANS_MAX, "n"),
            "powerRampingStep": _enum("power_ramping_step", c.power_ramping_step,
                                      _RAMP_STEPS, "dB"),
            "ra-ResponseWindow": _enum("ra_response_window", c.ra_response_window,
                                       _RA_WINDOWS, "sl")},
        "ssb-perRACH-OccasionAndCB-PreamblesPerSSB": ("one", "n64"),
        "ra-ContentionResolutionTimer": _enum("ra_contention_resolution_timer",
                                              c.ra_contention_resolution_timer, _CR_TIMERS,
                                              "sf"),
        "prach-RootSequenceIndex": (f"l{root_len}", check_int(
            "prach_root_sequence_index", c.prach_root_sequence_index, 0,
            837 if root_len == 839 else 137)),
        "restrictedSetConfig": _RESTRICTED[check_choice("restricted_set", c.restricted_set,
                                                        tuple(_RESTRICTED))]}
    if c.msg1_subcarrier_spacing is not None:
        rach["msg1-SubcarrierSpacing"] = _enum("msg1_subcarrier_spacing",
                                               c.msg1_subcarrier_spacing, _SCS, "kHz")
    scc: dict[str, Any] = {
        "downlinkConfigCommon": {
            "frequencyInfoDL": {
                "frequencyBandList": [{"freqBandIndicatorNR": check_int("band", c.band, 1,
                                                                        1024)}],
                "offsetToPointA": check_int("offset_to_point_a", c.offset_to_point_a, 0, 2199),
                "scs-SpecificCarrierList": carrier},
            "initialDownlinkBWP": {"genericParameters": dict(bwp),
                                   "pdsch-ConfigCommon": ("setup", {})},
            "bcch-Config": {"modificationPeriodCoeff": "n2"},
            "pcch-Config": {"defaultPagingCycle": "rf128", "nAndPagingFrameOffset": ("oneT", 0),
                            "ns": "one"}},
        "uplinkConfigCommon": {
            "frequencyInfoUL": {"scs-SpecificCarrierList": carrier},
            "initialUplinkBWP": {"genericParameters": dict(bwp),
                                 "rach-ConfigCommon": ("setup", rach)},
            "timeAlignmentTimerCommon": "infinity"},
        "n-TimingAdvanceOffset": _enum("n_timing_advance_offset", c.n_timing_advance_offset,
                                       _TA_OFFSETS, "n"),
        "ssb-PositionsInBurst": {"inOneGroup": (check_int(
            "ssb_positions_in_burst", c.ssb_positions_in_burst, 0, 255), 8)},
        "ssb-PeriodicityServingCell": _enum("ssb_periodicity_ms", c.ssb_periodicity_ms,
                                            _SSB_PERIODS, "ms"),
        "ss-PBCH-BlockPower": check_int("ss_pbch_block_power", c.ss_pbch_block_power, -60, 50)}
    if c.tdd is not None:
        if not isinstance(c.tdd, tuple) or len(c.tdd) != 5:
            raise ValueError(f"tdd = {c.tdd!r} is not (periodicity ms, DL slots, DL symbols, "
                             "UL slots, UL symbols)")
        period, dl_slots, dl_syms, ul_slots, ul_syms = c.tdd
        k = _index("tdd periodicity", float(period), _TDD_PERIODS)
        scc["tdd-UL-DL-ConfigurationCommon"] = {
            "referenceSubcarrierSpacing": scs,
            "pattern1": {"dl-UL-TransmissionPeriodicity": _TDD_PERIOD_NAMES[k],
                         "nrofDownlinkSlots": check_int("tdd DL slots", dl_slots, 0, 320),
                         "nrofDownlinkSymbols": check_int("tdd DL symbols", dl_syms, 0, 13),
                         "nrofUplinkSlots": check_int("tdd UL slots", ul_slots, 0, 320),
                         "nrofUplinkSymbols": check_int("tdd UL symbols", ul_syms, 0, 13)}}
    return scc


def _scc_info(v: dict[str, Any]) -> ServingCellCommon:
    """The :class:`ServingCellCommon` of a decoded ServingCellConfigCommonSIB value."""
    dl = v["downlinkConfigCommon"]
    carrier = dl["frequencyInfoDL"]["scs-SpecificCarrierList"][0]
    _, n_rb = riv_decode(275, dl["initialDownlinkBWP"]["genericParameters"][
        "locationAndBandwidth"])
    rach = v["uplinkConfigCommon"]["initialUplinkBWP"]["rach-ConfigCommon"][1]
    gen = rach["rach-ConfigGeneric"]
    root_kind, root = rach["prach-RootSequenceIndex"]
    msg1_scs = rach.get("msg1-SubcarrierSpacing")
    tdd = None
    if "tdd-UL-DL-ConfigurationCommon" in v:
        p1 = v["tdd-UL-DL-ConfigurationCommon"]["pattern1"]
        tdd = (_TDD_PERIODS[_TDD_PERIOD_NAMES.index(p1["dl-UL-TransmissionPeriodicity"])],
               p1["nrofDownlinkSlots"], p1["nrofDownlinkSymbols"], p1["nrofUplinkSlots"],
               p1["nrofUplinkSymbols"])
    return ServingCellCommon(
        subcarrier_spacing=int(carrier["subcarrierSpacing"][3:]), n_rb=n_rb,
        offset_to_point_a=dl["frequencyInfoDL"]["offsetToPointA"],
        band=dl["frequencyInfoDL"]["frequencyBandList"][0].get("freqBandIndicatorNR", 1),
        ssb_positions_in_burst=v["ssb-PositionsInBurst"]["inOneGroup"][0],
        ssb_periodicity_ms=int(v["ssb-PeriodicityServingCell"][2:]),
        ss_pbch_block_power=v["ss-PBCH-BlockPower"],
        n_timing_advance_offset=int(v.get("n-TimingAdvanceOffset", "n25600")[1:]),
        prach_configuration_index=gen["prach-ConfigurationIndex"],
        msg1_fdm=(1, 2, 4, 8)[("one", "two", "four", "eight").index(gen["msg1-FDM"])],
        msg1_frequency_start=gen["msg1-FrequencyStart"],
        zero_correlation_zone=gen["zeroCorrelationZoneConfig"],
        preamble_received_target_power=gen["preambleReceivedTargetPower"],
        preamble_trans_max=int(gen["preambleTransMax"][1:]),
        power_ramping_step=int(gen["powerRampingStep"][2:]),
        ra_response_window=int(gen["ra-ResponseWindow"][2:]),
        ra_contention_resolution_timer=int(rach["ra-ContentionResolutionTimer"][2:]),
        prach_root_sequence_index=root, prach_root_sequence_length=int(root_kind[1:]),
        msg1_subcarrier_spacing=None if msg1_scs is None else int(msg1_scs[3:]),
        restricted_set={v2: k for k, v2 in _RESTRICTED.items()}[rach["restrictedSetConfig"]],
        tdd=tdd)


@dataclass(frozen=True)
class SIB1Info:
    """What the test cell's SIB1 carries: PLMN (MCC, MNC digits), tracking area code (24
    bits), cell identity (36 bits), q-RxLevMin (dBm / 2, -70..-22) and, if not None,
    servingCellConfigCommon (:class:`ServingCellCommon`)."""

    mcc: tuple[int, int, int] = (0, 0, 1)
    mnc: tuple[int, ...] = (0, 1)
    tracking_area_code: int = 1
    cell_identity: int = 1
    q_rx_lev_min: int = -70
    serving_cell: ServingCellCommon | None = None


def encode_sib1(info: SIB1Info) -> bytes:
    """BCCH-DL-SCH-Message with systemInformationBlockType1 (TS 38.331 §6.2.1, §6.3.1 SIB1):
    cellSelectionInfo (q-RxLevMin), cellAccessRelatedInfo (one PLMN-IdentityInfo) and, when
    ``info.serving_cell`` is set, servingCellConfigCommon (ServingCellConfigCommonSIB), UPER.

    >>> len(encode_sib1(SIB1Info()))
    15
    >>> decode_sib1(encode_sib1(SIB1Info(cell_identity=7)))  # doctest: +NORMALIZE_WHITESPACE
    SIB1Info(mcc=(0, 0, 1), mnc=(0, 1), tracking_area_code=1, cell_identity=7,
             q_rx_lev_min=-70, serving_cell=None)
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
    if info.serving_cell is not None:
        sib1["servingCellConfigCommon"] = _scc_value(info.serving_cell)
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
                    q_rx_lev_min=sib1.get("cellSelectionInfo", {}).get("q-RxLevMin", -70),
                    serving_cell=(_scc_info(sib1["servingCellConfigCommon"])
                                  if "servingCellConfigCommon" in sib1 else None))


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
