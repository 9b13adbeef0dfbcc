import re
from pathlib import Path

import torch

README = Path(__file__).parents[1] / "README.md"


def _blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_ofdm_example_recovers_bits(capsys):
    exec(compile(_blocks()[0], "README.md", "exec"), {})
    assert capsys.readouterr().out.strip() == "torch.Size([1, 15360]) True"


def test_readme_dlsch_example_decodes(capsys):
    # 64 TBs of 8424 bits at 2 dB Es/N0, about 1.6 dB above the normal approximation of
    # (8424, 16848): the chain decodes them all (seeded, so the test is deterministic)
    torch.manual_seed(0)
    exec(compile(_blocks()[1], "README.md", "exec"), {})
    assert capsys.readouterr().out.strip() == "0 True"


def test_readme_names_the_two_commands():
    text = README.read_text()
    assert "make demo" in text and "make test" in text
    assert "make test" in (Path(__file__).parents[1] / ".ci" / "run").read_text()
