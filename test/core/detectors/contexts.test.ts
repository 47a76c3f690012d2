/**
 * Real-world-shaped contexts, run through the detectors directly, plus the cross-detector facts
 * the pipeline relies on (shared identities, pair keys, companions, details).
 */
import { DETECTORS } from '../../../src/core/detectors/registry.js';
import { scanText } from '../../../src/core/scan/scan-text.js';
import {
  hex32Secret,
  kafkaCredentials,
  managementKey,
  qstashTokenParts,
  redisEndpoint,
  redisHost,
  redisTokenParts,
  redisUrl,
  signingKey,
  vectorTokenParts,
} from '../../helpers/synthetic.js';
import { PUBLIC_EXAMPLES } from '../../helpers/public-examples.js';
import { runAll } from './match.js';

const findings = (text: string, path?: string) =>
  runAll(DETECTORS, text, path).filter((h) => !h.candidate.pairingPartOnly);
const pairs = (text: string) => runAll(DETECTORS, text).filter((h) => h.candidate.pairingPartOnly);

describe('real-world contexts', () => {
  const std = redisTokenParts({ seed: 'std' });
  const ro = redisTokenParts({ readOnly: true, dbId: std.dbId, seed: 'ro' });
  const wide = redisTokenParts({ layout: 'current64', seed: 'wide' });
  const url = redisEndpoint(std.dbId, { seed: 'host' });

  it.each([
    ['.env', `UPSTASH_REDIS_REST_URL=${url}\nUPSTASH_REDIS_REST_TOKEN=${std.token}\n`],
    [
      'wrangler.toml',
      `[vars]\nUPSTASH_REDIS_REST_URL = "${url}"\nUPSTASH_REDIS_REST_TOKEN = "${std.token}"\n`,
    ],
    [
      'vercel.json',
      JSON.stringify({ env: { KV_REST_API_URL: url, KV_REST_API_TOKEN: std.token } }, null, 2),
    ],
    [
      'next.config.js',
      `module.exports = {\n  env: {\n    UPSTASH_REDIS_REST_TOKEN: '${std.token}',\n  },\n};\n`,
    ],
    [
      'docker-compose.yml',
      `services:\n  app:\n    environment:\n      - UPSTASH_REDIS_REST_TOKEN=${std.token}\n`,
    ],
    [
      '.github/workflows/ci.yml',
      `env:\n  UPSTASH_REDIS_REST_TOKEN: ${std.token}\n  UPSTASH_REDIS_REST_URL: ${url}\n`,
    ],
    [
      'src/redis.ts',
      `export const redis = new Redis({\n  url: "${url}",\n  token: "${std.token}",\n});\n`,
    ],
    [
      'k8s/secret.yaml',
      `apiVersion: v1\nkind: Secret\nstringData:\n  UPSTASH_REDIS_REST_TOKEN: "${std.token}"\n`,
    ],
    ['notes.md', `curl ${url}/ping -H "Authorization: Bearer ${std.token}"`],
  ])('%s: one standard token, whole, paired with its endpoint', (path, text) => {
    const hits = findings(text, path);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.candidate).toMatchObject({
      type: 'upstash-redis-token',
      secret: std.token,
      readOnly: false,
      confidence: 'high',
      pairKey: `redis-db:${std.dbId}`,
    });
    if (text.includes(url))
      expect(pairs(text).map((p) => p.candidate.pairKey)).toContain(`redis-db:${std.dbId}`);
  });

  it('tells standard from read-only and keeps 64-bit-id tokens whole', () => {
    const text = `KV_REST_API_TOKEN=${wide.token}\nKV_REST_API_READ_ONLY_TOKEN="${ro.token}"\n`;
    const got = findings(text).map((h) => [h.candidate.secret, h.candidate.readOnly]);
    expect(got).toEqual([
      [wide.token, false],
      [ro.token, true],
    ]);
  });

  it('gives a current URL the identity of its REST token, and a legacy URL that of its legacy token', () => {
    const u = redisUrl({ password: std.token, host: redisHost(std.dbId) });
    const legacy = redisTokenParts({ layout: 'legacy', seed: 'legacy' });
    const lu = redisUrl({
      password: legacy.password!,
      host: redisHost(legacy.dbId, { legacyRegion: 'us1' }),
      port: legacy.dbId,
    });
    const text = `REDIS_URL=${u}\nTOKEN=${std.token}\nLEGACY_URL=${lu}\nLEGACY_TOKEN=${legacy.token}\n`;
    const byType = findings(text);
    const ids = new Set(byType.map((h) => h.candidate.identity));
    // The token inside the URL is also a token hit: same identity, so the pipeline merges them.
    expect(byType).toHaveLength(5);
    expect(ids.size).toBe(2);
    const urlHit = byType.find((h) => h.candidate.type === 'upstash-redis-url')!;
    expect(urlHit.candidate.endpoint).toMatch(new RegExp(`-${std.dbId}\\.upstash\\.io$`));
  });

  it('ignores redis URLs on other hosts and interpolated passwords', () => {
    const text = [
      `REDIS_URL=rediss://default:${std.token}@redis.example.com:6379`,
      'REDIS_URL=rediss://default:$UPSTASH_REDIS_PASSWORD@fancy-cat-1234.upstash.io:6379',
      'REDIS_URL=rediss://default:%REDIS_PASSWORD%@fancy-cat-1234.upstash.io:6379',
    ].join('\n');
    expect(findings(text).filter((h) => h.candidate.type === 'upstash-redis-url')).toEqual([]);
  });

  it('Vector vs Search: variable name, then nearby host, else Vector flagged ambiguous', () => {
    const v = vectorTokenParts({ seed: 'v' });
    const s = vectorTokenParts({ role: 'readonly', product: 'search', seed: 's' });
    const [vec] = findings(`UPSTASH_VECTOR_REST_TOKEN=${v.token}`);
    expect(vec!.candidate).toMatchObject({
      type: 'upstash-vector-token',
      readOnly: false,
      endpoint: v.endpoint,
    });
    const [pub] = findings(`NEXT_PUBLIC_UPSTASH_SEARCH_READONLY_TOKEN=${s.token}`);
    expect(pub!.candidate).toMatchObject({
      type: 'upstash-search-token',
      readOnly: true,
      endpoint: s.endpoint,
      details: { publicByDesign: true },
    });
    const [byHost] = findings(`const c = { url: "${s.endpoint}", token: "${s.token}" }`);
    expect(byHost!.candidate.type).toBe('upstash-search-token');
    const [bare] = findings(`token: "${v.token}"`);
    expect(bare!.candidate).toMatchObject({
      type: 'upstash-vector-token',
      details: { productAmbiguous: true },
    });
    expect(bare!.candidate.identity).toBe(vec!.candidate.identity);
  });

  it('QStash token and signing keys from a docker-compose block', () => {
    const q = qstashTokenParts({ seed: 'q' });
    const cur = signingKey({ seed: 'c' });
    const next = signingKey({ seed: 'n' });
    const text = `    environment:\n      - QSTASH_TOKEN=${q.token}\n      - QSTASH_CURRENT_SIGNING_KEY=${cur}\n      - QSTASH_NEXT_SIGNING_KEY=${next}\n`;
    const got = findings(text).map((h) => [
      h.candidate.type,
      h.candidate.details.key ?? '',
      h.candidate.confidence,
    ]);
    expect(got).toEqual([
      ['upstash-qstash-token', '', 'high'],
      ['upstash-qstash-signing-key', 'current', 'high'],
      ['upstash-qstash-signing-key', 'next', 'high'],
    ]);
    expect(findings(text)[0]!.candidate.identity).toBe(`qstash:${q.userId}:${q.password}`);
    expect(findings(`const k = "${cur}";`)[0]!.candidate.confidence).toBe('medium');
  });

  it('management key: only with Upstash context, with the account email as companion', () => {
    const key = managementKey({ seed: 'm' });
    const [hit] = findings(`UPSTASH_EMAIL=ops@example.org\nUPSTASH_API_KEY=${key}\n`);
    expect(hit!.candidate).toMatchObject({
      type: 'upstash-management-key',
      secret: key,
      companion: { email: 'ops@example.org' },
    });
    const tf = `provider "upstash" {\n  email   = var.email\n  api_key = "${key}"\n}\n`;
    expect(findings(tf)).toHaveLength(1);
    expect(findings(tf)[0]!.candidate.companion).toBeUndefined();
    for (const neg of [
      `API_KEY=${key}`,
      `UPSTASH_DATABASE_ID=${key}`,
      `see https://console.upstash.com/redis/${key} (upstash api key page)`,
      `upstash:\n  id: ${key}`,
    ])
      expect(findings(neg)).toEqual([]);
  });

  it('Kafka: password under its name, username companion, discontinued', () => {
    const k = kafkaCredentials({ seed: 'k' });
    const text = `UPSTASH_KAFKA_REST_URL=${k.url}\nUPSTASH_KAFKA_REST_USERNAME=${k.username}\nUPSTASH_KAFKA_REST_PASSWORD=${k.password}\n`;
    const hits = findings(text);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.candidate).toMatchObject({
      type: 'upstash-kafka-credentials',
      endpoint: k.url,
      companion: { username: k.username },
      details: { discontinued: true },
    });
  });

  it('the fallback stays quiet on valid tokens (a specific detector owns them) and on references', () => {
    const valid = findings(`UPSTASH_REDIS_REST_TOKEN=${std.token}`);
    expect(valid.map((h) => h.detectorId)).toEqual(['upstash-redis-token']);
    for (const ref of [
      'UPSTASH_REDIS_REST_TOKEN=$UPSTASH_REDIS_REST_TOKEN',
      'UPSTASH_REDIS_REST_TOKEN=${UPSTASH_REDIS_REST_TOKEN:-}',
      'UPSTASH_REDIS_REST_TOKEN: ${{ secrets.UPSTASH_REDIS_REST_TOKEN }}',
      'UPSTASH_REDIS_REST_TOKEN: "{{ upstash_token }}"',
      'set UPSTASH_REDIS_REST_TOKEN=%UPSTASH_REDIS_REST_TOKEN%',
      'const UPSTASH_REDIS_REST_TOKEN = process.env.UPSTASH_REDIS_REST_TOKEN;',
      'UPSTASH_REDIS_REST_TOKEN = os.environ["UPSTASH_REDIS_REST_TOKEN"]',
      'QSTASH_TOKEN=<your-qstash-token>',
      `UPSTASH_REDIS_REST_TOKEN="${std.token.slice(0, 20)}..."`,
      `UPSTASH_REDIS_REST_TOKEN="${std.token.slice(0, -1)}"`,
      'UPSTASH_REDIS_REST_TOKEN=****************************',
      'KV_REST_API_TOKEN=abc123',
    ])
      expect(findings(ref).map((h) => `${h.detectorId}: ${ref}`)).toEqual([]);
  });
});

