// SPDX-License-Identifier: GPL-2.0
/* TLS plaintext at the OpenSSL boundary: uprobes on SSL_read/SSL_read_ex (+ return), SSL_write/SSL_write_ex
 * (+ return) and SSL_free, attached per process by receivers/tls_uprobe. Each call that moved plaintext
 * becomes one TLS_EV_DATA record. The SSL object is tied to its TCP socket through the fd of a syscall
 * nested in the SSL call (socket BIOs: nginx, curl, Python) or, for memory BIOs (Node.js), the socket read
 * just before SSL_read / the socket write just after an SSL_write on the same thread; the tuple comes from
 * the task's fd table. */
#include "lumen_common.h"
#include "lumen_ringbuf.h"
#include "tls.h"

LUMEN_LICENSE();

#define S_IFMT 00170000
#define S_IFSOCK 0140000

/* Load-time settings (receivers/tls_uprobe/config.ts). Ring-buffer wake-ups: lumen_rb_wakeup_every. */
LUMEN_SETTING(__u32, tls_capture_bytes, 512);

struct tls_call {
	__u64 ssl;
	__u64 buf;
	__u64 len_ptr; /* size_t* of the _ex variants, 0 for SSL_read/SSL_write */
	__u64 start_ns;
	__s32 fd;      /* first fd of a read/write syscall nested in this call, -1 when none */
	__u8 dir;
	__u8 fn;
	__u8 _pad[2];
};

struct tls_thread {
	__s32 last_read_fd;
	__s32 last_write_fd;
	__u64 pending_ssl; /* an unbound SSL* that wrote through a memory BIO: bind it at the next socket write */
};

struct tls_conn_key {
	__u32 pid;
	__u32 _pad;
	__u64 ssl;
};

struct tls_conn {
	__u64 sock;
	__s32 fd;
	__u16 family;
	__u16 host_port;
	__u16 peer_port;
	__u8 _pad[6];
	__u8 host_addr[16];
	__u8 peer_addr[16];
};

/* Processes with TLS probes attached (tgid → 1): the syscall tracepoints only look at these. */
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 4096); __type(key, __u32); __type(value, __u32); } tls_pids SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 16384); __type(key, __u64); __type(value, struct tls_call); } tls_calls SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 16384); __type(key, __u64); __type(value, struct tls_thread); } tls_threads SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 65536); __type(key, struct tls_conn_key); __type(value, struct tls_conn); } tls_conns SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct tls_event); } tls_scratch SEC(".maps");
LUMEN_COUNTERS(tls_stats, TLS_STAT_MAX);
LUMEN_RINGBUF(tls_events, 4 << 20);

#define stat_inc(slot) lumen_count(&tls_stats, slot)

static __always_inline void output(struct tls_event *e, __u32 size)
{
	if (size > sizeof(*e))
		size = sizeof(*e);
	if (lumen_rb_output(&tls_events, e, size))
		stat_inc(TLS_STAT_RINGBUF_DROPS);
}

/* fd of the current task → TCP connection, from task->files->fdt->fd[fd]->private_data->sk. */
static __always_inline int fd_to_conn(__s32 fd, struct tls_conn *c)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || fd < 0 || (__u32)fd >= BPF_CORE_READ(fdt, max_fds))
		return -1;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return -1;
	umode_t mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & S_IFMT) != S_IFSOCK)
		return -1;
	struct socket *so = BPF_CORE_READ(f, private_data);
	struct sock *sk = BPF_CORE_READ(so, sk);
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return -1;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	__builtin_memset(c, 0, sizeof(*c));
	if (family == AF_INET) {
		BPF_CORE_READ_INTO((__u32 *)c->host_addr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)c->peer_addr, sk, __sk_common.skc_daddr);
	} else if (family == AF_INET6) {
		BPF_CORE_READ_INTO(c->host_addr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(c->peer_addr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	} else {
		return -1;
	}
	c->sock = (__u64)sk;
	c->fd = fd;
	c->family = family;
	c->host_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	c->peer_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	return 0;
}

static __always_inline void fill_conn(struct tls_event *e, const struct tls_conn *c)
{
	e->sock = c->sock;
	e->fd = c->fd;
	e->family = c->family;
	e->host_port = c->host_port;
	e->peer_port = c->peer_port;
	__builtin_memcpy(e->host_addr, c->host_addr, 16);
	__builtin_memcpy(e->peer_addr, c->peer_addr, 16);
	e->flags |= TLS_F_BOUND;
}

static __always_inline struct tls_event *scratch(void)
{
	__u32 zero = 0;
	struct tls_event *e = bpf_map_lookup_elem(&tls_scratch, &zero);
	if (!e)
		return NULL;
	__builtin_memset(e, 0, TLS_EVENT_HEADER_BYTES);
	return e;
}

/* Ties ssl to the socket behind fd (when it is a TCP socket) and reports it with a BIND record. */
static __always_inline struct tls_conn *bind_ssl(__u32 pid, __u32 tid, __u64 ssl, __s32 fd, __u8 nested)
{
	struct tls_conn c;
	struct tls_conn_key k = { .pid = pid, .ssl = ssl };
	if (fd_to_conn(fd, &c)) {
		stat_inc(TLS_STAT_NOT_SOCKET);
		return NULL;
	}
	bpf_map_update_elem(&tls_conns, &k, &c, BPF_ANY);
	struct tls_event *e = scratch();
	if (e) {
		e->start_ns = e->end_ns = bpf_ktime_get_ns();
		e->ssl = ssl;
		e->pid = pid;
		e->tid = tid;
		e->kind = TLS_EV_BIND;
		e->flags = nested ? TLS_F_NESTED_FD : 0;
		fill_conn(e, &c);
		output(e, TLS_EVENT_HEADER_BYTES);
	}
	return bpf_map_lookup_elem(&tls_conns, &k);
}

static __always_inline int on_enter(__u64 ssl, __u64 buf, __u64 len_ptr, __u8 dir, __u8 fn)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct tls_call c = { .ssl = ssl, .buf = buf, .len_ptr = len_ptr, .start_ns = bpf_ktime_get_ns(), .fd = -1, .dir = dir, .fn = fn };
	bpf_map_update_elem(&tls_calls, &id, &c, BPF_ANY);
	return 0;
}

