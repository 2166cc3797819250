/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * Kernel-side RED aggregation (ks_aggregate = 1: the receiver's spans feed only metrics pipelines whose work this
 * can reproduce, see receivers/kernel_socket/aggregation-plan.ts). A finished HTTP/1 request is added to a per-CPU
 * series (ks_agg) instead of becoming a ring record: a count and the duration, request- and response-body-size
 * histograms in the exporters' own buckets (ks_agg_bounds, written by the agent). The series key holds what the
 * exact path's series depend on: process, role, the port server.port comes from, status, and a template hash of
 * the request line (method, path with id segments collapsed and the query cut, version) and its Host values. One
 * sample request head per template (ks_agg_tmpl) lets the agent rebuild the span the exact path would have made,
 * and run it through the pipeline's own processors (the routes processor names the route from its path).
 * Anything that does not fit (no Host or request-line end in the capture, a status the exact path treats apart,
 * the series or template budget full) goes to the ring as before, counted.
 */
#ifndef LUMEN_KS_AGG_H
#define LUMEN_KS_AGG_H

#include "ks_conn.h"

LUMEN_SETTING(__u8, ks_aggregate, 0);
/* Collapse all-digit path segments (/users/123 -> /users/#). Off when the routes processor would tell them apart
 * (declared literal numeric segments, unmatched: path / low-cardinality): then the template is the whole path. */
LUMEN_SETTING(__u8, ks_agg_collapse_ids, 1);

/* Request-head bytes a template is computed from and kept as its sample: the request line and the Host header
 * must lie within them (and within the capture). */
#define KS_AGG_SAMPLE 512
#define KS_AGG_BUCKETS 16 /* bounds per histogram at most; buckets = bounds + 1 */

struct ks_agg_key {
	__u32 tgid;
	__u16 port;   /* server: the local port; client: the peer's (server.port either way) */
	__u16 status;
	__u64 tmpl;   /* template hash (ks_agg_template) */
	__u8 role;
	__u8 _pad[7];
};

struct ks_agg_hist {
	__u64 sum; /* ns or bytes */
	__u64 b[KS_AGG_BUCKETS + 1];
};

struct ks_agg_val {
	__u64 count;
	struct ks_agg_hist h[3]; /* duration (ns), request body, response body (bytes) */
};

/* Upper-inclusive bucket bounds per histogram (value <= bound[i] -> bucket i), as integers the agent derived from
 * the exporters' float bounds (the same verdicts as the exact path's float compare); n[i] bounds used. */
struct ks_agg_bounds {
	__s64 bound[3][KS_AGG_BUCKETS];
	__u32 n[3];
	__u32 _pad;
};

struct ks_agg_sample {
	__u32 len;
	__u32 _pad;
	__u8 data[KS_AGG_SAMPLE];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1); /* sized by the receiver when it aggregates (the series budget) */
	__type(key, struct ks_agg_key);
	__type(value, struct ks_agg_val);
} ks_agg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* the template budget */
	__type(key, __u64);
	__type(value, struct ks_agg_sample);
} ks_agg_tmpl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ks_agg_bounds);
} ks_agg_bounds SEC(".maps");

/* Per-CPU working memory: the emission point is deep in the machine's call chain, its stack nearly used up. */
struct ks_tmpl_walk {
	__u32 n;
	__u8 state;
	__u8 digits;     /* the path segment so far is all digits (and not empty) */
	__u8 name_at;    /* bytes of "host:" matched at a header line's start */
	__u8 host_seen;
	__u8 line_end;   /* the request line ended */
	__u8 done;       /* the header block ended */
	__u8 _pad[2];
	__u64 h;         /* hash committed up to the current path segment */
	__u64 seg;       /* h extended with the segment's bytes */
};

struct ks_agg_scratch {
	struct ks_tmpl_walk w;
	struct ks_agg_key key;
	struct ks_agg_val zero; /* a new series' first value */
	struct ks_agg_sample sample;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ks_agg_scratch);
} ks_agg_scratch SEC(".maps");

#define KS_FNV_PRIME 0x100000001b3ULL
#define KS_FNV_BASIS 0xcbf29ce484222325ULL

/* Request-line and header states of the template walk. */
enum { KS_T_METHOD, KS_T_PATH, KS_T_QUERY, KS_T_VERSION, KS_T_LINE, KS_T_NAME, KS_T_SKIP, KS_T_HOST };

static __always_inline __u64 ks_fnv(__u64 h, __u8 c)
{
	return (h ^ c) * KS_FNV_PRIME;
}

/* The end of a path segment: an all-digit one hashes as one marker when ids collapse, any other as its bytes. */
static __always_inline void ks_tmpl_seg_end(struct ks_tmpl_walk *w)
{
	w->h = w->digits && ks_agg_collapse_ids ? ks_fnv(w->h, 0x01) : w->seg;
	w->seg = w->h;
	w->digits = 0;
}

