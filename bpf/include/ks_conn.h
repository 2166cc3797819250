/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * The connection machine's state (see ks_machine.h): load-time settings, per-connection state keyed by the
 * socket, the pending-request slots, per-CPU scratch, the record ring buffer and counters, and how a socket
 * becomes a followed connection.
 */
#ifndef LUMEN_KS_CONN_H
#define LUMEN_KS_CONN_H

#include "lumen_common.h"
#include "lumen_ringbuf.h"
#include "http1_detect.h"
#include "kernel_socket.h"

/* ---- load-time settings ---- */
LUMEN_SETTING(__u32, capture_bytes, 256);   /* bytes kept of each request and response, <= KS_CAPTURE_MAX */
LUMEN_SETTING(__u32, filter_pids, 1);       /* 1: only processes in ks_pids; 0: every process (debugging) */
LUMEN_SETTING(__u32, self_tgid, 0);         /* never trace this process (the agent) */
LUMEN_SETTING(__u32, ignore_ports_on, 0);   /* 1: consult ks_ignore_ports */
LUMEN_SETTING(__u32, max_head_bytes, 16384);/* give up following a header block longer than this */
/* 1: a server's response head is not scanned (ks_lean_headers). Off: in the quiet window it moved the cost from the
 * response write to the next request's read with no net gain (bench/README.md, probe-cost), and it trades span end
 * times (idle keep-alive, stalled bodies) for it. Kept, with its side-by-side test, for the record-emission work. */
LUMEN_SETTING(__u32, lean_responses, 0);
/* 1: a call of one or two segments is walked by direct steps with one connection look-up (ks_walk_all); 0: by the
 * bpf_loop walk alone, the reference lean.test.ts compares the direct walk with. */
LUMEN_SETTING(__u32, walk_direct, 1);
/* Benchmarks only (bench/overhead/probe-cost.ts --settings-b): where a socket call's work is cut short, so one run
 * shows what each stage costs. 0: nothing cut (the verifier prunes the checks); 1: the call is prepared (connection
 * look-up, clock, segments) but not walked; 2: a completed request frees its slot without a ring record; 3: its ring
 * record is reserved and discarded, no byte written. */
LUMEN_SETTING(__u32, bench_cut, 0);
#define KS_CUT_NO_WALK 1
#define KS_CUT_NO_RECORD 2
#define KS_CUT_DISCARD 3

#define KS_SCAN_MAX 1024  /* header bytes scanned per step */
#define KS_MAX_SEGS 8     /* iovec segments per syscall followed byte-wise (power of two) */
#define KS_MAX_STEPS 48   /* message steps per syscall */
#define KS_PEEK 32

/* Hide a value from clang's range analysis so the bound check that follows stays in the code the verifier sees. */
#define KS_OPAQUE(x) asm volatile("" : "+r"(x))

/* ---- maps ---- */
/* The processes followed, as a bitmap: word tgid / 64, bit tgid % 64 (src/discovery/pid-bitmap.ts writes it).
 * An array look-up is inlined by the verifier: every socket call of every process on the host pays one load
 * here, not a hash look-up, before it leaves. 65,536 words cover PID_MAX_LIMIT. */
#define KS_PID_WORDS 65536
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KS_PID_WORDS);
	__type(key, __u32);
	__type(value, __u64);
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
	__u8 lost;           /* the message in progress has no slot (a lost request, or the answer to one): framed, not emitted */
	__u8 lost_method;    /* of the lost request (HEAD responses have no body) */
	__u16 lost_status;   /* of the lost request's response, across calls */
	__u8 _pad[2];
};

