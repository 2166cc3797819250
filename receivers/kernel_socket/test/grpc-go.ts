import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../../src/bpf/index.js';
import { PROGRAMS } from './support.js';

/**
 * The Go gRPC test program (programs/http2/grpcgo), built once per source in GOPATH mode against Debian's
 * golang-google-grpc-dev (GO111MODULE=off, GOPROXY=off: no module download), cached under build/test-programs.
 */
export function grpcGo(): string {
  return goHttp2Program('grpcgo');
}

/** programs/http2/NAME/main.go built as grpcGo() is (Debian's Go packages under /usr/share/gocode). */
export function goHttp2Program(name: string): string {
  const src = join(PROGRAMS, 'http2', name, 'main.go');
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 16);
  const cache = join(packageRoot(), 'build', 'test-programs');
  const out = join(cache, `${name}-${hash}`);
  if (existsSync(out)) return out;
  mkdirSync(cache, { recursive: true });
  const tmp = `${out}.tmp${process.pid}`;
  execFileSync('go', ['build', '-o', tmp, src], {
    env: { ...process.env, GO111MODULE: 'off', GOPATH: '/usr/share/gocode', GOPROXY: 'off', GOFLAGS: '', GOCACHE: join(cache, 'gocache') }, stdio: 'pipe',
  });
  execFileSync('mv', [tmp, out]);
  return out;
}