/* The walk's loop context (on the stack: pointers into maps keep their type there, not in map memory). */
struct ks_tmpl_ctx {
	struct ks_tmpl_walk *w;
	const __u8 *req; /* the slot's request capture */
};

/*
 * One byte of the walk (1: the walk is over): the method and version hash as they are; the path hashes segment by
 * segment up to '?' (the query is skipped, it is not part of a route); header lines are skipped except Host, whose
 * value hashes (every Host line: a request with two is never merged with one with either alone).
 */
static __always_inline int ks_tmpl_byte(struct ks_tmpl_walk *w, __u8 c)
{
	switch (w->state) {
	case KS_T_METHOD:
		w->seg = w->h = ks_fnv(w->h, c);
		if (c == ' ')
			w->state = KS_T_PATH;
		return 0;
	case KS_T_PATH:
		if (c == '/' || c == '?' || c == ' ') {
			ks_tmpl_seg_end(w);
			w->seg = w->h = ks_fnv(w->h, c);
			w->state = c == '?' ? KS_T_QUERY : c == ' ' ? KS_T_VERSION : KS_T_PATH;
			return 0;
		}
		if (c == '\r' || c == '\n')
			return 1; /* no version: not the exact path's request line */
		if (w->seg == w->h)
			w->digits = 1; /* the segment's first byte */
		if (c < '0' || c > '9')
			w->digits = 0;
		w->seg = ks_fnv(w->seg, c);
		return 0;
	case KS_T_QUERY:
		if (c == ' ')
			w->state = KS_T_VERSION;
		return 0;
	case KS_T_VERSION:
		if (c == '\n') {
			w->line_end = 1;
			w->state = KS_T_LINE;
		} else if (c != '\r') {
			w->h = ks_fnv(w->h, c);
		}
		return 0;
	case KS_T_LINE:
		if (c == '\n') {
			w->done = 1;
			return 1;
		}
		if (c == '\r')
			return 0;
		w->name_at = 0;
		w->state = KS_T_NAME;
		/* fall through: this byte starts the name */
	case KS_T_NAME: {
		__u8 want = w->name_at == 0 ? 'h' : w->name_at == 1 ? 'o' : w->name_at == 2 ? 's' : w->name_at == 3 ? 't' : ':';
		if ((c >= 'A' && c <= 'Z' ? c + 32 : c) == want) {
			if (++w->name_at == 5) {
				w->host_seen = 1;
				w->h = ks_fnv(w->h, '\n');
				w->state = KS_T_HOST;
			}
			return 0;
		}
		w->state = c == '\n' ? KS_T_LINE : KS_T_SKIP;
		return 0;
	}
	case KS_T_SKIP:
		if (c == '\n')
			w->state = KS_T_LINE;
		return 0;
	case KS_T_HOST:
		if (c == '\n')
			w->state = KS_T_LINE;
		else if (c != '\r')
			w->h = ks_fnv(w->h, c);
		return 0;
	}
	return 1;
}

/* Bytes walked per callback: the callback's own cost (the call, the context's loads) once per word, not per byte. */
#define KS_TMPL_BYTES 8

static long ks_tmpl_cb(__u32 i, void *vctx)
{
	struct ks_tmpl_ctx *cx = vctx;
	struct ks_tmpl_walk *w = cx->w;
	__u32 n = w->n;
	__u32 at0 = i * KS_TMPL_BYTES;
	if (at0 + 8 <= n && (w->state == KS_T_SKIP || w->state == KS_T_QUERY)) {
		/* a header line other than Host, or the query: only an LF (resp. a space) changes the state, so 8 bytes
		 * without one go at once (a browser's request is mostly such lines) */
		__u64 word = *(const __u64 *)(cx->req + (at0 & (KS_CAPTURE_MAX - 8)));
		if (!h1_word_has_byte(word, w->state == KS_T_SKIP ? '\n' : ' '))
			return 0;
	}
	for (int k = 0; k < KS_TMPL_BYTES; k++) {
		__u32 at = i * KS_TMPL_BYTES + k;
		if (at >= n || ks_tmpl_byte(w, cx->req[at & (KS_CAPTURE_MAX - 1)]))
			return 1;
	}
	return 0;
}

/* The bucket of v among the first n bounds (upper-inclusive); n when above them all. */
static __always_inline __u32 ks_agg_bucket(const __s64 *bound, __u32 n, __s64 v)
{
#pragma unroll
	for (__u32 i = 0; i < KS_AGG_BUCKETS; i++)
		if (i >= n || v <= bound[i])
			return i;
	return KS_AGG_BUCKETS;
}

