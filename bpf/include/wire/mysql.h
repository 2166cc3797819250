/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/* MySQL / MariaDB client/server protocol, as the kernel needs it: recognise a connection. Parsed in src/protocols/mysql. */
#ifndef LUMEN_WIRE_MYSQL_H
#define LUMEN_WIRE_MYSQL_H

#include "wire_bytes.h"

#define MYSQL_COM_QUERY 0x03
#define MYSQL_COM_STMT_PREPARE 0x16

static __always_inline __u32 wire_le24(const __u8 *b)
{
	return b[0] | ((__u32)b[1] << 8) | ((__u32)b[2] << 16);
}

/* The server speaks first: a client's first read is the handshake (length, sequence 0, protocol 10, a version
 * string starting with a digit). */
static __always_inline int wire_mysql_greeting(const __u8 *b, __u32 n)
{
	if (n < 6)
		return 0;
	__u32 len = wire_le24(b);
	return len >= 20 && len < 1024 && b[3] == 0 && b[4] == 10 && wire_is_digit(b[5]);
}

/* On a connection whose start was not seen: a client's COM_QUERY or COM_STMT_PREPARE (sequence 0, statement text). */
static __always_inline int wire_mysql_command(const __u8 *b, __u32 n)
{
	if (n < 6)
		return 0;
	__u32 len = wire_le24(b);
	return len >= 2 && b[3] == 0 && (b[4] == MYSQL_COM_QUERY || b[4] == MYSQL_COM_STMT_PREPARE) && wire_is_sql_start(b[5]) && b[5] != ' ';
}

#endif
