/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/* Kafka's protocol, as the kernel needs it: a client's request header (size, api key, version, correlation id, client id). */
#ifndef LUMEN_WIRE_KAFKA_H
#define LUMEN_WIRE_KAFKA_H

#include "wire_bytes.h"

#define KAFKA_MAX_API_KEY 74
#define KAFKA_MAX_API_VERSION 20

static __always_inline int wire_kafka_detect(const __u8 *b, __u32 n)
{
	if (n < 14)
		return 0;
	__u32 size = wire_be32(b);
	__u16 key = wire_be16(b + 4), version = wire_be16(b + 6);
	__s16 cid = (__s16)wire_be16(b + 12);
	if (size < 10 || size > (1u << 26) || key > KAFKA_MAX_API_KEY || version > KAFKA_MAX_API_VERSION)
		return 0;
	if (b[8] & 0x80) /* correlation ids are non-negative */
		return 0;
	if (cid < -1 || cid > 255 || (cid > 0 && size < 10 + (__u32)cid))
		return 0;
	/* a client id, when there is one, starts printable */
	return cid <= 0 || (b[14 & 15] >= 0x21 && b[14 & 15] < 0x7f) || n < 15;
}

#endif
