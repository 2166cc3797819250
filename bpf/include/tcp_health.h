/* Record struct of bpf/tcp_health.bpf.c, decoded once in receivers/network_flow/tcp-event.ts. */
#ifndef LUMEN_TCP_HEALTH_H
#define LUMEN_TCP_HEALTH_H

#define TH_EV_CONNECT 1    /* handshake completed: value_ns = establishment time */
#define TH_EV_FAILED 2     /* socket closed with an error: err = errno (ECONNREFUSED, ECONNRESET, ETIMEDOUT, ...) */
#define TH_EV_RETRANSMIT 3 /* an skb retransmitted: segs segments (state = TCP state at the time) */
#define TH_EV_RTT 4        /* smoothed RTT read from the socket (at close, or sampled): value_ns */

#define TH_DIR_OUTGOING 0  /* this host opened the connection (connect) */
#define TH_DIR_INCOMING 1  /* this host accepted it */
#define TH_DIR_UNKNOWN 2   /* opened before the agent started */

/* 72 bytes. Addresses: local (saddr/sport) and peer (daddr/dport); IPv4 stored v4-mapped. */
struct lumen_tcp_event {
	__u64 ts_ns;     /* 0: CLOCK_MONOTONIC */
	__u64 value_ns;  /* 8 */
	__u8 saddr[16];  /* 16 */
	__u8 daddr[16];  /* 32 */
	__u16 sport;     /* 48, host byte order */
	__u16 dport;     /* 50 */
	__u32 pid;       /* 52: process that called connect(); 0 when unknown (accepted sockets) */
	__u8 type;       /* 56: TH_EV_* */
	__u8 family;     /* 57: 4 or 6 */
	__u8 direction;  /* 58: TH_DIR_* */
	__u8 state;      /* 59: TCP state before the event */
	__s32 err;       /* 60 */
	__u32 netns;     /* 64: inode of the socket's network namespace (as in /proc/PID/ns/net) */
	__u32 segs;      /* 68: segments retransmitted (TH_EV_RETRANSMIT: tcp_skb_pcount of the skb) */
};

enum lumen_tcp_stat {
	TH_STAT_EVENTS = 0, /* events written to the ring buffer */
	TH_STAT_DROPPED,    /* events lost: ring buffer full */
	TH_STAT_MAX,
};

#endif
