"""Time-varying clustered-delay-line (CDL) fading channel (TR 38.901 §7.7.1, §7.7.3) with
the antenna model of §7.3 and the coefficient generation of §7.5 steps 8-11.

Model (documented choices where TR 38.901 is silent):

* **Rays** (§7.7.1 step 1, eq. 7.7-0a): ray ``m`` of cluster ``n`` has angles
  ``φ_n,m = φ_n + c_AS α_m`` (AOA with ``c_ASA``, AOD with ``c_ASD``, ZOA with ``c_ZSA``,
  ZOD with ``c_ZSD``), ``α_m`` from Table 7.5-3, 20 rays per cluster.
* **Coupling** (step 2 / §7.5 step 8): per cluster and batch element the AOD, ZOD and ZOA
  ray lists are shuffled by independent uniform random permutations and paired with the
  AOA list (which couples AOD-AOA, ZOD-ZOA and AOD-ZOD at random).
* **XPR** (step 3, eq. 7.7-0b): ``κ_n,m = 10^(XPR/10)`` with the table's XPR, the same
  for every ray (the CDL tables give a fixed value, no random part).
* **Coefficients** (step 4 / §7.5 steps 10-11): initial phases ``Φ^θθ, Φ^θφ, Φ^φθ,
  Φ^φφ`` i.i.d. uniform on ``[-π, π)`` per ray; NLOS cluster ``n`` (eq. 7.5-22, all
  clusters treated as weak, no sub-clusters)::

      H_u,s,n(t) = sqrt(P_n / M) Σ_m F_rx,u(θ_ZOA, φ_AOA)^T
                   [[e^{jΦ^θθ}, κ^(-1/2) e^{jΦ^θφ}], [κ^(-1/2) e^{jΦ^φθ}, e^{jΦ^φφ}]]
                   F_tx,s(θ_ZOD, φ_AOD) e^{j2π r̂_rx·d_rx,u} e^{j2π r̂_tx·d_tx,s}
                   e^{j2π r̂_rx·v t / λ0}

  The LOS path of CDL-D/E (row 0) is eq. 7.5-29 with polarisation matrix
  ``diag(1, -1)``, the table's LOS angles and power, and the distance phase
  ``e^{-j2π d_3D/λ0}`` taken as 1 (a CDL has no distance): it is the same for every
  batch element. Its power row and the Laplacian row 1 give the K factor split of
  eq. 7.5-30 (``K_R = P_0 / P_1``); ``path_gains`` keeps them as two paths with the
  same delay, as :class:`~softran.channel.TDLChannel` does.
* **Powers.** ``P_n = 10^(powers_db/10)``, divided by their sum when ``normalize=True``
  (average total power 1 for isotropic 0 dBi elements; element gains of the "38.901"
  pattern are kept).
* **Doppler** (eq. 7.5-25): ``v = v (sin θ_v cos φ_v, sin θ_v sin φ_v, cos θ_v)`` with
  ``(φ_v, θ_v) = ue_direction``, so ray ``(n, m)`` has Doppler
  ``f_D r̂_UE,n,m · v/|v|`` with ``f_D = |v| / λ0``.
* **Direction.** The tables are written for the downlink: departure = base station
  (``tx_array``), arrival = UE (``rx_array``), UE velocity on the arrival side. With
  ``uplink=True`` the UE transmits: the UE array (``tx_array``) takes the arrival
  angles and the velocity, the base station (``rx_array``) the departure angles, and the
  channel matrix is the transpose (reciprocity) of that downlink one.
* **Delays** (§7.7.3): ``tau_n = tau_model,n * delay_spread``. A delay of ``d`` samples
  is realised by **band-limited interpolation** and the output lags by ``filter_delay`` = 7
  samples, as for TDLChannel (:mod:`softran.channel.delay_line`).
* **Time.** The gains are evaluated exactly (sum over rays) on a grid of absolute
  sample instants spaced ``gain_interval`` samples apart (default
  ``sample_rate / (64 f_D)``, at most 2**16) and linearly interpolated in between. The
  block keeps its absolute time, the random parameters and the last input samples, so
  consecutive calls continue one realisation; :meth:`CDLChannel.reset` restarts it.
* **Angle scaling** (§7.7.5.1, optional): with ``angle_spreads = (ASD, ASA, ZSD, ZSA)``
  (degrees) every ray angle (cluster angle + ray offset, and the LOS angle) becomes
  ``φ_scaled = AS_desired / AS_model · wrap(φ - μ_model) + μ_desired``, where ``AS_model``
  and ``μ_model`` are the Annex A (eq. A-1) spread ``sqrt(-2 ln|Σ p e^{jφ}|)`` and circular
  mean ``arg Σ p e^{jφ}`` of the tabulated model over all rays with their powers (each NLOS
  ray ``P_n / 20``, the LOS ray ``P_0``), ``wrap`` maps to ``(-180°, 180°]`` and
  ``μ_desired`` is ``mean_angles = (AOD, AOA, ZOD, ZOA)`` or, when not given, the model's
  mean. Scaled zenith angles that leave ``[0°, 180°]`` are reflected back into it
  (our choice; the clause does not say).
* **Batch.** Each batch element is an independent realisation (own coupling and
  phases), drawn from ``seed`` at the first call for that batch size.

Antenna element ordering, patterns and geometry: see :mod:`softran.channel.antenna`.
"""

