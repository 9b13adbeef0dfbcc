"""The nFAPI-style transport on loopback: P5 frames over TCP and P7 datagrams over UDP carry
SCF 222 buffers both ways; timeouts, a peer that closes, a busy port, an oversized buffer."""

from __future__ import annotations

import socket

import pytest

from softran.fapi import (
    MAX_P7_PAYLOAD,
    ConfigRequest,
    ConfigResponse,
    CrcIndication,
    CrcPdu,
    DlTtiRequest,
    FAPIDecodeError,
    P5Server,
    P7Endpoint,
    ParamRequest,
    RxDataIndication,
    RxDataPdu,
    SlotIndication,
    SsbPdu,
    StartRequest,
    TxDataPdu,
    TxDataRequest,
    encode,
    p5_connect,
)


def test_p5_request_and_response_both_ways() -> None:
    with P5Server() as server, p5_connect(server.address[1]) as mac:
        phy = server.accept(timeout=5.0)
        assert phy is not None
        with phy:
            config = ConfigRequest.from_values({"phyCellId": 17, "numTxAnt": 4})
            mac.send([ParamRequest(), config], handle=3)
            assert phy.recv(timeout=5.0) == [ParamRequest(), config]
            phy.send(ConfigResponse())
            mac.send(StartRequest())
            assert mac.recv(timeout=5.0) == [ConfigResponse()]
            assert phy.recv(timeout=5.0) == [StartRequest()]


def test_p5_timeout_and_partial_frame() -> None:
    with P5Server() as server:
        raw = socket.create_connection(server.address, timeout=5.0)
        phy = server.accept(timeout=5.0)
        assert phy is not None
        with phy:
            assert phy.recv(timeout=0.05) is None
            data = encode(StartRequest())
            frame = len(data).to_bytes(4, "big") + data
            raw.sendall(frame[:5])
            assert phy.recv(timeout=0.1) is None        # half a frame: kept, not lost
            raw.sendall(frame[5:])
            assert phy.recv(timeout=5.0) == [StartRequest()]
            raw.close()
            with pytest.raises(ConnectionError, match="closed"):
                phy.recv(timeout=5.0)


def test_p5_garbage_frame_is_a_decode_error() -> None:
    with P5Server() as server:
        raw = socket.create_connection(server.address, timeout=5.0)
        phy = server.accept(timeout=5.0)
        assert phy is not None
        with phy:
            raw.sendall((0xFFFFFFFF).to_bytes(4, "big"))
            with pytest.raises(FAPIDecodeError, match="frame length"):
                phy.recv(timeout=5.0)
        raw.close()


def test_p5_accept_timeout_and_busy_port() -> None:
    with P5Server() as server:
        port = server.address[1]
        assert server.accept(timeout=0.05) is None
        with pytest.raises(ValueError, match=r"cannot bind TCP 127\.0\.0\.1:\d+: "
                                             r"address already in use") as info:
            P5Server(port=port)
        assert "\n" not in str(info.value)
    with pytest.raises(ConnectionError, match=f"cannot connect P5 to TCP 127.0.0.1:{port}"):
        p5_connect(port, timeout=1.0)


def test_p7_slot_messages_and_sequence() -> None:
    with P7Endpoint(phy_id=2) as phy, P7Endpoint() as mac, P7Endpoint() as elsewhere:
        phy.remote = mac.address
        phy.send(SlotIndication(sfn=1, slot=0))
        got = mac.recv(timeout=5.0)
        assert got is not None
        assert (got.phy_id, got.sequence, got.source) == (2, 0, phy.address)
        assert got.messages == [SlotIndication(sfn=1, slot=0)]
        dl = DlTtiRequest(sfn=1, slot=0, pdus=(SsbPdu(phys_cell_id=17),))
        tx = TxDataRequest(sfn=1, slot=0, pdus=(TxDataPdu.of(0, bytes(range(200))),))
        mac.send([dl, tx], port=phy.address[1])
        assert phy.recv(timeout=5.0).messages == [dl, tx]
        phy.send(SlotIndication(sfn=1, slot=1), port=elsewhere.address[1])  # lost for mac
        ind = [CrcIndication(sfn=1, slot=1, crcs=(CrcPdu(rnti=1, tb_crc_status=0),)),
               RxDataIndication(sfn=1, slot=1, pdus=(RxDataPdu(rnti=1, pdu=b"abc"),))]
        phy.send(ind)
        got = mac.recv(timeout=5.0)
        assert got.sequence == 2 and got.messages == ind
        assert mac.lost == 1
        assert mac.recv(timeout=0.05) is None


def test_p7_refusals() -> None:
    with P7Endpoint() as a, P7Endpoint() as b:
        with pytest.raises(ValueError, match=r"cannot bind UDP .*address already in use"):
            P7Endpoint(port=a.address[1])
        with pytest.raises(ValueError, match="port is required"):
            a.send(StartRequest())
        big = TxDataRequest(sfn=0, slot=0, pdus=(TxDataPdu.of(0, bytes(MAX_P7_PAYLOAD)),))
        with pytest.raises(ValueError, match="does not fit one datagram"):
            a.send(big, port=b.address[1])
        raw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        raw.sendto(b"\x00\x00\x00", b.address)
        with pytest.raises(FAPIDecodeError, match="shorter than its 8-byte header"):
            b.recv(timeout=5.0)
        raw.sendto(bytes(8) + b"\x01\x00\x82", b.address)
        with pytest.raises(FAPIDecodeError, match="message type ID"):
            b.recv(timeout=5.0)
        raw.close()
