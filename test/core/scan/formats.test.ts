import {
  collectFindings,
  DEFAULT_CONFIG,
  scanText,
  type Detector,
  type Hit,
  type MatchContext,
} from '../../../src/core/index.js';
import {
  qstashToken,
  redisHost,
  redisTokenParts,
  redisUrl,
  vectorTokenParts,
} from '../../helpers/synthetic.js';

function findingsOf(files: Record<string, string>) {
  const hits: Hit[] = [];
  for (const [path, text] of Object.entries(files)) hits.push(...scanText({ path, text }));
  return collectFindings(hits, { config: DEFAULT_CONFIG }).findings;
}

/** A test detector that records the context the pipeline builds for it. */
function spy(seen: MatchContext[]): Detector {
  return {
    id: 'spy',
    type: 'upstash-redis-token',
    title: 'spy',
    keywords: ['SPYVALUE'],
    pattern: /(SPYVALUE[0-9]+)/g,
    validate(m, ctx) {
      seen.push(ctx);
      return {
        type: 'upstash-redis-token',
        secret: m[1]!,
        identity: m[1]!,
        readOnly: false,
        confidence: 'high',
        details: {},
      };
    },
    examples: { positives: () => [], negatives: [] },
  };
}

describe('MatchContext.key across file formats', () => {
  it.each([
    ['.env', 'UPSTASH_TOKEN=SPYVALUE1', 'UPSTASH_TOKEN'],
    ['.envrc', 'export UPSTASH_TOKEN="SPYVALUE1"', 'UPSTASH_TOKEN'],
    ['config.yml', 'redis:\n  token: SPYVALUE1', 'token'],
    ['docker-compose.yml', 'environment:\n  - UPSTASH_TOKEN=SPYVALUE1', 'UPSTASH_TOKEN'],
    ['wrangler.toml', '[vars]\nUPSTASH_TOKEN = "SPYVALUE1"', 'UPSTASH_TOKEN'],
    ['vercel.json', '{ "env": { "UPSTASH_TOKEN": "SPYVALUE1" } }', 'UPSTASH_TOKEN'],
    ['src/a.ts', 'const redis = new Redis({ url, token: "SPYVALUE1" });', 'token'],
    ['src/a.ts', 'const UPSTASH_TOKEN = "SPYVALUE1";', 'UPSTASH_TOKEN'],
    ['.github/workflows/ci.yml', 'env:\n  UPSTASH_TOKEN: SPYVALUE1\n', 'UPSTASH_TOKEN'],
    ['k8s.yml', 'env:\n  - name: UPSTASH_TOKEN\n    value: SPYVALUE1', 'UPSTASH_TOKEN'],
  ])('%s: %j -> %s', (path, text, key) => {
    const seen: MatchContext[] = [];
    const hits = scanText({ path, text }, { detectors: [spy(seen)] });
    expect(hits).toHaveLength(1);
    expect(seen[0]!.key).toBe(key);
  });

  it('line and column come from lineNumbers; context is capped on huge lines', () => {
    const seen: MatchContext[] = [];
    const text = `a\n${'x;'.repeat(30_000)}t="SPYVALUE7";${'y;'.repeat(30_000)}`;
    const [hit] = scanText(
      { path: 'dist/assets/index-abc.js', text, lineNumbers: [40, 41] },
      { detectors: [spy(seen)] },
    );
    expect(hit!.occurrence).toMatchObject({ line: 41, column: 60_004 });
    expect(hit!.exposure).toEqual({ kind: 'browser', reason: 'built client asset' });
    expect(seen[0]!.line.length).toBeLessThanOrEqual(1200);
    expect(seen[0]!.before.endsWith('t="')).toBe(true);
  });
});

