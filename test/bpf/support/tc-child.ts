/**
 * Test support: a process that attaches test_probe's TC programs to an interface, prints "attached <mode>",
 * and waits to be killed (`kill -9` is the point: nothing of it runs at exit).
 * argv: <bpf object path> <ifname> <tcx|legacy>
 */
import { openObject } from '../../../src/bpf/index.js';

const [path, ifname, mode] = process.argv.slice(2);
const obj = openObject(path!);
const legacy = mode === 'legacy';
const a = obj.attachTc('tc_ingress', ifname!, 'ingress', { legacy });
const b = obj.attachTc('tc_egress', ifname!, 'egress', { legacy });
process.stdout.write(`attached ${a.mode}\n`);
// The timer holds the object and links: unreferenced, the garbage collector would close them (detaching).
setInterval(() => void [obj, a, b], 1 << 30);
