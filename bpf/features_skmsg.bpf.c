/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/* Feature probe: an sk_msg program on a SOCKHASH, with bpf_msg_push_data (traceparent injection) (src/bpf/features). */
#include "lumen_common.h"

LUMEN_LICENSE();

struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, __u64);
} probe_sockhash SEC(".maps");

SEC("sk_msg")
int probe_sk_msg(struct sk_msg_md *msg)
{
	if (msg->size > 1000000)
		bpf_msg_push_data(msg, 0, 1, 0);
	return SK_PASS;
}
