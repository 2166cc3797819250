// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/*
 * tls_uprobe: HTTPS at the OpenSSL boundary. Uprobes on SSL_read/SSL_read_ex and SSL_write/SSL_write_ex
 * (entry + return; or OpenSSL's internal read/write, which BIO_f_ssl users reach too) and SSL_free,
 * attached per process by receivers/tls_uprobe.
 *
 * The plaintext of each call is fed into the shared connection machine (include/ks_machine.h, kernel_socket's
 * too) as if it had been read from / written to the SSL object's socket, so TLS gets the same request/response
 * assembly, records (struct ks_record) and TypeScript decoding as plain HTTP. This object has no socket
 * read/write probes feeding the machine (they would see ciphertext); it has the machine's connection-state
 * hooks, to learn connection roles and flush requests when a connection ends. ks_pids lists the TLS processes.
 *
 * SSL object → socket: the socket of a read/write nested in the SSL call (socket BIOs: nginx, curl, Python),
 * or, for memory BIOs (Node.js), the socket read just before SSL_read on the same thread or the socket write
 * just after an SSL_write. The socket layer's tracepoints (sock_recv_length/sock_send_length) give it
 * directly, without syscall tracepoints. The binding is kept in tls_conns until SSL_free.
 */
#include "lumen_common.h"
#include "ks_machine.h"
#include "tls.h"

LUMEN_LICENSE();

LUMEN_COUNTERS(tls_stats, TLS_STAT_MAX);
#define tls_count(slot) lumen_count(&tls_stats, slot)
#define tls_count_n(slot, n) lumen_count_n(&tls_stats, slot, n)

/* Per-thread state lives in the thread's own storage: no hash update/delete per SSL call (an LRU hash update
 * cost more than the rest of a call's work), and it goes away with the thread. */
struct { __uint(type, BPF_MAP_TYPE_TASK_STORAGE); __uint(map_flags, BPF_F_NO_PREALLOC); __type(key, int); __type(value, struct tls_call); } tls_calls SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_TASK_STORAGE); __uint(map_flags, BPF_F_NO_PREALLOC); __type(key, int); __type(value, struct tls_thread); } tls_threads SEC(".maps");

