// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/*
 * kernel_socket: HTTP/1.x requests and responses of any process, seen from the socket layer's own
 * tracepoints (tp_btf; no kprobes, no fentry, no syscall tracepoints). One ring-buffer record
 * (struct ks_record + captured bytes) per completed request.
 *
 *  - sock_recv_length / sock_send_length fire once per socket read/write with the struct sock and the byte
 *    count, after the copy. The user buffer is found from the syscall's own registers (bpf_task_pt_regs:
 *    orig_ax = syscall number, rdi/rsi/rdx = fd, buffer or iovec/msghdr, count). Why not syscall tracepoints:
 *    attaching any of them puts every syscall of every process on the kernel's slow path (measured: -10 to
 *    -16 % throughput for nginx under wrk with an empty allow-list); these fire for socket I/O only;
 *  - tcp_sendmsg_locked (before the copy) stamps the start of a write: a client request starts when its
 *    first byte is written, not when the write returns;
 *  - inet_sock_set_state: a connection that just became ESTABLISHED is "fresh" (its first bytes are its
 *    protocol's first) with its role (SYN_RECV: server, SYN_SENT: client); our own close (FIN_WAIT1 or
 *    LAST_ACK with reads shut) ends it and flushes what is pending, and so does CLOSE once no process holds
 *    the socket; tcp_destroy_sock ends what a process held until its close (a reset, a peer FIN after a
 *    write-side shutdown: queued bytes can still be read);
 *  - state is keyed by the socket, never by thread or fd: Python accepts on one thread and serves on
 *    another, Go reads and writes on different OS threads, an fd number is reused after close;
 *  - per connection: a request-direction and a response-direction HTTP/1 message parser (header block
 *    scan, Content-Length, chunked end, no-body statuses, HEAD), up to KS_SLOTS pending (pipelined)
 *    requests in ks_slots, each holding its record header and the first capture_bytes of both messages.
 * Server: request = bytes read, response = bytes written. Client: the other way round. A connection whose
 * role is unknown (it predates the agent) takes it from the first request line seen.
 */
#include "lumen_common.h"
#include "lumen_ringbuf.h"
#include "http1_detect.h"
#include "kernel_socket.h"

LUMEN_LICENSE();

/* ---- load-time settings ---- */
LUMEN_SETTING(__u32, capture_bytes, 256);   /* bytes kept of each request and response, <= KS_CAPTURE_MAX */
LUMEN_SETTING(__u32, filter_pids, 1);       /* 1: only processes in ks_pids; 0: every process (debugging) */
LUMEN_SETTING(__u32, self_tgid, 0);         /* never trace this process (the agent) */
LUMEN_SETTING(__u32, ignore_ports_on, 0);   /* 1: consult ks_ignore_ports */
LUMEN_SETTING(__u32, max_head_bytes, 16384);/* give up following a header block longer than this */

#define KS_SCAN_MAX 1024  /* header bytes scanned per step */
#define KS_MAX_SEGS 8     /* iovec segments per syscall followed byte-wise (power of two) */
#define KS_MAX_STEPS 48   /* message steps per syscall */
#define KS_PEEK 32

/* Hide a value from clang's range analysis so the bound check that follows stays in the code the verifier sees. */
#define KS_OPAQUE(x) asm volatile("" : "+r"(x))

/* ---- maps ---- */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u8);
} ks_pids SEC(".maps");

/* Ports whose connections are not followed: index = port, value 1 = ignore (used when ignore_ports_on). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} ks_ignore_ports SEC(".maps");

#define KS_CS_TCP 1      /* a TCP socket we follow */
#define KS_CS_OTHER 2    /* not a TCP socket (file, pipe, UDP, unix): cached negative */
#define KS_CS_IGNORED 3  /* a port the configuration ignores */
#define KS_CS_NOHTTP 4   /* a TCP connection that does not speak HTTP/1 (TLS, databases, upgraded) */

#define KS_P_IDLE 0      /* between messages */
#define KS_P_HEADERS 1   /* in the header block */
#define KS_P_BODY 2      /* in a Content-Length body: `left` bytes to go */
#define KS_P_CHUNKED 3   /* in a chunked body: until the tail shows the last chunk */
#define KS_P_OPEN 4      /* length unknown: until the next message, close or the sweeper */

struct ks_dir {
	struct h1_scan scan; /* 32 */
	__u64 left;
	__u64 carry_ts;
	__u8 carry[16];      /* a message start too short to recognise (e.g. Go's 1-byte read) */
	__u8 phase;
	__u8 carry_len;
	__u8 _pad[6];
};

