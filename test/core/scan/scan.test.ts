import {
  collectFindings,
  DEFAULT_CONFIG,
  mayContainSecret,
  revealSecret,
  scanText,
  type Fragment,
  type Hit,
} from '../../../src/core/index.js';
import { parseConfig } from '../../../src/core/config/schema.js';
import {
  kafkaCredentials,
  managementKey,
  qstashToken,
  redisEndpoint,
  redisHost,
  redisTokenParts,
  redisUrl,
  signingKey,
  vectorTokenParts,
} from '../../helpers/synthetic.js';

function scan(files: Record<string, string>, config = DEFAULT_CONFIG) {
  const hits: Hit[] = [];
  for (const [path, text] of Object.entries(files))
    hits.push(...scanText({ path, text } as Fragment));
  return collectFindings(hits, { config });
}

describe('scanText + collectFindings in real-world files', () => {
  it('.env with a token, its URL and its endpoint: one finding, paired, merged', () => {
    const t = redisTokenParts();
    const host = redisHost(t.dbId);
    const { findings } = scan({
      '.env': [
        `UPSTASH_REDIS_REST_URL=https://${host}`,
        `UPSTASH_REDIS_REST_TOKEN=${t.token}`,
        `KV_URL=${redisUrl({ password: t.token, host })}`,
      ].join('\n'),
    });
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({
      type: 'upstash-redis-token',
      readOnly: false,
      endpoint: `https://${host}`,
      severity: 'high',
    });
    expect(f.details.seenAs).toBe('token+url');
    expect(f.occurrences.map((o) => o.line)).toEqual([2, 3]);
    expect(revealSecret(f)?.value).toBe(t.token);
    expect(JSON.stringify(findings)).not.toContain(t.token);
    expect(f.masked.replace(/….*/, '').length).toBeLessThanOrEqual(4);
  });

  it('pairs by database id across files of one commit', () => {
    const t = redisTokenParts({ layout: 'current64', readOnly: true });
    const endpoint = redisEndpoint(t.dbId);
    const other = redisEndpoint(t.dbId + 1);
    const { findings } = scan({
      'wrangler.toml': `[vars]\nUPSTASH_REDIS_REST_URL = "${other}"\n`,
      'src/redis.ts': `export const redis = new Redis({ url: "${endpoint}", token: "${t.token}" });`,
    });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ readOnly: true, endpoint, severity: 'medium' });
  });

  it('legacy token and legacy TCP URL are one credential', () => {
    const t = redisTokenParts({ layout: 'legacy' });
    const host = redisHost(t.dbId, { legacyRegion: 'us1' });
    const { findings } = scan({
      'docker-compose.yml': `services:\n  app:\n    environment:\n      - UPSTASH_REDIS_REST_TOKEN=${t.token}\n      - REDIS_URL=${redisUrl({ password: t.password!, host, port: t.dbId, scheme: 'redis' })}\n`,
    });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.occurrences).toHaveLength(2);
  });

  it('browser exposure raises a full-access token to critical', () => {
    const t = redisTokenParts();
    const { findings } = scan({ '.env.local': `NEXT_PUBLIC_UPSTASH_REDIS_REST_TOKEN=${t.token}` });
    expect(findings[0]).toMatchObject({ severity: 'critical', exposure: { kind: 'browser' } });
    const cfg = scan({
      'next.config.js': `module.exports = {\n  env: {\n    KV: "${redisTokenParts().token}",\n  },\n};`,
    });
    expect(cfg.findings[0]!.exposure.kind).toBe('browser');
  });

  it('finds values in JSON-escaped, URL-encoded and base64-wrapped forms', () => {
    const v = vectorTokenParts();
    const q = qstashToken();
    const t = redisTokenParts({ layout: 'legacy' });
    const k8sValue = Buffer.from(t.token).toString('base64');
    const { findings } = scan({
      'vercel.json': JSON.stringify({
        env: { UPSTASH_VECTOR_REST_TOKEN: v.token.replace(/\//g, '\\/') },
      }),
      'deploy.sh': `curl "https://qstash.upstash.io/v2/publish?qstash_token=${encodeURIComponent(q)}"`,
      'k8s/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ndata:\n  UPSTASH_REDIS_REST_TOKEN: ${k8sValue}\n`,
    });
    const types = findings.map((f) => f.type).sort();
    expect(types).toEqual(['upstash-qstash-token', 'upstash-redis-token', 'upstash-vector-token']);
    const redis = findings.find((f) => f.type === 'upstash-redis-token')!;
    expect(redis.occurrences[0]).toMatchObject({ path: 'k8s/secret.yaml', line: 6 });
    const vector = findings.find((f) => f.type === 'upstash-vector-token')!;
    expect(vector.endpoint).toBe(`https://${v.name}-vector.upstash.io`);
  });

  it('the same hits when the caller passes the text as bytes (an ASCII file), and bytes of another length are ignored', () => {
    const v = vectorTokenParts();
    const t = redisTokenParts({ layout: 'legacy' });
    const texts = [
      JSON.stringify({ env: { UPSTASH_VECTOR_REST_TOKEN: v.token.replace(/\//g, '\\/') } }),
      `apiVersion: v1\nkind: Secret\ndata:\n  UPSTASH_REDIS_REST_TOKEN: ${Buffer.from(t.token).toString('base64')}\n`,
      `QSTASH_TOKEN=${encodeURIComponent(qstashToken())}\n${'import { Redis } from "@upstash/redis";\n'.repeat(50)}`,
    ];
    for (const text of texts) {
      const f: Fragment = { path: 'config/app.yaml', text };
      const plain = scanText(f);
      expect(plain.length).toBeGreaterThan(0);
      expect(scanText(f, { latin1: Buffer.from(text, 'latin1') })).toEqual(plain);
      expect(scanText(f, { latin1: Buffer.from(`${text} `, 'latin1') })).toEqual(plain);
    }
  });

  it('QStash signing keys, management key with its email, Kafka, read-only Search', () => {
    const mk = managementKey();
    const s = vectorTokenParts({ role: 'readonly' });
    const { findings } = scan({
      '.env': [
        `QSTASH_CURRENT_SIGNING_KEY=${signingKey()}`,
        `QSTASH_NEXT_SIGNING_KEY=${signingKey()}`,
        `UPSTASH_EMAIL=ops@example.org`,
        `UPSTASH_API_KEY=${mk}`,
        `UPSTASH_KAFKA_REST_PASSWORD=${kafkaCredentials().password}`,
        `NEXT_PUBLIC_UPSTASH_SEARCH_READONLY_TOKEN=${s.token}`,
      ].join('\n'),
    });
    const byType = Object.fromEntries(findings.map((f) => [f.type, f]));
    expect(findings.filter((f) => f.type === 'upstash-qstash-signing-key')).toHaveLength(2);
    expect(byType['upstash-management-key']).toMatchObject({ severity: 'critical' });
    expect(revealSecret(byType['upstash-management-key']!)?.companion?.email).toBe(
      'ops@example.org',
    );
    expect(byType['upstash-kafka-credentials']).toMatchObject({ severity: 'low' });
    expect(byType['upstash-search-token']).toMatchObject({ severity: 'info', readOnly: true });
    expect(findings[0]!.type).toBe('upstash-management-key');
  });

  it('is quiet on references, placeholders, redactions, truncations and lookalikes', () => {
    const t = redisTokenParts().token;
    const texts = [
      'UPSTASH_REDIS_REST_TOKEN=${UPSTASH_REDIS_REST_TOKEN}',
      'token: process.env.UPSTASH_REDIS_REST_TOKEN,',
      'UPSTASH_REDIS_REST_TOKEN: ${{ secrets.UPSTASH_REDIS_REST_TOKEN }}',
      'UPSTASH_REDIS_REST_TOKEN="<your-token>"',
      `UPSTASH_REDIS_REST_TOKEN=AXXX${'x'.repeat(50)}`,
      'UPSTASH_REDIS_REST_TOKEN=********',
      `UPSTASH_REDIS_REST_TOKEN=${t.slice(0, 12)}...`,
      `UPSTASH_REDIS_REST_TOKEN=${t.slice(0, -3)}`,
      'REDIS_URL=redis://default:hunter2hunter2@redis.example.com:6379',
      'REDIS_URL=redis://localhost:6379',
      `"integrity": "sha512-${Buffer.from(t).toString('base64')}"`,
      `token = "eyJhbGciOiJIUzI1NiJ9.${qstashToken()}.sig"`,
      `console: https://console.upstash.com/redis/${managementKey({ seed: 'scan' })} upstash`,
    ];
    for (const text of texts) {
      const { findings } = scan({ 'file.txt': text });
      expect(findings.map((f) => `${f.type}: ${text}`)).toEqual([]);
    }
  });

  it('one finding for one token in many files; suppression by config and inline comment', () => {
    const t = redisTokenParts().token;
    const files = { 'a.env': `TOKEN=${t}`, 'b.ts': `const t = "${t}";`, 'c.yml': `token: ${t}` };
    const { findings } = scan(files);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.occurrences).toHaveLength(3);
    const config = parseConfig(
      `allow:\n  - fingerprint: ${findings[0]!.fingerprint}\n    reason: rotated test db\n`,
      'x.yml',
    );
    const again = scan(files, config);
    expect(again.findings).toHaveLength(0);
    expect(again.suppressed).toEqual([
      {
        fingerprint: findings[0]!.fingerprint,
        type: 'upstash-redis-token',
        reason: 'rotated test db',
      },
    ]);
    const inline = scan({ 'x.ts': `const t = "${t}"; // upstash-guard:allow revoked` });
    expect(inline.findings).toHaveLength(0);
    expect(inline.suppressed[0]!.reason).toMatch(/inline/);
  });

  it('uses lineNumbers for added-lines fragments and keeps commit metadata', () => {
    const t = redisTokenParts().token;
    const hits = scanText({
      path: 'x',
      text: `a\nTOKEN=${t}`,
      lineNumbers: [10, 42],
      commit: 'abc',
      author: 'A',
    });
    expect(hits[0]!.occurrence).toMatchObject({ line: 42, commit: 'abc', author: 'A' });
  });

  it('prefilter admits every credential and rejects ordinary code', () => {
    expect(
      mayContainSecret(Buffer.from('export const x = 1;\nfunction f() { return "hello"; }\n')),
    ).toBe(false);
    expect(
      mayContainSecret(Buffer.from(`x=${redisTokenParts({ layout: 'current64' }).token}`)),
    ).toBe(true);
    expect(mayContainSecret(Buffer.from(`x=${vectorTokenParts({ role: 'readonly' }).token}`))).toBe(
      true,
    );
  });

  it('fingerprints are stable, keyed, and independent of location', () => {
    const t = redisTokenParts().token;
    const a = scan({ a: `T=${t}` }).findings[0]!.fingerprint;
    const b = scan({ 'zz/b.ts': `x("${t}")` }).findings[0]!.fingerprint;
    expect(a).toBe(b);
    expect(a).toMatch(/^ug1:[0-9a-f]{32}$/);
    const keyed = collectFindings(scanText({ path: 'a', text: `T=${t}` }), {
      config: DEFAULT_CONFIG,
      fingerprintKey: 'org-key',
    });
    expect(keyed.findings[0]!.fingerprint).not.toBe(a);
  });
});
