// SPDX-License-Identifier: GPL-2.0
/*
 * Process watcher for discovery: tells user space, within one ring-buffer poll timeout, when a process execs, exits,
 * forks (only children of the parents discovery cares about) or starts / stops listening on a TCP port.
 * Only BTF tracepoints (no kprobes): sched_process_exec/exit/fork and sock/inet_sock_set_state.
 * User space rescans /proc for the pids named here; a lost event (ring buffer full) is counted in
 * pw_lost and triggers a full rescan.
 */
#include "lumen_common.h"
#include "process_watch.h"

LUMEN_LICENSE();

/* Only report forks whose parent is in pw_fork_parents (1), or every fork (0). */
LUMEN_SETTING(__u8, fork_filter, 1);

LUMEN_RINGBUF(pw_events, 256 * 1024);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);  /* tgid */
	__type(value, __u8);
} pw_fork_parents SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} pw_lost SEC(".maps");

static __always_inline void emit(__u32 type, __u32 pid, __u32 ppid, __u16 port)
{
	struct pw_event *e = bpf_ringbuf_reserve(&pw_events, sizeof(*e), 0);
	if (!e) {
		__u32 zero = 0;
		__u64 *lost = bpf_map_lookup_elem(&pw_lost, &zero);
		if (lost)
			__sync_fetch_and_add(lost, 1);
		return;
	}
	e->type = type;
	e->pid = pid;
	e->ppid = ppid;
	e->port = port;
	e->_pad = 0;
	/* No wake-up: user space drains on its poll timeout (50 ms), one batch instead of one wake-up per event. */
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(pw_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	emit(PW_EXEC, BPF_CORE_READ(p, tgid), BPF_CORE_READ(p, real_parent, tgid), 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(pw_exit, struct task_struct *p)
{
	__u32 pid = BPF_CORE_READ(p, pid), tgid = BPF_CORE_READ(p, tgid);
	if (pid != tgid) /* a thread, not the process */
		return 0;
	emit(PW_EXIT, tgid, 0, 0);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(pw_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 pid = BPF_CORE_READ(child, pid), tgid = BPF_CORE_READ(child, tgid);
	if (pid != tgid) /* a new thread */
		return 0;
	__u32 ppid = BPF_CORE_READ(parent, tgid);
	if (fork_filter && !bpf_map_lookup_elem(&pw_fork_parents, &ppid))
		return 0;
	emit(PW_FORK, tgid, ppid, 0);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(pw_sock_state, const struct sock *sk, const int oldstate, const int newstate)
{
	if (newstate != TCP_LISTEN && oldstate != TCP_LISTEN)
		return 0;
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	__u16 port = BPF_CORE_READ(sk, __sk_common.skc_num);
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	emit(newstate == TCP_LISTEN ? PW_LISTEN : PW_UNLISTEN, tgid, 0, port);
	return 0;
}
