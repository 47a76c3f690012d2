/**
 * No file of this repository holds a value shaped like an Upstash credential: not a synthetic one
 * written out, not a published docs or dev-server example. Secret scanners (ours, GitGuardian,
 * TruffleHog, gitleaks, Kingfisher) cannot tell a public example from a leak without knowing it,
 * so every such literal in a tracked file is a report someone must check. Tests build synthetic
 * values at run time (test/helpers/synthetic.ts) and rebuild public ones from
 * test/helpers/public-examples.ts.
 *
 * The checker is the engine's own, with what the engine drops on purpose put back:
 * - scanText: every credential the engine reports;
 * - the Redis and Vector token patterns, kept when the value decodes or reads as a cut or edited
 *   copy of a token (the engine drops those as not usable; a scanner does not know that);
 * - the QStash token pattern, kept when it decodes to {"UserID","Password"} (the engine drops the
 *   dev-server tokens, whose UserID is not a UUID);
 * - any run of value characters the engine's denylist knows (the published examples it hashes).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeRedisToken, isBrokenRedisToken } from '../src/core/decode/redis-token.js';
import { decodeVectorToken, isBrokenVectorToken } from '../src/core/decode/vector-token.js';
import {
  isDocsLegacyRedisToken,
  isKnownPublicValue,
} from '../src/core/detectors/known-examples.js';
import { isPlaceholder } from '../src/core/detectors/placeholders.js';
import { qstashTokenDetector } from '../src/core/detectors/qstash-token.js';
import { redisTokenDetector } from '../src/core/detectors/redis-token.js';
import { vectorTokenDetector } from '../src/core/detectors/vector-token.js';
import { mask } from '../src/core/scan/mask.js';
import { scanText } from '../src/core/scan/scan-text.js';
import type { Detector } from '../src/core/types.js';
import { PUBLIC_EXAMPLES } from './helpers/public-examples.js';
import {
  boxApiKey,
  context7Key,
  COUNTING_HEX,
  kafkaCredentials,
  managementKey,
  OTHER_SERVER_HEX,
  qstashToken,
  redisHost,
  redisToken,
  redisTokenParts,
  redisUrl,
  signingKey,
  vectorToken,
  ZERO_UUID,
} from './helpers/synthetic.js';

interface Hit {
  line: number;
  rule: string;
  /** The engine's masked form: a report of this test must not print the value either. */
  masked: string;
}

const lineAt = (text: string, index: number): number => text.slice(0, index).split('\n').length;

function* values(d: Detector, text: string): Generator<{ value: string; index: number }> {
  for (const m of text.matchAll(new RegExp(d.pattern.source, d.pattern.flags)))
    yield { value: m[1]!, index: m.index + m[0].indexOf(m[1]!) };
}

function isQstashShaped(value: string): boolean {
  try {
    const o: unknown = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
    return (
      typeof o === 'object' &&
      o !== null &&
      typeof (o as Record<string, unknown>).UserID === 'string' &&
      typeof (o as Record<string, unknown>).Password === 'string'
    );
  } catch {
    return false;
  }
}

/** A run of base64/base58/hex/UUID characters: every value the denylist holds is one. */
const RUN = /[A-Za-z0-9_+/-]{16,}={0,2}/g;

function isKnownRun(run: string): boolean {
  const bare = run.replace(/=+$/, '');
  const padded = bare + '='.repeat((4 - (bare.length % 4)) % 4);
  return (
    isKnownPublicValue(run) ||
    isKnownPublicValue(bare) ||
    isKnownPublicValue(padded) ||
    isDocsLegacyRedisToken(run)
  );
}

const UUID_V4 = /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/gi;
const HEX_32 = /(?<![0-9a-z])[0-9a-f]{32}(?![0-9a-z])/gi;

/**
 * Values other scanners' Upstash rules report whatever they identify, when they stand within 40
 * characters of an Upstash name: a UUID v4 (management-key rules: a database id, another
 * service's key) and 32 hex characters (legacy-password rules: another server's password, a
 * hash). Our engine rightly leaves them. Placeholders (`00000000-…`, `0123…cdef`) are left
 * alone, as scanners do.
 */
const NEAR_UPSTASH: [RegExp, string][] = [
  [UUID_V4, 'UUID v4 near an Upstash name'],
  [HEX_32, '32 hex characters near an Upstash name'],
];

function nearUpstash(text: string): Hit[] {
  const hits: Hit[] = [];
  for (const [shape, rule] of NEAR_UPSTASH)
    for (const m of text.matchAll(shape)) {
      const around = text.slice(Math.max(0, m.index - 40), m.index + m[0].length + 40);
      if (/upstash/i.test(around) && !isPlaceholder(m[0]))
        hits.push({ line: lineAt(text, m.index), rule, masked: mask(m[0]) });
    }
  return hits;
}

/** Every credential-shaped value in `text`. */
function tokenShapes(text: string, path = 'file'): Hit[] {
  const hits: Hit[] = [];
  for (const h of scanText({ path, text }))
    if (!h.candidate.pairingPartOnly)
      hits.push({
        line: h.occurrence.line,
        rule: `engine ${h.candidate.type}`,
        masked: mask(h.candidate.secret),
      });
  const layout = (d: Detector, rule: string, shaped: (v: string) => boolean): void => {
    for (const { value, index } of values(d, text))
      if (shaped(value)) hits.push({ line: lineAt(text, index), rule, masked: mask(value) });
  };
  layout(
    redisTokenDetector,
    'Redis token layout',
    (v) => !isPlaceholder(v) && (decodeRedisToken(v) !== null || isBrokenRedisToken(v)),
  );
  layout(
    vectorTokenDetector,
    'Vector token layout',
    (v) => !isPlaceholder(v) && (decodeVectorToken(v) !== null || isBrokenVectorToken(v)),
  );
  layout(qstashTokenDetector, 'QStash token layout', isQstashShaped);
  for (const m of text.matchAll(RUN))
    if (isKnownRun(m[0]))
      hits.push({ line: lineAt(text, m.index), rule: 'published example', masked: mask(m[0]) });
  hits.push(...nearUpstash(text));
  return hits;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Tracked files, and untracked ones not ignored (the next commit's), relative to the root. */
function repositoryFiles(): string[] {
  const out = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return [...new Set(out.toString('utf8').split('\0'))].filter(
    (p) => p !== '' && !/(^|\/)(node_modules|dist)\//.test(p),
  );
}

function readText(path: string): string | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(ROOT, path));
  } catch {
    return null; // deleted in the work tree, not yet in the index
  }
  return bytes.includes(0) ? null : bytes.toString('utf8'); // binary: no text to hold a literal
}

