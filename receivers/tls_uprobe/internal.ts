import type { ElfFile, ElfSymbol } from '../../src/elf/index.js';

const MAX_SCAN = 256;
const EM_X86_64 = 62;

type IcedModule = typeof import('iced-x86');
let iced: Promise<IcedModule> | undefined;

/**
 * The first direct CALL or JMP target in a function's first instructions (virtual address), or undefined.
 * OpenSSL's exported wrappers are thin: SSL_read_ex(s, buf, num, readbytes) is `call ssl_read_internal`,
 * SSL_read converts its int length and calls the same function. x86-64 only (iced-x86, loaded lazily).
 */
export async function firstDirectBranch(elf: ElfFile, sym: ElfSymbol): Promise<number | undefined> {
  if (elf.header.machine !== EM_X86_64) return undefined;
  const off = elf.fileOffset(sym.value);
  if (off === undefined) return undefined;
  const len = Math.min(sym.size > 0 ? sym.size : MAX_SCAN, MAX_SCAN, elf.size - off);
  if (len <= 0) return undefined;
  const bytes = await elf.read(off, len);
  const { Decoder, DecoderOptions, FlowControl } = await (iced ??= import('iced-x86'));
  const dec = new Decoder(64, new Uint8Array(bytes), DecoderOptions.None);
  dec.ip = BigInt(sym.value);
  try {
    while (dec.canDecode) {
      const ins = dec.decode();
      try {
        const fc = ins.flowControl;
        if (fc === FlowControl.Call || fc === FlowControl.UnconditionalBranch) {
          const target = ins.isCallNear || ins.isJmpNear || ins.isJmpShort ? Number(ins.nearBranchTarget) : 0;
          if (target && (target < sym.value || target >= sym.value + len)) return target;
          if (fc === FlowControl.UnconditionalBranch) return undefined;
        }
        if (fc === FlowControl.Return || fc === FlowControl.IndirectBranch || fc === FlowControl.IndirectCall) return undefined;
      } finally {
        ins.free();
      }
    }
  } finally {
    dec.free();
  }
  return undefined;
}

/** True when vaddr lies in an executable PT_LOAD segment. */
export function inExecutableSegment(elf: ElfFile, vaddr: number): boolean {
  return elf.segments.some((p) => p.type === 1 && (p.flags & 1) !== 0 && vaddr >= p.vaddr && vaddr < p.vaddr + p.filesz);
}
