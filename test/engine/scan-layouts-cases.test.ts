/**
 * Token layouts seen in the wild (issue 8), through every git mode that applies: the working tree,
 * a commit range and the full history. Each case writes real files into a real repository and
 * states the findings it must give: one per credential, with its confidence, layout and endpoint,
 * and never the raw secret in the output.
 */
import { DEFAULT_CONFIG, type Finding, type ScanResult } from '../../src/core/index.js';
import { scanHistory } from '../../src/engine/scan-history.js';
import { scanRange } from '../../src/engine/scan-range.js';
import { scanTree } from '../../src/engine/scan-tree.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import {
  hex32Secret,
  kafkaCredentials,
  makeRng,
  qstashTokenParts,
  redisEndpoint,
  redisHost,
  redisTokenFromFields,
  redisTokenParts,
  redisUrl,
  unknownFormatSecret,
  vectorTokenParts,
} from '../helpers/synthetic.js';

const opts = { config: DEFAULT_CONFIG };

interface Case {
  /** Files to commit. */
  files: Record<string, string>;
  /** Values that must never appear in any output. */
  secrets: string[];
  /** The findings, one per credential (order-independent). */
  expected: Partial<Finding>[];
}

const CASES: [string, () => Case][] = [
  [
    'a REST token whose suffix is p10, and the rediss:// URL of the same database: one finding',
    () => {
      const t = redisTokenParts({ suffix: 'p10' });
      const host = redisHost(t.dbId);
      return {
        files: {
          '.env': `UPSTASH_REDIS_REST_URL=https://${host}\nUPSTASH_REDIS_REST_TOKEN="${t.token}"\n`,
          'docker-compose.yml': `    environment:\n      - REDIS_URL=${redisUrl({ password: t.token, host })}\n`,
        },
        secrets: [t.token],
        expected: [
          {
            type: 'upstash-redis-token',
            confidence: 'high',
            endpoint: `https://${host}`,
            details: expect.objectContaining({ layout: 'current', seenAs: 'token+url' }),
          },
        ],
      };
    },
  ],
  [
    'a 2-byte-id standard token without a suffix (54 chars), and its URL form alone',
    () => {
      const t = redisTokenParts({ suffix: null });
      const u = redisTokenParts({ suffix: 'p10' });
      const endpoint = redisEndpoint(t.dbId);
      const uHost = redisHost(u.dbId);
      return {
        files: {
          'src/redis.ts': `export const redis = new Redis({ url: "${endpoint}", token: "${t.token}" });\n`,
          'worker.env': `KV_URL=${redisUrl({ password: u.token, host: uHost })}\n`,
        },
        secrets: [t.token, u.token],
        expected: [
          { type: 'upstash-redis-token', confidence: 'high', endpoint },
          {
            type: 'upstash-redis-token',
            confidence: 'high',
            readOnly: false,
            endpoint: `https://${uHost}`,
            details: expect.objectContaining({ seenAs: 'token+url' }),
          },
        ],
      };
    },
  ],
  [
    'an unrecognised variant (valid header, unfamiliar field2) as token and URL: one medium finding',
    () => {
      const dbId = 4242;
      const token = redisTokenFromFields({ dbId, field1: 'p1', field2: `${hex32Secret()}q7x` });
      const host = redisHost(dbId);
      return {
        files: {
          '.env.local': `UPSTASH_REDIS_REST_TOKEN=${token}\n`,
          'config/redis.yml': `url: ${redisUrl({ password: token, host })}\n`,
        },
        secrets: [token],
        expected: [
          {
            type: 'upstash-redis-token',
            confidence: 'medium',
            endpoint: `https://${host}`,
            details: expect.objectContaining({ layout: 'unrecognised variant', database: dbId }),
          },
        ],
      };
    },
  ],
  [
    'an older QStash token whose Password is a UUID, and a variant with an unfamiliar Password',
    () => {
      const q = qstashTokenParts({ password: 'uuid' });
      const v = qstashTokenParts({ password: { verbatim: unknownFormatSecret() } });
      return {
        files: {
          '.env': `QSTASH_URL=https://qstash.upstash.io\nQSTASH_TOKEN="${q.token}"\n`,
          'jobs.ts': `const client = new Client({ token: "${v.token}" });\n`,
        },
        secrets: [q.token, q.password, v.token, v.password],
        expected: [
          { type: 'upstash-qstash-token', confidence: 'high' },
          {
            type: 'upstash-qstash-token',
            confidence: 'medium',
            details: expect.objectContaining({ layout: 'unrecognised variant' }),
          },
        ],
      };
    },
  ],
  [
    'a legacy 32-hex password under a token name next to its host, and its redis:// URL',
    () => {
      const t = redisTokenParts({ layout: 'legacy' });
      const host = redisHost(t.dbId, { legacyRegion: 'eu1' });
      return {
        files: {
          '.env': `UPSTASH_REDIS_REST_URL=https://${host}\nUPSTASH_REDIS_REST_TOKEN=${t.password!}\n`,
          'scripts/cli.sh': `redis-cli -u ${redisUrl({ password: t.password!, host, port: t.dbId, scheme: 'redis' })}\n`,
          'src/client.ts': `const r = new Redis({\n  host: "${host}",\n  port: ${t.dbId},\n  redisPassword: "${t.password!}",\n});\n`,
        },
        secrets: [t.password!],
        expected: [
          {
            type: 'upstash-redis-url',
            confidence: 'high',
            endpoint: `https://${host}`,
            details: expect.objectContaining({ layout: 'legacy', database: t.dbId }),
          },
        ],
      };
    },
  ],
  [
    'a legacy password whose only host is further down the file (camelCase config)',
    () => {
      const t = redisTokenParts({ layout: 'legacy' });
      const host = redisHost(t.dbId, { legacyRegion: 'us1' });
      const filler = Array.from({ length: 8 }, (_, i) => `  // note ${i}`).join('\n');
      return {
        files: {
          'config.ts': `export const cfg = {\n  upstashRedisToken: "${t.password!}",\n${filler}\n  upstashRedisUrl: "https://${host}",\n};\n`,
        },
        secrets: [t.password!],
        expected: [{ type: 'upstash-redis-url', confidence: 'high', endpoint: `https://${host}` }],
      };
    },
  ],
  [
    'a legacy password with no host in its file, and its URL in another file: one finding',
    () => {
      const t = redisTokenParts({ layout: 'legacy' });
      const host = redisHost(t.dbId, { legacyRegion: 'eu2' });
      return {
        files: {
          'deploy/.env.production': `UPSTASH_REDIS_PASSWORD=${t.password!}\n`,
          'deploy/.env.staging': `UPSTASH_REDIS_REST_TOKEN=${t.password!}\n`,
          Procfile: `worker: REDIS_URL=${redisUrl({ password: t.password!, host, port: t.dbId })} node w.js\n`,
        },
        secrets: [t.password!],
        expected: [
          {
            type: 'upstash-redis-url',
            confidence: 'high',
            endpoint: `https://${host}`,
            occurrences: [
              expect.objectContaining({ path: 'Procfile' }),
              expect.objectContaining({ path: 'deploy/.env.production' }),
              expect.objectContaining({ path: 'deploy/.env.staging' }),
            ],
          },
        ],
      };
    },
  ],
  [
    'a Vector token with an unfamiliar secret, and a Search token with an unknown role',
    () => {
      const v = vectorTokenParts({ randomId: true });
      const s = vectorTokenParts({ role: 'writer', product: 'search' });
      return {
        files: {
          '.env': `UPSTASH_VECTOR_REST_URL=${v.endpoint}\nUPSTASH_VECTOR_REST_TOKEN=${v.token}\n`,
          'search.env': `UPSTASH_SEARCH_REST_TOKEN=${s.token}\n`,
        },
        secrets: [v.token, s.token],
        expected: [
          {
            type: 'upstash-vector-token',
            confidence: 'medium',
            readOnly: false,
            endpoint: v.endpoint,
            details: expect.objectContaining({ layout: 'unrecognised variant' }),
          },
          {
            type: 'upstash-search-token',
            confidence: 'medium',
            readOnly: null,
            endpoint: s.endpoint,
            details: expect.objectContaining({ role: 'writer', layout: 'unrecognised variant' }),
          },
        ],
      };
    },
  ],
  [
    'Kafka passwords under C and camelCase names',
    () => {
      const a = kafkaCredentials();
      const b = kafkaCredentials();
      return {
        files: {
          'firmware/secrets.h': `#pragma once\nconst char *KAFKA_REST_PASSWORD = "${a.password}";\n`,
          'src/kafka.js': `const kafkaAuthPassword = "${b.password}";\n`,
        },
        secrets: [a.password, b.password],
        expected: [
          { type: 'upstash-kafka-credentials', confidence: 'high' },
          { type: 'upstash-kafka-credentials', confidence: 'high' },
        ],
      };
    },
  ],
  [
    'camelCase and PascalCase Upstash names in the fallback; a Redis name next to an Upstash host',
    () => {
      const [a, b, c] = [unknownFormatSecret(), unknownFormatSecret(), unknownFormatSecret()];
      return {
        files: {
          'src/config.ts': `export const upstashRedisRestToken = "${a}";\n`,
          'appsettings.json': `{\n  "UpstashRedisRestToken": "${b}"\n}\n`,
          'lib/cache.ts': `const redisRestUrl = "https://fancy-cat-12345.upstash.io";\nconst redisRestToken = "${c}";\n`,
        },
        secrets: [a, b, c],
        expected: [
          { type: 'upstash-redis-token', confidence: 'low' },
          { type: 'upstash-redis-token', confidence: 'low' },
          { type: 'upstash-redis-token', confidence: 'low' },
        ],
      };
    },
  ],
  [
    'nothing for cut copies, random base64 with a kind byte, references and a local Redis password',
    () => {
      const p10 = redisTokenParts({ suffix: 'p10' }).token;
      const rng = makeRng();
      const noise = Array.from({ length: 30 }, (_, i) => {
        const b = rng.bytes(40 + (i % 30));
        b[0] = [0x01, 0x02, 0x81, 0x82][i % 4]!;
        return `UPSTASH_REDIS_REST_TOKEN_${i}=${b.toString('base64url')}`;
      }).join('\n');
      return {
        files: {
          'docs/setup.md': `UPSTASH_REDIS_REST_TOKEN="${p10.slice(0, 24)}..."\ntoken: "${p10.slice(0, -6)}"\n`,
          'noise.env': `${noise}\n`,
          '.env.example': `UPSTASH_REDIS_REST_TOKEN=\${UPSTASH_REDIS_REST_TOKEN}\nredisRestToken: process.env.UPSTASH_REDIS_REST_TOKEN\n`,
          'local.env': `REDIS_HOST=127.0.0.1\nREDIS_PASSWORD=${hex32Secret()}\n`,
        },
        secrets: [p10],
        expected: [],
      };
    },
  ],
];

