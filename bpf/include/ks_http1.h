/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * The connection machine's HTTP/1 step, in its phases: a message start (recognise it, open or find its slot),
 * its header block (scan for the framing), its body (Content-Length countdown, chunked end), then the
 * accounting every step shares (bytes, capture, completion). ks_walk_all runs the steps over a call's segments.
 */
#ifndef LUMEN_KS_HTTP1_H
#define LUMEN_KS_HTTP1_H

#include "ks_conn.h"
#include "ks_capture.h"
#include "ks_slots.h"
#include "ks_wire.h"
#include "ks_http2.h"

struct ks_scan_ctx {
	__u32 n;
	__u32 used; /* bytes up to and including the end of the header block, 0 if not reached */
};

/* Words a skip step may pass over in one callback (a header line is 20-50 bytes). */
#define KS_SKIP_WORDS 6
/* Bytes a step may take one by one in one callback ("Content-Length: 1234" CR LF's value, a blank line). */
#define KS_BYTE_RUN 8

/* At a header line's start (H1S_NAME, nothing matched) with >= 8 bytes at pos: decides it from whole words
 * (see h1_scan_line_start). Returns the bytes consumed (0: now skipping) or -1: byte by byte. */
static __always_inline int ks_scan_line_start(struct ks_io *io, struct h1_scan *s, __u32 pos, __u32 n)
{
	KS_OPAQUE(pos);
	pos &= KS_SCAN_MAX - 1;
	__u64 w = *(__u64 *)(io->buf + pos);
	int have2 = pos + 16 <= n;
	__u64 w2 = have2 ? *(__u64 *)(io->buf + ((pos + 8) & (KS_SCAN_MAX - 1))) : 0;
	return h1_scan_line_start(s, w, w2, have2);
}

/*
 * One step of the header scan. Skipping a line's content (a value we do not need, or the request/status
 * line), whole 8-byte words go at once up to the word holding the line's LF; the LF itself goes through
 * h1_scan_byte, and the next line's start is decided from whole words in the same step — so a typical header
 * line costs one callback. Header names that may be Content-Length/Transfer-Encoding, and their values, go
 * byte by byte. The position lives in map memory. Returns 0 to go on, -1 to stop (end of the bytes), or the bytes
 * used up to and including the header block's end.
 */
__noinline int ks_scan_step(__u32 n)
{
	struct ks_io *io = ks_io_get();
	if (!io)
		return -1;
	struct h1_scan *s = &io->scan;
	__u32 pos = io->scan_pos;
	if (pos >= n || pos >= KS_SCAN_MAX)
		return -1;
	if (s->mode == H1S_SKIP || s->mode == H1S_LINE_FIRST) {
		for (int k = 0; k < KS_SKIP_WORDS; k++) { /* a bounded loop: the verifier walks it */
			if (pos + 8 > n)
				break;
			KS_OPAQUE(pos);
			pos &= KS_SCAN_MAX - 1;
			__u64 w = *(__u64 *)(io->buf + pos);
			if (!h1_word_has_lf(w)) {
				h1_scan_skip_word(s, w);
				pos += 8;
				continue;
			}
			__u32 lf = h1_word_first_lf(w);
			if (lf > 0) {
				h1_scan_skip_bytes(s, w, lf);
				pos += lf;
			}
			break;
		}
		if (pos >= n || pos >= KS_SCAN_MAX) {
			io->scan_pos = pos;
			return -1;
		}
	} else if (s->mode == H1S_NAME && s->idx == 0 && s->line_len == 0 && pos + 8 <= n) {
		int r = ks_scan_line_start(io, s, pos, n);
		if (r >= 0) {
			io->scan_pos = pos + r; /* r == 0: the same position again, now skipping */
			return 0;
		}
	}
	/* Byte by byte (a Content-Length or Transfer-Encoding value, a line too short for the word checks, the blank
	 * line): up to KS_BYTE_RUN bytes in this callback, as long as the next callback would take this path too. */
	for (int k = 0; k < KS_BYTE_RUN; k++) {
		KS_OPAQUE(pos);
		pos &= KS_SCAN_MAX - 1;
		__u8 c = io->buf[pos];
		pos++;
		io->scan_pos = pos;
		if (h1_scan_byte(s, c))
			return pos; /* >= 1 */
		if (c == '\n') {
			if (pos + 8 <= n) {
				/* the next line starts here: decide it now rather than in another callback */
				int r = ks_scan_line_start(io, s, pos, n);
				if (r > 0)
					io->scan_pos = pos + r;
			}
			return 0;
		}
		if (pos >= n || pos >= KS_SCAN_MAX || s->mode == H1S_SKIP || s->mode == H1S_LINE_FIRST ||
		    (s->mode == H1S_NAME && s->idx == 0 && s->line_len == 0 && pos + 8 <= n))
			return 0; /* what the next callback starts with is not a byte of this path */
	}
	return 0;
}

