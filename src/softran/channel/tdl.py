"""Time-varying tapped-delay-line fading channel (TR 38.901 §7.7.2, §7.7.3).

Model (documented choices where TR 38.901 is silent):

* **Paths.** One complex gain per path, per tx-rx pair and per batch element,
  independent unless ``correlation`` is given (see *Spatial correlation* below). Path ``p``
  has average power ``P_p = 10**(powers_db[p]/10)``, divided by ``sum(P)`` when
  ``normalize=True`` (total average power 1).
* **Rayleigh paths: sum of sinusoids** after Xiao, Zheng and Beaulieu, "Novel
  sum-of-sinusoids simulation models for Rayleigh and Rician fading channels",
  IEEE Trans. Wireless Commun. 5(12), 2006 (the Zheng-Xiao family)::

      h(t) = sqrt(P_p / M) * sum_{n=1..M} [ cos(w_d t cos(a_n) + phi_n)
                                          + j cos(w_d t sin(a_n) + psi_n) ]
      a_n = (2 pi n - pi + theta) / (4 M)

  with ``w_d = 2 pi f_D``, ``M = n_sinusoids`` and ``theta, phi_n, psi_n`` i.i.d.
  uniform on ``[-pi, pi)`` per path. Over the ensemble ``E|h|^2 = P_p`` and
  ``E[h(t+tau) h*(t)] = P_p J0(2 pi f_D tau)`` (classical Jakes spectrum) exactly.
* **LOS path** (TDL-D/E, TDLD10/30): path 0 is specular,
  ``h_0(t) = sqrt(P_0) exp(j (2 pi f_D t + phi_0))`` (arrival angle 0, so its Doppler is
  ``+f_D``; ``phi_0`` uniform per tx-rx pair). Path 1 has the same delay and is
  Rayleigh, so the first tap is Rician with ``K = P_0 / P_1`` (the profile's K factor).
* **Delays.** TR 38.901 profiles are scaled by ``delay_spread`` (§7.7.3); conformance
  profiles have absolute delays. A delay of ``d = tau * sample_rate`` samples is
  realised by **band-limited interpolation** (16-tap Kaiser-windowed sinc; error at most
  5.1e-3 up to 0.4 ``sample_rate``, i.e. the received power of every subcarrier within
  0.045 dB), and the output lags by ``filter_delay`` = 7 samples; see
  :mod:`softran.channel.delay_line`.
* **Time.** Gains are evaluated exactly on a grid of absolute sample instants spaced
  ``gain_interval`` samples apart (default: ``sample_rate / (64 f_D)``, at most 2**16) and
  linearly interpolated in between. The block keeps its time (in samples), the random
  parameters and the last input samples of its delay line, so consecutive calls
  continue one realisation; :meth:`TDLChannel.reset` restarts it.
* **Spatial correlation** (TS 38.104 Annex G.2.3; TS 38.101-4 Annex B.2.3). With
  ``correlation`` set, the Rayleigh (non-LOS) gains of each path, batch element and
  time instant are mixed across antennas: ``vec(H_p) = R_spat^(1/2) vec(H_p,iid)``, where
  ``H_p`` is the ``[n_rx, n_tx]`` matrix of path ``p``, ``vec`` stacks its columns
  (index ``tx * n_rx + rx``) and ``R_spat`` is :func:`spatial_correlation_matrix`. The
  link is taken as **uplink**: the transmitter is the UE, the receiver the gNB, so
  ``R_spat = R_UE (n_tx) ⊗ R_gNB (n_rx)``. ``R_spat^(1/2)`` is the Hermitian (symmetric)
  square root ``V diag(sqrt(lambda)) V^H`` from ``eigh`` (eigenvalues below 0 from
  round-off, |lambda| < 1e-12, are set to 0), which also works for the near-singular
  "high" matrices where Cholesky may fail. As each i.i.d. sum-of-sinusoids process has
  unit power and the same Jakes spectrum, the correlated gains keep power ``P_p`` per
  link, the ``J0`` time correlation, and have antenna covariance ``R_spat``. The LOS
  (specular) component of TDL-D/E path 0 is **not** correlated (the annex defines
  ``R_spat`` for the fading part): it keeps its per-link random phase.
* **Batch.** Each batch element is an independent channel realisation. The random
  parameters are drawn at the first call for that batch size; calling with another
  batch size needs :meth:`TDLChannel.reset` first.
"""

from __future__ import annotations

import functools
import json
import math
import numbers
from importlib import resources

import torch

from softran.channel.delay_line import CHUNK_ELEMENTS as _CHUNK_ELEMENTS
from softran.channel.delay_line import FadingDelayLine
from softran.channel.profiles import TDLProfile, tdl_profile
from softran.validation import check_allocation, check_choice, check_int, check_name, check_positive

