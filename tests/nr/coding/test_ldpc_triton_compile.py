"""The Triton LDPC kernels compile for NVIDIA GPUs (A100 sm_80, H100/H200 sm_90) without one.

Triton's interpreter (test_ldpc_triton.py) runs the kernels' logic on the CPU but does not
type-check them the way the compiler does; this test compiles every variant of the decoder and
the encoder ahead of time to PTX and cubin, in a subprocess (the interpreter switch of the
other module is process-wide), and checks properties of the code that the correctness
argument relies on: the CTA barrier is there, and (decoder) no float multiply-add was
contracted into an FMA.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

if importlib.util.find_spec("triton") is None:
    pytest.skip("Triton is not installed", allow_module_level=True)

SCRIPT = textwrap.dedent('''
    import json, sys
    import triton
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource
    from softran.nr.coding.ldpc.decode_triton import BLOCK_Z_MAX, NUM_WARPS, _layered_min_sum_kernel

    sig = {"L_ptr": "*fp32", "m1_ptr": "*fp32", "m2_ptr": "*fp32", "w_ptr": "*i32",
           "act_ptr": "*i8", "iters_ptr": "*i32", "row_ptr": "*i32", "cols": "*i32",
           "shifts": "*i32", "n_blocks": "i32", "zc": "i32", "n_cols": "i32", "n_rows": "i32",
           "max_it": "i32", "scale": "fp32", "offset": "fp32", "OFFSET_MS": "constexpr",
           "EARLY": "constexpr", "BLOCK_Z": "constexpr"}
    out = []
    for arch in (80, 90):
        for early in (False, True):
            for offset_ms in (False, True):
                src = ASTSource(fn=_layered_min_sum_kernel, signature=sig,
                                constexprs={"OFFSET_MS": offset_ms, "EARLY": early,
                                            "BLOCK_Z": BLOCK_Z_MAX})
                c = triton.compile(src, target=GPUTarget("cuda", arch, 32),
                                   options={"num_warps": NUM_WARPS, "enable_fp_fusion": False})
                ptx = c.asm["ptx"]
                out.append({"arch": arch, "early": early, "offset": offset_ms,
                            "cubin": len(c.asm["cubin"]), "barrier": "bar.sync" in ptx
                            or "barrier.sync" in ptx, "fma": "fma.rn.f32" in ptx})
    from softran.nr.coding.ldpc import encode_triton as enc

    esig = {"c_ptr": "*u8", "out_ptr": "*i8", "buf_ptr": "*u8", "order": "*i32",
            "last_in_level": "*i32", "tgt": "*i32", "src_ptr": "*i32", "src_col": "*i32",
            "src_shift": "*i32", "n_blocks": "i32", "n_steps": "i32", "zc": "i32", "kb": "i32",
            "n_cols": "i32", "n_buf_cols": "i32", "out_len": "i32", "BLOCK_Z": "constexpr"}
    for arch in (80, 90):
        src = ASTSource(fn=enc._encode_kernel, signature=esig,
                        constexprs={"BLOCK_Z": enc.BLOCK_Z_MAX})
        c = triton.compile(src, target=GPUTarget("cuda", arch, 32),
                           options={"num_warps": enc.NUM_WARPS})
        ptx = c.asm["ptx"]
        out.append({"arch": arch, "encoder": True, "cubin": len(c.asm["cubin"]),
                    "barrier": "bar.sync" in ptx or "barrier.sync" in ptx, "fma": False})
    json.dump(out, sys.stdout)
''')


@pytest.mark.skipif(sys.platform != "linux", reason="Triton's CUDA backend is Linux-only")
def test_kernels_compile_for_a100_and_h100(tmp_path: Path) -> None:
    env = {**os.environ, "TRITON_INTERPRET": "0", "TRITON_CACHE_DIR": str(tmp_path),
           "TRITON_DEFAULT_FP_FUSION": "0"}
    run = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                         text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads(run.stdout)
    assert len(results) == 10
    for r in results:
        assert r["cubin"] > 0 and r["barrier"] and not r["fma"], r