/* A global function, verified once on its own rather than inside every step that scans a header block. */
static long ks_scan_cb(__u32 i, void *vctx)
{
	struct ks_scan_ctx *x = vctx;
	int r = ks_scan_step(x->n);
	if (r == 0)
		return 0;
	if (r > 0)
		x->used = r;
	return 1;
}

/* Reads the last min(n, 8) bytes of p[0..n) into the direction's tail window. */
static __always_inline void ks_tail_update(struct ks_dir *d, struct ks_io *io, const __u8 *p, __u64 n)
{
	if (!p || n == 0)
		return;
	__u32 k = n >= 8 ? 8 : (__u32)n;
	__u8 *t = io->peek + 16;
	__builtin_memset(t, 0, 8);
	if (k == 8) {
		if (bpf_probe_read_user(t, 8, p + n - 8))
			return;
	} else if (bpf_probe_read_user(t, k & 7, p)) {
		return;
	}
	d->scan.tail = h1_tail_push(d->scan.tail, t, k);
}

/* A phase's verdict: go on with this step (any other value is what ks_step returns: -1 ends the segment, an
 * offset re-runs from there). */
#define KS_STEP_ON (-2)

/* Which message does a byte of this call belong to? (Unknown role: only a request line can set it.) */
static __always_inline int ks_is_request(struct ks_conn *c, int egress)
{
	if (c->role == KS_ROLE_SERVER)
		return !egress;
	if (c->role == KS_ROLE_CLIENT)
		return egress;
	return 1;
}

/*
 * A request without a slot (past KS_SLOTS pipelined, or ks_slots full; the caller counted why): it is framed
 * like any other so the next message is recognised, and its response too when it comes (ks_response_start),
 * but nothing is emitted. Each lost request is counted once, here.
 */
static __always_inline int ks_request_lost(struct ks_conn *c, struct ks_dir *d, __u8 method, __u32 cl)
{
	if (!c->lost)
		c->lost_at = c->tail;
	c->lost++;
	d->lost = 1;
	d->lost_method = method;
	h1_scan_init(&d->scan);
	d->scan.head_len = cl;
	d->phase = KS_P_HEADERS;
	return KS_STEP_ON;
}

/* Phase 1, a request starts: the previous open response is over, a slot opens (or the request is lost). */
static __always_inline int ks_request_start(struct ks_io *io, struct ks_conn **cp, struct ks_dir **dp, __u8 method,
					    __u32 cl, __u64 msg_ts, __u64 now, struct ks_slot **started)
{
	struct ks_conn *c = *cp;
	struct ks_dir *d = *dp;
	/* A new request while the previous response is still open: that response is over. */
	if (c->head != c->tail && c->resp.phase != KS_P_IDLE) {
		__u32 seq = c->head;
		ks_resp_done(c, io, NULL, seq, KS_REASON_NEXT_REQUEST);
		struct ks_conn_key key = { .sk = io->sk };
		c = bpf_map_lookup_elem(&ks_conns, &key);
		if (!c)
			return -1;
		d = &c->req;
		*cp = c;
		*dp = d;
	}
	if (c->tail - c->head >= KS_SLOTS) {
		ks_count(KS_C_PIPELINE_OVERFLOW);
		return ks_request_lost(c, d, method, cl);
	}
	__u32 seq = c->tail;
	struct ks_slot *s = ks_slot_open(io, c, seq, method, msg_ts, now);
	if (!s)
		return ks_request_lost(c, d, method, cl); /* counted by ks_slot_open */
	if (cl) {
		bpf_probe_read_kernel(s->req, 16, io->peek);
		s->r.req_len = cl < capture_bytes ? cl : capture_bytes;
		s->r.req_bytes = cl;
	}
	c->tail = seq + 1;
	h1_scan_init(&d->scan);
	d->scan.head_len = cl;
	d->phase = KS_P_HEADERS;
	*started = s;
	return KS_STEP_ON;
}

