/**
 * The value checks every fallback, URL and AUTH candidate pays for (isPlaceholder, isTyped,
 * isUnknownFormatSecret, the QStash decoder inside it) give the answers recorded in
 * test/fixtures/value-checks/answers.txt for ~64,000 seeded values: random strings over eleven
 * alphabets of every length from 1 to 400, typed and placeholder shapes, synthetic tokens of every
 * layout and cut, padded and edited copies of them, the published examples. The answers were
 * recorded from the implementation of commit 4c521f1, before these checks were made fast, so a
 * speed-up that changes any answer fails here with the value it changed. Only answers are stored
 * (one hex digit a value), never the values: written out, random base64 reads as a leak.
 *
 * A deliberate change of an answer re-records the file (UPDATE_GOLDEN=1, then review the diff of
 * the digits and say why in the commit).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { decodeQstashToken } from '../../../src/core/decode/qstash-token.js';
import { isUnknownFormatSecret } from '../../../src/core/detectors/fallback.js';
import { entropy, isPlaceholder, isTyped } from '../../../src/core/detectors/placeholders.js';
import { PUBLIC_EXAMPLES } from '../../helpers/public-examples.js';
import {
  boxApiKey,
  context7Key,
  hex32Secret,
  kafkaCredentials,
  makeRng,
  managementKey,
  qstashToken,
  redisToken,
  redisTokenFromFields,
  signingKey,
  unknownFormatSecret,
  vectorToken,
  type Rng,
} from '../../helpers/synthetic.js';

const FILE = join(process.cwd(), 'test/fixtures/value-checks/answers.txt');

const ALPHABETS: Record<string, string> = {
  base64: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
  base64url: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
  hex: '0123456789abcdef',
  HEX: '0123456789ABCDEF',
  alnum: 'abcdefghijklmnopqrstuvwxyz0123456789',
  lower: 'abcdefghijklmnopqrstuvwxyz',
  digits: '0123456789',
  printable:
    ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~',
  // Code points, not UTF-16 units: accents, CJK, astral emoji (surrogate pairs), a BOM, U+FFFD.
  unicode: 'aZ09éüßж中文€\u{1F600}\u{1F511}\uFEFF\uFFFD',
  words: 'abcdefghijklmnopqrstuvwxyz-_ ',
  uniform: 'aAb0',
};

/** Whole words of the placeholder and dictionary rules, and neighbours of them that are not. */
const WORDS = [
  'my',
  'your',
  'super',
  'secret',
  'password',
  'redis',
  'upstash',
  'default',
  'admin',
  'token',
  'key',
  'api',
  'dev',
  'prod',
  'test',
  'demo',
  'example',
  'sample',
  'mock',
  'fake',
  'here',
  'none',
  'null',
  'changeme',
  'letmein',
  'welcome',
  'qwerty',
  'hello',
  'world',
  'xyz',
  'abc',
  'foo',
  'real',
  'insert',
  'replace',
  'enter',
  'paste',
  'todo',
  'hidden',
  'removed',
  'redacted',
  'testing',
  'passwords',
  'tokens',
  'keyx',
  'redisy',
  'upstashed',
  'zebra',
  'quartz',
];

/** Placeholders and near-misses written in this repository's tests and detector examples. */
const LITERALS = [
  '',
  ' ',
  '  x  ',
  '${UPSTASH_REDIS_REST_TOKEN}',
  '${{ secrets.UPSTASH_REDIS_REST_TOKEN }}',
  'your_upstash_redis_rest_token_here',
  'AXXX' + 'x'.repeat(36),
  'process.env.UPSTASH_REDIS_REST_TOKEN',
  '<YOUR_QSTASH_TOKEN>',
  '********',
  'mock-token',
  'import.meta.env.VITE_UPSTASH_REDIS_REST_TOKEN2',
  'current-signing-key-at-least-24-characters',
  '%UPSTASH_REDIS_REST_TOKEN%',
  '{{ .Values.upstash.token }}',
  'AQIDBAUGBwgJCgsMDQ4PEBESExQVFhc',
  '[REDACTED]',
  'ZXhhbXBsZUB1cHN0YXNoLmNvbTpuYWJlcg==',
  'UPSTASH_VECTOR_REST_TOKEN',
  'AaBbCcDdEeFfGgHhIiJjKkLlMm' + 'NnOoPpQqRrSsTtUuVvWwXxYyZz123456789==',
  'test_token_1234567890abc',
  'Zk9fQ2mR7tL4wX8pV3nB6cY1',
  // The typed values of test/core/scan/context.test.ts.
  ...'abc123def456 123456789abc abcd1234efgh5678 987654321zyx qwertyuiop12 1qaz2wsx3edc asdfghjkl123 abcabcabcabc passpasspass xyz!xyz!xyz! mypassword123 SuperSecretRedis2024 my-redis-password letmein2024 changeme123'.split(
    ' ',
  ),
  'A9UiZlBzaWL3sNAOa6E+yWQUNHEhMAsDfGh07gfOjHI6NRI5',
  'k3J9xQwErTyP0vLm',
  '7f3a9c2e1b4d8f6a0c5e',
  'a7f3a9c2e1b4',
  '$VAR',
  '${VAR:-x}',
  '{{ var }}',
  '{UPSTASH_REDIS_PASSWORD}',
  'config.redis.token',
  'os.environ["X"]',
  'Deno.env.get("X")',
  'getenv("X")',
  'secrets.X',
  'xxxx',
  'XXXX',
  '...',
  '…',
  'abc<def>',
  'gQAAAAAAAAAA1234abcdEFGH',
  'ggAAAAAAAAAA1234abcdEFGH',
  'AAAAAAAbcdefgh123',
  'sig_abc',
  'ctx7sk-abc',
  'box_abc',
  Buffer.from('{"UserID":"x"}').toString('base64'),
  'https://x.upstash.io',
  'rediss://x',
  'http:abc',
  'redis:abc',
  '2553feg6a2d9842h0123456789abcdef',
  'UPPER_SNAKE_NAME',
  'Password1',
  'qazwsx',
  'QWERTY',
  '1234567890',
  'ABCDEFabcdef',
  'AaBbCc',
  '000000',
  'aaaaaa',
  'ééééééé',
  '\u{1F600}'.repeat(8),
  '\t\n',
  'a\u0000b',
  'Abc'.repeat(40),
  'aB'.repeat(100) + 'C',
  'abcdefghijklmnopQ',
  'kawbzcqdkewfxB1C',
];

