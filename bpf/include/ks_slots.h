/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * The connection machine's request slots (ks_slots: up to KS_SLOTS pending requests per connection, in order)
 * and their emission as ring-buffer records: a response done, a connection's end.
 */
#ifndef LUMEN_KS_SLOTS_H
#define LUMEN_KS_SLOTS_H

#include "ks_conn.h"
#include "ks_tctx.h"
#include "ks_sample.h"
#include "ks_agg.h"

/* The slot of pending request `seq` on connection sock, or NULL when it is free or holds another request. */
static __always_inline struct ks_slot *ks_slot_pending(__u64 sock, __u32 seq)
{
	struct ks_slot_key sk = { .sk = sock, .slot = seq & (KS_SLOTS - 1) };
	struct ks_slot *s = bpf_map_lookup_elem(&ks_slots, &sk);
	if (!s || s->r.start_ns == 0 || s->r.seq != seq)
		return NULL;
	return s;
}

/* The per-CPU record being assembled. */
static __always_inline struct ks_out *ks_out_get(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&ks_out_scratch, &zero);
}

/*
 * Emits the pending request of slot s (a ks_slots entry the caller found pending, or NULL) as one ring-buffer
 * record and frees the slot. at_close (a constant): the connection ended (ks_conn_end) — the request is not
 * aggregated (a fallback, counted unfit: the exact path), so the lifecycle programs do not verify the
 * aggregation's code again (with kernel sampling beside it that doubled their verification).
 */
static __always_inline int ks_emit_as(struct ks_slot *s, __u32 reason, const int at_close)
{
	if (!s || s->r.start_ns == 0)
		return 0;
	/* metrics consumers: a request that fits a kernel series is counted there (ks_agg.h); with no traces
	 * pipeline beside them (no kernel sampling) it is not sent at all */
	int aggregated = 0;
	if (ks_aggregate && !at_close)
		aggregated = ks_agg_take(s);
	else if (ks_aggregate && s->r.proto == KS_PROTO_HTTP1)
		ks_count(KS_C_AGG_UNFIT);
	if (aggregated && !ks_sample) {
		s->r.start_ns = 0;
		return 1;
	}
	/* traces pipelines that sample: an unsampled request sends no record — unless the aggregation left it to
	 * the ring (the metrics pipelines need it; the sampling processor drops it by the same rule) */
	int sampled_out = 0;
	if (ks_sample && s->r.proto == KS_PROTO_HTTP1)
		sampled_out = !ks_sample_keep(s);
	if (sampled_out && (aggregated || !ks_aggregate)) {
		s->r.start_ns = 0;
		return 1;
	}
	/* The record is written straight from the slot into the ring (no staging copy): the slot's own header, its
	 * reason and capture lengths set for this record first (the slot is freed right after). */
	__u32 rl = s->r.req_len, ql = s->r.resp_len;
	if (rl > KS_CAPTURE_MAX)
		rl = KS_CAPTURE_MAX;
	if (ql > KS_CAPTURE_MAX)
		ql = KS_CAPTURE_MAX;
	/* already counted in a kernel series: its span is for the traces pipelines only; sampled out: for the metrics
	 * only (its span says flags 00) */
	s->r.reason = reason | (aggregated ? KS_REASON_AGGREGATED : 0) | (sampled_out ? KS_REASON_SAMPLED_OUT : 0);
	s->r.req_len = rl;
	s->r.resp_len = ql;
	struct bpf_dynptr rec;
	if (bench_cut == KS_CUT_NO_RECORD) {
		s->r.start_ns = 0;
		return 1;
	}
	if (bpf_ringbuf_reserve_dynptr(&ks_events, KS_RECORD_HEADER_SIZE + rl + ql, 0, &rec)) {
		bpf_ringbuf_discard_dynptr(&rec, 0);
		ks_count(KS_C_RINGBUF_DROPS);
	} else if (bench_cut == KS_CUT_DISCARD) {
		bpf_ringbuf_discard_dynptr(&rec, BPF_RB_NO_WAKEUP);
	} else {
		bpf_dynptr_write(&rec, 0, &s->r, KS_RECORD_HEADER_SIZE, 0);
		if (rl)
			bpf_dynptr_write(&rec, KS_RECORD_HEADER_SIZE, s->req, rl, 0);
		if (ql)
			bpf_dynptr_write(&rec, KS_RECORD_HEADER_SIZE + rl, s->resp, ql, 0);
		bpf_ringbuf_submit_dynptr(&rec, lumen_rb_flags(&ks_events));
		ks_count(KS_C_RECORDS);
	}
	s->r.start_ns = 0; /* free: the slot stays allocated for the connection's next request */
	return 1;
}

