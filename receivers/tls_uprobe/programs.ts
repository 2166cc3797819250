import { ElfFile } from '../../src/elf/index.js';

/** kernel_socket programs this object runs: connection roles (accept/connect) and ends (close/dup2/dup3). */
export const KEPT_KS_PROGRAMS = [
  'ks_exit_accept', 'ks_exit_accept4', 'ks_enter_connect', 'ks_exit_connect', 'ks_enter_close', 'ks_enter_dup2', 'ks_enter_dup3',
] as const;

export interface ObjectPrograms {
  /** Programs not to load: kernel_socket's read/write probes, which would see ciphertext here. */
  readonly disabled: string[];
  /** Tracepoint programs to attach by their SEC(): the TLS syscall probes and the kept kernel_socket ones. */
  readonly tracepoints: string[];
}

/**
 * Lists the programs of tls.bpf.o from its ELF symbol table (program = global function in a non-.text
 * section). Everything kernel_socket adds later is disabled unless it is in KEPT_KS_PROGRAMS, so a new
 * read/write probe there can never parse ciphertext in this object.
 */
export async function objectPrograms(objectPath: string): Promise<ObjectPrograms> {
  const elf = await ElfFile.open(objectPath);
  try {
    const text = elf.sections.findIndex((s) => s.name === '.text');
    const progs = (await elf.symbols('symtab')).filter((s) => s.type === 'func' && s.binding === 'global' && s.sectionIndex !== text && s.sectionIndex !== 0);
    const section = (i: number) => elf.sections[i]?.name ?? '';
    const kept = new Set<string>(KEPT_KS_PROGRAMS);
    const disabled = progs.filter((p) => p.name.startsWith('ks_') && !kept.has(p.name)).map((p) => p.name);
    const tracepoints = progs.filter((p) => (p.name.startsWith('tls_sys_') || kept.has(p.name)) && section(p.sectionIndex).startsWith('tracepoint/')).map((p) => p.name);
    return { disabled, tracepoints };
  } finally {
    await elf.close();
  }
}
