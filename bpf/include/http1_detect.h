/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * HTTP/1.x detection and header scanning for BPF programs, independent of where the bytes come from
 * (socket I/O in kernel_socket.bpf.c, decrypted TLS buffers in tls.bpf.c, both through include/ks_machine.h).
 *
 *  - h1_detect_request(): does a buffer start with "<METHOD> <target>"?
 *  - h1_detect_response(): does it start with "HTTP/1.x NNN"?
 *  - struct h1_scan + h1_scan_byte(): a byte-at-a-time header-block scanner that survives being fed
 *    across several reads/writes: finds the end of the header block (CRLF CRLF, bare LF LF tolerated),
 *    Content-Length and Transfer-Encoding: chunked, and keeps the last bytes seen for the chunked
 *    terminator check (h1_tail_is_chunk_end()).
 * Everything is __always_inline and bounded, so it verifies in any program type.
 */
#ifndef LUMEN_HTTP1_DETECT_H
#define LUMEN_HTTP1_DETECT_H

/* Method codes (also carried in records; keep in sync with src/protocols/http1/methods.ts). */
#define H1_M_NONE 0
#define H1_M_GET 1
#define H1_M_POST 2
#define H1_M_PUT 3
#define H1_M_DELETE 4
#define H1_M_HEAD 5
#define H1_M_OPTIONS 6
#define H1_M_PATCH 7
#define H1_M_CONNECT 8
#define H1_M_TRACE 9

/* Return value of the detectors when the buffer is a strict prefix of a possible match. */
#define H1_NEED_MORE (-1)
/* Bytes a detector looks at: callers pass a zero-padded buffer of this size. */
#define H1_PEEK 16

