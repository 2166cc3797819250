// SPDX-License-Identifier: GPL-2.0
/*
 * TCP health from tracepoints only (no kprobes, no fentry):
 *   - tp_btf/inet_sock_set_state: handshake time (SYN_SENT -> ESTABLISHED measured here; SYN_RECV ->
 *     ESTABLISHED taken from the SYN-ACK round trip the kernel measured into srtt_us), failed
 *     connections (transition to CLOSE with sk_err set), smoothed RTT at close;
 *   - tp_btf/tcp_retransmit_skb: one event per retransmitted segment;
 *   - tp_btf/tcp_rcv_space_adjust: an RTT sample per socket at most every rtt_sample_ns (optional).
 * Events go to the th_events ring buffer (struct lumen_tcp_event).
 */
#include "lumen_common.h"
#include "tcp_health.h"

LUMEN_LICENSE();

#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_SYN_RECV 3
#define TCP_CLOSE 7
#define TCP_LISTEN 10

/* Load-time settings. */
LUMEN_SETTING(__u64, rtt_sample_ns, 10ULL * 1000 * 1000 * 1000);

/* What we know about a socket between its opening and its close. */
struct th_sock {
	__u64 start_ns;   /* SYN_SENT time, 0 once established */
	__u64 last_rtt_ns; /* last RTT sample */
	__u32 pid;
	__u8 direction;
	__u8 _pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct th_sock);
} th_socks SEC(".maps");

LUMEN_RINGBUF(th_events, 256 * 1024);

LUMEN_COUNTERS(th_stats, TH_STAT_MAX);
#define stat_inc(idx) lumen_count(&th_stats, idx)

/* Fills the tuple from the socket; returns false for sockets that are not TCP over IPv4/IPv6. */
static __always_inline bool fill_tuple(struct lumen_tcp_event *e, const struct sock *sk)
{
	__u16 family = sk->__sk_common.skc_family;
	if (family == AF_INET) {
		e->family = 4;
		e->saddr[10] = e->saddr[11] = 0xff;
		e->daddr[10] = e->daddr[11] = 0xff;
		__builtin_memcpy(&e->saddr[12], &sk->__sk_common.skc_rcv_saddr, 4);
		__builtin_memcpy(&e->daddr[12], &sk->__sk_common.skc_daddr, 4);
	} else if (family == AF_INET6) {
		e->family = 6;
		BPF_CORE_READ_INTO(&e->saddr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&e->daddr, sk, __sk_common.skc_v6_daddr);
	} else {
		return false;
	}
	e->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	/* Not skc_num: inet_put_port() zeroes it before the transition to CLOSE is traced; inet_sport stays. */
	e->sport = __builtin_bswap16(BPF_CORE_READ((const struct inet_sock *)sk, inet_sport));
	e->dport = __builtin_bswap16(sk->__sk_common.skc_dport);
	return true;
}

static __always_inline void emit(const struct sock *sk, __u8 type, __u64 value_ns, __u8 state, __s32 err_or_segs,
				 const struct th_sock *s)
{
	struct lumen_tcp_event *e = bpf_ringbuf_reserve(&th_events, sizeof(*e), 0);
	if (!e) {
		stat_inc(TH_STAT_DROPPED);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	if (!fill_tuple(e, sk)) {
		bpf_ringbuf_discard(e, 0);
		return;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->value_ns = value_ns;
	e->type = type;
	e->state = state;
	if (type == TH_EV_RETRANSMIT)
		e->segs = err_or_segs;
	else
		e->err = err_or_segs;
	e->pid = s ? s->pid : 0;
	e->direction = s ? s->direction : TH_DIR_UNKNOWN;
	bpf_ringbuf_submit(e, 0);
	stat_inc(TH_STAT_EVENTS);
}

static __always_inline __u64 srtt_ns(const struct sock *sk)
{
	struct tcp_sock *tp = bpf_skc_to_tcp_sock((void *)sk);
	if (!tp)
		return 0;
	return (__u64)(tp->srtt_us >> 3) * 1000;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(th_set_state, const struct sock *sk, const int oldstate, const int newstate)
{
	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	__u64 key = (__u64)sk;
	__u64 now = bpf_ktime_get_ns();

	if (newstate == TCP_SYN_SENT) {
		/* connect(): process context, so the pid is the socket's owner. */
		struct th_sock s = { .start_ns = now, .pid = bpf_get_current_pid_tgid() >> 32,
				     .direction = TH_DIR_OUTGOING };
		bpf_map_update_elem(&th_socks, &key, &s, BPF_ANY);
		return 0;
	}
	if (newstate == TCP_ESTABLISHED) {
		struct th_sock *s = bpf_map_lookup_elem(&th_socks, &key);
		if (oldstate == TCP_SYN_SENT && s && s->start_ns) {
			emit(sk, TH_EV_CONNECT, now - s->start_ns, oldstate, 0, s);
			s->start_ns = 0;
			s->last_rtt_ns = now;
		} else if (oldstate == TCP_SYN_RECV) {
			/* The child socket is created when the handshake's last ACK arrives, so its own state
			 * history is instantaneous; the kernel measured SYN-ACK -> ACK into srtt_us just before. */
			struct th_sock ns = { .last_rtt_ns = now, .direction = TH_DIR_INCOMING };
			bpf_map_update_elem(&th_socks, &key, &ns, BPF_ANY);
			emit(sk, TH_EV_CONNECT, srtt_ns(sk), oldstate, 0, &ns);
		}
		return 0;
	}
	if (newstate == TCP_CLOSE && oldstate != TCP_LISTEN) {
		struct th_sock *s = bpf_map_lookup_elem(&th_socks, &key);
		int err = sk->sk_err;
		if (err)
			emit(sk, TH_EV_FAILED, 0, oldstate, err, s);
		if (oldstate != TCP_SYN_SENT && oldstate != TCP_SYN_RECV) {
			__u64 rtt = srtt_ns(sk);
			if (rtt)
				emit(sk, TH_EV_RTT, rtt, oldstate, 0, s);
		}
		if (s)
			bpf_map_delete_elem(&th_socks, &key);
	}
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(th_retransmit, const struct sock *sk, const struct sk_buff *skb, int err)
{
	if (err)
		return 0; /* the retransmission did not happen (e.g. local congestion) */
	__u64 key = (__u64)sk;
	struct th_sock *s = bpf_map_lookup_elem(&th_socks, &key);
	/* The tracepoint fires once per (possibly TSO) skb, after it was trimmed to what is sent again:
	 * TCP_SKB_CB(skb)->tcp_gso_segs (skb->cb bytes 8-9) is the number of segments, as RetransSegs counts. */
	__u16 segs = 0;
	bpf_probe_read_kernel(&segs, sizeof(segs), &skb->cb[8]);
	emit(sk, TH_EV_RETRANSMIT, 0, sk->__sk_common.skc_state, segs ? segs : 1, s);
	return 0;
}

SEC("tp_btf/tcp_rcv_space_adjust")
int BPF_PROG(th_rtt_sample, struct sock *sk)
{
	__u64 key = (__u64)sk;
	struct th_sock *s = bpf_map_lookup_elem(&th_socks, &key);
	if (!s)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	if (now - s->last_rtt_ns < rtt_sample_ns)
		return 0;
	s->last_rtt_ns = now;
	__u64 rtt = srtt_ns(sk);
	if (rtt)
		emit(sk, TH_EV_RTT, rtt, sk->__sk_common.skc_state, 0, s);
	return 0;
}
