import re
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"


def test_readme_example_runs_and_recovers_bits(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) == 1
    exec(compile(blocks[0], "README.md", "exec"), {})
    assert capsys.readouterr().out.strip() == "torch.Size([1, 15360]) True"


def test_readme_names_the_two_commands():
    text = README.read_text()
    assert "make demo" in text and "make test" in text
    assert "make test" in (Path(__file__).parents[1] / ".ci" / "run").read_text()
