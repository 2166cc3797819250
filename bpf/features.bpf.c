/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * Feature probes (src/bpf/features): one trivial program per program/attach type. The prober loads them one
 * at a time (the others disabled) and attaches where it can, so each result says what THIS kernel accepts.
 * No maps here: a map type the kernel lacks would fail every probe (see features_ringbuf/features_skmsg).
 */
#include "lumen_common.h"

LUMEN_LICENSE();

SEC("kprobe/tcp_sendmsg")
int probe_kprobe(void *ctx) { return 0; }

SEC("fentry/tcp_sendmsg")
int BPF_PROG(probe_fentry) { return 0; }

SEC("tracepoint/syscalls/sys_enter_getppid")
int probe_tracepoint(void *ctx) { return 0; }

SEC("tp_btf/sys_enter")
int BPF_PROG(probe_tp_btf, struct pt_regs *regs, long id) { return 0; }

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(probe_tp_btf_sock, const void *sk, int oldstate, int newstate) { return 0; }

/* The socket layer's per-call tracepoints (Linux >= 6.4) with the task's syscall registers: kernel_socket's
 * probes. */
SEC("tp_btf/sock_recv_length")
int BPF_PROG(probe_tp_btf_sock_io, struct sock *sk, int ret, int flags)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	return regs->di == 0x7fffffff;
}

SEC("raw_tp/sys_enter")
int probe_raw_tp(void *ctx) { return 0; }

SEC("uprobe")
int probe_uprobe(void *ctx) { return 0; }

SEC("uretprobe")
int probe_uretprobe(void *ctx) { return 0; }

SEC("socket")
int probe_socket(struct __sk_buff *skb) { return 0; }

SEC("tc")
int probe_tc(struct __sk_buff *skb) { return 0; /* TC_ACT_OK */ }

SEC("sockops")
int probe_sockops(struct bpf_sock_ops *skops) { return 1; }

SEC("tracepoint/syscalls/sys_enter_getppid")
int probe_write_user(void *ctx)
{
	char c = 0;
	bpf_probe_write_user((void *)8, &c, 1); /* never attached: loading is the probe (lockdown refuses it) */
	return 0;
}
