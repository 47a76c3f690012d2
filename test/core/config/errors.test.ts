import { ConfigError } from '../../../src/core/index.js';
import { parseConfig } from '../../../src/core/config/schema.js';
import { qstashToken, redisToken } from '../../helpers/synthetic.js';

function errorOf(text: string): ConfigError {
  try {
    parseConfig(text, '.github/upstash-guard.yml');
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('parseConfig accepted invalid input');
}

describe('ConfigError: file, dotted field, what is expected, cause', () => {
  it.each([
    ['version: 2\n', 'version', /version: /],
    ['verify: "yes"\n', 'verify', /verify: .*boolean/i],
    ['ignorePaths: fixtures/**\n', 'ignorePaths', /ignorePaths: .*array/i],
    ['ignorePaths: ["ok", ""]\n', 'ignorePaths.1', /ignorePaths\.1: /],
    ['maxFileSize: 5 potatoes\n', 'maxFileSize', /a size such as 5MB/],
    ['maxFileSize: -1\n', 'maxFileSize', /maxFileSize: /],
    ['failOn: urgent\n', 'failOn', /failOn: .*(critical|high)/],
    [
      'allow:\n  - fingerprint: ug1:0123456789abcdef0123456789abcdef\n    reason: ok\n',
      'allow.0.reason',
      /a reason a reviewer can read/,
    ],
    [
      'allow:\n  - fingerprint: nope\n    reason: rotated long ago\n',
      'allow.0.fingerprint',
      /ug1:/,
    ],
    [
      'allow:\n  - fingerprint: ug1:0123456789abcdef0123456789abcdef\n    resaon: test fixture\n',
      'allow.0',
      /unknown setting "resaon" \(did you mean "reason"\?\)/,
    ],
    ['comments:\n  pullrequest: false\n', 'comments', /did you mean "pullRequest"/],
    ['ignore_paths: []\n', '', /unknown setting "ignore_paths" \(did you mean "ignorePaths"\?\)/],
    ['somethingElse: 1\n', '', /unknown setting "somethingElse"$/],
  ])('%j -> field %j', (text, field, message) => {
    const err = errorOf(text);
    expect(err.source).toBe('.github/upstash-guard.yml');
    expect(err.message.startsWith('.github/upstash-guard.yml: ')).toBe(true);
    expect(err.field).toBe(field);
    expect(err.expected).toBeTruthy();
    expect(err.message).toMatch(message);
    expect(err.cause).toBeDefined();
  });

  it('YAML syntax errors carry line and column and the parser error as cause', () => {
    const err = errorOf('failOn: high\nignorePaths: [a, b\nverify: true\n');
    expect(err.message).toMatch(/invalid YAML at line \d+, column \d+/);
    expect(err.cause).toBeInstanceOf(Error);
  });

  it('a comment-only file and an empty mapping mean defaults; a scalar is refused', () => {
    expect(parseConfig('# nothing yet\n', 'c.yml').failOn).toBe('medium');
    expect(parseConfig('{}\n', 'c.yml').verify).toBe(true);
    expect(errorOf('just a string\n').message).toMatch(/expected a mapping/);
  });

  it('sizes with units become bytes', () => {
    expect(parseConfig('maxFileSize: 2MiB\n', 'c').maxFileSize).toBe(2 * 1024 * 1024);
    expect(parseConfig('maxFileSize: 512 KB\n', 'c').maxFileSize).toBe(512_000);
    expect(parseConfig('maxFileSize: 1048576\n', 'c').maxFileSize).toBe(1048576);
  });

  it('masks a credential pasted where a key, a value or YAML goes, in every field', () => {
    const token = redisToken();
    const other = qstashToken();
    for (const text of [
      `${token}: true\n`, // the red-team case: the whole token as an unknown key
      `comments:\n  ${token}: false\n`,
      `failOn: ${token}\n`,
      `ignorePaths: ${token}\n`,
      `allow:\n  - fingerprint: ${token}\n    reason: rotated\n`,
      `verify: [${token}\n`, // YAML syntax error around it
      `${token}: [${other}\n`,
      `a: *${token}\n`, // an alias name
    ]) {
      let err: unknown;
      try {
        parseConfig(text, `acme/${token}:.github/upstash-guard.yml`);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      const e = err as ConfigError;
      const everything = JSON.stringify({
        message: e.message,
        source: e.source,
        field: e.field,
        expected: e.expected,
        cause: String(e.cause),
        causeFields: { ...(e.cause as object) },
        own: { ...e },
        stack: e.stack,
      });
      expect(everything).not.toContain(token);
      expect(everything).not.toContain(other);
      expect(everything).not.toContain(token.slice(10, 30));
    }
    expect(() => parseConfig(`${token}: true\n`, 'c')).toThrow(
      /unknown setting "[\w-]{4}…\(\d+ chars\)"/,
    );
  });
});
