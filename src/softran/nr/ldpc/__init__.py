"""LDPC channel coding of TS 38.212 §5.3.2: base graphs, encoder and decoder."""

from softran.nr.ldpc.base_graph import (
    BaseGraph,
    base_graph,
    base_graph_dims,
    lifting_size_set,
    lifting_sizes,
    parity_check_matrix,
)
from softran.nr.ldpc.decode import LLR_SATURATION, ldpc_decode
from softran.nr.ldpc.encode import ldpc_encode

__all__ = [
    "LLR_SATURATION",
    "BaseGraph",
    "base_graph",
    "base_graph_dims",
    "ldpc_decode",
    "ldpc_encode",
    "lifting_size_set",
    "lifting_sizes",
    "parity_check_matrix",
]
