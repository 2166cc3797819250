// SPDX-License-Identifier: GPL-2.0
/*
 * Network flows: bytes and packets per (src, dst, sport, dport, protocol, direction, interface).
 *
 * One parser, two attachment points:
 *   - nf_socket: a socket filter on an AF_PACKET socket bound to one interface (source: socket_filter).
 *     It returns 0, so no packet is ever queued to user space: the filter only counts.
 *   - nf_tc_ingress / nf_tc_egress: TC clsact classifiers (source: tc); they always return TC_ACT_OK.
 *
 * Headers are read relative to the network header (found per packet by net_offset()), so Ethernet, loopback,
 * VLAN and header-less (tun, wireguard) links all parse the same way, and with bpf_skb_load_bytes, which also
 * reads the paged part of GSO/GRO super-packets.
 *
 * Counting rules (receivers/network_flow/README.md, "What is counted"):
 *   - every IPv4/IPv6 packet whose headers are consistent is counted once per interface and direction;
 *     non-IP frames and malformed packets are not counted (only tallied in nf_stats);
 *   - on loopback each packet passes the interface twice (sent and received): only the sent copy counts,
 *     as egress;
 *   - IP fragments: the first fragment carries the ports and lends them to the later fragments through
 *     nf_frags (keyed by src, dst, protocol, IP id); a later fragment whose first one was not seen is
 *     counted with ports 0 and NF_FLAG_FRAGMENT.
 *   - when the flow map is full, the packet goes to the nf_overflow ring buffer as a one-packet flow,
 *     so user space still counts it (and evicts early); only when that ring is full too is it lost
 *     (NF_STAT_OVERFLOW_DROP).
 */
#include "lumen_common.h"
#include "network_flow.h"

LUMEN_LICENSE();

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define PACKET_OUTGOING 4
#define LOOPBACK_IFINDEX 1
#define TC_ACT_OK 0
#define NF_EEXIST 17
#define IP_MF 0x2000
#define IP_OFFSET 0x1fff
#define NF_MAX_EXTHDR 8
/* IPv6 extension headers (not in vmlinux.h: they are #defines in the uapi). */
#define IPPROTO_HOPOPTS 0
#define IPPROTO_ROUTING 43
#define IPPROTO_FRAGMENT 44
#define IPPROTO_DSTOPTS 60

enum { NF_OK = 0, NF_NON_IP, NF_MALFORMED };

/* Load-time settings (OpenOptions.rodata). */
LUMEN_SETTING(__u32, loopback_ifindex, LOOPBACK_IFINDEX);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 5000); /* cache_max_flows, set at load time */
	__type(key, struct lumen_flow_key);
	__type(value, struct lumen_flow_val);
} nf_flows SEC(".maps");

LUMEN_RINGBUF(nf_overflow, 256 * 1024);

LUMEN_COUNTERS(nf_stats, NF_STAT_MAX);

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct lumen_frag_key);
	__type(value, struct lumen_frag_ports);
} nf_frags SEC(".maps");

#define stat_inc(idx) lumen_count(&nf_stats, idx)

/* Offset of the network header from skb->data, found once per packet (see net_offset()). */
struct nf_pkt {
	struct __sk_buff *skb;
	__u32 net;
	__u32 _pad;
	__u64 head[3]; /* the first 20 bytes at the network header (the whole IPv4 header without options) */
};

/* Reads bytes at `off` from the network header. bpf_skb_load_bytes (unlike the _relative variant, which only
 * sees the linear head) also reads paged data, so length checks work on GSO/GRO super-packets. */
static __always_inline int load_net(struct nf_pkt *p, __u32 off, void *to, __u32 len)
{
	return bpf_skb_load_bytes(p->skb, p->net + off, to, len);
}

/* skb->data is the link-layer header on both hooks (Ethernet and loopback: 14 bytes, header-less links such as
 * tun/wireguard: 0, an untagged-in-software VLAN: 18, QinQ: 22). The program cannot read the network header
 * offset directly, so it compares the first 20 bytes at the network header (bpf_skb_load_bytes_relative) with
 * those at each candidate offset. */