static __always_inline int on_return(long rc, int ex)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 pid = id >> 32, tid = (__u32)id;
	struct tls_call *cp = bpf_map_lookup_elem(&tls_calls, &id);
	if (!cp)
		return 0;
	struct tls_call c = *cp;
	bpf_map_delete_elem(&tls_calls, &id);

	__u64 len = 0;
	if (ex) {
		if ((int)rc != 1 || !c.len_ptr || bpf_probe_read_user(&len, sizeof(len), (void *)c.len_ptr))
			return 0;
	} else {
		if ((int)rc <= 0)
			return 0;
		len = (__u32)(int)rc;
	}
	if (len == 0)
		return 0;

	struct tls_conn_key k = { .pid = pid, .ssl = c.ssl };
	struct tls_conn *conn = bpf_map_lookup_elem(&tls_conns, &k);
	if (c.fd >= 0 && (!conn || conn->fd != c.fd)) {
		/* socket BIO: the nested syscall's fd is authoritative (when it is a TCP socket) */
		struct tls_conn *nc = bind_ssl(pid, tid, c.ssl, c.fd, 1);
		if (nc)
			conn = nc;
	}
	if (!conn) {
		/* memory BIO (Node.js): the socket read just before SSL_read, or the next socket write */
		struct tls_thread *th = bpf_map_lookup_elem(&tls_threads, &id);
		if (c.dir == TLS_DIR_READ && th && th->last_read_fd >= 0) {
			conn = bind_ssl(pid, tid, c.ssl, th->last_read_fd, 0);
		} else if (c.dir == TLS_DIR_WRITE) {
			if (th) {
				th->pending_ssl = c.ssl;
			} else {
				struct tls_thread nt = { .last_read_fd = -1, .last_write_fd = -1, .pending_ssl = c.ssl };
				bpf_map_update_elem(&tls_threads, &id, &nt, BPF_ANY);
			}
		}
	}

	struct tls_event *e = scratch();
	if (!e)
		return 0;
	e->start_ns = c.start_ns;
	e->end_ns = bpf_ktime_get_ns();
	e->ssl = c.ssl;
	e->pid = pid;
	e->tid = tid;
	e->kind = TLS_EV_DATA;
	e->dir = c.dir;
	e->fn = c.fn;
	e->fd = -1;
	e->len = len > 0xffffffffULL ? 0xffffffff : (__u32)len;
	if (conn)
		fill_conn(e, conn);
	else
		stat_inc(TLS_STAT_UNBOUND);
	if (c.fd >= 0)
		e->flags |= TLS_F_NESTED_FD;

	__u32 n = e->len;
	if (n > tls_capture_bytes)
		n = tls_capture_bytes;
	if (n > TLS_CAPTURE_MAX)
		n = TLS_CAPTURE_MAX;
	if (n && bpf_probe_read_user(e->data, n, (void *)c.buf)) {
		stat_inc(TLS_STAT_READ_FAULT);
		n = 0;
	}
	e->captured = n;
	if (e->len > n) {
		e->flags |= TLS_F_TRUNCATED;
		__u32 tl = e->len < TLS_TAIL_BYTES ? e->len : TLS_TAIL_BYTES;
		if (tl == TLS_TAIL_BYTES && !bpf_probe_read_user(e->tail, TLS_TAIL_BYTES, (void *)(c.buf + e->len - TLS_TAIL_BYTES)))
			e->tail_len = TLS_TAIL_BYTES;
	}
	output(e, TLS_EVENT_HEADER_BYTES + n);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(tls_read_enter, void *ssl, void *buf, int num)
{
	return on_enter((__u64)ssl, (__u64)buf, 0, TLS_DIR_READ, TLS_FN_READ);
}

