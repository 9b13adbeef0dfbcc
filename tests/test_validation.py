import numpy as np
import pytest
import torch

from softran.validation import check_bits, check_choice, check_int, check_positive, check_tensor


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