/* Phase 1, a response starts: it answers the oldest pending request. */
static __always_inline int ks_response_start(struct ks_io *io, struct ks_conn *c, struct ks_dir *d, __u16 status,
					     __u32 cl, __u64 msg_ts, __u32 off, struct ks_slot *hint,
					     struct ks_slot **started)
{
	if (c->lost && (c->head == c->lost_at || c->head == c->tail)) {
		/* the answer to a lost request (counted when it was lost): framed, not emitted */
		if (status >= 200)
			c->lost--;
		d->lost = 1;
		d->lost_status = status;
		h1_scan_init(&d->scan);
		d->scan.head_len = cl;
		d->phase = KS_P_HEADERS;
		if (status >= 200 && c->req.phase == KS_P_OPEN)
			c->req.phase = KS_P_IDLE;
		return KS_STEP_ON;
	}
	__u32 seq = c->head;
	struct ks_slot *s = ks_slot_find_hint(io, hint, seq);
	if (!s) {
		/* swept by user space (timeout) or never seen: skip the rest of this message */
		ks_count(KS_C_UNSOLICITED_RESPONSE);
		if (c->head != c->tail)
			c->head++;
		d->phase = KS_P_OPEN;
		return -1;
	}
	if (s->r.status >= 200) {
		/* the previous final response had no framing: it ended where this one starts */
		ks_resp_done(c, io, s, seq, KS_REASON_NEXT_RESPONSE);
		return off; /* re-run this start against the next pending request */
	}
	if (!s->r.resp_start_ns)
		s->r.resp_start_ns = msg_ts;
	else
		s->r.flags |= KS_F_INTERIM;
	s->r.status = status;
	/* capture and count the final response, not an interim 1xx before it */
	s->r.resp_len = 0;
	s->r.resp_head_len = 0;
	s->r.resp_bytes = 0;
	if (cl) {
		bpf_probe_read_kernel(s->resp, 16, io->peek);
		s->r.resp_len = cl < capture_bytes ? cl : capture_bytes;
		s->r.resp_bytes = cl;
	}
	h1_scan_init(&d->scan);
	d->scan.head_len = cl;
	d->phase = KS_P_HEADERS;
	if (status >= 200 && c->req.phase == KS_P_OPEN)
		c->req.phase = KS_P_IDLE; /* the request's unknown rest is over: the server answered */
	*started = s;
	return KS_STEP_ON;
}

/*
 * Phase 1, at a message boundary: recognise a request or response start (bytes carried from a too-short
 * call first), and hand it to the request or response start.
 */
