"""Provenance of the standard tables: every data file under ``src/softran/*/data`` has an
entry in its folder's ``sources.toml`` naming the document (TS / TR number, version where
known, table), and the SHA-256 recorded there matches the file, so any edit of a table shows
up here and has to come with a new source note. Data files and tests name documents, never
paths outside the repository."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA_DIRS = sorted(p for p in (ROOT / "src" / "softran").glob("*/data") if p.is_dir())
DATA_FILES = sorted(f for d in DATA_DIRS for f in d.iterdir()
                    if f.is_file() and f.name != "sources.toml")
# a document a table can come from
DOCUMENT = re.compile(r"\b(TS|TR) \d\d\.\d{3}|O-RAN\.WG4|ITU-T G\.\d|OIF-|IEEE Std \d|ETSI/SAGE|SCF \d{3}\b")


def _manifest(d: Path) -> dict:
    return tomllib.loads((d / "sources.toml").read_text())


def test_every_data_folder_has_a_manifest():
    assert DATA_DIRS
    for d in DATA_DIRS:
        assert (d / "sources.toml").is_file(), d


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_data_file_has_a_source_and_its_digest(path):
    entry = _manifest(path.parent).get(path.name)
    assert entry is not None, f"{path.name} has no entry in {path.parent / 'sources.toml'}"
    assert DOCUMENT.search(entry["source"]), entry["source"]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert entry["sha256"] == digest, (
        f"{path.name} changed: record its source and sha256 = {digest!r} in sources.toml")


@pytest.mark.parametrize("d", DATA_DIRS, ids=lambda d: d.parent.name)
def test_manifest_lists_only_existing_files(d):
    assert set(_manifest(d)) == {f.name for f in DATA_FILES if f.parent == d}


def test_csv_tables_say_their_source_in_a_header():
    for path in DATA_FILES:
        if path.suffix == ".csv":
            lines = path.read_text().splitlines()
            header = []
            for line in lines:
                if not line.startswith("#"):
                    break
                header.append(line)
            assert header and DOCUMENT.search(" ".join(header)), path


def test_no_path_outside_the_repository():
    """Data files, tests and sources name documents, not a checkout's shared folder."""
    pattern = re.compile(r"/work/shared|\.\./shared|shared/reference")
    files = [*DATA_FILES, *(ROOT / "tests").rglob("*.py"), *(ROOT / "src").rglob("*.py"),
             *(ROOT / "bench").rglob("*.py")]
    offenders = [str(f.relative_to(ROOT)) for f in files
                 if f != Path(__file__).resolve() and pattern.search(f.read_text())]
    assert not offenders
