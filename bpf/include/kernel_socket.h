/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * Records of the connection machine (bpf/include/ks_machine.h: kernel_socket, tls), decoded in TypeScript by
 * receivers/kernel_socket/record.ts with DataView. Explicit padding, no packed structs: every field sits
 * at its natural alignment and the offsets below are part of the contract.
 */
#ifndef LUMEN_KERNEL_SOCKET_H
#define LUMEN_KERNEL_SOCKET_H

/* Largest configurable capture per message. The default object is built with 1024; the "large" variant
 * (kernel_socket_large.bpf.c) with 8192. Must be a power of two. */
#ifndef KS_CAPTURE_MAX
#define KS_CAPTURE_MAX 1024
#endif

/* Pending (pipelined) requests per connection: slots (sk, 0..KS_SLOTS-1). Power of two. */
#define KS_SLOTS 4

/* Application protocols of the machine (record.proto, conn.proto). HTTP/1 is framed in the kernel; the others
 * ("wire" protocols, ks_wire.h) are captured as request/response exchanges and parsed in src/protocols/. */
#define KS_PROTO_HTTP1 0
#define KS_PROTO_POSTGRES 1
#define KS_PROTO_MYSQL 2
#define KS_PROTO_REDIS 3
#define KS_PROTO_MEMCACHED 4
#define KS_PROTO_KAFKA 5
#define KS_PROTO_HTTP2 6 /* frames forwarded, parsed in user space (ks_http2.h) */
#define KS_PROTO_MAX 7

#define KS_ROLE_SERVER 1
#define KS_ROLE_CLIENT 2

/* Why a record was emitted. */
#define KS_REASON_COMPLETE 1      /* the response's framing (Content-Length, chunked end, no body) says so */
#define KS_REASON_NEXT_REQUEST 2  /* a new request started on the connection */
#define KS_REASON_NEXT_RESPONSE 3 /* a new response started (pipelining, unknown length) */
#define KS_REASON_CLOSE 4         /* the connection was closed */
#define KS_REASON_TIMEOUT 5       /* set by the user-space sweeper, never by BPF */
#define KS_REASON_CHUNK 6         /* a wire exchange's capture of one direction filled up: these bytes, the rest follows */
/* Bit of record.reason: the request was also added to a kernel series (ks_agg.h) and this record is there only
 * because kernel sampling kept it for the traces pipelines: its span must not reach metrics pipelines again. */
#define KS_REASON_AGGREGATED 0x80
/* Bit of record.reason: kernel sampling dropped the request and this record is there only because the kernel
 * aggregation left it to the ring (the metrics need it): its span says flags 00, the decision the kernel made and
 * injected into its calls — a call's capture has no traceparent (sk_msg adds it), so user space cannot read it. */
#define KS_REASON_SAMPLED_OUT 0x40

/* record.flags */
#define KS_F_REQ_CHUNKED 1
#define KS_F_RESP_CHUNKED 2
#define KS_F_REQ_HEAD_TRUNCATED 4  /* request header block longer than the scanner follows */
#define KS_F_RESP_HEAD_TRUNCATED 8
#define KS_F_SENDFILE 16           /* part of the response body went out with sendfile */
#define KS_F_INTERIM 32            /* a 1xx interim response preceded the final one */
#define KS_F_H2_EGRESS 64          /* an HTTP/2 record of bytes this process wrote (else read) */
#define KS_F_RESP_OPEN 128         /* a lean response (ks_lean_headers): its end is the next request, the close or an idle */

struct ks_record {
	__u64 start_ns;       /*   0 CLOCK_MONOTONIC ns of the request's first byte */
	__u64 end_ns;         /*   8 ... of the response's last byte (0: no response) */
	__u64 resp_start_ns;  /*  16 ... of the response's first byte (0: none) */
	__u64 last_ns;        /*  24 last activity (the sweeper's clock) */
	__u64 req_bytes;      /*  32 request bytes seen: header block + body */
	__u64 resp_bytes;     /*  40 response bytes seen */
	__s64 req_content_length;  /*  48 -1 when absent */
	__s64 resp_content_length; /*  56 -1 when absent */
	__u64 sk;             /*  64 struct sock * of this end: identity of the connection inside the host */
	__u32 tgid;           /*  72 */
	__s32 fd;             /*  76 the fd of the call that started the request (-1: unknown, e.g. TLS) */
	__u32 seq;            /*  80 slot sequence on the connection */
	__u32 req_head_len;   /*  84 header block length incl. the blank line; 0: its end was not seen */
	__u32 resp_head_len;  /*  88 */
	__u16 req_len;        /*  92 captured request bytes */
	__u16 resp_len;       /*  94 captured response bytes */
	__u8 laddr[16];       /*  96 this process's address (IPv4: first 4 bytes) */
	__u8 raddr[16];       /* 112 the peer's address */
	__u16 lport;          /* 128 host byte order */
	__u16 rport;          /* 130 */
	__u16 family;         /* 132 AF_INET (2) or AF_INET6 (10) */
	__u16 status;         /* 134 final response status, 0 when none */
	__u8 role;            /* 136 KS_ROLE_* */
	__u8 reason;          /* 137 KS_REASON_* */
	__u8 method;          /* 138 H1_M_* */
	__u8 flags;           /* 139 KS_F_* */
	__u8 proto;           /* 140 KS_PROTO_*: how user space parses the captures */
	__u8 tid[3];          /* 141 the thread that started the request, little-endian (tids < 2^22 = PID_MAX_LIMIT):
	                       *     in-process nesting (src/tracing) pairs a client call with the request its thread serves */
	/* Trace context the kernel gave the request (context propagation, ks_tctx.h); all zero: none, user space
	 * makes the ids. A client request's are the ids of the traceparent header injected into it. */
	__u8 trace_id[16];    /* 144 */
	__u8 span_id[8];      /* 160 */
	__u8 parent_id[8];    /* 168 zero: a root */
	__u64 connect_ns;     /* 176 the first request of a client connection: when its thread called connect() (0: not
	                       *     seen). The call began then: Node starts it in the tick that parsed the request it
	                       *     serves, and writes it only once connected (src/tracing nests by it). */
	/* 184: in ring-buffer records, req_len request bytes then resp_len response bytes follow. */
};

