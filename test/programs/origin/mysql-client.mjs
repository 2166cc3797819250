// The origin scenario's Node service talking to MariaDB with mysql2: waits for discovery, then runs prepared
// and plain queries until killed. Usage: node mysql-client.mjs <port> <marker>
import mysql from 'mysql2/promise';

await new Promise((r) => setTimeout(r, 2000));
const c = await mysql.createConnection({ host: '127.0.0.1', port: Number(process.argv[2]), user: 'app', password: 'secret', database: 'shop' });
for (let i = 0; ; i++) {
  await c.execute('SELECT item FROM orders WHERE id = ?', [1 + (i % 2)]);
  if (i % 5 === 0) await c.query('UPDATE orders SET item = item WHERE id = 1');
  await new Promise((r) => setTimeout(r, 20));
}
