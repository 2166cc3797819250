/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * bench/ringbuf producer: one 256-byte record per getppid() of the generator process (tgid = target_tgid),
 * with the shared batched wake-up policy (lumen_ringbuf.h). Reservation failures are counted as drops.
 */
#include "lumen_common.h"
#include "lumen_ringbuf.h"

LUMEN_LICENSE();

struct bench_rec {
	__u64 seq;      /* 0: per-CPU sequence */
	__u64 ts_ns;    /* 8 */
	__u32 tgid;     /* 16 */
	__u32 cpu;      /* 20 */
	__u8 pad[232];  /* 24 */
};
_Static_assert(sizeof(struct bench_rec) == 256, "256-byte records");

LUMEN_SETTING(__u32, target_tgid, 0);
LUMEN_RINGBUF(bench_rb, 1 << 24);
LUMEN_COUNTERS(bench_stats, 2); /* 0 hits, 1 drops */

SEC("tracepoint/syscalls/sys_enter_getppid")
int bench_getppid(void *ctx)
{
	if (lumen_tgid() != target_tgid)
		return 0;
	__u32 zero = 0;
	__u64 *hits = bpf_map_lookup_elem(&bench_stats, &zero);
	if (!hits)
		return 0;
	__u64 seq = (*hits)++;
	struct bench_rec *r = bpf_ringbuf_reserve(&bench_rb, sizeof(*r), 0);
	if (!r) {
		lumen_count(&bench_stats, 1);
		return 0;
	}
	r->seq = seq;
	r->ts_ns = bpf_ktime_get_ns();
	r->tgid = target_tgid;
	r->cpu = bpf_get_smp_processor_id();
	lumen_rb_submit(r, &bench_rb);
	return 0;
}
