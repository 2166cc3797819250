/* Records of bpf/tls.bpf.c (the tls_uprobe receiver), decoded once in receivers/tls_uprobe/record.ts.
 * Explicit padding, no packed structs: every field sits at the offset its size aligns to. */
#ifndef LUMEN_TLS_H
#define LUMEN_TLS_H

/* Hard upper bound of captured plaintext per SSL_read/SSL_write call; the load-time setting
 * tls_capture_bytes (default 512) chooses how much of it is used. Must be a power of two. */
#define TLS_CAPTURE_MAX 8192
#define TLS_TAIL_BYTES 16

/* tls_event.kind */
#define TLS_EV_DATA 1   /* plaintext crossed SSL_read/SSL_write */
#define TLS_EV_BIND 2   /* the SSL object was tied to a (new) socket: tuple fields valid */
#define TLS_EV_FREE 3   /* SSL_free: the SSL object (and its connection state) is gone */

/* tls_event.dir */
#define TLS_DIR_READ 0  /* plaintext the process received (SSL_read*) */
#define TLS_DIR_WRITE 1 /* plaintext the process sent (SSL_write*) */

/* tls_event.fn: which probe saw it */
#define TLS_FN_READ 1
#define TLS_FN_READ_EX 2
#define TLS_FN_WRITE 3
#define TLS_FN_WRITE_EX 4

/* tls_event.flags */
#define TLS_F_BOUND 1     /* tuple fields are valid (the SSL object is tied to a TCP socket) */
#define TLS_F_NESTED_FD 2 /* the fd came from a syscall nested in the SSL call (socket BIO) */
#define TLS_F_TRUNCATED 4 /* len > captured */

struct tls_event {
	__u64 start_ns;   /* 0: ktime at the call's entry */
	__u64 end_ns;     /* 8: ktime at the call's return (BIND/FREE: ktime of the event) */
	__u64 ssl;        /* 16: the SSL* (connection identity inside the process) */
	__u64 sock;       /* 24: struct sock* of the bound socket (0 when unbound) */
	__u32 pid;        /* 32: tgid */
	__u32 tid;        /* 36 */
	__u8 kind;        /* 40: TLS_EV_* */
	__u8 dir;         /* 41: TLS_DIR_* */
	__u8 fn;          /* 42: TLS_FN_* */
	__u8 flags;       /* 43: TLS_F_* */
	__s32 fd;         /* 44: socket fd, -1 when unknown */
	__u32 len;        /* 48: bytes read/written by the call */
	__u32 captured;   /* 52: bytes in data[] */
	__u16 family;     /* 56: AF_INET / AF_INET6 (0 when unbound) */
	__u16 host_port;  /* 58: this process's port, host order */
	__u16 peer_port;  /* 60: the other end's port, host order */
	__u8 tail_len;    /* 62: bytes in tail[] */
	__u8 _pad0;       /* 63 */
	__u8 host_addr[16]; /* 64: IPv4 in the first 4 bytes, or IPv6 */
	__u8 peer_addr[16]; /* 80 */
	__u8 tail[TLS_TAIL_BYTES]; /* 96: the last bytes of the call's buffer when len > captured (chunked terminators) */
	__u8 data[TLS_CAPTURE_MAX]; /* 112: the first `captured` bytes; the record is cut after them */
};

#define TLS_EVENT_HEADER_BYTES 112

/* tls_stats (per-CPU array) slots, read by the receiver as lumen_* counters */
#define TLS_STAT_RINGBUF_DROPS 0  /* records lost: ring buffer full */
#define TLS_STAT_UNBOUND 1        /* data seen before its SSL object was tied to a socket */
#define TLS_STAT_NOT_SOCKET 2     /* a candidate fd was not a TCP socket */
#define TLS_STAT_READ_FAULT 3     /* plaintext could not be read from user memory */
#define TLS_STAT_MAX 4

#endif
