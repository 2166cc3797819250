import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes `dir`/nginx.conf for a small test nginx: one worker unless `workers`, errors only, every temp path inside
 * `dir`; `main` and `http`: more directives at the top level and in the http block; `server`
 * is the body of its one server block. Returns the file's path.
 */
export function writeNginxConf(dir: string, opts: { connections: number; server: string; workers?: number; main?: string; http?: string }): string {
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, `
worker_processes ${opts.workers ?? 1};
daemon off;
master_process on;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
${opts.main ?? ''}
events { worker_connections ${opts.connections}; }
http {
  access_log off;
  ${opts.http ?? ''}
  client_body_temp_path ${dir}/b; proxy_temp_path ${dir}/p; fastcgi_temp_path ${dir}/f; uwsgi_temp_path ${dir}/u; scgi_temp_path ${dir}/s;
  server {
${opts.server}
  }
}
`);
  return file;
}
