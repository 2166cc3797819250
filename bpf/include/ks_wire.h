/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * The connection machine's wire protocols (databases, brokers): PostgreSQL, MySQL/MariaDB, Redis, memcached,
 * Kafka. A client connection is recognised by the content of its first bytes (wire/<protocol>.h), never by
 * port; from then on it is captured as exchanges — a burst of client writes (one or many pipelined commands)
 * and the server's answer — each one ring-buffer record (struct ks_record, proto set) holding the first
 * <protocol>_capture_bytes of both directions. The next client write after an answer ends the exchange (so
 * does PostgreSQL's ReadyForQuery, the close, or the user-space sweeper after a short idle); TypeScript splits
 * an exchange into operations and pairs them in order (src/protocols/<protocol>). Only client connections:
 * servers' ends are not followed.
 */
#ifndef LUMEN_KS_WIRE_H
#define LUMEN_KS_WIRE_H

#include "ks_conn.h"
#include "ks_capture.h"
#include "ks_slots.h"
#include "wire/postgres.h"
#include "wire/mysql.h"
#include "wire/redis.h"
#include "wire/memcached.h"
#include "wire/kafka.h"

/* Bit (1 << KS_PROTO_x) per wire protocol recognised; all by default. */
LUMEN_SETTING(__u32, wire_protocols, (1 << KS_PROTO_POSTGRES) | (1 << KS_PROTO_MYSQL) | (1 << KS_PROTO_REDIS) |
					     (1 << KS_PROTO_MEMCACHED) | (1 << KS_PROTO_KAFKA));
/* Bytes kept of each exchange's requests and of its answers, per protocol (<= KS_CAPTURE_MAX). */
LUMEN_SETTING(__u32, postgres_capture_bytes, 1024);
LUMEN_SETTING(__u32, mysql_capture_bytes, 1024);
LUMEN_SETTING(__u32, redis_capture_bytes, 1024);
LUMEN_SETTING(__u32, memcached_capture_bytes, 512);
LUMEN_SETTING(__u32, kafka_capture_bytes, 1024);
/* Protocols whose exchanges are streamed past the capture in chunk records (a Redis pipeline of 1000 commands
 * in one write), and at most how many chunks an exchange emits: cost only for the traffic that needs it. */
LUMEN_SETTING(__u32, wire_chunked, 1 << KS_PROTO_REDIS);
LUMEN_SETTING(__u32, wire_max_chunks, 64);

static __always_inline int ks_wire_on(__u32 proto)
{
	return (wire_protocols >> proto) & 1;
}

static __always_inline __u32 ks_wire_cap(__u8 proto)
{
	__u32 cap = proto == KS_PROTO_POSTGRES ? postgres_capture_bytes
		  : proto == KS_PROTO_MYSQL ? mysql_capture_bytes
		  : proto == KS_PROTO_REDIS ? redis_capture_bytes
		  : proto == KS_PROTO_MEMCACHED ? memcached_capture_bytes
		  : kafka_capture_bytes;
	return cap > KS_CAPTURE_MAX ? KS_CAPTURE_MAX : cap;
}

/*
 * At a message boundary where HTTP/1 was not recognised (b[0..n): the peek window): is this a client's first
 * bytes of a wire protocol? Client writes, or (MySQL, whose server speaks first) a fresh client connection's
 * first read. Returns the protocol, or 0.
 */
static __always_inline __u8 ks_wire_detect(struct ks_conn *c, const __u8 *b, __u32 n, int egress, int fresh)
{
	if (c->role == KS_ROLE_SERVER)
		return 0;
	if (!egress) {
		if (c->role == KS_ROLE_CLIENT && fresh && ks_wire_on(KS_PROTO_MYSQL) && wire_mysql_greeting(b, n))
			return KS_PROTO_MYSQL;
		return 0;
	}
	if (ks_wire_on(KS_PROTO_POSTGRES) && wire_pg_detect(b, n))
		return KS_PROTO_POSTGRES;
	if (ks_wire_on(KS_PROTO_REDIS) && wire_redis_detect(b, n))
		return KS_PROTO_REDIS;
	if (ks_wire_on(KS_PROTO_MEMCACHED) && wire_memcached_detect(b, n))
		return KS_PROTO_MEMCACHED;
	if (ks_wire_on(KS_PROTO_MYSQL) && wire_mysql_command(b, n))
		return KS_PROTO_MYSQL;
	if (ks_wire_on(KS_PROTO_KAFKA) && wire_kafka_detect(b, n))
		return KS_PROTO_KAFKA;
	return 0;
}

/* Makes c a wire connection when its first bytes say so (the caller re-runs the step). */
static __always_inline int ks_wire_adopt(struct ks_conn *c, const __u8 *b, __u32 n, int egress, int fresh)
{
	if (!wire_protocols)
		return 0;
	__u8 proto = ks_wire_detect(c, b, n, egress, fresh);
	if (!proto)
		return 0;
	c->proto = proto;
	c->role = KS_ROLE_CLIENT;
	c->nonhttp = 0;
	ks_count(KS_C_WIRE_CONNS);
	return 1;
}

/* Appends up to cap bytes of p[0..n) to a slot's request or response capture. */
static __always_inline void ks_wire_capture(struct ks_io *io, struct ks_slot *s, int resp, const __u8 *p, __u64 n, __u32 cap)
{
	__u32 have = resp ? s->r.resp_len : s->r.req_len;
	if (!p || n == 0 || have >= cap)
		return;
	__u32 k = cap - have;
	if (k > n)
		k = n;
	ks_capture_append(io, s, resp, p, k, have);
}

/*
 * Emits one direction's full capture of the pending exchange `seq` as a KS_REASON_CHUNK record and empties it,
 * so the exchange's next bytes are captured too (user space joins the chunks). The slot stays pending; its
 * status field counts the chunks (wire records have no status of their own). Global: scalars only.
 */
__noinline int ks_wire_chunk(__u64 sock, __u32 seq, __u32 resp)
{
	struct ks_slot *s = ks_slot_pending(sock, seq);
	struct ks_out *o = ks_out_get();
	if (!s || !o)
		return 0;
	__builtin_memcpy(&o->r, &s->r, sizeof(o->r));
	o->r.reason = KS_REASON_CHUNK;
	__u32 len = resp ? s->r.resp_len : s->r.req_len;
	if (len > KS_CAPTURE_MAX)
		len = KS_CAPTURE_MAX;
	o->r.req_len = resp ? 0 : len;
	o->r.resp_len = resp ? len : 0;
	if (len)
		bpf_probe_read_kernel(o->data, len, resp ? s->resp : s->req);
	if (resp)
		s->r.resp_len = 0;
	else
		s->r.req_len = 0;
	s->r.status++;
	if (lumen_rb_output(&ks_events, o, KS_RECORD_HEADER_SIZE + len))
		ks_count(KS_C_RINGBUF_DROPS);
	else
		ks_count(KS_C_RECORDS);
	return 1;
}

/*
 * Takes up to n bytes of one direction into the exchange's capture; returns how many this step consumed. A
 * chunked protocol's full capture is emitted as a chunk first, and a step takes only what fits, so the walker
 * comes back for the rest; otherwise (or past wire_max_chunks) the bytes beyond the capture are not kept
 * (ks_wire_count counts them).
 */
static __always_inline __u64 ks_wire_take(struct ks_io *io, struct ks_slot *s, __u32 seq, int resp, const __u8 *p, __u64 n, __u32 cap)
{
	int chunked = ((wire_chunked >> s->r.proto) & 1) && s->r.status < wire_max_chunks;
	__u32 have = resp ? s->r.resp_len : s->r.req_len;
	if (chunked && have >= cap && p) {
		ks_wire_chunk(io->sk, seq, resp);
		have = 0;
	}
	__u64 k = n;
	if (chunked && have < cap && n > cap - have)
		k = cap - have;
	ks_wire_capture(io, s, resp, p, k, cap);
	return k;
}

/* Counts a segment's bytes in the exchange once, on its first step (the walker's step budget may end before
 * the segment does: the bytes still count, and the parser knows the capture was cut). */
static __always_inline void ks_wire_count(struct ks_io *io, struct ks_slot *s, __u32 seg, int resp, __u64 n)
{
	__u32 bit = 1u << (seg & (KS_MAX_SEGS - 1));
	if (io->wire_counted & bit)
		return;
	io->wire_counted |= bit;
	if (resp)
		s->r.resp_bytes += n;
	else
		s->r.req_bytes += n;
}

/* A PostgreSQL answer of one byte to an SSLRequest: 'S' means TLS follows (seen by tls_uprobe, not here). */
static __always_inline int ks_wire_pg_tls(struct ks_slot *s, __u64 n)
{
	return n == 1 && s->r.req_bytes == 8 && s->r.resp_len == 1 && s->resp[0] == 'S';
}

/*
 * One call's segment of a wire connection: a client write opens an exchange (ending the previous one if it
 * was answered) or extends it; a read is its answer. Global (verified once): scalars in, scalar out.
 */
__noinline int ks_wire_step(__u32 seg, __u32 off)
{
	struct ks_at at;
	if (!ks_step_at(seg, off, &at))
		return -1;
	struct ks_io *io = at.io;
	struct ks_conn *c = at.c;
	const __u8 *p = at.p;
	__u64 n = at.n;
	seg = at.seg;
	if (!c->proto)
		return -1;
	struct ks_conn_key key = { .sk = io->sk };
	__u64 now = io->ts_end;
	__u32 cap = ks_wire_cap(c->proto);
	struct ks_slot *s = NULL;
	if (c->head != c->tail) {
		s = ks_slot_find(io, c->head);
		if (!s) {
			/* taken by the sweeper */
			c->head = 0;
			c->tail = 0;
		}
	}
	if (io->egress) {
		if (s && s->r.resp_start_ns) {
			ks_resp_done(c, io, s, c->head, KS_REASON_NEXT_REQUEST);
			c = bpf_map_lookup_elem(&ks_conns, &key);
			if (!c)
				return -1;
			s = NULL;
		}
		if (!s) {
			__u32 seq = c->tail;
			s = ks_slot_open(io, c, seq, 0, io->ts_start, now);
			if (!s)
				return -1;
			s->r.proto = c->proto;
			c->tail = seq + 1;
		}
		s->r.req_head_len = 1; /* a request is there: a close without an answer still reports it */
		s->r.last_ns = now;
		ks_wire_count(io, s, seg, 0, n);
		__u64 k = ks_wire_take(io, s, s->r.seq, 0, p, n, cap);
		return k < n ? off + k : -1;
	}
	if (!s) {
		ks_count(KS_C_UNSOLICITED_RESPONSE); /* MySQL's greeting, PostgreSQL notifications */
		return -1;
	}
	if (!s->r.resp_start_ns)
		s->r.resp_start_ns = now;
	s->r.end_ns = now;
	s->r.last_ns = now;
	ks_wire_count(io, s, seg, 1, n);
	__u64 k = ks_wire_take(io, s, s->r.seq, 1, p, n, cap);
	if (k < n)
		return off + k;
	if (c->proto != KS_PROTO_POSTGRES)
		return -1;
	if (ks_wire_pg_tls(s, n)) {
		s->r.start_ns = 0; /* the slot is free again; nothing to report */
		c->head = 0;
		c->tail = 0;
		c->state = KS_CS_NOHTTP;
		return -1;
	}
	__u8 *t = io->peek + 16;
	if (p && n >= 6 && !bpf_probe_read_user(t, 6, p + n - 6) && wire_pg_ready(t))
		ks_resp_done(c, io, s, c->head, KS_REASON_COMPLETE);
	return -1;
}

#endif /* LUMEN_KS_WIRE_H */
