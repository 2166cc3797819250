/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * Kernel-side trace context for context propagation (ks_propagate.h injects it into outgoing requests).
 *
 *  - a thread that reads an HTTP/1 server request is "serving" it: ks_tid_server maps the thread to that request's
 *    slot (the machine's own state), valid while the slot is pending and its response has not started;
 *  - the server request's ids are made lazily, the first time the thread writes a client request: the trace id
 *    and parent from a traceparent in the captured request, else a random trace id; a random span id. They are
 *    written into the slot's record, so the server span user space makes carries exactly these ids;
 *  - each injected client request gets the same trace id, a new span id and the server span as parent; the
 *    sk_msg program queues these ids for the writing thread (ks_tid_inject) and the machine takes them, in
 *    order, when it opens the client requests' slots at the end of the same write.
 * Everything here is inert unless the receiver sets ks_propagate.
 */
#ifndef LUMEN_KS_TCTX_H
#define LUMEN_KS_TCTX_H

#include "ks_conn.h"
#include "ks_sample.h"

LUMEN_SETTING(__u32, ks_propagate, 0); /* 1: context_propagation on */

struct ks_tctx {
	__u8 trace_id[16];
	__u8 span_id[8];
	__u8 parent_id[8];
};

/* thread -> the server request it read last (slot key + sequence) */
struct ks_tid_req {
	__u64 sk;
	__u32 seq;
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct ks_tid_req);
} ks_tid_server SEC(".maps");

/* Requests started by the write in progress on a thread, in order (all-zero ctx: not injected). */
#define KS_INJECT_Q 8
struct ks_inject_q {
	__u16 lport; /* the connection, as sk_msg knows it (host byte order) */
	__u16 rport;
	__u8 n;
	__u8 used;
	__u8 drop; /* bit i: request i is not sampled (its injected flags say 00) */
	__u8 _pad;
	struct ks_tctx ctx[KS_INJECT_Q];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct ks_inject_q);
} ks_tid_inject SEC(".maps");

/* Map keys and values of the hooks below, off the stack (the machine's call chain uses all 512 bytes). */
struct ks_tctx_scratch {
	__u32 tid;
	__u32 _pad;
	struct ks_tid_req req;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ks_tctx_scratch);
} ks_tctx_scratch SEC(".maps");

static __always_inline struct ks_tctx_scratch *ks_tctx_scr(void)
{
	__u32 zero = 0;
	struct ks_tctx_scratch *x = bpf_map_lookup_elem(&ks_tctx_scratch, &zero);
	if (x)
		x->tid = lumen_tid();
	return x;
}

/* A request slot was just opened on connection c by the current thread. */
static __always_inline void ks_tctx_slot_open(struct ks_slot *s, struct ks_conn *c, __u64 sk, __u32 seq)
{
	if (!ks_propagate || c->proto != KS_PROTO_HTTP1)
		return;
	struct ks_tctx_scratch *x = ks_tctx_scr();
	if (!x)
		return;
	if (c->role == KS_ROLE_SERVER) {
		x->req.sk = sk;
		x->req.seq = seq;
		bpf_map_update_elem(&ks_tid_server, &x->tid, &x->req, BPF_ANY);
		return;
	}
	struct ks_inject_q *q = bpf_map_lookup_elem(&ks_tid_inject, &x->tid);
	if (!q || q->lport != c->lport || q->rport != c->rport)
		return;
	__u32 i = q->used;
	if (i >= q->n || i >= KS_INJECT_Q)
		return;
	__builtin_memcpy(s->r.trace_id, q->ctx[i].trace_id, sizeof(struct ks_tctx));
	if (s->r.span_id[0]) /* ids given (ks_rand makes byte 0 odd), with their decision */
		s->sample = (q->drop >> i) & 1 ? KS_SD_DROP : KS_SD_KEEP;
	q->used = i + 1;
}

/* The thread's write is over: what sk_msg queued for it has been taken (or was not for a followed request). */
static __always_inline void ks_tctx_write_done(void)
{
	if (!ks_propagate)
		return;
	struct ks_tctx_scratch *x = ks_tctx_scr();
	if (x)
		bpf_map_delete_elem(&ks_tid_inject, &x->tid);
}

#endif /* LUMEN_KS_TCTX_H */