from __future__ import annotations

import math

import torch

from softran.channel.antenna import AntennaArray, unit_vector
from softran.channel.cdl_profiles import CDLProfile, cdl_profile, ray_offset_angles
from softran.channel.delay_line import CHUNK_ELEMENTS as _CHUNK_ELEMENTS
from softran.channel.delay_line import FadingDelayLine
from softran.validation import check_int, check_positive, check_real

__all__ = ["CDLChannel", "SPEED_OF_LIGHT", "angular_spread"]

#: speed of light in m/s (used to turn ``ue_speed`` into a Doppler shift)
SPEED_OF_LIGHT = 299_792_458.0



_real = check_real


def _nonneg(name: str, value: object) -> float:
    return check_real(name, value, low=0.0)


def _four(name: str, value: object, positive: bool = False
          ) -> tuple[float, float, float, float] | None:
    if value is None:
        return None
    if not isinstance(value, (tuple, list)) or len(value) != 4:
        raise ValueError(f"{name} = {value!r} is not allowed; give four angles in degrees "
                         "(departure azimuth, arrival azimuth, departure zenith, arrival zenith)")
    out = tuple(_real(f"{name}[{i}]", v) for i, v in enumerate(value))
    if positive and any(v <= 0 for v in out):
        raise ValueError(f"{name} = {value!r} is not allowed; spreads must be > 0 degrees")
    return out  # type: ignore[return-value]


def angular_spread(angles_deg: torch.Tensor, powers: torch.Tensor) -> tuple[float, float]:
    """Angular spread and mean angle in degrees of rays with ``powers`` (TR 38.901
    Annex A, eq. A-1: ``AS = sqrt(-2 ln|Σ p_n e^{jφ_n} / Σ p_n|)``, mean
    ``arg Σ p_n e^{jφ_n}``).

    >>> a, m = angular_spread(torch.tensor([-10.0, 10.0]), torch.tensor([1.0, 1.0]))
    >>> round(a, 3), round(m, 6)
    (10.026, 0.0)
    """
    phi = torch.deg2rad(angles_deg.to(torch.float64)).flatten()
    p = powers.to(torch.float64).flatten()
    s = (p * torch.exp(1j * phi)).sum() / p.sum()
    r = float(s.abs().clamp(max=1.0))
    return math.degrees(math.sqrt(max(-2.0 * math.log(r), 0.0))), math.degrees(float(s.angle()))


def _ray_table(prof: CDLProfile, spreads: tuple[float, ...] | None,
               means: tuple[float, ...] | None) -> dict[str, torch.Tensor]:
    """Ray angles ``key -> [n_paths, 20]`` (degrees) of §7.7.1 step 1, scaled per §7.7.5.1."""
    alpha = torch.tensor(ray_offset_angles(), dtype=torch.float64)
    n_ray = alpha.numel()
    p = torch.tensor([10.0 ** (x / 10.0) for x in prof.powers_db], dtype=torch.float64)
    w = (p / n_ray)[:, None].expand(-1, n_ray).clone()
    if prof.los:
        w[0] = 0.0
        w[0, 0] = p[0]
    table = {}
    for i, (key, c_as) in enumerate((("aod", prof.c_asd), ("aoa", prof.c_asa),
                                     ("zod", prof.c_zsd), ("zoa", prof.c_zsa))):
        c = torch.tensor(getattr(prof, key), dtype=torch.float64)
        ang = c[:, None] + c_as * alpha
        if prof.los:
            ang[0] = c[0]
        if spreads is not None:
            as_model, mu_model = angular_spread(ang, w)
            mu = mu_model if means is None else means[i]
            dev = torch.remainder(ang - mu_model + 180.0, 360.0) - 180.0
            ang = spreads[i] / as_model * dev + mu
            if key.startswith("z"):  # reflect zenith angles into [0, 180]
                ang = torch.remainder(ang, 360.0)
                ang = torch.where(ang > 180.0, 360.0 - ang, ang)
            else:
                ang = torch.remainder(ang + 180.0, 360.0) - 180.0
        table[key] = ang
    return table