/* The SSL call in progress on this thread (start_ns != 0), created on demand. */
static __always_inline struct tls_call *tls_call_of_thread(int create)
{
	return bpf_task_storage_get(&tls_calls, bpf_get_current_task_btf(), 0, create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

static __always_inline struct tls_thread *tls_thread_of_thread(int create)
{
	return bpf_task_storage_get(&tls_threads, bpf_get_current_task_btf(), 0, create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 65536); __type(key, struct tls_conn_key); __type(value, struct tls_conn); } tls_conns SEC(".maps");

/* Ties ssl to a TCP socket (the caller checked it is one). */
static __always_inline struct tls_conn *tls_bind(__u32 tgid, __u64 ssl, __u64 sk, __u32 nested)
{
	if (!sk)
		return NULL;
	struct tls_conn_key k = { .tgid = tgid, .ssl = ssl };
	struct tls_conn v = { .sk = sk, .nested = nested };
	bpf_map_update_elem(&tls_conns, &k, &v, BPF_ANY);
	tls_count(TLS_STAT_BINDS);
	return bpf_map_lookup_elem(&tls_conns, &k);
}

static __always_inline int tls_enter(__u64 ssl, __u64 buf, __u64 len_ptr, __u8 dir, __u8 fn)
{
	struct tls_call *c = tls_call_of_thread(1);
	if (!c)
		return 0;
	c->ssl = ssl;
	c->buf = buf;
	c->len_ptr = len_ptr;
	c->start_ns = bpf_ktime_get_ns();
	c->sk = 0;
	c->dir = dir;
	c->fn = fn;
	return 0;
}

/* Runs plaintext p[0..len) of connection sk through the HTTP/1 machine, like ks_sock_io does for a socket call. */
static __always_inline void tls_feed(__u32 tgid, __u64 sk, __u8 dir, __u64 start_ns, __u64 buf, __u64 len)
{
	struct ks_conn *c = ks_conn_get((struct sock *)sk, tgid);
	if (!c || c->state != KS_CS_TCP)
		return;
	struct ks_io *io = ks_io_get();
	if (!io)
		return;
	io->ts_start = start_ns;
	io->ts_end = bpf_ktime_get_ns();
	io->sk = sk;
	io->tgid = tgid;
	io->fd = -1;
	io->egress = dir == TLS_DIR_WRITE;
	io->proto = c->proto;
	io->sendfile = 0;
	io->seg[0].base = buf;
	io->seg[0].len = len;
	io->nseg = 1;
	io->iov_ptr = 0;
	ks_walk_all(io, c);
}

/* One return probe for every variant: the entry noted which one (c.fn). The connection machine behind it is
 * verified once per program, so a second return program would double the object's verification time. */
static __always_inline int tls_return(long rc)
{
	__u32 tgid = lumen_tgid();
	struct tls_call *cp = tls_call_of_thread(0);
	if (!cp || !cp->start_ns)
		return 0;
	struct tls_call c = *cp;
	cp->start_ns = 0; /* the call is over */

	/* Bind first, even when the call failed: a handshake step still shows which socket the SSL object uses. */
	struct tls_conn_key k = { .tgid = tgid, .ssl = c.ssl };
	struct tls_conn *conn = bpf_map_lookup_elem(&tls_conns, &k);
	if (c.sk && (!conn || conn->sk != c.sk)) {
		struct tls_conn *nc = tls_bind(tgid, c.ssl, c.sk, 1);
		if (nc)
			conn = nc;
	}
	if (!conn) {
		/* Memory BIO (Node.js): the ciphertext moves outside the SSL call, on the same thread. A read takes
		 * the socket read just before; a write the socket this thread both read and wrote last (a client's
		 * first request follows its handshake), else it waits for the thread's next socket write. */
		struct tls_thread *th = tls_thread_of_thread(0);
		if (th && th->last_read_sk && (c.dir == TLS_DIR_READ || th->last_read_sk == th->last_write_sk))
			conn = tls_bind(tgid, c.ssl, th->last_read_sk, 0);
		if (!conn && c.dir == TLS_DIR_WRITE) {
			if (!th)
				th = tls_thread_of_thread(1);
			if (th)
				th->pending_ssl = c.ssl;
		}
	}

	__u64 len = 0;
	if (c.fn == TLS_FN_READ_EX || c.fn == TLS_FN_WRITE_EX) {
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
	tls_feed(tgid, conn->sk, c.dir, c.start_ns, c.buf, len);
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
	return tls_return(rc);
}

SEC("uprobe")
int BPF_KPROBE(tls_free, void *ssl)
{
	struct tls_conn_key k = { .tgid = lumen_tgid(), .ssl = (__u64)ssl };
	bpf_map_delete_elem(&tls_conns, &k);
	return 0;
}

/* Socket reads/writes of TLS processes: the socket for the SSL call in progress on this thread, or the
 * thread's last socket read/write (memory BIOs); a pending SSL object is bound at the next write. Every
 * outcome counts (a nested read that found nothing yet still names the socket). */
static __always_inline int tls_sock(__u64 skv, struct sock *sk, __u8 dir)
{
	__u32 tgid = lumen_tgid();
	if (!ks_pid_wanted(tgid))
		return 0;
	if (!ks_sk_is_tcp(sk)) {
		tls_count(TLS_STAT_NOT_SOCKET);
		return 0;
	}
	struct tls_call *c = tls_call_of_thread(0);
	if (c && c->start_ns) {
		if (!c->sk)
			c->sk = skv;
		return 0;
	}
	struct tls_thread *th = tls_thread_of_thread(1);
	if (!th)
		return 0;
	if (dir == TLS_DIR_READ) {
		th->last_read_sk = skv;
		return 0;
	}
	th->last_write_sk = skv;
	if (th->pending_ssl) {
		__u64 ssl = th->pending_ssl;
		th->pending_ssl = 0;
		struct tls_conn_key k = { .tgid = tgid, .ssl = ssl };
		if (!bpf_map_lookup_elem(&tls_conns, &k))
			tls_bind(tgid, ssl, skv, 0);
	}
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(tls_sock_recv, struct sock *sk, int ret, int flags)
{
	if (flags & KS_MSG_PEEK)
		return 0;
	return tls_sock(ks_ctx_sk_id(ctx), sk, TLS_DIR_READ);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(tls_sock_send, struct sock *sk, int ret, int flags)
{
	return tls_sock(ks_ctx_sk_id(ctx), sk, TLS_DIR_WRITE);
}

/* The connection machine's lifecycle: roles of new connections, pending requests flushed at a close. */
KS_LIFECYCLE_HOOKS
