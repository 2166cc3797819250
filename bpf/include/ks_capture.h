/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/* The connection machine's captures: the first capture_bytes of each message, copied from user memory into its slot. */
#ifndef LUMEN_KS_CAPTURE_H
#define LUMEN_KS_CAPTURE_H

#include "ks_conn.h"

/*
 * Copies user bytes into region[have ..] of a KS_CAPTURE_MAX-byte region, one power-of-two piece per
 * bpf_loop iteration: every helper call has a constant size and a bounded offset, and the callback is
 * verified once whatever the capture size.
 */
struct ks_copy_ctx {
	__u8 *region;
	struct ks_io *io;
};

#define KS_PIECE(P)                                                                        \
	if (left >= (P)) {                                                                 \
		if (have > KS_CAPTURE_MAX - (P))                                           \
			return 1;                                                          \
		if (bpf_probe_read_user(x->region + have, (P), (const void *)(io->cp_src + io->cp_done))) { \
			io->cp_fault = 1;                                                  \
			return 1;                                                          \
		}                                                                          \
		io->cp_have = have + (P);                                                  \
		io->cp_done += (P);                                                        \
		io->cp_left = left - (P);                                                  \
		return 0;                                                                  \
	}

static long ks_copy_cb(__u32 i, void *vctx)
{
	struct ks_copy_ctx *x = vctx;
	struct ks_io *io = x->io;
	__u32 left = io->cp_left, have = io->cp_have;
	if (!left)
		return 1;
	KS_PIECE(512)
	KS_PIECE(256)
	KS_PIECE(128)
	KS_PIECE(64)
	KS_PIECE(32)
	KS_PIECE(16)
	KS_PIECE(8)
	KS_PIECE(4)
	KS_PIECE(2)
	KS_PIECE(1)
	return 1;
}

static __always_inline __u32 ks_copy_user(struct ks_io *io, __u8 *region, __u32 have, __u32 n, const __u8 *src, __u32 *fault)
{
	struct ks_copy_ctx x = { .region = region, .io = io };
	io->cp_src = (__u64)src;
	io->cp_have = have;
	io->cp_left = n;
	io->cp_done = 0;
	io->cp_fault = 0;
	bpf_loop(KS_CAPTURE_MAX / 512 + 10, ks_copy_cb, &x, 0);
	*fault = io->cp_fault;
	return io->cp_done;
}

/* Appends k user bytes at p to a slot's request or response capture, which holds `have` bytes. */
static __always_inline void ks_capture_append(struct ks_io *io, struct ks_slot *s, int resp, const __u8 *p, __u32 k, __u32 have)
{
	__u32 fault = 0;
	__u32 got = ks_copy_user(io, resp ? s->resp : s->req, have, k, p, &fault);
	if (fault)
		ks_count(KS_C_READ_FAULT);
	if (resp)
		s->r.resp_len = have + got;
	else
		s->r.req_len = have + got;
}

/*
 * Appends up to capture_bytes of a message to its capture. `inbuf`: the n bytes are also the start of
 * io->buf, so a capture that starts empty is one kernel copy of a load-time constant size (bytes past n are
 * copied too and never emitted).
 */
static __always_inline void ks_capture(struct ks_io *io, struct ks_slot *s, int resp, const __u8 *p, __u32 n, int inbuf)
{
	__u32 cap = capture_bytes > KS_CAPTURE_MAX ? KS_CAPTURE_MAX : capture_bytes;
	__u32 have = resp ? s->r.resp_len : s->r.req_len;
	if (!p || have >= cap || n == 0)
		return;
	if (inbuf && have == 0 && capture_bytes <= KS_SCAN_MAX && capture_bytes <= KS_CAPTURE_MAX) {
		/* plain word copies of the k bytes kept: cheaper than a probe_read_kernel call (the last word's bytes
		 * past k are never emitted) */
		__u64 *dst = (__u64 *)(resp ? s->resp : s->req);
		__u64 *src = (__u64 *)io->buf;
		__u32 k = n < cap ? n : cap;
		__u32 words = (k + 7) / 8;
		for (__u32 i = 0; i < KS_SCAN_MAX / 8 && i < KS_CAPTURE_MAX / 8; i++) {
			if (i >= words)
				break;
			dst[i] = src[i];
		}
		if (resp)
			s->r.resp_len = k;
		else
			s->r.req_len = k;
		return;
	}
	__u32 k = cap - have;
	if (k > n)
		k = n;
	if (k <= 16 && have <= KS_CAPTURE_MAX - 16) {
		/* a short tail (a small body after its headers): one fixed-size read, which may take bytes past
		 * the message (never emitted); falls back to exact pieces if that crosses into unmapped memory */
		__u32 at = have & (KS_CAPTURE_MAX - 1);
		if (at <= KS_CAPTURE_MAX - 16 &&
		    !bpf_probe_read_user((resp ? s->resp : s->req) + at, 16, p)) {
			if (resp)
				s->r.resp_len = have + k;
			else
				s->r.req_len = have + k;
			return;
		}
	}
	ks_capture_append(io, s, resp, p, k, have);
}

#endif /* LUMEN_KS_CAPTURE_H */