static __always_inline void ks_agg_add(struct ks_agg_hist *h, const struct ks_agg_bounds *b, __u32 which, __u64 v)
{
	__sync_fetch_and_add(&h->sum, v);
	__u32 k = ks_agg_bucket(b->bound[which], b->n[which], (__s64)v);
	if (k > KS_AGG_BUCKETS)
		k = KS_AGG_BUCKETS;
	__sync_fetch_and_add(&h->b[k], 1);
}

/* Body bytes after the head (what the exact path's span says when the head length is known), or 0. */
static __always_inline __u64 ks_agg_body(__u64 total, __u32 head)
{
	return head && total >= head ? total - head : 0;
}

/*
 * Adds the finished request of slot s to its series when it fits: returns 1 (the caller frees the slot, no ring
 * record), else 0 (the ring record is written as before). Called only when ks_aggregate is set.
 */
static __noinline int ks_agg_take(struct ks_slot *s)
{
	struct ks_record *r = &s->r;
	/* what the exact path treats apart: no response, interim/upgrade, heads it could not follow, HTTP/2 & wire */
	if (r->proto != KS_PROTO_HTTP1 || r->status < 200 || r->status > 999 || r->end_ns == 0 || r->req_head_len == 0 ||
	    r->resp_head_len == 0 || (r->flags & (KS_F_REQ_HEAD_TRUNCATED | KS_F_RESP_HEAD_TRUNCATED | KS_F_INTERIM))) {
		ks_count(KS_C_AGG_UNFIT);
		return 0;
	}
	__u32 zero = 0;
	struct ks_agg_scratch *x = bpf_map_lookup_elem(&ks_agg_scratch, &zero);
	const struct ks_agg_bounds *b = bpf_map_lookup_elem(&ks_agg_bounds, &zero);
	if (!x || !b)
		return 0;
	__u32 n = r->req_len;
	if (n > KS_AGG_SAMPLE)
		n = KS_AGG_SAMPLE;
	struct ks_tmpl_walk *w = &x->w;
	__builtin_memset(w, 0, sizeof(*w));
	w->n = n;
	w->h = w->seg = KS_FNV_BASIS;
	struct ks_tmpl_ctx cx = { .w = w, .req = s->req };
	bpf_loop(KS_AGG_SAMPLE / KS_TMPL_BYTES, ks_tmpl_cb, &cx, 0);
	if (!w->line_end || !w->host_seen || w->state == KS_T_HOST || (!w->done && r->req_len > KS_AGG_SAMPLE)) {
		/* the request line or a Host value not whole in the sample, or capture bytes past it the walk did not see
		 * (another Host line?): the exact path may read them differently */
		ks_count(KS_C_AGG_UNFIT);
		return 0;
	}
	struct ks_agg_key *key = &x->key;
	key->tgid = r->tgid;
	key->port = r->role == KS_ROLE_CLIENT ? r->rport : r->lport;
	key->status = r->status;
	key->tmpl = w->h;
	key->role = r->role;
	struct ks_agg_val *v = bpf_map_lookup_elem(&ks_agg, key);
	if (!v) {
		/* a new series; its template's sample first (the agent resolves series by it) */
		if (!bpf_map_lookup_elem(&ks_agg_tmpl, &key->tmpl)) {
			if (n > KS_AGG_SAMPLE)
				n = KS_AGG_SAMPLE;
			x->sample.len = n;
			if (n)
				bpf_probe_read_kernel(x->sample.data, n, s->req);
			if (bpf_map_update_elem(&ks_agg_tmpl, &key->tmpl, &x->sample, BPF_NOEXIST) &&
			    !bpf_map_lookup_elem(&ks_agg_tmpl, &key->tmpl)) {
				ks_count(KS_C_AGG_FULL);
				return 0;
			}
		}
		bpf_map_update_elem(&ks_agg, key, &x->zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&ks_agg, key);
		if (!v) {
			ks_count(KS_C_AGG_FULL);
			return 0;
		}
	}
	int no_body = r->method == H1_M_HEAD || r->status == 204 || r->status == 304;
	__u64 req_body = r->req_content_length >= 0 ? (__u64)r->req_content_length : ks_agg_body(r->req_bytes, r->req_head_len);
	__u64 resp_body = no_body ? 0 : ks_agg_body(r->resp_bytes, r->resp_head_len);
	__sync_fetch_and_add(&v->count, 1);
	ks_agg_add(&v->h[0], b, 0, r->end_ns > r->start_ns ? r->end_ns - r->start_ns : 0);
	ks_agg_add(&v->h[1], b, 1, req_body);
	ks_agg_add(&v->h[2], b, 2, resp_body);
	ks_count(KS_C_AGGREGATED);
	return 1;
}

#endif /* LUMEN_KS_AGG_H */
