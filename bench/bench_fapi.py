"""SCF 222 FAPI messages of one busy slot: encode, decode and a P7 loopback round trip.

``python -m bench fapi`` runs :func:`run`. The slot (figures never asserted): DL_TTI.request
with an SSB, a PDCCH of 4 DCIs and 4 PDSCH PDUs; TX_DATA.request with 4 transport blocks of
1500 bytes; UL_TTI.request with 4 PUSCH and 4 PUCCH PDUs; CRC, RX_DATA and UCI indications
for them. Compared with the 0.5 ms slot of 30 kHz subcarrier spacing.
"""

from __future__ import annotations

import time

from bench.timing import Row, best_time
from softran.fapi import (
    CrcIndication,
    CrcPdu,
    DlDci,
    DlTtiRequest,
    P7Endpoint,
    PdcchPdu,
    PdschCodeword,
    PdschPdu,
    PucchPdu,
    PuschData,
    PuschPdu,
    RxDataIndication,
    RxDataPdu,
    SsbPdu,
    TxDataPdu,
    TxDataRequest,
    UciHarqF01,
    UciIndication,
    UciPucchF01,
    UlTtiRequest,
    decode_all,
    encode,
)

SLOT_S = 0.5e-3
N_UE = 4
TB = 1500


def slot_messages() -> tuple[list, list]:
    """(MAC -> PHY messages, PHY -> MAC messages) of one busy slot."""
    dcis = tuple(DlDci(rnti=0x4601 + u, cce_index=4 * u, aggregation_level=4,
                       payload_size_bits=39, payload=bytes(5)) for u in range(N_UE))
    cw = PdschCodeword(target_code_rate=6160, qam_mod_order=6, mcs_index=20, tb_size=TB)
    pdsch = tuple(PdschPdu(rnti=0x4601 + u, pdu_index=u, bwp_size=51, codewords=(cw,),
                           rb_start=12 * u, rb_size=12, start_symbol_index=2, nr_of_symbols=12,
                           dl_dmrs_symb_pos=0x0004) for u in range(N_UE))
    dl = DlTtiRequest(sfn=1, slot=2, pdus=(SsbPdu(phys_cell_id=17),
                                           PdcchPdu(bwp_size=51, dl_dcis=dcis), *pdsch))
    tx = TxDataRequest(sfn=1, slot=2, pdus=tuple(TxDataPdu.of(u, bytes(TB))
                                                 for u in range(N_UE)))
    pusch = tuple(PuschPdu(rnti=0x4601 + u, handle=u, bwp_size=51, target_code_rate=6160,
                           qam_mod_order=6, rb_start=12 * u, rb_size=12, nr_of_symbols=14,
                           pusch_data=PuschData(harq_process_id=u, tb_size=TB))
                  for u in range(N_UE))
    pucch = tuple(PucchPdu(rnti=0x4601 + u, handle=10 + u, bwp_size=51, format_type=1,
                           bit_len_harq=1) for u in range(N_UE))
    ul = UlTtiRequest(sfn=1, slot=2, pdus=(*pusch, *pucch))
    crc = CrcIndication(sfn=1, slot=2, crcs=tuple(CrcPdu(handle=u, rnti=0x4601 + u,
                                                         tb_crc_status=0)
                                                  for u in range(N_UE)))
    rx = RxDataIndication(sfn=1, slot=2, pdus=tuple(RxDataPdu(handle=u, rnti=0x4601 + u,
                                                              pdu=bytes(TB))
                                                    for u in range(N_UE)))
    uci = UciIndication(sfn=1, slot=2, ucis=tuple(
        UciPucchF01(handle=10 + u, rnti=0x4601 + u, pucch_format=1,
                    harq=UciHarqF01(harq_values=(1,))) for u in range(N_UE)))
    return [dl, tx, ul], [crc, rx, uci]


def run() -> list[Row]:
    down, up = slot_messages()
    everything = down + up
    data = encode(everything)
    t_enc = best_time(lambda: encode(everything))
    t_dec = best_time(lambda: decode_all(data))
    rows: list[Row] = [
        ("slot buffer (DL_TTI, TX_DATA, UL_TTI, CRC, RX_DATA, UCI)", len(data), "bytes"),
        ("encode one slot", t_enc * 1e6, "us"),
        ("decode one slot", t_dec * 1e6, "us"),
        ("encode + decode / 0.5 ms slot", (t_enc + t_dec) / SLOT_S, "x slot"),
    ]
    n = 200
    with P7Endpoint() as mac, P7Endpoint() as phy:
        t0 = time.perf_counter()
        for _ in range(n):
            mac.send(down, port=phy.address[1])
            got = phy.recv(timeout=5.0)
            phy.send(up, port=mac.address[1])
            back = mac.recv(timeout=5.0)
            assert got is not None and back is not None
        rtt = (time.perf_counter() - t0) / n
    rows.append(("P7 UDP loopback round trip (encode, send, decode both ways)", rtt * 1e6,
                 "us/slot"))
    return rows
