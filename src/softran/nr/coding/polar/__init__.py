"""Polar channel coding of TS 38.212 §5.3.1 and §5.4.1: construction, encoder, rate matching,
CRC-aided SCL decoder (used by PBCH §7.1.4, DCI §7.3.3 and UCI §6.3.1.3 / §6.3.2.3)."""

from softran.nr.coding.polar.construct import (
    PolarCode,
    polar_code,
    polar_construct,
    polar_pc_params,
)
from softran.nr.coding.polar.decode import (
    polar_decode,
)
from softran.nr.coding.polar.encode import (
    polar_encode,
    polar_transform,
)
from softran.nr.coding.polar.interleavers import (
    K_IL_MAX,
    check_code_length,
    coded_bit_interleaver_pattern,
    input_interleaver_pattern,
    polar_sequence,
    reliability_sequence,
    subblock_interleaver_pattern,
    subblock_interleaver_table,
)
from softran.nr.coding.polar.rate_match import (
    SHORTENED_LLR,
    rate_match_polar,
    rate_recover_polar,
)

__all__ = [
    "K_IL_MAX",
    "SHORTENED_LLR",
    "PolarCode",
    "check_code_length",
    "coded_bit_interleaver_pattern",
    "input_interleaver_pattern",
    "polar_code",
    "polar_construct",
    "polar_decode",
    "polar_encode",
    "polar_pc_params",
    "polar_sequence",
    "polar_transform",
    "rate_match_polar",
    "rate_recover_polar",
    "reliability_sequence",
    "subblock_interleaver_pattern",
    "subblock_interleaver_table",
]