static __always_inline int ks_msg_start(struct ks_io *io, struct ks_conn **cp, struct ks_dir **dp, int is_req, int fresh,
					const __u8 *p, __u64 n, __u32 off, __u64 now, struct ks_slot *hint,
					struct ks_slot **started)
{
	struct ks_conn *c = *cp;
	struct ks_dir *d = *dp;
	int egress = io->egress;
	if (!p)
		return -1; /* sendfile / unread iovecs at a message boundary: nothing to recognise */
	d->lost = 0;
	/* peek: carried bytes + up to 16 new ones */
	__u32 cl = d->carry_len & 15;
	__u32 take = n > 16 - cl ? 16 - cl : (__u32)n;
	if (!cl) {
		/* the common case: the message starts this call; whole words, bytes past `take` unused */
		*(__u64 *)io->peek = *(__u64 *)io->buf;
		*(__u64 *)(io->peek + 8) = *(__u64 *)(io->buf + 8);
	} else {
		__builtin_memset(io->peek, 0, 16);
		bpf_probe_read_kernel(io->peek, cl, d->carry);
		bpf_probe_read_kernel(io->peek + cl, take & 31, io->buf);
	}
	__u32 have = cl + take;
	__u32 mlen = 0;
	int r = is_req ? h1_detect_request(io->peek, have, &mlen) : h1_detect_response(io->peek, have);
	if (r == H1_NEED_MORE && have < 16) {
		if (!cl)
			d->carry_ts = egress ? io->ts_start : now;
		bpf_probe_read_kernel(d->carry, 16, io->peek);
		d->carry_len = have;
		return -1;
	}
	__u64 msg_ts = cl ? d->carry_ts : (egress ? io->ts_start : now);
	d->carry_len = 0;
	if (c->h2_from_start == KS_H2_UPGRADING)
		r = 0; /* the first bytes after a 101: HTTP/2 (h2c), or another protocol (WebSocket…), never HTTP/1 */
	if (r <= 0) {
		/* Data at a message boundary that is not HTTP/1: HTTP/2, or a database or broker client's first bytes? */
		if (c->head == c->tail && ks_h2_adopt(c, io->peek, have, egress, fresh))
			return off; /* the step runs again, as an HTTP/2 connection */
		if (c->h2_from_start == KS_H2_UPGRADING) {
			c->state = KS_CS_NOHTTP;
			return -1;
		}
		if (c->head == c->tail && ks_wire_adopt(c, io->peek, have, egress, fresh))
			return off; /* the step runs again, as a wire connection */
		if (!is_req && c->head == c->tail) {
			ks_count(KS_C_UNSOLICITED_RESPONSE);
			return -1;
		}
		ks_count(KS_C_NON_HTTP);
		c->nonhttp++;
		if ((fresh && c->head == c->tail) || c->nonhttp > 16) {
			c->state = KS_CS_NOHTTP;
			ks_count(KS_C_CONN_NON_HTTP);
		}
		return -1;
	}
	if (c->role == 0)
		c->role = egress ? KS_ROLE_CLIENT : KS_ROLE_SERVER;
	if (is_req)
		return ks_request_start(io, cp, dp, r, cl, msg_ts, now, started);
	return ks_response_start(io, c, d, r, cl, msg_ts, off, hint, started);
}

/*
 * Phase 2, in a header block: scan up to KS_SCAN_MAX bytes of io->buf for its end; at the end, the framing
 * (Content-Length, chunked, no-body status, HEAD) decides the next phase and is noted in r (the slot's record,
 * or the sink of a lost message). *used: bytes of this message consumed. Returns 1 when the response is complete.
 */
static __always_inline int ks_msg_headers(struct ks_io *io, struct ks_dir *d, struct ks_record *r, int is_req,
					  const __u8 *p, __u32 m, __u64 *used)
{
	if (!p) {
		d->phase = KS_P_OPEN;
		r->flags |= is_req ? KS_F_REQ_HEAD_TRUNCATED : KS_F_RESP_HEAD_TRUNCATED;
		return 0;
	}
	if (m > KS_SCAN_MAX)
		m = KS_SCAN_MAX;
	struct ks_scan_ctx x = { .n = m, .used = 0 };
	__builtin_memcpy(&io->scan, &d->scan, sizeof(io->scan));
	io->scan_pos = 0;
	bpf_loop(m, ks_scan_cb, &x, 0);
	__builtin_memcpy(&d->scan, &io->scan, sizeof(io->scan));
	*used = x.used ? x.used : m;
	if (!x.used) {
		if (d->scan.head_len > max_head_bytes) {
			ks_count(KS_C_HEAD_TRUNCATED);
			r->flags |= is_req ? KS_F_REQ_HEAD_TRUNCATED : KS_F_RESP_HEAD_TRUNCATED;
			d->phase = KS_P_OPEN;
		}
		return 0;
	}
	/* end of the header block */
	__u8 hf = d->scan.flags;
	__s64 clen = (hf & H1F_HAS_CL) && !(hf & H1F_BAD_CL) ? (__s64)d->scan.content_length : -1;
	if (is_req) {
		r->req_head_len = d->scan.head_len;
		r->req_content_length = clen;
		if (hf & H1F_CHUNKED) {
			r->flags |= KS_F_REQ_CHUNKED;
			d->phase = KS_P_CHUNKED;
		} else if (clen > 0) {
			d->left = clen;
			d->phase = KS_P_BODY;
		} else {
			d->phase = KS_P_IDLE;
		}
		return 0;
	}
	r->resp_head_len = d->scan.head_len;
	r->resp_content_length = clen;
	int st = r->status;
	if (st < 200 && st != 101) {
		d->phase = KS_P_IDLE; /* interim: the final response follows */
	} else if (st == 101 || h1_status_has_no_body(st) || r->method == H1_M_HEAD) {
		return 1;
	} else if (hf & H1F_CHUNKED) {
		r->flags |= KS_F_RESP_CHUNKED;
		d->phase = KS_P_CHUNKED;
	} else if (clen >= 0) {
		d->left = clen;
		d->phase = KS_P_BODY;
		if (clen == 0)
			return 1;
	} else {
		d->phase = KS_P_OPEN;
	}
	return 0;
}

