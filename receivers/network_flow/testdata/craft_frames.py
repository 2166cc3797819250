#!/usr/bin/env python3
"""Sends hand-crafted Ethernet frames on an interface with a raw AF_PACKET socket, for the network_flow
bad-input test: valid packets with IPv6 extension headers and IP fragments (which must be counted under their
real ports), malformed IPv4/IPv6 packets, non-IP frames and seeded random garbage (which must not make flows).

usage: craft_frames.py IFNAME DST_MAC SRC4 DST4 SRC6 DST6
Prints one JSON object: the valid frames (what flow each must land in and its length) and how many
malformed / non-IP frames were sent. Malformed packets use source addresses 10.201.66.x / fd00:201:66::x.
"""
import json
import random
import socket
import struct
import sys

ifname, dst_mac, src4, dst4, src6, dst6 = sys.argv[1:7]
sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
sock.bind((ifname, 0))
src_mac = sock.getsockname()[4]
dmac = bytes.fromhex(dst_mac.replace(':', ''))


def eth(ethertype, payload):
    return dmac + src_mac + struct.pack('!H', ethertype) + payload


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4(src, dst, proto, payload, ident=1, frag=0, ihl=5, version=4, tot=None, bad_sum=False, options=b''):
    tot = 20 + len(options) + len(payload) if tot is None else tot
    hdr = struct.pack('!BBHHHBBH4s4s', (version << 4) | ihl, 0, tot, ident, frag, 64, proto, 0,
                      socket.inet_aton(src), socket.inet_aton(dst)) + options
    c = csum(hdr) ^ (0x1234 if bad_sum else 0)
    hdr = hdr[:10] + struct.pack('!H', c) + hdr[12:]
    return hdr + payload


def ipv6(src, dst, nexthdr, payload, plen=None, version=6):
    plen = len(payload) if plen is None else plen
    return struct.pack('!IHBB16s16s', version << 28, plen, nexthdr, 64,
                       socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)) + payload


def udp(sport, dport, data, length=None):
    return struct.pack('!HHHH', sport, dport, 8 + len(data) if length is None else length, 0) + data


def tcp(sport, dport, doff=5):
    return struct.pack('!HHIIBBHHH', sport, dport, 1, 0, doff << 4, 0x02, 1024, 0, 0) + b'\0' * max(0, doff * 4 - 20)


def opts(nexthdr):
    """An 8-byte IPv6 options header (hop-by-hop or destination options) with one PadN option."""
    return struct.pack('!BBBB4s', nexthdr, 0, 1, 4, b'\0' * 4)


valid, malformed, non_ip = [], 0, 0


def send_valid(frame, transport, src, dst, sport, dport):
    sock.send(frame)
    valid.append({'transport': transport, 'src': src, 'dst': dst, 'sport': sport, 'dport': dport, 'bytes': len(frame)})


def send_bad(frame):
    global malformed
    sock.send(frame)
    malformed += 1


# --- valid: IPv6 UDP behind hop-by-hop + destination options headers
send_valid(eth(0x86DD, ipv6(src6, dst6, 0, opts(60) + opts(17) + udp(1111, 19712, b'e' * 20))), 'udp', src6, dst6, 1111, 19712)
# --- valid: an IPv6 UDP datagram in two fragments (Fragment header, id 0x1234)
body = udp(2222, 19713, b'f' * 60)
frag1 = struct.pack('!BBHI', 17, 0, (0 << 3) | 1, 0x1234) + body[:48]
frag2 = struct.pack('!BBHI', 17, 0, (6 << 3) | 0, 0x1234) + body[48:]
send_valid(eth(0x86DD, ipv6(src6, dst6, 44, frag1)), 'udp', src6, dst6, 2222, 19713)
send_valid(eth(0x86DD, ipv6(src6, dst6, 44, frag2)), 'udp', src6, dst6, 2222, 19713)
# --- valid: an IPv4 UDP datagram in two fragments
body = udp(3333, 19714, b'g' * 60)
send_valid(eth(0x0800, ipv4(src4, dst4, 17, body[:48], ident=0x4321, frag=0x2000)), 'udp', src4, dst4, 3333, 19714)
send_valid(eth(0x0800, ipv4(src4, dst4, 17, body[48:], ident=0x4321, frag=6)), 'udp', src4, dst4, 3333, 19714)
# --- valid but portless: a later IPv4 fragment whose first fragment never came (counted with ports 0)
send_valid(eth(0x0800, ipv4(src4, dst4, 17, b'h' * 24, ident=0x7777, frag=10)), 'udp', src4, dst4, 0, 0)

