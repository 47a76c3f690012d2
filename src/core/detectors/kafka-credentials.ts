import { decodeBase64Std } from '../decode/base64.js';
import type { Detector } from '../types.js';
import { kafkaCredentials } from './synthetic.js';

/**
 * Kafka REST password: base64 of a UUID (48 chars) under UPSTASH_KAFKA_REST_PASSWORD. The service
 * was discontinued on 2025-03-11, so findings are historic but still leaks.
 */
export const kafkaCredentialsDetector = {
  id: 'upstash-kafka-credentials',
  type: 'upstash-kafka-credentials',
  title: 'Upstash Kafka REST credentials',
  keywords: ['KAFKA'],
  pattern: /(?<![A-Za-z0-9+/_-])([A-Za-z0-9+/]{46,48}={0,2})(?![A-Za-z0-9+/=_-])/g,
  validate(m, ctx) {
    if (!ctx.key || !/KAFKA.*PASSWORD/i.test(ctx.key)) return null;
    const buf = decodeBase64Std(m[1]!);
    if (
      !buf ||
      !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(buf.toString('latin1'))
    )
      return null;
    return {
      type: 'upstash-kafka-credentials',
      secret: m[1]!,
      identity: `kafka:${m[1]!}`,
      readOnly: null,
      confidence: 'high',
      details: { discontinued: true },
    };
  },
  examples: {
    positives: () => [`UPSTASH_KAFKA_REST_PASSWORD=${kafkaCredentials().password}`],
    negatives: ['UPSTASH_KAFKA_REST_PASSWORD=eUmYCkAlxEhihIc7Hooi2IA2pz2fw=='],
  },
} satisfies Detector;
