// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/*
 * kernel_socket: HTTP/1.x requests and responses of any process, seen from the socket layer's own
 * tracepoints (tp_btf; no kprobes, no fentry, no syscall tracepoints), fed into the shared connection machine
 * (include/ks_machine.h), which writes one ring-buffer record per completed request.
 *
 *  - sock_recv_length / sock_send_length fire once per socket read/write with the struct sock and the byte
 *    count, after the copy. The user buffer is found from the syscall's own registers (bpf_task_pt_regs:
 *    orig_ax = syscall number, rdi/rsi/rdx = fd, buffer or iovec/msghdr, count). Why not syscall tracepoints:
 *    attaching any of them puts every syscall of every process on the kernel's slow path (measured: -10 to
 *    -16 % throughput for nginx under wrk with an empty allow-list); these fire for socket I/O only;
 *  - tcp_sendmsg_locked (before the copy) stamps the start of a write: a client request starts when its
 *    first byte is written, not when the write returns;
 *  - inet_sock_set_state and tcp_destroy_sock: connection births and ends (include/ks_lifecycle.h).
 * Built twice: kernel_socket.bpf.o (KS_CAPTURE_MAX 1024) and kernel_socket_large.bpf.o (8192; the receiver
 * picks it when capture_bytes > 1024), see the Makefile.
 */
#include "lumen_common.h"
#include "ks_machine.h"

LUMEN_LICENSE();

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

/* ---- socket plumbing ---- */

/* Fills io->seg from an iovec array, trimmed to `total` bytes. `lazy` (an HTTP/2 connection): iovecs past the
 * segments are left for ks_iov_refill instead of becoming one counted-only segment. */
static __always_inline void ks_iov_segs(struct ks_io *io, const struct iovec *iov, __u64 iovcnt, __u64 total, int lazy)
{
	__u32 n = io->nseg;
	int i = 0;
	/* iovecs are read two at a time (headers + body is the common writev): half the user reads */
	struct iovec pair[2] = {};
	int have_pair = 0;
	io->iov_ptr = 0;
#pragma unroll
	for (i = 0; i < KS_MAX_SEGS - 1; i++) {
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
	if (total && lazy && i < iovcnt) {
		io->iov_ptr = (__u64)iov;
		io->iov_next = i;
		io->iov_cnt = iovcnt;
		io->iov_left = total;
	} else if (total && n < KS_MAX_SEGS) {
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


/*
 * Where the `ret` bytes of this socket call are in user memory, from the syscall's registers. Calls whose
 * buffer is not the caller's (sendfile, splice, io_uring, kernel threads) or that move several messages
 * (sendmmsg/recvmmsg: which one this is is unknown) become one counted-only segment. Not inlined: its iovec
 * and msghdr copies then take no stack in the frame under the machine's deep call chain.
 */
static __noinline void ks_segs_from_regs(struct ks_io *io, int ret, int lazy)
{
	io->nseg = 0;
	io->sendfile = 0;
	io->fd = -1;
	io->iov_ptr = 0;
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
		ks_iov_segs(io, (const struct iovec *)a1, a2, ret, lazy);
		return;
	case KS_NR_RECVMSG: case KS_NR_SENDMSG: {
		io->fd = (__s32)regs->di;
		struct user_msghdr m = {};
		if (bpf_probe_read_user(&m, sizeof(m), (void *)a1))
			break;
		ks_iov_segs(io, m.msg_iov, m.msg_iovlen, ret, lazy);
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

/* A socket read (egress 0) or write (egress 1) of `ret` bytes by wanted process tgid has just completed on sk.
 * Returns the connection when it is followed and the call is in the per-CPU ks_io, ready for the machine's walk. */
static __always_inline struct ks_conn *ks_sock_io_prepare(struct ks_io *io, struct sock *sk, int ret, int flags,
							  int egress, __u32 tgid)
{
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
		return NULL;
	if (!ks_sk_is_tcp(sk))
		return NULL;
	/* the clock and the user-memory reads only for connections that are followed */
	struct ks_conn *c = ks_conn_get(sk, tgid);
	if (!c || c->state != KS_CS_TCP)
		return NULL;
	__u64 now = bpf_ktime_get_ns();
	ks_segs_from_regs(io, ret, c->proto == KS_PROTO_HTTP2);
	io->ts_start = start ? start : now;
	io->ts_end = now;
	io->sk = (__u64)sk;
	io->tgid = tgid;
	io->egress = egress;
	io->proto = c->proto;
	ks_count(KS_C_SYSCALLS);
	return c;
}

/*
 * A wanted process's socket call (the hook noted io->tgid and io->egress): prepared and walked by the machine, in
 * a program of its own that both socket hooks enter by tail call: the verifier then explores the machine once for
 * the object instead of once per hook (it verifies every program separately, global functions included) — half of
 * kernel_socket's load time — and the connection is looked up once for the call (the walk takes the preparation's
 * pointer). Never attached itself (receivers/kernel_socket/programs.ts); tail calls between tp_btf programs need
 * the same tracepoint prototype, which sock_recv_length and sock_send_length share (sk, ret, flags are this call's).
 */
SEC("tp_btf/sock_recv_length")
int BPF_PROG(ks_sock_walk, struct sock *sk, int ret, int flags)
{
	struct ks_io *io = ks_io_get();
	if (!io)
		return 0;
	int egress = io->egress;
	struct ks_conn *c = ks_sock_io_prepare(io, sk, ret, flags, egress, io->tgid);
	if (c && bench_cut != KS_CUT_NO_WALK)
		ks_walk_all(io, c);
	if (egress)
		ks_tctx_write_done();
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} ks_walk_prog SEC(".maps") = {
	.values = { [0] = (void *)&ks_sock_walk },
};

static __always_inline int ks_sock_io(void *ctx, struct sock *sk, int ret, int flags, int egress)
{
	/* other processes' calls (most of them) leave here, without the tail call */
	__u32 tgid = lumen_tgid();
	struct ks_io *io = ks_pid_wanted(tgid) ? ks_io_get() : NULL;
	if (io) {
		io->tgid = tgid;
		io->egress = egress;
		bpf_tail_call(ctx, &ks_walk_prog, 0); /* does not return when it succeeds */
	}
	if (egress)
		ks_tctx_write_done();
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(ks_sock_recv, struct sock *sk, int ret, int flags)
{
	return ks_sock_io(ctx, sk, ret, flags, 0);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(ks_sock_send, struct sock *sk, int ret, int flags)
{
	return ks_sock_io(ctx, sk, ret, flags, 1);
}

/* Before a TCP write copies its first byte: when the write (a client's request) started. */
SEC("tp_btf/tcp_sendmsg_locked")
int BPF_PROG(ks_send_start, struct sock *sk, struct msghdr *msg, struct sk_buff *skb, int size_goal)
{
	/* a server's response (from a port this host accepts on): nothing to stamp, and no hash look-up for it */
	__u32 port = sk->__sk_common.skc_num;
	__u8 *server = bpf_map_lookup_elem(&ks_server_ports, &port);
	if (server && *server)
		return 0;
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

KS_LIFECYCLE_HOOKS

#include "ks_propagate.h"