struct ks_conn {
	__u64 sk;
	__u32 tgid;     /* the process that last used the connection */
	__u32 _pad0;
	__u8 laddr[16];
	__u8 raddr[16];
	__u16 lport;
	__u16 rport;
	__u16 family;
	__u8 state;
	__u8 role;
	__u32 head;     /* oldest pending request's sequence number */
	__u32 tail;     /* next request's sequence number */
	__u32 nonhttp;  /* non-HTTP chunks seen at message boundaries */
	__u8 fresh;     /* established under our eyes and no byte since: the first bytes are the protocol's first */
	__u8 had_slots; /* ks_slots entries may exist for this connection */
	__u8 _pad[2];
	struct ks_dir req;
	struct ks_dir resp;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct ks_conn_key);
	__type(value, struct ks_conn);
} ks_conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ks_slot_key);
	__type(value, struct ks_slot);
} ks_slots SEC(".maps");

/* Connections that became ESTABLISHED and have not been used yet: sk -> KS_ROLE_*. Written for every TCP
 * connection of the host (the state change happens in softirq, where the process is unknown), so small
 * values in an LRU map. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u8);
} ks_fresh SEC(".maps");

/* The start of the write in progress on this thread (tcp_sendmsg_locked -> sock_send_length), in the
 * thread's own storage: no hash update per call, freed with the thread. */
struct ks_wstart {
	__u64 ts;
	__u64 sk; /* 0: nothing pending */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ks_wstart);
} ks_wstart SEC(".maps");

struct ks_seg {
	__u64 base; /* 0: no user buffer (sendfile, iovecs past KS_MAX_SEGS): counted, not read */
	__u64 len;
};

/* Per-CPU scratch for the socket call being handled (programs do not nest on a CPU). */
struct ks_io {
	__u64 ts_start; /* start of the call (writes: tcp_sendmsg_locked) */
	__u64 ts_end;   /* end of the call */
	__u64 sk;       /* the connection (ks_conns key) */
	__u32 tgid;
	__s32 fd;
	__u32 egress;   /* 1: write side, 0: read side */
	__u32 nseg;
	__u32 sendfile;
	__u32 _pad;
	struct ks_seg seg[KS_MAX_SEGS];
	/* loop state kept in map memory, not on the stack: the verifier treats it as unknown on every
	 * callback iteration, so bpf_loop callbacks verify in one pass instead of being simulated */
	struct h1_scan scan;
	__u64 cp_src;
	__u32 cp_have;
	__u32 cp_left;
	__u32 cp_done;
	__u32 cp_fault;
	__u32 scan_pos;
	__u32 _pad2;
	__u8 peek[KS_PEEK];
	__u8 buf[KS_SCAN_MAX + 8]; /* + 8: a word read at any in-range offset stays inside */
	struct ks_conn conn_tmp;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ks_io);
} ks_io_scratch SEC(".maps");

/* Record assembly (header + request bytes + response bytes, compacted); also the source of new slots. */
struct ks_out {
	struct ks_record r;
	__u8 data[2 * KS_CAPTURE_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ks_out);
} ks_out_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ks_counters);
} ks_counters SEC(".maps");

LUMEN_RINGBUF(ks_events, 8 << 20);

_Static_assert(sizeof(struct ks_record) == KS_RECORD_HEADER_SIZE, "ks_record header size");
_Static_assert(sizeof(struct ks_out) == sizeof(struct ks_slot), "a new slot is copied from ks_out");

/* ---- small helpers ---- */

static __always_inline void ks_count(__u32 idx)
{
	__u32 zero = 0;
	struct ks_counters *c = bpf_map_lookup_elem(&ks_counters, &zero);
	if (c && idx < KS_COUNTERS_SLOTS)
		c->c[idx]++;
}

static __always_inline struct ks_io *ks_io_get(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&ks_io_scratch, &zero);
}

static __always_inline int ks_pid_wanted(__u32 tgid)
{
	if (tgid == self_tgid)
		return 0;
	if (!filter_pids)
		return 1;
	return bpf_map_lookup_elem(&ks_pids, &tgid) != NULL;
}

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
		/* plain word copies: cheaper than a probe_read_kernel call (bytes past n are never emitted) */
		__u64 *dst = (__u64 *)(resp ? s->resp : s->req);
		__u64 *src = (__u64 *)io->buf;
		__u32 words = (capture_bytes + 7) / 8;
		for (__u32 i = 0; i < KS_SCAN_MAX / 8 && i < KS_CAPTURE_MAX / 8; i++) {
			if (i >= words)
				break;
			dst[i] = src[i];
		}
		__u32 k = n < cap ? n : cap;
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
	__u32 fault = 0;
	__u32 got = ks_copy_user(io, resp ? s->resp : s->req, have, k, p, &fault);
	if (fault)
		ks_count(KS_C_READ_FAULT);
	if (resp)
		s->r.resp_len = have + got;
	else
		s->r.req_len = have + got;
}

