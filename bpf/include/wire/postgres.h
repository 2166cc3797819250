/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * PostgreSQL frontend/backend protocol v3, as the kernel needs it: recognise a client's first bytes, and see a
 * response end (ReadyForQuery). Everything else is parsed in src/protocols/postgres.
 */
#ifndef LUMEN_WIRE_POSTGRES_H
#define LUMEN_WIRE_POSTGRES_H

#include "wire_bytes.h"

#define PG_PROTOCOL_V3 196608u   /* StartupMessage */
#define PG_SSL_REQUEST 80877103u
#define PG_GSSENC_REQUEST 80877104u
#define PG_CANCEL_REQUEST 80877102u

/*
 * Bytes a client writes first on a connection (b[0..n), n <= 16): a StartupMessage (length, v3, a lower-case
 * parameter name), an SSL/GSS encryption request or a cancel; or, on a connection whose start was not seen (it
 * predates the agent or its process's discovery), a simple Query ('Q', length, statement text), a Parse ('P',
 * length, a printable name or the unnamed one) or a Bind of a statement prepared before ('B', length, portal).
 */
static __always_inline int wire_pg_detect(const __u8 *b, __u32 n)
{
	if (n < 8)
		return 0;
	__u32 len = wire_be32(b), code = wire_be32(b + 4);
	if (len == 8 && (code == PG_SSL_REQUEST || code == PG_GSSENC_REQUEST))
		return 1;
	if (len == 16 && code == PG_CANCEL_REQUEST)
		return 1;
	if (code == PG_PROTOCOL_V3 && len > 8 && len < 10000)
		return n > 8 && wire_is_lower(b[8]);
	__u32 mlen = wire_be32(b + 1);
	if (mlen < 5 || mlen > (1u << 26))
		return 0;
	if (b[0] == 'Q')
		return wire_is_sql_start(b[5]);
	if (b[0] == 'P' || b[0] == 'B')
		return b[5] == 0 || (b[5] >= 0x21 && b[5] < 0x7f);
	return 0;
}

/* The last 6 bytes of a server's write: ReadyForQuery ('Z', length 5, status I/T/E) ends every response. */
static __always_inline int wire_pg_ready(const __u8 *t)
{
	return t[0] == 'Z' && t[1] == 0 && t[2] == 0 && t[3] == 0 && t[4] == 5 && (t[5] == 'I' || t[5] == 'T' || t[5] == 'E');
}

#endif
