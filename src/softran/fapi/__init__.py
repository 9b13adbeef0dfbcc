"""SCF 222 5G FAPI (PHY API, version 10.02) messages, their binary form, and an nFAPI-style
transport (SCF 225 idea) between MAC and PHY processes.

Modules: :mod:`~softran.fapi.tables` (message type IDs, error codes, TLV tags, PDU types from
``fapi/data/``), :mod:`~softran.fapi.layout` (the declarative little-endian layouts one encoder
and one bounds-checked decoder walk), :mod:`~softran.fapi.config_messages` (P5: PARAM,
CONFIG, START, STOP, ERROR), :mod:`~softran.fapi.beamforming` (Tables 3-43 / 3-53),
:mod:`~softran.fapi.dl_tti` (DL_TTI.request with PDCCH / PDSCH / CSI-RS / SSB PDUs,
UL_DCI.request, TX_DATA.request), :mod:`~softran.fapi.ul_tti` (UL_TTI.request with PRACH /
PUSCH / PUCCH / SRS PDUs), :mod:`~softran.fapi.indications` (SLOT, RX_DATA, CRC, UCI, SRS,
RACH indications), :mod:`~softran.fapi.codec` (message header, :func:`encode`,
:func:`decode`), :mod:`~softran.fapi.transport` (P5 over TCP, P7 over UDP),
:mod:`~softran.fapi.payload_bits` (DCI / UCI bit payloads in bytes). Every decoder raises
only :class:`FAPIDecodeError` (a ``ValueError``).

Version and sources: the layouts are those of SCF 222.10.02, checked field by field against
two public implementations of it (NVIDIA Aerial's ``scf_5g_fapi.h``, OpenAirInterface's
``nfapi_nr_interface_scf.h``); where they differ the module that carries the field says which
reading softran takes. Left out: the 10.04 / FAPIv3 parts (PHY ID in messages, maintenance
and extension TLVs, nDlTypes / nUlTypes counts), vendor messages, the Tx precoding weights
tables of CONFIG (the beamforming PDUs themselves are complete and may be empty).

>>> from softran.fapi import CrcIndication, CrcPdu, decode, encode
>>> msg = CrcIndication(sfn=10, slot=4, crcs=(CrcPdu(rnti=0x4601, tb_crc_status=0),))
>>> decode(encode(msg)) == msg
True
"""

from softran.fapi.beamforming import (
    PrecodingPrg,
    RxBeamforming,
    RxBeamformingPrg,
    TxPrecodingBeamforming,
)
from softran.fapi.codec import (
    MESSAGE_CLASSES,
    MessageHeader,
    decode,
    decode_all,
    decode_buffer,
    encode,
)
from softran.fapi.config_messages import (
    TLV,
    ConfigRequest,
    ConfigResponse,
    ErrorIndication,
    ParamRequest,
    ParamResponse,
    StartRequest,
    StopIndication,
    StopRequest,
    as_error_code,
)
from softran.fapi.dl_tti import (
    TX_DATA_TLV_CHUNK,
    CsiRsPdu,
    DlDci,
    DlTtiRequest,
    PdcchPdu,
    PdschCbg,
    PdschCodeword,
    PdschPdu,
    PdschPtrs,
    SsbPdu,
    TxDataPdu,
    TxDataRequest,
    TxDataTLV,
    UeGroup,
    UlDciRequest,
)
from softran.fapi.errors import FAPIDecodeError
from softran.fapi.indications import (
    CrcIndication,
    CrcPdu,
    RachIndication,
    RachPdu,
    RachPreamble,
    RxDataIndication,
    RxDataPdu,
    SlotIndication,
    SrsIndication,
    SrsIndicationPdu,
    SrsSymbolReport,
    UciCsiPart,
    UciHarqF01,
    UciHarqF234,
    UciIndication,
    UciPucchF01,
    UciPucchF234,
    UciPusch,
    UciSrF01,
    UciSrF234,
)
from softran.fapi.layout import Message, Struct
from softran.fapi.payload_bits import pack_payload, unpack_payload
from softran.fapi.tables import (
    PDU_TYPES,
    TLV_TAGS,
    TLV_TAGS_BY_NAME,
    ErrorCode,
    MessageType,
    TLVTag,
    message_name,
)
from softran.fapi.transport import (
    MAX_P5_FRAME,
    MAX_P7_PAYLOAD,
    P5Connection,
    P5Server,
    P7Datagram,
    P7Endpoint,
    p5_connect,
)
from softran.fapi.ul_tti import (
    PrachPdu,
    PucchPdu,
    PuschData,
    PuschDftsOfdm,
    PuschPdu,
    PuschPtrs,
    PuschPtrsPort,
    PuschUci,
    SrsPdu,
    UlTtiRequest,
)

__all__ = [
    "MAX_P5_FRAME",
    "MAX_P7_PAYLOAD",
    "MESSAGE_CLASSES",
    "PDU_TYPES",
    "TLV",
    "TLV_TAGS",
    "TLV_TAGS_BY_NAME",
    "TX_DATA_TLV_CHUNK",
    "ConfigRequest",
    "ConfigResponse",
    "CrcIndication",
    "CrcPdu",
    "CsiRsPdu",
    "DlDci",
    "DlTtiRequest",
    "ErrorCode",
    "ErrorIndication",
    "FAPIDecodeError",
    "Message",
    "MessageHeader",
    "MessageType",
    "P5Connection",
    "P5Server",
    "P7Datagram",
    "P7Endpoint",
    "ParamRequest",
    "ParamResponse",
    "PdcchPdu",
    "PdschCbg",
    "PdschCodeword",
    "PdschPdu",
    "PdschPtrs",
    "PrachPdu",
    "PrecodingPrg",
    "PucchPdu",
    "PuschData",
    "PuschDftsOfdm",
    "PuschPdu",
    "PuschPtrs",
    "PuschPtrsPort",
    "PuschUci",
    "RachIndication",
    "RachPdu",
    "RachPreamble",
    "RxBeamforming",
    "RxBeamformingPrg",
    "RxDataIndication",
    "RxDataPdu",
    "SlotIndication",
    "SrsIndication",
    "SrsIndicationPdu",
    "SrsPdu",
    "SrsSymbolReport",
    "SsbPdu",
    "StartRequest",
    "StopIndication",
    "StopRequest",
    "Struct",
    "TLVTag",
    "TxDataPdu",
    "TxDataRequest",
    "TxDataTLV",
    "TxPrecodingBeamforming",
    "UciCsiPart",
    "UciHarqF01",
    "UciHarqF234",
    "UciIndication",
    "UciPucchF01",
    "UciPucchF234",
    "UciPusch",
    "UciSrF01",
    "UciSrF234",
    "UeGroup",
    "UlDciRequest",
    "UlTtiRequest",
    "as_error_code",
    "decode",
    "decode_all",
    "decode_buffer",
    "encode",
    "message_name",
    "p5_connect",
    "pack_payload",
    "unpack_payload",
]
