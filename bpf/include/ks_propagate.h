/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * Context propagation (opt-in: the receiver's context_propagation): a W3C `traceparent` header injected into the
 * outgoing HTTP/1 requests of instrumented processes, with bpf_msg_push_data — no bpf_probe_write_user.
 *
 *  - ks_prop_connect marks the sockets an instrumented process connect()s (SYN_SENT is set in its own context);
 *    ks_prop_sockops (cgroup sock_ops, attached to the root cgroup) puts those among the client TCP sockets that
 *    become ESTABLISHED into ks_sockhash (in softirq the process is unknown, hence the mark). Only those: a socket
 *    can be in one sk_msg program's sockhash only, and sock_ops programs run in attach order, so an agent that
 *    took every socket would keep another agent (or any other sockmap user) from the sockets of its processes;
 *  - ks_prop_msg (sk_msg verdict on ks_sockhash) runs in the writing thread for each message it sends. For
 *    processes in ks_pids it follows the request boundaries of the connection in TCP sequence numbers (per-socket
 *    ks_pstate.next_seq: where the next request starts; a message starts at the socket's write_seq) and, at each
 *    request start, inserts "traceparent: 00-<trace>-<span>-01\r\n" after the request line — unless the header
 *    block already has a traceparent. Only the header's bytes are added, once per request; bodies are never
 *    touched. Sequence numbers, not a count of the bytes seen: after a send that fails half-way (a non-blocking
 *    socket whose buffer filled), tcp_bpf frees the rest and passes the next message without running the program;
 *  - inserted bytes must be sent in the same call: tcp_bpf reports freed bytes, inserted ones included, as not
 *    written, so the application would resend that many bytes twice. A header is therefore inserted only where the
 *    socket's free send buffer surely takes everything up to its end; elsewhere the request passes unchanged
 *    (counted as no_room);
 *  - a connection whose framing it cannot follow (not HTTP/1, a header block past KS_PHEAD_MAX, a chunked request
 *    body, a request start in a message it did not see) is given up: nothing more is injected on it (counted).
 * The ids: ks_tctx.h. Connections established before the agent started, or before their process was instrumented,
 * are not in the sockhash: never injected.
 */
#ifndef LUMEN_KS_PROPAGATE_H
#define LUMEN_KS_PROPAGATE_H

#include "ks_tctx.h"

#define KS_PHEAD_MAX 2048 /* request header block followed, bytes (power of two) */
#define KS_TP_LEN 70      /* "traceparent: 00-" 32 "-" 16 "-01\r\n" */
#define KS_PREQ_MAX 8     /* request starts handled per message */

#define KS_PS_NEW 0   /* no message seen yet: the first one starts a request */
#define KS_PS_FOLLOW 1 /* next_seq is where the next request starts */
#define KS_PS_LOST 2  /* framing lost: pass everything */

/* Slack kept free in the send buffer beyond the bytes up to an inserted header (skb overhead). */
#define KS_ROOM_SLACK 8192

struct ks_pstate {
	__u32 next_seq;
	__u8 mode;
	__u8 has_origin; /* origin_*: the request its thread served when it called connect() (ks_prop_connect) */
	__u8 claimed;    /* connect()ed by an instrumented process: ks_prop_sockops adds it to ks_sockhash */
	__u8 _pad;
	__u64 origin_sk;
	__u32 origin_seq;
	__u32 _pad2;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ks_pstate);
} ks_pstate SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u64);
} ks_sockhash SEC(".maps");

/* Counters (receivers/kernel_socket/counters.ts KS_PROP_COUNTER_SLOTS). */
enum ks_prop_counter {
	KS_PC_INJECTED = 0,  /* traceparent headers inserted */
	KS_PC_PRESENT,       /* requests that already carried a traceparent: left alone */
	KS_PC_GIVEN_UP,      /* connections whose request framing was lost: nothing injected any more */
	KS_PC_PUSH_FAILED,   /* bpf_msg_push_data / pull failed (request passed unchanged) */
	KS_PC_CHUNKED,       /* of those given up: a chunked request body */
	KS_PC_NO_ROOM,       /* requests passed without a header: the send buffer might not take it in this call */
	KS_PC__MAX,
};
LUMEN_COUNTERS(ks_prop_counters, 8);

