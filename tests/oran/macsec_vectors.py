"""IEEE 802.1AE MACsec GCM-AES test vectors (IEEE 802.1 "MACsec GCM-AES Test Vectors",
bn-randall-test-vectors-0511-v1, sections 2.1 - 2.8 = IEEE 802.1AEbn-2011 Annex C / 802.1AE-2018
Annex C.1 - C.8, and the XPN vectors of IEEE 802.1AEbw-2013 Annex C), as transcribed in
SatCat5 ``sim/cpp/test_eth_macsec.cc`` and Google Tink's AES-GCM tests.

Eight frames (54/60-octet integrity and confidentiality pairs, ...), each protected under
GCM-AES-128, GCM-AES-256, GCM-AES-XPN-128 and GCM-AES-XPN-256. The plaintext frames are
``DA | SA | 0x0800 | 0x0F 0x10 ... last | 0x00 n``; expected MACsec output: the SecTAG then
the secure data (in clear for integrity-only frames), then the ICV; here only the part after
the SecTAG is listed (``secure data + ICV`` for encrypted frames, the ICV alone otherwise).
"""

from __future__ import annotations

K128 = ["ad7a2bd03eac835a6f620fdcb506b345", "071b113b0ca743fecccf3d051f737382",
        "013fe00b5f11be7f866d0cbbc55a7a90", "88ee087fd95da9fbf6725aa9d757b0cd"]
K256 = ["e3c08a8f06c6e3ad95a70557b23f75483ce33021a9c72b7025666204c69c0b72",
        "691d3ee909d7f54167fd1ca0b5d769081f2bde1aee655fdbab80bd5295ae6be7",
        "83c093b58de7ffe1c0da926ac43fb3609ac1c80fee1b624497ef942e2f79a823",
        "4c973dbc7364621674f8b5b89e5c15511fced9216490fb1c1a2caa0ffe0407e5"]
SALT = "e630e81a48de86a21c66fa6d"
SSCI = 0x7A30C118
SCI = ["12153524c0895e81", "f0761e8dcd3d0001", "7cfde9f9e33724c6", "7ae8e2ca4ec50001"]
PN = [0xB2C28465, 0x76D457ED, 0x8932D612, 0x2E58495C]
XPN_HIGH = 0xB0DF459C

#: frame k (1..8): (DA, SA, TCI/AN, last pattern byte); frames 2k-1, 2k share key/SCI/PN k
FRAMES = {
    1: ("d609b1f05663", "7a0d46df998d", 0x22, 0x34),
    2: ("d609b1f05663", "7a0d46df998d", 0x2E, 0x3A),
    3: ("e20106d7cd0d", "f0761e8dcd3d", 0x40, 0x3A),
    4: ("e20106d7cd0d", "f0761e8dcd3d", 0x4C, 0x34),
    5: ("84c5d513d2aa", "f6e5bbd27277", 0x23, 0x3F),
    6: ("84c5d513d2aa", "f6e5bbd27277", 0x2F, 0x3B),
    7: ("68f2e77696ce", "7ae8e2ca4ec5", 0x41, 0x4D),
    8: ("68f2e77696ce", "7ae8e2ca4ec5", 0x4D, 0x49),
}

