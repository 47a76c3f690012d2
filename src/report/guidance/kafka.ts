import { ofTypes, type FamilyRule } from './types.js';

/** Upstash Kafka was discontinued on 2025-03-11, so the credentials are dead; clean up only. */
export const kafkaGuidance: FamilyRule = (findings) => {
  if (ofTypes(findings, 'upstash-kafka-credentials').length === 0) return null;
  return {
    heading: 'Kafka REST credentials',
    steps: [
      'Upstash Kafka was discontinued on 2025-03-11; these credentials no longer work. Remove them and the `UPSTASH_KAFKA_REST_*` settings from your configuration.',
    ],
  };
};
