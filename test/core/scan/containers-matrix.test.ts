/**
 * Every credential type × every container and encoding it realistically leaks in, built at run
 * time from the documented layouts (shared/upstash-credentials.md), scanned through the engine's
 * content entry point (`scanContent`: bytes → text, as tree, range, staged and history scans do)
 * and `collectFindings`. Each case asserts the type, the 1-based line, the masked form, and that
 * no raw secret is in the findings; and that the container adds no finding of its own.
 */
import type { CredentialType } from '../../../src/core/index.js';
import { CONTAINERS, ENCODINGS, scanPlaced, type Placed } from '../../helpers/containers.js';
import {
  boxApiKey,
  context7Key,
  kafkaCredentials,
  managementKey,
  qstashTokenParts,
  redisHost,
  redisTokenParts,
  redisUrl,
  signingKey,
  unknownFormatSecret,
  vectorTokenParts,
  type RedisTokenOptions,
} from '../../helpers/synthetic.js';

// ---------------------------------------------------------------------------------------------
// Credentials

interface Cred {
  label: string;
  type: CredentialType;
  /** The value as written in a file. */
  value: string;
  /** The normalised secret the finding masks (the value itself unless padding differs). */
  secret: string;
  /** Realistic variable names for it (credentials doc §1). */
  names: string[];
  /**
   * Detected only under a name (management key, Kafka, Box, a legacy 32-hex password): skipped
   * in containers that carry none.
   */
  needsName?: boolean;
  /** Usable as `Authorization: Bearer …` against its REST endpoint. */
  bearer?: boolean;
  /** A REST endpoint of the same credential, for the pairing cases. */
  endpoint?: string;
  readOnly?: boolean;
  /** The finding has `endpoint` in every container (it is in the value itself). */
  endpointAlways?: boolean;
  developerApi?: boolean;
  cliPassword?: boolean;
}

let seq = 0;
const seed = (): string => `matrix-${seq++}`;

function redisCred(
  label: string,
  o: RedisTokenOptions,
  names: string[],
  hostOpts: Parameters<typeof redisHost>[1] = {},
): Cred {
  const t = redisTokenParts({ ...o, seed: seed() });
  return {
    label,
    type: 'upstash-redis-token',
    value: t.token,
    secret: t.token,
    names,
    bearer: true,
    endpoint: `https://${redisHost(t.dbId, { seed: seed(), ...hostOpts })}`,
    readOnly: t.readOnly,
  };
}

const REDIS_NAMES = [
  'UPSTASH_REDIS_REST_TOKEN',
  'KV_REST_API_TOKEN',
  'STORAGE_KV_REST_API_TOKEN',
  'AUTH_KV_REST_API_TOKEN',
  'KV_KV_REST_API_TOKEN',
  'USERS_REST_API_TOKEN',
  'kvRestApiToken',
  'NEXT_PUBLIC_UPSTASH_REDIS_REST_TOKEN',
  'token',
];
const RO_NAMES = [
  'KV_REST_API_READ_ONLY_TOKEN',
  'UPSTASH_REDIS_REST_READONLY_TOKEN',
  'NEXT_PUBLIC_KV_REST_API_READ_ONLY_TOKEN',
];

function urlCred(
  label: string,
  o: RedisTokenOptions,
  u: { user?: 'default' | 'default_ro'; scheme?: 'redis' | 'rediss'; legacy?: boolean } = {},
  hostOpts: Parameters<typeof redisHost>[1] = {},
): Cred {
  const t = redisTokenParts({ ...o, seed: seed() });
  const host = redisHost(t.dbId, { seed: seed(), ...hostOpts });
  const password = u.legacy ? t.password! : t.token;
  const value = redisUrl({
    password,
    host,
    ...(u.user ? { user: u.user } : {}),
    ...(u.scheme ? { scheme: u.scheme } : {}),
    ...(u.legacy ? { port: t.dbId } : {}),
  });
  return {
    label,
    // A current database's URL password IS its REST token: the token detector reads it too, and
    // the finding is the token's (seen as token+url), with the URL's host as endpoint.
    type: u.legacy ? 'upstash-redis-url' : 'upstash-redis-token',
    value,
    secret: password,
    names: ['REDIS_URL', 'KV_URL', 'UPSTASH_REDIS_TCP_URL', 'UPSTASH_REDIS_CLI_URL', 'url'],
    endpoint: `https://${host}`,
    endpointAlways: true,
    readOnly: u.user === 'default_ro' || t.readOnly,
  };
}