static __always_inline void ks_pcount(__u32 i)
{
	__u64 *v = bpf_map_lookup_elem(&ks_prop_counters, &i);
	if (v)
		*v += 1; /* per-CPU */
}

/* Scratch of the message being handled (per CPU; sk_msg programs do not nest on a CPU). */
struct ks_pscratch {
	__u8 buf[KS_PHEAD_MAX + 64]; /* the header block (or a server request's capture), + slack for word reads */
	__u8 hdr[KS_TP_LEN + 2];
	__u8 _pad[2];
	/* scan results (bpf_loop callbacks read and write them here, not on the stack) */
	__u32 len;
	__u32 line_end;  /* after the request line's \r\n; 0: not seen */
	__u32 head_end;  /* after the blank line; 0: not seen */
	__u32 has_tp;
	__u32 chunked;
	__u32 _pad3;
	__u32 size;      /* the message's size, injected headers included */
	__s32 room;      /* free send buffer when the message arrived */
	__u32 seq;       /* the TCP sequence number of the message's first byte */
	__u32 sampled;   /* x->t's head-sampling decision (ks_sample.h; 1 when sampling is off) */
	__u64 cl;
	struct ks_tctx t;        /* the ids of the request being handled */
	struct ks_inject_q q;    /* a new queue's initial value */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ks_pscratch);
} ks_pscratch SEC(".maps");

static __always_inline struct ks_pscratch *ks_pscr(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&ks_pscratch, &zero);
}

#define KS_PB(x, i) ((x)->buf[(i) & (KS_PHEAD_MAX - 1)])

