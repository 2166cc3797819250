// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/*
 * tls_uprobe: HTTPS at the OpenSSL boundary. Uprobes on SSL_read/SSL_read_ex and SSL_write/SSL_write_ex
 * (entry + return; or OpenSSL's internal read/write, which BIO_f_ssl users reach too) and SSL_free,
 * attached per process by receivers/tls_uprobe.
 *
 * The plaintext of each call is fed into kernel_socket's HTTP/1 machine — included below, not copied — as if
 * it had been read from / written to the SSL object's socket, so TLS gets the same request/response
 * assembly, records (struct ks_record) and TypeScript decoding as plain HTTP. In this object the machine's
 * read/write syscall probes are not loaded (they would see ciphertext); its accept/connect/close/dup probes
 * are, to learn connection roles and flush requests when a connection ends. ks_pids lists the TLS processes.
 *
 * SSL object → socket: the fd of a read/write syscall nested in the SSL call (socket BIOs: nginx, curl,
 * Python), or, for memory BIOs (Node.js), the socket read just before SSL_read on the same thread or the
 * socket write just after an SSL_write. The binding is kept in tls_conns until SSL_free.
 */
#include "kernel_socket.bpf.c"
#include "tls.h"

#define TLS_S_IFMT 00170000
#define TLS_S_IFSOCK 0140000

LUMEN_COUNTERS(tls_stats, TLS_STAT_MAX);
#define tls_count(slot) lumen_count(&tls_stats, slot)
#define tls_count_n(slot, n) lumen_count_n(&tls_stats, slot, n)

struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 16384); __type(key, __u64); __type(value, struct tls_call); } tls_calls SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 16384); __type(key, __u64); __type(value, struct tls_thread); } tls_threads SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 65536); __type(key, struct tls_conn_key); __type(value, struct tls_conn); } tls_conns SEC(".maps");

/* Is fd a TCP socket of the current task? */
static __always_inline int tls_fd_is_tcp(__s32 fd)
{
	struct sock *sk = ks_fd_sock(fd);
	return sk && BPF_CORE_READ(sk, sk_protocol) == IPPROTO_TCP;
}

/* Ties ssl to the socket behind fd; NULL when fd is not a TCP socket. */
static __always_inline struct tls_conn *tls_bind(__u32 tgid, __u64 ssl, __s32 fd, __u32 nested)
{
	if (!tls_fd_is_tcp(fd)) {
		tls_count(TLS_STAT_NOT_SOCKET);
		return NULL;
	}
	struct tls_conn_key k = { .tgid = tgid, .ssl = ssl };
	struct tls_conn v = { .fd = fd, .nested = nested };
	bpf_map_update_elem(&tls_conns, &k, &v, BPF_ANY);
	tls_count(TLS_STAT_BINDS);
	return bpf_map_lookup_elem(&tls_conns, &k);
}

static __always_inline int tls_enter(__u64 ssl, __u64 buf, __u64 len_ptr, __u8 dir, __u8 fn)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct tls_call c = { .ssl = ssl, .buf = buf, .len_ptr = len_ptr, .start_ns = bpf_ktime_get_ns(), .fd = -1, .dir = dir, .fn = fn };
	bpf_map_update_elem(&tls_calls, &id, &c, BPF_ANY);
	return 0;
}

/* Runs plaintext p[0..len) of connection (tgid, fd) through the HTTP/1 machine, like ks_exit does for a syscall. */
static __always_inline void tls_feed(__u32 tgid, __s32 fd, __u8 dir, __u64 start_ns, __u64 buf, __u64 len)
{
	struct ks_conn *c = ks_conn_get(tgid, fd, 0);
	if (!c || c->state != KS_CS_TCP)
		return;
	struct ks_io *io = ks_io_get();
	if (!io)
		return;
	io->ts_start = start_ns;
	io->ts_end = bpf_ktime_get_ns();
	io->tgid = tgid;
	io->fd = fd;
	io->egress = dir == TLS_DIR_WRITE;
	io->sendfile = 0;
	io->seg[0].base = buf;
	io->seg[0].len = len;
	io->nseg = 1;
	struct ks_walk w = { .seg = 0, .off = 0, .nseg = 1 };
	bpf_loop(KS_MAX_STEPS, ks_walk_cb, &w, 0);
}

