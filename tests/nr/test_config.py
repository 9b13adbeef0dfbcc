import pytest
from hypothesis import given
from hypothesis import strategies as st

from softran.nr import CarrierConfig


@pytest.mark.parametrize(
    "scs, mu, slots_per_frame",
    [(15, 0, 10), (30, 1, 20), (60, 2, 40), (120, 3, 80), (240, 4, 160)],  # TS 38.211 Table 4.3.2-1
)
def test_numerology_derived_values(scs, mu, slots_per_frame):
    c = CarrierConfig(subcarrier_spacing=scs)
    assert c.mu == mu
    assert c.slots_per_frame == slots_per_frame
    assert c.slots_per_subframe == slots_per_frame // 10
    assert c.symbols_per_slot == 14
    assert c.symbols_per_subframe == 14 * (1 << mu)


def test_extended_cp_at_60khz():  # TS 38.211 Table 4.3.2-2: 12 symbols, 4 slots per subframe
    c = CarrierConfig(subcarrier_spacing=60, cyclic_prefix="extended")
    assert (c.symbols_per_slot, c.slots_per_subframe, c.slots_per_frame) == (12, 4, 40)


@pytest.mark.parametrize("scs", [15, 30, 120, 240])
def test_extended_cp_only_at_60(scs):
    with pytest.raises(ValueError, match="extended.*only allowed with subcarrier_spacing = 60"):
        CarrierConfig(subcarrier_spacing=scs, cyclic_prefix="extended")


@pytest.mark.parametrize(
    "field, value, pattern",
    [
        ("subcarrier_spacing", 45, r"subcarrier_spacing = 45 .*15, 30, 60, 120, 240"),
        ("n_size_grid", 0, r"n_size_grid = 0 .*1\.\.275"),
        ("n_size_grid", 276, r"n_size_grid = 276"),
        ("n_cell_id", 1008, r"n_cell_id = 1008 .*0\.\.1007"),
        ("n_start_grid", 2200, r"n_start_grid = 2200"),
        ("n_slot", -1, r"n_slot = -1"),
        ("cyclic_prefix", "long", r"cyclic_prefix = 'long'"),
    ],
)
def test_invalid_fields_name_field_and_range(field, value, pattern):
    with pytest.raises(ValueError, match=pattern):
        CarrierConfig(**{field: value})
    c = CarrierConfig()
    with pytest.raises(ValueError, match=pattern):  # validated on assignment too
        setattr(c, field, value)


def test_wrong_type_is_type_error():
    with pytest.raises(TypeError, match="n_size_grid must be an integer"):
        CarrierConfig(n_size_grid=52.5)
    with pytest.raises(ValueError, match="bogus"):  # unknown fields are refused
        CarrierConfig(bogus=1)


@given(st.sampled_from([15, 30, 60, 120, 240]), st.integers(0, 10_000))
def test_slot_in_frame_wraps(scs, n_slot):
    c = CarrierConfig(subcarrier_spacing=scs, n_slot=n_slot)
    assert c.slot_in_frame == n_slot % (10 * scs // 15)