/* ---- the connection behind a socket ---- */

static __always_inline int ks_port_ignored(__u16 port)
{
	__u32 k = port;
	__u8 *v = bpf_map_lookup_elem(&ks_ignore_ports, &k);
	return v && *v;
}

/* Is sk a TCP socket over IPv4/IPv6? (The tracepoints fire for every socket family.) */
static __always_inline int ks_sk_is_tcp(struct sock *sk)
{
	/* direct loads: sk is a tracepoint argument the verifier trusts (no probe_read calls) */
	__u16 family = sk->__sk_common.skc_family;
	return (family == AF_INET || family == AF_INET6) && sk->sk_protocol == IPPROTO_TCP;
}

/* Fills a connection entry from a TCP socket (state IGNORED when a port is configured away). */
static __always_inline void ks_conn_fill(struct ks_conn *c, struct sock *sk, __u32 tgid, __u8 role, __u8 fresh)
{
	__builtin_memset(c, 0, sizeof(*c));
	c->sk = (__u64)sk;
	c->tgid = tgid;
	c->role = role;
	c->fresh = fresh;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	c->family = family;
	c->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	c->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == AF_INET) {
		__u32 l = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__u32 r = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__builtin_memcpy(c->laddr, &l, 4);
		__builtin_memcpy(c->raddr, &r, 4);
	} else {
		BPF_CORE_READ_INTO(&c->laddr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&c->raddr, sk, __sk_common.skc_v6_daddr);
	}
	c->state = KS_CS_TCP;
	if (ignore_ports_on && (ks_port_ignored(c->lport) || ks_port_ignored(c->rport)))
		c->state = KS_CS_IGNORED;
}

/* ---- record emission ---- */

/*
 * Emits the pending request in slot (sock, seq % KS_SLOTS) as one ring-buffer record and frees the
 * slot. Global (verified once): takes scalars only.
 */
__noinline int ks_emit(__u64 sock, __u32 seq, __u32 reason)
{
	struct ks_slot_key sk = { .sk = sock, .slot = seq & (KS_SLOTS - 1) };
	struct ks_slot *s = bpf_map_lookup_elem(&ks_slots, &sk);
	if (!s || s->r.start_ns == 0 || s->r.seq != seq)
		return 0;
	__u32 zero = 0;
	struct ks_out *o = bpf_map_lookup_elem(&ks_out_scratch, &zero);
	if (!o)
		return 0;
	__builtin_memcpy(&o->r, &s->r, sizeof(o->r));
	o->r.reason = reason;
	__u32 rl = s->r.req_len, ql = s->r.resp_len;
	if (rl > KS_CAPTURE_MAX)
		rl = KS_CAPTURE_MAX;
	if (ql > KS_CAPTURE_MAX)
		ql = KS_CAPTURE_MAX;
	o->r.req_len = rl;
	o->r.resp_len = ql;
	if (rl)
		bpf_probe_read_kernel(o->data, rl, s->req);
	if (ql)
		bpf_probe_read_kernel(o->data + rl, ql, s->resp);
	s->r.start_ns = 0; /* free: the slot stays allocated for the connection's next request */
	__u64 size = KS_RECORD_HEADER_SIZE + rl + ql;
	if (lumen_rb_output(&ks_events, o, size))
		ks_count(KS_C_RINGBUF_DROPS);
	else
		ks_count(KS_C_RECORDS);
	return 1;
}

