"""A STUN binding responder that answers after a delay: a STUN server
"far away" for netcheck tests (the kernel here has no netem).  It answers
RFC 5389 binding requests with XOR-MAPPED-ADDRESS of the sender, as
derper's STUN server does.  Usage: slow_stun.py BIND_IP PORT DELAY_MS"""
import socket
import struct
import sys
import threading

ip, port, delay = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) / 1000.0
MAGIC = 0x2112A442
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((ip, port))


def answer(req, src):
    txid = req[8:20]
    xport = src[1] ^ (MAGIC >> 16)
    xaddr = struct.unpack("!I", socket.inet_aton(src[0]))[0] ^ MAGIC
    attr = struct.pack("!HHBBHI", 0x0020, 8, 0, 1, xport, xaddr)
    s.sendto(struct.pack("!HHI", 0x0101, len(attr), MAGIC) + txid + attr, src)


while True:
    req, src = s.recvfrom(2048)
    if len(req) >= 20 and req[0:2] == b"\x00\x01" and struct.unpack("!I", req[4:8])[0] == MAGIC:
        threading.Timer(delay, answer, (req, src)).start()
