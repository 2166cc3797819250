// bench/ringbuf generator: gen N RATE — prints its pid, waits for one byte on stdin, then calls getppid()
// N times at RATE calls/s (0 = as fast as possible, paced every 256 calls), and reports the achieved rate.
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  double rate = argc > 2 ? atof(argv[2]) : 0;
  printf("%d\n", getpid());
  fflush(stdout);
  char c;
  if (read(0, &c, 1) != 1) return 1;
  double start = now();
  for (long i = 0; i < n; i++) {
    if (rate > 0 && (i & 255) == 0)
      while (now() - start < i / rate) { /* spin: sleeping would overshoot at these rates */ }
    syscall(SYS_getppid);
  }
  double secs = now() - start;
  fprintf(stderr, "%ld %.6f\n", n, secs);
  return 0;
}
