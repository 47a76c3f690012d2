import { decodeBase64Std, decodeBase64Url } from '../decode/base64.js';
import type { Detector, MatchContext } from '../types.js';
import { isKnownPublicValue } from './known-examples.js';
import { assignedName, nearbyLines } from './nearby.js';
import { isFilledSlot } from './placeholders.js';
import { hex32Secret, kafkaCredentials, managementKey } from './synthetic.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEX32 = /^[0-9a-f]{32}$/;
/** A UUID that is no Kafka password, for the negatives (built at run time). */
const OTHER_UUID = managementKey({ seed: 'kafka negatives' });
const KAFKA_REST_URL = /https:\/\/[a-z0-9-]+-rest-kafka\.upstash\.io/;

/** A bare password name: a client's option or a JAAS / librdkafka / kafka-python key. */
const BARE_PASSWORD = /^(?:sasl[_.]?(?:plain[_.]?)?)?pass(?:word)?$/i;
/** A Kafka endpoint of Upstash: the REST URL or a broker (`…-kafka.upstash.io:9092`). */
const KAFKA_HOST = /-(?:rest-)?kafka\.upstash\.io$/;

/**
 * A password under a bare name is Kafka's when the Upstash endpoint nearest above it, within 4
 * lines, is a Kafka one: the REST client (`new Kafka({ url: "https://…-rest-kafka.upstash.io",
 * username, password })`) or a native client beside its broker (`bootstrap.servers` then
 * `sasl.jaas.config … password=\"…\"`, kafkajs `brokers: […]` then `sasl: { password }`,
 * kafka-python `sasl_plain_password=`). A Kafka password name (`UPSTASH_KAFKA_REST_PASSWORD`,
 * `kafkaAuthPassword`) needs no endpoint.
 */
function kafkaPasswordName(key: string, ctx: MatchContext): boolean {
  if (/kafka\w*pass(?:word)?/i.test(key)) return true;
  if (!BARE_PASSWORD.test(key)) return false;
  let start = ctx.index;
  for (let d = 0; d <= 4 && start > 0; d++) start = ctx.text.lastIndexOf('\n', start - 1);
  const above = ctx.text.slice(Math.max(0, start + 1), ctx.index);
  const hosts = [...above.matchAll(/[a-z0-9.-]+\.upstash\.io\b/g)];
  return hosts.length > 0 && KAFKA_HOST.test(hosts[hosts.length - 1]![0]);
}

/**
 * The username is base64url(`<cluster>-<N>$` + 28 random bytes): check it decodes that way, under a
 * Kafka username name or a client's bare `username` (JAAS `username=\"…\"`, kafkajs).
 */
function kafkaUsername(lines: string): string | undefined {
  const m =
    /(?:kafka\w*|sasl_plain_)?user(?:name)?\\?["']?\s*[:=]\s*\\?["']?([A-Za-z0-9_-]{20,200}={0,2})/i.exec(
      lines,
    );
  if (!m) return undefined;
  const buf = decodeBase64Url(m[1]!);
  return buf && /^[a-z0-9]+(?:-[a-z0-9]+)*-\d+\$/.test(buf.toString('latin1')) ? m[1] : undefined;
}

/**
 * Kafka password (REST and SASL alike): base64 of a UUID (48 chars), under a Kafka password name
 * in any casing (`UPSTASH_KAFKA_REST_PASSWORD`, `kafkaAuthPassword`, C `const char
 * *KAFKA_…_PASSWORD`), or under a bare password name in a Kafka client (`kafkaPasswordName`).
 * The service was discontinued on 2025-03-11, so findings are historic (details.discontinued).
 */
export const kafkaCredentialsDetector = {
  id: 'upstash-kafka-credentials',
  type: 'upstash-kafka-credentials',
  title: 'Upstash Kafka REST credentials',
  keywords: ['KAFKA', 'kafka', 'Kafka'],
  pattern: /(?<![A-Za-z0-9+/_-])([A-Za-z0-9+/]{46,48}={0,2}|[0-9a-f]{32})(?![A-Za-z0-9+/=_-])/g,
  validate(m, ctx) {
    // Every casing of the name holds one of the keywords (KAFKA, kafka, Kafka).
    const key = assignedName(ctx);
    if (!key) return null;
    let password: string;
    if (HEX32.test(m[1]!)) {
      if (!kafkaPasswordName(key, ctx) || isFilledSlot(m[1]!) || isKnownPublicValue(m[1]!))
        return null;
      password = m[1]!;
    } else {
      if (!kafkaPasswordName(key, ctx)) return null;
      const buf = decodeBase64Std(m[1]!);
      if (!buf || !UUID.test(buf.toString('latin1'))) return null;
      password = buf.toString('base64');
    }
    const around = nearbyLines(ctx, 5);
    const username = kafkaUsername(around);
    const url = KAFKA_REST_URL.exec(around)?.[0];
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
        `const char *KAFKA_REST_PASSWORD = "${k.password}";`,
        `const char * UPSTASH_KAFKA_PASSWORD = "${k.password}";`,
        `const kafkaAuthPassword = "${k.password}";`,
        `KafkaPassword: ${k.password}`,
        // Older clusters' passwords are 32 hex: under a Kafka name, or in the Kafka client.
        `UPSTASH_KAFKA_REST_PASSWORD=${hex32Secret()}`,
        `const kafka = new Kafka({\n  url: "${k.url}",\n  username: "${k.username}",\n  password: "${hex32Secret()}",\n});`,
        // The native protocol: a client's bare password below its broker.
        `new Kafka({\n  brokers: ["${k.url.slice(8).replace('-rest-kafka', '-kafka')}:9092"],\n  sasl: { mechanism: "scram-sha-256", username: "${k.username}", password: "${k.password}" },\n});`,
      ];
    },
    negatives: [
      'UPSTASH_KAFKA_REST_PASSWORD=${UPSTASH_KAFKA_REST_PASSWORD}',
      // 48 base64 characters under a Kafka password name that decode to text, not a UUID.
      `UPSTASH_KAFKA_REST_PASSWORD=${Buffer.from('not-a-uuid-but-exactly-36-characters').toString('base64')}`,
      // A base64 UUID under a bare password with no Kafka endpoint above: some other client's.
      `const db = new Client({\n  user: "app",\n  password: "${Buffer.from(OTHER_UUID, 'latin1').toString('base64')}",\n});`,
      // The Kafka docs username and password are negatives too, in
      // test/core/detectors/public-examples.test.ts: written here, they would read as leaks.
    ],
  },
} satisfies Detector;
