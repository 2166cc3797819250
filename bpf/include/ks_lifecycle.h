/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * The connection machine's lifecycle, from TCP state changes: a connection that just became ESTABLISHED is
 * "fresh" (its first bytes are its protocol's first) with its role (SYN_RECV: server, SYN_SENT: client); our
 * own close (FIN_WAIT1 or LAST_ACK with reads shut) ends it and flushes what is pending, and so does CLOSE once
 * no process holds the socket; the socket's destruction ends what a process held until its close (a reset, a
 * peer FIN after a write-side shutdown: queued bytes can still be read). Each object declares the hooks
 * (tp_btf/inet_sock_set_state, tp_btf/tcp_destroy_sock) and calls these.
 */
#ifndef LUMEN_KS_LIFECYCLE_H
#define LUMEN_KS_LIFECYCLE_H

#include "ks_conn.h"
#include "ks_slots.h"

#define KS_TCP_ESTABLISHED 1
#define KS_TCP_SYN_SENT 2
#define KS_TCP_SYN_RECV 3
#define KS_TCP_FIN_WAIT1 4
#define KS_TCP_CLOSE 7
#define KS_TCP_LAST_ACK 9
#define KS_RCV_SHUTDOWN 1

/* Connection births (role, freshness) and ends. Runs for every TCP socket of the host; cheap when not ours. */
static __always_inline int ks_on_set_state(__u64 skv, struct sock *sk, int oldstate, int newstate)
{
	if (newstate == KS_TCP_SYN_SENT) {
		/* inside connect(): the process and thread that start the call are the current ones */
		if (ks_pid_wanted(lumen_tgid())) {
			__u64 now = bpf_ktime_get_ns();
			bpf_map_update_elem(&ks_connect_at, &skv, &now, BPF_ANY);
		}
		return 0;
	}
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
		if (role == KS_ROLE_SERVER) {
			__u32 port = BPF_CORE_READ(sk, __sk_common.skc_num);
			__u8 *mark = bpf_map_lookup_elem(&ks_server_ports, &port);
			if (mark && !*mark)
				*mark = 1;
		}
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
static __always_inline int ks_on_destroy(__u64 skv)
{
	bpf_map_delete_elem(&ks_fresh, &skv);
	bpf_map_delete_elem(&ks_connect_at, &skv);
	ks_conn_end(skv);
	return 0;
}

/*
 * The two lifecycle hooks every receiver on the connection machine attaches, written once: a .bpf.c says
 * KS_LIFECYCLE_HOOKS among its own hooks (programs ks_set_state and ks_destroy).
 */
#define KS_LIFECYCLE_HOOKS                                                            \
	SEC("tp_btf/inet_sock_set_state")                                             \
	int BPF_PROG(ks_set_state, struct sock *sk, int oldstate, int newstate)       \
	{                                                                             \
		return ks_on_set_state(ks_ctx_sk_id(ctx), sk, oldstate, newstate);    \
	}                                                                             \
	SEC("tp_btf/tcp_destroy_sock")                                                \
	int BPF_PROG(ks_destroy, struct sock *sk)                                     \
	{                                                                             \
		return ks_on_destroy(ks_ctx_sk_id(ctx));                              \
	}

#endif /* LUMEN_KS_LIFECYCLE_H */
