// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* kernel_socket with captures of up to 8 KiB per message (the receiver picks it when capture_bytes > 1024). */
#define KS_CAPTURE_MAX 8192
#include "kernel_socket.bpf.c"
