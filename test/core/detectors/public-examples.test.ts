/**
 * Published docs and dev-server values (test/helpers/public-examples.ts) in the lines they are
 * published in: no detector reports them. These were negatives of the detectors' own examples;
 * they live here because a literal copy in src/core would read as a leak to any secret scanner.
 * The values are rebuilt at run time, so the first block checks they are the exact values the
 * engine knows: a wrong piece would otherwise pass as "not reported" for the wrong reason.
 */
import { decodeQstashToken } from '../../../src/core/decode/qstash-token.js';
import { isBrokenRedisToken } from '../../../src/core/decode/redis-token.js';
import {
  isDocsLegacyRedisToken,
  isKnownPublicValue,
} from '../../../src/core/detectors/known-examples.js';
import { DETECTORS } from '../../../src/core/detectors/registry.js';
import { PUBLIC_EXAMPLES as P } from '../../helpers/public-examples.js';
import { runAll } from './match.js';

describe('the rebuilt public examples are the values the engine knows', () => {
  it.each([
    P.qstashDevCurrentSigningKey,
    P.qstashDevNextSigningKey,
    P.workflowDevCurrentSigningKey,
    P.restApiDocsHex,
    P.flyDocsPassword,
    P.docsFakePassword,
    P.developerApiGlobalPassword,
    P.developerApiMyredisPassword,
    P.openapiVectorToken,
    P.openapiVectorReadOnlyToken,
    P.kafkaDocsUsername,
    P.kafkaDocsPassword,
  ])('$published: in the hashed denylist', (e) => {
    expect(isKnownPublicValue(e.value)).toBe(true);
  });

  it('the docs database UUID denies its legacy tokens', () => {
    expect(isDocsLegacyRedisToken(P.docsDatabaseUuid.value)).toBe(true);
  });

  it('the dev-server tokens are JSON with a non-UUID UserID', () => {
    const json = (v: string): unknown => JSON.parse(Buffer.from(v, 'base64').toString('utf8'));
    expect(json(P.qstashDevToken.value)).toEqual({
      UserID: 'defaultUser',
      Password: 'defaultPassword',
    });
    expect(json(P.qstashDevTestToken.value)).toEqual({
      UserID: 'testUser1',
      Password: 'testPassword',
    });
    expect(decodeQstashToken(P.qstashDevToken.value)).toBeNull();
  });

  it('the docs fake Redis tokens read as edited copies of a token', () => {
    expect(isBrokenRedisToken(P.restApiDocsToken.value)).toBe(true);
    expect(isBrokenRedisToken(P.openapiRedisToken.value)).toBe(true);
  });
});

describe('published values in the lines they are published in: no detector reports them', () => {
  // Labelled: a test name holding the value would print it in every run's log.
  it.each([
    // QStash dev server (signing key, token detectors).
    ['dev-server current key', `QSTASH_CURRENT_SIGNING_KEY=${P.qstashDevCurrentSigningKey.value}`],
    ['dev-server next key', `QSTASH_NEXT_SIGNING_KEY=${P.qstashDevNextSigningKey.value}`],
    ['older dev-server key', `QSTASH_CURRENT_SIGNING_KEY=${P.workflowDevCurrentSigningKey.value}`],
    ['dev-server token', `QSTASH_TOKEN=${P.qstashDevToken.value}`],
    ['dev-server test token', `QSTASH_TOKEN=${P.qstashDevTestToken.value}`],
    // Redis docs fakes (token, URL and fallback detectors).
    ['restapi.mdx token, quoted', `UPSTASH_REDIS_REST_TOKEN="${P.restApiDocsToken.value}"`],
    ['restapi.mdx token', `UPSTASH_REDIS_REST_TOKEN=${P.restApiDocsToken.value}`],
    ['openapi rest_token', `"rest_token": "${P.openapiRedisToken.value}"`],
    ['restapi.mdx edited hex', `UPSTASH_REDIS_REST_TOKEN=${P.restApiDocsHex.value}`],
    [
      'restapi.mdx edited hex in a redis-cli AUTH',
      `fancy-cat-12345.upstash.io:6379> AUTH ${P.restApiDocsHex.value}`,
    ],
    ['docs fake password', `UPSTASH_REDIS_PASSWORD=${P.docsFakePassword.value}`],
    ['fly.mdx URL', `redis://default:${P.flyDocsPassword.value}@fly-magical-ant-1234.upstash.io`],
    // Developer-API openapi Vector examples (fallback detector).
    ['openapi Vector token', `UPSTASH_VECTOR_REST_TOKEN=${P.openapiVectorToken.value}`],
    [
      'openapi Vector read-only token',
      `UPSTASH_VECTOR_REST_READONLY_TOKEN=${P.openapiVectorReadOnlyToken.value}`,
    ],
    // Developer-API response examples: a 32-hex password beside its database host (password
    // detector). The hosts are written as the docs do, with the docs' database numbers.
    [
      'Developer-API "global-test" response',
      `{\n  "port": 32559,\n  "password": "${P.developerApiGlobalPassword.value}",\n  "endpoint": "steady-stud-32559.upstash.io",\n  "tls": false\n}`,
    ],
    [
      'Developer-API "myredis" response',
      `{\n  "port": 33992,\n  "password": "${P.developerApiMyredisPassword.value}",\n  "user_email": "example@upstash.com",\n  "endpoint": "eu1-selected-goat-30138.upstash.io",\n}`,
    ],
    // Kafka REST docs (Kafka and fallback detectors).
    ['Kafka docs password', `UPSTASH_KAFKA_REST_PASSWORD=${P.kafkaDocsPassword.value}`],
    ['Kafka docs username', `UPSTASH_KAFKA_REST_USERNAME=${P.kafkaDocsUsername.value}`],
  ])('%s', (_label, text) => {
    const hits = runAll(DETECTORS, text).filter((h) => !h.candidate.pairingPartOnly);
    expect(hits.map((h) => h.detectorId)).toEqual([]);
  });
});
