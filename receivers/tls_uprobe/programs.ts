import { ElfFile } from '../../src/elf/index.js';

/** Connection-machine programs this object runs (bpf/include/ks_lifecycle.h): connection roles (new ESTABLISHED
 * sockets) and ends (closes). */
export const KEPT_KS_PROGRAMS = ['ks_set_state', 'ks_destroy'] as const;

export interface ObjectPrograms {
  /** Programs not to load: any other ks_ program (a socket read/write probe would see ciphertext here). */
  readonly disabled: string[];
  /** Tracepoint programs to attach by their SEC(): the TLS socket probes and the kept connection-machine ones. */
  readonly tracepoints: string[];
}

/**
 * Lists the programs of tls.bpf.o from its ELF symbol table (program = global function in a non-.text
 * section). tls.bpf.c declares only its own hooks and the machine's lifecycle ones; any other ks_ program is
 * still disabled, so a read/write probe can never parse ciphertext in this object.
 */
export async function objectPrograms(objectPath: string): Promise<ObjectPrograms> {
  const elf = await ElfFile.open(objectPath);
  try {
    const text = elf.sections.findIndex((s) => s.name === '.text');
    const progs = (await elf.symbols('symtab')).filter((s) => s.type === 'func' && s.binding === 'global' && s.sectionIndex !== text && s.sectionIndex !== 0);
    const section = (i: number) => elf.sections[i]?.name ?? '';
    const kept = new Set<string>(KEPT_KS_PROGRAMS);
    const disabled = progs.filter((p) => p.name.startsWith('ks_') && !kept.has(p.name)).map((p) => p.name);
    const tracepoints = progs.filter((p) => (p.name.startsWith('tls_sock_') || kept.has(p.name)) && section(p.sectionIndex).startsWith('tp_btf/')).map((p) => p.name);
    return { disabled, tracepoints };
  } finally {
    await elf.close();
  }
}