static __always_inline int tls_return(long rc, int ex)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct tls_call *cp = bpf_map_lookup_elem(&tls_calls, &id);
	if (!cp)
		return 0;
	struct tls_call c = *cp;
	bpf_map_delete_elem(&tls_calls, &id);

	/* Bind first, even when the call failed: a handshake step still shows which socket the SSL object uses. */
	struct tls_conn_key k = { .tgid = tgid, .ssl = c.ssl };
	struct tls_conn *conn = bpf_map_lookup_elem(&tls_conns, &k);
	if (c.fd >= 0 && (!conn || conn->fd != c.fd)) {
		struct tls_conn *nc = tls_bind(tgid, c.ssl, c.fd, 1);
		if (nc)
			conn = nc;
	}
	if (!conn) {
		/* Memory BIO (Node.js): the ciphertext moves outside the SSL call, on the same thread. A read takes
		 * the socket read just before; a write the socket this thread both read and wrote last (a client's
		 * first request follows its handshake), else it waits for the thread's next socket write. */
		struct tls_thread *th = bpf_map_lookup_elem(&tls_threads, &id);
		if (th && th->last_read_fd >= 0 && (c.dir == TLS_DIR_READ || th->last_read_fd == th->last_write_fd))
			conn = tls_bind(tgid, c.ssl, th->last_read_fd, 0);
		if (!conn && c.dir == TLS_DIR_WRITE) {
			if (th) {
				th->pending_ssl = c.ssl;
			} else {
				struct tls_thread nt = { .last_read_fd = -1, .last_write_fd = -1, .pending_ssl = c.ssl };
				bpf_map_update_elem(&tls_threads, &id, &nt, BPF_ANY);
			}
		}
	}

	__u64 len = 0;
	if (ex) {
		if ((int)rc != 1 || !c.len_ptr)
			return 0;
		if (bpf_probe_read_user(&len, sizeof(len), (void *)c.len_ptr)) {
			tls_count(TLS_STAT_LEN_FAULT);
			return 0;
		}
	} else {
		if ((int)rc <= 0)
			return 0;
		len = (__u32)(int)rc;
	}
	if (len == 0)
		return 0;
	tls_count(TLS_STAT_CALLS);
	tls_count_n(TLS_STAT_BYTES, len);
	if (!conn) {
		tls_count(TLS_STAT_UNBOUND);
		return 0;
	}
	tls_feed(tgid, conn->fd, c.dir, c.start_ns, c.buf, len);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(tls_read_enter, void *ssl, void *buf, int num)
{
	return tls_enter((__u64)ssl, (__u64)buf, 0, TLS_DIR_READ, TLS_FN_READ);
}

SEC("uprobe")
int BPF_KPROBE(tls_read_ex_enter, void *ssl, void *buf, __u64 num, __u64 *readbytes)
{
	return tls_enter((__u64)ssl, (__u64)buf, (__u64)readbytes, TLS_DIR_READ, TLS_FN_READ_EX);
}

SEC("uprobe")
int BPF_KPROBE(tls_write_enter, void *ssl, const void *buf, int num)
{
	return tls_enter((__u64)ssl, (__u64)buf, 0, TLS_DIR_WRITE, TLS_FN_WRITE);
}

SEC("uprobe")
int BPF_KPROBE(tls_write_ex_enter, void *ssl, const void *buf, __u64 num, __u64 *written)
{
	return tls_enter((__u64)ssl, (__u64)buf, (__u64)written, TLS_DIR_WRITE, TLS_FN_WRITE_EX);
}

SEC("uretprobe")
int BPF_KRETPROBE(tls_ret, long rc)
{
	return tls_return(rc, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(tls_ret_ex, long rc)
{
	return tls_return(rc, 1);
}

SEC("uprobe")
int BPF_KPROBE(tls_free, void *ssl)
{
	struct tls_conn_key k = { .tgid = lumen_tgid(), .ssl = (__u64)ssl };
	bpf_map_delete_elem(&tls_conns, &k);
	return 0;
}

/* Read/write-family syscalls of TLS processes: the fd for the SSL call in progress on this thread, or the
 * thread's last socket read/write (memory BIOs); a pending SSL object is bound at the next write. */
static __always_inline int tls_syscall(__s64 fd_arg, __u8 dir)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	if (!bpf_map_lookup_elem(&ks_pids, &tgid))
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
		struct tls_thread nt = { .last_read_fd = dir == TLS_DIR_READ ? fd : -1, .last_write_fd = dir == TLS_DIR_WRITE ? fd : -1 };
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
		struct tls_conn_key k = { .tgid = tgid, .ssl = ssl };
		if (!bpf_map_lookup_elem(&tls_conns, &k))
			tls_bind(tgid, ssl, fd, 0);
	}
	return 0;
}

#define TLS_SYSCALL(name, dir)                                       \
	SEC("tracepoint/syscalls/sys_enter_" #name)                  \
	int tls_sys_##name(struct trace_event_raw_sys_enter *ctx)    \
	{                                                            \
		return tls_syscall(ctx->args[0], dir);               \
	}

TLS_SYSCALL(read, TLS_DIR_READ)
TLS_SYSCALL(readv, TLS_DIR_READ)
TLS_SYSCALL(recvfrom, TLS_DIR_READ)
TLS_SYSCALL(recvmsg, TLS_DIR_READ)
TLS_SYSCALL(write, TLS_DIR_WRITE)
TLS_SYSCALL(writev, TLS_DIR_WRITE)
TLS_SYSCALL(sendto, TLS_DIR_WRITE)
TLS_SYSCALL(sendmsg, TLS_DIR_WRITE)
