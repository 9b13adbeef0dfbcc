"""LDPC channel coding of TS 38.212 §5.3.2 (base graphs, encoder, decoder), §5.2.2
(code block segmentation) and §5.4.2 (rate matching)."""

from softran.nr.coding.ldpc.base_graph import (
    BaseGraph,
    base_graph,
    base_graph_dims,
    base_graph_edges,
    lifting_size_for_length,
    lifting_size_set,
    lifting_sizes,
    parity_check_matrix,
)
from softran.nr.coding.ldpc.decode import (
    LLR_SATURATION,
    ldpc_decode,
)
from softran.nr.coding.ldpc.decode import DECODE_KERNELS
from softran.nr.coding.ldpc.decode import LDPCDecoder
from softran.nr.coding.ldpc.encode import (
    ldpc_encode,
)
from softran.nr.coding.ldpc.encode_rate_match import (
    ldpc_encode_rate_match,
)
from softran.nr.coding.ldpc.plan import (
    DecodePlan,
    EncodePlan,
    decode_plan,
    encode_plan,
)
from softran.nr.coding.ldpc.rate_match import (
    check_rate_match_args,
    rate_match_ldpc,
    rate_match_segments,
    rate_recover_ldpc,
)
from softran.nr.coding.ldpc.segment import (
    code_block_desegment_ldpc,
    code_block_segment_ldpc,
)

__all__ = [
    "LLR_SATURATION",
    "LDPCDecoder",
    "DECODE_KERNELS",
    "BaseGraph",
    "DecodePlan",
    "EncodePlan",
    "base_graph",
    "base_graph_dims",
    "base_graph_edges",
    "check_rate_match_args",
    "code_block_desegment_ldpc",
    "code_block_segment_ldpc",
    "decode_plan",
    "encode_plan",
    "ldpc_decode",
    "ldpc_encode",
    "ldpc_encode_rate_match",
    "lifting_size_for_length",
    "lifting_size_set",
    "lifting_sizes",
    "parity_check_matrix",
    "rate_match_ldpc",
    "rate_match_segments",
    "rate_recover_ldpc",
]