/* The search for a header block's end in io->buf[0..io->find_m), 8 words per callback; its state in map memory. */
static long ks_find_cb(__u32 i, void *vctx)
{
	struct ks_io *io = ((struct ks_at *)vctx)->io;
	for (int k = 0; k < 8; k++) {
		__u32 off = io->scan_pos;
		__u32 m = io->find_m;
		if (off >= m || off >= KS_SCAN_MAX)
			return 1;
		KS_OPAQUE(off);
		off &= (KS_SCAN_MAX - 1) & ~7;
		int r = h1_head_end_in_word(off, *(__u64 *)(io->buf + off), *(__u64 *)(io->buf + off + 1),
					    *(__u64 *)(io->buf + off + 2));
		if (r) {
			io->find_end = r < 0 || (__u32)r > m ? 0 : r; /* past m: bytes of an older call */
			return 1;
		}
		io->scan_pos = off + 8;
	}
	return 0;
}

/* The header block's length when it ends inside io->buf[0..m) (m: bytes of a message start read there), else 0.
 * The step's own ks_at is the loop's context (no more stack: the machine's call chain is near the limit). */
static __always_inline __u32 ks_find_head_end(struct ks_at *at, __u32 m)
{
	struct ks_io *io = at->io;
	io->scan_pos = 0;
	io->find_m = m;
	io->find_end = 0;
	bpf_loop(KS_SCAN_MAX / 64, ks_find_cb, at, 0);
	return io->find_end;
}

/*
 * Phase 2 the lean way, for a server's response to its only pending request: the header block's end from a
 * word-wise search for the blank line (ks_find_head_end), no header scan. The response then ends where the next
 * request, the close or the sweeper's short idle (KS_F_RESP_OPEN) says — what its Content-Length would have
 * said, at the same write: end_ns and resp_bytes follow every write, and user space needs only the head's
 * length. Not when other requests wait (pipelined, or lost past the slots): their answers may follow in the same
 * write. Returns -1 when it does not apply (the exact scan runs), else as ks_msg_headers.
 */
static __noinline int ks_lean_headers(struct ks_at *at, struct ks_conn *c, struct ks_record *r, __u32 m, __u64 *used)
{
	struct ks_dir *d = &c->resp;
	if (!lean_responses || c->role != KS_ROLE_SERVER || c->tail - c->head != 1 || c->lost || d->scan.head_len != 0 ||
	    r->status < 200 || r->status == 101)
		return -1;
	__u32 hl = ks_find_head_end(at, m);
	if (!hl)
		return -1;
	d->scan.head_len = hl;
	r->resp_head_len = hl;
	if (h1_status_has_no_body(r->status) || r->method == H1_M_HEAD) {
		*used = hl;
		return 1;
	}
	r->flags |= KS_F_RESP_OPEN;
	d->phase = KS_P_OPEN;
	*used = at->n;
	return 0;
}

/* Phase 3, in a body: a Content-Length countdown or a chunked body's end. Returns 1 when the response is complete. */
static __always_inline int ks_msg_body(struct ks_io *io, struct ks_dir *d, int is_req, const __u8 *p, __u64 n, __u64 *used)
{
	if (d->phase == KS_P_BODY) {
		*used = ks_min(d->left, n);
		d->left -= *used;
		if (d->left != 0)
			return 0;
	} else if (d->phase == KS_P_CHUNKED) {
		ks_tail_update(d, io, p, n);
		if (!h1_tail_is_chunk_end(d->scan.tail))
			return 0;
	} else {
		return 0; /* KS_P_OPEN: until the next message, close or the sweeper */
	}
	if (is_req) {
		d->phase = KS_P_IDLE;
		return 0;
	}
	return 1;
}

