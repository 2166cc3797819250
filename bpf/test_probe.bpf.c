/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * Test object of the BPF foundation (the src/bpf tests): one small program per attach type, each reporting
 * into the `events` ring buffer (kind = TP_K_*) and/or counters, plus maps of every kind the addon handles.
 * Only the process whose tgid is in cfg[0] is traced.
 */
#include "lumen_common.h"
#include "lumen_ringbuf.h"

LUMEN_LICENSE();

#define TP_K_TRACEPOINT 1
#define TP_K_TP_BTF 2
#define TP_K_RAW_TP 3
#define TP_K_UPROBE 4
#define TP_K_URETPROBE 5
#define NR_GETPPID 110 /* x86_64 */

/* 32 bytes; decoded by src/bpf/test/records.ts. */
struct tp_rec {
	__u64 seq;   /* 0: per-CPU sequence */
	__u64 value; /* 8: kind-specific (uretprobe: return value; others: rodata tag) */
	__u32 tgid;  /* 16 */
	__u32 kind;  /* 20 */
	__s32 tag;   /* 24: the rodata setting `tag` */
	__u32 _pad;  /* 28 */
};

LUMEN_SETTING(__s32, tag, 0);
LUMEN_SETTING(__u64, tag64, 0);
LUMEN_SETTING(bool, enabled_flag, true);

LUMEN_RINGBUF(events, 1 << 20);
LUMEN_COUNTERS(stats, 8); /* 0 events, 1 drops, 2 socket packets, 3 tc ingress, 4 tc egress, 5 sockops, 6 sk_msg */

struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u32); } cfg SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 4096); __type(key, __u32); __type(value, __u64); } plain_hash SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_HASH); __uint(max_entries, 1024); __type(key, __u32); __type(value, __u32); } pcpu_hash SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 128); __type(key, __u64); __type(value, __u64); } lru_hash SEC(".maps");
struct lpm_key { __u32 prefixlen; __u8 addr[4]; };
struct { __uint(type, BPF_MAP_TYPE_LPM_TRIE); __uint(max_entries, 64); __uint(map_flags, BPF_F_NO_PREALLOC); __type(key, struct lpm_key); __type(value, __u32); } lpm SEC(".maps"); /* no batch ops: exercises the fallback */
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u32); } pcpu_array SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_SOCKHASH); __uint(max_entries, 64); __type(key, __u64); __type(value, __u64); } sock_hash SEC(".maps");

static __always_inline int traced(void)
{
	__u32 zero = 0;
	__u32 *t = bpf_map_lookup_elem(&cfg, &zero);
	return t && *t && *t == lumen_tgid() && enabled_flag;
}

static __always_inline void emit(__u32 kind, __u64 value)
{
	__u32 zero = 0;
	__u64 *seqp = bpf_map_lookup_elem(&stats, &zero);
	if (!seqp)
		return;
	struct tp_rec *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		lumen_count(&stats, 1);
		return;
	}
	r->seq = (*seqp)++;
	r->value = value;
	r->tgid = lumen_tgid();
	r->kind = kind;
	r->tag = tag;
	r->_pad = 0;
	lumen_rb_submit(r, &events);
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int tp_getppid(void *ctx)
{
	if (traced()) {
		emit(TP_K_TRACEPOINT, tag64);
		__u32 k = lumen_tgid();
		__u64 one = 1, *v = bpf_map_lookup_elem(&plain_hash, &k);
		if (v)
			__sync_fetch_and_add(v, 1);
		else
			bpf_map_update_elem(&plain_hash, &k, &one, BPF_NOEXIST);
	}
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(btf_sys_enter, struct pt_regs *regs, long id)
{
	if (id == NR_GETPPID && traced())
		emit(TP_K_TP_BTF, id);
	return 0;
}

SEC("raw_tp/sys_enter")
int raw_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	if (ctx->args[1] == NR_GETPPID && traced())
		emit(TP_K_RAW_TP, ctx->args[1]);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(up_enter)
{
	if (traced())
		emit(TP_K_UPROBE, 0);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(up_return, long ret)
{
	if (traced())
		emit(TP_K_URETPROBE, ret);
	return 0;
}

SEC("socket")
int sock_count(struct __sk_buff *skb)
{
	lumen_count(&stats, 2);
	return 0; /* count only; queue nothing to the socket */
}

SEC("tc")
int tc_ingress(struct __sk_buff *skb)
{
	lumen_count(&stats, 3);
	return 0; /* TC_ACT_OK */
}

SEC("tc")
int tc_egress(struct __sk_buff *skb)
{
	lumen_count(&stats, 4);
	return 0;
}

SEC("sockops")
int sockops_track(struct bpf_sock_ops *skops)
{
	if (skops->op == BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB || skops->op == BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB) {
		__u64 key = ((__u64)skops->local_port << 32) | bpf_ntohl(skops->remote_port);
		bpf_sock_hash_update(skops, &sock_hash, &key, BPF_ANY);
		lumen_count(&stats, 5);
	}
	return 1;
}

SEC("sk_msg")
int skmsg_count(struct sk_msg_md *msg)
{
	lumen_count_n(&stats, 6, 1);
	return SK_PASS;
}
