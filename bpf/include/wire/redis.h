/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/* Redis RESP, as the kernel needs it: a client's command is an array of bulk strings ("*3\r\n$3\r\nSET..."). */
#ifndef LUMEN_WIRE_REDIS_H
#define LUMEN_WIRE_REDIS_H

#include "wire_bytes.h"

static __always_inline int wire_redis_detect(const __u8 *b, __u32 n)
{
	if (n < 5 || b[0] != '*' || !wire_is_digit(b[1]))
		return 0;
	/* "*N\r\n$", N of 1 to 4 digits */
	if (b[2] == '\r')
		return b[3] == '\n' && b[4] == '$';
	if (n < 6 || !wire_is_digit(b[2]))
		return 0;
	if (b[3] == '\r')
		return b[4] == '\n' && b[5] == '$';
	if (n < 7 || !wire_is_digit(b[3]))
		return 0;
	if (b[4] == '\r')
		return b[5] == '\n' && b[6] == '$';
	return n >= 8 && wire_is_digit(b[4]) && b[5] == '\r' && b[6] == '\n' && b[7] == '$';
}

#endif