/*
 * A step of a message without a slot (d->lost: a lost request, its answer, or a request body read after its
 * response was emitted): the header and body phases run on the per-CPU sink record, only to know where the
 * message ends; nothing is captured, counted or emitted. io->buf holds the m bytes ks_step read. Global
 * (verified once, on its own): scalars in, scalar out.
 */
__noinline int ks_step_lost(__u32 seg, __u32 off, __u32 m)
{
	struct ks_at at;
	if (!ks_step_at(seg, off, &at))
		return -1;
	struct ks_io *io = at.io;
	struct ks_conn *c = at.c;
	const __u8 *p = at.p;
	__u64 n = at.n;
	seg = at.seg;
	int is_req = ks_is_request(c, io->egress);
	struct ks_dir *d = is_req ? &c->req : &c->resp;
	struct ks_record *r = &io->sink;
	r->status = is_req ? 0 : d->lost_status;
	r->method = c->req.lost_method;
	__u64 used = n;
	int complete = d->phase == KS_P_HEADERS ? ks_msg_headers(io, d, r, is_req, p, m, &used)
						: ks_msg_body(io, d, is_req, p, n, &used);
	if (complete) {
		d->phase = KS_P_IDLE;
		d->carry_len = 0;
		if (r->status == 101) {
			c->state = KS_CS_NOHTTP;
			return -1;
		}
	}
	if (used >= n)
		return -1;
	return off + used;
}

/*
 * The part of a step that works on its message's slot s (found or opened by ks_step): the header block, the body,
 * the byte counts, the capture; io->msg_done says the response is complete (ks_step emits it: the emission's call
 * chain is deep, this frame is not on it). io->buf holds the m bytes ks_step read. Global (verified once): the slot
 * arrives as a map value or as the walk's pointer (hint) alike, so what follows is verified once.
 */
__noinline int ks_msg_step(struct ks_conn *conn, struct ks_slot *s, __u32 seg, __u32 off, __u32 m)
{
	struct ks_at at;
	if (!conn || !s || !ks_step_at_conn(conn, seg, off, &at))
		return -1;
	struct ks_io *io = at.io;
	struct ks_conn *c = at.c;
	const __u8 *p = at.p;
	__u64 n = at.n;
	__u64 now = io->ts_end;
	int is_req = ks_is_request(c, io->egress);
	struct ks_dir *d = is_req ? &c->req : &c->resp;
	s->r.last_ns = now;
	if (!is_req)
		s->r.end_ns = now;

	__u64 used = n;
	int complete = is_req || d->phase != KS_P_HEADERS || !p ? -1 : ks_lean_headers(&at, c, &s->r, m, &used);
	if (complete < 0)
		complete = d->phase == KS_P_HEADERS ? ks_msg_headers(io, d, &s->r, is_req, p, m, &used)
						    : ks_msg_body(io, d, is_req, p, n, &used);
	if (used > n)
		used = n;
	if (is_req)
		s->r.req_bytes += used;
	else
		s->r.resp_bytes += used;
	if (io->sendfile && !p && !is_req)
		s->r.flags |= KS_F_SENDFILE;
	ks_capture(io, s, !is_req, p, (__u32)ks_min(used, 0xffff), m > 0);
	io->msg_done = complete;
	if (used >= n)
		return -1;
	return off + used;
}

/*
 * One step over segment `seg` from byte `off`: recognises a message start, scans a header block window,
 * or accounts body bytes. Returns the new offset; >= the segment length ends the segment.
 * Global (verified once): the call's connection (looked up by the walk: once per call on its direct path), a slot
 * the walk found for a response's bytes (hint, or NULL: see ks_walk_all) and scalars in, scalar out. Nothing in a call deletes or replaces its connection's entry (only the lifecycle hooks
 * do, once the socket is gone), so the walk's pointer stays the connection's for the whole call.
 */
