"""Scenario files: validation errors that name the key, canonical hashes."""

import pytest

from softran.sim.scenario import ScenarioError, load_scenario, validate_scenario
from softran.sim.scenario_sections import ChannelSection

BASE = """
[scenario]
name = "t"
link = "sch-awgn"

[carrier]
subcarrier_spacing = 30
n_size_grid = 24

[pusch]
modulation = "QPSK"
target_code_rate = 0.5
n_prb = 2

[antennas]
n_tx = 1
n_rx = 1

[snr]
points_db = [0.0, 1.0]

[stopping]
target_block_errors = 50
max_slots = 2000

[run]
batch_slots = 20
seed = 3
"""


def _file(tmp_path, text, name="scenario.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def _replace(old, new, text=BASE):
    assert old in text
    return text.replace(old, new)


def test_valid_scenario_and_defaults(tmp_path):
    s = load_scenario(_file(tmp_path, BASE))
    assert s.scenario.link == "sch-awgn" and s.snr.points_db == (0.0, 1.0)
    assert s.harq.max_transmissions == 4 and s.harq.rv_sequence == (0, 2, 3, 1)
    assert s.channel.model == "AWGN" and s.stopping.ci_level == 0.95
    assert s.stopping.min_slots == 0 and s.stopping.ci_relative_width is None
    assert s.run.device == "cpu" and s.run.engine == "inprocess"
    assert s.carrier_config.n_size_grid == 24
    # the link fills its defaults into the canonical [pusch] table
    assert s.pusch == {"modulation": "QPSK", "target_code_rate": 0.5, "n_prb": 2,
                       "n_re_per_prb": 144, "n_layers": 1}
    assert s.source_text == BASE


@pytest.mark.parametrize("old, new, message", [
    # unknown keys, at every level
    ("max_slots = 2000", "max_slot = 2000",
     "scenario.toml: stopping.max_slot: unknown key; allowed: target_block_errors, min_slots, "
     "max_slots, ci_level, ci_relative_width"),
    ("[run]", "[runn]", "scenario.toml: runn: unknown key"),
    ("n_size_grid = 24", "n_size_grid = 24\nbogus = 1",
     "scenario.toml: carrier.bogus: unknown key"),
    ("n_prb = 2", "n_prb = 2\nn_prbs = 2", "scenario.toml: pusch.n_prbs: unknown key for link"),
    # bad values
    ("max_slots = 2000", "max_slots = 0",
     "scenario.toml: stopping.max_slots: max_slots = 0 is out of range; allowed: 1..1000000000000"),
    ("max_slots = 2000", "max_slots = 2.5",
     "scenario.toml: stopping.max_slots: max_slots must be an integer, got 2.5"),
    ("target_block_errors = 50", "target_block_errors = 50\nmin_slots = 5000",
     "scenario.toml: stopping.min_slots: min_slots = 5000 exceeds max_slots = 2000"),
    ("n_size_grid = 24", "n_size_grid = 300",
     "scenario.toml: carrier.n_size_grid: n_size_grid = 300 is out of range; allowed: 1..275"),
    ("n_size_grid = 24", 'n_size_grid = "a"',
     "scenario.toml: carrier.n_size_grid: n_size_grid must be an integer, got 'a'"),
    ('modulation = "QPSK"', 'modulation = "8PSK"',
     "scenario.toml: pusch.modulation: modulation = '8PSK' is not allowed"),
    ("n_prb = 2", "n_prb = 25",
     "scenario.toml: pusch.n_prb: n_prb = 25 is out of range; allowed: 1..24"),
    ("target_code_rate = 0.5", "target_code_rate = 0.97",
     "scenario.toml: pusch.target_code_rate: target_code_rate = 0.97 is out of range"),
    ("n_prb = 2", 'n_prb = 2\nfrc = "G-FR1-A3-8"',
     "scenario.toml: pusch.frc: fixed reference channels need link = 'pusch'"),
    ("points_db = [0.0, 1.0]", "points_db = [0.0, 0.0]",
     "scenario.toml: snr.points_db: SNR points must be distinct"),
    ("points_db = [0.0, 1.0]", "start = 2.0\nstop = 1.0\nstep = 0.5",
     "scenario.toml: snr.stop: stop = 1.0 is below start = 2.0"),
    ("points_db = [0.0, 1.0]", "points_db = [0.0, 1.0]\nstep = 0.5",
     "scenario.toml: snr.points_db: give either points_db or start/stop/step"),
    ("[stopping]", "[harq]\nrv_sequence = [0, 4]\n[stopping]",
     "scenario.toml: harq.rv_sequence: rv_sequence[1] = 4 is out of range; allowed: 0..3"),
    ("[stopping]", "[harq]\nmax_transmissions = 5\n[stopping]",
     "scenario.toml: harq.max_transmissions: max_transmissions = 5 is out of range"),
    ("n_rx = 1", "n_rx = 3",
     "scenario.toml: antennas.n_rx: n_rx = 3 is not allowed; allowed: 1, 2, 4, 8"),
    ("n_tx = 1", "n_tx = 2", "scenario.toml: antennas.n_tx: n_tx = 2 is not allowed; allowed: 1"),
    ("[snr]", '[channel]\nmodel = "TDLB100-400"\n[snr]',
     "scenario.toml: channel.model: 'TDLB100-400' is not supported by link 'sch-awgn'"),
    ("[snr]", '[channel]\nmodel = "TDLX"\n[snr]',
     "scenario.toml: channel.model: model = 'TDLX' is not allowed"),
    ('link = "sch-awgn"', 'link = "nope"',
     "scenario.toml: scenario.link: 'nope' is not an available link; allowed: "),
    ("seed = 3", 'seed = 3\ndevice = "tpu"',
     "scenario.toml: run.device: device = 'tpu' is not allowed; allowed: 'cpu', 'cuda'"),
    # missing sections and keys
    ("[snr]\npoints_db = [0.0, 1.0]", "", "scenario.toml: snr: missing section (required)"),
    ('name = "t"', "", "scenario.toml: scenario.name: missing key (required)"),
    ("target_code_rate = 0.5", "", "scenario.toml: pusch.target_code_rate: missing key"),
    ("[scenario]", "antennas = 3\n[scenario]", None),
    # not TOML at all
    ("[run]", "[run", "scenario.toml: invalid TOML: "),
])
def test_malformed_scenario_one_line_naming_the_key(tmp_path, old, new, message):
    text = _replace(old, new)
    if message is None:  # a section that is not a table
        text = text.replace("[antennas]\nn_tx = 1\nn_rx = 1", "")
        message = "scenario.toml: antennas: must be a table ([antennas]), got 3"
    with pytest.raises(ScenarioError) as info:
        load_scenario(_file(tmp_path, text))
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith(message), text
    assert isinstance(info.value, ValueError)


def test_missing_file_and_text_source(tmp_path):
    with pytest.raises(ScenarioError, match=r"^nope.toml: cannot read"):
        load_scenario(tmp_path / "nope.toml")
    with pytest.raises(ScenarioError, match=r"^scenario: stopping.max_slots: "):
        load_scenario(_replace("max_slots = 2000", "max_slots = -1"))


def _hash(text):
    s = load_scenario(text)
    return s.content_hash, s.stream_hash


def test_content_hash_stable_under_order_whitespace_comments_and_name():
    # same content: sections and keys reordered, comments, spacing, another name,
    # run-only fields (engine, workers)
    reordered = """
# a comment
[run]
seed    = 3
batch_slots = 20
engine = "processes"
workers = 3

[stopping]
max_slots = 2000      # comment
target_block_errors = 50

[snr]
points_db = [ 0.0 , 1.0 ]

[antennas]
n_rx = 1
n_tx = 1

[pusch]
n_prb = 2
target_code_rate = 0.5
modulation = "qpsk"

[carrier]
n_size_grid = 24
subcarrier_spacing = 30

[scenario]
link = "sch-awgn"
name = "another name"
"""
    assert _hash(reordered) == _hash(BASE)
    # SNR points given as a grid are the same points
    assert _hash(_replace("points_db = [0.0, 1.0]", "start = 0\nstop = 1\nstep = 1")) == \
        _hash(BASE)
    # defaults written out change nothing
    assert _hash(_replace("n_prb = 2", "n_prb = 2\nn_layers = 1\nn_re_per_prb = 144")) == \
        _hash(BASE)


@pytest.mark.parametrize("old, new, stream_changes", [
    ("seed = 3", "seed = 4", True),
    ("batch_slots = 20", "batch_slots = 21", True),
    ("target_code_rate = 0.5", "target_code_rate = 0.4", True),
    ("n_rx = 1", "n_rx = 2", True),
    ("seed = 3", 'seed = 3\ndevice = "cuda"', True),
    ("[stopping]", "[harq]\nmax_transmissions = 2\n[stopping]", True),
    ("[stopping]", "[harq]\nrv_sequence = [0, 3, 2, 1]\n[stopping]", True),
    # SNR points and the stopping rule change the results, not the batches
    ("points_db = [0.0, 1.0]", "points_db = [0.0, 1.5]", False),
    ("max_slots = 2000", "max_slots = 4000", False),
    ("target_block_errors = 50", "target_block_errors = 50\nci_relative_width = 0.3", False),
])
def test_hash_changed_by_result_changing_fields(old, new, stream_changes):
    content, stream = _hash(_replace(old, new))
    base_content, base_stream = _hash(BASE)
    assert content != base_content
    assert (stream != base_stream) == stream_changes


def test_to_dict_round_trip():
    s = load_scenario(_replace("points_db = [0.0, 1.0]", "start = -1\nstop = 0.5\nstep = 0.25"))
    again = validate_scenario(s.to_dict())
    assert again.content_hash == s.content_hash and again.snr.points_db == s.snr.points_db
    assert s.snr.points_db == (-1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5)
    assert s.snr.points_mdb == (-1000, -750, -500, -250, 0, 250, 500)


def test_mcs_index_gives_modulation_and_rate():
    # TS 38.214 Table 5.1.3.1-1, I_MCS = 4: Q_m = 2, R x 1024 = 308
    s = load_scenario(_replace('modulation = "QPSK"\ntarget_code_rate = 0.5', "mcs_index = 4"))
    assert s.pusch["modulation"] == "QPSK" and s.pusch["target_code_rate"] == 308 / 1024
    with pytest.raises(ScenarioError, match="pusch.target_code_rate: give either mcs_index"):
        load_scenario(_replace("modulation = \"QPSK\"", "mcs_index = 4"))


def test_channel_models():
    c = ChannelSection(model="tdlb100-400", correlation="Medium")
    assert (c.model, c.profile, c.max_doppler, c.correlation) == ("TDLB100-400", "TDLB100",
                                                                  400.0, "medium")
    c = ChannelSection(model="TDL", profile="tdl-c", delay_spread=300, max_doppler=100)
    assert (c.model, c.profile, c.delay_spread) == ("TDL", "TDL-C", 300.0)
    assert ChannelSection(model="cdl-c", delay_spread=100, max_doppler=5).model == "CDL-C"
    for kwargs, key in [({"model": "TDL", "max_doppler": 5}, "profile"),
                        ({"model": "TDL", "profile": "TDL-A", "max_doppler": 5}, "delay_spread"),
                        ({"model": "CDL-A", "delay_spread": 30}, "max_doppler"),
                        ({"model": "TDLA30-10", "max_doppler": 20}, "max_doppler"),
                        ({"model": "AWGN", "max_doppler": 20}, "max_doppler"),
                        ({"model": "AWGN", "correlation": "strong"}, "correlation")]:
        with pytest.raises(ValueError, match=key):
            ChannelSection(**kwargs)


@pytest.mark.parametrize("link", ["sch-awgn", "pusch"])
def test_batch_slots_beyond_memory_is_refused_when_the_scenario_is_validated(link):
    text = (f'[scenario]\nname = "x"\nlink = "{link}"\n[pusch]\ntarget_code_rate = 0.5\n'
            '[snr]\npoints_db = [0]\n[run]\nbatch_slots = 1000000\n')
    with pytest.raises(ScenarioError, match=r"scenario: run.batch_slots: batch_slots = 1000000 "
                                            r"would need about .* of memory, more than the "
                                            r"limit .*MiB per slot of a batch"):
        load_scenario(text)
    assert load_scenario(text.replace("1000000", "10")).run.batch_slots == 10
