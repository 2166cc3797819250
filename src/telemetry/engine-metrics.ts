/**
 * The engine's own internal metrics (Prometheus names; the prometheus exporter adds nothing, the _total is here).
 * Labels: `component` (the component id as written in the config) and, where relevant, `pipeline`.
 */
export const ENGINE_METRICS = {
  /** Items (spans, flows, measurements) a receiver emitted. {component} */
  receiverReceived: ['lumen_receiver_received_items_total', 'Items emitted by a receiver.'],
  /** A receiver's output stream failed (the receiver stops producing). {component} */
  receiverErrors: ['lumen_receiver_errors_total', 'Receiver output streams that ended with an error.'],
  /** Items dropped because a pipeline's input queue was full. {component: the receiver, pipeline} */
  queueDropped: ['lumen_queue_dropped_items_total', 'Items dropped because the pipeline queue was full.'],
  /** Items waiting in a pipeline's input queue. {pipeline} */
  queueItems: ['lumen_queue_items', 'Items waiting in the pipeline input queue.'],
  /** Capacity of a pipeline's input queue, in items. {pipeline} */
  queueCapacity: ['lumen_queue_capacity_items', 'Capacity of the pipeline input queue, in items.'],
  /** Items entering / leaving a processor. {component, pipeline} */
  processorIncoming: ['lumen_processor_incoming_items_total', 'Items entering a processor.'],
  processorOutgoing: ['lumen_processor_outgoing_items_total', 'Items leaving a processor.'],
  /** A processor chain threw; it is re-subscribed, the batch in flight is lost. {pipeline} */
  pipelineErrors: ['lumen_pipeline_errors_total', 'Errors raised by a pipeline\'s processors (the pipeline restarts).'],
  /** Items handed to an exporter's consume() without error. {component, pipeline} */
  exporterAccepted: ['lumen_exporter_accepted_items_total', 'Items accepted by an exporter.'],
  /** Items whose consume() threw (the pipeline keeps running). {component, pipeline} */
  exporterFailed: ['lumen_exporter_failed_items_total', 'Items an exporter failed to accept (consume threw).'],
  /** Always 1, labelled with the version. {version} */
  buildInfo: ['lumen_build_info', 'Lumen build information (always 1).'],
} as const;