__noinline int ks_step(struct ks_conn *conn, struct ks_slot *hint, __u32 seg, __u32 off)
{
	struct ks_at at;
	if (!conn || !ks_step_at_conn(conn, seg, off, &at))
		return -1;
	struct ks_io *io = at.io;
	struct ks_conn *c = at.c;
	const __u8 *p = at.p;
	__u64 n = at.n;
	seg = at.seg;
	if (c->proto) {
		/* adopted (ks_h2_adopt, ks_wire_adopt): the walk re-runs this step there (ks_step_any), as it does
		 * every later step of the call — not from here, which would deepen the call chain's stack */
		io->proto = c->proto;
		return off;
	}
	__u64 now = io->ts_end;
	int is_req = ks_is_request(c, io->egress);
	struct ks_dir *d = is_req ? &c->req : &c->resp;
	int fresh = c->fresh;
	c->fresh = 0;

	/* The bytes a message start or a header block needs are read from user memory once, into io->buf:
	 * recognition, the header scan and the capture all use that copy. */
	__u32 m = 0;
	if (p && (d->phase == KS_P_IDLE || d->phase == KS_P_HEADERS)) {
		m = n > KS_SCAN_MAX ? KS_SCAN_MAX : (__u32)n;
		if (m > KS_SCAN_MAX)
			m = KS_SCAN_MAX;
		if (bpf_probe_read_user(io->buf, m, p)) {
			ks_count(KS_C_READ_FAULT);
			if (d->phase == KS_P_HEADERS)
				d->phase = KS_P_OPEN;
			return -1;
		}
	}

	struct ks_slot *started = NULL; /* the slot a message start below opened or found: not looked up twice */
	if (d->phase == KS_P_IDLE) {
		int v = ks_msg_start(io, &c, &d, is_req, fresh, p, n, off, now, hint, &started);
		if (v != KS_STEP_ON)
			return v;
	}
	if (d->lost)
		return ks_step_lost(seg, off, m);

	/* The slot this message belongs to. */
	__u32 seq = is_req ? c->tail - 1 : c->head;
	struct ks_slot *s = started;
	if (!s && c->head != c->tail)
		s = ks_slot_find_hint(io, hint, seq);
	if (!s) {
		if (is_req && (d->phase == KS_P_BODY || d->phase == KS_P_CHUNKED)) {
			/* a body read after its request was answered and emitted (a server that replied first, e.g. 413
			 * or 401): followed to its end, so the next request is recognised */
			d->lost = 1;
			d->lost_method = 0;
			return ks_step_lost(seg, off, m);
		}
		/* an open response the sweeper took (idle): its later bytes are still its own, until the next request */
		if (!is_req && d->phase == KS_P_OPEN)
			return -1;
		d->phase = KS_P_IDLE;
		return -1;
	}
	io->msg_done = 0;
	int next = ks_msg_step(c, s, seg, off, m);
	if (io->msg_done) {
		int upgraded = s->r.status == 101;
		ks_resp_done(c, io, s, s->r.seq, KS_REASON_COMPLETE);
		if (upgraded)
			ks_h2_upgrading(c); /* the bytes after the 101 in this call (a server's SETTINGS) start the new protocol */
	}
	return next;
}

/* A step of the call's connection, by the protocol the hook noted (io->proto): HTTP/2 and wire connections go
 * to their own steps (which look the connection up themselves); HTTP/1 steps take c, the caller's look-up (NULL:
 * not followed). */
static __always_inline int ks_step_any(struct ks_io *io, struct ks_conn *c, struct ks_slot *hint, __u32 seg, __u32 off)
{
	if (io->proto == KS_PROTO_HTTP2)
		return ks_h2_step(seg, off);
	if (io->proto)
		return ks_wire_step(seg, off);
	if (!c)
		return -1;
	return ks_step(c, hint, seg, off);
}

struct ks_walk {
	__u32 seg;
	__u32 off;
	__u32 nseg;
};

static long ks_walk_cb(__u32 i, void *vctx)
{
	struct ks_walk *w = vctx;
	if (w->seg >= w->nseg || w->seg >= KS_MAX_SEGS)
		return 1;
	struct ks_io *io = ks_io_get();
	if (!io)
		return 1;
	__u32 seg = w->seg;
	__u64 len = io->seg[seg & (KS_MAX_SEGS - 1)].len;
	int next = ks_step_any(io, io->proto ? NULL : ks_io_conn(io), NULL, seg, w->off);
	if (next < 0 || (__u64)next >= len) {
		w->seg = seg + 1;
		w->off = 0;
	} else {
		w->off = next;
	}
	return 0;
}