SEC("uprobe")
int BPF_KPROBE(tls_read_ex_enter, void *ssl, void *buf, __u64 num, __u64 *readbytes)
{
	return on_enter((__u64)ssl, (__u64)buf, (__u64)readbytes, TLS_DIR_READ, TLS_FN_READ_EX);
}

SEC("uprobe")
int BPF_KPROBE(tls_write_enter, void *ssl, const void *buf, int num)
{
	return on_enter((__u64)ssl, (__u64)buf, 0, TLS_DIR_WRITE, TLS_FN_WRITE);
}

SEC("uprobe")
int BPF_KPROBE(tls_write_ex_enter, void *ssl, const void *buf, __u64 num, __u64 *written)
{
	return on_enter((__u64)ssl, (__u64)buf, (__u64)written, TLS_DIR_WRITE, TLS_FN_WRITE_EX);
}

SEC("uretprobe")
int BPF_KRETPROBE(tls_ret, long rc)
{
	return on_return(rc, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(tls_ret_ex, long rc)
{
	return on_return(rc, 1);
}

SEC("uprobe")
int BPF_KPROBE(tls_free, void *ssl)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct tls_conn_key k = { .pid = id >> 32, .ssl = (__u64)ssl };
	bpf_map_delete_elem(&tls_conns, &k);
	struct tls_event *e = scratch();
	if (e) {
		e->start_ns = e->end_ns = bpf_ktime_get_ns();
		e->ssl = (__u64)ssl;
		e->pid = id >> 32;
		e->tid = (__u32)id;
		e->kind = TLS_EV_FREE;
		e->fd = -1;
		output(e, TLS_EVENT_HEADER_BYTES);
	}
	return 0;
}

/* Read/write family syscalls of TLS processes: remember the fd for the SSL call in progress on this thread,
 * or as the thread's last socket read/write (memory BIOs), and bind a pending SSL at its first write. */
static __always_inline int on_syscall(__s64 fd_arg, __u8 dir)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 pid = id >> 32;
	if (!bpf_map_lookup_elem(&tls_pids, &pid))
		return 0;
	__s32 fd = (__s32)fd_arg;
	if (fd < 0)
		return 0;
	struct tls_call *c = bpf_map_lookup_elem(&tls_calls, &id);
	if (c) {
		if (c->fd < 0)
			c->fd = fd;
		return 0;
	}
	struct tls_thread *th = bpf_map_lookup_elem(&tls_threads, &id);
	if (!th) {
		struct tls_thread nt = { .last_read_fd = -1, .last_write_fd = -1 };
		if (dir == TLS_DIR_READ)
			nt.last_read_fd = fd;
		else
			nt.last_write_fd = fd;
		bpf_map_update_elem(&tls_threads, &id, &nt, BPF_ANY);
		return 0;
	}
	if (dir == TLS_DIR_READ) {
		th->last_read_fd = fd;
		return 0;
	}
	th->last_write_fd = fd;
	if (th->pending_ssl) {
		__u64 ssl = th->pending_ssl;
		th->pending_ssl = 0;
		struct tls_conn_key k = { .pid = pid, .ssl = ssl };
		if (!bpf_map_lookup_elem(&tls_conns, &k))
			bind_ssl(pid, (__u32)id, ssl, fd, 0);
	}
	return 0;
}

#define SYSCALL_PROBE(name, dir)                                              \
	SEC("tracepoint/syscalls/sys_enter_" #name)                           \
	int tls_sys_##name(struct trace_event_raw_sys_enter *ctx)             \
	{                                                                     \
		return on_syscall(ctx->args[0], dir);                         \
	}

SYSCALL_PROBE(read, TLS_DIR_READ)
SYSCALL_PROBE(readv, TLS_DIR_READ)
SYSCALL_PROBE(recvfrom, TLS_DIR_READ)
SYSCALL_PROBE(recvmsg, TLS_DIR_READ)
SYSCALL_PROBE(write, TLS_DIR_WRITE)
SYSCALL_PROBE(writev, TLS_DIR_WRITE)
SYSCALL_PROBE(sendto, TLS_DIR_WRITE)
SYSCALL_PROBE(sendmsg, TLS_DIR_WRITE)