static __always_inline int net_offset(struct nf_pkt *p)
{
	__u64 *a = p->head, b[3] = {};
	if (bpf_skb_load_bytes_relative(p->skb, 0, a, 20, BPF_HDR_START_NET))
		return -1;
	const __u32 candidates[4] = { 14, 0, 18, 22 };
	for (int i = 0; i < 4; i++) {
		if (bpf_skb_load_bytes(p->skb, candidates[i], b, 20))
			continue;
		if (a[0] == b[0] && a[1] == b[1] && (__u32)a[2] == (__u32)b[2]) {
			p->net = candidates[i];
			return 0;
		}
	}
	return -1;
}

/* Reads the ports at l4off and validates the TCP/UDP header against l4len (bytes of L4 in this packet).
 * first_frag: only the ports are required (the rest of the header may be in a later fragment). */
static __always_inline int parse_ports(struct nf_pkt *skb, struct lumen_flow_key *k, __u32 l4off, __u32 l4len,
				       bool first_frag)
{
	if (k->proto == IPPROTO_TCP) {
		struct tcphdr th;
		if (first_frag) {
			if (l4len < 4 || load_net(skb, l4off, &th, 4))
				return NF_MALFORMED;
		} else {
			if (l4len < sizeof(th) || load_net(skb, l4off, &th, sizeof(th)))
				return NF_MALFORMED;
			if (th.doff < 5 || th.doff * 4 > l4len)
				return NF_MALFORMED;
		}
		k->sport = bpf_ntohs(th.source);
		k->dport = bpf_ntohs(th.dest);
	} else if (k->proto == IPPROTO_UDP) {
		struct udphdr uh;
		if (first_frag) {
			if (l4len < 4 || load_net(skb, l4off, &uh, 4))
				return NF_MALFORMED;
		} else {
			if (l4len < sizeof(uh) || load_net(skb, l4off, &uh, sizeof(uh)))
				return NF_MALFORMED;
			__u16 ulen = bpf_ntohs(uh.len);
			if (ulen < sizeof(uh) || ulen > l4len)
				return NF_MALFORMED;
		}
		k->sport = bpf_ntohs(uh.source);
		k->dport = bpf_ntohs(uh.dest);
	}
	return NF_OK;
}

