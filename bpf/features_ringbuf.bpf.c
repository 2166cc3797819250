/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/* Feature probe: a BPF_MAP_TYPE_RINGBUF and a program writing to it (src/bpf/features). */
#include "lumen_common.h"

LUMEN_LICENSE();
LUMEN_RINGBUF(probe_rb, 4096);

SEC("tracepoint/syscalls/sys_enter_getppid")
int probe_ringbuf(void *ctx)
{
	__u64 v = 0;
	bpf_ringbuf_output(&probe_rb, &v, sizeof(v), 0);
	return 0;
}