/* Emits or drops everything pending on a connection that ends, then forgets it. */
__noinline int ks_conn_end(__u64 sock)
{
	struct ks_conn_key key = { .sk = sock };
	struct ks_conn *c = bpf_map_lookup_elem(&ks_conns, &key);
	if (!c)
		return 0;
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
				ks_emit(sock, seq, KS_REASON_CLOSE);
			} else if (s->r.req_head_len) {
				ks_count(KS_C_CLOSED_NO_RESPONSE);
				ks_emit(sock, seq, KS_REASON_CLOSE);
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

/* The connection entry of a TCP socket: cached, or created (with the role and freshness the state change
 * to ESTABLISHED left, if it was seen). */
static __always_inline struct ks_conn *ks_conn_get(struct sock *sk, __u32 tgid)
{
	struct ks_conn_key key = { .sk = (__u64)sk };
	struct ks_conn *c = bpf_map_lookup_elem(&ks_conns, &key);
	if (c) {
		c->tgid = tgid;
		return c;
	}
	struct ks_io *io = ks_io_get();
	if (!io)
		return NULL;
	__u64 skv = (__u64)sk;
	__u8 role = 0, fresh = 0;
	__u8 *f = bpf_map_lookup_elem(&ks_fresh, &skv);
	if (f) {
		role = *f;
		fresh = 1;
		bpf_map_delete_elem(&ks_fresh, &skv);
	}
	ks_conn_fill(&io->conn_tmp, sk, tgid, role, fresh);
	if (bpf_map_update_elem(&ks_conns, &key, &io->conn_tmp, BPF_ANY)) {
		ks_count(KS_C_CONN_ALLOC_FAIL);
		return NULL;
	}
	if (io->conn_tmp.state == KS_CS_TCP)
		ks_count(KS_C_CONNS);
	return bpf_map_lookup_elem(&ks_conns, &key);
}

/* ---- the message parser, one step at a time ---- */

struct ks_scan_ctx {
	struct ks_io *io;
	__u32 n;
	__u32 used; /* bytes up to and including the end of the header block, 0 if not reached */
};

/* Words a skip step may pass over in one callback (a header line is 20-50 bytes). */
#define KS_SKIP_WORDS 6

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
 * byte by byte. The position lives in map memory.
 */
static long ks_scan_cb(__u32 i, void *vctx)
{
	struct ks_scan_ctx *x = vctx;
	struct ks_io *io = x->io;
	struct h1_scan *s = &io->scan;
	__u32 n = x->n;
	__u32 pos = io->scan_pos;
	if (pos >= n || pos >= KS_SCAN_MAX)
		return 1;
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
			return 1;
		}
	} else if (s->mode == H1S_NAME && s->idx == 0 && s->line_len == 0 && pos + 8 <= n) {
		int r = ks_scan_line_start(io, s, pos, n);
		if (r >= 0) {
			io->scan_pos = pos + r; /* r == 0: the same position again, now skipping */
			return 0;
		}
	}
	KS_OPAQUE(pos);
	pos &= KS_SCAN_MAX - 1;
	__u8 c = io->buf[pos];
	pos++;
	io->scan_pos = pos;
	if (h1_scan_byte(s, c)) {
		x->used = pos;
		return 1;
	}
	if (c == '\n' && pos + 8 <= n) {
		/* the next line starts here: decide it now rather than in another callback */
		int r = ks_scan_line_start(io, s, pos, n);
		if (r > 0)
			io->scan_pos = pos + r;
	}
	return 0;
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

static __always_inline __u64 ks_min(__u64 a, __u64 b)
{
	return a < b ? a : b;
}

/*
 * Response finished: emit it and move the queue on. The connection is looked up again by the caller.
 */
static __always_inline void ks_resp_done(struct ks_conn *c, struct ks_io *io, __u32 seq, __u32 reason)
{
	c->resp.phase = KS_P_IDLE;
	c->resp.carry_len = 0;
	c->head = seq + 1;
	if (c->head >= c->tail) {
		c->head = 0;
		c->tail = 0;
	}
	ks_emit(io->sk, seq, reason);
}

/*
 * One step over segment `seg` from byte `off`: recognises a message start, scans a header block window,
 * or accounts body bytes. Returns the new offset; >= the segment length ends the segment.
 * Global (verified once): scalars in, scalar out.
 */
