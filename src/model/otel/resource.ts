import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { Service } from '../service.js';
import { serviceResourceAttributes } from '../span-attributes.js';
import { LUMEN_VERSION } from './version.js';

/**
 * One OTel Resource per observed service. Services are interned (one object per process), so the
 * Resource is cached on the Service object's identity: exporters group spans by Resource identity.
 */
export class ResourceCache {
  private readonly byService = new WeakMap<Service, Resource>();
  private agent: Resource | undefined;

  constructor(readonly hostName: string) {}

  forService(service: Service): Resource {
    let r = this.byService.get(service);
    if (!r) {
      r = resourceFromAttributes(serviceResourceAttributes(service, this.hostName, LUMEN_VERSION));
      this.byService.set(service, r);
    }
    return r;
  }

  /** The agent's own resource (internal lumen_* metrics, flows that belong to no service). */
  forAgent(): Resource {
    this.agent ??= resourceFromAttributes({
      'service.name': 'lumen',
      'service.instance.id': `${this.hostName}:${process.pid}`,
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.sdk.version': LUMEN_VERSION,
      'telemetry.distro.name': 'lumen',
      'host.name': this.hostName,
      'process.pid': process.pid,
    });
    return this.agent;
  }
}
