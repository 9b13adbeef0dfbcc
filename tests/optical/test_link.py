"""Link files: the shipped examples load; bad files give one-line errors naming the key."""

from pathlib import Path

import pytest

from softran.optical.gn_model import required_snr_db
from softran.optical.link import LinkError, load_link, validate_link

EXAMPLES = Path(__file__).resolve().parents[2] / "scenarios" / "optical"

BASE = """
[link]
name = "t"

[transceiver]
symbol_rate_gbd = 64.0
roll_off = 0.1
channel_spacing_ghz = 75.0
n_channels = 8

[[spans]]
fibre = "SSMF"
length_km = 80.0
count = 3

[amplifier_per_span]
noise_figure_db = 5.0
"""


def _load(tmp_path, text, name="link.toml"):
    path = tmp_path / name
    path.write_text(text)
    return load_link(path)


def _error(tmp_path, text):
    with pytest.raises(LinkError) as info:
        _load(tmp_path, text)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_examples_load():
    metro = load_link(EXAMPLES / "metro_80kmx10.toml")
    assert len(metro.spans) == 10 and metro.length_km == 800.0
    assert metro.n_channels == 64                      # 4800 GHz / 75 GHz
    assert all(s.amplifier.gain_db == pytest.approx(16.0) for s in metro.spans)
    sub = load_link(EXAMPLES / "submarine_6000km.toml")
    assert len(sub.spans) == 100 and sub.length_km == pytest.approx(6000.0)
    assert sub.n_channels == 128                       # 4800 GHz / 37.5 GHz
    assert sub.spans[0].fibre.name == "ULL-150"
    assert sub.spans[0].amplifier.gain_db == pytest.approx(0.16 * 60)
    fh = load_link(EXAMPLES / "fronthaul_20km.toml")
    assert len(fh.spans) == 1 and fh.spans[0].amplifier is None
    assert fh.spans[0].loss_db == pytest.approx(20 * 0.2 + 1.0)


def test_base_resolves(tmp_path):
    link = _load(tmp_path, BASE)
    assert [s.entry for s in link.spans] == [0, 0, 0]
    f = link.channel_frequencies()
    assert f.shape == (8,)
    assert (f[1:] - f[:-1]).tolist() == pytest.approx([75e9] * 7)
    assert f.mean().item() == pytest.approx(193.1e12)
    assert link.symbol_rate == 64e9 and link.channel_spacing == 75e9


def test_overrides_explicit_amplifiers_and_gain_default(tmp_path):
    text = BASE.replace("count = 3", "count = 1\nloss_db_per_km = 0.25\nextra_loss_db = 1.0\n"
                        "dispersion_ps_nm_km = 17.0\na_eff_um2 = 85.0\ngamma_per_w_km = 1.2")
    text += ("\n[[spans]]\nlength_km = 40.0\namplifier = false\n"
             "\n[[spans]]\nlength_km = 40.0\namplifier = {noise_figure_db = 6.0}\n")
    link = _load(tmp_path, text)
    s0, s1, s2 = link.spans
    assert s0.fibre.alpha_db_km == 0.25 and s0.fibre.dispersion_ps_nm_km == 17.0
    assert s0.fibre.a_eff_um2 == 85.0 and s0.fibre.gamma_per_w_km == 1.2
    assert s0.loss_db == pytest.approx(21.0) and s0.amplifier.gain_db == pytest.approx(21.0)
    assert s1.amplifier is None
    # the amplifier after two unamplified 40 km stretches compensates both (16 dB)
    assert s2.amplifier.gain_db == pytest.approx(16.0) and s2.amplifier.noise_figure_db == 6.0


def test_required_snrs(tmp_path):
    link = _load(tmp_path, BASE)
    assert link.required_snrs_db()["16QAM"] == pytest.approx(required_snr_db("16QAM", 2e-2))
    link = _load(tmp_path, BASE.replace("n_channels = 8", 'n_channels = 8\nmodulation = "16QAM"'
                                        "\nrequired_snr_db = 15.5"))
    assert link.required_snrs_db() == {"16QAM": 15.5}
    link = _load(tmp_path, BASE.replace("n_channels = 8", "n_channels = 8\n"
                                        'required_snr_db = {"QPSK" = 9.0, "16qam" = 16.0}'))
    assert link.required_snrs_db() == {"QPSK": 9.0, "16QAM": 16.0}