struct ks_conn {
	__u64 sk;
	__u32 tgid;     /* the process that last used the connection */
	__u32 lost;     /* requests lost (counted) whose responses are still to come */
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
	__u8 proto;     /* KS_PROTO_*: a wire protocol's connection is framed by ks_wire.h, not as HTTP/1 */
	__u8 h2_from_start; /* HTTP/2: 1 = capture saw the connection's first frames (ks_http2.h) */
	__u32 lost_at;  /* the lost requests came right before request lost_at: their answers follow the one of lost_at - 1 */
	__u32 _pad1;
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

/* Local ports on which this host accepted a TCP connection (value 1), written at each accept's ESTABLISHED: a
 * write from such a port is a server's response, whose start no span needs (ks_send_start). An array: its
 * look-up is a direct load, no helper call. Ports a client connect() picks never hold a listener's bind, so a
 * client socket has such a port only when it bound one itself. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} ks_server_ports SEC(".maps");

/* Connections that became ESTABLISHED and have not been used yet: sk -> KS_ROLE_*. Written for every TCP
 * connection of the host (the state change happens in softirq, where the process is unknown), so small
 * values in an LRU map. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u8);
} ks_fresh SEC(".maps");

/* Client sockets of wanted processes whose connect() was seen (CLOSE -> SYN_SENT runs in the calling thread):
 * sk -> CLOCK_MONOTONIC ns. The connection's first request takes it into its record (ks_slot_open). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} ks_connect_at SEC(".maps");

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
	__u32 wire_counted; /* bit per segment whose bytes a wire step has counted (ks_wire.h): once, however many steps */
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
	__u32 find_end; /* ks_find_head_end's result */
	__u32 find_m;   /* ... and the bytes it searches */
	__u32 msg_done; /* ks_msg_step: the response it stepped is complete (ks_step emits it) */
	__u32 h2_len;   /* bytes of the HTTP/2 record being assembled in ks_out (ks_http2.h) */
	__u8 h2_open;   /* 1: a record is being assembled */
	__u8 h2_seen;   /* 1: this call stepped an HTTP/2 connection */
	__u8 proto;     /* the connection's KS_PROTO_* when the call began (set by the hook): ks_step dispatches on it */
	__u8 _pad3;
	/* iovecs past io->seg not read yet (an HTTP/2 connection's writev, read in turns by ks_iov_refill) */
	__u64 iov_ptr;  /* 0: none */
	__u64 iov_left; /* bytes they hold */
	__u32 iov_next; /* index of the first unread one */
	__u32 iov_cnt;
	__u8 peek[KS_PEEK];
	__u8 buf[KS_SCAN_MAX + 16]; /* + 16: words read at any in-range offset (+ 2) stay inside */
	struct ks_conn conn_tmp;
	struct ks_record sink; /* the record a slot-less (lost) message is framed with */
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
	__u8 _tail[8]; /* a slot's trailer (ks_slot.sample) */
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
	__u32 w = tgid >> 6;
	__u64 *bits = bpf_map_lookup_elem(&ks_pids, &w);
	return bits && ((*bits >> (tgid & 63)) & 1);
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

/* A tp_btf program's first argument (the struct sock *) as a plain number, read from the context: the typed
 * pointer itself may not be passed to a global function nor stored as a scalar. */
static __always_inline __u64 ks_ctx_sk_id(unsigned long long *ctx)
{
	__u64 skv = 0;
	bpf_probe_read_kernel(&skv, sizeof(skv), &ctx[0]);
	return skv;
}

#define KS_MSG_PEEK 2

/* Where one step of the call in the per-CPU ks_io starts (ks_step_at): a followed TCP connection's segment. */
struct ks_at {
	struct ks_io *io;
	struct ks_conn *c;
	const __u8 *p; /* the bytes from the step's offset; NULL when not readable (sendfile, unread iovecs) */
	__u64 n;       /* bytes from the offset to the segment's end */
	__u32 seg;     /* the segment, bounded for the verifier */
};

/* The connection of the call in io, or NULL when it is no longer followed. */
static __always_inline struct ks_conn *ks_io_conn(struct ks_io *io)
{
	struct ks_conn_key key = { .sk = io->sk };
	struct ks_conn *c = bpf_map_lookup_elem(&ks_conns, &key);
	return c && c->state == KS_CS_TCP ? c : NULL;
}

/* The start of a step of connection c (the caller looked it up: once per call on the walk's direct path) over
 * segment `seg` from byte `off`; 0 when there is nothing to do (no such segment or byte, a connection no longer
 * followed). */
static __always_inline int ks_step_at_conn(struct ks_conn *c, __u32 seg, __u32 off, struct ks_at *a)
{
	struct ks_io *io = ks_io_get();
	if (!io || seg >= KS_MAX_SEGS)
		return 0;
	KS_OPAQUE(seg);
	seg &= KS_MAX_SEGS - 1;
	__u64 seglen = io->seg[seg].len;
	if (off >= seglen || c->state != KS_CS_TCP)
		return 0;
	const __u8 *base = (const __u8 *)io->seg[seg].base;
	a->io = io;
	a->c = c;
	a->p = base ? base + off : NULL;
	a->n = seglen - off;
	a->seg = seg;
	return 1;
}

/* ks_step_at_conn with the connection looked up: every step of the machine but HTTP/1's (lost messages, wire,
 * HTTP/2) begins here. */
static __always_inline int ks_step_at(__u32 seg, __u32 off, struct ks_at *a)
{
	struct ks_io *io = ks_io_get();
	if (!io)
		return 0;
	struct ks_conn *c = ks_io_conn(io);
	return c ? ks_step_at_conn(c, seg, off, a) : 0;
}

#endif /* LUMEN_KS_CONN_H */
