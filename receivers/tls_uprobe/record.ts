import type { ConnectionTuple } from '../../src/model/span.js';

/**
 * struct ks_record (bpf/include/kernel_socket.h): the records this object's HTTP/1 machine writes.
 * Offsets are the header's contract; captured request bytes follow at 144, then the response bytes.
 */
export const KS_RECORD_HEADER_SIZE = 144;

export interface KsRecordView {
  startNs: number;
  endNs: number;
  lastNs: number;
  reqBytes: number;
  respBytes: number;
  tgid: number;
  reqHeadLen: number;
  respHeadLen: number;
  status: number;
  role: number;
  request: Buffer;
  response: Buffer;
  connection: ConnectionTuple;
}

/** Decodes one record (DataView over the batch; request/response are views, not copies). */
export function decodeKsRecord(view: DataView, o: number, length: number): KsRecordView | undefined {
  if (length < KS_RECORD_HEADER_SIZE) return undefined;
  const reqLen = view.getUint16(o + 92, true), respLen = view.getUint16(o + 94, true);
  if (KS_RECORD_HEADER_SIZE + reqLen + respLen > length) return undefined;
  const family = view.getUint16(o + 132, true);
  const base = Buffer.from(view.buffer, view.byteOffset + o, length);
  return {
    startNs: Number(view.getBigUint64(o, true)),
    endNs: Number(view.getBigUint64(o + 8, true)),
    lastNs: Number(view.getBigUint64(o + 24, true)),
    reqBytes: Number(view.getBigUint64(o + 32, true)),
    respBytes: Number(view.getBigUint64(o + 40, true)),
    tgid: view.getUint32(o + 72, true),
    reqHeadLen: view.getUint32(o + 84, true),
    respHeadLen: view.getUint32(o + 88, true),
    status: view.getUint16(o + 134, true),
    role: view.getUint8(o + 136),
    request: base.subarray(KS_RECORD_HEADER_SIZE, KS_RECORD_HEADER_SIZE + reqLen),
    response: base.subarray(KS_RECORD_HEADER_SIZE + reqLen, KS_RECORD_HEADER_SIZE + reqLen + respLen),
    connection: {
      hostAddress: address(base, 96, family), hostPort: view.getUint16(o + 128, true),
      peerAddress: address(base, 112, family), peerPort: view.getUint16(o + 130, true),
    },
  };
}

function address(b: Buffer, at: number, family: number): string {
  if (family === 2) return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
  if (family !== 10) return '';
  // IPv4-mapped IPv6 (::ffff:a.b.c.d) is printed as IPv4
  if (b.readUInt32BE(at) === 0 && b.readUInt32BE(at + 4) === 0 && b.readUInt32BE(at + 8) === 0xffff) {
    return `${b[at + 12]}.${b[at + 13]}.${b[at + 14]}.${b[at + 15]}`;
  }
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(b.readUInt16BE(at + i).toString(16));
  return parts.join(':').replace(/(^|:)0(:0)+(:|$)/, '::').replace(/:{3,}/, '::');
}