#define KS_RECORD_HEADER_SIZE 184

/* The in-flight state of one request in the ks_slots map (read by the user-space sweeper too):
 * the header, then the request capture at offset 184, the response capture at 184 + KS_CAPTURE_MAX. */
struct ks_slot {
	struct ks_record r;
	__u8 req[KS_CAPTURE_MAX];
	__u8 resp[KS_CAPTURE_MAX];
	/* head sampling (ks_sample.h), not part of the record: */
	__u8 sample;          /* the decision, KS_SD_* */
	__u8 tp_count;        /* the traceparent scan's state: in map memory, not on the stack, so that the */
	__u16 tp_at;          /*   verifier's bpf_loop convergence does not track it */
	__u8 _spad[4];
};

/* Connections are keyed by their socket (struct sock *): the same whichever thread, process or fd number
 * reaches it, and gone when the socket closes. */
struct ks_conn_key {
	__u64 sk;
};

struct ks_slot_key {
	__u64 sk;
	__u32 slot;
	__u32 _pad;
};

/* Per-CPU counters (one array entry, summed by user space). Keep in sync with receivers/kernel_socket/counters.ts. */
enum ks_counter {
	KS_C_RECORDS = 0,          /* records written to the ring buffer */
	KS_C_RINGBUF_DROPS,        /* ring buffer full: record lost */
	KS_C_NON_HTTP,             /* data at a message boundary that is neither a request nor a response */
	KS_C_CONN_NON_HTTP,        /* connections given up as not HTTP/1 */
	KS_C_UNSOLICITED_RESPONSE, /* response bytes with no pending request */
	KS_C_PIPELINE_OVERFLOW,    /* requests lost: KS_SLOTS already pending on their connection (one per request) */
	KS_C_HEAD_TRUNCATED,       /* header blocks too long to follow */
	KS_C_SLOT_ALLOC_FAIL,      /* requests lost: ks_slots full (one per request) */
	KS_C_CONN_ALLOC_FAIL,      /* ks_conns update failed */
	KS_C_CLOSED_INCOMPLETE,    /* connection closed with a request whose header block never ended */
	KS_C_CLOSED_NO_RESPONSE,   /* closed with a complete request and no response: emitted with status 0 */
	KS_C_READ_FAULT,           /* bpf_probe_read_user failed */
	KS_C_SYSCALLS,             /* socket reads/writes seen on tracked TCP connections */
	KS_C_CONNS,                /* TCP connections tracked */
	KS_C_WIRE_CONNS,           /* connections recognised as a database/broker protocol (ks_wire.h) */
	KS_C_H2_CONNS,             /* connections recognised as HTTP/2 (ks_http2.h) */
	KS_C_H2_LOST,              /* HTTP/2 connections given up: frame boundaries lost */
	KS_C_SAMPLE_KEPT,          /* head sampling in the kernel (ks_sample.h): requests kept */
	KS_C_SAMPLE_DROPPED,       /* ... requests not sampled: no record */
	KS_C_AGGREGATED,           /* requests added to a kernel series (ks_agg.h), no ring record */
	KS_C_AGG_UNFIT,            /* requests aggregation does not cover (status, heads, Host, protocol): ring record */
	KS_C_AGG_FULL,             /* requests of a new series or template past the budget: ring record */
	KS_C__MAX,
};

#define KS_COUNTERS_SLOTS 24

struct ks_counters {
	__u64 c[KS_COUNTERS_SLOTS];
};

#endif /* LUMEN_KERNEL_SOCKET_H */
