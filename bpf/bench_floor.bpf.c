/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * bench/overhead/probe-cost.ts "floor" modes: the least any per-request socket probe must do, to measure what
 * that alone costs a saturated server (no HTTP parsing, no connection state machine). On the same socket
 * tracepoints as kernel_socket, for the allow-listed pids only:
 *   level 0: the pid check (a hash lookup) and a timestamp
 *   level 1: + a connection lookup by socket and a 64-byte read of the caller's buffer (read/recvfrom/write/
 *            sendto/writev first iovec), i.e. enough to recognise a request or status line
 *   level 2: + one 96-byte ring-buffer record per call (timestamp, socket, size, the 64 bytes)
 * plus empty uprobe/uretprobe programs: the trap cost of TLS probes alone (bench/overhead/tls-floor.ts).
 */
#include "lumen_common.h"
#include "lumen_ringbuf.h"

LUMEN_LICENSE();

LUMEN_SETTING(__u32, level, 0);

struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 1024); __type(key, __u32); __type(value, __u8); } floor_pids SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 16384); __type(key, __u64); __type(value, __u64); } floor_conns SEC(".maps");
LUMEN_RINGBUF(floor_events, 8 << 20);
LUMEN_COUNTERS(floor_stats, 2); /* 0 calls, 1 drops */

struct floor_rec {
	__u64 ts;
	__u64 sk;
	__s32 ret;
	__u32 egress;
	__u8 head[64];
	__u8 _pad[8];
};

static __always_inline int floor_io(void *skp, unsigned long long *ctx, int ret, int egress)
{
	__u32 tgid = lumen_tgid();
	if (!bpf_map_lookup_elem(&floor_pids, &tgid))
		return 0;
	__u64 now = bpf_ktime_get_ns();
	if (ret <= 0 || level == 0)
		return 0;
	lumen_count(&floor_stats, 0);
	__u64 sk = 0;
	bpf_probe_read_kernel(&sk, sizeof(sk), &ctx[0]);
	__u64 *seen = bpf_map_lookup_elem(&floor_conns, &sk);
	if (!seen) {
		__u64 one = 1;
		bpf_map_update_elem(&floor_conns, &sk, &one, BPF_ANY);
	}
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	long nr = regs->orig_ax;
	__u64 buf = regs->si;
	if (nr == 20 /* writev */ || nr == 19 /* readv */) {
		struct iovec v = {};
		bpf_probe_read_user(&v, sizeof(v), (void *)buf);
		buf = (__u64)v.iov_base;
	}
	__u8 head[64];
	if (level == 1) {
		bpf_probe_read_user(head, sizeof(head), (void *)buf);
		return head[0] == 0xff;
	}
	struct floor_rec *r = bpf_ringbuf_reserve(&floor_events, sizeof(*r), 0);
	if (!r) {
		lumen_count(&floor_stats, 1);
		return 0;
	}
	r->ts = now;
	r->sk = sk;
	r->ret = ret;
	r->egress = egress;
	bpf_probe_read_user(r->head, sizeof(r->head), (void *)buf);
	lumen_rb_submit(r, &floor_events);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(floor_recv, struct sock *sk, int ret, int flags) { return floor_io(sk, ctx, ret, 0); }

SEC("tp_btf/sock_send_length")
int BPF_PROG(floor_send, struct sock *sk, int ret, int flags) { return floor_io(sk, ctx, ret, 1); }

/* bench/overhead/tls-floor.ts: the cost of the uprobe traps alone (nothing done in them). */
SEC("uprobe")
int floor_uprobe(void *ctx) { return 0; }

SEC("uretprobe")
int floor_uretprobe(void *ctx) { return 0; }