function buildCreds(): Cred[] {
  const vector = vectorTokenParts({ seed: seed() });
  const vectorRo = vectorTokenParts({ role: 'readonly', seed: seed() });
  const search = vectorTokenParts({ product: 'search', seed: seed() });
  const searchRo = vectorTokenParts({ product: 'search', role: 'readonly', seed: seed() });
  const qstash = qstashTokenParts({ seed: seed() });
  const qstashUuid = qstashTokenParts({ password: 'uuid', seed: seed() });
  const kafka = kafkaCredentials({ seed: seed() });
  const legacy = redisTokenParts({ layout: 'legacy', seed: seed() });
  const legacyHost = redisHost(legacy.dbId, { legacyRegion: 'eu1', seed: seed() });
  const sig = signingKey({ seed: seed() });
  const sigLegacy = signingKey({ legacy: true, seed: seed() });
  const mgmt = managementKey({ seed: seed() });
  const box = boxApiKey({ seed: seed() });
  const ctx7 = context7Key({ seed: seed() });
  const unknown = unknownFormatSecret({ seed: seed() });
  const unknownPunct = `${unknownFormatSecret({ seed: seed() }).replace(/^(.{26}).(.{5})./, '$1/$2+')}=`;
  return [
    redisCred('redis current', {}, REDIS_NAMES),
    redisCred('redis current p10', { suffix: 'p10' }, REDIS_NAMES),
    redisCred('redis current no suffix', { suffix: null }, REDIS_NAMES),
    redisCred('redis current64', { layout: 'current64' }, REDIS_NAMES),
    redisCred('redis current64 suffix', { layout: 'current64', withSuffix: true }, REDIS_NAMES),
    redisCred('redis legacy', { layout: 'legacy' }, REDIS_NAMES, { legacyRegion: 'us1' }),
    redisCred('redis read-only', { readOnly: true }, RO_NAMES),
    redisCred('redis read-only current64', { layout: 'current64', readOnly: true }, RO_NAMES),
    redisCred('redis read-only legacy', { layout: 'legacy', readOnly: true }, RO_NAMES, {
      legacyRegion: 'gusc1',
    }),
    redisCred('redis vercel kv', {}, ['KV_REST_API_TOKEN'], { vercel: true }),
    urlCred('redis url', {}),
    urlCred('redis url current64', { layout: 'current64' }),
    urlCred('redis url default_ro', { readOnly: true }, { user: 'default_ro' }),
    urlCred(
      'redis url legacy hex',
      { layout: 'legacy' },
      { legacy: true, scheme: 'redis' },
      {
        legacyRegion: 'eu2',
      },
    ),
    urlCred('redis url fly', {}, { scheme: 'redis' }, { fly: true }),
    urlCred('redis url vercel kv', {}, {}, { vercel: true }),
    {
      label: 'redis legacy tcp password',
      type: 'upstash-redis-url',
      value: legacy.password!,
      secret: legacy.password!,
      // A plain REDIS_PASSWORD is only Upstash's next to an Upstash host (redis-password.ts).
      names: ['UPSTASH_REDIS_PASSWORD'],
      needsName: true,
      cliPassword: true,
      endpoint: `https://${legacyHost}`,
    },
    {
      label: 'vector',
      type: 'upstash-vector-token',
      value: vector.token,
      secret: vector.token,
      names: ['UPSTASH_VECTOR_REST_TOKEN', 'NEXT_PUBLIC_UPSTASH_VECTOR_REST_TOKEN'],
      bearer: true,
      endpoint: vector.endpoint,
      endpointAlways: true,
    },
    {
      label: 'vector read-only',
      type: 'upstash-vector-token',
      value: vectorRo.token,
      secret: vectorRo.token,
      names: ['UPSTASH_VECTOR_REST_READONLY_TOKEN'],
      bearer: true,
      endpoint: vectorRo.endpoint,
      endpointAlways: true,
      readOnly: true,
    },
    {
      label: 'search',
      type: 'upstash-search-token',
      value: search.token,
      secret: search.token,
      names: ['UPSTASH_SEARCH_REST_TOKEN'],
      bearer: true,
      endpoint: search.endpoint,
      endpointAlways: true,
    },
    {
      label: 'search read-only',
      type: 'upstash-search-token',
      value: searchRo.token,
      secret: searchRo.token,
      names: [
        'UPSTASH_SEARCH_REST_READONLY_TOKEN',
        'NEXT_PUBLIC_UPSTASH_SEARCH_READONLY_TOKEN',
        'UPSTASH_SEARCH_READ_ONLY_REST_TOKEN',
      ],
      bearer: true,
      endpoint: searchRo.endpoint,
      endpointAlways: true,
      readOnly: true,
    },
    {
      label: 'qstash',
      type: 'upstash-qstash-token',
      value: qstash.token,
      secret: qstash.token,
      names: [
        'QSTASH_TOKEN',
        'US_EAST_1_QSTASH_TOKEN',
        'EU_CENTRAL_1_QSTASH_TOKEN',
        'VITE_QSTASH_TOKEN',
        'UPSTASH_QSTASH_TOKEN',
      ],
      bearer: true,
      endpoint: 'https://qstash.upstash.io',
    },
    {
      label: 'qstash uuid password',
      type: 'upstash-qstash-token',
      value: qstashUuid.token,
      secret: qstashUuid.token,
      names: ['QSTASH_TOKEN'],
      bearer: true,
      endpoint: 'https://qstash-us-east-1.upstash.io',
    },
    {
      label: 'signing key',
      type: 'upstash-qstash-signing-key',
      value: sig,
      secret: sig,
      names: [
        'QSTASH_CURRENT_SIGNING_KEY',
        'QSTASH_NEXT_SIGNING_KEY',
        'US_EAST_1_QSTASH_CURRENT_SIGNING_KEY',
        'EU_CENTRAL_1_QSTASH_NEXT_SIGNING_KEY',
        'currentSigningKey',
      ],
    },
    {
      label: 'signing key legacy',
      type: 'upstash-qstash-signing-key',
      value: sigLegacy,
      secret: sigLegacy,
      names: ['QSTASH_NEXT_SIGNING_KEY'],
    },
    {
      label: 'management key',
      type: 'upstash-management-key',
      value: mgmt,
      secret: mgmt,
      names: [
        'UPSTASH_API_KEY',
        'TF_VAR_upstash_api_key',
        'UPSTASH_MANAGEMENT_API_KEY',
        'UPSTASH_API_TOKEN',
        'upstash_api_key',
      ],
      needsName: true,
      developerApi: true,
    },
    {
      label: 'kafka password',
      type: 'upstash-kafka-credentials',
      value: kafka.password,
      secret: kafka.password,
      names: ['UPSTASH_KAFKA_REST_PASSWORD'],
      needsName: true,
    },
    {
      label: 'box key',
      type: 'upstash-box-api-key',
      value: box,
      secret: box,
      names: ['UPSTASH_BOX_API_KEY'],
      needsName: true,
    },
    {
      label: 'unknown format under an Upstash name',
      type: 'upstash-redis-token',
      value: unknown,
      secret: unknown,
      names: ['UPSTASH_REDIS_REST_TOKEN', 'upstashRedisRestToken', 'KV_REST_API_TOKEN'],
      needsName: true,
    },
    {
      // `/`, `+` and `=` are escaped in JSON (`\/`, `\u002b`, `\u003d`) and URLs (`%2F`…): the
      // value must be read whole, once, not also cut at its first escape.
      label: 'unknown format with base64 punctuation',
      type: 'upstash-redis-token',
      value: unknownPunct,
      secret: unknownPunct,
      names: ['UPSTASH_REDIS_REST_TOKEN'],
      needsName: true,
    },
    {
      label: 'context7 key',
      type: 'upstash-context7-api-key',
      value: ctx7,
      secret: ctx7,
      names: ['CONTEXT7_API_KEY'],
    },
  ];
}