function randomString(rng: Rng, alphabet: string, len: number): string {
  const chars = [...alphabet];
  let s = '';
  for (let i = 0; i < len; i++) s += chars[rng.int(chars.length)];
  return s;
}

/** A value cut, extended, re-padded or with one character changed (copies seen in docs and chats). */
function mutations(rng: Rng, v: string): string[] {
  const at = rng.int(v.length);
  const swap = ALPHABETS.base64url![rng.int(64)]!;
  return [
    v.slice(0, -1),
    v.slice(0, -2),
    v.slice(0, -5),
    v.slice(1),
    v + 'A',
    v + '==',
    v.replace(/=+$/, ''),
    v.slice(0, at) + swap + v.slice(at + 1),
    v.replaceAll('-', '+').replaceAll('_', '/'),
    v.replaceAll('+', '-').replaceAll('/', '_'),
    ` ${v} `,
  ];
}

function buildValues(): string[] {
  const rng = makeRng('value-checks');
  const out: string[] = [...LITERALS];
  for (const [, alphabet] of Object.entries(ALPHABETS)) {
    for (let len = 1; len <= 400; len++) out.push(randomString(rng, alphabet, len));
    for (let i = 0; i < 1200; i++) out.push(randomString(rng, alphabet, 6 + rng.int(90)));
  }
  // Typed shapes: words with digits and separators in three casings, runs, repeats, walks.
  for (let i = 0; i < 3000; i++) {
    const n = 1 + rng.int(5);
    const parts = Array.from({ length: n }, () => WORDS[rng.int(WORDS.length)]!);
    const sep = ['', '-', '_', ' ', '.'][rng.int(5)]!;
    const digits = rng.int(3) === 0 ? '' : String(rng.int(100000));
    const casing = rng.int(4);
    const word = (w: string): string =>
      casing === 1 ? w.toUpperCase() : casing === 2 ? w[0]!.toUpperCase() + w.slice(1) : w;
    const v = parts.map(word).join(sep) + digits;
    out.push(v, rng.int(2) ? `${v}${randomString(rng, ALPHABETS.alnum!, 1 + rng.int(6))}` : v);
  }
  for (let i = 0; i < 1500; i++) {
    const unit = randomString(rng, ALPHABETS.printable!, 1 + rng.int(8));
    const v = unit.repeat(2 + rng.int(40));
    const tail = randomString(rng, ALPHABETS.base64!, rng.int(4));
    out.push(v + tail, tail + v);
    const start = 32 + rng.int(80);
    const run = Array.from({ length: 3 + rng.int(10) }, (_, k) =>
      String.fromCharCode(start + k * (rng.int(2) ? 1 : -1)),
    ).join('');
    out.push(
      randomString(rng, ALPHABETS.base64!, rng.int(30)) +
        run +
        randomString(rng, ALPHABETS.hex!, rng.int(30)),
    );
    // Lowercase letters then capitals: the shape of the mixed-case rule of isDictionaryWords.
    const lower = randomString(rng, ALPHABETS.lower!, 1 + rng.int(14));
    out.push(
      lower +
        randomString(rng, 'ABCZ', 1 + rng.int(3)) +
        randomString(rng, ALPHABETS.alnum!, rng.int(20)),
    );
  }
  // Synthetic credentials of every layout, and copies of them.
  for (let i = 0; i < 120; i++) {
    const seed = `value-checks:${i}`;
    const tokens = [
      redisToken({ seed, layout: 'current', readOnly: i % 2 === 0 }),
      redisToken({ seed, layout: 'current64', readOnly: i % 3 === 0 }),
      redisToken({ seed, layout: 'legacy', readOnly: i % 2 === 1 }),
      redisTokenFromFields({ field1: 'acl', field2: randomString(rng, ALPHABETS.alnum!, 24) }),
      vectorToken({ seed }),
      vectorToken({ seed, product: 'search', role: i % 2 ? 'readonly' : 'writer' }),
      vectorToken({ seed, randomId: true }),
      qstashToken({ seed }),
      qstashToken({ seed, password: 'uuid' }),
      qstashToken({ seed, password: { verbatim: randomString(rng, ALPHABETS.alnum!, 20) } }),
      qstashToken({ seed, extra: { Role: 'x' } }),
      signingKey({ seed, legacy: i % 2 === 0 }),
      managementKey({ seed }),
      context7Key({ seed }),
      boxApiKey({ seed }),
      kafkaCredentials({ seed }).username,
      kafkaCredentials({ seed }).password,
      unknownFormatSecret({ seed }),
      hex32Secret({ seed }),
      // JSON that is not a token's: whitespace around it, an array, a string, a number.
      Buffer.from(` {"UserID":"${managementKey({ seed })}","Password":"x"} `).toString('base64'),
      Buffer.from(`[${i}]`).toString('base64'),
      Buffer.from(`"${seed}"`).toString('base64'),
      Buffer.from(`\uFEFF{"a":${i}}`).toString('base64'),
      Buffer.from(`{"a":${i}`).toString('base64'),
    ];
    for (const t of tokens) out.push(t, ...mutations(rng, t));
  }
  for (const { value } of Object.values(PUBLIC_EXAMPLES)) out.push(value, ...mutations(rng, value));
  // The recorded implementation backtracked exponentially over the lowercase letters of a
  // mixed-case word with a capital not followed by a lowercase letter (`…xB1`): 2^n steps for n
  // letters. Those with more than 16 have no record (see 'mixed-case words ending in capitals').
  return out.filter((v) => !(v.match(/[A-Za-z]+/g) ?? []).some(isExponentialBefore));
}