describe('docs denylist by non-secret identity', () => {
  it('drops any legacy token of the Developer-API docs database (by its public database UUID)', () => {
    const build = (uuid: string): string => {
      const b = Buffer.concat([
        Buffer.from([0x01, 0x75, 0xbf, 0x01, 0x24, 0x20]),
        Buffer.from(uuid, 'latin1'),
        // Random hex: a counting one reads as a typed placeholder whatever the database UUID.
        Buffer.from(hex32Secret({ seed: 'docs-db' }), 'latin1'),
      ]);
      return b.toString('base64url') + '==';
    };
    expect(
      findings(`UPSTASH_REDIS_REST_TOKEN=${build(PUBLIC_EXAMPLES.docsDatabaseUuid.value)}`),
    ).toEqual([]);
    const other = findings(
      `UPSTASH_REDIS_REST_TOKEN=${build(managementKey({ seed: 'contexts' }))}`,
    );
    expect(other.map((h) => h.candidate.details.layout)).toEqual(['legacy']);
  });
});

describe('management key through the pipeline key extraction', () => {
  it('accepts Pulumi upstash:apiKey whatever key the pipeline extracts', async () => {
    const { scanText } = await import('../../../src/core/scan/scan-text.js');
    const key = managementKey({ seed: 'pulumi' });
    const text = `config:\n  upstash:email: ops@example.org\n  upstash:apiKey: ${key}\n`;
    const hits = scanText({ path: 'Pulumi.dev.yaml', text });
    expect(hits.map((h) => h.candidate.type)).toEqual(['upstash-management-key']);
  });
});

describe('legacy TCP password outside a URL', () => {
  it('shares the identity of the legacy REST token that embeds it', () => {
    const t = redisTokenParts({ layout: 'legacy', seed: 'tcp' });
    const host = redisHost(t.dbId, { legacyRegion: 'us1', seed: 'tcp' });
    const text = `UPSTASH_REDIS_HOST=${host}\nUPSTASH_REDIS_PASSWORD=${t.password!}\nUPSTASH_REDIS_REST_TOKEN=${t.token}\n`;
    // The fallback also reads the password (a 32-hex value under an Upstash name); the pipeline
    // keeps the specific reading of that span.
    const hits = findings(text).filter((h) => h.detectorId !== 'upstash-unknown-format');
    expect(hits.map((h) => h.detectorId).sort()).toEqual([
      'upstash-redis-password',
      'upstash-redis-token',
    ]);
    expect(new Set(hits.map((h) => h.candidate.identity)).size).toBe(1);
    const piped = scanText({ path: '.env', text });
    expect(
      piped.filter((h) => !h.candidate.pairingPartOnly).map((h) => h.candidate.identity),
    ).toEqual([hits[0]!.candidate.identity, hits[0]!.candidate.identity]);
  });
});
