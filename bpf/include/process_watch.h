/* Records of bpf/process_watch.bpf.c (decoded in src/discovery/watcher-bpf.ts). */
#ifndef LUMEN_PROCESS_WATCH_H
#define LUMEN_PROCESS_WATCH_H

enum pw_event_type {
	PW_EXEC = 1,     /* pid exec'd a new program */
	PW_EXIT = 2,     /* process (thread-group leader) exited */
	PW_FORK = 3,     /* pid forked from ppid (only parents listed in pw_fork_parents) */
	PW_LISTEN = 4,   /* pid put a TCP socket in LISTEN on port */
	PW_UNLISTEN = 5, /* a LISTEN socket on port left that state (closed) */
};

/* 16 bytes, little-endian, no implicit padding. */
struct pw_event {
	__u32 type;
	__u32 pid;  /* tgid */
	__u32 ppid; /* PW_FORK: parent tgid; PW_EXEC: real parent tgid; else 0 */
	__u16 port; /* PW_LISTEN / PW_UNLISTEN: local port (host order); else 0 */
	__u16 _pad;
};

#endif
