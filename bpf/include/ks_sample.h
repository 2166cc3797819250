/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * Head sampling in the kernel (receivers/kernel_socket/sampling.ts turns it on only when every pipeline the
 * receiver feeds is a traces pipeline whose first sampling step is a `sampling` processor this reproduces).
 *
 * An HTTP/1 request's ids are made once (at its emission, or earlier when context propagation calls out under
 * it): trace and parent id from a traceparent in its captured request — exactly one, version 00, lower-case hex,
 * non-zero ids, as src/protocols/http1/traceparent.ts accepts it — else a random trace id and no parent; always a
 * random span id. They go into the record, and user space's span carries them (src/capture/spans.ts), so the
 * processor, applying its rule to the same ids and the same flags, keeps every record the kernel kept:
 *   ratio  (KS_SAMPLE_RATIO):  keep when the trace id's last 8 bytes, big-endian, >> 11 are below ks_sample_below
 *                              (= ceil(ratio * 2^53): processors/sampling's traceIdPosition(id) < ratio, exactly);
 *   parent (KS_SAMPLE_PARENT): a request with a parent follows its sampled flag; the others by ratio.
 * A traceparent the kernel does not read the way user space does (another version, trailing spaces, two headers)
 * leaves the ids to user space: the record is kept and the processor decides. Unsampled records never reach the
 * ring buffer (counted).
 */
#ifndef LUMEN_KS_SAMPLE_H
#define LUMEN_KS_SAMPLE_H

#include "ks_conn.h"

#define KS_SAMPLE_OFF 0
#define KS_SAMPLE_RATIO 1
#define KS_SAMPLE_PARENT 2

LUMEN_SETTING(__u32, ks_sample, KS_SAMPLE_OFF);
LUMEN_SETTING(__u64, ks_sample_below, 0);

/* ks_slot.sample */
#define KS_SD_UNDECIDED 0
#define KS_SD_KEEP 1
#define KS_SD_DROP 2
#define KS_SD_USER 3 /* ids left to user space: kept, the processor decides */

static __always_inline int ks_hexval(__u8 c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static __always_inline void ks_rand(__u8 *p, int n)
{
#pragma unroll
	for (int k = 0; k < 16; k += 4) {
		if (k >= n)
			break;
		__u32 r = bpf_get_prandom_u32();
		__builtin_memcpy(p + k, &r, 4);
	}
	p[0] |= 1; /* never all zero */
}

/* The rule's decision for a request with these ids: its parent's sampled flag, or the ratio on the trace id. */
static __always_inline int ks_sample_decide(const __u8 *trace_id, int has_parent, __u8 flags)
{
	if (ks_sample == KS_SAMPLE_OFF)
		return 1;
	if (ks_sample == KS_SAMPLE_PARENT && has_parent)
		return flags & 1;
	__u64 v = 0;
#pragma unroll
	for (int k = 8; k < 16; k++)
		v = (v << 8) | trace_id[k];
	return (v >> 11) < ks_sample_below;
}

#define KS_REQ_BYTE(s, i) ((s)->req[(i) & (KS_CAPTURE_MAX - 1)])

/* bpf_loop context: unchanged by the callback (its results go to the slot's tp_count and tp_at) */
struct ks_tp_scan {
	struct ks_slot *s;
	__u32 len; /* captured request bytes */
	__u32 _pad;
};

/* Is the header line at `at` "traceparent:" (name in any case, no space before the colon, like headers.ts)? */
static __always_inline int ks_tp_name(struct ks_slot *s, __u32 at, __u32 len)
{
	const char name[] = "traceparent:";
	if (at + 12 > len)
		return 0;
#pragma unroll
	for (int k = 0; k < 11; k++) {
		__u8 c = KS_REQ_BYTE(s, at + k);
		if (c >= 'A' && c <= 'Z')
			c += 32;
		if (c != (__u8)name[k])
			return 0;
	}
	return KS_REQ_BYTE(s, at + 11) == ':';
}

/* One 8-byte word of the captured request: each line starting in it that is a traceparent header is noted. */
static long ks_tp_word(__u32 i, void *vctx)
{
	struct ks_tp_scan *x = vctx;
	struct ks_slot *s = x->s;
	__u32 pos = i * 8, len = x->len;
	if (!s || pos >= len || pos >= KS_CAPTURE_MAX)
		return 1;
	__u64 w = *(__u64 *)(s->req + (pos & (KS_CAPTURE_MAX - 8)));
	if (!h1_word_has_lf(w))
		return 0;
#pragma unroll
	for (int k = 0; k < 8; k++) {
		if (((w >> (8 * k)) & 0xff) != '\n')
			continue;
		__u32 at = pos + k + 1;
		if (at >= len)
			return 1;
		__u8 c = KS_REQ_BYTE(s, at);
		if (c == '\r' || c == '\n')
			return 1; /* the blank line */
		if ((c | 0x20) == 't' && ks_tp_name(s, at, len)) {
			s->tp_count += 1;
			s->tp_at = at + 12;
		}
	}
	return 0;
}

/* n bytes from 2n lower-case hex digits of the capture at `at`; 0 when one is not. */
static __always_inline int ks_req_unhex(struct ks_slot *s, __u32 at, __u8 *out, int n)
{
#pragma unroll
	for (int k = 0; k < 16; k++) {
		if (k >= n)
			break;
		int hi = ks_hexval(KS_REQ_BYTE(s, at + 2 * k)), lo = ks_hexval(KS_REQ_BYTE(s, at + 2 * k + 1));
		if (hi < 0 || lo < 0)
			return 0;
		out[k] = (hi << 4) | lo;
	}
	return 1;
}

static __always_inline int ks_nonzero(const __u8 *p, int n)
{
	__u64 a = 0, b = 0;
	__builtin_memcpy(&a, p, 8);
	if (n > 8)
		__builtin_memcpy(&b, p + 8, 8);
	return (a | b) != 0;
}

/*
 * "00-<32 hex>-<16 hex>-<2 hex>" then the line's end, at `at` (after optional spaces): trace and parent id into
 * the record, the flags into *flags. 1: read as user space reads it.
 */
static __always_inline int ks_tp_parse(struct ks_slot *s, __u32 at, __u32 len, __u8 *flags)
{
#pragma unroll
	for (int k = 0; k < 4; k++) {
		__u8 c = KS_REQ_BYTE(s, at);
		if (c != ' ' && c != '\t')
			break;
		at++;
	}
	if (at + 56 > len)
		return 0; /* the line's end must be captured: user space ignores a cut-off line */
	__u8 end = KS_REQ_BYTE(s, at + 55);
	if (KS_REQ_BYTE(s, at) != '0' || KS_REQ_BYTE(s, at + 1) != '0' || KS_REQ_BYTE(s, at + 2) != '-' ||
	    KS_REQ_BYTE(s, at + 35) != '-' || KS_REQ_BYTE(s, at + 52) != '-' || (end != '\r' && end != '\n'))
		return 0;
	if (!ks_req_unhex(s, at + 3, s->r.trace_id, 16) || !ks_req_unhex(s, at + 36, s->r.parent_id, 8) ||
	    !ks_req_unhex(s, at + 53, flags, 1))
		return 0;
	return ks_nonzero(s->r.trace_id, 16) && ks_nonzero(s->r.parent_id, 8);
}

/*
 * Makes the ids of the request in slot s and decides it (s->sample). force: make ids even when its traceparent is
 * not read the way user space reads it (propagation must inject some: the request then starts a new trace).
 */
static __always_inline void ks_sample_ids(struct ks_slot *s, int force)
{
	__u32 len = s->r.req_len;
	if (len > KS_CAPTURE_MAX)
		len = KS_CAPTURE_MAX;
	struct ks_tp_scan x = { .s = s, .len = len };
	s->tp_count = 0;
	s->tp_at = 0;
	bpf_loop(KS_CAPTURE_MAX / 8, ks_tp_word, &x, 0);
	__u8 flags = 0;
	int parent = 0;
	if (s->tp_count == 1)
		parent = ks_tp_parse(s, s->tp_at, len, &flags);
	if (s->tp_count && !parent) {
		if (!force) {
			__builtin_memset(s->r.trace_id, 0, 32);
			s->sample = KS_SD_USER;
			return;
		}
	}
	if (!parent) {
		__builtin_memset(s->r.parent_id, 0, 8);
		ks_rand(s->r.trace_id, 16);
	}
	ks_rand(s->r.span_id, 8);
	s->sample = ks_sample_decide(s->r.trace_id, parent, flags) ? KS_SD_KEEP : KS_SD_DROP;
}

/* At the emission of an HTTP/1 record: does it go to the ring buffer? (counted) */
static __always_inline int ks_sample_keep(struct ks_slot *s)
{
	if (s->sample == KS_SD_UNDECIDED)
		ks_sample_ids(s, 0);
	int keep = s->sample != KS_SD_DROP;
	ks_count(keep ? KS_C_SAMPLE_KEPT : KS_C_SAMPLE_DROPPED);
	return keep;
}

#endif /* LUMEN_KS_SAMPLE_H */