class CDLChannel(FadingDelayLine):
    """CDL fading channel (TR 38.901 §7.7.1) between two antenna panels (§7.3).

    Args:
        profile: a :class:`~softran.channel.cdl_profiles.CDLProfile` or a name accepted by
            :func:`~softran.channel.cdl_profiles.cdl_profile` ("CDL-A" .. "CDL-E").
        delay_spread: desired RMS delay spread in seconds (§7.7.3).
        max_doppler: maximum Doppler shift ``f_D = v / λ0`` in Hz (>= 0); or give
            ``ue_speed`` instead.
        carrier_frequency: ``f_c`` in Hz; needed with ``ue_speed``.
        tx_array: transmit panel (default one isotropic vertical element).
        rx_array: receive panel (default one isotropic vertical element).
        sample_rate: sample rate in Hz.
        ue_speed: UE speed in m/s (``f_D = ue_speed f_c / c``); excludes ``max_doppler``.
        ue_direction: (azimuth ``φ_v``, zenith ``θ_v``) of the UE's travel in degrees;
            default (0, 90): along the x axis.
        seed: seed of the realisation; ``None`` draws one from torch's global generator
            at construction (so :meth:`reset` still reproduces the realisation).
        normalize: scale the path powers to a total of 1.
        uplink: the UE transmits (see the module notes).
        gain_interval: spacing in samples of the exact gain evaluations (``None``: auto).
        angle_spreads: desired (ASD, ASA, ZSD, ZSA) in degrees for the angle scaling of
            §7.7.5.1 (``None``: no scaling), see the module notes.
        mean_angles: desired mean (AOD, AOA, ZOD, ZOA) in degrees with ``angle_spreads``
            (``None``: keep the model's mean angles).

    Shapes: ``forward(waveform)``: ``[batch, n_tx, T]`` complex -> ``[batch, n_rx, T]``
    with ``n_tx = tx_array.n_elements``, ``n_rx = rx_array.n_elements``. After a call,
    ``path_gains`` is ``[batch, n_rx, n_tx, n_paths, n_grid]`` at the absolute sample
    instants ``path_gain_sample_times`` (``[n_grid]``, int64).
    The output lags the channel by ``filter_delay`` (7) samples: output sample ``n`` is the
    channel at time ``n - filter_delay``, the time of ``path_gain_sample_times`` and
    :meth:`frequency_response` (module notes of :mod:`softran.channel.delay_line`).

    >>> xp = AntennaArray(n_cols=2, n_pol=2, element="38.901")
    >>> ch = CDLChannel("CDL-C", 300e-9, 100.0, tx_array=xp, rx_array=AntennaArray(n_pol=2),
    ...                 sample_rate=30.72e6, seed=1)
    >>> y = ch(torch.zeros(3, 4, 1000, dtype=torch.complex64))
    >>> tuple(y.shape), tuple(ch.path_gains.shape[:4])
    ((3, 2, 1000), (3, 2, 4, 24))
    """

    def __init__(
        self,
        profile: CDLProfile | str,
        delay_spread: float,
        max_doppler: float | None = None,
        carrier_frequency: float | None = None,
        tx_array: AntennaArray | None = None,
        rx_array: AntennaArray | None = None,
        sample_rate: float = 30.72e6,
        *,
        ue_speed: float | None = None,
        ue_direction: tuple[float, float] = (0.0, 90.0),
        seed: int | None = None,
        normalize: bool = True,
        uplink: bool = False,
        gain_interval: int | None = None,
        angle_spreads: tuple[float, float, float, float] | None = None,
        mean_angles: tuple[float, float, float, float] | None = None,
    ) -> None:
        super().__init__()
        if isinstance(profile, str):
            profile = cdl_profile(profile)
        if not isinstance(profile, CDLProfile):
            raise TypeError(f"profile must be a CDLProfile or a name, got {type(profile).__name__}")
        self.profile = profile
        self.delay_spread = check_positive("delay_spread", delay_spread)
        self.carrier_frequency = (None if carrier_frequency is None
                                  else check_positive("carrier_frequency", carrier_frequency))
        if ue_speed is not None:
            if max_doppler is not None:
                raise ValueError("give either max_doppler or ue_speed, not both")
            if self.carrier_frequency is None:
                raise ValueError("ue_speed needs carrier_frequency (f_D = v f_c / c)")
            self.ue_speed: float | None = _nonneg("ue_speed", ue_speed)
            self.max_doppler = self.ue_speed * self.carrier_frequency / SPEED_OF_LIGHT
        else:
            self.ue_speed = None
            self.max_doppler = 0.0 if max_doppler is None else _nonneg("max_doppler", max_doppler)
        for name, arr in (("tx_array", tx_array), ("rx_array", rx_array)):
            if arr is not None and not isinstance(arr, AntennaArray):
                raise TypeError(f"{name} must be an AntennaArray, got {type(arr).__name__}")
        self.tx_array = tx_array if tx_array is not None else AntennaArray()
        self.rx_array = rx_array if rx_array is not None else AntennaArray()
        self.sample_rate = check_positive("sample_rate", sample_rate)
        if not isinstance(ue_direction, (tuple, list)) or len(ue_direction) != 2:
            raise ValueError(f"ue_direction = {ue_direction!r} is not allowed; "
                             "give (azimuth, zenith) in degrees")
        self.ue_direction = (_real("ue_direction[0]", ue_direction[0]),
                             _real("ue_direction[1]", ue_direction[1]))
        for name, flag in (("normalize", normalize), ("uplink", uplink)):
            if not isinstance(flag, bool):
                raise TypeError(f"{name} must be a bool, got {type(flag).__name__}")
        self.normalize = normalize
        self.uplink = uplink
        if gain_interval is None:
            gain_interval = (1 << 16 if self.max_doppler == 0.0 else
                             max(1, min(1 << 16, int(self.sample_rate / (64 * self.max_doppler)))))
        self.gain_interval = check_int("gain_interval", gain_interval, 1)
        if seed is None:
            seed = int(torch.randint(0, 2**62, (1,)))
        self.seed = check_int("seed", seed, 0)

        self.angle_spreads = _four("angle_spreads", angle_spreads, positive=True)
        self.mean_angles = _four("mean_angles", mean_angles)
        if self.mean_angles is not None and self.angle_spreads is None:
            raise ValueError("mean_angles needs angle_spreads (TR 38.901 §7.7.5.1 scaling)")
        #: ray angles before coupling in degrees, ``key -> [n_paths, 20]`` (the LOS row, when
        #: present, holds its angle in column 0), after the optional §7.7.5.1 scaling
        self.ray_table = _ray_table(profile, self.angle_spreads, self.mean_angles)
        p_lin = torch.tensor([10.0 ** (x / 10.0) for x in profile.powers_db], dtype=torch.float64)
        if normalize:
            p_lin = p_lin / p_lin.sum()
        #: average power of each path (linear), ``[n_paths]``
        self.path_powers = p_lin
        #: path delays in seconds, ``[n_paths]``
        self.path_delays = torch.tensor(profile.delays, dtype=torch.float64) * self.delay_spread
        self._set_delays()
        self.reset()

    @property
    def n_paths(self) -> int:
        """Number of paths (table rows; the LOS path of CDL-D/E counts as one)."""
        return self.profile.n_paths

    @property
    def n_tx(self) -> int:
        """Number of transmit antenna elements."""
        return self.tx_array.n_elements

    @property
    def n_rx(self) -> int:
        """Number of receive antenna elements."""
        return self.rx_array.n_elements

    def reset(self) -> None:
        """Restart the realisation: time 0, empty delay line, parameters redrawn from seed."""
        self._reset_line()
        self._coef: torch.Tensor | None = None
        self._omega: torch.Tensor | None = None
        #: ray angles in degrees after coupling, ``{"aod", "aoa", "zod", "zoa"}`` ->
        #: ``[batch, n_nlos_clusters, 20]`` (NLOS clusters, table order; set by the first call)
        self.ray_angles: dict[str, torch.Tensor] | None = None
        #: initial phases ``Φ^θθ, Φ^θφ, Φ^φθ, Φ^φφ``, ``[batch, n_nlos_clusters, 20, 4]``
        self.initial_phases: torch.Tensor | None = None

    def _draw(self, batch: int, device: torch.device) -> None:
        """TR 38.901 §7.7.1 steps 1-4 for ``batch`` independent realisations."""
        prof = self.profile
        gen = torch.Generator(device="cpu")
        gen.manual_seed(self.seed)
        first = 1 if prof.los else 0
        n_cl = prof.n_paths - first
        alpha = torch.tensor(ray_offset_angles(), dtype=torch.float64)
        n_ray = alpha.numel()

        def rays(key: str) -> torch.Tensor:
            return self.ray_table[key][first:].expand(batch, n_cl, n_ray)

        # step 2: random coupling (independent permutations of AOD, ZOD, ZOA vs AOA)
        perm = torch.rand((batch, n_cl, 3, n_ray), generator=gen, dtype=torch.float64).argsort(-1)
        aoa = rays("aoa").clone()
        aod = rays("aod").gather(-1, perm[:, :, 0])
        zod = rays("zod").gather(-1, perm[:, :, 1])
        zoa = rays("zoa").gather(-1, perm[:, :, 2])
        # step 4 / §7.5 step 10: initial phases
        phases = (torch.rand((batch, n_cl, n_ray, 4), generator=gen, dtype=torch.float64)
                  * 2 - 1) * math.pi
        self.ray_angles = {"aod": aod, "aoa": aoa, "zod": zod, "zoa": zoa}
        self.initial_phases = phases

        ue, bs = (self.tx_array, self.rx_array) if self.uplink else (self.rx_array, self.tx_array)
        e_a, e_d = ue.n_elements, bs.n_elements
        v_hat = unit_vector(torch.tensor(self.ue_direction[1]), torch.tensor(self.ue_direction[0]))
        w_d = 2 * math.pi * self.max_doppler / self.sample_rate  # rad per sample
        p = self.path_powers

        coef = torch.zeros((batch, prof.n_paths, e_a, e_d, n_ray), dtype=torch.complex128)
        omega = torch.zeros((batch, prof.n_paths, n_ray), dtype=torch.float64)
        if n_cl:
            f_a = ue.response(zoa, aoa)  # [B, N, M, Ea, 2]
            f_d = bs.response(zod, aod)  # [B, N, M, Ed, 2]
            k_inv = 10.0 ** (-prof.xpr_db / 20.0)  # sqrt(1 / kappa)
            amp = torch.tensor([1.0, k_inv, k_inv, 1.0], dtype=torch.float64)
            pol = torch.polar(amp.expand_as(phases), phases).reshape(batch, n_cl, n_ray, 2, 2)
            h = torch.einsum("bnmai,bnmij,bnmdj->bnadm", f_a, pol, f_d)
            coef[:, first:] = h * (p[first:] / n_ray).sqrt()[None, :, None, None, None]
            omega[:, first:] = w_d * (unit_vector(zoa, aoa) @ v_hat)
        if prof.los:  # eq. 7.5-29 with exp(-j 2 pi d_3D / lambda0) = 1
            los = {k: self.ray_table[k][0, 0] for k in ("aoa", "aod", "zoa", "zod")}
            th_a, ph_a = los["zoa"], los["aoa"]
            g_a = ue.response(th_a, ph_a)  # [Ea, 2]
            g_d = bs.response(los["zod"], los["aod"])
            pol_los = torch.tensor([[1.0, 0.0], [0.0, -1.0]], dtype=torch.complex128)
            coef[:, 0, :, :, 0] = torch.einsum("ai,ij,dj->ad", g_a, pol_los, g_d) * p[0].sqrt()
            omega[:, 0, :] = w_d * float(unit_vector(th_a, ph_a) @ v_hat)
        if self.uplink:  # rx = base station (departure side), tx = UE
            coef = coef.transpose(2, 3)
        self._coef = coef.reshape(batch, prof.n_paths, -1, n_ray).contiguous().to(device)
        self._omega = omega.to(device)
        self._batch = batch

    def _gains(self, n_abs: torch.Tensor) -> torch.Tensor:
        """Exact path gains at absolute sample indices ``n_abs`` ``[N]`` ->
        ``[batch, n_rx, n_tx, n_paths, N]`` complex64."""
        coef, omega = self._coef, self._omega
        assert coef is not None and omega is not None
        b, p, rx, m = coef.shape
        t = n_abs.to(device=coef.device, dtype=torch.float64)
        step = max(1, _CHUNK_ELEMENTS // max(b * p * max(rx, m), 1))
        out = []
        for s in range(0, t.numel(), step):
            ph = omega[..., None] * t[s:s + step]  # [B, P, M, n]
            out.append(coef @ torch.polar(torch.ones_like(ph), ph))  # [B, P, RX, n]
        h = torch.cat(out, dim=-1) if out else torch.zeros((b, p, rx, 0), dtype=coef.dtype,
                                                           device=coef.device)
        h = h.reshape(b, p, self.n_rx, self.n_tx, -1).permute(0, 2, 3, 1, 4)
        return h.to(torch.complex64).contiguous()

    def _device(self) -> torch.device:
        assert self._coef is not None
        return self._coef.device
