"""The TR 38.901 TDL/CDL tables and the TS 38.101-4 TDL profiles in ``softran/channel/data``
against the copies Sionna PHY ships (``sionna/phy/channel/tr38901/models``: ``v19_2`` for
TR 38.901 V19.2 Tables 7.7.1-1..5 and 7.7.2-1..5, ``ts_38_101_4_v19_2_2`` for TS 38.101-4
V19.2.2 Annex B.2.1). softran's files came from the same transcription, so this pins their
lineage (no value was edited since) rather than checking them independently."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from oracles import sionna_phy

pytestmark = pytest.mark.oracle
sionna_phy()

MODELS = resources.files("sionna.phy.channel.tr38901").joinpath("models")
FILES = ([(f"tr38901_{t}-{x}.json", f"v19_2/{t}-{x}.json") for t in ("TDL", "CDL")
          for x in "ABCDE"]
         + [(f"ts38101-4_TDL-{p}.json", f"ts_38_101_4_v19_2_2/TDL-{p}.json")
            for p in ("A10", "A30", "B100", "C60", "C300", "D10", "D30")])


@pytest.mark.parametrize("ours,theirs", FILES, ids=[f[0] for f in FILES])
def test_channel_profile_equals_sionna(ours, theirs):
    mine = json.loads(resources.files("softran.channel").joinpath("data", ours).read_text())
    assert mine == json.loads(MODELS.joinpath(theirs).read_text())
