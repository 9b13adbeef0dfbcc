"""``softran fronthaul``: O-RAN 7.2x fronthaul: bit rates, pcap captures, an O-DU / O-RU loop
in one process, and an O-DU and an O-RU over UDP."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from softran.cli.terminal import make_console, output_path

__all__ = ["fronthaul_app"]


fronthaul_app = typer.Typer(help="O-RAN 7.2x fronthaul: O-DU / O-RU over UDP, captures, "
                                 "bit rates.", no_args_is_help=True)

_FH_BANDWIDTH = typer.Option(help="Channel bandwidth in MHz (N_RB from TS 38.104 Table "
                                  "5.3.2-1/-2).")
_FH_NPRB = typer.Option(help="PRBs of the carrier (instead of --bandwidth).")
_FH_SCS = typer.Option(help="Subcarrier spacing in kHz: 15, 30, 60, 120.")
_FH_ANT = typer.Option(help="Antennas = eAxC streams (eAxC IDs 0..n-1).")
_FH_METHOD = typer.Option(help="U-plane compression: none, bfp, block-scaling, mu-law.")
_FH_WIDTH = typer.Option(help="udIqWidth in bits (16 for none, 9 or 14 for bfp, ...).")
_FH_MTU = typer.Option(help="Largest Ethernet payload of a message, bytes (1500, 9000).")
_FH_MACSEC = typer.Option(help="MACsec SAK in hex, 32 or 64 digits (GCM-AES-128 / -256): "
                               "every frame IEEE 802.1AE protected; static key, no MKA.")
_FH_MACSEC_CONF = typer.Option("--macsec-encrypt/--macsec-integrity-only",
                               help="With --macsec-key: encrypt (default) or authenticate "
                                    "only (the eCPRI stays readable).")


def _fh_setup(bandwidth: int, n_prb: int | None, scs: int, antennas: int, method: str,
              width: int | None, mtu: int, paced: bool = False) -> Any:
    from softran.nr import CarrierConfig
    from softran.oran.endpoints import FronthaulConfig
    from softran.oran.rate import n_rb_for_bandwidth
    from softran.oran.timing import TimingWindows

    if method == "modulation":
        raise ValueError("method = 'modulation' is not offered by the fronthaul commands: "
                         "their NR slots hold empty REs and PSS/SSS, which modulation "
                         "compression (O-RAN.WG4.CUS.0 Annex A.5) cannot carry; allowed: none, "
                         "bfp, block-scaling, mu-law")
    n_prb = n_rb_for_bandwidth(bandwidth, scs) if n_prb is None else n_prb
    carrier = CarrierConfig(subcarrier_spacing=scs, n_size_grid=n_prb)
    width = (16 if method == "none" else 9) if width is None else width
    return carrier, FronthaulConfig.from_carrier(
        carrier, antennas, method=method, width=width, mtu=mtu,
        windows=TimingWindows() if paced else None)


def _fh_macsec(key_hex: str | None, confidentiality: bool) -> Any:
    """The static MACsec configuration of ``--macsec-key`` (None without it)."""
    if key_hex is None:
        return None
    from softran.oran.macsec import MACsecConfig

    return MACsecConfig.from_hex(key_hex, confidentiality=confidentiality)


def _fh_macsec_tables(*endpoints: Any) -> list[Any]:
    """The IEEE 802.1AE counter tables of the endpoints whose transport is MACsec."""
    return [e.transport.secy.table(f"{e.role} MACsec counters")
            for e in endpoints if hasattr(e.transport, "secy")]


def _fh_tables(*endpoints: Any) -> Any:
    from rich.console import Group

    return Group(*(e.counters.table(title=f"{e.role} counters") for e in endpoints))


@fronthaul_app.command("rate")
def fronthaul_rate(
    bandwidth: Annotated[int | None, _FH_BANDWIDTH] = 100,
    n_prb: Annotated[int | None, _FH_NPRB] = None,
    scs: Annotated[int, _FH_SCS] = 30,
    antennas: Annotated[int, _FH_ANT] = 4,
    method: Annotated[str, _FH_METHOD] = "bfp",
    width: Annotated[int, _FH_WIDTH] = 9,
    mtu: Annotated[int, _FH_MTU] = 1500,
    transport: Annotated[str, typer.Option(help="ethernet, udp-ipv4 or udp-ipv6.")] = "ethernet",
    vlan: Annotated[bool, typer.Option(help="802.1Q tag on every frame.")] = True,
    cplane: Annotated[bool, typer.Option(help="Count one C-plane message per slot and eAxC.")
                      ] = True,
    line_overhead: Annotated[bool, typer.Option(help="Count preamble, SFD, inter-frame gap.")
                             ] = True,
) -> None:
    """Bit rate of one fronthaul direction at full load (O-RAN.WG4.CUS.0 frame layout)."""
    from softran.oran.rate import fronthaul_bitrate

    r = fronthaul_bitrate(None if n_prb is not None else bandwidth, scs, antennas, method,
                          width, n_prb=n_prb, mtu=mtu, transport=transport, vlan=vlan,
                          cplane=cplane, line_overhead=line_overhead)
    rows = [("carrier", f"{r.n_prb} PRB at {r.scs_khz} kHz, {r.n_antennas} eAxC, "
                        f"{r.method}-{r.width}"),
            ("messages", f"{r.messages_per_symbol} per symbol and eAxC, up to "
                         f"{r.prbs_per_message} PRBs each; frames {list(r.uplane_frame_bytes)} "
                         "bytes"),
            ("IQ", f"{r.iq_bps / 1e9:.6f} Gbit/s"),
            ("udCompParam", f"{r.comp_param_bps / 1e9:.6f} Gbit/s"),
            ("U-plane headers", f"{r.uplane_header_bps / 1e9:.6f} Gbit/s"),
            ("transport", f"{r.transport_bps / 1e9:.6f} Gbit/s ({transport})"),
            ("C-plane", f"{r.cplane_bps / 1e9:.6f} Gbit/s"),
            ("total", f"{r.total_gbps:.6f} Gbit/s")]
    for key, value in rows:
        typer.echo(f"{key:<16} {value}")


@fronthaul_app.command("capture")
def fronthaul_capture(
    out: Annotated[Path, typer.Option(help="pcap file to write.")],
    bandwidth: Annotated[int, _FH_BANDWIDTH] = 100,
    n_prb: Annotated[int | None, _FH_NPRB] = None,
    scs: Annotated[int, _FH_SCS] = 30,
    antennas: Annotated[int, _FH_ANT] = 4,
    method: Annotated[str, _FH_METHOD] = "bfp",
    width: Annotated[int | None, _FH_WIDTH] = None,
    mtu: Annotated[int, _FH_MTU] = 1500,
    transport: Annotated[str, typer.Option(help="udp (IPv4, --port) or ethernet (0xAEFE).")
                         ] = "udp",
    port: Annotated[int, typer.Option(help="UDP port of the eCPRI flow.")] = 50000,
    modulation: Annotated[str, typer.Option(help="Data modulation of the slot.")] = "256QAM",
    seed: Annotated[int, typer.Option(help="Seed of the data bits.")] = 0,
    macsec_key: Annotated[str | None, _FH_MACSEC] = None,
    macsec_confidentiality: Annotated[bool, _FH_MACSEC_CONF] = True,
) -> None:
    """Write the C-plane and U-plane of one NR downlink slot as a pcap (tshark reads it)."""
    from softran.oran.session import antenna_grids, capture_slot

    macsec = _fh_macsec(macsec_key, macsec_confidentiality)
    carrier, cfg = _fh_setup(bandwidth, n_prb, scs, antennas, method, width, mtu)
    output_path(out, "out")
    grid = antenna_grids(carrier, antennas, modulation, seed=seed)
    n = capture_slot(out, cfg, grid, transport=transport, udp_port=port, macsec=macsec)
    typer.echo(f"slot       {cfg.n_prb} PRB at {scs} kHz, {antennas} eAxC, {cfg.method}-"
               f"{cfg.width}, {modulation}; {n} messages ({antennas} C-plane)")
    typer.echo(f"wrote      {out}")
    decode = f" -d udp.port=={port},ecpri" if transport == "udp" else ""
    comp = {"none": "No Compression", "bfp": "Block Floating Point Compression",
            "block-scaling": "Block Scaling Compression", "mu-law": "u-Law Compression"}
    if macsec is not None:
        typer.echo(f"macsec     {macsec.suite}, "
                   + ("encrypted: tshark shows the SecTAG (-Y macsec); its decryption needs "
                      "the key" if macsec.confidentiality else
                      "integrity only: tshark dissects the eCPRI inside (-Y macsec)"))
    typer.echo(f"read with  tshark -r {out}{decode} -o oran_fh_cus.oran.iq_bitwidth_down:"
               f"{cfg.width} -o \"oran_fh_cus.oran.ud_comp_down:{comp[cfg.method]}\" "
               "-o oran_fh_cus.oran.ud_comp_hdr_down:FALSE")


@fronthaul_app.command("loop")
def fronthaul_loop(
    slots: Annotated[int, typer.Option(help="Slots to send.")] = 2,
    bandwidth: Annotated[int, _FH_BANDWIDTH] = 100,
    n_prb: Annotated[int | None, _FH_NPRB] = None,
    scs: Annotated[int, _FH_SCS] = 30,
    antennas: Annotated[int, _FH_ANT] = 4,
    method: Annotated[str, _FH_METHOD] = "bfp",
    width: Annotated[int | None, _FH_WIDTH] = None,
    mtu: Annotated[int, _FH_MTU] = 1500,
    uplink: Annotated[bool, typer.Option(help="Turn each slot around at the O-RU (loopback) "
                                              "and rebuild it at the O-DU.")] = True,
    modulation: Annotated[str, typer.Option(help="Data modulation of the slot.")] = "256QAM",
    seed: Annotated[int, typer.Option(help="Seed of the data bits.")] = 0,
    macsec_key: Annotated[str | None, _FH_MACSEC] = None,
    macsec_confidentiality: Annotated[bool, _FH_MACSEC_CONF] = True,
) -> None:
    """O-DU -> UDP loopback -> O-RU in one process; prints counters and EVM per slot."""
    from rich.live import Live

    from softran.oran.session import antenna_grids, run_loop
    from softran.validation import check_int

    check_int("slots", slots, 1)
    macsec = _fh_macsec(macsec_key, macsec_confidentiality)
    carrier, cfg = _fh_setup(bandwidth, n_prb, scs, antennas, method, width, mtu)
    grid = antenna_grids(carrier, antennas, modulation, seed=seed)
    console = make_console()
    live = Live(console=console, refresh_per_second=4) if console.is_terminal else None

    def show(k: int, odu: Any, oru: Any) -> None:
        if live is not None:
            live.update(_fh_tables(odu, oru))

    if live is not None:
        live.start()
    try:
        r = run_loop(cfg, grid, slots, uplink=uplink, on_slot=show, macsec=macsec)
    finally:
        if live is not None:
            live.stop()
    console.print(_fh_tables(r.odu, r.oru))
    for table in _fh_macsec_tables(r.odu, r.oru):
        console.print(table)
    for k, (d, u) in enumerate(zip(r.dl_evm, r.ul_evm)):
        ul = "" if u is None else f", uplink at the O-DU {u:.4f} %"
        console.print(f"slot {k}: EVM downlink at the O-RU {d:.4f} %{ul}")


@fronthaul_app.command("du")
def fronthaul_du(
    ru_port: Annotated[int, typer.Option(help="UDP port of the O-RU.")] = 50001,
    ru_host: Annotated[str, typer.Option(help="Address of the O-RU.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Local UDP port (uplink arrives here).")] = 50000,
    slots: Annotated[int, typer.Option(help="Slots to send.")] = 10,
    paced: Annotated[bool, typer.Option(help="Send at the numerology's symbol timing "
                                             "(default: as fast as possible).")] = False,
    uplink: Annotated[bool, typer.Option(help="Ask for the uplink of every slot.")] = False,
    uplink_wait: Annotated[float, typer.Option(
        help="Seconds to wait for the uplink after it is due on the slot timeline (each "
             "arrival restarts the wait).")] = 2.0,
    bandwidth: Annotated[int, _FH_BANDWIDTH] = 100,
    n_prb: Annotated[int | None, _FH_NPRB] = None,
    scs: Annotated[int, _FH_SCS] = 30,
    antennas: Annotated[int, _FH_ANT] = 4,
    method: Annotated[str, _FH_METHOD] = "bfp",
    width: Annotated[int | None, _FH_WIDTH] = None,
    mtu: Annotated[int, _FH_MTU] = 1500,
    modulation: Annotated[str, typer.Option(help="Data modulation of the slots.")] = "256QAM",
    seed: Annotated[int, typer.Option(help="Seed of the data bits.")] = 0,
    macsec_key: Annotated[str | None, _FH_MACSEC] = None,
    macsec_confidentiality: Annotated[bool, _FH_MACSEC_CONF] = True,
) -> None:
    """Run an O-DU: send NR downlink slots to an O-RU over UDP, with live counters.

    With --uplink it asks for the uplink of every slot, waits for it on the slot timeline
    and reports the slots whose uplink did not (all) come."""
    from rich.live import Live

    from softran.oran.endpoints import ODU
    from softran.oran.session import antenna_grids
    from softran.oran.transport import UDPTransport
    from softran.validation import check_int, check_positive

    check_int("slots", slots, 1)
    macsec = _fh_macsec(macsec_key, macsec_confidentiality)
    check_positive("uplink_wait", uplink_wait)
    carrier, cfg = _fh_setup(bandwidth, n_prb, scs, antennas, method, width, mtu, paced)
    grid = antenna_grids(carrier, antennas, modulation, seed=seed)
    du_transport: Any = UDPTransport(port, ru_port, remote_host=ru_host)
    if macsec is not None:
        from softran.oran.macsec import ODU_MAC, ORU_MAC, MACsecTransport

        du_transport = MACsecTransport(du_transport, macsec.secy(ODU_MAC, ORU_MAC),
                                       dst=ORU_MAC, src=ODU_MAC)
    odu = ODU(cfg, du_transport, paced=paced)
    console = make_console()
    odu.start()
    try:
        with Live(odu.counters.table("O-DU counters"), console=console,
                  refresh_per_second=4, transient=not console.is_terminal) as live:
            per_frame = 10 * cfg.slots_per_subframe
            for k in range(slots):
                if paced:
                    f, sf, s = odu.next_slot()
                else:
                    f, rest = divmod(k % (256 * per_frame), per_frame)
                    sf, s = divmod(rest, cfg.slots_per_subframe)
                odu.send_slot(grid, f, sf, s)
                if uplink:
                    odu.request_uplink(f, sf, s)
                live.update(odu.counters.table("O-DU counters"))
            shortfall = odu.wait_uplink(uplink_wait) if uplink else []
    finally:
        odu.close()
    odu.close_slots()
    console.print(odu.counters.table("O-DU counters"))
    for table in _fh_macsec_tables(odu):
        console.print(table)
    if uplink:
        c = odu.counters
        if not c.prbs_missing:
            console.print(f"uplink: complete, {c.prbs_received} of {c.prbs_expected} PRBs in "
                          f"{slots} slot(s)")
        else:
            console.print(f"uplink: {c.prbs_missing} of {c.prbs_expected} PRBs missing; "
                          f"the wait expired {uplink_wait:g} s after the uplink was due, with "
                          f"{len(shortfall)} slot(s) incomplete:")
            for m in shortfall:
                console.print(f"  {m}")


@fronthaul_app.command("ru")
def fronthaul_ru(
    port: Annotated[int, typer.Option(help="Local UDP port (downlink arrives here).")] = 50001,
    du_port: Annotated[int, typer.Option(help="UDP port of the O-DU (uplink goes there).")
                       ] = 50000,
    du_host: Annotated[str, typer.Option(help="Address of the O-DU.")] = "127.0.0.1",
    loopback: Annotated[bool, typer.Option(help="Answer uplink C-plane with the downlink "
                                                "received for the same slot.")] = True,
    duration: Annotated[float, typer.Option(help="Seconds to run (0: until Ctrl-C).")] = 0.0,
    paced: Annotated[bool, typer.Option(help="Check early/late against the reception "
                                             "windows and send uplink at Ta3.")] = False,
    bandwidth: Annotated[int, _FH_BANDWIDTH] = 100,
    n_prb: Annotated[int | None, _FH_NPRB] = None,
    scs: Annotated[int, _FH_SCS] = 30,
    antennas: Annotated[int, _FH_ANT] = 4,
    method: Annotated[str, _FH_METHOD] = "bfp",
    width: Annotated[int | None, _FH_WIDTH] = None,
    mtu: Annotated[int, _FH_MTU] = 1500,
    macsec_key: Annotated[str | None, _FH_MACSEC] = None,
    macsec_confidentiality: Annotated[bool, _FH_MACSEC_CONF] = True,
) -> None:
    """Run an O-RU: rebuild downlink grids from C-/U-plane over UDP, with live counters."""
    import time

    from rich.live import Live

    from softran.oran.endpoints import ORU
    from softran.oran.transport import UDPTransport

    if duration < 0:
        raise ValueError(f"duration = {duration} is not allowed; allowed: >= 0 seconds")
    macsec = _fh_macsec(macsec_key, macsec_confidentiality)
    _, cfg = _fh_setup(bandwidth, n_prb, scs, antennas, method, width, mtu, paced)
    ru_transport: Any = UDPTransport(port, du_port, remote_host=du_host)
    if macsec is not None:
        from softran.oran.macsec import ODU_MAC, ORU_MAC, MACsecTransport

        ru_transport = MACsecTransport(ru_transport, macsec.secy(ORU_MAC, ODU_MAC),
                                       dst=ODU_MAC, src=ORU_MAC)
    oru = ORU(cfg, ru_transport, paced=paced, loopback=loopback)
    console = make_console()
    oru.start()
    end = time.monotonic() + duration if duration else None
    try:
        with Live(oru.counters.table("O-RU counters"), console=console,
                  refresh_per_second=4, transient=not console.is_terminal) as live:
            while end is None or time.monotonic() < end:
                time.sleep(0.25)
                live.update(oru.counters.table("O-RU counters"))
    except KeyboardInterrupt:
        pass
    finally:
        oru.close()
    oru.close_slots()
    console.print(oru.counters.table("O-RU counters"))
    for table in _fh_macsec_tables(oru):
        console.print(table)
