import type { AttributeValue, Span } from '../../src/model/span.js';
import { visitTypedAttributes } from '../../src/model/span-attributes.js';
import type { ProtoWriter } from './proto-writer.js';
import { writeTypedAttribute } from './attribute-proto.js';

/**
 * A span's typed attributes (visitTypedAttributes: keys, values, order) as Span.attributes KeyValues (field 9).
 *
 * Spans of one endpoint and one peer repeat every typed attribute but the two body sizes and client.port. So per
 * kind (server, client) the bytes of the last HTTP span's runs before the sizes ("head") and after them ("tail") are
 * kept, and the next span with the same fields gets copies of them plus the three numbers written: about twelve
 * attributes written per span were a quarter of the in-process OTLP pipeline. A span with other fields is visited
 * and becomes the remembered one. Same bytes as visiting every attribute (encode-traces.test.ts).
 */
export function writeTypedAttributes(w: ProtoWriter, span: Span): void {
  const memo = span.http === undefined ? undefined : span.kind === 'server' ? SERVER : span.kind === 'client' ? CLIENT : undefined;
  if (memo === undefined) return visitTypedAttributes(span, w, writeTypedAttribute);
  const h = span.http!;
  if (memo.matches(span)) {
    w.raw(memo.head!);
    writeTypedAttribute(w, 'http.request.body.size', h.requestBodySize);
    writeTypedAttribute(w, 'http.response.body.size', h.responseBodySize);
    w.raw(memo.tail!);
    if (memo.server) writeTypedAttribute(w, 'client.port', span.connection.peerPort);
    return;
  }
  const r = RECORDER;
  r.w = w;
  r.start = w.pos;
  r.count = 0;
  r.sizesAt = r.sizesEnd = r.sizesIndex = r.portAt = r.portIndex = -1;
  visitTypedAttributes(span, r, record);
  r.w = undefined;
  memo.remember(span, w, r);
}

/** Where visiting put the attributes the memo writes itself (positions in the writer, indices in visiting order). */
interface Recording {
  w: ProtoWriter | undefined;
  start: number;
  count: number;
  sizesAt: number;
  sizesIndex: number;
  sizesEnd: number;
  portAt: number;
  portIndex: number;
}

const RECORDER: Recording = { w: undefined, start: 0, count: 0, sizesAt: -1, sizesIndex: -1, sizesEnd: -1, portAt: -1, portIndex: -1 };

function record(r: Recording, key: string, value: AttributeValue): void {
  const w = r.w!;
  if (key === 'http.request.body.size') {
    r.sizesAt = w.pos;
    r.sizesIndex = r.count;
  } else if (key === 'client.port') {
    r.portAt = w.pos;
    r.portIndex = r.count;
  }
  writeTypedAttribute(w, key, value);
  if (key === 'http.response.body.size' && r.sizesIndex === r.count - 1) r.sizesEnd = w.pos;
  r.count++;
}

/** Longer runs (long paths, url.full) are not kept: such spans are visited every time. */
const MAX_RUN = 512;

class Memo {
  head: Uint8Array | undefined;
  tail: Uint8Array | undefined;
  // The fields the head and tail are made of (for a client span, the peer port too: server.port).
  private method = '';
  private status = -1;
  private path = '';
  private scheme = '';
  private query = '';
  private route = '';
  private version: string | undefined;
  private host = '';
  private hostAddress = '';
  private hostPort = -1;
  private peerAddress = '';
  private peerPort = -1;

  constructor(readonly server: boolean) {}

  matches(span: Span): boolean {
    const h = span.http!;
    const c = span.connection;
    return this.head !== undefined && h.path === this.path && h.method === this.method && h.status === this.status &&
      h.scheme === this.scheme && h.query === this.query && h.route === this.route && h.protocolVersion === this.version &&
      h.host === this.host && c.peerAddress === this.peerAddress && c.hostAddress === this.hostAddress &&
      c.hostPort === this.hostPort && (this.server || c.peerPort === this.peerPort);
  }

  /** Keeps the runs of the span just visited, when they have the expected shape: head, the two sizes, tail, client.port last (server). */
  remember(span: Span, w: ProtoWriter, r: Recording): void {
    this.head = this.tail = undefined;
    const end = this.server ? r.portAt : w.pos;
    const shaped = r.sizesEnd >= 0 && (this.server ? r.portIndex === r.count - 1 : r.portIndex < 0);
    if (!shaped || r.sizesAt - r.start > MAX_RUN || end - r.sizesEnd > MAX_RUN) return;
    const h = span.http!;
    const c = span.connection;
    this.method = h.method;
    this.status = h.status;
    this.path = h.path;
    this.scheme = h.scheme;
    this.query = h.query;
    this.route = h.route;
    this.version = h.protocolVersion;
    this.host = h.host;
    this.hostAddress = c.hostAddress;
    this.hostPort = c.hostPort;
    this.peerAddress = c.peerAddress;
    this.peerPort = c.peerPort;
    this.head = new Uint8Array(w.buf.subarray(r.start, r.sizesAt)); // copies: the writer's buffer is reused
    this.tail = new Uint8Array(w.buf.subarray(r.sizesEnd, end));
  }
}

const SERVER = new Memo(true);
const CLIENT = new Memo(false);
