// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/*
 * The kernel verifier's own account of each program of a BPF object: loads it with libbpf's BPF_LOG_STATS log
 * level and prints, per program, the verification time and the instructions processed (the states explored),
 * then the whole load's wall-clock and CPU time. Nothing is attached; everything is released on exit.
 *   cc -O2 -o /tmp/verify-stats bench/verifier/verify-stats.c -lbpf && /tmp/verify-stats build/bpf/tls.bpf.o
 */
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#define LOG_SIZE (1 << 20)

static double now(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int quiet(enum libbpf_print_level l, const char *f, va_list a)
{
	return l == LIBBPF_WARN ? vfprintf(stderr, f, a) : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s OBJECT.bpf.o\n", argv[0]);
		return 2;
	}
	libbpf_set_print(quiet);
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "cannot open %s\n", argv[1]);
		return 1;
	}
	struct bpf_program *p;
	int n = 0;
	bpf_object__for_each_program(p, obj) n++;
	char **logs = calloc(n, sizeof(*logs));
	int i = 0;
	bpf_object__for_each_program(p, obj) {
		logs[i] = calloc(1, LOG_SIZE);
		bpf_program__set_log_buf(p, logs[i], LOG_SIZE);
		bpf_program__set_log_level(p, 4); /* BPF_LOG_STATS */
		i++;
	}
	double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	int err = bpf_object__load(obj);
	double w1 = now(CLOCK_MONOTONIC), c1 = now(CLOCK_PROCESS_CPUTIME_ID);
	if (err) {
		fprintf(stderr, "load failed: %d\n", err);
		return 1;
	}
	long total_us = 0, total_insns = 0;
	printf("%-24s %12s %12s %10s\n", "program", "verify us", "insns proc", "states pk");
	i = 0;
	bpf_object__for_each_program(p, obj) {
		long us = 0, insns = 0, peak = 0;
		char *s = strstr(logs[i], "verification time ");
		if (s)
			us = atol(s + strlen("verification time "));
		s = strstr(logs[i], "processed ");
		if (s)
			insns = atol(s + strlen("processed "));
		s = strstr(logs[i], "peak_states ");
		if (s)
			peak = atol(s + strlen("peak_states "));
		if (bpf_program__autoload(p))
			printf("%-24s %12ld %12ld %10ld\n", bpf_program__name(p), us, insns, peak);
		total_us += us;
		total_insns += insns;
		i++;
	}
	printf("%-24s %12ld %12ld\n", "TOTAL", total_us, total_insns);
	printf("load: %.2f s wall, %.2f s CPU (this process)\n", w1 - w0, c1 - c0);
	bpf_object__close(obj);
	return 0;
}
