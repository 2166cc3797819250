/* Record structs of bpf/network_flow.bpf.c, decoded once in receivers/network_flow/flow-record.ts.
 * Fixed layouts with explicit padding (no packed structs): offsets are noted for the TS DataView decoder. */
#ifndef LUMEN_NETWORK_FLOW_H
#define LUMEN_NETWORK_FLOW_H

#define NF_DIR_INGRESS 0
#define NF_DIR_EGRESS 1

/* flags */
#define NF_FLAG_FRAGMENT 1 /* a later IP fragment whose first fragment was not seen: ports are 0 */

/* Key of the per-CPU flow map (44 bytes). IPv4 addresses are stored v4-mapped (::ffff:a.b.c.d). */
struct lumen_flow_key {
	__u8 src[16];     /* 0 */
	__u8 dst[16];     /* 16 */
	__u16 sport;      /* 32, host byte order; 0 when the transport has no ports */
	__u16 dport;      /* 34 */
	__u32 ifindex;    /* 36 */
	__u8 proto;       /* 40, IP protocol number (6 tcp, 17 udp, 1 icmp, 58 icmpv6, ...) */
	__u8 direction;   /* 41, NF_DIR_* */
	__u8 family;      /* 42, 4 or 6 */
	__u8 flags;       /* 43, NF_FLAG_* */
};

/* Per-CPU value (32 bytes). Times are CLOCK_MONOTONIC ns at tick resolution (bpf_ktime_get_coarse_ns). */
struct lumen_flow_val {
	__u64 bytes;      /* 0: skb->len, the L2 frame as the interface counters count it */
	__u64 packets;    /* 8 */
	__u64 first_ns;   /* 16: 0 on CPUs that never saw the flow */
	__u64 last_ns;    /* 24 */
};

/* Ring-buffer record for a packet that found the flow map full (80 bytes). */
struct lumen_flow_overflow {
	struct lumen_flow_key key; /* 0 */
	__u32 _pad;             /* 44 */
	struct lumen_flow_val val; /* 48 */
};

/* Index of the per-CPU u64 counters in nf_stats. */
enum lumen_flow_stat {
	NF_STAT_NON_IP = 0,       /* frames that are not IPv4/IPv6 (ARP, LLDP, ...): ignored */
	NF_STAT_MALFORMED,        /* truncated or inconsistent IP/TCP/UDP headers: ignored */
	NF_STAT_LOOPBACK_DUP,     /* the second copy of a loopback packet: ignored */
	NF_STAT_MAP_FULL,         /* packets sent to the overflow ring buffer */
	NF_STAT_OVERFLOW_DROP,    /* packets lost: map full and ring buffer full */
	NF_STAT_FRAGMENTS,        /* later fragments matched to their first fragment's ports */
	NF_STAT_FRAG_UNMATCHED,   /* later fragments counted without ports */
	NF_STAT_MAX,
};

/* Key of the LRU map that lends a first fragment's ports to the later ones (40 bytes). */
struct lumen_frag_key {
	__u8 src[16];
	__u8 dst[16];
	__u32 id;
	__u8 proto;
	__u8 _pad[3];
};

struct lumen_frag_ports {
	__u16 sport;
	__u16 dport;
};

#endif
