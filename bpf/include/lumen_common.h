/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * Common ground for every Lumen BPF object: kernel types (CO-RE vmlinux.h), libbpf's helper headers, the
 * license, load-time settings and per-CPU counters.
 *
 *   #include "lumen_common.h"
 *   LUMEN_LICENSE();
 *   LUMEN_SETTING(__u32, target_tgid, 0);          // set from TS: openObject(path, { rodata: { target_tgid: 42 } })
 *   LUMEN_COUNTERS(my_stats, 4);                   // per-CPU __u64[4]; TS sums the CPUs of map('my_stats')
 *   ... lumen_count(&my_stats, 2);
 */
#ifndef LUMEN_COMMON_H
#define LUMEN_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

/* GPL-compatible: needed by bpf_probe_read_user/_kernel, bpf_get_current_task_btf and the ring buffer helpers. */
#define LUMEN_LICENSE() char LICENSE[] SEC("license") = "Dual BSD/GPL"

/* A load-time setting (`const volatile`, in .rodata): written by the loader before load, constant to the verifier,
 * so disabled branches are removed as dead code. */
#define LUMEN_SETTING(type, name, value) const volatile type name = value

/* A per-CPU array of n __u64 counters (stats, drops); read from TS with map(name).lookup() and sum the CPUs. */
#define LUMEN_COUNTERS(name, n)                      \
	struct {                                     \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); \
		__uint(max_entries, n);                  \
		__type(key, __u32);                      \
		__type(value, __u64);                    \
	} name SEC(".maps")

/* A ring buffer of `bytes` (a power of two, a multiple of the page size; openObject's mapSizes can change it). */
#define LUMEN_RINGBUF(name, bytes)              \
	struct {                                \
		__uint(type, BPF_MAP_TYPE_RINGBUF); \
		__uint(max_entries, bytes);         \
	} name SEC(".maps")

static __always_inline void lumen_count_n(void *counters, __u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(counters, &idx);
	if (v)
		*v += n; /* per-CPU slot: no atomic needed */
}
#define lumen_count(counters, idx) lumen_count_n(counters, idx, 1)

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#endif
#ifndef unlikely
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif
#define LUMEN_MIN(a, b) ((a) < (b) ? (a) : (b))
#define LUMEN_MAX(a, b) ((a) > (b) ? (a) : (b))

/* uapi constants that vmlinux.h (types only) does not carry. */
#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif
#ifndef TASK_COMM_LEN
#define TASK_COMM_LEN 16
#endif

/* The calling thread's process id (tgid) and thread id. */
static __always_inline __u32 lumen_tgid(void) { return bpf_get_current_pid_tgid() >> 32; }
static __always_inline __u32 lumen_tid(void) { return (__u32)bpf_get_current_pid_tgid(); }

#endif /* LUMEN_COMMON_H */