/* Global (verified once per program): the caller's pointer saves a ks_slots look-up per request. */
__noinline int ks_emit(struct ks_slot *s, __u32 reason)
{
	return ks_emit_as(s, reason, 0);
}

/* The request of a connection that ended (ks_conn_end): see ks_emit_as. */
__noinline int ks_emit_closed(struct ks_slot *s)
{
	return ks_emit_as(s, KS_REASON_CLOSE, 1);
}

/* A record's connection fields (socket, addresses, ports, family, role) from its connection. */
static __always_inline void ks_record_conn(struct ks_record *r, struct ks_conn *c)
{
	r->sk = c->sk;
	__builtin_memcpy(r->laddr, c->laddr, 16);
	__builtin_memcpy(r->raddr, c->raddr, 16);
	r->lport = c->lport;
	r->rport = c->rport;
	r->family = c->family;
	r->role = c->role;
}

/* A fresh record of connection c: nothing seen yet but its start, no Content-Length. */
static __always_inline void ks_record_init(struct ks_record *r, struct ks_conn *c, __u32 tgid, __s32 fd, __u32 seq,
					   __u64 start_ns, __u64 now)
{
	__builtin_memset(r, 0, sizeof(*r));
	r->start_ns = start_ns;
	r->last_ns = now;
	r->req_content_length = -1;
	r->resp_content_length = -1;
	ks_record_conn(r, c);
	r->tgid = tgid;
	r->fd = fd;
	r->seq = seq;
}

/* The thread running now (that started the request) into the record, little-endian in 3 bytes. */
static __always_inline void ks_record_tid(struct ks_record *r)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	r->tid[0] = tid;
	r->tid[1] = tid >> 8;
	r->tid[2] = tid >> 16;
}

/*
 * A header-only record saying connection c ended (or is no longer followed): for protocols whose state lives
 * in user space (HTTP/2 streams), which has no slot to flush.
 */
static __always_inline void ks_conn_close_record(struct ks_conn *c, __u32 reason)
{
	struct ks_out *o = ks_out_get();
	if (!o)
		return;
	__u64 now = bpf_ktime_get_ns();
	ks_record_init(&o->r, c, c->tgid, -1, c->tail, now, now);
	o->r.end_ns = now;
	o->r.reason = reason;
	o->r.proto = c->proto;
	if (lumen_rb_output(&ks_events, o, KS_RECORD_HEADER_SIZE))
		ks_count(KS_C_RINGBUF_DROPS);
	else
		ks_count(KS_C_RECORDS);
}

/* Emits or drops everything pending on a connection that ends, then forgets it. */
__noinline int ks_conn_end(__u64 sock)
{
	struct ks_conn_key key = { .sk = sock };
	struct ks_conn *c = bpf_map_lookup_elem(&ks_conns, &key);
	if (!c)
		return 0;
	if (c->proto == KS_PROTO_HTTP2 && c->state == KS_CS_TCP)
		ks_conn_close_record(c, KS_REASON_CLOSE);
	if (c->had_slots) {
		__u32 head = c->head, tail = c->tail;
		for (int i = 0; i < KS_SLOTS; i++) {
			__u32 seq = head + i;
			if (seq >= tail)
				break;
			struct ks_slot_key sk = { .sk = sock, .slot = seq & (KS_SLOTS - 1) };
			struct ks_slot *s = bpf_map_lookup_elem(&ks_slots, &sk);
			if (!s || s->r.start_ns == 0 || s->r.seq != seq)
				continue;
			if (s->r.resp_start_ns) {
				ks_emit_closed(s);
			} else if (s->r.req_head_len) {
				ks_count(KS_C_CLOSED_NO_RESPONSE);
				ks_emit_closed(s);
			} else {
				ks_count(KS_C_CLOSED_INCOMPLETE);
			}
		}
		for (int i = 0; i < KS_SLOTS; i++) {
			struct ks_slot_key sk = { .sk = sock, .slot = i };
			bpf_map_delete_elem(&ks_slots, &sk);
		}
	}
	bpf_map_delete_elem(&ks_conns, &key);
	return 1;
}

