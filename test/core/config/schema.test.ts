import { readFileSync } from 'node:fs';
import { ConfigError, DEFAULT_CONFIG } from '../../../src/core/index.js';
import { parseConfig } from '../../../src/core/config/schema.js';
import { schemaText } from '../../../src/tools/write-schema.js';

describe('parseConfig', () => {
  it('fills defaults for an empty file and parses every key', () => {
    expect(parseConfig('', 'c.yml')).toEqual(DEFAULT_CONFIG);
    const c = parseConfig(
      'failOn: high\nignorePaths: ["fixtures/**"]\nverify: false\ncomments:\n  history: true\nmaxFileSize: 1MB\n',
      'c.yml',
    );
    expect(c).toMatchObject({
      failOn: 'high',
      ignorePaths: ['fixtures/**'],
      verify: false,
      maxFileSize: 1_000_000,
    });
    expect(c.comments).toEqual({ pullRequest: true, commits: true, history: true });
  });

  it('accepts the App-only _extends (the CLI and the Action read the same file) and keeps it', () => {
    const c = parseConfig('_extends: .github\nfailOn: high\n', 'c.yml');
    expect(c).toMatchObject({ _extends: '.github', failOn: 'high' });
    expect(() => parseConfig('_extends: [a, b]\n', 'c.yml')).toThrow(/_extends/);
  });

  it.each([
    ['failOn: urgent\n', /c\.yml: failOn: /],
    ['failon: high\n', /unknown setting "failon" \(did you mean "failOn"\?\)/],
    ['allow:\n  - fingerprint: abc\n    reason: x y z\n', /allow\.0\.fingerprint: .*ug1:/],
    ['comments:\n  prs: true\n', /comments: unknown setting "prs"/],
    ['ignorePaths: [\n', /invalid YAML at line/],
    ['- a\n- b\n', /expected a mapping/],
  ])('rejects %j with a message naming file and field', (text, message) => {
    let err: unknown;
    try {
      parseConfig(text, 'c.yml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
    expect((err as ConfigError).source).toBe('c.yml');
  });

  it('the committed JSON schema is in sync with the zod schema (npm run schema)', () => {
    expect(
      readFileSync(new URL('../../../schema/upstash-guard.schema.json', import.meta.url), 'utf8'),
    ).toBe(schemaText());
  });
});