# --- malformed IPv4 (source 10.201.66.x)
b4 = lambda i: '10.201.66.%d' % i
send_bad(eth(0x0800, ipv4(b4(1), dst4, 17, udp(1, 2, b'x' * 8), ihl=4)))                  # IHL < 5
send_bad(eth(0x0800, ipv4(b4(2), dst4, 17, udp(1, 2, b'x' * 8), bad_sum=True)))           # header checksum
send_bad(eth(0x0800, ipv4(b4(3), dst4, 17, udp(1, 2, b'x' * 8), tot=1000)))               # total length > frame
send_bad(eth(0x0800, ipv4(b4(4), dst4, 6, tcp(1, 2)[:10])))                                # TCP header cut short
send_bad(eth(0x0800, ipv4(b4(5), dst4, 6, tcp(1, 2, doff=2))))                             # TCP data offset < 5
send_bad(eth(0x0800, ipv4(b4(6), dst4, 17, udp(1, 2, b'x' * 8, length=4))))              # UDP length < 8
send_bad(eth(0x0800, ipv4(b4(7), dst4, 17, udp(1, 2, b'x' * 8, length=400))))            # UDP length > datagram
send_bad(eth(0x0800, ipv4(b4(8), dst4, 17, udp(1, 2, b'x' * 8), version=5)))             # wrong version
send_bad(eth(0x0800, ipv4(b4(9), dst4, 17, b'', ihl=15, tot=60)))                          # options past the frame
send_bad(eth(0x0800, ipv4(b4(10), dst4, 17, udp(1, 2, b''))[:10]))                       # 10 bytes of IP header
# --- malformed IPv6 (source fd00:201:66::x)
b6 = lambda i: 'fd00:201:66::%d' % i
send_bad(eth(0x86DD, ipv6(b6(1), dst6, 17, udp(1, 2, b'x' * 8), version=4)))             # wrong version
send_bad(eth(0x86DD, ipv6(b6(2), dst6, 17, udp(1, 2, b'x' * 8), plen=900)))              # payload length > frame
chain = b''.join(opts(60) for _ in range(9))
send_bad(eth(0x86DD, ipv6(b6(3), dst6, 60, chain[:-8] + opts(17) + udp(1, 2, b'x'))))    # 10 extension headers
send_bad(eth(0x86DD, ipv6(b6(4), dst6, 0, struct.pack('!BB', 17, 20) + b'\0' * 14)))      # hop-by-hop runs past the packet
send_bad(eth(0x86DD, ipv6(b6(5), dst6, 6, tcp(1, 2)[:12])))                               # TCP header cut short
send_bad(eth(0x86DD, ipv6(b6(6), dst6, 44, struct.pack('!BBHI', 17, 0, 1, 9)[:6])))      # fragment header cut short

# --- non-IP frames
for ethertype in (0x0806, 0x88B5, 0x88CC):
    sock.send(eth(ethertype, bytes(46)))
    non_ip += 1

# --- seeded random garbage claiming to be IPv4/IPv6 (deterministic: seed 42)
rng = random.Random(42)
for i in range(300):
    ethertype = 0x0800 if i % 2 == 0 else 0x86DD
    payload = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 120)))
    sock.send(eth(ethertype, payload))
    malformed += 1

print(json.dumps({'valid': valid, 'malformed': malformed, 'non_ip': non_ip}))
