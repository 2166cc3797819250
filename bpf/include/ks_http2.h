/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * The connection machine's HTTP/2 (and so gRPC): multiplexed and stateful (HPACK), so the kernel does not
 * pair requests and responses; it recognises an HTTP/2 connection and forwards its frames to user space, where
 * src/protocols/http2 decodes them (both receivers, one parser).
 *
 *  - recognised at a message boundary of a connection HTTP/1 did not claim: the client preface
 *    ("PRI * HTTP/2.0\r\n", written by a client, read by a server; cleartext prior knowledge, or TLS with
 *    ALPN h2 as tls_uprobe sees it), or, on a connection whose first bytes we missed (it predates the agent or
 *    its process's instrumentation), a plausible first frame header (SETTINGS, HEADERS, WINDOW_UPDATE, PING,
 *    RST_STREAM, each with its length rules);
 *  - per direction (ks_dir, its HTTP/1 fields reused: `left` = payload bytes of the current frame to come,
 *    `phase` = 1 when they are kept, `carry` = a frame header split across calls), every frame header is
 *    forwarded; the payloads of HEADERS, CONTINUATION, PUSH_PROMISE, RST_STREAM, SETTINGS and GOAWAY up to
 *    KS_H2_KEEP_MAX bytes (longer: header only; user space applies the same rule); DATA as its header only;
 *  - one socket call's frames become one or more records (proto KS_PROTO_HTTP2, reason KS_REASON_CHUNK,
 *    KS_F_H2_EGRESS for writes) of up to KS_CAPTURE_MAX bytes; seq numbers the connection's emitted records
 *    (user space sees a lost one, not an empty call); req_content_length = kept payload bytes that continue a
 *    frame begun in an earlier record (where the first frame header is, after a loss); method = 1 when capture
 *    began with the preface (2: after an h2c Upgrade);
 *    the connection's end is a KS_REASON_CLOSE record.
 *  - h2c by HTTP/1.1 Upgrade: the HTTP/1 machine emits the upgrade request with its 101 and marks the connection
 *    KS_H2_UPGRADING (ks_h2_upgrading); the bytes after the 101 (the server's SETTINGS, the client preface) are
 *    adopted as HTTP/2 with complete tables, anything else gives the connection up as before.
 *  - a writev of more iovecs than io->seg holds is walked in turns (ks_iov_refill: nghttp2 writes a frame per
 *    iovec); a call that leaves the frame walk unsure of where frames are (more than KS_H2_STEPS steps, bytes
 *    not readable at a frame boundary) ends the connection's capture (counted, KS_C_H2_LOST, a close record).
 */
#ifndef LUMEN_KS_HTTP2_H
#define LUMEN_KS_HTTP2_H

#include "ks_conn.h"
#include "ks_capture.h"
#include "ks_slots.h"

LUMEN_SETTING(__u32, h2_enabled, 1);

#define KS_H2_KEEP_MAX 16384 /* src/protocols/http2/frames.ts KEEP_MAX */
#define KS_H2_STEPS 8192     /* frame steps per call beyond the machine's own KS_MAX_STEPS */
#define KS_H2_PREFACE_LEN 24
/* ks_conn.h2_from_start beyond 0/1/2: an HTTP/1 connection whose request was answered 101 (h2c Upgrade): its
 * next bytes are HTTP/2 (adopted) or it is given up; once adopted, complete tables from the first frame, and
 * stream 1 is the upgrade request (records say method 2) */
#define KS_H2_UPGRADING 3
#define KS_H2_UPGRADED 4

#define H2_DATA 0
#define H2_HEADERS 1
#define H2_PRIORITY 2
#define H2_RST_STREAM 3
#define H2_SETTINGS 4
#define H2_PUSH_PROMISE 5
#define H2_PING 6
#define H2_GOAWAY 7
#define H2_WINDOW_UPDATE 8
#define H2_CONTINUATION 9

static __always_inline int ks_h2_kept(__u8 type, __u32 len)
{
	if (len > KS_H2_KEEP_MAX)
		return 0;
	return type == H2_HEADERS || type == H2_CONTINUATION || type == H2_PUSH_PROMISE || type == H2_RST_STREAM ||
	       type == H2_SETTINGS || type == H2_GOAWAY;
}

/* "PRI * HTTP/2.0\r\n": the first 16 bytes of the client preface (the peek window). */
static __always_inline int ks_h2_preface(const __u8 *b, __u32 n)
{
	return n >= 16 && b[0] == 'P' && b[1] == 'R' && b[2] == 'I' && b[3] == ' ' && b[4] == '*' && b[5] == ' ' &&
	       b[6] == 'H' && b[7] == 'T' && b[8] == 'T' && b[9] == 'P' && b[10] == '/' && b[11] == '2' &&
	       b[12] == '.' && b[13] == '0' && b[14] == '\r' && b[15] == '\n';
}

/* A frame header a peer could send first on a connection we join mid-way (strict: few false positives). */
static __always_inline int ks_h2_frame_plausible(const __u8 *b, __u32 n)
{
	if (n < 9 || (b[5] & 0x80))
		return 0;
	__u32 len = ((__u32)b[0] << 16) | ((__u32)b[1] << 8) | b[2];
	__u8 type = b[3], flags = b[4];
	__u32 sid = ((__u32)(b[5] & 0x7f) << 24) | ((__u32)b[6] << 16) | ((__u32)b[7] << 8) | b[8];
	switch (type) {
	case H2_SETTINGS:
		return sid == 0 && (flags & ~1) == 0 && len % 6 == 0 && len <= 60 && (!(flags & 1) || len == 0);
	case H2_HEADERS:
		return sid != 0 && len > 0 && len <= 16384 && (flags & ~0x2d) == 0;
	case H2_WINDOW_UPDATE:
	case H2_RST_STREAM:
		return len == 4 && flags == 0 && (type == H2_WINDOW_UPDATE || sid != 0);
	case H2_PING:
		return len == 8 && sid == 0 && (flags & ~1) == 0;
	default:
		return 0;
	}
}

/* Makes c an HTTP/2 connection when its bytes at a message boundary (b[0..n), the peek) say so. */
static __always_inline int ks_h2_adopt(struct ks_conn *c, const __u8 *b, __u32 n, int egress, int fresh)
{
	if (!h2_enabled)
		return 0;
	int preface = ks_h2_preface(b, n);
	/* a fresh connection too: its process may have been instrumented after it connected (Go dials early) */
	if (!preface && !ks_h2_frame_plausible(b, n))
		return 0;
	c->proto = KS_PROTO_HTTP2;
	if (preface && !c->role)
		c->role = egress ? KS_ROLE_CLIENT : KS_ROLE_SERVER;
	c->nonhttp = 0;
	c->head = 0;
	c->tail = 0;
	c->req.left = 0;
	c->req.phase = 0;
	c->req.carry_len = 0;
	c->resp.left = 0;
	c->resp.phase = 0;
	c->resp.carry_len = 0;
	/* 1: the preface was seen (the capture has the connection from its first frame); 2: a fresh connection
	 * that began with a frame (a server's SETTINGS written before it read the preface): 1 once the preface
	 * comes; 0: joined mid-way */
	c->h2_from_start = c->h2_from_start == KS_H2_UPGRADING ? KS_H2_UPGRADED : preface ? 1 : fresh ? 2 : 0;
	if (preface) {
		/* the preface is not a frame: skipped */
		struct ks_dir *d = egress ? &c->req : &c->resp;
		d->left = KS_H2_PREFACE_LEN;
	}
	ks_count(KS_C_H2_CONNS);
	return 1;
}

/* The request on c was answered 101 Switching Protocols: HTTP/2 may follow (h2c), or another protocol. */
static __always_inline void ks_h2_upgrading(struct ks_conn *c)
{
	if (h2_enabled)
		c->h2_from_start = KS_H2_UPGRADING;
	else
		c->state = KS_CS_NOHTTP;
}

/* Opens the call's record in ks_out: header from the connection, no bytes yet. */
static __always_inline void ks_h2_begin(struct ks_io *io, struct ks_conn *c, struct ks_dir *d, struct ks_out *o)
{
	__builtin_memset(&o->r, 0, sizeof(o->r));
	o->r.start_ns = io->ts_start;
	o->r.end_ns = io->ts_end;
	o->r.last_ns = io->ts_end;
	o->r.req_content_length = d->phase ? d->left : 0;
	o->r.resp_content_length = -1;
	ks_record_conn(&o->r, c);
	o->r.tgid = io->tgid;
	o->r.fd = io->fd;
	/* the number is taken with the record's first byte (ks_h2_step): a call with nothing kept (the preface
	 * alone, the rest of a DATA payload) is not emitted and must leave no gap */
	o->r.seq = c->tail;
	ks_record_tid(&o->r); /* the thread of this call: a stream's spans get the thread of the call that ends it */
	o->r.reason = KS_REASON_CHUNK;
	o->r.flags = io->egress ? KS_F_H2_EGRESS : 0;
	o->r.proto = KS_PROTO_HTTP2;
	/* 1: the connection's frames from its first (HPACK tables complete); 2: the same after an h2c Upgrade */
	o->r.method = c->h2_from_start == 1 ? 1 : c->h2_from_start == KS_H2_UPGRADED ? 2 : 0;
	io->h2_len = 0;
	io->h2_open = 1;
}

/* Emits the call's record so far (if it has bytes) and closes it. */
static __always_inline void ks_h2_flush(struct ks_io *io)
{
	struct ks_out *o = ks_out_get();
	__u32 len = io->h2_len;
	io->h2_open = 0;
	if (!o || !len)
		return;
	if (len > KS_CAPTURE_MAX)
		len = KS_CAPTURE_MAX;
	o->r.req_len = len;
	if (lumen_rb_output(&ks_events, o, KS_RECORD_HEADER_SIZE + len))
		ks_count(KS_C_RINGBUF_DROPS);
	else
		ks_count(KS_C_RECORDS);
}

/* The frame walk cannot tell where frames are any more: the connection is no longer followed. */
static __always_inline void ks_h2_lost(struct ks_io *io, struct ks_conn *c)
{
	io->h2_open = 0; /* what this call assembled is dropped with the rest */
	ks_count(KS_C_H2_LOST);
	ks_conn_close_record(c, KS_REASON_CLOSE);
	c->state = KS_CS_NOHTTP;
}

/*
 * One step over segment `seg` of an HTTP/2 connection from byte `off`: the rest of the current frame's payload
 * (kept: copied into the record; else counted past), or the next frame header. Returns the new offset (< 0 or
 * >= the segment length: segment done). Global (verified once): scalars in, scalar out.
 */
__noinline int ks_h2_step(__u32 seg, __u32 off)
{
	struct ks_at at;
	struct ks_out *o = ks_out_get();
	if (!o || !ks_step_at(seg, off, &at))
		return -1;
	struct ks_io *io = at.io;
	struct ks_conn *c = at.c;
	const __u8 *p = at.p;
	__u64 n = at.n;
	if (c->proto != KS_PROTO_HTTP2)
		return -1;
	io->h2_seen = 1;
	struct ks_dir *d = io->egress ? &c->req : &c->resp;
	if (!io->h2_open || io->h2_len >= KS_CAPTURE_MAX) {
		if (io->h2_open)
			ks_h2_flush(io);
		ks_h2_begin(io, c, d, o);
	}
	if (d->left) {
		__u64 k = d->left < n ? d->left : n;
		if (d->phase) {
			if (!p) {
				ks_h2_lost(io, c);
				return -1;
			}
			__u32 have = io->h2_len, room = KS_CAPTURE_MAX - have;
			if (k > room)
				k = room;
			__u32 fault = 0;
			__u32 got = ks_copy_user(io, o->data, have, (__u32)k, p, &fault);
			if (fault || got != k) {
				ks_count(KS_C_READ_FAULT);
				ks_h2_lost(io, c);
				return -1;
			}
			if (!have)
				c->tail++; /* the record's first byte: its seq is taken */
			io->h2_len = have + got;
		}
		d->left -= k;
		return k < n ? (int)(off + k) : -1;
	}
	if (!p) {
		ks_h2_lost(io, c); /* a frame header in bytes we cannot read (sendfile, iovecs past KS_MAX_SEGS) */
		return -1;
	}
	__u32 cl = d->carry_len;
	if (cl > 8)
		cl = 8;
	if (cl + n < 9) {
		/* a frame header split across calls: kept until the rest comes */
		__u32 k = (__u32)n & 7;
		if (k && bpf_probe_read_user(d->carry + cl, k, p))
			ks_count(KS_C_READ_FAULT);
		d->carry_len = cl + k;
		return -1;
	}
	__u32 need = 9 - cl; /* 1..9 */
	if (cl)
		bpf_probe_read_kernel(io->peek, 8, d->carry);
	if (need < 1 || need > 9 || bpf_probe_read_user(io->peek + cl, need, p)) {
		ks_count(KS_C_READ_FAULT);
		ks_h2_lost(io, c);
		return -1;
	}
	d->carry_len = 0;
	if (io->peek[0] == 'P' && io->peek[1] == 'R' && io->peek[2] == 'I' && io->peek[3] == ' ' && io->peek[4] == '*' &&
	    io->peek[5] == ' ' && io->peek[6] == 'H' && io->peek[7] == 'T' && io->peek[8] == 'T') {
		/* the client preface after the server's first frames: not a frame, skipped */
		d->left = KS_H2_PREFACE_LEN - 9;
		d->phase = 0;
		if (c->h2_from_start == 2)
			c->h2_from_start = 1;
		return need < n ? (int)(off + need) : -1;
	}
	if (io->h2_len > KS_CAPTURE_MAX - 9) {
		ks_h2_flush(io);
		ks_h2_begin(io, c, d, o);
	}
	__u32 pos = io->h2_len & (KS_CAPTURE_MAX - 1);
	if (pos > KS_CAPTURE_MAX - 9)
		return -1;
	bpf_probe_read_kernel(o->data + pos, 9, io->peek);
	if (!pos)
		c->tail++;
	io->h2_len = pos + 9;
	__u32 len = ((__u32)io->peek[0] << 16) | ((__u32)io->peek[1] << 8) | io->peek[2];
	d->left = len;
	d->phase = ks_h2_kept(io->peek[3], len);
	return need < n ? (int)(off + need) : -1;
}

#endif /* LUMEN_KS_HTTP2_H */