__all__ = ["CORRELATION_LEVELS", "TDLChannel", "spatial_correlation_matrix"]

#: correlation levels of TS 38.104 Table G.2.3.2-1 and TS 38.101-4 Table B.2.3.2-1
CORRELATION_LEVELS = ("low", "medium", "medium-a", "high")
_ANTENNAS = (1, 2, 4, 8)


@functools.cache
def _correlation_table() -> dict:
    text = resources.files("softran.channel").joinpath("data", "mimo_correlation.json").read_text()
    return json.loads(text)


def _ula_matrix(c: float, n: int) -> torch.Tensor:
    # entry (i, j) = c ** (((i - j) / (n - 1)) ** 2): [1, c] for 2 antennas,
    # [1, c^(1/9), c^(4/9), c] for 4, c^(k^2/49) for 8 (TS 38.104 Tables G.2.3.1-1/-2)
    if n == 1:
        return torch.ones(1, 1, dtype=torch.float64)
    k = torch.arange(n, dtype=torch.float64)
    e = ((k[:, None] - k[None, :]) / (n - 1)) ** 2
    return torch.pow(torch.tensor(c, dtype=torch.float64), e)


def spatial_correlation_matrix(level: str, n_tx: int, n_rx: int) -> torch.Tensor:
    """Channel spatial correlation matrix ``R_spat`` (TS 38.104 Annex G.2.3; medium-a from
    TS 38.101-4 Annex B.2.3) for uniform linear arrays, uplink convention.

    The transmitter is the UE (``n_tx`` antennas, coefficient ``alpha``), the receiver the
    gNB (``n_rx`` antennas, coefficient ``beta``); ``R_spat = R_UE ⊗ R_gNB`` with
    ``R[i, j] = c ** (((i - j) / (n - 1)) ** 2)`` (``[[1, c], [c, 1]]`` for 2 antennas,
    powers ``c^(1/9), c^(4/9)`` for 4, ``c^(k^2/49)`` for 8). Levels (alpha UE, beta gNB):
    low (0, 0), medium (0.9, 0.3), high (0.9, 0.9) from TS 38.104 Table G.2.3.2-1;
    medium-a (UE 0.3874, gNB 0.3) from TS 38.101-4 Table B.2.3.2-1. For the cases listed
    by the annex (high 2x4 a = 0.00010, high 4x4 a = 0.00012, medium 4x4 a = 0.00012;
    ``n_tx x n_rx``), ``R_spat`` is replaced by ``(R_spat + a I) / (1 + a)``.

    Row/column index ``tx * n_rx + rx`` (column-stacked ``vec`` of the ``[n_rx, n_tx]``
    channel matrix).

    Args:
        level: "low", "medium", "medium-a" or "high" (case-insensitive).
        n_tx: UE antennas, one of 1, 2, 4, 8.
        n_rx: gNB antennas, one of 1, 2, 4, 8.

    Returns:
        ``[n_tx * n_rx, n_tx * n_rx]`` float64 (real symmetric, positive semi-definite).

    >>> spatial_correlation_matrix("medium", 2, 2)
    tensor([[1.0000, 0.3000, 0.9000, 0.2700],
            [0.3000, 1.0000, 0.2700, 0.9000],
            [0.9000, 0.2700, 1.0000, 0.3000],
            [0.2700, 0.9000, 0.3000, 1.0000]], dtype=torch.float64)
    """
    level = check_name("level", level, CORRELATION_LEVELS)
    n_tx = check_choice("n_tx", check_int("n_tx", n_tx), _ANTENNAS)
    n_rx = check_choice("n_rx", check_int("n_rx", n_rx), _ANTENNAS)
    table = _correlation_table()
    prm = table["levels"][level]
    r = torch.kron(_ula_matrix(float(prm["ue"]), n_tx), _ula_matrix(float(prm["gnb"]), n_rx))
    for adj in table["adjustment"]:
        if adj["level"] == level and adj["n_ue"] == n_tx and adj["n_gnb"] == n_rx:
            a = float(adj["a"])
            r = (r + a * torch.eye(n_tx * n_rx, dtype=torch.float64)) / (1.0 + a)
    return r


def _hermitian_sqrt(r: torch.Tensor) -> torch.Tensor:
    lam, v = torch.linalg.eigh(r)
    if float(lam.min()) < -1e-12:
        raise ValueError(f"correlation matrix is not positive semi-definite "
                         f"(smallest eigenvalue {float(lam.min())})")
    return (v * lam.clamp(min=0.0).sqrt()) @ v.T



