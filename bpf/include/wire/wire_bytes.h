/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/* Byte helpers the wire-protocol detectors share (big-endian fields, character classes). */
#ifndef LUMEN_WIRE_BYTES_H
#define LUMEN_WIRE_BYTES_H

static __always_inline __u32 wire_be32(const __u8 *b)
{
	return ((__u32)b[0] << 24) | ((__u32)b[1] << 16) | ((__u32)b[2] << 8) | b[3];
}

static __always_inline __u16 wire_be16(const __u8 *b)
{
	return ((__u16)b[0] << 8) | b[1];
}

static __always_inline int wire_is_digit(__u8 c)
{
	return c >= '0' && c <= '9';
}

static __always_inline int wire_is_lower(__u8 c)
{
	return c >= 'a' && c <= 'z';
}

/* A letter, or the whitespace / parenthesis a statement may start with. */
static __always_inline int wire_is_sql_start(__u8 c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == '/' || c == '-';
}

#endif
