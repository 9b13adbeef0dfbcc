import numpy as np
import pytest
import torch

import softran.validation as validation
from softran.validation import (
    DEFAULT_MAX_ALLOCATION,
    allocation_limit,
    available_memory,
    check_allocation,
    check_bits,
    check_choice,
    check_finite,
    check_int,
    check_llr,
    check_positive,
    check_tensor,
    check_variance,
    get_max_allocation,
    max_allocation,
    set_max_allocation,
)


def test_check_int_accepts_python_and_numpy_integers():
    assert check_int("n", 5, 0, 10) == 5
    assert check_int("n", np.int64(7), 0, 10) == 7


@pytest.mark.parametrize("value", [1.0, "3", None, True])
def test_check_int_rejects_non_integers_with_name(value):
    with pytest.raises(TypeError, match="n_id"):
        check_int("n_id", value)


def test_check_int_range_message_names_value_and_range():
    with pytest.raises(ValueError, match=r"n_cell_id = 1008 .*0\.\.1007"):
        check_int("n_cell_id", 1008, 0, 1007)


def test_check_choice_case_insensitive_and_error():
    assert check_choice("modulation", "qpsk", ["QPSK", "16QAM"]) == "QPSK"
    with pytest.raises(ValueError, match="modulation = '8PSK'.*'QPSK', '16QAM'"):
        check_choice("modulation", "8PSK", ["QPSK", "16QAM"])


def test_check_positive():
    assert check_positive("x", 2) == 2.0
    for bad in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="x"):
            check_positive("x", bad)
    with pytest.raises(TypeError):
        check_positive("x", "1")


def test_check_bits():
    out = check_bits("bits", torch.tensor([[0, 1], [1, 1]], dtype=torch.int64))
    assert out.dtype == torch.uint8 and out.tolist() == [[0, 1], [1, 1]]
    with pytest.raises(ValueError, match="bits must contain only 0 and 1, found 2"):
        check_bits("bits", torch.tensor([0, 2]))
    with pytest.raises(TypeError, match="dtype"):
        check_bits("bits", torch.tensor([0.0, 1.0]))
    with pytest.raises(TypeError, match="torch.Tensor"):
        check_bits("bits", [0, 1])
    with pytest.raises(ValueError, match="dimension"):
        check_tensor("x", torch.tensor(1.0), min_dim=1)


# --------------------------------------------------------------------------------------------
# Memory policy: check_allocation and its limit
# --------------------------------------------------------------------------------------------

def test_check_allocation_names_parameter_value_and_limit():
    with max_allocation("1M"):
        check_allocation("n", 1000, 1000, 8)                       # 8000 bytes: fine
        with pytest.raises(ValueError, match=r"^n = 200000 would need about 1.53 MiB of memory, "
                                             r"more than the limit of 1 MiB \(the per-call cap"):
            check_allocation("n", 200_000, 200_000, torch.complex64)   # 1.6 MB
    # the default cap refuses what a typing error asks for, without querying anything
    assert get_max_allocation() == DEFAULT_MAX_ALLOCATION == 4 << 30
    with pytest.raises(ValueError, match=r"n = 100000000000 would need about 373 GiB"):
        check_allocation("n", 10**11, 4 * 10**11)


def test_max_allocation_settings_restore_and_parse(monkeypatch):
    monkeypatch.delenv("SOFTRAN_MAX_ALLOCATION", raising=False)
    assert get_max_allocation() == 4 << 30
    monkeypatch.setenv("SOFTRAN_MAX_ALLOCATION", "512MiB")
    assert get_max_allocation() == 512 << 20
    with max_allocation(2048):                          # the override wins over the variable
        assert get_max_allocation() == 2048
        with max_allocation("1.5k"):
            assert get_max_allocation() == 1536
        assert get_max_allocation() == 2048
    assert get_max_allocation() == 512 << 20
    monkeypatch.setenv("SOFTRAN_MAX_ALLOCATION", "lots")
    with pytest.raises(ValueError, match="SOFTRAN_MAX_ALLOCATION = 'lots' is not a size"):
        get_max_allocation()
    with pytest.raises(ValueError, match="limit = 0 is out of range"):
        set_max_allocation(0)
    assert set_max_allocation(None) is None


def test_allocation_limit_is_half_the_available_memory_when_that_is_smaller(monkeypatch):
    monkeypatch.setattr(validation, "available_memory", lambda device=None: 256 << 20)
    limit, why = allocation_limit()
    assert limit == 128 << 20 and "half of the 256 MiB of memory available now on cpu" in why
    check_allocation("n", 1, 100 << 20)                # 100 MiB < 128 MiB: fine
    with pytest.raises(ValueError, match=r"n = 2 would need about 200 MiB .* limit of 128 MiB "
                                         r"\(half of the 256 MiB"):
        check_allocation("n", 2, 200 << 20)


def test_available_memory_is_known_on_linux_cpu():
    avail = available_memory("cpu")
    assert avail is not None and avail > 0
    assert available_memory("meta") is None


# --------------------------------------------------------------------------------------------
# Non-finite policy: NaN never, inf only in LLRs
# --------------------------------------------------------------------------------------------

def test_check_finite_refuses_nan_and_inf_naming_the_first_index():
    x = torch.zeros(2, 3, dtype=torch.complex64)
    assert check_finite("x", x) is x
    x[1, 2] = complex(0.0, float("nan"))
    with pytest.raises(ValueError, match=r"x contains NaN \(first at index \(1, 2\)\)"):
        check_finite("x", x)
    y = torch.tensor([0.0, float("inf"), 1.0])
    with pytest.raises(ValueError, match=r"y contains inf \(first at index 1\)"):
        check_finite("y", y)
    assert check_finite("y", y, allow_inf=True) is y
    big = torch.tensor([3e38, 3e38])                    # the sum overflows; the values are fine
    assert check_finite("big", big) is big
    assert check_finite("n", torch.tensor([1, 2])).dtype == torch.int64      # integers pass
    assert check_finite("e", torch.zeros(0)).numel() == 0


def test_check_llr_allows_certain_bits_and_refuses_nan():
    llr = torch.tensor([float("inf"), -float("inf"), 0.5])
    assert check_llr("llr", llr) is llr
    with pytest.raises(ValueError, match="llr contains NaN"):
        check_llr("llr", torch.tensor([0.0, float("nan")]))
    with pytest.raises(TypeError, match="floating-point tensor of LLRs"):
        check_llr("llr", torch.tensor([1, 0]))
    with pytest.raises(ValueError, match="at least 1 dimension"):
        check_llr("llr", torch.tensor(1.0))


def test_check_variance():
    assert check_variance("nv", 0) == 0.0
    with pytest.raises(ValueError, match="nv = 0.0 is not allowed; it must be > 0"):
        check_variance("nv", 0, positive=True)
    for bad in (float("nan"), float("inf"), -1.0):
        with pytest.raises(ValueError, match="nv"):
            check_variance("nv", bad)
    with pytest.raises(ValueError, match=r"nv must be >= 0 everywhere, found -2.0 \(first at "
                                         r"index 1\)"):
        check_variance("nv", torch.tensor([1.0, -2.0]))
    with pytest.raises(ValueError, match="nv contains NaN"):
        check_variance("nv", torch.tensor([float("nan")]))
    with pytest.raises(TypeError, match="real"):
        check_variance("nv", torch.tensor([1j]))
    with pytest.raises(TypeError, match="real"):
        check_variance("nv", "1")
