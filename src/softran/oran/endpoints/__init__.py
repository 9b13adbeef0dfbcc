"""O-RAN 7.2x fronthaul endpoints: an O-DU and an O-RU that talk over a real transport.

:class:`ODU` takes per-slot resource grids (``[n_eaxc, n_symbols, 12 n_prb]`` complex64, one
row per eAxC = antenna stream, e.g. ``softran.nr.downlink_slot(...).grid`` repeated over
antennas) and emits, per slot:

* one C-plane message of section type 1 per eAxC (O-RAN.WG4.CUS.0 clause 7.4.3) whose single
  section (sectionId 1 for downlink, 2 for uplink; beamId 0, reMask 0xFFF) covers all PRBs
  (numPrbc = 0 when the carrier has more than 255) and the requested symbol range, with the
  configured udCompHdr;
* per symbol and eAxC one U-plane message (clause 8.3), split into several messages of one
  section each when the PRBs do not fit the MTU -- the split rule of
  :func:`~softran.oran.rate.fronthaul_bitrate` over UDP/IPv4: as many PRBs per message as
  fit, at most 255 unless one message takes the whole carrier (numPrbu = 0).

It also sends uplink C-plane (:meth:`ODU.request_uplink`), waits for the answering uplink on
the slot timeline and reports what did not come (:meth:`ODU.wait_uplink`), and rebuilds uplink
grids from the uplink U-plane it receives (:meth:`ODU.uplink_grid`).

:class:`ORU` receives C-plane and U-plane, rebuilds the downlink grid per eAxC and symbol
(:meth:`ORU.downlink_grid`) and answers uplink C-plane with uplink U-plane for exactly the
symbols and PRBs asked for, taken from an ``uplink_source`` callable, or -- in loopback
mode -- from the downlink it received for the same slot (the PRB bytes are sent back
unchanged, so the O-DU's uplink grid equals the O-RU's downlink grid bit for bit).

Fixed-point scaling: see :mod:`~softran.oran.endpoints.config` (a float grid value of
:attr:`FronthaulConfig.full_scale` maps to the 16-bit full scale 2^15, nothing is clipped).

Timing: with :attr:`FronthaulConfig.windows` set, each received message is classified early /
on time / late against the reception windows (:mod:`softran.oran.timing`), using the
endpoint's clock (a :class:`~softran.oran.timing.RealTimeClock` by default, or a
:class:`~softran.oran.timing.SimulatedClock` for exact tests). A *paced* O-DU sends each
message at the middle of the O-RU's window before its air time (C-plane, then U-plane
symbol by symbol); a paced O-RU sends uplink U-plane Ta3_min after each symbol's air time.
Unpaced endpoints send as fast as possible.

Concurrency: every method runs in the caller's thread; :meth:`receive` processes packets
until a count or a timeout (deterministic in tests), and :meth:`start` / :meth:`stop` run
that loop in one background thread (used by the CLI; counters are plain integers that a
display thread may read at any time). Received PRB bytes are stored per slot as they are,
and a grid is decompressed in one vectorised call when it is asked for.

Modulation compression (O-RAN.WG4.CUS.0 Annex A.5, downlink only): with ``method =
"modulation"`` the grid of each eAxC must hold points of its configured TS 38.211 §5.1
constellation (:attr:`FronthaulConfig.modulation`) scaled to ``mod_amplitude`` of full scale;
the O-DU sends each PRB as constellation codes of ``udIqWidth = max(Q_m / 2, 1)`` bits and puts
``csf`` and ``modCompScaler``
(:func:`~softran.oran.modulation_compression.modulation_compression_params`) in section
extension 4 of every downlink section; the O-RU stores the SE4 values per eAxC,
symbol and PRB of each section it receives and reconstructs the grid with them. A grid RE
that is not a constellation point (an empty RE, a PSS/SSS value, another modulation in some
PRBs) is a ``ValueError``: nothing is rounded to the nearest point. Uplink is not offered
(Annex A.5 defines modulation compression for the downlink).

Bad input never stops an endpoint: a PDU that is truncated, has a wrong length, an unknown
section type, PRBs beyond the carrier, a udCompHdr that disagrees with the configuration, an
unknown eAxC or a wrong direction is counted in ``counters.malformed[reason]``, logged
(logger ``softran.oran.endpoints``, level WARNING) and dropped.

Modules: :mod:`~softran.oran.endpoints.config` (:class:`FronthaulConfig`, what both ends
agree on), :mod:`~softran.oran.endpoints.endpoint` (what the O-DU and the O-RU share:
transport, clock, counters, slot buffers, receive path),
:mod:`~softran.oran.endpoints.odu` (:class:`ODU`), :mod:`~softran.oran.endpoints.oru`
(:class:`ORU`), :mod:`~softran.oran.endpoints.loopback` (:func:`loopback_pair`),
:mod:`~softran.oran.endpoints.sustained` (:func:`run_sustained`: slot after slot over UDP
loopback, counting what was lost).
"""

from softran.oran.endpoints.config import ENDPOINT_METHODS, FULL_SCALE_12DB, FronthaulConfig
from softran.oran.endpoints.endpoint import MALFORMED_REASONS, SlotMessages
from softran.oran.endpoints.loopback import loopback_pair
from softran.oran.endpoints.odu import ODU, UplinkShortfall
from softran.oran.endpoints.oru import ORU
from softran.oran.endpoints.sustained import SustainedRun, run_sustained

__all__ = ["ENDPOINT_METHODS", "FULL_SCALE_12DB", "MALFORMED_REASONS", "ODU", "ORU",
           "FronthaulConfig", "UplinkShortfall", "loopback_pair"]
__all__ += ["SustainedRun", "run_sustained"]
__all__ += ["SlotMessages"]
