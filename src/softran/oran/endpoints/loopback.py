"""An O-DU and an O-RU connected over UDP on one host (tests, demos, the CLI loop)."""

from __future__ import annotations

from typing import Any

from softran.oran.endpoints.config import FronthaulConfig
from softran.oran.endpoints.odu import ODU
from softran.oran.endpoints.oru import ORU
from softran.oran.macsec import ODU_MAC, ORU_MAC, MACsecConfig, MACsecTransport
from softran.oran.timing import Clock, RealTimeClock

__all__ = ["loopback_pair"]


def loopback_pair(config: FronthaulConfig, *, clock: Clock | None = None, paced: bool = False,
                  loopback: bool = False, host: str = "127.0.0.1",
                  macsec: MACsecConfig | None = None,
                  **oru_kwargs: Any) -> tuple[ODU, ORU]:
    """An O-DU and an O-RU connected by two UDP sockets on ``host`` (free ports), sharing
    ``clock``. ``loopback`` and ``oru_kwargs`` go to the :class:`ORU`. With ``macsec`` each
    datagram carries one MACsec-protected Ethernet frame (O-DU MAC ``ODU_MAC``, O-RU
    ``ORU_MAC``; :class:`~softran.oran.macsec.MACsecTransport`), and each endpoint's
    ``transport.secy`` holds the IEEE 802.1AE counters.

    >>> odu, oru = loopback_pair(FronthaulConfig(n_prb=24, eaxc_ids=(0,)))
    >>> odu.transport.remote[1] == oru.transport.local_address[1]
    True
    >>> odu.close(); oru.close()
    """
    from softran.oran.transport import UDPTransport

    clock = RealTimeClock() if clock is None else clock
    ru_t = UDPTransport(0, local_host=host, remote_host=host)
    du_t = UDPTransport(0, ru_t.local_address[1], local_host=host, remote_host=host)
    ru_t.remote = (host, du_t.local_address[1])
    if macsec is not None:
        if not isinstance(macsec, MACsecConfig):
            raise TypeError(f"macsec must be a MACsecConfig or None, got "
                            f"{type(macsec).__name__}")
        du_t = MACsecTransport(du_t, macsec.secy(ODU_MAC, ORU_MAC), dst=ORU_MAC, src=ODU_MAC)
        ru_t = MACsecTransport(ru_t, macsec.secy(ORU_MAC, ODU_MAC), dst=ODU_MAC, src=ORU_MAC)
    return (ODU(config, du_t, clock=clock, paced=paced),
            ORU(config, ru_t, clock=clock, paced=paced, loopback=loopback, **oru_kwargs))
