/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/* Test object: `bad_read` is rejected by the verifier (unchecked map value pointer); `good` loads fine. */
#include "lumen_common.h"

LUMEN_LICENSE();

struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64); } vals SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int good(void *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int bad_read(void *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &k);
	return *v; /* no NULL check: "R0 invalid mem access 'map_value_or_null'" */
}
