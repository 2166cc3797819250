// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/*
 * The kernel verifier's own account of each program of a BPF object: loads it with libbpf's BPF_LOG_STATS log
 * level and prints, per program, the verification time and the instructions processed (the states explored),
 * then the whole load's wall-clock and CPU time. Nothing is attached; everything is released on exit.
 * NAME=VALUE arguments set load-time settings (`const volatile` in .rodata) as the agent would, e.g.
 * ks_aggregate=1: the verifier prunes the code a zero setting turns off, so a feature's cost shows only with it on.
 *   cc -O2 -o /tmp/verify-stats bench/verifier/verify-stats.c -lbpf && /tmp/verify-stats build/bpf/tls.bpf.o
 */
#include <bpf/btf.h>
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

/* Sets the .rodata variable `name` to `value` before the load; 0 when the object has no such setting. */
static int set_rodata(struct bpf_object *obj, const char *name, unsigned long long value)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, ".rodata");
	struct btf *btf = bpf_object__btf(obj);
	size_t size = 0;
	char *data = m ? (char *)bpf_map__initial_value(m, &size) : NULL; /* writable until the load */
	int sec = btf ? btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC) : -1;
	if (!data || sec < 0)
		return 0;
	const struct btf_type *t = btf__type_by_id(btf, sec);
	const struct btf_var_secinfo *v = btf_var_secinfos(t);
	for (int i = 0; i < btf_vlen(t); i++, v++) {
		if (strcmp(btf__name_by_offset(btf, btf__type_by_id(btf, v->type)->name_off), name) || v->offset + v->size > size)
			continue;
		memcpy(data + v->offset, &value, v->size); /* little-endian: the low bytes */
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s OBJECT.bpf.o [SETTING=VALUE ...]\n", argv[0]);
		return 2;
	}
	libbpf_set_print(quiet);
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "cannot open %s\n", argv[1]);
		return 1;
	}
	for (int a = 2; a < argc; a++) {
		char *eq = strchr(argv[a], '=');
		if (!eq) {
			fprintf(stderr, "%s: expected SETTING=VALUE\n", argv[a]);
			return 2;
		}
		*eq = 0;
		if (!set_rodata(obj, argv[a], strtoull(eq + 1, NULL, 0))) {
			fprintf(stderr, "%s: no such setting in %s\n", argv[a], argv[1]);
			return 2;
		}
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