static __always_inline __u8 ks_lower(__u8 c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* Does the line at `at` start with the lower-case header name `name` (n bytes, colon included)? */
static __always_inline int ks_pname(struct ks_pscratch *x, __u32 at, const char *name, int n)
{
#pragma unroll
	for (int k = 0; k < 18; k++) {
		if (k >= n)
			break;
		if (ks_lower(KS_PB(x, at + k)) != (__u8)name[k])
			return 0;
	}
	return 1;
}

/* A Content-Length value at `at` (spaces first); 0 when unreadable. */
static __always_inline __u64 ks_pnumber(struct ks_pscratch *x, __u32 at)
{
	__u64 v = 0;
	int digits = 0;
#pragma unroll
	for (int k = 0; k < 24; k++) {
		__u8 c = KS_PB(x, at + k);
		if (c == ' ' && !digits)
			continue;
		if (c < '0' || c > '9')
			break;
		v = v * 10 + (c - '0');
		digits++;
	}
	return v;
}

/* bpf_loop context: the scratch, looked up once per scan rather than once per byte. */
struct ks_pscan {
	struct ks_pscratch *x;
};

/* One byte of the header scan: at each line start look at the header's name; stop after the blank line. */
static long ks_phead_step(__u64 i, struct ks_pscan *sc)
{
	struct ks_pscratch *x = sc->x;
	if (!x || i + 1 >= x->len)
		return 1;
	if (KS_PB(x, i) != '\n')
		return 0;
	if (!x->line_end)
		x->line_end = i + 1;
	__u32 at = i + 1;
	if (KS_PB(x, at) == '\r' && KS_PB(x, at + 1) == '\n') {
		x->head_end = at + 2;
		return 1;
	}
	__u8 c = ks_lower(KS_PB(x, at));
	if (c == 'c' && ks_pname(x, at, "content-length:", 15))
		x->cl = ks_pnumber(x, at + 15);
	else if (c == 't' && ks_pname(x, at, "traceparent:", 12))
		x->has_tp = 1;
	else if (c == 't' && ks_pname(x, at, "transfer-encoding:", 18))
		x->chunked = 1; /* any transfer coding: the body's end is not a byte count */
	return 0;
}

static __always_inline int ks_is_zero8(const __u8 *p)
{
	__u64 v;
	__builtin_memcpy(&v, p, 8);
	return v == 0;
}

/*
 * The ids of the server request (sock, seq) the thread serves, made the first time it calls out (see ks_tctx.h),
 * into x->t as a client request's parent. Global (verified once): 0 when the thread serves no request now.
 */
__noinline int ks_server_ids(__u64 sock, __u32 seq)
{
	struct ks_pscratch *x = ks_pscr();
	struct ks_slot *s = ks_slot_pending(sock, seq);
	if (!x || !s || s->r.role != KS_ROLE_SERVER || s->r.resp_start_ns != 0)
		return 0;
	if (ks_is_zero8(s->r.span_id))
		ks_sample_ids(s, 1);
	__builtin_memcpy(x->t.trace_id, s->r.trace_id, 16);
	__builtin_memcpy(x->t.parent_id, s->r.span_id, 8);
	x->sampled = s->sample != KS_SD_DROP;
	return 1;
}

/*
 * x->t = the ids of a new client request written by the current thread: under the request it serves, or a new
 * trace. The first request of a connection belongs to the request served when connect() was called: on an event
 * loop (Node) other requests may be read before the connection is up and the request written.
 */
static __always_inline void ks_client_ids(struct ks_pscratch *x, struct ks_pstate *st)
{
	__u32 tid = lumen_tid();
	struct ks_tid_req origin = {};
	struct ks_tid_req *t = NULL;
	if (st->has_origin) {
		st->has_origin = 0;
		origin.sk = st->origin_sk;
		origin.seq = st->origin_seq;
		t = &origin;
	} else {
		t = bpf_map_lookup_elem(&ks_tid_server, &tid);
	}
	if (!t || !ks_server_ids(t->sk, t->seq)) {
		ks_rand(x->t.trace_id, 16);
		__builtin_memset(x->t.parent_id, 0, 8);
		x->sampled = ks_sample_decide(x->t.trace_id, 0, 0); /* a new trace: its own root */
	}
	ks_rand(x->t.span_id, 8);
}

static __always_inline __u8 ks_hexdigit(__u32 v)
{
	return v + '0' + (((9 - (int)v) >> 8) & 39); /* branch-free: '0'..'9', then 'a'..'f' */
}

/* x->hdr = "traceparent: 00-<trace>-<span>-<flags>\r\n" of x->t: 01, or 00 when head sampling dropped it */
static __always_inline void ks_tp_header(struct ks_pscratch *x)
{
	struct ks_tctx *t = &x->t;
	__builtin_memcpy(x->hdr, "traceparent: 00-", 16);
#pragma unroll
	for (int k = 0; k < 16; k++) {
		x->hdr[16 + 2 * k] = ks_hexdigit(t->trace_id[k] >> 4);
		x->hdr[17 + 2 * k] = ks_hexdigit(t->trace_id[k] & 15);
	}
	x->hdr[48] = '-';
#pragma unroll
	for (int k = 0; k < 8; k++) {
		x->hdr[49 + 2 * k] = ks_hexdigit(t->span_id[k] >> 4);
		x->hdr[50 + 2 * k] = ks_hexdigit(t->span_id[k] & 15);
	}
	__builtin_memcpy(x->hdr + 65, x->sampled ? "-01\r\n" : "-00\r\n", 5);
}

/* Queues x->t, a request's ids (zero: not injected), for the machine's slot of it (ks_tctx_slot_open). */
static __always_inline void ks_queue_ids(struct sk_msg_md *msg, struct ks_pscratch *x)
{
	struct ks_tctx *t = &x->t;
	__u32 tid = lumen_tid();
	__u16 lport = msg->local_port, rport = bpf_ntohl(msg->remote_port);
	struct ks_inject_q *q = bpf_map_lookup_elem(&ks_tid_inject, &tid);
	if (!q) {
		__builtin_memset(&x->q, 0, sizeof(x->q));
		x->q.lport = lport;
		x->q.rport = rport;
		bpf_map_update_elem(&ks_tid_inject, &tid, &x->q, BPF_ANY);
		q = bpf_map_lookup_elem(&ks_tid_inject, &tid);
		if (!q)
			return;
	}
	if (q->lport != lport || q->rport != rport) {
		q->lport = lport;
		q->rport = rport;
		q->n = 0;
		q->used = 0;
		q->drop = 0;
	}
	__u32 i = q->n;
	if (i >= KS_INJECT_Q)
		return;
	__builtin_memcpy(&q->ctx[i], t, sizeof(*t));
	if (x->sampled)
		q->drop &= ~(1 << i);
	else
		q->drop |= 1 << i;
	q->n = i + 1;
}

/*
 * Handles the request starting at `pos` of the message (x->size bytes now); returns where the next request
 * starts, or 0 to stop for this message. Global (verified once per program, not per loop turn).
 */
__noinline int ks_prop_request(struct sk_msg_md *msg, __u32 pos)
{
	struct ks_pscratch *x = ks_pscr();
	if (!msg || !x)
		return 0;
	struct ks_pstate *st = bpf_sk_storage_get(&ks_pstate, msg->sk, 0, 0);
	if (!st)
		return 0;
	__u32 size = x->size;
	if (pos >= size)
		return 0;
	__u32 n = size - pos;
	if (n > KS_PHEAD_MAX)
		n = KS_PHEAD_MAX;
	if (n < 16 || bpf_msg_pull_data(msg, pos, pos + n, 0)) {
		/* a request line split over messages: framing lost (rare; the common clients write heads whole) */
		st->mode = KS_PS_LOST;
		ks_pcount(KS_PC_GIVEN_UP);
		return 0;
	}
	x->len = n;
	x->line_end = 0;
	x->head_end = 0;
	x->has_tp = 0;
	x->chunked = 0;
	x->cl = 0;
	if (bpf_probe_read_kernel(x->buf, n & (KS_PHEAD_MAX - 1) ? n & (KS_PHEAD_MAX - 1) : KS_PHEAD_MAX, msg->data))
		return 0;
	struct ks_pscan c = { .x = x };
	bpf_loop(KS_PHEAD_MAX, ks_phead_step, &c, 0);
	__u32 le = x->line_end, he = x->head_end;
	/* an HTTP/1 request line: a method in capitals, then "... HTTP/1.x\r\n" */
	__u8 m0 = KS_PB(x, 0);
	if (!he || le < 16 || m0 < 'A' || m0 > 'Z' || KS_PB(x, le - 10) != 'H' || KS_PB(x, le - 6) != '/' ||
	    KS_PB(x, le - 5) != '1' || KS_PB(x, le - 4) != '.') {
		st->mode = KS_PS_LOST;
		ks_pcount(KS_PC_GIVEN_UP);
		return 0;
	}
	__builtin_memset(&x->t, 0, sizeof(x->t));
	x->sampled = 1;
	if (x->has_tp) {
		ks_pcount(KS_PC_PRESENT);
	} else if ((__s64)pos + he + KS_TP_LEN + KS_ROOM_SLACK > x->room) {
		ks_pcount(KS_PC_NO_ROOM);
	} else {
		ks_client_ids(x, st);
		ks_tp_header(x);
		__u32 at = pos + le;
		if (bpf_msg_push_data(msg, at, KS_TP_LEN, 0) || bpf_msg_pull_data(msg, at, at + KS_TP_LEN, 0)) {
			ks_pcount(KS_PC_PUSH_FAILED);
			__builtin_memset(&x->t, 0, sizeof(x->t));
		} else {
			__u8 *d = msg->data, *end = msg->data_end;
			if (d + KS_TP_LEN > end) {
				ks_pcount(KS_PC_PUSH_FAILED); /* cannot happen after a successful pull: the gap stays blank */
				__builtin_memset(&x->t, 0, sizeof(x->t));
			} else {
				__builtin_memcpy(d, x->hdr, KS_TP_LEN);
				ks_pcount(KS_PC_INJECTED);
			}
			size += KS_TP_LEN;
			x->size = size;
			he += KS_TP_LEN;
		}
	}
	ks_queue_ids(msg, x);
	if (x->chunked) {
		st->mode = KS_PS_LOST;
		ks_pcount(KS_PC_GIVEN_UP);
		ks_pcount(KS_PC_CHUNKED);
		return 0;
	}
	__u64 next = (__u64)pos + he + x->cl;
	st->next_seq = x->seq + (__u32)next; /* write_seq counts the inserted bytes too */
	return next < size ? next : 0;
}

SEC("sk_msg")
int ks_prop_msg(struct sk_msg_md *msg)
{
	if (!ks_pid_wanted(lumen_tgid()))
		return SK_PASS;
	struct ks_pstate *st = bpf_sk_storage_get(&ks_pstate, msg->sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	struct ks_pscratch *x = ks_pscr();
	struct tcp_sock *tp = bpf_skc_to_tcp_sock(msg->sk);
	if (!st || !x || !tp || st->mode == KS_PS_LOST)
		return SK_PASS;
	/* nothing else writes to the socket now (its lock is held): earlier messages are all in write_seq */
	__u32 seq = tp->write_seq;
	x->seq = seq;
	x->room = tp->inet_conn.icsk_inet.sk.sk_sndbuf - tp->inet_conn.icsk_inet.sk.sk_wmem_queued;
	if (st->mode == KS_PS_NEW) {
		st->mode = KS_PS_FOLLOW;
		st->next_seq = seq;
	}
	__s32 rel = (__s32)(st->next_seq - seq);
	if (rel < 0) {
		/* the next request started in bytes this program did not see */
		st->mode = KS_PS_LOST;
		ks_pcount(KS_PC_GIVEN_UP);
		return SK_PASS;
	}
	__u32 size = msg->size;
	__u32 pos = rel;
	x->size = size;
	for (int k = 0; k < KS_PREQ_MAX; k++) {
		if (pos >= size)
			break;
		pos = ks_prop_request(msg, pos);
		if (!pos)
			break;
		size = x->size;
	}
	return SK_PASS;
}

/* connect() of an instrumented thread (SYN_SENT is set in its own context): the request it serves now. */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(ks_prop_connect, struct sock *sk, int oldstate, int newstate)
{
	if (newstate != 2 /* TCP_SYN_SENT */ || !ks_pid_wanted(lumen_tgid()))
		return 0;
	struct ks_pstate *st = bpf_sk_storage_get(&ks_pstate, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!st)
		return 0;
	st->claimed = 1;
	__u32 tid = lumen_tid();
	struct ks_tid_req *t = bpf_map_lookup_elem(&ks_tid_server, &tid);
	if (!t)
		return 0;
	st->origin_sk = t->sk;
	st->origin_seq = t->seq;
	st->has_origin = 1;
	return 0;
}

SEC("sockops")
int ks_prop_sockops(struct bpf_sock_ops *skops)
{
	if (skops->op != BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB)
		return 1;
	if (skops->family != 2 /* AF_INET */ && skops->family != 10 /* AF_INET6 */)
		return 1;
	struct bpf_sock *sk = skops->sk;
	if (!sk)
		return 1;
	struct ks_pstate *st = bpf_sk_storage_get(&ks_pstate, sk, 0, 0);
	if (!st || !st->claimed)
		return 1;
	__u64 cookie = bpf_get_socket_cookie(skops);
	bpf_sock_hash_update(skops, &ks_sockhash, &cookie, BPF_NOEXIST);
	return 1;
}

#endif /* LUMEN_KS_PROPAGATE_H */