PROTECTED = {
    "GCM-AES-128": {
        1: "f09478a9b09007d06f46e9b6a1da25dd",
        2: "701afa1cc039c0d765128a665dab69243899bf7318ccdc81c9931da17fbe8edd7d17cb8b4c26fc81e3"
           "284f2b7fba713d4f8d55e7d3f06fd5a13c0c29b9d5b880",
        3: "0c017bc73b227dfcc9bafa1c41acc353",
        4: "13b4c72b389dc5018e72a171dd85a5d3752274d3a019fbcaed09a425cd9b2e1c9b72eee7c9de7d52b3f3"
           "d6a5284f4a6d3fe22a5d6c2b960494c3",
        5: "217867e50c2dad74c28c3b50abdf695a",
        6: "3a4de6fa32191014dbb303d92ee3a9e8a1b599c14d22fb080096e13811816a3c9c9bcf7c1b9b96da8092"
           "04e29d0e2a7642bfd310a4837c816ccfa5ac23ab003988",
        7: "07922b8ebcf10bb2297588ca4c614523",
        8: "c31f53d99e5687f7365119b832d2aae70741d593f1f9e2ab3455779b078eb8feacdfec1f8e3e5277f818"
           "0b43361f6512adb16d2e38548a2c719dba7228d84088f8757adb8aa788d8f65ad668be70e7",
    },
    "GCM-AES-256": {
        1: "2f0bc5af409e06d609ea8b7d0fa5ea50",
        2: "e2006eb42f5277022d9b19925bc419d7a592666c925fe2ef718eb4e308efeaa7c5273b394118860a5be2"
           "a97f56ab78365ca597cdbb3edb8d1a1151ea0af7b436",
        3: "35217c774bbc31b63166bcf9d4abed07",
        4: "c1623f55730c93533097addad25664966125352b43adacbd61c5ef3ac90b5bee929ce4630ea79f6ce519"
           "12af39c2d1fdc2051f8b7b3c9d397ef2",
        5: "6ee160e8faeca4b36c86b234920ca975",
        6: "110222ff8050cbece66a813ad09a73ed7a9a089c106b959389168ed6e8698ea902eb1277dbec2e68e473"
           "155a15a7daeed4a10f4e05139c23df00b3aadc71f0596a",
        7: "00bda1b7e87608bcbf470f12157f4c07",
        8: "ba8ae31bc506486d6873e4fce460e7dc57591ff00611f31c3834fe1c04ad80b66803afcf5b27e6333fa6"
           "7c99da47c2f0ced68d531bd741a943cff7a6713bd02611cd7daa01d61c5c886dc1a8170107",
    },
    "GCM-AES-XPN-128": {
        1: "17fe1981ebdd4afc5062697e8baa0c23",
        2: "0712d980ca50bbed35a0fa566338729ffa16d19ffcf07b3a1e7919b3776aacec8a5937208b483a769198"
           "4d380792e07fc2c3c79f263fa6bff8e7581e2ce45af8",
        3: "abc40685a3cf911d3787e49db6a7265e",
        4: "9ca46984430203ed416ebdc2fe2622ba3e5eab6961c36383009e187e9b0c88564653b9abd216441c6ab6"
           "f0a232e9e44c978cf7cd84d43484d101",
        5: "678559b7e52db00682e3b83034cebe59",
        6: "14c17693bc8297ee6c47c565cbe0679e80f00fcaf592c9aa0473928e7f2f216ff5a033dec7513f45d34c"
           "bb981c5bd64e8bd84b8e2a78e74dafeaa03846fe930c0e",
        7: "d0dc896dc83798a79f3c5a95ba3cdf9a",
        8: "eaecc6af6512fc8b6c8c43bc55b190b2626d07d3d218faf5daa7d8f800a57331eb43b5a17a37e5b1d60d"
           "275ccaf7acd704cc9ace2bf8bc8b9b23b9adf02f87346b96d1136a754df0a6cde126c107f8",
    },
    "GCM-AES-XPN-256": {
        1: "4dbd2f6a754a6cf728cc129ba6931577",
        2: "3eb04a4bbf54c6eb1222a9aea00c38687f6c3520d976a3b694800650ce6585e620a4191917d2a605d870"
           "c78d2752ce493b442ac0c816d7abd70ad65c25d46413",
        3: "ac21957b8312ab3c99ab46849879c3f3",
        4: "88d9f7d1f1578ee34ba7b1abc89893ef1d3398c9f1dd3e47fbd8553e0ff786ef5699eb01ea10420d0ebd"
           "39a0e273c4c7f95ed843207d7a497dfa",
        5: "84bac8e53d1ea355a5c7d334840ae962",
        6: "0996e0c9a55774e0a792304e7dc150bd67fd747dd1b9419594bf373d4ace8f87f5c1349afac491aa0a40"
           "d3199087b29fdf802f050e691f11a2d9b358f6994184f5",
        7: "04249a208a65b96b3f3263004cfd867d",
        8: "b0fea36318b9b36466c46e9e1bda1a266858196e7e70d882ae70475668cde4ec883f6ac2369f284bed1f"
           "e32f42092fdff5868a3c64e5615192a7a3760b34bc85692cd815b664711aef911df78d7f46",
    },
}


def plain_frame(k: int) -> bytes:
    """Frame ``k``'s Ethernet frame (no FCS)."""
    da, sa, _, last = FRAMES[k]
    return (bytes.fromhex(da + sa) + b"\x08\x00" + bytes(range(0x0F, last + 1))
            + bytes([0, k]))
