// A database client for the capture tests: waits for a line on stdin (so the agent instruments it before it
// connects), runs one scenario against 127.0.0.1:<port>, prints DONE. Usage: node client.mjs <scenario> <port> lumen-ks-client
import { createInterface } from 'node:readline';

const [scenario, portArg] = process.argv.slice(2);
const port = Number(portArg);
await new Promise((resolve) => createInterface({ input: process.stdin }).once('line', resolve));

const scenarios = {
  async pg() {
    const { default: pg } = await import('pg');
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'shop' });
    await c.connect();
    await c.query('SELECT name FROM users WHERE id = 7'); // simple query
    await c.query({ name: 'user_by_id', text: 'SELECT name FROM users WHERE id = $1', values: [3] }); // prepared, parsed once
    await c.query({ name: 'user_by_id', text: 'SELECT name FROM users WHERE id = $1', values: [4] }); // executed by name only
    await c.query('UPDATE users SET name = $1 WHERE id = $2', ['renamed', 5]); // unnamed extended query
    await c.query('SELECT * FROM no_such_table').catch(() => {}); // 42P01
    // longer than the capture (1024 bytes): still one span, its operation and table from the captured prefix
    await c.query(`SELECT name FROM users WHERE id IN (${Array.from({ length: 900 }, (_, i) => i).join(', ')})`);
    // an answer longer than the capture (20 rows of 300 bytes): still one span
    await c.query("SELECT repeat('x', 300) FROM users");
    await c.end();
  },
  async pgtls() {
    const { default: pg } = await import('pg');
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'shop', ssl: { rejectUnauthorized: false } });
    await c.connect();
    await c.query('SELECT name FROM users WHERE id = 9');
    await c.query({ name: 'by_name', text: 'SELECT id FROM users WHERE name = $1', values: ['user2'] });
    await c.query('DELETE FROM nowhere').catch(() => {}); // 42P01
    await c.end();
  },
  async mysql() {
    const mysql = await import('mysql2/promise');
    const c = await mysql.createConnection({ host: '127.0.0.1', port, user: 'app', password: 'secret', database: 'shop' });
    await c.query('SELECT item FROM orders WHERE id = 1');
    await c.execute('SELECT item FROM orders WHERE id = ?', [2]); // prepare + execute
    await c.execute('SELECT item FROM orders WHERE id = ?', [1]); // execute by id (cached statement)
    await c.execute('INSERT INTO orders (id, item) VALUES (?, ?)', [3, 'plum']);
    await c.query('SELECT * FROM missing_table').catch(() => {}); // 1146
    await c.end();
  },
  async redis() {
    const { default: Redis } = await import('ioredis');
    const r = new Redis({ host: '127.0.0.1', port, enableReadyCheck: false, lazyConnect: true });
    await r.connect();
    await r.set('greeting', 'hello');
    await r.get('greeting');
    await r.lpush('greeting', 'x').catch(() => {}); // WRONGTYPE
    const p = r.pipeline();
    for (let i = 0; i < 1000; i++) p.incr(`counter:${i % 10}`);
    await p.exec(); // one write of 1000 commands
    await r.set('big', 'v'.repeat(200_000));
    await r.get('big'); // a reply far longer than the capture and its chunks: still one span
    await r.quit();
  },
  async redisidle() {
    // a pooled connection that goes quiet after its command: its span must not wait for the next one
    const { default: Redis } = await import('ioredis');
    const r = new Redis({ host: '127.0.0.1', port, enableReadyCheck: false, lazyConnect: true });
    await r.connect();
    await r.get('idle-key');
    await new Promise((res) => setTimeout(res, 6000));
    r.disconnect();
  },
  async memcached() {
    const { default: Memcached } = await import('memcached');
    const m = new Memcached(`127.0.0.1:${port}`, { retries: 0, timeout: 2000 });
    const call = (fn, ...args) => new Promise((resolve) => m[fn](...args, (err, v) => resolve(err ?? v)));
    await call('set', 'fruit', 'apple', 60);
    await call('get', 'fruit');
    await call('get', 'nothing');
    await call('del', 'fruit');
    m.end();
  },
};

await scenarios[scenario]();
console.log('DONE');
