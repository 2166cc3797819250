/**
 * Throwaway database servers for the database capture tests, from the Debian packages scripts/apt-test.txt
 * installs: each in its own temp dir on a port of the databases range (21000-21199), stopped by stopAllProcs().
 * PostgreSQL refuses to run as root, so it runs as the `postgres` user the package creates (setpriv).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProc, tempDir, waitForPort, type Proc } from './support.js';

export interface DbServer {
  readonly port: number;
  readonly proc: Proc;
  readonly dir: string;
}

async function ready(proc: Proc, port: number, what: string): Promise<void> {
  try {
    await waitForPort(port, 60_000);
  } catch (e) {
    await proc.kill('SIGKILL');
    throw new Error(`${what} on ${port} did not start: ${(e as Error).message}\n${proc.stderr()}\n${proc.stdout()}`);
  }
}

function postgresBin(name: string): string {
  const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  return join(dir, name);
}

/** PostgreSQL (trust auth, database `shop`, table `users`); `ssl`: TLS on, with a fresh self-signed certificate. */
export async function startPostgres(port: number, ssl = false): Promise<DbServer> {
  const dir = tempDir('pg');
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
  chownSync(dir, uid, gid);
  const data = join(dir, 'data');
  execFileSync('runuser', ['-u', 'postgres', '--', postgresBin('initdb'), '-D', data, '-A', 'trust', '-U', 'postgres'], { stdio: 'pipe' });
  const tls: string[] = [];
  if (ssl) {
    const [crt, key] = [join(dir, 'server.crt'), join(dir, 'server.key')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', key, '-out', crt], { stdio: 'pipe' });
    for (const f of [crt, key]) chownSync(f, uid, gid);
    chmodSync(key, 0o600);
    tls.push('-c', 'ssl=on', '-c', `ssl_cert_file=${crt}`, '-c', `ssl_key_file=${key}`);
  }
  // setpriv execs (runuser would fork): the server is our direct child, stopped by stopAllProcs
  const proc = startProc('setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', postgresBin('postgres'), '-D', data, '-p', String(port), '-k', dir,
    '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'shared_buffers=16MB', ...tls]);
  await ready(proc, port, 'postgres');
  const psql = (sql: string, db = 'postgres') => execFileSync('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', db, '-v', 'ON_ERROR_STOP=1', '-c', sql], { stdio: 'pipe' });
  psql('CREATE DATABASE shop');
  psql('CREATE TABLE users (id int PRIMARY KEY, name text); INSERT INTO users SELECT g, \'user\' || g FROM generate_series(1, 20) g', 'shop');
  return { port, proc, dir };
}

/** MariaDB (root without password over TCP, database `shop`, table `orders`). */
export async function startMariadb(port: number): Promise<DbServer> {
  const dir = tempDir('mariadb');
  const data = join(dir, 'data');
  mkdirSync(data);
  execFileSync('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'], { stdio: 'pipe' });
  const proc = startProc('mariadbd', ['--no-defaults', `--datadir=${data}`, '--user=root', `--port=${port}`, '--bind-address=127.0.0.1',
    `--socket=${join(dir, 'mysqld.sock')}`, `--pid-file=${join(dir, 'mysqld.pid')}`, '--skip-log-bin', '--innodb-buffer-pool-size=16M']);
  await ready(proc, port, 'mariadbd');
  const sql = 'CREATE DATABASE shop; CREATE TABLE shop.orders (id INT PRIMARY KEY, item VARCHAR(40)); INSERT INTO shop.orders VALUES (1, "apple"), (2, "pear");'
    + " CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY 'secret'; GRANT ALL ON shop.* TO 'app'@'127.0.0.1';";
  execFileSync('mariadb', ['--no-defaults', `--socket=${join(dir, 'mysqld.sock')}`, '-uroot', '-e', sql], { stdio: 'pipe' });
  return { port, proc, dir };
}

export async function startRedis(port: number): Promise<DbServer> {
  const dir = tempDir('redis');
  writeFileSync(join(dir, 'redis.conf'), `port ${port}\nbind 127.0.0.1\nsave ""\nappendonly no\ndir ${dir}\n`);
  const proc = startProc('redis-server', [join(dir, 'redis.conf')]);
  await ready(proc, port, 'redis-server');
  return { port, proc, dir };
}

export async function startMemcached(port: number): Promise<DbServer> {
  const dir = tempDir('memcached');
  const proc = startProc('memcached', ['-u', 'root', '-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '16']);
  await ready(proc, port, 'memcached');
  return { port, proc, dir };
}
