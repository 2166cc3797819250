// An HTTP service on PostgreSQL for the nesting test: GET /order/<id> runs one query and answers.
// Usage: node http-server.mjs <http port> <pg port> lumen-ks-client
import { createServer } from 'node:http';
import pg from 'pg';

const [httpPort, pgPort] = process.argv.slice(2).map(Number);
const db = new pg.Client({ host: '127.0.0.1', port: pgPort, user: 'postgres', database: 'shop' });
await db.connect();
createServer(async (req, res) => {
  const id = Number(req.url.split('/').pop());
  const r = await db.query('SELECT name FROM users WHERE id = $1', [id]);
  res.end(JSON.stringify(r.rows));
}).listen(httpPort, '127.0.0.1', () => console.log('READY'));
