/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/* memcached's text protocol, as the kernel needs it: a client's line starts with a lower-case command. */
#ifndef LUMEN_WIRE_MEMCACHED_H
#define LUMEN_WIRE_MEMCACHED_H

#include "wire_bytes.h"

#define MC4(a, b, c, d) ((__u32)(a) | ((__u32)(b) << 8) | ((__u32)(c) << 16) | ((__u32)(d) << 24))

/* Length of the command word b starts with when it is one memcached knows (its first 4 bytes decide), else 0. */
static __always_inline __u32 wire_mc_word(const __u8 *b)
{
	__u32 w = MC4(b[0], b[1], b[2], b[3]);
	switch (w) {
	case MC4('g', 'e', 't', ' '): case MC4('s', 'e', 't', ' '): case MC4('a', 'd', 'd', ' '):
	case MC4('c', 'a', 's', ' '): case MC4('g', 'a', 't', ' '):
		return 3;
	case MC4('g', 'e', 't', 's'): case MC4('i', 'n', 'c', 'r'): case MC4('d', 'e', 'c', 'r'): case MC4('g', 'a', 't', 's'):
		return 4;
	case MC4('t', 'o', 'u', 'c'): /* touch */
		return b[4] == 'h' ? 5 : 0;
	case MC4('d', 'e', 'l', 'e'): /* delete */
		return b[4] == 't' && b[5] == 'e' ? 6 : 0;
	case MC4('a', 'p', 'p', 'e'): /* append */
		return b[4] == 'n' && b[5] == 'd' ? 6 : 0;
	case MC4('r', 'e', 'p', 'l'): /* replace */
		return b[4] == 'a' && b[5] == 'c' && b[6] == 'e' ? 7 : 0;
	case MC4('p', 'r', 'e', 'p'): /* prepend */
		return b[4] == 'e' && b[5] == 'n' && b[6] == 'd' ? 7 : 0;
	case MC4('v', 'e', 'r', 's'): /* version */
		return b[4] == 'i' && b[5] == 'o' && b[6] == 'n' ? 7 : 0;
	default:
		return 0;
	}
}

/* b[0..n), n <= 16 (the peek window): a known command word followed by a space or the line's end. */
static __always_inline int wire_memcached_detect(const __u8 *b, __u32 n)
{
	if (n < 8)
		return 0;
	__u32 k = wire_mc_word(b);
	if (!k || k >= n)
		return 0;
	__u8 c = b[k & 15];
	return c == ' ' || c == '\r';
}

#endif
