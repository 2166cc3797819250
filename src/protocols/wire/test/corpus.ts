/**
 * Well-formed exchanges of every wire protocol, built byte by byte from the protocols' specifications: the
 * seeds the fuzz test truncates and mutates, and the parsers' own expectations.
 */
const be32 = (n: number) => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
const be16 = (n: number) => { const b = Buffer.alloc(2); b.writeInt16BE(n); return b; };
const cstr = (s: string) => Buffer.concat([Buffer.from(s), Buffer.from([0])]);
const cat = (...parts: Buffer[]) => Buffer.concat(parts);

/** A PostgreSQL typed message. */
export function pg(type: string, body: Buffer): Buffer {
  return cat(Buffer.from(type), be32(body.length + 4), body);
}
const ready = pg('Z', Buffer.from('I'));
const complete = (tag: string) => pg('C', cstr(tag));
const pgError = (code: string) => pg('E', cat(Buffer.from('SERROR\0'), Buffer.from(`C${code}\0`), Buffer.from('Mboom\0'), Buffer.from([0])));

export const POSTGRES: Array<[Buffer, Buffer]> = [
  [cat(be32(41), be32(196608), cstr('user'), cstr('postgres'), cstr('database'), cstr('shop'), Buffer.from([0])), cat(pg('R', be32(0)), ready)],
  [pg('Q', cstr('SELECT name FROM users WHERE id = 7')), cat(pg('T', Buffer.alloc(6)), pg('D', Buffer.alloc(6)), complete('SELECT 1'), ready)],
  [cat(pg('P', cat(cstr('s1'), cstr('SELECT * FROM t WHERE a = $1'), be16(0))), pg('B', cat(cstr(''), cstr('s1'), Buffer.alloc(6))), pg('E', cat(cstr(''), be32(0))), pg('S', Buffer.alloc(0))),
    cat(pg('1', Buffer.alloc(0)), pg('2', Buffer.alloc(0)), complete('SELECT 0'), ready)],
  [pg('Q', cstr('SELECT * FROM nope')), cat(pgError('42P01'), ready)],
  [pg('Q', cstr('COPY t FROM STDIN')), pg('G', Buffer.alloc(3))],
  [cat(pg('d', Buffer.from('1\ta\n')), pg('c', Buffer.alloc(0))), cat(complete('COPY 1'), ready)],
];

const my = (seq: number, payload: Buffer) => { const h = Buffer.alloc(4); h.writeUIntLE(payload.length, 0, 3); h[3] = seq; return cat(h, payload); };
const myOk = my(1, Buffer.from([0, 1, 0, 2, 0, 0, 0]));
export const MYSQL: Array<[Buffer, Buffer]> = [
  [my(0, cat(Buffer.from([3]), Buffer.from('SELECT item FROM orders WHERE id = 1'))), cat(my(1, Buffer.from([1])), my(2, Buffer.alloc(20)), my(3, Buffer.from([0xfe, 0, 0, 2, 0])))],
  [my(0, cat(Buffer.from([0x16]), Buffer.from('SELECT item FROM orders WHERE id = ?'))), my(1, Buffer.from([0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0]))],
  [my(0, Buffer.from([0x17, 1, 0, 0, 0, 0, 1, 0, 0, 0])), myOk],
  [my(0, cat(Buffer.from([3]), Buffer.from('SELECT * FROM missing'))), my(1, cat(Buffer.from([0xff, 0x7a, 0x04]), Buffer.from('#42S02no such table')))],
];

const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
const cmd = (...a: string[]) => `*${a.length}\r\n${a.map(bulk).join('')}`;
export const REDIS: Array<[Buffer, Buffer]> = [
  [Buffer.from(cmd('SET', 'k', 'v') + cmd('GET', 'k') + cmd('LPUSH', 'k', 'x')), Buffer.from('+OK\r\n$1\r\nv\r\n-WRONGTYPE Operation against a key\r\n')],
  [Buffer.from(cmd('HELLO', '3') + cmd('HGETALL', 'h')), Buffer.from('%1\r\n+server\r\n+redis\r\n%1\r\n$1\r\na\r\n:1\r\n')],
  [Buffer.from(cmd('SELECT', '2') + 'PING\r\n'), Buffer.from('+OK\r\n+PONG\r\n')],
];

export const MEMCACHED: Array<[Buffer, Buffer]> = [
  [Buffer.from('set fruit 0 60 5\r\napple\r\nget fruit\r\nget none\r\ndelete fruit\r\n'), Buffer.from('STORED\r\nVALUE fruit 0 5\r\napple\r\nEND\r\nEND\r\nDELETED\r\n')],
  [Buffer.from('incr n 1\r\nbogus\r\n'), Buffer.from('NOT_FOUND\r\nERROR\r\n')],
];

const kstr = (s: string) => cat(be16(Buffer.byteLength(s)), Buffer.from(s));
const kafkaReq = (key: number, version: number, corr: number, body: Buffer) => {
  const inner = cat(be16(key), be16(version), be32(corr), kstr('app-1'), body);
  return cat(be32(inner.length), inner);
};
const kafkaRes = (corr: number, body: Buffer) => cat(be32(body.length + 4), be32(corr), body);
export const KAFKA: Array<[Buffer, Buffer]> = [
  // Produce v3: transactional id (null), acks, timeout, [topic [partition records]]
  [kafkaReq(0, 3, 7, cat(be16(-1), be16(1), be32(1000), be32(1), kstr('orders'), be32(1), be32(2), be32(0))),
    kafkaRes(7, cat(be32(1), kstr('orders'), be32(1), be32(2), be16(0), Buffer.alloc(16), be32(0)))],
  // Fetch v4: replica, max wait, min bytes, max bytes, isolation, [topic [partition …]]
  [kafkaReq(1, 4, 8, cat(be32(-1), be32(500), be32(1), be32(1 << 20), Buffer.from([0]), be32(1), kstr('orders'), be32(1), be32(0), Buffer.alloc(12))),
    kafkaRes(8, cat(be32(0), be32(1), kstr('orders'), be32(1), be32(0), be16(3), Buffer.alloc(20)))],
  [kafkaReq(18, 0, 9, Buffer.alloc(0)), kafkaRes(9, Buffer.alloc(6))],
];