@pytest.mark.parametrize("change,expected", [
    (("length_km = 80.0", "length_km = -5.0"),
     "link.toml: spans[0].length_km: must be > 0, got -5.0"),
    (("length_km = 80.0", "length_km = 0"),
     "link.toml: spans[0].length_km: must be > 0, got 0.0"),
    (("length_km = 80.0", 'length_km = "far"'),
     "link.toml: spans[0].length_km: must be a number, got 'far'"),
    (("count = 3", "count = 0"), "link.toml: spans[0].count: must be in 1..10000, got 0"),
    (('fibre = "SSMF"', 'fibre = "G.999"'),
     "link.toml: spans[0].fibre: unknown fibre type 'G.999'; allowed: SSMF"),
    (('fibre = "SSMF"', 'fibre = "SSMF"\ncolour = "red"'),
     "link.toml: spans[0].colour: unknown key; allowed: fibre, length_km"),
    (("count = 3", "count = 3\namplifier = true"),
     "link.toml: spans[0].amplifier: true is not allowed"),
    (("count = 3", "count = 3\namplifier = {noise_figure_db = 5.0, pump = 1}"),
     "link.toml: spans[0].amplifier.pump: unknown key; allowed: noise_figure_db, gain_db"),
    (("noise_figure_db = 5.0", "noise_figure_db = -1.0"),
     "link.toml: amplifier_per_span.noise_figure_db: must be >= 0, got -1.0"),
    (("noise_figure_db = 5.0", "noise_figure_db = 1.0"),
     "link.toml: amplifier_per_span.noise_figure_db: 1.0 dB is below the quantum limit"),
    (("noise_figure_db = 5.0", "noise_figure_db = 5.0\ngain_db = 40.0"),
     "link.toml: amplifier_per_span.gain_db: 40.0 dB exceeds max_gain_db = 35.0 dB"),
    (("symbol_rate_gbd = 64.0", "symbol_rate_gbd = -64.0"),
     "link.toml: transceiver.symbol_rate_gbd: must be > 0, got -64.0"),
    (("symbol_rate_gbd = 64.0\n", ""),
     "link.toml: transceiver.symbol_rate_gbd: missing key (required)"),
    (("channel_spacing_ghz = 75.0", "channel_spacing_ghz = 50.0"),
     "link.toml: transceiver.channel_spacing_ghz: 50.0 GHz is narrower than the signal"),
    (("roll_off = 0.1", "roll_off = 1.5"), "link.toml: transceiver.roll_off: must be in 0..1"),
    (("n_channels = 8", 'n_channels = 8\nmodulation = "8PSK"'),
     "link.toml: transceiver.modulation: modulation = '8PSK' is not allowed"),
    (("n_channels = 8", "n_channels = 8\nrequired_snr_db = 12.0"),
     "link.toml: transceiver.required_snr_db: a single number needs modulation"),
    (("n_channels = 8", 'n_channels = 8\nrequired_snr_db = {"17QAM" = 3.0}'),
     "link.toml: transceiver.required_snr_db.17QAM: unknown modulation"),
    (('name = "t"', 'name = ""'), "link.toml: link.name: must not be empty"),
    (("[link]\n", "[lnk]\n"), "link.toml: link: missing section (required)"),
])
def test_bad_files_name_the_key(tmp_path, change, expected):
    old, new = change
    assert old in BASE
    assert _error(tmp_path, BASE.replace(old, new, 1)).startswith(expected)


def test_span_without_amplifier_where_one_is_needed(tmp_path):
    # no amplifier anywhere and no power budget: the receiver follows 48 dB of fibre
    no_amp = BASE.split("[amplifier_per_span]")[0]
    msg = _error(tmp_path, no_amp)
    assert msg.startswith("link.toml: spans[0].amplifier: missing; the receiver follows "
                          "48.0 dB of unamplified fibre")
    # a power budget smaller than the tail loss
    msg = _error(tmp_path, no_amp.replace("n_channels = 8", "n_channels = 8\n"
                                          "power_budget_db = 20.0\nlaunch_power_dbm = 0.0"))
    assert "spans[0].amplifier: missing; the 48.0 dB of unamplified fibre before the " \
           "receiver" in msg and "power_budget_db = 20.0" in msg
    # three unamplified 80 km spans before an amplifier: 64 dB exceeds its 35 dB gain limit
    text = BASE.replace("count = 3", "count = 3\namplifier = false")
    text += "\n[[spans]]\nlength_km = 80.0\n"
    msg = _error(tmp_path, text)
    assert msg.startswith("link.toml: spans[0].amplifier: missing; the 64.0 dB of fibre loss "
                          "from spans[0] to spans[1] exceeds the gain limit")
    # the last span's amplifier switched off: the tail after the last amplifier is 16 dB
    text = BASE + "\n[[spans]]\nlength_km = 80.0\namplifier = false\n"
    assert _error(tmp_path, text).startswith("link.toml: spans[1].amplifier: missing")
    # with a budget that covers the tail it loads
    ok = text.replace("n_channels = 8", "n_channels = 8\npower_budget_db = 16.0")
    assert _load(tmp_path, ok).spans[-1].amplifier is None


def test_unamplified_line_needs_a_launch_power(tmp_path):
    text = BASE.split("[amplifier_per_span]")[0].replace("count = 3", "count = 1").replace(
        "n_channels = 8", "n_channels = 8\npower_budget_db = 20.0")
    assert _error(tmp_path, text).startswith("link.toml: transceiver.launch_power_dbm: missing")


def test_spans_section_shape(tmp_path):
    text = "spans = []\n" + BASE.split("[[spans]]")[0]   # top-level key: before any table
    assert _error(tmp_path, text) == ("link.toml: spans: at least one [[spans]] entry is "
                                      "required")
    text = BASE.split("[[spans]]")[0]
    assert _error(tmp_path, text) == "link.toml: spans: missing section (required)"


def test_unreadable_and_invalid_toml(tmp_path):
    with pytest.raises(LinkError, match=r"^nope.toml: cannot read"):
        load_link(tmp_path / "nope.toml")
    assert _error(tmp_path, "[link\nname = 1").startswith("link.toml: invalid TOML:")


def test_text_source_and_type_errors():
    with pytest.raises(LinkError, match=r"^link: link: missing section"):
        load_link('[transceiver]\nsymbol_rate_gbd = 64\nchannel_spacing_ghz = 75\n'
                  '[[spans]]\nlength_km = 1')
    with pytest.raises(TypeError, match="data"):
        validate_link([1, 2])
    with pytest.raises(TypeError, match="source"):
        load_link(3.0)
