import type { ConnectionTuple } from '../model/span.js';

/** IPv4-mapped IPv6 (a dual-stack listener's view of an IPv4 peer) written as the IPv4 address it is. */
function plain(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** The connection as "<this end> > <other end>": a client's key equals the server's mirroredKey on the same host. */
export function tupleKey(c: ConnectionTuple): string {
  return `${plain(c.hostAddress)}:${c.hostPort}>${plain(c.peerAddress)}:${c.peerPort}`;
}

/** The key the other end of the connection has. */
export function mirroredKey(c: ConnectionTuple): string {
  return `${plain(c.peerAddress)}:${c.peerPort}>${plain(c.hostAddress)}:${c.hostPort}`;
}