function isExponentialBefore(word: string): boolean {
  if (!/[a-z][A-Z]/.test(word) || !/[A-Z](?![a-z])/.test(word)) return false;
  return word.replace(/[^a-z]/g, '').length > 16;
}

/** One hex digit a value: isPlaceholder 1, isUnknownFormatSecret 2, isTyped 4, decodes as QStash 8. */
function answer(v: string): string {
  const bits =
    (isPlaceholder(v) ? 1 : 0) |
    (isUnknownFormatSecret(v) ? 2 : 0) |
    (isTyped(v) ? 4 : 0) |
    (decodeQstashToken(v) ? 8 : 0);
  return bits.toString(16);
}

/** The entropy of commit 4c521f1 (a Map over code points, divided by UTF-16 length). */
function entropyBefore(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / value.length;
    h -= p * Math.log2(p);
  }
  return h;
}

describe('value checks give their recorded answers', () => {
  const values = buildValues();
  const digest = createHash('sha256').update(values.join('\u0000')).digest('hex');

  it('for every value of the seeded set', () => {
    const answers = values.map(answer).join('');
    const lines = answers.match(/.{1,100}/g)!;
    const text = `values ${values.length} sha256 ${digest}\n${lines.join('\n')}\n`;
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(dirname(FILE), { recursive: true });
      writeFileSync(FILE, text);
    }
    const [header, ...recorded] = readFileSync(FILE, 'utf8').trimEnd().split('\n');
    // Another value set (a builder or the seeded stream changed) is not a changed answer.
    expect(header).toBe(`values ${values.length} sha256 ${digest}`);
    const expected = recorded.join('');
    const changed = values
      .map((v, i) => ({ value: JSON.stringify(v), was: expected[i], now: answers[i] }))
      .filter((d) => d.was !== d.now);
    expect(changed.slice(0, 20)).toEqual([]);
  });

  it('entropy is the same number, bit for bit, as before', () => {
    const differ = values.filter((v) => !Object.is(entropy(v), entropyBefore(v)));
    expect(differ.slice(0, 20)).toEqual([]);
  });
});

describe('mixed-case words ending in capitals', () => {
  // `(?:[A-Z]?[a-z]+)+` backtracked 2^n steps over n lowercase letters before a lone capital.
  it.each([20, 40, 300])('%i lowercase letters before a lone capital take no time', (n) => {
    const lower = randomString(makeRng(`mixed-case:${n}`), 'bcdfghjkmnpqrstvwxz', n);
    const t0 = performance.now();
    expect(isTyped(`${lower}B1C`)).toBe(false);
    expect(isUnknownFormatSecret(`${lower}B1C`)).toBe(true);
    // Dictionary words in any casing stay typed, with or without a trailing lone capital.
    expect(isTyped('mypasswordsecretredistokendefaultadminrootuser1')).toBe(true);
    expect(isTyped('MySuperSecretRedisPasswordToken1')).toBe(true);
    expect(isTyped(`Super${'secret'.repeat(n / 10)}TokenX1`)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(100);
  });
});
