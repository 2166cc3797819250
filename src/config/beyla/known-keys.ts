/**
 * Beyla/OBI configuration keys Lumen knows (from Beyla's and OBI's documented options). `true`: translated;
 * a string: understood but not translated, and why (warned once at its position); a mapping: its own keys;
 * `_items`: the keys of each entry of a list; `'*'`: free keys (metric names, attribute names, headers).
 * Keys found in neither are unknown: warned with the closest known key as a suggestion.
 */
export type KeySpec = true | string | { readonly [key: string]: KeySpec };

const K8S = 'needs Kubernetes metadata, which Lumen does not have yet; this selector is left out';
const NO_EFFECT = (what: string): string => `has no equivalent in Lumen (${what}); ignored`;

const selectors = {
  open_ports: true, exe_path: true, exe_path_regexp: true, cmd_args: true, languages: true, containers_only: true,
  target_pids: true, pid: true, pids: true, name: true, namespace: true,
  container_name: 'needs container metadata, which Lumen does not have yet; this selector is left out',
  k8s_namespace: K8S, k8s_pod_name: K8S, k8s_deployment_name: K8S, k8s_replicaset_name: K8S, k8s_statefulset_name: K8S,
  k8s_daemonset_name: K8S, k8s_owner_name: K8S, k8s_pod_labels: K8S, k8s_pod_annotations: K8S, k8s_cronjob_name: K8S, k8s_job_name: K8S,
  exports: 'per-service export selection is not supported yet: the service is exported by every pipeline',
  metrics: 'per-service metrics features are not supported yet: the global features apply',
  sampler: 'per-service samplers are not supported yet: the traces sampler applies to every service',
  routes: 'per-service routes are not supported yet: the global routes apply',
} as const;

const otlpCommon = {
  endpoint: true, traces_endpoint: true, metrics_endpoint: true, protocol: true, headers: { '*': true }, insecure: true,
  insecure_skip_verify: true, timeout: true, compression: true,
  backoff_initial_interval: true, backoff_max_interval: true, backoff_max_elapsed_time: true,
  instrumentations: 'selects protocols per exporter in Beyla; Lumen exports every protocol its receivers capture',
  reporters_cache_len: NO_EFFECT('Lumen keeps no per-service reporter cache'),
} as const;

const buckets = { duration_histogram: true, request_size_histogram: true, response_size_histogram: true, rtt_histogram: true } as const;

