"""The ``sch-awgn`` link: UL-SCH coding over AWGN, with HARQ (cheap; an example and a test bed).

Per transmission: TB bits -> UL-SCH encoder (TS 38.212 §6.2: CRC, segmentation, LDPC, rate
matching for the transmission's RV) -> symbol mapping (TS 38.211 §5.1) -> AWGN at the SNR per
RE and receive antenna (TS 38.104 §8, :func:`softran.channel.noise_variance`) -> maximum-ratio
combining of ``n_rx`` unit-gain antennas -> soft demapping -> UL-SCH decoder with HARQ soft
combining (:class:`~softran.nr.ULSCHDecoder`). There are no OFDM, reference signals, fading
or channel estimation: the ideal-channel reference of the PUSCH link.

``[pusch]`` keys of this link (all optional but the rate):

* ``modulation``: ``"pi/2-BPSK"``, ``"QPSK"`` (default), ``"16QAM"``, ``"64QAM"``,
  ``"256QAM"`` (the PUSCH modulations, TS 38.211 §6.3.1.2);
* ``target_code_rate``: R, 0 < R <= 0.95 (TS 38.214 §6.1.4.1), or instead
* ``mcs_index`` (0..31) with ``mcs_table`` (default ``"qam64"``; see
  :func:`softran.nr.mcs_table`), which give modulation and R;
* ``n_prb``: allocated PRBs (default: the carrier's ``n_size_grid``);
* ``n_re_per_prb``: N'_RE = 12 N_symb^sh - N_DMRS^PRB, data REs per PRB (default 144: 14
  symbols with two DM-RS symbols of 12 REs);
* ``n_layers``: v, 1..4 (default 1).

The transport block size is TBS of TS 38.214 §6.1.4.2 (x_overhead 0) and the number of coded
bits ``G = n_prb * n_re_per_prb * Q_m * v``. With ``n_rx`` antennas of equal SNR and
independent noise, MRC gives the symbol plus noise of variance N0 / n_rx, which is what is
drawn (same distribution, one draw instead of ``n_rx``). ``[channel] model`` must be
``"AWGN"`` and ``[antennas] n_tx`` 1.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import torch

from softran.channel.awgn import noise_variance
from softran.nr import (
    ULSCHDecoder,
    ULSCHEncoder,
    bits_per_symbol,
    code_rate_fraction,
    mcs,
    symbol_demodulate,
    symbol_modulate,
    tbs,
)
from softran.sim.link import LinkConfigError, SlotCounts, check_batch_memory, register_link
from softran.validation import check_allocation, check_choice, check_int, check_name

if TYPE_CHECKING:
    from softran.sim.scenario import Scenario

__all__ = ["SCHAWGNLink", "harq_counts"]

_MODULATIONS = ("pi/2-BPSK", "QPSK", "16QAM", "64QAM", "256QAM")
_KEYS = ("modulation", "target_code_rate", "mcs_index", "mcs_table", "n_prb", "n_re_per_prb",
         "n_layers")


def harq_counts(tb: torch.Tensor, decoded: torch.Tensor, acked: torch.Tensor,
                n_transmissions: torch.Tensor) -> SlotCounts:
    """Counts of a batch of transport blocks that each finished their HARQ process.

    A block was transmitted ``n_transmissions`` times (one slot each), ``acked`` when its CRC
    passed (TS 38.212 §6.2.1) at the last of them, and ``decoded`` holds its bits after that
    last transmission. Every transmission but an acknowledged last one is a NACK. A block is
    delivered when it was acknowledged and its bits are right; otherwise it is a block error.
    A block's first transmission failed when it was sent again or, sent once, not
    acknowledged.
    ``delivered_transmissions`` sums the transmissions of the delivered blocks and
    ``transmissions_squared`` the squares of every block's transmissions (the throughput's
    interval, :func:`~softran.sim.stopping.throughput_ci`).

    Shapes: ``tb``, ``decoded`` uint8 ``[B, A]``; ``acked`` bool ``[B]``;
    ``n_transmissions`` int ``[B]`` (>= 1).

    >>> tb = torch.zeros(3, 8, dtype=torch.uint8)
    >>> dec = tb.clone(); dec[2, :2] = 1
    >>> c = harq_counts(tb, dec, torch.tensor([True, True, False]), torch.tensor([1, 2, 4]))
    >>> c.slots, c.transmission_errors, c.block_errors, c.bit_errors, c.delivered_bits, c.max_bits
    (7, 5, 1, 2, 16, 56)
    >>> c.first_transmission_errors, c.delivered_transmissions, c.transmissions_squared
    (2, 3, 21)
    """
    a = tb.shape[-1]
    wrong = (decoded != tb)
    delivered = acked & ~wrong.any(-1)
    n_tx = int(n_transmissions.sum())
    return SlotCounts(
        slots=n_tx, transmissions=n_tx,
        transmission_errors=n_tx - int(acked.sum()),
        blocks=tb.shape[0], block_errors=tb.shape[0] - int(delivered.sum()),
        bits=tb.numel(), bit_errors=int(wrong.sum()),
        delivered_bits=a * int(delivered.sum()), max_bits=a * n_tx,
        first_transmission_errors=int(((n_transmissions > 1) | ~acked).sum()),
        delivered_transmissions=int(n_transmissions[delivered].sum()),
        transmissions_squared=int(n_transmissions.square().sum()))


class SCHAWGNLink:
    """UL-SCH over AWGN with HARQ (module docstring); implements :class:`~softran.sim.Link`.

    >>> link = SCHAWGNLink("QPSK", 0.5, n_prb=2)
    >>> link.tbs, link.g
    (288, 576)
    >>> c = link.run(snr_db=8.0, n_slots=5, seed=3)
    >>> c.blocks, c.block_errors, c.transmissions, c.delivered_bits == 5 * 288
    (5, 0, 5, True)
    """

    def __init__(self, modulation: str, target_code_rate: float, n_prb: int, *,
                 n_re_per_prb: int = 144, n_layers: int = 1, n_rx: int = 1,
                 max_transmissions: int = 4, rv_sequence: tuple[int, ...] = (0, 2, 3, 1),
                 device: str = "cpu") -> None:
        self.modulation = check_name("modulation", modulation, _MODULATIONS)
        self.target_code_rate = float(code_rate_fraction("target_code_rate", target_code_rate))
        self.n_layers = check_int("n_layers", n_layers, 1, 4)
        self.n_rx = check_int("n_rx", n_rx, 1, 64)
        self.max_transmissions = check_int("max_transmissions", max_transmissions, 1, 4)
        if not rv_sequence:
            raise ValueError("rv_sequence must not be empty")
        self.rv_sequence = tuple(check_int("rv", rv, 0, 3) for rv in rv_sequence)
        self.qm = bits_per_symbol(self.modulation)
        self.tbs = tbs(self.modulation, self.n_layers, n_prb, n_re_per_prb, target_code_rate)
        self.g = n_prb * n_re_per_prb * self.qm * self.n_layers
        self.device = torch.device(device)
        self.encoder = ULSCHEncoder(self.target_code_rate)
        info = self.encoder.info(self.tbs)
        if info.b > 0.95 * self.g:
            raise ValueError(
                f"TBS + CRC = {info.b} bits do not fit G = {self.g} coded bits at a code rate "
                "<= 0.95; raise n_prb or n_re_per_prb")
        self.decoder = ULSCHDecoder(self.target_code_rate, self.tbs)

    def bytes_per_slot(self) -> int:
        """Estimated memory of one slot of :meth:`run`: its dominant tensors (TB bits, the
        encoder's code blocks, symbols, noise, LLRs and the demapper's distances, the decoder's
        soft buffer and LDPC state), for the memory check of ``n_slots``.

        >>> SCHAWGNLink("QPSK", 0.5, n_prb=2).bytes_per_slot()  # TBS 288: C = 1, N = 50 * 40
        62704
        """
        info = self.encoder.info(self.tbs)
        m = self.g // self.qm                                # modulation symbols
        distances = 2 if self.qm == 1 else 2 * 2 ** (self.qm // 2)   # axes x PAM levels
        cn = info.c * info.n
        return (2 * self.tbs + 3 * cn + 3 * 8 * m + 2 * 4 * self.g + 4 * m * distances
                + 5 * 4 * cn)

    def run(self, snr_db: float, n_slots: int, seed: int) -> SlotCounts:
        """Simulate ``n_slots`` new transport blocks, each retransmitted until acknowledged or
        ``max_transmissions`` (RV ``rv_sequence[i % len]`` for transmission ``i``)."""
        n_slots = check_int("n_slots", n_slots, 1)
        check_allocation("n_slots", n_slots, n_slots * self.bytes_per_slot(), device=self.device)
        seed = check_int("seed", seed, 0, 2**63 - 1)
        gen = torch.Generator(device=self.device).manual_seed(seed)
        n0 = noise_variance(float(snr_db))
        a, dev = self.tbs, self.device
        tb = torch.randint(0, 2, (n_slots, a), generator=gen, device=dev, dtype=torch.uint8)
        decoded = torch.zeros_like(tb)
        active = torch.ones(n_slots, dtype=torch.bool, device=dev)
        acked = torch.zeros_like(active)
        n_tx = torch.zeros(n_slots, dtype=torch.int64, device=dev)
        for i in range(self.max_transmissions):
            if not bool(active.any()):
                break
            rv = self.rv_sequence[i % len(self.rv_sequence)]
            idx = active.nonzero().flatten()
            # only the active blocks are sent; the finished ones get zero LLRs so that the
            # soft buffer keeps one shape (a block with no soft bits is not decoded)
            cw = self.encoder(tb[idx], self.modulation, self.n_layers, self.g, rv=rv)
            x = symbol_modulate(cw, self.modulation)
            noise = torch.randn(x.shape, dtype=x.dtype, generator=gen, device=dev)
            y = x + noise * math.sqrt(n0 / self.n_rx)
            llr = torch.zeros(n_slots, self.g, dtype=torch.float32, device=dev)
            llr[idx] = symbol_demodulate(y, self.modulation, n0 / self.n_rx)
            # the first transmission is new data (NDI toggled), the others retransmissions
            out, err = self.decoder(llr, self.modulation, self.n_layers, rv=rv, harq_process=0,
                                    new_data=i == 0)
            n_tx += active
            decoded = torch.where(active.unsqueeze(-1), out, decoded)
            acked |= active & ~err
            active &= err
        self.decoder.reset_soft_buffer(0)
        return harq_counts(tb, decoded, acked, n_tx)


def _key_error(key: str, fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except (TypeError, ValueError) as err:
        raise LinkConfigError(key, str(err)) from None


def _resolve(scenario: Scenario) -> dict[str, Any]:
    table = dict(scenario.pusch)
    for key in table:
        if key == "frc":
            raise LinkConfigError("pusch.frc", "fixed reference channels need link = 'pusch'; "
                                  "sch-awgn takes " + ", ".join(_KEYS))
        if key not in _KEYS:
            raise LinkConfigError(f"pusch.{key}", "unknown key for link 'sch-awgn'; allowed: "
                                  + ", ".join(_KEYS))
    if "mcs_index" in table:
        for key in ("modulation", "target_code_rate"):
            if key in table:
                raise LinkConfigError(f"pusch.{key}", "give either mcs_index or modulation and "
                                      "target_code_rate")
        index = _key_error("pusch.mcs_index", check_int, "mcs_index", table["mcs_index"], 0, 31)
        mod, rate = _key_error("pusch.mcs_table", mcs, index, table.get("mcs_table", "qam64"))
        if rate is None:
            raise LinkConfigError("pusch.mcs_index", f"mcs_index = {index} is reserved (no "
                                  "target code rate); use it only for retransmissions")
    else:
        if "mcs_table" in table:
            raise LinkConfigError("pusch.mcs_table", "only used with mcs_index")
        if "target_code_rate" not in table:
            raise LinkConfigError("pusch.target_code_rate", "missing key (required unless "
                                  "mcs_index is given)")
        mod = table.get("modulation", "QPSK")
        rate = table["target_code_rate"]
    mod = _key_error("pusch.modulation", check_name, "modulation", mod, _MODULATIONS)
    rate = float(_key_error("pusch.target_code_rate", code_rate_fraction, "target_code_rate",
                            rate))
    n_grid = scenario.carrier_config.n_size_grid
    n_prb = _key_error("pusch.n_prb", check_int, "n_prb", table.get("n_prb", n_grid), 1, n_grid)
    n_re = _key_error("pusch.n_re_per_prb", check_int, "n_re_per_prb",
                      table.get("n_re_per_prb", 144), 1, 168)
    n_layers = _key_error("pusch.n_layers", check_int, "n_layers", table.get("n_layers", 1), 1, 4)
    if scenario.channel.model != "AWGN":
        raise LinkConfigError("channel.model", f"{scenario.channel.model!r} is not supported by "
                              "link 'sch-awgn'; allowed: 'AWGN'")
    if scenario.impairments.active:
        raise LinkConfigError("impairments", "oscillator impairments need a waveform; link "
                              "'sch-awgn' has none (use link = 'pusch')")
    _key_error("antennas.n_tx", check_choice, "n_tx", scenario.antennas.n_tx, (1,))
    return {"modulation": mod, "target_code_rate": rate, "n_prb": n_prb, "n_re_per_prb": n_re,
            "n_layers": n_layers}


def _check(scenario: Scenario) -> dict[str, Any]:
    pusch = _resolve(scenario)
    try:
        link = _build(pusch, scenario, "cpu")
    except (TypeError, ValueError) as err:
        raise LinkConfigError("pusch", str(err)) from None
    check_batch_memory(scenario, link.bytes_per_slot())
    return pusch


def _build(pusch: dict[str, Any], scenario: Scenario, device: str) -> SCHAWGNLink:
    return SCHAWGNLink(pusch["modulation"], pusch["target_code_rate"], pusch["n_prb"],
                       n_re_per_prb=pusch["n_re_per_prb"], n_layers=pusch["n_layers"],
                       n_rx=scenario.antennas.n_rx,
                       max_transmissions=scenario.harq.max_transmissions,
                       rv_sequence=scenario.harq.rv_sequence, device=device)


def _factory(scenario: Scenario, device: str) -> SCHAWGNLink:
    return _build(_resolve(scenario), scenario, device)


register_link("sch-awgn", _factory, _check)
