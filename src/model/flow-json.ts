import type { Flow } from './flow.js';
import { serviceToJson, type ServiceJson } from './span-json.js';

/** The JSON Lines form of a flow (print_traces `format: json` on a flows pipeline): the Flow's own fields, ns as strings. */
export interface FlowJson {
  srcAddress: string;
  dstAddress: string;
  srcPort: number;
  dstPort: number;
  transport: Flow['transport'];
  direction: Flow['direction'];
  interface: string;
  bytes: number;
  packets: number;
  startUnixNano: string;
  endUnixNano: string;
  srcService?: ServiceJson;
  dstService?: ServiceJson;
  attributes: Record<string, string>;
}

export function flowToJson(f: Flow): FlowJson {
  const out: FlowJson = {
    srcAddress: f.srcAddress,
    dstAddress: f.dstAddress,
    srcPort: f.srcPort,
    dstPort: f.dstPort,
    transport: f.transport,
    direction: f.direction,
    interface: f.interface,
    bytes: f.bytes,
    packets: f.packets,
    startUnixNano: f.startUnixNano.toString(),
    endUnixNano: f.endUnixNano.toString(),
    attributes: { ...f.attributes },
  };
  if (f.srcService) out.srcService = serviceToJson(f.srcService);
  if (f.dstService) out.dstService = serviceToJson(f.dstService);
  return out;
}