__noinline int ks_step(__u32 seg, __u32 off)
{
	struct ks_io *io = ks_io_get();
	if (!io || seg >= KS_MAX_SEGS)
		return -1;
	KS_OPAQUE(seg);
	seg &= KS_MAX_SEGS - 1;
	__u64 seglen = io->seg[seg].len;
	if (off >= seglen)
		return -1;
	struct ks_conn_key key = { .sk = io->sk };
	struct ks_conn *c = bpf_map_lookup_elem(&ks_conns, &key);
	if (!c || c->state != KS_CS_TCP)
		return -1;
	const __u8 *base = (const __u8 *)io->seg[seg].base;
	const __u8 *p = base ? base + off : NULL;
	__u64 n = seglen - off;
	int egress = io->egress;
	__u64 now = io->ts_end;

	/* Which message does this byte belong to? */
	int is_req;
	if (c->role == KS_ROLE_SERVER)
		is_req = !egress;
	else if (c->role == KS_ROLE_CLIENT)
		is_req = egress;
	else
		is_req = 1; /* unknown role: only a request line can set it */
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

	struct ks_slot *started = NULL; /* the slot a message start below looked up: not looked up twice */
	if (d->phase == KS_P_IDLE) {
		if (!p)
			return -1; /* sendfile / unread iovecs at a message boundary: nothing to recognise */
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
		if (r <= 0) {
			/* Data at a message boundary that is not HTTP/1. */
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

		if (is_req) {
			/* A new request while the previous response is still open: that response is over. */
			if (c->head != c->tail && c->resp.phase != KS_P_IDLE) {
				__u32 seq = c->head;
				ks_resp_done(c, io, seq, KS_REASON_NEXT_REQUEST);
				c = bpf_map_lookup_elem(&ks_conns, &key);
				if (!c)
					return -1;
				d = &c->req;
			}
			if (c->tail - c->head >= KS_SLOTS) {
				ks_count(KS_C_PIPELINE_OVERFLOW);
				d->phase = KS_P_OPEN;
				return -1;
			}
			__u32 seq = c->tail;
			struct ks_slot_key sk = { .sk = io->sk, .slot = seq & (KS_SLOTS - 1) };
			struct ks_slot *s = bpf_map_lookup_elem(&ks_slots, &sk);
			if (!s) {
				__u32 zero = 0;
				struct ks_out *tmpl = bpf_map_lookup_elem(&ks_out_scratch, &zero);
				if (!tmpl || bpf_map_update_elem(&ks_slots, &sk, tmpl, BPF_ANY)) {
					ks_count(KS_C_SLOT_ALLOC_FAIL);
					d->phase = KS_P_OPEN;
					return -1;
				}
				s = bpf_map_lookup_elem(&ks_slots, &sk);
				if (!s)
					return -1;
			}
			c->had_slots = 1;
			__builtin_memset(&s->r, 0, sizeof(s->r));
			s->r.start_ns = msg_ts;
			s->r.last_ns = now;
			s->r.req_content_length = -1;
			s->r.resp_content_length = -1;
			s->r.sk = c->sk;
			s->r.tgid = io->tgid;
			s->r.fd = io->fd;
			s->r.seq = seq;
			__builtin_memcpy(s->r.laddr, c->laddr, 16);
			__builtin_memcpy(s->r.raddr, c->raddr, 16);
			s->r.lport = c->lport;
			s->r.rport = c->rport;
			s->r.family = c->family;
			s->r.role = c->role;
			s->r.method = r;
			if (cl) {
				bpf_probe_read_kernel(s->req, 16, io->peek);
				s->r.req_len = cl < capture_bytes ? cl : capture_bytes;
				s->r.req_bytes = cl;
			}
			c->tail = seq + 1;
			h1_scan_init(&d->scan);
			d->scan.head_len = cl;
			d->phase = KS_P_HEADERS;
			started = s;
		} else {
			/* A response start. */
			__u32 seq = c->head;
			struct ks_slot_key sk = { .sk = io->sk, .slot = seq & (KS_SLOTS - 1) };
			struct ks_slot *s = bpf_map_lookup_elem(&ks_slots, &sk);
			if (!s || s->r.start_ns == 0 || s->r.seq != seq) {
				/* swept by user space (timeout) or never seen: skip the rest of this message */
				ks_count(KS_C_UNSOLICITED_RESPONSE);
				if (c->head != c->tail)
					c->head++;
				d->phase = KS_P_OPEN;
				return -1;
			}
			if (s->r.status >= 200) {
				/* the previous final response had no framing: it ended where this one starts */
				ks_resp_done(c, io, seq, KS_REASON_NEXT_RESPONSE);
				return off; /* re-run this start against the next pending request */
			}
			if (!s->r.resp_start_ns)
				s->r.resp_start_ns = msg_ts;
			else
				s->r.flags |= KS_F_INTERIM;
			s->r.status = r;
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
			if (r >= 200 && c->req.phase == KS_P_OPEN)
				c->req.phase = KS_P_IDLE; /* the request's unknown rest is over: the server answered */
			started = s;
		}
	}

	/* The slot this message belongs to. */
	__u32 seq = is_req ? c->tail - 1 : c->head;
	if (c->head == c->tail) {
		d->phase = KS_P_IDLE;
		return -1;
	}
	struct ks_slot *s = started;
	if (!s) {
		struct ks_slot_key sk = { .sk = io->sk, .slot = seq & (KS_SLOTS - 1) };
		s = bpf_map_lookup_elem(&ks_slots, &sk);
	}
	if (!s || s->r.start_ns == 0 || s->r.seq != seq) {
		d->phase = KS_P_IDLE;
		return -1;
	}
	s->r.last_ns = now;
	if (!is_req)
		s->r.end_ns = now;

	__u64 used = n;
	int complete = 0;
	switch (d->phase) {
	case KS_P_HEADERS: {
		if (!p) {
			d->phase = KS_P_OPEN;
			s->r.flags |= is_req ? KS_F_REQ_HEAD_TRUNCATED : KS_F_RESP_HEAD_TRUNCATED;
			break;
		}
		if (m > KS_SCAN_MAX)
			m = KS_SCAN_MAX;
		struct ks_scan_ctx x = { .io = io, .n = m, .used = 0 };
		__builtin_memcpy(&io->scan, &d->scan, sizeof(io->scan));
		io->scan_pos = 0;
		bpf_loop(m, ks_scan_cb, &x, 0);
		__builtin_memcpy(&d->scan, &io->scan, sizeof(io->scan));
		used = x.used ? x.used : m;
		if (!x.used) {
			if (d->scan.head_len > max_head_bytes) {
				ks_count(KS_C_HEAD_TRUNCATED);
				s->r.flags |= is_req ? KS_F_REQ_HEAD_TRUNCATED : KS_F_RESP_HEAD_TRUNCATED;
				d->phase = KS_P_OPEN;
			}
			break;
		}
		/* end of the header block */
		__u8 hf = d->scan.flags;
		__s64 clen = (hf & H1F_HAS_CL) && !(hf & H1F_BAD_CL) ? (__s64)d->scan.content_length : -1;
		if (is_req) {
			s->r.req_head_len = d->scan.head_len;
			s->r.req_content_length = clen;
			if (hf & H1F_CHUNKED) {
				s->r.flags |= KS_F_REQ_CHUNKED;
				d->phase = KS_P_CHUNKED;
			} else if (clen > 0) {
				d->left = clen;
				d->phase = KS_P_BODY;
			} else {
				d->phase = KS_P_IDLE;
			}
		} else {
			s->r.resp_head_len = d->scan.head_len;
			s->r.resp_content_length = clen;
			int st = s->r.status;
			if (st < 200 && st != 101) {
				d->phase = KS_P_IDLE; /* interim: the final response follows */
			} else if (st == 101 || h1_status_has_no_body(st) || s->r.method == H1_M_HEAD) {
				complete = 1;
			} else if (hf & H1F_CHUNKED) {
				s->r.flags |= KS_F_RESP_CHUNKED;
				d->phase = KS_P_CHUNKED;
			} else if (clen >= 0) {
				if (clen == 0)
					complete = 1;
				d->left = clen;
				d->phase = KS_P_BODY;
			} else {
				d->phase = KS_P_OPEN;
			}
		}
		break;
	}
	case KS_P_BODY:
		used = ks_min(d->left, n);
		d->left -= used;
		if (d->left == 0) {
			if (is_req)
				d->phase = KS_P_IDLE;
			else
				complete = 1;
		}
		break;
	case KS_P_CHUNKED:
		ks_tail_update(d, io, p, n);
		if (h1_tail_is_chunk_end(d->scan.tail)) {
			if (is_req)
				d->phase = KS_P_IDLE;
			else
				complete = 1;
		}
		break;
	default: /* KS_P_OPEN */
		break;
	}
	if (used > n)
		used = n;
	if (is_req)
		s->r.req_bytes += used;
	else
		s->r.resp_bytes += used;
	if (io->sendfile && !p && !is_req)
		s->r.flags |= KS_F_SENDFILE;
	ks_capture(io, s, !is_req, p, (__u32)ks_min(used, 0xffff), m > 0);
	if (complete) {
		int upgraded = s->r.status == 101;
		ks_resp_done(c, io, seq, KS_REASON_COMPLETE);
		if (upgraded) {
			c = bpf_map_lookup_elem(&ks_conns, &key);
			if (c)
				c->state = KS_CS_NOHTTP;
			return -1;
		}
	}
	if (used >= n)
		return -1;
	return off + used;
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
	int next = ks_step(seg, w->off);
	if (next < 0 || (__u64)next >= len) {
		w->seg = seg + 1;
		w->off = 0;
	} else {
		w->off = next;
	}
	return 0;
}

/* Runs the message machine over every segment of io. A one-segment call whose first step consumes it (the
 * common case: a request read, a response write) makes that step directly, without bpf_loop. */
static __always_inline void ks_walk_all(struct ks_io *io)
{
	__u32 nseg = io->nseg;
	__u32 off = 0;
	if (nseg == 1) {
		int next = ks_step(0, 0);
		if (next < 0 || (__u64)next >= io->seg[0].len)
			return;
		off = next;
	}
	struct ks_walk w = { .seg = 0, .off = off, .nseg = nseg };
	bpf_loop(KS_MAX_STEPS, ks_walk_cb, &w, 0);
}

/* ---- socket plumbing ---- */

/* A tp_btf program's first argument (the struct sock *) as a plain number, read from the context: the typed
 * pointer itself may not be passed to a global function nor stored as a scalar. */
static __always_inline __u64 ks_ctx_sk_id(unsigned long long *ctx)
{
	__u64 skv = 0;
	bpf_probe_read_kernel(&skv, sizeof(skv), &ctx[0]);
	return skv;
}

/* Fills io->seg from an iovec array, trimmed to `total` bytes. */
static __always_inline void ks_iov_segs(struct ks_io *io, const struct iovec *iov, __u64 iovcnt, __u64 total)
{
	__u32 n = io->nseg;
	/* iovecs are read two at a time (headers + body is the common writev): half the user reads */
	struct iovec pair[2] = {};
	int have_pair = 0;
#pragma unroll
	for (int i = 0; i < KS_MAX_SEGS - 1; i++) {
		if (i >= iovcnt || total == 0 || n >= KS_MAX_SEGS - 1)
			break;
		struct iovec v = {};
		if (i & 1) {
			if (have_pair) {
				v = pair[1];
			} else if (bpf_probe_read_user(&v, sizeof(v), &iov[i])) {
				break;
			}
		} else {
			have_pair = i + 1 < iovcnt && !bpf_probe_read_user(pair, sizeof(pair), &iov[i]);
			if (have_pair)
				v = pair[0];
			else if (bpf_probe_read_user(&v, sizeof(v), &iov[i]))
				break;
		}
		__u64 l = v.iov_len < total ? v.iov_len : total;
		if (l == 0)
			continue;
		io->seg[n & (KS_MAX_SEGS - 1)].base = (__u64)v.iov_base;
		io->seg[n & (KS_MAX_SEGS - 1)].len = l;
		n++;
		total -= l;
	}
	if (total && n < KS_MAX_SEGS) {
		/* bytes in iovecs we do not read: counted only */
		io->seg[n & (KS_MAX_SEGS - 1)].base = 0;
		io->seg[n & (KS_MAX_SEGS - 1)].len = total;
		n++;
	}
	io->nseg = n;
}

/* x86-64 syscall numbers of the calls that move socket data (the ABI: they never change). */
#define KS_NR_READ 0
#define KS_NR_WRITE 1
#define KS_NR_READV 19
#define KS_NR_WRITEV 20
#define KS_NR_SENDTO 44
#define KS_NR_RECVFROM 45
#define KS_NR_SENDMSG 46
#define KS_NR_RECVMSG 47
#define KS_NR_RECVMMSG 299
#define KS_NR_SENDMMSG 307
#define KS_NR_PREADV2 327
#define KS_NR_PWRITEV2 328

#define KS_MSG_PEEK 2

/*
 * Where the `ret` bytes of this socket call are in user memory, from the syscall's registers. Calls whose
 * buffer is not the caller's (sendfile, splice, io_uring, kernel threads) or that move several messages
 * (sendmmsg/recvmmsg: which one this is is unknown) become one counted-only segment.
 */
static __always_inline void ks_segs_from_regs(struct ks_io *io, int ret)
{
	io->nseg = 0;
	io->sendfile = 0;
	io->fd = -1;
#if defined(__TARGET_ARCH_x86)
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	long nr = regs->orig_ax;
	__u64 a1 = regs->si, a2 = regs->dx;
	switch (nr) {
	case KS_NR_READ: case KS_NR_WRITE: case KS_NR_RECVFROM: case KS_NR_SENDTO:
		io->fd = (__s32)regs->di;
		io->seg[0].base = a1;
		io->seg[0].len = ret;
		io->nseg = 1;
		return;
	case KS_NR_READV: case KS_NR_WRITEV: case KS_NR_PREADV2: case KS_NR_PWRITEV2:
		io->fd = (__s32)regs->di;
		ks_iov_segs(io, (const struct iovec *)a1, a2, ret);
		return;
	case KS_NR_RECVMSG: case KS_NR_SENDMSG: {
		io->fd = (__s32)regs->di;
		struct user_msghdr m = {};
		if (bpf_probe_read_user(&m, sizeof(m), (void *)a1))
			break;
		ks_iov_segs(io, m.msg_iov, m.msg_iovlen, ret);
		return;
	}
	default:
		break;
	}
#endif
	io->sendfile = 1;
	io->seg[0].base = 0;
	io->seg[0].len = ret;
	io->nseg = 1;
}

/* A socket read (egress 0) or write (egress 1) of `ret` bytes has just completed on sk. */
static __always_inline int ks_sock_io(struct sock *sk, int ret, int flags, int egress)
{
	__u32 tgid = lumen_tgid();
	if (!ks_pid_wanted(tgid))
		return 0;
	__u64 start = 0;
	if (egress) {
		/* taken whatever the outcome, so a failed write leaves no stale start behind */
		struct ks_wstart *w = bpf_task_storage_get(&ks_wstart, bpf_get_current_task_btf(), 0, 0);
		if (w && w->sk == (__u64)sk)
			start = w->ts;
		if (w)
			w->sk = 0;
	}
	if (ret <= 0 || (flags & KS_MSG_PEEK))
		return 0;
	if (!ks_sk_is_tcp(sk))
		return 0;
	/* the clock and the user-memory reads only for connections that are followed */
	struct ks_conn *c = ks_conn_get(sk, tgid);
	if (!c || c->state != KS_CS_TCP)
		return 0;
	struct ks_io *io = ks_io_get();
	if (!io)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	ks_segs_from_regs(io, ret);
	io->ts_start = start ? start : now;
	io->ts_end = now;
	io->sk = (__u64)sk;
	io->tgid = tgid;
	io->egress = egress;
	ks_count(KS_C_SYSCALLS);
	ks_walk_all(io);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(ks_sock_recv, struct sock *sk, int ret, int flags)
{
	return ks_sock_io(sk, ret, flags, 0);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(ks_sock_send, struct sock *sk, int ret, int flags)
{
	return ks_sock_io(sk, ret, flags, 1);
}

/* Before a TCP write copies its first byte: when the write (a client's request) started. */
SEC("tp_btf/tcp_sendmsg_locked")
int BPF_PROG(ks_send_start, struct sock *sk, struct msghdr *msg, struct sk_buff *skb, int size_goal)
{
	if (!ks_pid_wanted(lumen_tgid()))
		return 0;
	/* only a request's start matters (a response's end is the write's end): servers skip the clock */
	struct ks_conn_key key = { .sk = (__u64)sk };
	struct ks_conn *c = bpf_map_lookup_elem(&ks_conns, &key);
	if (c && c->role == KS_ROLE_SERVER)
		return 0;
	struct ks_wstart *w = bpf_task_storage_get(&ks_wstart, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (w && w->sk != (__u64)sk) {
		w->sk = (__u64)sk;
		w->ts = bpf_ktime_get_ns();
	}
	return 0;
}

#define KS_TCP_ESTABLISHED 1
#define KS_TCP_SYN_SENT 2
#define KS_TCP_SYN_RECV 3
#define KS_TCP_FIN_WAIT1 4
#define KS_TCP_CLOSE 7
#define KS_TCP_LAST_ACK 9
#define KS_RCV_SHUTDOWN 1

/* Connection births (role, freshness) and ends. Runs for every TCP socket of the host; cheap when not ours. */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(ks_set_state, struct sock *sk, int oldstate, int newstate)
{
	__u64 skv = ks_ctx_sk_id(ctx);
	if (newstate == KS_TCP_ESTABLISHED) {
		if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
			return 0;
		__u8 role = oldstate == KS_TCP_SYN_RECV ? KS_ROLE_SERVER : oldstate == KS_TCP_SYN_SENT ? KS_ROLE_CLIENT : 0;
		if (!role)
			return 0;
		/* a socket address reused by a new connection: whatever was cached belonged to the old one */
		struct ks_conn_key key = { .sk = skv };
		if (bpf_map_lookup_elem(&ks_conns, &key))
			ks_conn_end(skv);
		bpf_map_update_elem(&ks_fresh, &skv, &role, BPF_ANY);
		return 0;
	}
	int ends = 0;
	if (newstate == KS_TCP_CLOSE) {
		bpf_map_delete_elem(&ks_fresh, &skv);
		/* Reset, or the peer's FIN after our write-side shutdown: a socket its process still holds may still
		 * be read (the response can be waiting in its queue), so it ends at tcp_destroy_sock instead. */
		ends = BPF_CORE_READ(sk, sk_socket) == NULL;
	} else if ((newstate == KS_TCP_FIN_WAIT1 || newstate == KS_TCP_LAST_ACK) &&
		   (BPF_CORE_READ(sk, sk_shutdown) & KS_RCV_SHUTDOWN)) {
		ends = 1; /* closed by its process (a shutdown of the write side alone still reads the answer) */
	}
	if (ends)
		ks_conn_end(skv);
	return 0;
}

/* The socket is freed (its process closed it, or it was an orphan): whatever is still pending ends here. */
SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(ks_destroy, struct sock *sk)
{
	__u64 skv = ks_ctx_sk_id(ctx);
	bpf_map_delete_elem(&ks_fresh, &skv);
	ks_conn_end(skv);
	return 0;
}