describe('the checker', () => {
  const sample = (): [string, string][] => {
    const legacy = redisTokenParts({ layout: 'legacy' });
    const kafka = kafkaCredentials();
    const devServerLike = Buffer.from(
      JSON.stringify({ UserID: 'someUser', Password: 'somePassword' }),
    ).toString('base64');
    return [
      ['Redis token', `const t = '${redisToken()}';`],
      ['64-bit-id Redis token', `const t = '${redisToken({ layout: 'current64' })}';`],
      ['legacy Redis token', `const t = '${legacy.token}';`],
      ['cut Redis token', `const t = '${redisToken().slice(0, -9)}';`],
      ['Redis URL', `REDIS_URL=${redisUrl({ password: redisToken(), host: redisHost(1234) })}`],
      [
        'legacy password beside its host',
        `UPSTASH_REDIS_HOST=${redisHost(legacy.dbId, { legacyRegion: 'eu1' })}\nUPSTASH_REDIS_PASSWORD=${legacy.password!}`,
      ],
      ['Vector token', `const t = '${vectorToken()}';`],
      ['cut Vector token', `const t = '${vectorToken().slice(0, 80)}';`],
      ['QStash token', `const t = '${qstashToken()}';`],
      ['dev-server-like QStash token', `const t = '${devServerLike}';`],
      ['signing key', `QSTASH_CURRENT_SIGNING_KEY=${signingKey()}`],
      ['management key', `UPSTASH_API_KEY=${managementKey()}`],
      ['Kafka password', `UPSTASH_KAFKA_REST_PASSWORD=${kafka.password}`],
      ['Context7 key', `CONTEXT7_API_KEY=${context7Key()}`],
      ['Box key', `UPSTASH_BOX_API_KEY=${boxApiKey()}`],
      // Not an Upstash credential (the engine finds nothing), but other scanners report it.
      ['database id under an Upstash name', `UPSTASH_DATABASE_ID=${managementKey()}`],
      [
        'upper-case UUID before an Upstash word',
        `id: ${managementKey().toUpperCase()} # the upstash database`,
      ],
      [
        "another server's 32-hex password beside an Upstash host",
        `# prod: fancy-cat-12345.upstash.io\nREDISCLI_AUTH=${OTHER_SERVER_HEX}`,
      ],
    ];
  };

  it.each(sample())('finds a synthetic %s written out in a file', (_label, text) => {
    expect(tokenShapes(text).length).toBeGreaterThan(0);
  });

  it.each(Object.entries(PUBLIC_EXAMPLES))(
    'finds the published example %s written out in a file',
    (_name, e) => {
      expect(tokenShapes(`  '${e.value}',\n`).length).toBeGreaterThan(0);
    },
  );

  it('reports lines and masked forms, never the value', () => {
    const token = redisToken();
    const hits = tokenShapes(`line one\nconst t = '${token}';\n`);
    expect(hits.map((h) => h.line)).toContain(2);
    expect(JSON.stringify(hits)).not.toContain(token);
  });

  it.each([
    ['masked forms of our reports', 'value AYVP…(62 chars), sig_…(32 chars), d3…(22 chars)'],
    ['x placeholders', `UPSTASH_REDIS_REST_TOKEN="AXxxACQg${'x'.repeat(52)}"`],
    ['a reference', 'UPSTASH_REDIS_REST_TOKEN=${{ secrets.UPSTASH_REDIS_REST_TOKEN }}'],
    [
      'a JWT whose payload starts like a QStash token',
      `Bearer ${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from('{"UserID":"abc"}').toString('base64url')}.${'s'.repeat(43)}`,
    ],
    ['a placeholder UUID under an Upstash name', `UPSTASH_API_KEY=${ZERO_UUID}`],
    ['a placeholder 32-hex value under an Upstash name', `UPSTASH_REDIS_PASSWORD=${COUNTING_HEX}`],
    [
      'a UUID more than 40 characters from an Upstash name',
      `UPSTASH_REGION=eu-west-1\n${'#'.repeat(40)}\nREQUEST_ID=${managementKey({ seed: 'far' })}`,
    ],
  ])('finds nothing in %s', (_label, text) => {
    expect(tokenShapes(text)).toEqual([]);
  });
});

describe('repository files', () => {
  it('hold no credential-shaped value (build them at run time: test/helpers/)', () => {
    const files = repositoryFiles();
    // The listing itself must work: an empty one would pass anything.
    expect(files).toContain('test/repo-hygiene.test.ts');
    expect(files).toContain('src/core/detectors/known-examples.ts');
    const found: string[] = [];
    for (const path of files) {
      const text = readText(path);
      if (text === null) continue;
      for (const h of tokenShapes(text, path))
        found.push(`${path}:${h.line} ${h.rule} ${h.masked}`);
    }
    expect(found).toEqual([]);
  });
});