static __always_inline int h1_is_tchar_start(__u8 c)
{
	/* First byte of a request-target: origin-form '/', absolute-form 'h'/'H', asterisk-form '*',
	 * authority-form (CONNECT host:port) letters/digits/'['. */
	return c == '/' || c == '*' || c == '[' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

/* Do the first min(n, len) bytes of b equal m ("GET " with its space)? */
static __always_inline int h1_prefix(const __u8 *b, __u32 n, const char *m, int len)
{
#pragma unroll
	for (int i = 0; i < 8; i++) {
		if (i >= len || (__u32)i >= n)
			break;
		if (b[i] != (__u8)m[i])
			return 0;
	}
	return 1;
}

/* One candidate method: code when it matches, H1_NEED_MORE for a matching prefix, 0 otherwise. */
static __always_inline int h1_try(const __u8 *b, __u32 n, const char *m, int len, int code, __u32 *mlen)
{
	if (!h1_prefix(b, n, m, len))
		return 0;
	if (n < (__u32)len + 1)
		return H1_NEED_MORE;
	if (!h1_is_tchar_start(b[len & 15]))
		return 0;
	*mlen = len - 1;
	return code;
}

/*
 * b: H1_PEEK bytes (zero padded), n: how many are real. Returns the method code (> 0) and stores the
 * method length in *mlen, H1_NEED_MORE when n is too small to decide but everything so far matches
 * (e.g. Go's 1-byte background read returned "G"), 0 when it is not an HTTP/1 request line.
 */
static __always_inline int h1_detect_request(const __u8 *b, __u32 n, __u32 *mlen)
{
	int r;
	if (n == 0)
		return H1_NEED_MORE;
	switch (b[0]) {
	case 'G': return h1_try(b, n, "GET ", 4, H1_M_GET, mlen);
	case 'P':
		if (n == 1)
			return H1_NEED_MORE;
		if (b[1] == 'O') return h1_try(b, n, "POST ", 5, H1_M_POST, mlen);
		if (b[1] == 'U') return h1_try(b, n, "PUT ", 4, H1_M_PUT, mlen);
		if (b[1] == 'A') return h1_try(b, n, "PATCH ", 6, H1_M_PATCH, mlen);
		return 0;
	case 'D': return h1_try(b, n, "DELETE ", 7, H1_M_DELETE, mlen);
	case 'H': return h1_try(b, n, "HEAD ", 5, H1_M_HEAD, mlen);
	case 'O': return h1_try(b, n, "OPTIONS ", 8, H1_M_OPTIONS, mlen);
	case 'C': return h1_try(b, n, "CONNECT ", 8, H1_M_CONNECT, mlen);
	case 'T': return h1_try(b, n, "TRACE ", 6, H1_M_TRACE, mlen);
	}
	return 0;
}

/*
 * "HTTP/1.0 200 " or "HTTP/1.1 404\r": returns the status (100..599), H1_NEED_MORE for a matching
 * prefix shorter than 13 bytes, 0 otherwise.
 */
static __always_inline int h1_detect_response(const __u8 *b, __u32 n)
{
	const char pfx[] = "HTTP/1.";
#pragma unroll
	for (int i = 0; i < 7; i++) {
		if ((__u32)i >= n)
			return H1_NEED_MORE;
		if (b[i] != (__u8)pfx[i])
			return 0;
	}
	if (n < 13) {
		if (n > 7 && b[7] != '0' && b[7] != '1')
			return 0;
		return H1_NEED_MORE;
	}
	if ((b[7] != '0' && b[7] != '1') || b[8] != ' ')
		return 0;
	__u8 d0 = b[9], d1 = b[10], d2 = b[11], e = b[12];
	if (d0 < '1' || d0 > '5' || d1 < '0' || d1 > '9' || d2 < '0' || d2 > '9')
		return 0;
	if (e != ' ' && e != '\r' && e != '\n')
		return 0;
	return (d0 - '0') * 100 + (d1 - '0') * 10 + (d2 - '0');
}

/* ---- header block scanner ---- */

#define H1S_LINE_FIRST 0 /* the request/status line: nothing to match */
#define H1S_NAME 1       /* matching a header name */
#define H1S_CL 2         /* in a Content-Length value */
#define H1S_TE 3         /* in a Transfer-Encoding value */
#define H1S_SKIP 4       /* in a value we do not care about */

#define H1S_CAND_CL 1
#define H1S_CAND_TE 2

#define H1F_HAS_CL 1
#define H1F_CHUNKED 2
#define H1F_BAD_CL 4

struct h1_scan {
	__u64 content_length; /* valid when flags & H1F_HAS_CL */
	__u64 tail;           /* the last 8 bytes seen, most recent in the low byte */
	__u32 head_len;       /* bytes of the header block consumed so far */
	__u8 mode;
	__u8 idx;      /* position in the header name / in "chunked" */
	__u8 cand;     /* header names still possible */
	__u8 line_len; /* non-CR bytes on the current line (saturates at 255) */
	__u8 flags;
	__u8 done; /* end of the header block seen */
	__u8 _pad[6];
};

static __always_inline void h1_scan_init(struct h1_scan *s)
{
	s->content_length = 0;
	s->tail = 0;
	s->head_len = 0;
	s->mode = H1S_LINE_FIRST;
	s->idx = 0;
	s->cand = 0;
	s->line_len = 0;
	s->flags = 0;
	s->done = 0;
}

static __always_inline __u8 h1_lower(__u8 c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* "content-length", "transfer-encoding" and "chunked", read by position from .rodata: one load where a switch
 * over the position made the verifier walk a branch per letter (the scan's largest share of the object's load
 * time). Positions past the word read 0, as before. */
const __u8 h1_cl_name[16] = "content-length";
const __u8 h1_te_name[32] = "transfer-encoding";
const __u8 h1_chunked_name[8] = "chunked";

static __always_inline __u8 h1_cl_at(__u32 i)
{
	return i < 14 ? h1_cl_name[i & 15] : 0;
}
static __always_inline __u8 h1_te_at(__u32 i)
{
	return i < 17 ? h1_te_name[i & 31] : 0;
}
static __always_inline __u8 h1_chunked_at(__u32 i)
{
	return i < 7 ? h1_chunked_name[i & 7] : 0;
}

/* Feeds one byte; returns 1 when it completed the header block (that byte belongs to it). */
static __always_inline int h1_scan_byte(struct h1_scan *s, __u8 c)
{
	s->head_len++;
	s->tail = (s->tail << 8) | c;
	if (c == '\n') {
		if (s->line_len == 0 && s->mode != H1S_LINE_FIRST) {
			s->done = 1;
			return 1;
		}
		s->mode = H1S_NAME;
		s->idx = 0;
		s->cand = H1S_CAND_CL | H1S_CAND_TE;
		s->line_len = 0;
		return 0;
	}
	if (c == '\r')
		return 0;
	if (s->line_len < 255)
		s->line_len++;
	switch (s->mode) {
	case H1S_NAME:
		if (c == ':') {
			if ((s->cand & H1S_CAND_CL) && s->idx == 14) {
				s->mode = H1S_CL;
				/* a repeated Content-Length must agree; keep it simple: last one wins */
				s->content_length = 0;
				s->flags |= H1F_HAS_CL;
			} else if ((s->cand & H1S_CAND_TE) && s->idx == 17) {
				s->mode = H1S_TE;
				s->idx = 0;
			} else {
				s->mode = H1S_SKIP;
			}
			return 0;
		}
		c = h1_lower(c);
		if ((s->cand & H1S_CAND_CL) && (s->idx >= 14 || h1_cl_at(s->idx) != c))
			s->cand &= ~H1S_CAND_CL;
		if ((s->cand & H1S_CAND_TE) && (s->idx >= 17 || h1_te_at(s->idx) != c))
			s->cand &= ~H1S_CAND_TE;
		if (!s->cand)
			s->mode = H1S_SKIP;
		if (s->idx < 255)
			s->idx++;
		return 0;
	case H1S_CL:
		if (c >= '0' && c <= '9') {
			if (s->content_length < (1ULL << 56))
				s->content_length = s->content_length * 10 + (c - '0');
		} else if (c != ' ' && c != '\t') {
			s->flags |= H1F_BAD_CL;
		}
		return 0;
	case H1S_TE:
		c = h1_lower(c);
		if (h1_chunked_at(s->idx) == c) {
			s->idx++;
			if (s->idx == 7)
				s->flags |= H1F_CHUNKED;
		} else {
			s->idx = c == 'c' ? 1 : 0;
		}
		return 0;
	}
	return 0;
}

/* Does a word of 8 bytes contain byte b? (the classic has-zero-byte test on w ^ b..: exact for "any") */
static __always_inline int h1_word_has_byte(__u64 w, __u8 b)
{
	__u64 t = w ^ (b * 0x0101010101010101ULL);
	return ((t - 0x0101010101010101ULL) & ~t & 0x8080808080808080ULL) != 0;
}

/* Does a little-endian word of 8 bytes contain '\n'? */
static __always_inline int h1_word_has_lf(__u64 w)
{
	return h1_word_has_byte(w, '\n');
}

/*
 * Feeds 8 bytes without LF at once, valid only in H1S_SKIP or H1S_LINE_FIRST mode (nothing in them is
 * matched): the same state h1_scan_byte would reach byte by byte (a CR-only word is counted as content).
 */
static __always_inline void h1_scan_skip_word(struct h1_scan *s, __u64 w)
{
	s->head_len += 8;
	s->tail = __builtin_bswap64(w);
	if (s->line_len < 255)
		s->line_len = s->line_len > 247 ? 255 : s->line_len + 8;
}

/* Index (0..7) of the first '\n' in a little-endian word known to contain one. */
static __always_inline __u32 h1_word_first_lf(__u64 w)
{
#pragma unroll
	for (int k = 0; k < 7; k++)
		if (((w >> (8 * k)) & 0xff) == '\n')
			return k;
	return 7;
}

/* Feeds the first k (1..7) bytes of a word, none of them LF, in H1S_SKIP / H1S_LINE_FIRST mode. */
static __always_inline void h1_scan_skip_bytes(struct h1_scan *s, __u64 w, __u32 k)
{
	s->head_len += k;
	s->tail = (s->tail << (8 * k)) | (__builtin_bswap64(w) >> (8 * (8 - k)));
	if (s->line_len < 248)
		s->line_len += k;
}

/*
 * At the start of a header line (H1S_NAME, nothing matched yet) with 8 bytes `w` in view, and the next 8 `w2`
 * when `have2`. Decides the line without matching it byte by byte:
 *  - "Content-Length:" (any case): consumed at once (returns 15), now reading its value;
 *  - a line that can be neither Content-Length nor Transfer-Encoding: H1S_SKIP (returns 0, nothing consumed);
 *  - otherwise (the blank line, "Transfer-Encoding", too few bytes to tell): returns -1, byte by byte.
 */
static __always_inline int h1_scan_line_start(struct h1_scan *s, __u64 w, __u64 w2, int have2)
{
	__u8 c0 = w & 0xff;
	if (c0 == '\r' || c0 == '\n')
		return -1;
	__u64 lw = w | 0x2020202020202020ULL; /* lower-cases letters; '-' and ':' are unchanged */
	if (lw == 0x2d746e65746e6f63ULL /* "content-" */) {
		if (!have2)
			return -1;
		if (((w2 | 0x2020202020202020ULL) & 0x00ffffffffffffffULL) == 0x003a6874676e656cULL /* "length:" */) {
			s->mode = H1S_CL;
			s->flags |= H1F_HAS_CL;
			s->content_length = 0;
			s->head_len += 15;
			s->line_len = 15;
			s->tail = (__builtin_bswap64(w2) >> 8) | (w & 0xff00000000000000ULL);
			return 15;
		}
	} else if (lw == 0x726566736e617274ULL /* "transfer" */) {
		return -1;
	}
	s->mode = H1S_SKIP;
	s->cand = 0;
	return 0;
}

/* 0x80 in every byte of w equal to byte b (exact, no false positives from borrows), 0 elsewhere. */
static __always_inline __u64 h1_eq_mask(__u64 w, __u64 b)
{
	__u64 t = w ^ (b * 0x0101010101010101ULL);
	return ~(((t & 0x7f7f7f7f7f7f7f7fULL) + 0x7f7f7f7f7f7f7f7fULL) | t | 0x7f7f7f7f7f7f7f7fULL);
}

/*
 * One word of the search for a header block's end (see ks_find_head_end): x = the 8 bytes at `off`, y and z the
 * 8 bytes at off + 1 and off + 2. The first LF followed by LF or CR LF ends the block — where h1_scan_byte would
 * end it too. Returns 0: not in this word; the block's length; or -1: cannot tell (an LF CR CR first, which the
 * scanner reads as a blank line too).
 */
static __always_inline int h1_head_end_in_word(__u32 off, __u64 x, __u64 y, __u64 z)
{
	__u64 lf = h1_eq_mask(x, '\n');
	if (!lf)
		return 0;
	__u64 ycr = h1_eq_mask(y, '\r');
	__u64 blank = lf & (h1_eq_mask(y, '\n') | (ycr & h1_eq_mask(z, '\n')));
	__u64 odd = lf & ycr & h1_eq_mask(z, '\r');
	if (!blank && !odd)
		return 0;
	__u64 first = blank & -blank;
	if (odd && (!blank || (odd & -odd) < first))
		return -1;
	__u32 k = 0;
#pragma unroll
	for (int j = 1; j < 8; j++)
		if (first >> (8 * j))
			k = j;
	return off + k + (((y >> (8 * k)) & 0xff) == '\n' ? 2 : 3);
}

/* Pushes up to 8 bytes (b[0..n), oldest first) into a tail window. */
static __always_inline __u64 h1_tail_push(__u64 tail, const __u8 *b, __u32 n)
{
#pragma unroll
	for (int i = 0; i < 8; i++) {
		if ((__u32)i >= n)
			break;
		tail = (tail << 8) | b[i];
	}
	return tail;
}

/* The last bytes were "\r\n0\r\n\r\n": the last-chunk and an empty trailer (RFC 9112 §7.1). */
static __always_inline int h1_tail_is_chunk_end(__u64 tail)
{
	return (tail & 0x00ffffffffffffffULL) == 0x000d0a300d0a0d0aULL;
}

/* Statuses whose response never has a body (RFC 9110 §6.4.1). */
static __always_inline int h1_status_has_no_body(int status)
{
	return (status >= 100 && status < 200) || status == 204 || status == 304;
}

#endif /* LUMEN_HTTP1_DETECT_H */