static __always_inline __u64 ks_min(__u64 a, __u64 b)
{
	return a < b ? a : b;
}

/*
 * Response finished: emit it and move the queue on. s: the pending slot of `seq` when the caller holds it, else
 * NULL (looked up here). The connection is looked up again by the caller.
 */
static __always_inline void ks_resp_done(struct ks_conn *c, struct ks_io *io, struct ks_slot *s, __u32 seq, __u32 reason)
{
	c->resp.phase = KS_P_IDLE;
	c->resp.carry_len = 0;
	c->head = seq + 1;
	if (c->head >= c->tail) {
		c->head = 0;
		c->tail = 0;
		c->lost_at = 0; /* lost requests still unanswered are next in line */
	}
	ks_emit(s ? s : ks_slot_pending(io->sk, seq), reason);
}


/*
 * Opens the slot of request `seq` on connection c (allocated on the connection's first request, reused after),
 * its record header filled from the connection. NULL (counted) when ks_slots is full.
 */
static __always_inline struct ks_slot *ks_slot_open(struct ks_io *io, struct ks_conn *c, __u32 seq, __u8 method, __u64 start_ns, __u64 now)
{
	struct ks_slot_key sk = { .sk = io->sk, .slot = seq & (KS_SLOTS - 1) };
	struct ks_slot *s = bpf_map_lookup_elem(&ks_slots, &sk);
	if (!s) {
		__u32 zero = 0;
		struct ks_out *tmpl = bpf_map_lookup_elem(&ks_out_scratch, &zero);
		if (!tmpl || bpf_map_update_elem(&ks_slots, &sk, tmpl, BPF_ANY)) {
			ks_count(KS_C_SLOT_ALLOC_FAIL);
			return NULL;
		}
		s = bpf_map_lookup_elem(&ks_slots, &sk);
		if (!s)
			return NULL;
	}
	c->had_slots = 1;
	ks_record_init(&s->r, c, io->tgid, io->fd, seq, start_ns, now);
	s->r.method = method;
	ks_record_tid(&s->r);
	if (c->role == KS_ROLE_CLIENT) {
		__u64 *at = bpf_map_lookup_elem(&ks_connect_at, &io->sk);
		if (at) {
			s->r.connect_ns = *at;
			bpf_map_delete_elem(&ks_connect_at, &io->sk);
		}
	}
	s->sample = KS_SD_UNDECIDED;
	ks_tctx_slot_open(s, c, io->sk, seq);
	return s;
}

/* The pending slot of request `seq` on the connection of io, or NULL when it was swept or never opened. */
static __always_inline struct ks_slot *ks_slot_find(struct ks_io *io, __u32 seq)
{
	return ks_slot_pending(io->sk, seq);
}

/* ks_slot_find without the look-up when `hint` (a slot of this connection the walk found, or NULL) holds `seq`:
 * an entry only ever holds the sequence numbers of its own index, and stays allocated for the whole call. */
static __always_inline struct ks_slot *ks_slot_find_hint(struct ks_io *io, struct ks_slot *hint, __u32 seq)
{
	if (hint && hint->r.start_ns && hint->r.seq == seq)
		return hint;
	return ks_slot_pending(io->sk, seq);
}

#endif /* LUMEN_KS_SLOTS_H */
