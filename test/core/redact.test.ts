import { randomBytes } from 'node:crypto';
import { maskDetectedSecrets, redactSecrets, shownValue } from '../../src/core/index.js';
import {
  boxApiKey,
  context7Key,
  kafkaCredentials,
  managementKey,
  qstashToken,
  redisToken,
  redisTokenParts,
  redisUrl,
  signingKey,
  unknownFormatSecret,
  vectorToken,
} from '../helpers/synthetic.js';

describe('redactSecrets', () => {
  const secrets: [string, string][] = [
    ['redis token', redisToken()],
    ['read-only redis token', redisTokenParts({ readOnly: true }).token],
    ['vector token', vectorToken()],
    ['qstash token', qstashToken()],
    ['signing key', signingKey()],
    ['management key', managementKey()],
    ['kafka password', kafkaCredentials().password],
    ['context7 key', context7Key()],
    ['box key', boxApiKey()],
    ['unknown layout', unknownFormatSecret()],
    // Not Upstash: the shape rule alone.
    ['github token', `ghs_${randomBytes(27).toString('base64url').replace(/[-_]/g, 'x')}`],
    ['aws-style id', `AKIA${randomBytes(8).toString('hex').toUpperCase()}`],
    ['hex key', randomBytes(16).toString('hex')],
  ];

  it.each(secrets)('masks a %s wherever it appears in a message', (_name, secret) => {
    for (const message of [
      `unknown setting "${secret}"`,
      `fatal: bad revision '${secret}'`,
      `{"msg":"x","body":{"summary":"unknown setting \\"${secret}\\" (did you mean …)"}}`,
      `cannot read config file /tmp/${secret}/upstash-guard.yml (ENOENT)`,
    ]) {
      const out = redactSecrets(message);
      expect(out).not.toContain(secret);
      expect(out).not.toContain(secret.slice(6, 26));
      expect(out).toMatch(/…\(\d+ chars\)/);
    }
  });

  it('masks a GitHub token that happens to hold no digit (about one in 450)', () => {
    // The random case above once drew ghs_ and 36 letters: read as a name, it was shown whole.
    // Built at run time: 36 letters in both cases, no digit (no token shape in the repository).
    const letters = Array.from({ length: 36 }, (_, i) =>
      String.fromCharCode((i % 3 ? 97 : 65) + ((i * 7) % 26)),
    ).join('');
    for (const token of [`ghs_${letters}`, `ghp_${letters}`, `github_pat_${letters}_${letters}`]) {
      const out = redactSecrets(`unknown setting "${token}"`);
      expect(out).not.toContain(letters.slice(4, 24));
      expect(out).toMatch(/…\(\d+ chars\)/);
    }
    // A long name in mixed case with no digit is still shown: it is not a token.
    expect(redactSecrets('unknown setting "upstashRedisRestTokenFallback"')).toContain(
      'upstashRedisRestTokenFallback',
    );
  });

  it('masks URL passwords and Authorization values', () => {
    const pw = 'hunter2-but-longer';
    for (const [text, secret] of [
      [`rediss://default:${pw}@example.org:6379`, pw],
      [`Authorization: Basic ${Buffer.from(`x:${pw}`).toString('base64')}`, 'eDpodW50ZXI'],
      [`header bearer ${pw}`, pw],
    ] as const)
      expect(redactSecrets(text)).not.toContain(secret);
    const token = redisToken();
    const url = redisUrl({ password: token, host: 'x-y-1.upstash.io' });
    expect(redactSecrets(`could not fetch ${url}`)).not.toContain(token);
  });

  it('leaves ordinary messages readable: paths, words, keys, git object ids, dates', () => {
    for (const text of [
      '.github/upstash-guard.yml: comments: unknown setting "pullrequest" (did you mean "pullRequest"?)',
      'src/core/detectors/redis-rest-token.ts: could not be read (EACCES)',
      `excluded revision ${'0123456789abcdef'.repeat(2)}01234567 is not in the repository`,
      'fixtures/2024-01-01/report.json',
      'UPSTASH_REDIS_REST_TOKEN is a variable name',
      'git log produced no output for 120000 ms and was killed',
      'acme/some-long-repository-name-here',
      `GET /repos/acme/app/contents/.github%2Fupstash-guard.yml?ref=${'ab12'.repeat(10)} - 200`,
      'upstash-guard: /tmp/ug-cli-polish-NvJiI8/mirror.git is a bare repository',
    ])
      expect(redactSecrets(text)).toBe(text);
  });

  it('shownValue masks and caps', () => {
    const t = redisToken();
    expect(shownValue(`x${t}`)).not.toContain(t);
    expect(shownValue('a'.repeat(200))).toHaveLength(81);
  });

  it('masks a token glued to a name by a character of its own alphabet (leak-<token>)', () => {
    const t = redisToken();
    for (const name of [`leak-${t}`, `v1_${t}`, `release.${t}`, `a-b_c.${t}`, `x/leak-${t}`]) {
      const out = maskDetectedSecrets(name);
      expect([name, out.includes(t)]).toEqual([name, false]);
    }
    // Names without one are left as they are.
    for (const name of ['feature/add-upstash-cache', 'release-2026.11.29', 'v1.2.3-rc_1'])
      expect(maskDetectedSecrets(name)).toBe(name);
  });
});