type Mode = 'tree' | 'range' | 'history';

async function scan(mode: Mode, repo: TestRepo, base: string, tip: string): Promise<ScanResult> {
  if (mode === 'tree') return scanTree(repo.dir, opts);
  if (mode === 'range') return scanRange(repo.dir, { include: [tip], exclude: [base] }, opts);
  return scanHistory(repo.dir, opts);
}

describe.each(['tree', 'range', 'history'] as const)('%s scan: layouts in the wild', (mode) => {
  let repo: TestRepo;
  beforeEach(() => {
    repo = createRepo();
  });
  afterEach(() => repo.cleanup());

  it.each(CASES)('%s', async (_name, make) => {
    const c = make();
    repo.write('README.md', 'app\n');
    const base = repo.commit('base');
    for (const [path, text] of Object.entries(c.files)) repo.write(path, text);
    const tip = repo.commit('add config');
    const result = await scan(mode, repo, base, tip);
    const order = (f: Partial<Finding>): string => `${f.type ?? ''}|${f.confidence ?? ''}`;
    const got = [...result.findings].sort((a, b) => order(a).localeCompare(order(b)));
    const want = [...c.expected].sort((a, b) => order(a).localeCompare(order(b)));
    expect(got).toHaveLength(want.length);
    expect(got).toEqual(want.map((w) => expect.objectContaining(w)));
    const json = JSON.stringify(result);
    for (const s of c.secrets) expect(json).not.toContain(s);
  });
});