// ---------------------------------------------------------------------------------------------

function expectedMask(secret: string): string {
  for (const prefix of ['sig_', 'ctx7sk-', 'box_'])
    if (secret.startsWith(prefix)) return `${prefix}…(${secret.length} chars)`;
  return `${secret.slice(0, 4)}…(${secret.length} chars)`;
}

interface Case {
  id: string;
  cred: Cred;
  placed: Placed;
}

function buildCases(): Case[] {
  const creds = buildCreds();
  const cases: Case[] = [];
  for (const cred of creds)
    for (const c of CONTAINERS) {
      if (c.applies && !c.applies(cred)) continue;
      if (!c.named && !c.applies && cred.needsName) continue;
      // Every name once in the first container, the first name in the others.
      const names = c === CONTAINERS[0] ? cred.names : [cred.names[0]!];
      for (const name of names)
        for (const [enc, apply] of ENCODINGS) {
          // Plain UTF-8 and CRLF everywhere; every encoding in a few containers.
          const all = /^\.env$|^vercel\.json$|notebook source|compose list|Secret data/.test(
            c.label,
          );
          if (!all && enc !== 'utf8' && enc !== 'CRLF') continue;
          cases.push({
            id: `${cred.label} | ${c.label} | ${name} | ${enc}`,
            cred,
            placed: apply(c.place(name, cred.value, cred)),
          });
        }
    }
  return cases;
}

