/**
 * A small C HTTPS client with OpenSSL linked in statically (Debian's libssl.a/libcrypto.a), built by the test
 * with gcc, in three variants: with its symbol table, without SSL_read_ex/SSL_write_ex (what an OpenSSL
 * older than 1.1.1 offers), and stripped. It waits for a line on stdin, then does `n` keep-alive GETs.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './servers.js';

const SOURCE = String.raw`
#define _GNU_SOURCE
#include <openssl/ssl.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int port = atoi(argv[1]), n = atoi(argv[2]);
  char line[64];
  if (!fgets(line, sizeof line, stdin)) return 2;
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (connect(fd, (struct sockaddr *)&a, sizeof a)) return 3;
  SSL *s = SSL_new(ctx);
  SSL_set_fd(s, fd);
  if (SSL_connect(s) != 1) return 4;
  for (int i = 0; i < n; i++) {
    char req[256], buf[16384];
    int l = snprintf(req, sizeof req, "GET /static/%d HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", i);
    if (SSL_write(s, req, l) != l) return 5;
    int have = 0;
    char *end;
    while (!(end = memmem(buf, have, "\r\n\r\n", 4))) {
      int r = SSL_read(s, buf + have, sizeof buf - 1 - have);
      if (r <= 0) return 6;
      have += r;
    }
    buf[have] = 0;
    char *p = strcasestr(buf, "content-length:");
    long cl = p ? strtol(p + 15, NULL, 10) : 0, body = have - (end + 4 - buf);
    while (body < cl) {
      int r = SSL_read(s, buf, sizeof buf);
      if (r <= 0) return 7;
      body += r;
    }
  }
  SSL_shutdown(s);
  SSL_free(s);
  close(fd);
  puts("done");
  return 0;
}
`;

export interface StaticClients {
  /** OpenSSL inside, symbol table kept. */
  readonly full: string;
  /** SSL_read_ex / SSL_write_ex removed from the symbol table. */
  readonly noEx: string;
  /** No symbol table at all. */
  readonly stripped: string;
}

let built: StaticClients | undefined;

export function buildStaticClients(): StaticClients {
  if (built) return built;
  const dir = tempDir('static');
  writeFileSync(join(dir, 'tlsget.c'), SOURCE);
  const full = join(dir, 'tlsget'), noEx = join(dir, 'tlsget-noex'), stripped = join(dir, 'tlsget-stripped');
  execFileSync('gcc', ['-O1', '-o', full, join(dir, 'tlsget.c'), '-Wl,-Bstatic', '-lssl', '-lcrypto', '-Wl,-Bdynamic', '-lpthread', '-ldl'], { stdio: 'pipe' });
  execFileSync('objcopy', ['--strip-symbol=SSL_read_ex', '--strip-symbol=SSL_write_ex', full, noEx], { stdio: 'pipe' });
  execFileSync('strip', ['-s', '-o', stripped, full], { stdio: 'pipe' });
  return (built = { full, noEx, stripped });
}