describe('real-world files', () => {
  it('GitHub Actions env and a TS client: one finding with both occurrences', () => {
    const t = redisTokenParts();
    const host = redisHost(t.dbId);
    const f = findingsOf({
      '.github/workflows/ci.yml': `on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    env:\n      UPSTASH_REDIS_REST_URL: https://${host}\n      UPSTASH_REDIS_REST_TOKEN: ${t.token}\n`,
      'src/redis.ts': `import { Redis } from '@upstash/redis';\nexport const redis = new Redis({\n  url: 'https://${host}',\n  token: '${t.token}',\n});\n`,
    });
    expect(f).toHaveLength(1);
    expect(f[0]!.occurrences.map((o) => `${o.path}:${o.line}`)).toEqual([
      '.github/workflows/ci.yml:7',
      'src/redis.ts:4',
    ]);
    expect(f[0]!.endpoint).toBe(`https://${host}`);
  });

  it('a minified one-line bundle: found, browser-exposed, critical, fast', () => {
    const t = redisTokenParts();
    const filler = 'function a(b){return b&&b.c?b.c(b):null};'.repeat(20_000);
    const bundle = `${filler}var r=new Re({url:"https://${redisHost(t.dbId)}",token:"${t.token}"});${filler}`;
    const started = performance.now();
    const f = findingsOf({ '.next/static/chunks/pages/_app-4f3a.js': bundle });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ severity: 'critical', exposure: { kind: 'browser' } });
    expect(f[0]!.occurrences[0]).toMatchObject({ line: 1, column: bundle.indexOf(t.token) + 1 });
  });

  it('a URL password that is URL-encoded is the same credential as the token', () => {
    const t = redisTokenParts();
    const host = redisHost(t.dbId);
    const encoded = redisUrl({ password: encodeURIComponent(t.token), host });
    const f = findingsOf({ '.env': `UPSTASH_REDIS_REST_TOKEN=${t.token}\nREDIS_URL=${encoded}` });
    expect(f).toHaveLength(1);
    expect(f[0]!.occurrences).toHaveLength(2);
  });

  it.each([
    ['shell', (v: string) => `TOKEN=$UPSTASH_TOKEN # was ${v.slice(0, 6)}`],
    ['windows', () => 'set UPSTASH_REDIS_REST_TOKEN=%UPSTASH_REDIS_REST_TOKEN%'],
    ['python', () => 'token = os.getenv("UPSTASH_REDIS_REST_TOKEN")'],
    ['deno', () => 'token: Deno.env.get("UPSTASH_REDIS_REST_TOKEN")!,'],
    ['f-string', () => 'url = f"rediss://default:{password}@{host}:6379"'],
    ['helm', () => 'UPSTASH_REDIS_REST_TOKEN: {{ .Values.upstash.token }}'],
    [
      'ssh key',
      () =>
        `-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----`,
    ],
    [
      'jwt',
      () =>
        'Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
    ],
    ['yarn.lock', () => `  integrity sha512-${Buffer.alloc(48, 7).toString('base64')}`],
  ])('no finding: %s', (_name, make) => {
    const v = redisTokenParts().token;
    expect(findingsOf({ 'file.txt': make(v) })).toEqual([]);
  });

  it('masked never shows more than 4 characters of any secret; JSON never holds one', () => {
    const secrets = [redisTokenParts().token, vectorTokenParts().token, qstashToken()];
    const f = findingsOf({ '.env': secrets.map((s, i) => `K${i}=${s}`).join('\n') });
    expect(f).toHaveLength(3);
    const json = JSON.stringify(f);
    for (const s of secrets) {
      expect(json).not.toContain(s);
      for (let i = 0; i + 5 <= s.length; i++) expect(json).not.toContain(s.slice(i, i + 5));
    }
  });
});

describe('overlapping readings of one span', () => {
  it('keeps the higher-confidence specific reading', () => {
    const make = (id: string, type: Detector['type'], confidence: 'high' | 'medium'): Detector => ({
      id,
      type,
      title: id,
      keywords: ['SPYVALUE'],
      pattern: /(SPYVALUE[0-9]+)/g,
      validate: (m) => ({
        type,
        secret: m[1]!,
        identity: `${id}:${m[1]!}`,
        readOnly: false,
        confidence,
        details: {},
      }),
      examples: { positives: () => [], negatives: [] },
    });
    const hits = scanText(
      { path: '.env', text: 'A=SPYVALUE1' },
      {
        detectors: [
          make('weak', 'upstash-redis-token', 'medium'),
          make('strong', 'upstash-qstash-token', 'high'),
        ],
      },
    );
    expect(hits.map((h) => h.candidate.type)).toEqual(['upstash-qstash-token']);
  });
});
