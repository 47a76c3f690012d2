import { decodeBase64Std, decodeBase64Url } from '../decode/base64.js';
import type { Detector } from '../types.js';
import { nearbyLines } from './nearby.js';
import { kafkaCredentials } from './synthetic.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The username is base64url(`<cluster>-<N>$` + 28 random bytes): check it decodes that way. */
function kafkaUsername(lines: string): string | undefined {
  const m = /KAFKA_REST_USERNAME["']?\s*[:=]\s*["']?([A-Za-z0-9_-]{20,200}={0,2})/.exec(lines);
  if (!m) return undefined;
  const buf = decodeBase64Url(m[1]!);
  return buf && /^[a-z0-9]+(?:-[a-z0-9]+)*-\d+\$/.test(buf.toString('latin1')) ? m[1] : undefined;
}

/**
 * Kafka REST password: base64 of a UUID (48 chars), only under a *KAFKA*PASSWORD name. The
 * service was discontinued on 2025-03-11, so findings are historic (details.discontinued).
 */
export const kafkaCredentialsDetector = {
  id: 'upstash-kafka-credentials',
  type: 'upstash-kafka-credentials',
  title: 'Upstash Kafka REST credentials',
  keywords: ['KAFKA'],
  pattern: /(?<![A-Za-z0-9+/_-])([A-Za-z0-9+/]{46,48}={0,2})(?![A-Za-z0-9+/=_-])/g,
  validate(m, ctx) {
    // Case-sensitive: the keyword contract (prefilter) is the literal "KAFKA".
    if (!ctx.key || !/KAFKA\w*PASSWORD/.test(ctx.key)) return null;
    const buf = decodeBase64Std(m[1]!);
    if (!buf || !UUID.test(buf.toString('latin1'))) return null;
    const password = buf.toString('base64');
    const around = nearbyLines(ctx, 5);
    const username = kafkaUsername(around);
    const url = /https:\/\/[a-z0-9-]+-rest-kafka\.upstash\.io/.exec(around)?.[0];
    return {
      type: 'upstash-kafka-credentials',
      secret: password,
      identity: `kafka:${password}`,
      readOnly: null,
      ...(url ? { endpoint: url } : {}),
      confidence: 'high',
      details: { discontinued: true, usernameFound: username !== undefined },
      ...(username ? { companion: { username } } : {}),
    };
  },
  examples: {
    positives: () => {
      const k = kafkaCredentials();
      return [
        `UPSTASH_KAFKA_REST_PASSWORD=${k.password}`,
        `UPSTASH_KAFKA_REST_URL=${k.url}\nUPSTASH_KAFKA_REST_USERNAME=${k.username}\nUPSTASH_KAFKA_REST_PASSWORD="${k.password}"`,
      ];
    },
    negatives: [
      'UPSTASH_KAFKA_REST_PASSWORD=eUmYCkAlxEhihIc7Hooi2IA2pz2fw==',
      'UPSTASH_KAFKA_REST_USERNAME=G9wcy1zdGluZ3JheS03ODYzJMUX',
    ],
  },
} satisfies Detector;
