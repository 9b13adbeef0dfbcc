"""The test UE's in-order delivery of downlink MAC SDUs (its stand-in for RLC reordering)."""

from softran.cell.ue import InOrderDelivery


def test_a_retransmitted_tb_is_not_overtaken():
    d = InOrderDelivery()
    for h in (0, 1, 2):
        d.new(h)
    assert d.decoded(1, b"b") == b"" and d.decoded(2, b"c") == b""   # TB 0 failed first
    assert d.decoded(0, b"a") == b"abc"                               # its retransmission
    assert d.decoded(1, b"b") == b""                                  # a duplicate


def test_a_tb_given_up_does_not_block():
    d = InOrderDelivery()
    d.new(0)
    d.new(1)
    assert d.decoded(1, b"y") == b""
    d.new(0)                       # process 0 starts a new TB: the MAC gave the first up
    assert d.decoded(0, b"z") == b"yz"
