"""Polar channel coding of TS 38.212 §5.3.1 and §5.4.1: construction, encoder, rate matching,
CRC-aided SCL decoder (used by PBCH §7.1.4, DCI §7.3.3 and UCI §6.3.1.3 / §6.3.2.3)."""

from softran.nr.polar.construct import polar_construct, polar_pc_params
from softran.nr.polar.decode import polar_decode
from softran.nr.polar.encode import polar_encode, polar_transform
from softran.nr.polar.interleavers import (
    coded_bit_interleaver_pattern,
    input_interleaver_pattern,
    polar_sequence,
    subblock_interleaver_pattern,
)
from softran.nr.polar.rate_match import SHORTENED_LLR, rate_match_polar, rate_recover_polar

__all__ = [
    "SHORTENED_LLR",
    "coded_bit_interleaver_pattern",
    "input_interleaver_pattern",
    "polar_construct",
    "polar_decode",
    "polar_encode",
    "polar_pc_params",
    "polar_sequence",
    "polar_transform",
    "rate_match_polar",
    "rate_recover_polar",
    "subblock_interleaver_pattern",
]