export const BEYLA_KEYS: KeySpec = {
  discovery: {
    instrument: { _items: selectors },
    exclude_instrument: { _items: selectors },
    default_exclude_instrument: { _items: selectors },
    services: { _items: selectors },
    exclude_services: { _items: selectors },
    default_exclude_services: { _items: selectors },
    poll_interval: true, min_process_age: true,
    skip_go_specific_tracers: NO_EFFECT('Lumen has no Go-specific tracers yet'),
    exclude_otel_instrumented_services: 'not supported yet: processes that export OTLP themselves are instrumented too',
    exclude_otel_instrumented_services_span_metrics: 'not supported yet',
    route_harvester_timeout: NO_EFFECT('Lumen does not harvest routes from binaries'),
    disabled_route_harvesters: NO_EFFECT('Lumen does not harvest routes from binaries'),
    excluded_linux_system_paths: 'Lumen excludes system paths through discovery.default_exclude_instrument',
  },
  open_port: true, executable_name: true, executable_path: true, auto_target_exe: true, auto_target_language: true,
  target_pids: true, service_name: true, service_namespace: true,
  otel_traces_export: {
    ...otlpCommon, sampler: { name: true, arg: true }, batch_max_size: true, batch_timeout: true, max_queue_size: true, queue_size: true,
    interval: true,
  },
  otel_metrics_export: {
    ...otlpCommon, interval: true, ttl: true, features: true, buckets,
    histogram_aggregation: true,
    allow_service_graph_self_references: NO_EFFECT('no service graph metrics yet'),
  },
  otel: { endpoint: true, protocol: true, headers: { '*': true }, insecure: true, insecure_skip_verify: true, traces: true, metrics: true, interval: true },
  prometheus_export: {
    port: true, path: true, ttl: true, features: true, buckets,
    native_histogram: 'native histograms are not supported yet: classic buckets are served',
    exemplar_filter: 'exemplars are not supported yet',
    disable_build_info: NO_EFFECT('Lumen serves no build_info metric'),
    instrumentations: otlpCommon.instrumentations,
    allow_service_graph_self_references: NO_EFFECT('no service graph metrics yet'),
    extra_resource_attributes: 'not supported yet: resource attributes appear in target_info',
    extra_span_resource_attributes: 'not supported yet: resource attributes appear in target_info',
  },
  metrics: { features: true },
  print_traces: true,
  trace_printer: true,
  routes: {
    patterns: true, ignored_patterns: true, ignore_mode: true, unmatched: true, wildcard_char: true, max_path_segment_cardinality: true,
  },
  filter: { application: { '*': true }, network: { '*': true }, stats: { '*': true } },
  attributes: {
    select: { '*': true },
    kubernetes: {
      enable: true, cluster_name: K8S, kubeconfig_path: K8S, informers_sync_timeout: K8S, informers_resync_period: K8S,
      disable_informers: K8S, meta_cache_address: K8S, meta_restrict_local_node: K8S, resource_labels: K8S,
      service_name_template: K8S, drop_external: K8S, reconnect_initial_interval: K8S,
    },
    instance_id: { dns: NO_EFFECT('instance ids use the host name as the system reports it'), override_hostname: true, override_instance_id: 'not supported yet: service.instance.id is <host>:<pid>' },
    host_id: { override: true, fetch_timeout: NO_EFFECT('Lumen reads no cloud metadata') },
    rename_unresolved_hosts: 'not supported yet: unresolved peers keep their address',
    rename_unresolved_hosts_outgoing: 'not supported yet',
    rename_unresolved_hosts_incoming: 'not supported yet',
    metric_span_names_limit: 'Lumen bounds names with the cardinality_guard processor instead',
  },
  network: {
    enable: true, source: true, cidrs: true, allowed_attributes: true, cache_max_flows: true, cache_active_timeout: true,
    interfaces: true, exclude_interfaces: true, protocols: true, exclude_protocols: true, deduper: true, print_flows: true,
    direction: 'not supported yet: both directions are counted',
    sampling: 'packet sampling is not supported yet: every packet is counted',
    agent_ip: NO_EFFECT('flows carry both addresses'), agent_ip_iface: NO_EFFECT('flows carry both addresses'), agent_ip_type: NO_EFFECT('flows carry both addresses'),
    listen_interfaces: 'Lumen polls interfaces (network_flow.interfaces_poll_interval)',
    listen_poll_period: true,
    reverse_dns: true,
    geo_ip: 'GeoIP labels are not supported yet',
    guess_ports: NO_EFFECT('server/client ports come from the connection owner'),
    deduper_fc_ttl: NO_EFFECT('the deduper keeps flows for their lifetime'),
  },
  ebpf: {
    batch_length: NO_EFFECT('spans are read from a ring buffer as they come'),
    batch_timeout: NO_EFFECT('spans are read from a ring buffer as they come'),
    wakeup_len: NO_EFFECT('the ring buffer is polled (kernel_socket.poll_interval)'),
    http_request_timeout: true,
    context_propagation: true,
    track_request_headers: NO_EFFECT('request headers are always read for traceparent'),
    high_request_volume: NO_EFFECT('every request is reported'),
    heuristic_sql_detect: NO_EFFECT('SQL protocols are recognised by content'),
    traffic_control_backend: 'Lumen injects context with sk_msg (HTTP headers), never with TC',
    buffer_sizes: { http: true, mysql: true, postgres: true, kafka: true, mssql: 'SQL Server is not supported yet', tcp: NO_EFFECT('generic TCP spans are not produced') },
    max_transaction_time: NO_EFFECT('requests time out after kernel_socket.request_timeout'),
    bpf_fs_path: NO_EFFECT('Lumen pins nothing in bpffs'),
    bpf_debug: NO_EFFECT('no debug build of the probes'), protocol_debug_print: NO_EFFECT('no debug build of the probes'),
    payload_extraction: 'payload extraction (GraphQL, Elasticsearch, AWS, GenAI) is not supported yet',
    dns_request_timeout: 'DNS spans are not supported yet',
    maps_config: NO_EFFECT('map sizes are set per receiver (max_connections, max_pending_requests)'),
    override_bpfloop_enabled: NO_EFFECT('no bpf_loop use'),
    log_enricher: 'log enrichment is not supported yet',
    mysql_prepared_statements_cache_size: NO_EFFECT('prepared statements are kept per connection'),
    postgres_prepared_statements_cache_size: NO_EFFECT('prepared statements are kept per connection'),
    kafka_topic_uuid_cache_size: NO_EFFECT('Kafka topics are read by name'), redis_db_cache: NO_EFFECT('Redis spans carry no database index'),
    instrument_gpu: 'GPU instrumentation is not supported yet', instrument_cuda: 'GPU instrumentation is not supported yet',
  },
  log_level: true,
  log_format: true,
  shutdown_timeout: true,
  name_resolver: 'name resolution (sources, cache) is not supported yet: peers keep their address, flows get /etc/hosts names',
  stats: 'the stats pipeline is enabled with metrics features stats*; its own options are not supported yet',
  enforce_sys_caps: NO_EFFECT('`lumen doctor` reports capabilities; a missing one fails the receiver that needs it'),
  channel_buffer_len: 'use service.queue_size in pipelines.yaml',
  channel_send_timeout: NO_EFFECT('full queues drop and count batches at once'),
  profile_port: NO_EFFECT('no pprof endpoint; use node --inspect'),
  internal_metrics: "Lumen's own lumen_* metrics are served by the Prometheus and OTLP exporters (service.telemetry.metrics)",
  log_config: NO_EFFECT('configuration is logged at debug level'),
  nodejs: 'Node.js-specific instrumentation is not needed: Node is seen at the socket layer',
  javaagent: 'Java-agent instrumentation is not supported: Java is seen at the socket layer',
  jvm_runtime_metrics: 'JVM runtime metrics are not supported yet',
  health_check: 'no health-check endpoint yet',
  grafana: 'the grafana.otlp Cloud shortcut is not supported: set otel_traces_export/otel_metrics_export endpoints and headers',
  injector: 'SDK injection is not supported',
  debug: NO_EFFECT('use log_level: debug'),
};
