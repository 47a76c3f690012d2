/**
 * Recall on random key material: filters (placeholder words, redaction runs, entropy floors) must
 * not reject real random values by chance. Seeded, so any miss is reproducible, not flaky.
 */
import { DETECTORS } from '../../../src/core/detectors/registry.js';
import {
  boxApiKey,
  context7Key,
  hex32Secret,
  kafkaCredentials,
  managementKey,
  qstashToken,
  redisTokenParts,
  signingKey,
  unknownFormatSecret,
  vectorToken,
} from '../../helpers/synthetic.js';
import { runAll } from './match.js';

const N = 1500;
const CASES: [string, (seed: number) => string, string][] = [
  [
    'signing key',
    (s) => `QSTASH_CURRENT_SIGNING_KEY=${signingKey({ seed: s })}`,
    'upstash-qstash-signing-key',
  ],
  [
    'legacy signing key',
    (s) => `QSTASH_NEXT_SIGNING_KEY=${signingKey({ legacy: true, seed: s })}`,
    'upstash-qstash-signing-key',
  ],
  [
    'management key',
    (s) => `UPSTASH_API_KEY=${managementKey({ seed: s })}`,
    'upstash-management-key',
  ],
  [
    'Context7 key',
    (s) => `CONTEXT7_API_KEY=${context7Key({ seed: s })}`,
    'upstash-context7-api-key',
  ],
  ['Box key', (s) => `UPSTASH_BOX_API_KEY=${boxApiKey({ seed: s })}`, 'upstash-box-api-key'],
  [
    'unknown format',
    (s) => `UPSTASH_REDIS_REST_TOKEN=${unknownFormatSecret({ seed: s })}`,
    'upstash-unknown-format',
  ],
  ['QStash token', (s) => `QSTASH_TOKEN=${qstashToken({ seed: s })}`, 'upstash-qstash-token'],
  [
    'QStash token with a UUID password',
    (s) => `QSTASH_TOKEN=${qstashToken({ password: 'uuid', seed: s })}`,
    'upstash-qstash-token',
  ],
  [
    'Redis token with a p10 suffix',
    (s) => `token: "${redisTokenParts({ suffix: 'p10', seed: s }).token}"`,
    'upstash-redis-token',
  ],
  [
    'Redis token (2-byte id) without a suffix',
    (s) => `t = ${redisTokenParts({ suffix: null, seed: s }).token}`,
    'upstash-redis-token',
  ],
  [
    'legacy TCP password under a token name, next to its host',
    (s) => {
      const t = redisTokenParts({ layout: 'legacy', seed: s });
      return `UPSTASH_REDIS_REST_URL=https://eu1-fancy-cat-${t.dbId}.upstash.io\nUPSTASH_REDIS_REST_TOKEN=${t.password!}`;
    },
    'upstash-redis-password',
  ],
  [
    '32 hex under an Upstash name (fallback, no entropy floor)',
    (s) => `UPSTASH_VECTOR_REST_TOKEN=${hex32Secret({ seed: s })}`,
    'upstash-unknown-format',
  ],
  [
    'Kafka password under a camelCase name',
    (s) => `const kafkaAuthPassword = "${kafkaCredentials({ seed: s }).password}";`,
    'upstash-kafka-credentials',
  ],
  [
    'Vector token',
    (s) => `UPSTASH_VECTOR_REST_TOKEN=${vectorToken({ seed: s })}`,
    'upstash-vector-search-token',
  ],
  [
    'Vector token, unrecognised variant (non-UUID secret)',
    (s) => `UPSTASH_VECTOR_REST_TOKEN=${vectorToken({ randomId: true, seed: s })}`,
    'upstash-vector-search-token',
  ],
  [
    'Redis URL',
    (s) => {
      const t = redisTokenParts({ layout: s % 2 ? 'current64' : 'current', seed: s });
      return `REDIS_URL=rediss://default:${t.token}@fancy-cat-${t.dbId}.upstash.io:6379`;
    },
    'upstash-redis-url',
  ],
];

it.each(CASES)(`%s: every one of ${N} seeded values is found`, (_name, make, id) => {
  const missed: number[] = [];
  for (let seed = 0; seed < N; seed++) {
    const hits = runAll(DETECTORS, make(seed)).map((h) => h.detectorId);
    if (!hits.includes(id)) missed.push(seed);
  }
  expect(missed).toEqual([]);
});