static __always_inline bool has_ports(__u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

static __always_inline void frag_key(struct lumen_frag_key *fk, const struct lumen_flow_key *k, __u32 id)
{
	__builtin_memset(fk, 0, sizeof(*fk));
	__builtin_memcpy(fk->src, k->src, 16);
	__builtin_memcpy(fk->dst, k->dst, 16);
	fk->id = id;
	fk->proto = k->proto;
}

/* A later fragment: borrow the ports of its first fragment when it was seen. */
static __always_inline void later_fragment(struct lumen_flow_key *k, __u32 id)
{
	if (!has_ports(k->proto))
		return;
	struct lumen_frag_key fk;
	frag_key(&fk, k, id);
	struct lumen_frag_ports *p = bpf_map_lookup_elem(&nf_frags, &fk);
	if (p) {
		k->sport = p->sport;
		k->dport = p->dport;
		stat_inc(NF_STAT_FRAGMENTS);
	} else {
		k->flags |= NF_FLAG_FRAGMENT;
		stat_inc(NF_STAT_FRAG_UNMATCHED);
	}
}

static __always_inline void first_fragment(const struct lumen_flow_key *k, __u32 id)
{
	if (!has_ports(k->proto))
		return;
	struct lumen_frag_key fk;
	frag_key(&fk, k, id);
	struct lumen_frag_ports p = { .sport = k->sport, .dport = k->dport };
	bpf_map_update_elem(&nf_frags, &fk, &p, BPF_ANY);
}

static __always_inline bool ipv4_checksum_ok(const struct iphdr *ip, const __u8 *opts, __u32 optlen)
{
	const __u16 *w = (const __u16 *)ip;
	__u32 sum = 0;
	for (int i = 0; i < 10; i++)
		sum += w[i];
	const __u16 *o = (const __u16 *)opts;
	for (int i = 0; i < 20; i++) {
		if (i * 2 >= optlen)
			break;
		sum += o[i];
	}
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

static __always_inline int parse_ipv4(struct nf_pkt *skb, struct lumen_flow_key *k)
{
	struct iphdr ip;
	__u8 opts[40];
	__builtin_memcpy(&ip, skb->head, sizeof(ip)); /* read by net_offset() */
	if (ip.version != 4 || ip.ihl < 5)
		return NF_MALFORMED;
	__u32 hlen = ip.ihl * 4;
	__u32 tot = bpf_ntohs(ip.tot_len);
	__u32 optlen = hlen - sizeof(ip);
	if (optlen > 0) {
		optlen &= 63;
		if (optlen > 40 || optlen == 0 || load_net(skb, sizeof(ip), opts, optlen))
			return NF_MALFORMED;
	}
	if (!ipv4_checksum_ok(&ip, opts, optlen))
		return NF_MALFORMED;
	/* tot_len 0 is a TSO/BIG TCP super-packet whose length the IP header cannot hold: trust the skb. */
	if (tot != 0 && (tot < hlen || skb->net + tot > skb->skb->len))
		return NF_MALFORMED;
	__u32 l4len = tot ? tot - hlen : 0xffff;

	k->family = 4;
	k->src[10] = 0xff;
	k->src[11] = 0xff;
	k->dst[10] = 0xff;
	k->dst[11] = 0xff;
	__builtin_memcpy(&k->src[12], &ip.saddr, 4);
	__builtin_memcpy(&k->dst[12], &ip.daddr, 4);
	k->proto = ip.protocol;

	__u16 frag = bpf_ntohs(ip.frag_off);
	if (frag & IP_OFFSET) {
		later_fragment(k, bpf_ntohs(ip.id));
		return NF_OK;
	}
	bool first = frag & IP_MF;
	int r = parse_ports(skb, k, hlen, l4len, first);
	if (r == NF_OK && first)
		first_fragment(k, bpf_ntohs(ip.id));
	return r;
}

static __always_inline bool is_exthdr(__u8 nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_DSTOPTS || nh == IPPROTO_AH ||
	       nh == IPPROTO_FRAGMENT;
}

static __always_inline int parse_ipv6(struct nf_pkt *skb, struct lumen_flow_key *k)
{
	struct ipv6hdr ip6;
	if (load_net(skb, 0, &ip6, sizeof(ip6)))
		return NF_MALFORMED;
	if (ip6.version != 6)
		return NF_MALFORMED;
	__u32 plen = bpf_ntohs(ip6.payload_len);
	if (plen != 0 && skb->net + sizeof(ip6) + plen > skb->skb->len)
		return NF_MALFORMED;
	__u32 end = plen ? sizeof(ip6) + plen : 0x1ffff; /* payload_len 0: jumbogram / BIG TCP */

	k->family = 6;
	__builtin_memcpy(k->src, &ip6.saddr, 16);
	__builtin_memcpy(k->dst, &ip6.daddr, 16);

	__u8 nh = ip6.nexthdr;
	__u32 off = sizeof(ip6);
	bool first = false;
	__u32 frag_id = 0;
	for (int i = 0; i < NF_MAX_EXTHDR; i++) {
		if (is_exthdr(nh) && nh != IPPROTO_FRAGMENT) {
			__u8 h[2];
			if (off + 2 > end || load_net(skb, off & 0x1ffff, h, 2))
				return NF_MALFORMED;
			off += nh == IPPROTO_AH ? ((__u32)h[1] + 2) * 4 : ((__u32)h[1] + 1) * 8;
			nh = h[0];
		} else if (nh == IPPROTO_FRAGMENT) {
			struct frag_hdr fh;
			if (off + sizeof(fh) > end || load_net(skb, off & 0x1ffff, &fh, sizeof(fh)))
				return NF_MALFORMED;
			off += sizeof(fh);
			nh = fh.nexthdr;
			__u16 fo = bpf_ntohs(fh.frag_off);
			k->proto = nh;
			if (fo & 0xfff8) {
				later_fragment(k, bpf_ntohl(fh.identification));
				return NF_OK;
			}
			first = fo & 1;
			frag_id = bpf_ntohl(fh.identification);
		} else {
			break;
		}
	}
	/* Still an extension header after NF_MAX_EXTHDR: not a packet we can attribute. */
	if (is_exthdr(nh))
		return NF_MALFORMED;
	if (off > end)
		return NF_MALFORMED;
	k->proto = nh;
	int r = parse_ports(skb, k, off & 0x1ffff, end - off, first);
	if (r == NF_OK && first)
		first_fragment(k, frag_id);
	return r;
}

static __always_inline void account(struct lumen_flow_key *k, __u64 bytes)
{
	/* The coarse clock (a tick's resolution) costs a memory read instead of a clock read, on every packet. */
	__u64 now = bpf_ktime_get_coarse_ns();
	struct lumen_flow_val *v = bpf_map_lookup_elem(&nf_flows, k);
	if (!v) {
		struct lumen_flow_val nv = { .bytes = bytes, .packets = 1, .first_ns = now, .last_ns = now };
		long err = bpf_map_update_elem(&nf_flows, k, &nv, BPF_NOEXIST);
		if (err == 0)
			return;
		if (err == -NF_EEXIST)
			v = bpf_map_lookup_elem(&nf_flows, k); /* another CPU inserted it: this CPU's slot is zeroed */
		if (!v) {
			struct lumen_flow_overflow *o = bpf_ringbuf_reserve(&nf_overflow, sizeof(*o), 0);
			if (!o) {
				stat_inc(NF_STAT_OVERFLOW_DROP);
				return;
			}
			o->key = *k;
			o->_pad = 0;
			o->val = nv;
			bpf_ringbuf_submit(o, 0);
			stat_inc(NF_STAT_MAP_FULL);
			return;
		}
	}
	/* Per-CPU slot, BH disabled on every path that runs these programs: no atomics needed. */
	v->bytes += bytes;
	v->packets += 1;
	if (v->first_ns == 0)
		v->first_ns = now;
	v->last_ns = now;
}

static __always_inline void count(struct __sk_buff *skb, __u8 direction)
{

	struct lumen_flow_key k;
	__builtin_memset(&k, 0, sizeof(k));
	int r;
	__u32 proto = skb->protocol;
	struct nf_pkt p = { .skb = skb };
	if (proto != bpf_htons(ETH_P_IP) && proto != bpf_htons(ETH_P_IPV6))
		r = NF_NON_IP;
	else if (net_offset(&p))
		r = NF_MALFORMED;
	else if (proto == bpf_htons(ETH_P_IP))
		r = parse_ipv4(&p, &k);
	else
		r = parse_ipv6(&p, &k);
	if (r != NF_OK) {
		stat_inc(r == NF_NON_IP ? NF_STAT_NON_IP : NF_STAT_MALFORMED);
		return;
	}
	k.ifindex = skb->ifindex;
	k.direction = direction;
	account(&k, skb->len);
}

SEC("socket")
int nf_socket(struct __sk_buff *skb)
{
	bool out = skb->pkt_type == PACKET_OUTGOING;
	if (!out && skb->ifindex == loopback_ifindex) {
		stat_inc(NF_STAT_LOOPBACK_DUP);
		return 0;
	}
	count(skb, out ? NF_DIR_EGRESS : NF_DIR_INGRESS);
	return 0;
}

SEC("tc")
int nf_tc_ingress(struct __sk_buff *skb)
{
	if (skb->ifindex == loopback_ifindex) {
		stat_inc(NF_STAT_LOOPBACK_DUP);
		return TC_ACT_OK;
	}
	count(skb, NF_DIR_INGRESS);
	return TC_ACT_OK;
}

SEC("tc")
int nf_tc_egress(struct __sk_buff *skb)
{
	count(skb, NF_DIR_EGRESS);
	return TC_ACT_OK;
}
