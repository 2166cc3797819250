/** The Kafka protocol parser: Produce and Fetch requests paired with their responses by correlation id. */
export { kafkaParser, type KafkaState, API_FETCH, API_PRODUCE } from './parser.js';
