/** Big-endian reads over a capture that stop (return undefined / set `cut`) instead of reading past its end. */
export class KafkaReader {
  cut = false;
  constructor(readonly b: Buffer, public at: number, readonly end: number) {}

  private has(n: number): boolean {
    if (this.at + n <= this.end) return true;
    this.cut = true;
    return false;
  }

  i16(): number {
    if (!this.has(2)) return 0;
    const v = this.b.readInt16BE(this.at);
    this.at += 2;
    return v;
  }

  i32(): number {
    if (!this.has(4)) return 0;
    const v = this.b.readInt32BE(this.at);
    this.at += 4;
    return v;
  }

  skip(n: number): void {
    if (n < 0 || !this.has(n)) {
      this.cut = true;
      return;
    }
    this.at += n;
  }

  /** A nullable STRING (int16 length); '' for null. */
  string(): string {
    const n = this.i16();
    if (n < 0 || this.cut) return '';
    if (!this.has(n)) return '';
    const s = this.b.toString('utf8', this.at, this.at + n);
    this.at += n;
    return s;
  }

  /** An unsigned varint (compact lengths of flexible versions). */
  uvarint(): number {
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (!this.has(1)) return 0;
      const c = this.b[this.at++]!;
      v += (c & 0x7f) * 2 ** shift;
      if (!(c & 0x80)) return v;
    }
    this.cut = true;
    return 0;
  }

  /** A COMPACT_STRING (length + 1 as uvarint); '' for null. */
  compactString(): string {
    const n = this.uvarint() - 1;
    if (n < 0 || this.cut || !this.has(n)) return '';
    const s = this.b.toString('utf8', this.at, this.at + n);
    this.at += n;
    return s;
  }

  /** Tagged fields of flexible versions: skipped. */
  taggedFields(): void {
    const n = this.uvarint();
    for (let i = 0; i < n && !this.cut; i++) {
      this.uvarint();
      this.skip(this.uvarint());
    }
  }
}
