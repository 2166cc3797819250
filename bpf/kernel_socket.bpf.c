// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/*
 * kernel_socket: HTTP/1.x requests and responses of any process, seen from syscall tracepoints only
 * (no kprobes, no fentry). One ring-buffer record (struct ks_record + captured bytes) per completed request.
 *
 *  - enter probes of the read/write family stash (fd, buffer/iovec, time) per thread; exit probes act on
 *    positive return values;
 *  - fd -> TCP tuple by walking task->files->fdt->fd[fd]->private_data->sk, cached per (tgid, fd) in
 *    ks_conns (negative results too), invalidated on close/dup2/dup3 and replaced on accept/connect;
 *  - state is keyed by (tgid, fd), never by thread: Python accepts on one thread and serves on another,
 *    Go reads and writes on different OS threads;
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
	__u8 fresh;     /* accept/connect seen and no byte since: the first bytes are the protocol's first */
	__u8 had_slots; /* ks_slots entries may exist for this fd */
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

#define KS_K_READ 1
#define KS_K_WRITE 2
#define KS_K_READV 3
#define KS_K_WRITEV 4
#define KS_K_RECVFROM 5
#define KS_K_SENDTO 6
#define KS_K_RECVMSG 7
#define KS_K_SENDMSG 8
#define KS_K_RECVMMSG 9
#define KS_K_SENDMMSG 10
#define KS_K_SENDFILE 11
#define KS_K_CONNECT 12

struct ks_args {
	__u64 ts;
	__u64 ptr;
	__u64 cnt;
	__s32 fd;
	__u32 kind;
};

/* Syscall arguments from enter to exit, in the thread's own storage: no hash update/delete per call, and
 * freed with the thread (a thread killed inside a syscall leaves nothing behind). kind 0 = nothing pending. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ks_args);
} ks_args SEC(".maps");

static __always_inline struct ks_args *ks_args_get(int create)
{
	return bpf_task_storage_get(&ks_args, bpf_get_current_task_btf(), 0,
				    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

struct ks_seg {
	__u64 base; /* 0: no user buffer (sendfile, iovecs past KS_MAX_SEGS): counted, not read */
	__u64 len;
};

/* Per-CPU scratch for the syscall being handled (programs do not nest on a CPU). */
struct ks_io {
	__u64 ts_start; /* syscall entry */
	__u64 ts_end;   /* syscall exit */
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
		bpf_probe_read_kernel(resp ? s->resp : s->req, capture_bytes, io->buf);
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
	__u32 fault = 0;
	__u32 got = ks_copy_user(io, resp ? s->resp : s->req, have, k, p, &fault);
	if (fault)
		ks_count(KS_C_READ_FAULT);
	if (resp)
		s->r.resp_len = have + got;
	else
		s->r.req_len = have + got;
}

/* ---- fd -> TCP connection ---- */

#define KS_S_IFMT 00170000
#define KS_S_IFSOCK 0140000

static __always_inline struct sock *ks_fd_sock(__s32 fd)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct file **fds = BPF_CORE_READ(t, files, fdt, fd);
	unsigned int max = BPF_CORE_READ(t, files, fdt, max_fds);
	if (fd < 0 || (unsigned int)fd >= max)
		return NULL;
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	if (!f)
		return NULL;
	umode_t mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & KS_S_IFMT) != KS_S_IFSOCK)
		return NULL;
	struct socket *so = BPF_CORE_READ(f, private_data);
	return BPF_CORE_READ(so, sk);
}

static __always_inline int ks_port_ignored(__u16 port)
{
	__u32 k = port;
	__u8 *v = bpf_map_lookup_elem(&ks_ignore_ports, &k);
	return v && *v;
}

