"""Transmitter impairments for the measurement waveforms (``softran waveform tm --impair``):
a chain of :mod:`softran.channel` blocks built from short specifications.

Specifications (``name=value``), applied in this order whatever order they are given in:

* ``iq=<amplitude dB>:<phase deg>`` -- IQ imbalance of the modulator
  (:class:`~softran.channel.IQImbalance`);
* ``cfo=<Hz>`` -- carrier frequency offset of the local oscillator
  (:class:`~softran.channel.FrequencyOffset`);
* ``phase-noise=wiener:<linewidth Hz>`` or ``phase-noise=tr38803:<carrier GHz>`` -- oscillator
  phase noise (:class:`~softran.channel.PhaseNoise`);
* ``pa=rapp:<back-off dB>[:<p>]`` or ``pa=saleh:<back-off dB>`` -- the power amplifier
  (:class:`~softran.channel.PowerAmplifier`);
* ``snr=<dB>`` -- white Gaussian noise at that SNR per resource element (measurement noise,
  :class:`~softran.channel.AWGN`; the resource elements of the waveform are assumed to have
  unit power, as the test models' do);
* ``delay=<samples>`` -- the recording starts that many (integer) samples before the signal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from softran.channel import AWGN, FrequencyOffset, IQImbalance, PhaseNoise, PowerAmplifier
from softran.validation import check_int, check_real

__all__ = ["IMPAIRMENT_NAMES", "TransmitterImpairments"]

#: the specification names, in the order they are applied
IMPAIRMENT_NAMES: tuple[str, ...] = ("iq", "cfo", "phase-noise", "pa", "snr", "delay")


def _numbers(name: str, text: str, n_min: int, n_max: int, shown: str | None = None
             ) -> list[float]:
    """The ':'-separated numbers of ``text``; messages quote ``name=shown`` (default text)."""
    shown = text if shown is None else shown
    parts = text.split(":") if text else []
    if not n_min <= len(parts) <= n_max:
        raise ValueError(f"--impair {name}={shown!r} needs {n_min}..{n_max} ':'-separated "
                         "values")
    out = []
    for p in parts:
        try:
            out.append(float(p))
        except ValueError:
            raise ValueError(f"--impair {name}={shown!r}: {p!r} is not a number") from None
    return out


@dataclass
class TransmitterImpairments:
    """Parsed impairment specifications (module docstring); :meth:`apply` runs them.

    >>> imp = TransmitterImpairments.parse(["pa=rapp:8", "snr=40"])
    >>> imp.describe()
    'pa=rapp:8:p2 snr=40'
    """

    specs: dict[str, tuple[str, list[float]]] = field(default_factory=dict)

    @classmethod
    def parse(cls, items: list[str] | None) -> TransmitterImpairments:
        """Parse ``name=value`` strings; a bad one is a ``ValueError`` naming it."""
        specs: dict[str, tuple[str, list[float]]] = {}
        for item in items or []:
            if not isinstance(item, str) or "=" not in item:
                raise ValueError(f"--impair {item!r} is not name=value; names: "
                                 + ", ".join(IMPAIRMENT_NAMES))
            name, value = (s.strip() for s in item.split("=", 1))
            name = name.lower()
            if name not in IMPAIRMENT_NAMES:
                raise ValueError(f"--impair {name!r} is not an impairment; allowed: "
                                 + ", ".join(IMPAIRMENT_NAMES))
            if name in specs:
                raise ValueError(f"--impair {name} is given twice")
            if name in ("pa", "phase-noise"):
                kind, _, rest = value.partition(":")
                kind = kind.lower()
                allowed = ("rapp", "saleh") if name == "pa" else ("wiener", "tr38803")
                if kind not in allowed:
                    raise ValueError(f"--impair {name}={value!r}: model {kind!r} is not "
                                     f"allowed; allowed: {', '.join(allowed)}")
                nums = _numbers(name, rest, 1, 2 if kind == "rapp" else 1, value)
                specs[name] = (kind, nums)
            elif name == "iq":
                specs[name] = ("", _numbers(name, value, 2, 2))
            else:
                specs[name] = ("", _numbers(name, value, 1, 1))
        out = cls(specs)
        out.build(1e6)          # checks the values before any waveform is made
        return out

    def describe(self) -> str:
        """The specifications in application order, canonically spelt."""
        parts = []
        for name in IMPAIRMENT_NAMES:
            if name not in self.specs:
                continue
            kind, nums = self.specs[name]
            if name == "pa" and kind == "rapp":
                nums = [nums[0], nums[1] if len(nums) > 1 else 2.0]
                text = f"rapp:{nums[0]:g}:p{nums[1]:g}"
            else:
                text = ":".join([kind] * bool(kind) + [f"{v:g}" for v in nums])
            parts.append(f"{name}={text}")
        return " ".join(parts)

    def build(self, sample_rate: float, seed: int = 0) -> list[torch.nn.Module]:
        """The blocks of the chain (without AWGN and delay) for ``sample_rate``."""
        blocks: list[torch.nn.Module] = []
        if "iq" in self.specs:
            a, ph = self.specs["iq"][1]
            blocks.append(IQImbalance(a, ph))
        if "cfo" in self.specs:
            blocks.append(FrequencyOffset(self.specs["cfo"][1][0], sample_rate))
        if "phase-noise" in self.specs:
            kind, nums = self.specs["phase-noise"]
            if kind == "wiener":
                blocks.append(PhaseNoise(sample_rate, "wiener", linewidth=nums[0], seed=seed))
            else:
                blocks.append(PhaseNoise(sample_rate, "TR38.803",
                                         carrier_frequency=nums[0] * 1e9, seed=seed))
        if "pa" in self.specs:
            kind, nums = self.specs["pa"]
            kw = {"smoothness": nums[1]} if len(nums) > 1 else {}
            blocks.append(PowerAmplifier(kind, nums[0], **kw))
        if "snr" in self.specs:
            check_real("snr", self.specs["snr"][1][0])
        if "delay" in self.specs:
            d = self.specs["delay"][1][0]
            if d != int(d):
                raise ValueError(f"--impair delay={d:g} must be an integer number of samples")
            check_int("delay", int(d), 0)
        return blocks

    def apply(self, waveform: torch.Tensor, sample_rate: float, *, seed: int = 0
              ) -> torch.Tensor:
        """Impair ``waveform`` ``[n_ant, T]``: the chain, then the noise (SNR per RE with
        unit-power REs: per-sample variance 10^(-snr/10), which the orthonormal FFT of
        :func:`~softran.nr.ofdm_demodulate` keeps per RE), then the leading delay."""
        y = waveform
        for block in self.build(sample_rate, seed):
            y = block(y)
        if "snr" in self.specs:
            snr = self.specs["snr"][1][0]
            y = AWGN(seed=seed + 1)(y, 10.0 ** (-snr / 10.0))
        if "delay" in self.specs:
            d = int(self.specs["delay"][1][0])
            y = torch.cat([y.new_zeros(*y.shape[:-1], d), y], dim=-1)
        return y