class TDLChannel(FadingDelayLine):
    """TDL fading channel (TR 38.901 §7.7.2) with Jakes Doppler; independent links or
    TS 38.104 Annex G.2.3 spatial correlation.

    Args:
        profile: a :class:`TDLProfile` or a name accepted by :func:`tdl_profile`.
        delay_spread: RMS delay spread in seconds; required for TR 38.901 (normalised)
            profiles, must be ``None`` for conformance profiles with absolute delays.
        max_doppler: maximum Doppler shift ``f_D`` in Hz (>= 0).
        n_tx: number of transmit antennas.
        n_rx: number of receive antennas.
        sample_rate: sample rate in Hz.
        n_sinusoids: sinusoids per path and quadrature component (``M``).
        seed: seed of the realisation; ``None`` draws one from torch's global generator
            at construction (so :meth:`reset` still reproduces the realisation).
        normalize: scale the path powers to a total of 1.
        gain_interval: spacing in samples of the exact gain evaluations (``None``: auto).
        correlation: MIMO correlation level ("low", "medium", "medium-a", "high";
            TS 38.104 Annex G.2.3, uplink: tx = UE, rx = gNB) or ``None`` for independent
            links; needs ``n_tx, n_rx`` in {1, 2, 4, 8}. See
            :func:`spatial_correlation_matrix`.

    Shapes: ``forward(waveform)``: ``[batch, n_tx, T]`` complex -> ``[batch, n_rx, T]``.
    After a call, ``path_gains`` is ``[batch, n_rx, n_tx, n_paths, n_grid]`` at the
    absolute sample instants ``path_gain_sample_times`` (``[n_grid]``, int64).
    The output lags the channel by ``filter_delay`` (7) samples: output sample ``n`` is the
    channel at time ``n - filter_delay``, the time of ``path_gain_sample_times`` and
    :meth:`frequency_response` (module notes of :mod:`softran.channel.delay_line`).

    >>> ch = TDLChannel("TDL-C", delay_spread=300e-9, max_doppler=100.0, n_tx=2, n_rx=4,
    ...                 sample_rate=30.72e6, seed=1)
    >>> y = ch(torch.zeros(3, 2, 1000, dtype=torch.complex64))
    >>> tuple(y.shape), tuple(ch.path_gains.shape[:4])
    ((3, 4, 1000), (3, 4, 2, 24))
    """

    def __init__(
        self,
        profile: TDLProfile | str,
        delay_spread: float | None = None,
        max_doppler: float = 0.0,
        n_tx: int = 1,
        n_rx: int = 1,
        sample_rate: float = 30.72e6,
        *,
        n_sinusoids: int = 32,
        seed: int | None = None,
        normalize: bool = True,
        gain_interval: int | None = None,
        correlation: str | None = None,
    ) -> None:
        super().__init__()
        if isinstance(profile, str):
            profile = tdl_profile(profile)
        if not isinstance(profile, TDLProfile):
            raise TypeError(f"profile must be a TDLProfile or a name, got {type(profile).__name__}")
        self.profile = profile
        if profile.scale_delays:
            if delay_spread is None:
                raise ValueError(f"delay_spread is required for the normalised profile "
                                 f"{profile.name} (TR 38.901 §7.7.3)")
            delay_spread = check_positive("delay_spread", delay_spread)
            delays = [d * delay_spread for d in profile.delays]
        else:
            if delay_spread is not None:
                raise ValueError(f"delay_spread = {delay_spread} is not allowed for "
                                 f"{profile.name}, whose delays are absolute; allowed: None")
            delays = list(profile.delays)
        self.delay_spread = delay_spread
        if isinstance(max_doppler, bool) or not isinstance(max_doppler, numbers.Real):
            raise TypeError(f"max_doppler must be a number, got {type(max_doppler).__name__}")
        if not (0.0 <= float(max_doppler) < math.inf):
            raise ValueError(f"max_doppler = {max_doppler} is not allowed; it must be >= 0")
        self.max_doppler = float(max_doppler)
        self.n_tx = check_int("n_tx", n_tx, 1)
        self.n_rx = check_int("n_rx", n_rx, 1)
        self.sample_rate = check_positive("sample_rate", sample_rate)
        self.n_sinusoids = check_int("n_sinusoids", n_sinusoids, 1)
        if not isinstance(normalize, bool):
            raise TypeError(f"normalize must be a bool, got {type(normalize).__name__}")
        self.normalize = normalize
        if gain_interval is None:
            gain_interval = (1 << 16 if self.max_doppler == 0.0 else
                             max(1, min(1 << 16, int(self.sample_rate / (64 * self.max_doppler)))))
        self.gain_interval = check_int("gain_interval", gain_interval, 1)
        if seed is None:
            seed = int(torch.randint(0, 2**62, (1,)))
        self.seed = check_int("seed", seed, 0)
        if correlation is None:
            self.correlation: str | None = None
            self._corr_sqrt: torch.Tensor | None = None
        else:
            self.correlation = check_name("correlation", correlation, CORRELATION_LEVELS)
            r_spat = spatial_correlation_matrix(self.correlation, self.n_tx, self.n_rx)
            self._corr_sqrt = _hermitian_sqrt(r_spat).to(torch.complex128)

        p_lin = torch.tensor([10.0 ** (x / 10.0) for x in profile.powers_db], dtype=torch.float64)
        if normalize:
            p_lin = p_lin / p_lin.sum()
        #: average power of each path (linear), ``[n_paths]``
        self.path_powers = p_lin
        #: path delays in seconds, ``[n_paths]``
        self.path_delays = torch.tensor(delays, dtype=torch.float64)
        self._set_delays()
        self.reset()

    @property
    def n_paths(self) -> int:
        return self.profile.n_paths

    def reset(self) -> None:
        """Restart the realisation: time 0, empty delay line, parameters redrawn from seed."""
        self._reset_line()
        self._params: dict[str, torch.Tensor] | None = None

    def _device(self) -> torch.device:
        assert self._params is not None
        return self._params["wc"].device

    def _draw(self, batch: int, device: torch.device) -> None:
        gen = torch.Generator(device="cpu")
        gen.manual_seed(self.seed)
        shape = (batch, self.n_rx, self.n_tx, self.n_paths)
        m = self.n_sinusoids
        # four float64 parameters per sinusoid and path (wc, ws, phi_c, phi_s) plus temporaries
        check_allocation("n_sinusoids", m, 6 * 8 * math.prod(shape) * m, device=device)

        def uni(*s: int) -> torch.Tensor:
            return (torch.rand(s, generator=gen, dtype=torch.float64) * 2 - 1) * math.pi

        theta = uni(*shape)
        n = torch.arange(1, m + 1, dtype=torch.float64)
        alpha = (2 * math.pi * n - math.pi + theta[..., None]) / (4 * m)
        w_d = 2 * math.pi * self.max_doppler / self.sample_rate  # rad per sample
        self._params = {
            "wc": (w_d * torch.cos(alpha)).to(device),
            "ws": (w_d * torch.sin(alpha)).to(device),
            "phi_c": uni(*shape, m).to(device),
            "phi_s": uni(*shape, m).to(device),
            "phi_los": uni(batch, self.n_rx, self.n_tx).to(device),
            "amp": self.path_powers.sqrt().to(device),
        }
        if self._corr_sqrt is not None:
            self._params["corr_sqrt"] = self._corr_sqrt.to(device)
        self._batch = batch

    def _gains(self, n_abs: torch.Tensor) -> torch.Tensor:
        """Exact path gains at absolute sample indices ``n_abs`` ``[N]`` ->
        ``[batch, n_rx, n_tx, n_paths, N]`` complex64."""
        prm = self._params
        assert prm is not None
        t = n_abs.to(torch.float64)
        per_t = prm["wc"].numel()
        step = max(1, _CHUNK_ELEMENTS // max(per_t, 1))
        out = []
        for s in range(0, t.numel(), step):
            tt = t[s:s + step]
            re = torch.cos(prm["wc"][..., None] * tt + prm["phi_c"][..., None]).sum(-2)
            im = torch.cos(prm["ws"][..., None] * tt + prm["phi_s"][..., None]).sum(-2)
            out.append(torch.complex(re, im) / math.sqrt(self.n_sinusoids))
        h = torch.cat(out, dim=-1) if out else torch.zeros(
            (*prm["wc"].shape[:-1], 0), dtype=torch.complex128, device=t.device)
        if "corr_sqrt" in prm:
            # vec(H) = R^(1/2) vec(H_iid), vec index tx * n_rx + rx: one matmul for all
            # batch elements, paths and time instants
            b, r, x, p, nt = h.shape
            v = h.permute(0, 3, 4, 2, 1).reshape(b, p, nt, x * r)
            v = v @ prm["corr_sqrt"].T
            h = v.reshape(b, p, nt, x, r).permute(0, 4, 3, 1, 2).contiguous()
        if self.profile.los:
            w_d = 2 * math.pi * self.max_doppler / self.sample_rate
            h[..., 0, :] = torch.exp(1j * (w_d * t + prm["phi_los"][..., None]))
        h = h * prm["amp"][:, None]
        return h.to(torch.complex64)