/* Fills a connection entry from the socket behind fd (state OTHER when it is not TCP over IP). */
static __always_inline void ks_conn_fill(struct ks_conn *c, __s32 fd, __u8 role)
{
	__builtin_memset(c, 0, sizeof(*c));
	c->state = KS_CS_OTHER;
	c->role = role;
	c->fresh = role != 0;
	struct sock *sk = ks_fd_sock(fd);
	if (!sk)
		return;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u16 proto = BPF_CORE_READ(sk, sk_protocol);
	__u16 type = BPF_CORE_READ(sk, sk_type);
	if ((family != AF_INET && family != AF_INET6) || proto != IPPROTO_TCP || type != 1 /* SOCK_STREAM */)
		return;
	c->sk = (__u64)sk;
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
 * Emits the pending request in slot (tgid, fd, seq % KS_SLOTS) as one ring-buffer record and frees the
 * slot. Global (verified once): takes scalars only.
 */
__noinline int ks_emit(__u32 tgid, __s32 fd, __u32 seq, __u32 reason)
{
	struct ks_slot_key sk = { .tgid = tgid, .fd = fd, .slot = seq & (KS_SLOTS - 1) };
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
__noinline int ks_conn_end(__u32 tgid, __s32 fd)
{
	struct ks_conn_key key = { .tgid = tgid, .fd = fd };
	struct ks_conn *c = bpf_map_lookup_elem(&ks_conns, &key);
	if (!c)
		return 0;
	if (c->had_slots) {
		__u32 head = c->head, tail = c->tail;
		for (int i = 0; i < KS_SLOTS; i++) {
			__u32 seq = head + i;
			if (seq >= tail)
				break;
			struct ks_slot_key sk = { .tgid = tgid, .fd = fd, .slot = seq & (KS_SLOTS - 1) };
			struct ks_slot *s = bpf_map_lookup_elem(&ks_slots, &sk);
			if (!s || s->r.start_ns == 0 || s->r.seq != seq)
				continue;
			if (s->r.resp_start_ns) {
				ks_emit(tgid, fd, seq, KS_REASON_CLOSE);
			} else if (s->r.req_head_len) {
				ks_count(KS_C_CLOSED_NO_RESPONSE);
				ks_emit(tgid, fd, seq, KS_REASON_CLOSE);
			} else {
				ks_count(KS_C_CLOSED_INCOMPLETE);
			}
		}
		for (int i = 0; i < KS_SLOTS; i++) {
			struct ks_slot_key sk = { .tgid = tgid, .fd = fd, .slot = i };
			bpf_map_delete_elem(&ks_slots, &sk);
		}
	}
	bpf_map_delete_elem(&ks_conns, &key);
	return 1;
}

/* The connection entry for (tgid, fd): cached, or created from the fd table. fresh_role != 0 replaces any
 * cached entry (accept/connect returned this fd: whatever was cached belonged to an older file). */
static __always_inline struct ks_conn *ks_conn_get(__u32 tgid, __s32 fd, __u8 fresh_role)
{
	struct ks_conn_key key = { .tgid = tgid, .fd = fd };
	struct ks_conn *c;
	if (!fresh_role) {
		c = bpf_map_lookup_elem(&ks_conns, &key);
		if (c)
			return c;
	} else {
		ks_conn_end(tgid, fd);
	}
	struct ks_io *io = ks_io_get();
	if (!io)
		return NULL;
	ks_conn_fill(&io->conn_tmp, fd, fresh_role);
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

/*
 * One step of the header scan: a whole 8-byte word when the scanner is skipping a line's content (a value it
 * does not need, or the request/status line) and the word holds no LF, else one byte through h1_scan_byte.
 * Most of a header block is values, so most bytes go 8 at a time. The position lives in map memory.
 */
static long ks_scan_cb(__u32 i, void *vctx)
{
	struct ks_scan_ctx *x = vctx;
	struct ks_io *io = x->io;
	__u32 pos = io->scan_pos;
	if (pos >= x->n || pos >= KS_SCAN_MAX)
		return 1;
	KS_OPAQUE(pos);
	pos &= KS_SCAN_MAX - 1;
	struct h1_scan *s = &io->scan;
	if (pos + 8 <= x->n) {
		__u64 w = *(__u64 *)(io->buf + pos);
		if (s->mode == H1S_SKIP || s->mode == H1S_LINE_FIRST) {
			if (!h1_word_has_lf(w)) {
				h1_scan_skip_word(s, w);
				io->scan_pos = pos + 8;
				return 0;
			}
			__u32 k = h1_word_first_lf(w);
			if (k > 0) {
				h1_scan_skip_bytes(s, w, k);
				io->scan_pos = pos + k;
				return 0;
			}
		} else if (s->mode == H1S_NAME && s->idx == 0 && s->line_len == 0) {
			int have2 = pos + 16 <= x->n;
			__u64 w2 = have2 ? *(__u64 *)(io->buf + ((pos + 8) & (KS_SCAN_MAX - 1))) : 0;
			int r = h1_scan_line_start(s, w, w2, have2);
			if (r >= 0) {
				io->scan_pos = pos + r; /* r == 0: the same position again, now skipping */
				return 0;
			}
		}
	}
	io->scan_pos = pos + 1;
	if (h1_scan_byte(s, io->buf[pos])) {
		x->used = pos + 1;
		return 1;
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
	ks_emit(io->tgid, io->fd, seq, reason);
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
	struct ks_conn_key key = { .tgid = io->tgid, .fd = io->fd };
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

	if (d->phase == KS_P_IDLE) {
		if (!p)
			return -1; /* sendfile / unread iovecs at a message boundary: nothing to recognise */
		/* peek: carried bytes + up to 16 new ones */
		__u32 cl = d->carry_len & 15;
		__u32 take = n > 16 - cl ? 16 - cl : (__u32)n;
		__builtin_memset(io->peek, 0, 16);
		if (cl)
			bpf_probe_read_kernel(io->peek, cl, d->carry);
		bpf_probe_read_kernel(io->peek + cl, take & 31, io->buf);
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
			struct ks_slot_key sk = { .tgid = io->tgid, .fd = io->fd, .slot = seq & (KS_SLOTS - 1) };
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
		} else {
			/* A response start. */
			__u32 seq = c->head;
			struct ks_slot_key sk = { .tgid = io->tgid, .fd = io->fd, .slot = seq & (KS_SLOTS - 1) };
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
		}
	}

	/* The slot this message belongs to. */
	__u32 seq = is_req ? c->tail - 1 : c->head;
	if (c->head == c->tail) {
		d->phase = KS_P_IDLE;
		return -1;
	}
	struct ks_slot_key sk = { .tgid = io->tgid, .fd = io->fd, .slot = seq & (KS_SLOTS - 1) };
	struct ks_slot *s = bpf_map_lookup_elem(&ks_slots, &sk);
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

/* ---- syscall plumbing ---- */

static __always_inline int ks_enter(__u32 kind, __s32 fd, __u64 ptr, __u64 cnt)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	if (!ks_pid_wanted(tgid))
		return 0;
	if (kind != KS_K_CONNECT) {
		struct ks_conn *c = ks_conn_get(tgid, fd, 0);
		if (!c || c->state != KS_CS_TCP)
			return 0;
	}
	struct ks_args *a = ks_args_get(1);
	if (!a)
		return 0;
	a->ts = bpf_ktime_get_ns();
	a->ptr = ptr;
	a->cnt = cnt;
	a->fd = fd;
	a->kind = kind;
	return 0;
}

/* Fills io->seg from an iovec array, trimmed to `total` bytes. */
static __always_inline void ks_iov_segs(struct ks_io *io, const struct iovec *iov, __u64 iovcnt, __u64 total)
{
	__u32 n = io->nseg;
#pragma unroll
	for (int i = 0; i < KS_MAX_SEGS - 1; i++) {
		if (i >= iovcnt || total == 0 || n >= KS_MAX_SEGS - 1)
			break;
		struct iovec v = {};
		if (bpf_probe_read_user(&v, sizeof(v), &iov[i]))
			break;
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

static __always_inline int ks_exit(long ret, __u32 k1, __u32 k2)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct ks_args *ap = ks_args_get(0);
	if (!ap || !ap->kind)
		return 0;
	struct ks_args a = *ap;
	ap->kind = 0;
	if (ret <= 0 || (a.kind != k1 && a.kind != k2))
		return 0;
	struct ks_io *io = ks_io_get();
	if (!io)
		return 0;
	io->ts_start = a.ts;
	io->ts_end = bpf_ktime_get_ns();
	io->tgid = id >> 32;
	io->fd = a.fd;
	io->nseg = 0;
	io->sendfile = 0;
	switch (a.kind) {
	case KS_K_READ: case KS_K_RECVFROM: case KS_K_WRITE: case KS_K_SENDTO:
		io->egress = a.kind == KS_K_WRITE || a.kind == KS_K_SENDTO;
		io->seg[0].base = a.ptr;
		io->seg[0].len = ret;
		io->nseg = 1;
		break;
	case KS_K_READV: case KS_K_WRITEV:
		io->egress = a.kind == KS_K_WRITEV;
		ks_iov_segs(io, (const struct iovec *)a.ptr, a.cnt, ret);
		break;
	case KS_K_RECVMSG: case KS_K_SENDMSG: {
		io->egress = a.kind == KS_K_SENDMSG;
		struct user_msghdr m = {};
		if (bpf_probe_read_user(&m, sizeof(m), (void *)a.ptr))
			return 0;
		ks_iov_segs(io, m.msg_iov, m.msg_iovlen, ret);
		break;
	}
	case KS_K_RECVMMSG: case KS_K_SENDMMSG: {
		/* ret = messages transferred; follow the first two (TCP rarely uses these) */
		io->egress = a.kind == KS_K_SENDMMSG;
		struct mmsghdr *mm = (struct mmsghdr *)a.ptr;
#pragma unroll
		for (int i = 0; i < 2; i++) {
			if (i >= ret)
				break;
			struct mmsghdr h = {};
			if (bpf_probe_read_user(&h, sizeof(h), &mm[i]))
				break;
			ks_iov_segs(io, h.msg_hdr.msg_iov, h.msg_hdr.msg_iovlen, h.msg_len);
		}
		break;
	}
	case KS_K_SENDFILE:
		io->egress = 1;
		io->sendfile = 1;
		io->seg[0].base = 0;
		io->seg[0].len = ret;
		io->nseg = 1;
		break;
	default:
		return 0;
	}
	if (io->nseg == 0)
		return 0;
	ks_count(KS_C_SYSCALLS);
	struct ks_walk w = { .seg = 0, .off = 0, .nseg = io->nseg };
	bpf_loop(KS_MAX_STEPS, ks_walk_cb, &w, 0);
	return 0;
}

#define KS_ARG(ctx, i) ((ctx)->args[i])

SEC("tracepoint/syscalls/sys_enter_read")
int ks_enter_read(struct trace_event_raw_sys_enter *ctx)
{ return ks_enter(KS_K_READ, KS_ARG(ctx, 0), KS_ARG(ctx, 1), 0); }
SEC("tracepoint/syscalls/sys_exit_read")
int ks_exit_read(struct trace_event_raw_sys_exit *ctx) { return ks_exit(ctx->ret, KS_K_READ, KS_K_READ); }

SEC("tracepoint/syscalls/sys_enter_write")
int ks_enter_write(struct trace_event_raw_sys_enter *ctx)
{ return ks_enter(KS_K_WRITE, KS_ARG(ctx, 0), KS_ARG(ctx, 1), 0); }
SEC("tracepoint/syscalls/sys_exit_write")
int ks_exit_write(struct trace_event_raw_sys_exit *ctx) { return ks_exit(ctx->ret, KS_K_WRITE, KS_K_WRITE); }

SEC("tracepoint/syscalls/sys_enter_readv")
int ks_enter_readv(struct trace_event_raw_sys_enter *ctx)
{ return ks_enter(KS_K_READV, KS_ARG(ctx, 0), KS_ARG(ctx, 1), KS_ARG(ctx, 2)); }
SEC("tracepoint/syscalls/sys_exit_readv")
int ks_exit_readv(struct trace_event_raw_sys_exit *ctx) { return ks_exit(ctx->ret, KS_K_READV, KS_K_READV); }

SEC("tracepoint/syscalls/sys_enter_writev")
int ks_enter_writev(struct trace_event_raw_sys_enter *ctx)
{ return ks_enter(KS_K_WRITEV, KS_ARG(ctx, 0), KS_ARG(ctx, 1), KS_ARG(ctx, 2)); }
SEC("tracepoint/syscalls/sys_exit_writev")
int ks_exit_writev(struct trace_event_raw_sys_exit *ctx) { return ks_exit(ctx->ret, KS_K_WRITEV, KS_K_WRITEV); }

#define KS_MSG_PEEK 2

SEC("tracepoint/syscalls/sys_enter_recvfrom")
int ks_enter_recvfrom(struct trace_event_raw_sys_enter *ctx)
{
	if (KS_ARG(ctx, 3) & KS_MSG_PEEK)
		return 0;
	return ks_enter(KS_K_RECVFROM, KS_ARG(ctx, 0), KS_ARG(ctx, 1), 0);
}
SEC("tracepoint/syscalls/sys_exit_recvfrom")
int ks_exit_recvfrom(struct trace_event_raw_sys_exit *ctx) { return ks_exit(ctx->ret, KS_K_RECVFROM, KS_K_RECVFROM); }

SEC("tracepoint/syscalls/sys_enter_sendto")
int ks_enter_sendto(struct trace_event_raw_sys_enter *ctx)
{ return ks_enter(KS_K_SENDTO, KS_ARG(ctx, 0), KS_ARG(ctx, 1), 0); }
SEC("tracepoint/syscalls/sys_exit_sendto")
int ks_exit_sendto(struct trace_event_raw_sys_exit *ctx) { return ks_exit(ctx->ret, KS_K_SENDTO, KS_K_SENDTO); }

SEC("tracepoint/syscalls/sys_enter_recvmsg")
int ks_enter_recvmsg(struct trace_event_raw_sys_enter *ctx)
{
	if (KS_ARG(ctx, 2) & KS_MSG_PEEK)
		return 0;
	return ks_enter(KS_K_RECVMSG, KS_ARG(ctx, 0), KS_ARG(ctx, 1), 0);
}
SEC("tracepoint/syscalls/sys_exit_recvmsg")
int ks_exit_recvmsg(struct trace_event_raw_sys_exit *ctx) { return ks_exit(ctx->ret, KS_K_RECVMSG, KS_K_RECVMSG); }

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int ks_enter_sendmsg(struct trace_event_raw_sys_enter *ctx)
{ return ks_enter(KS_K_SENDMSG, KS_ARG(ctx, 0), KS_ARG(ctx, 1), 0); }
SEC("tracepoint/syscalls/sys_exit_sendmsg")
int ks_exit_sendmsg(struct trace_event_raw_sys_exit *ctx) { return ks_exit(ctx->ret, KS_K_SENDMSG, KS_K_SENDMSG); }

SEC("tracepoint/syscalls/sys_enter_recvmmsg")
int ks_enter_recvmmsg(struct trace_event_raw_sys_enter *ctx)
{
	if (KS_ARG(ctx, 3) & KS_MSG_PEEK)
		return 0;
	return ks_enter(KS_K_RECVMMSG, KS_ARG(ctx, 0), KS_ARG(ctx, 1), KS_ARG(ctx, 2));
}
SEC("tracepoint/syscalls/sys_exit_recvmmsg")
int ks_exit_recvmmsg(struct trace_event_raw_sys_exit *ctx) { return ks_exit(ctx->ret, KS_K_RECVMMSG, KS_K_RECVMMSG); }

SEC("tracepoint/syscalls/sys_enter_sendmmsg")
int ks_enter_sendmmsg(struct trace_event_raw_sys_enter *ctx)
{ return ks_enter(KS_K_SENDMMSG, KS_ARG(ctx, 0), KS_ARG(ctx, 1), KS_ARG(ctx, 2)); }
SEC("tracepoint/syscalls/sys_exit_sendmmsg")
int ks_exit_sendmmsg(struct trace_event_raw_sys_exit *ctx) { return ks_exit(ctx->ret, KS_K_SENDMMSG, KS_K_SENDMMSG); }

SEC("tracepoint/syscalls/sys_enter_sendfile64")
int ks_enter_sendfile(struct trace_event_raw_sys_enter *ctx)
{ return ks_enter(KS_K_SENDFILE, KS_ARG(ctx, 0), 0, 0); }
SEC("tracepoint/syscalls/sys_exit_sendfile64")
int ks_exit_sendfile(struct trace_event_raw_sys_exit *ctx) { return ks_exit(ctx->ret, KS_K_SENDFILE, KS_K_SENDFILE); }

/* accept/accept4: the returned fd is a new server-side connection. */
static __always_inline int ks_accepted(long ret)
{
	__u32 tgid = lumen_tgid();
	if (ret < 0 || !ks_pid_wanted(tgid))
		return 0;
	ks_conn_get(tgid, (__s32)ret, KS_ROLE_SERVER);
	return 0;
}
SEC("tracepoint/syscalls/sys_exit_accept")
int ks_exit_accept(struct trace_event_raw_sys_exit *ctx) { return ks_accepted(ctx->ret); }
SEC("tracepoint/syscalls/sys_exit_accept4")
int ks_exit_accept4(struct trace_event_raw_sys_exit *ctx) { return ks_accepted(ctx->ret); }

/* connect: the fd becomes a client-side connection (0, or EINPROGRESS on a non-blocking socket). */
SEC("tracepoint/syscalls/sys_enter_connect")
int ks_enter_connect(struct trace_event_raw_sys_enter *ctx)
{ return ks_enter(KS_K_CONNECT, KS_ARG(ctx, 0), 0, 0); }
SEC("tracepoint/syscalls/sys_exit_connect")
int ks_exit_connect(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct ks_args *ap = ks_args_get(0);
	if (!ap || ap->kind != KS_K_CONNECT)
		return 0;
	__s32 fd = ap->fd;
	ap->kind = 0;
	long ret = ctx->ret;
	if (ret != 0 && ret != -115 /* EINPROGRESS */)
		return 0;
	ks_conn_get(id >> 32, fd, KS_ROLE_CLIENT);
	return 0;
}

/* close, and dup2/dup3 onto an open fd (which closes it). */
static __always_inline int ks_closing(__s32 fd)
{
	__u32 tgid = lumen_tgid();
	if (!ks_pid_wanted(tgid))
		return 0;
	ks_conn_end(tgid, fd);
	return 0;
}
SEC("tracepoint/syscalls/sys_enter_close")
int ks_enter_close(struct trace_event_raw_sys_enter *ctx) { return ks_closing(KS_ARG(ctx, 0)); }
SEC("tracepoint/syscalls/sys_enter_dup2")
int ks_enter_dup2(struct trace_event_raw_sys_enter *ctx) { return ks_closing(KS_ARG(ctx, 1)); }
SEC("tracepoint/syscalls/sys_enter_dup3")
int ks_enter_dup3(struct trace_event_raw_sys_enter *ctx) { return ks_closing(KS_ARG(ctx, 1)); }