/* Reads the next unread iovecs (io->iov_ptr) into io->seg; returns how many segments it filled. A global
 * function: its loop is verified once, not once per state of the HTTP/2 walk around it. */
__noinline int ks_iov_refill(void)
{
	struct ks_io *io = ks_io_get();
	if (!io)
		return 0;
	__u32 n = 0;
	__u64 left = io->iov_left;
	__u32 next = io->iov_next;
	const struct iovec *iov = (const struct iovec *)io->iov_ptr;
	for (int i = 0; i < KS_MAX_SEGS; i++) {
		if (next >= io->iov_cnt || left == 0)
			break;
		struct iovec v = {};
		if (bpf_probe_read_user(&v, sizeof(v), &iov[next]))
			break;
		next++;
		__u64 l = v.iov_len < left ? v.iov_len : left;
		if (l == 0)
			continue;
		io->seg[n & (KS_MAX_SEGS - 1)].base = (__u64)v.iov_base;
		io->seg[n & (KS_MAX_SEGS - 1)].len = l;
		n++;
		left -= l;
	}
	io->iov_next = next;
	io->iov_left = left;
	if (!left || next >= io->iov_cnt || !n)
		io->iov_ptr = 0;
	return n;
}

/* The HTTP/2 walk past the machine's first KS_MAX_STEPS: the same steps, and iovecs past io->seg in turns. */
static long ks_h2_walk_cb(__u32 i, void *vctx)
{
	struct ks_walk *w = vctx;
	struct ks_io *io = ks_io_get();
	if (!io)
		return 1;
	if (w->seg >= w->nseg) {
		if (!io->iov_ptr)
			return 1;
		w->nseg = ks_iov_refill();
		io->nseg = w->nseg;
		w->seg = 0;
		w->off = 0;
		if (!w->nseg)
			return 1;
	}
	return ks_walk_cb(i, vctx);
}

/* Runs the message machine over every segment of io. A call of one or two segments whose steps each consume their
 * segment (the common cases: a request read, a response write, nginx's headers + body writev) makes those steps
 * directly, with one connection look-up for the call (none when the caller passes its own: c, a followed
 * connection's entry, or NULL) and without bpf_loop. */
static __always_inline void ks_walk_all(struct ks_io *io, struct ks_conn *c)
{
	io->wire_counted = 0;
	__u32 nseg = io->nseg;
	__u32 seg = 0, off = 0;
	io->h2_open = 0;
	io->h2_seen = 0;
	if (walk_direct && nseg && nseg <= 2) {
		if (!c && !io->proto)
			c = ks_io_conn(io);
		/* a response's bytes belong to the oldest pending request: its slot is found once here for both steps
		 * and the emission (otherwise one ks_slots look-up each) */
		struct ks_slot *hint = NULL;
		if (c && !io->proto && c->head != c->tail && !ks_is_request(c, io->egress))
			hint = ks_slot_find(io, c->head);
		int next = ks_step_any(io, c, hint, 0, 0);
		if (next < 0 || (__u64)next >= io->seg[0].len) {
			seg = 1;
			if (nseg == 2) {
				/* an adoption in the first step (io->proto) sends this one to the new protocol's step */
				next = ks_step_any(io, c, hint, 1, 0);
				if (next < 0 || (__u64)next >= io->seg[1].len)
					seg = 2;
			}
		}
		if (seg == nseg) {
			if (io->h2_open)
				ks_h2_flush(io);
			return;
		}
		off = next;
	}
	struct ks_walk w = { .seg = seg, .off = off, .nseg = nseg };
	bpf_loop(KS_MAX_STEPS, ks_walk_cb, &w, 0);
	if (io->h2_seen && (w.seg < nseg || io->iov_ptr)) {
		/* HTTP/2 frames are small and many per call (1000 streams' HEADERS in one write, an iovec each) */
		bpf_loop(KS_H2_STEPS, ks_h2_walk_cb, &w, 0);
		if (w.seg < w.nseg || io->iov_ptr) {
			struct ks_conn_key key = { .sk = io->sk };
			struct ks_conn *c = bpf_map_lookup_elem(&ks_conns, &key);
			if (c && c->state == KS_CS_TCP)
				ks_h2_lost(io, c);
		}
	}
	if (io->h2_open)
		ks_h2_flush(io);
}

#endif /* LUMEN_KS_HTTP1_H */