describe('containers matrix: every credential in every container and encoding', () => {
  const cases = buildCases();

  it('builds a large matrix', () => {
    expect(cases.length).toBeGreaterThan(1000);
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, { cred, placed }) => {
    const findings = scanPlaced(placed);
    const json = JSON.stringify(findings);
    const view = findings.map((f) => ({
      type: f.type,
      masked: f.masked,
      lines: f.occurrences.map((o) => o.line),
      confidence: f.confidence,
    }));
    expect(view).toEqual([
      {
        type: cred.type,
        masked: expectedMask(cred.secret),
        lines: [placed.line],
        confidence: expect.any(String) as unknown as string,
      },
    ]);
    expect(json).not.toContain(cred.secret);
    if (cred.readOnly !== undefined) expect(findings[0]!.readOnly).toBe(cred.readOnly);
    if (cred.endpointAlways) expect(findings[0]!.endpoint).toBe(cred.endpoint);
  });
});

/**
 * Tokens found by their layout alone (no name needed): cut over a `+` concatenation, they are
 * joined and found whole (layers.ts, joinConcatenations).
 */
const JOINABLE = new Set<CredentialType>([
  'upstash-redis-token',
  'upstash-vector-token',
  'upstash-search-token',
  'upstash-qstash-token',
]);

describe('a token split across string concatenation', () => {
  it('finds a token whose layout validates whole; reports no half of anything else as it', () => {
    for (const cred of buildCreds()) {
      const v = cred.value;
      const half = Math.floor(v.length / 2);
      const text = `const token =\n  "${v.slice(0, half)}" +\n  "${v.slice(half)}";\nconst t2 = "${v.slice(0, half)}" + "${v.slice(half)}";\n`;
      const findings = scanPlaced({ path: 'src/split.ts', text, line: 2 });
      const whole = findings.filter((f) => f.masked === expectedMask(cred.secret));
      if (JOINABLE.has(cred.type) && !cred.needsName && v === cred.secret)
        expect([cred.label, whole.flatMap((f) => f.occurrences.map((o) => o.line))]).toEqual([
          cred.label,
          [2, 4],
        ]);
      // Anything else is never guessed: an unknown-format half is not masked as the whole value.
      else expect([cred.label, whole]).toEqual([cred.label, []]);
    }
  });
});
