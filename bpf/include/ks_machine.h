/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * The connection machine every capture object shares (kernel_socket, its 8 KiB variant, tls): HTTP/1 requests
 * and responses of a TCP connection assembled into one ring-buffer record (struct ks_record + captured bytes)
 * per completed request. An object includes this, declares its hooks, and feeds bytes in through ks_io and
 * ks_walk_all as if they had been read from / written to the connection's socket.
 *
 *  - state is keyed by the socket, never by thread or fd: Python accepts on one thread and serves on
 *    another, Go reads and writes on different OS threads, an fd number is reused after close (ks_conn.h);
 *  - per connection: a request-direction and a response-direction HTTP/1 message parser (header block
 *    scan, Content-Length, chunked end, no-body statuses, HEAD; ks_http1.h), up to KS_SLOTS pending
 *    (pipelined) requests in ks_slots, each holding its record header and the first capture_bytes of both
 *    messages (ks_slots.h, ks_capture.h);
 *  - connection births and ends from TCP state changes (ks_lifecycle.h).
 * Server: request = bytes read, response = bytes written. Client: the other way round. A connection whose
 * role is unknown (it predates the agent) takes it from the first request line seen.
 */
#ifndef LUMEN_KS_MACHINE_H
#define LUMEN_KS_MACHINE_H

#include "lumen_common.h"
#include "lumen_ringbuf.h"
#include "ks_conn.h"
#include "ks_capture.h"
#include "ks_slots.h"
#include "ks_wire.h"
#include "ks_http1.h"
#include "ks_lifecycle.h"

#endif /* LUMEN_KS_MACHINE_H */
