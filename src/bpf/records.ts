/**
 * Walks one ring-buffer batch: frames `[u32 little-endian length][record bytes]` back to back.
 * `fn` gets a DataView over the whole batch, the record's offset in it and its length (no copies).
 * Returns the number of records. A truncated trailing frame is ignored (never produced by the addon).
 */
export function forEachRecord(batch: Buffer, fn: (view: DataView, offset: number, length: number) => void): number {
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  const end = batch.byteLength;
  let off = 0;
  let n = 0;
  while (off + 4 <= end) {
    const len = view.getUint32(off, true);
    const start = off + 4;
    if (start + len > end) break;
    fn(view, start, len);
    off = start + len;
    n++;
  }
  return n;
}

/** Number of records in a batch, without visiting them. */
export function countRecords(batch: Buffer): number {
  return forEachRecord(batch, noop);
}

function noop(): void {}
