"""TS 38.104 Annex G propagation-condition names (``"TDLB100-400"``, ``"TDLA30-10-Low"``,
``"AWGN"``) parsed into the arguments of :class:`softran.channel.TDLChannel`."""

from __future__ import annotations

import re
from typing import NamedTuple

from softran.channel.profiles import TDL_PROFILE_NAMES

__all__ = ["ChannelSpec", "parse_channel_name"]

class ChannelSpec(NamedTuple):
    """A propagation condition parsed by :func:`parse_channel_name`.

    ``(profile, delay_spread, max_doppler)`` are the first three arguments of
    :class:`softran.channel.TDLChannel` as they are; ``rms_delay_spread`` is the nominal DS
    of the name in seconds; ``correlation`` the MIMO correlation suffix, if the name had one.
    """

    profile: str
    delay_spread: float | None
    max_doppler: float
    rms_delay_spread: float
    correlation: str | None


_CHANNEL_RE = re.compile(r"^TDL([A-E])(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)"
                         r"(?:-(low|medium-a|medium|high))?$", re.IGNORECASE)


def parse_channel_name(name: str) -> ChannelSpec:
    """Parse a TS 38.104 Annex G propagation condition ``TDL<x><DS ns>-<f_D Hz>`` (optional
    ``-Low``/``-Medium``/``-Medium-A``/``-High`` correlation suffix) or ``"AWGN"``.

    TS 38.104 Annex G.2.1 uses the conformance profiles with absolute delays (TDLA30,
    TDLB100, TDLC300: the TR 38.901 TDL models scaled and with taps merged), which
    :func:`softran.channel.tdl_profile` has; the profile returned is that name with
    ``delay_spread=None``. A DS with no conformance profile (e.g. ``TDLA100-10``) falls back to
    the TR 38.901 model (``"TDL-A"``) scaled by ``delay_spread`` (TR 38.901 §7.7.3).
    ``"AWGN"`` returns ``("AWGN", None, 0.0, 0.0, None)``.

    >>> tuple(parse_channel_name("TDLB100-400"))   # profile, delay_spread, f_D, DS, correlation
    ('TDLB100', None, 400.0, 1e-07, None)
    >>> parse_channel_name("TDLA100-10-Low")[:3]
    ('TDL-A', 1e-07, 10.0)
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    if name.strip().upper() == "AWGN":
        return ChannelSpec("AWGN", None, 0.0, 0.0, None)
    m = _CHANNEL_RE.match(name.strip())
    if m is None:
        raise ValueError(f"name = {name!r} is not a propagation condition; allowed: 'AWGN' or "
                         "'TDL<A-E><delay spread ns>-<max Doppler Hz>' with an optional "
                         "'-Low'/'-Medium'/'-Medium-A'/'-High' suffix, e.g. 'TDLB100-400'")
    letter, ds_text, fd_text, corr = m.groups()
    ds_ns = float(ds_text)
    if ds_ns <= 0:
        raise ValueError(f"name = {name!r}: delay spread {ds_text} ns must be > 0")
    conformance = f"TDL{letter.upper()}{ds_text}"
    rms = ds_ns / 1e9
    if conformance in TDL_PROFILE_NAMES:
        profile, delay_spread = conformance, None
    else:
        profile, delay_spread = f"TDL-{letter.upper()}", rms
    return ChannelSpec(profile, delay_spread, float(fd_text), rms,
                       None if corr is None else corr.lower())
