/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * The tls_uprobe probe family (bpf/tls.bpf.c). TLS plaintext runs through the connection machine shared with
 * kernel_socket (include/ks_machine.h), so its records are struct ks_record (see kernel_socket.h) and are
 * decoded by the same TypeScript. This header holds what is TLS-specific:
 * the SSL-object → socket binding and the counters.
 */
#ifndef LUMEN_TLS_H
#define LUMEN_TLS_H

/* tls_call.dir */
#define TLS_DIR_READ 0  /* plaintext the process received (SSL_read*) */
#define TLS_DIR_WRITE 1 /* plaintext the process sent (SSL_write*) */

/* Which probe saw a call (tls_call.fn). */
#define TLS_FN_READ 1
#define TLS_FN_READ_EX 2
#define TLS_FN_WRITE 3
#define TLS_FN_WRITE_EX 4

/* An SSL call in progress on a thread (tls_calls, keyed by pid_tgid). */
struct tls_call {
	__u64 ssl;
	__u64 buf;
	__u64 len_ptr;  /* size_t * of the _ex variants (readbytes/written), 0 for SSL_read/SSL_write */
	__u64 start_ns;
	__u64 sk;       /* socket of the first socket read/write nested in the call, 0 when none */
	__u8 dir;
	__u8 fn;
	__u8 _pad[6];
};

/* Per thread: the last sockets it read and wrote outside SSL calls, and an SSL object waiting for its socket. */
struct tls_thread {
	__u64 last_read_sk;  /* 0: none */
	__u64 last_write_sk;
	__u64 pending_ssl; /* unbound SSL* that wrote through a memory BIO: bound at the thread's next write */
};

struct tls_conn_key {
	__u32 tgid;
	__u32 _pad;
	__u64 ssl;
};

/* The socket (struct sock *) an SSL object is tied to. */
struct tls_conn {
	__u64 sk;
	__u32 nested; /* 1: learnt from socket I/O nested in an SSL call (socket BIO), 0: from a neighbour (memory BIO) */
	__u32 _pad;
};

/* tls_stats (per-CPU __u64 array) slots; keep in sync with receivers/tls_uprobe/counters.ts. */
#define TLS_STAT_CALLS 0        /* SSL read/write calls that moved plaintext */
#define TLS_STAT_BYTES 1        /* plaintext bytes seen */
#define TLS_STAT_UNBOUND 2      /* plaintext of an SSL object not (yet) tied to a socket: not parsed */
#define TLS_STAT_BINDS 3        /* SSL object → socket bindings made */
#define TLS_STAT_NOT_SOCKET 4   /* a candidate socket was not TCP */
#define TLS_STAT_LEN_FAULT 5    /* the _ex length could not be read */
#define TLS_STAT_MAX 6

#endif
