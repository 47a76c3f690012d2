/**
 * The management (Developer API) key in the files people commit by mistake, through the core scan
 * API (scanText: keyword gate, key extraction, overlaps): the Upstash CLI's login files, which
 * name Upstash only in their path, and env, CI, JSON, YAML and TOML configs under the key names in
 * their case variants, paired with the account email where it stands beside the key.
 */
import { scanText } from '../../../src/core/scan/scan-text.js';
import { isCredentialFile, mayBeReadByPath } from '../../../src/core/scan/prefilter.js';
import { COUNTING_UUID, managementKey, ZERO_UUID } from '../../helpers/synthetic.js';

const findings = (path: string, text: string) =>
  scanText({ path, text }).filter((h) => !h.candidate.pairingPartOnly);

const EMAIL = 'ops@example.org';

describe('the Upstash CLI login file', () => {
  const key = managementKey({ seed: 'cli-login' });
  // upstash/cli: 0.x wrote JSON.stringify({ email, apiKey }) to ~/.upstash.json; 1.x writes
  // { email, api_key } pretty-printed to ~/.config/upstash/config.json (and reads the old file).
  const legacy = JSON.stringify({ email: EMAIL, apiKey: key });
  const current = JSON.stringify({ email: EMAIL, api_key: key }, null, 2) + '\n';

  it.each([
    ['.upstash.json', legacy],
    ['home/dev/.upstash.json', legacy],
    ['.config/upstash/config.json', current],
    ['dotfiles/.config/upstash/config.json', current],
  ])('%s: the key, with the email as companion', (path, text) => {
    expect(isCredentialFile(path)).toBe(true);
    const hits = findings(path, text);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.candidate).toMatchObject({
      type: 'upstash-management-key',
      secret: key,
      confidence: 'high',
      companion: { email: EMAIL },
      details: { emailFound: true },
    });
  });

  it('holds no keyword: only its path makes it a credential file', () => {
    for (const path of ['user.json', 'config.json', 'fixtures/login.json', 'upstash.json.bak'])
      expect(findings(path, legacy)).toEqual([]);
    expect(isCredentialFile('src/config.json')).toBe(false);
    expect(isCredentialFile('.upstash.json.example')).toBe(false);
  });

  it('a login file without the email still holds the key', () => {
    const hits = findings('.upstash.json', JSON.stringify({ apiKey: key }));
    expect(hits.map((h) => h.candidate.details.emailFound)).toEqual([false]);
    expect(hits[0]!.candidate.companion).toBeUndefined();
  });

  it.each([
    ['<your-api-key>', '<your-api-key>'],
    ['an interpolation', '${UPSTASH_API_KEY}'],
    ['a filler UUID', 'xxxxxxxx-xxxx-4xxx-xxxx-xxxxxxxxxxxx'],
    ['a zero UUID', ZERO_UUID],
    ['a counting UUID', COUNTING_UUID],
    ['redaction', '********-****-****-****-************'],
  ])('placeholders are not reported: %s', (_label, value) => {
    expect(findings('.upstash.json', JSON.stringify({ email: EMAIL, apiKey: value }))).toEqual([]);
    expect(
      findings('.config/upstash/config.json', JSON.stringify({ email: EMAIL, api_key: value })),
    ).toEqual([]);
  });

  it('other UUIDs in the file are not the key', () => {
    const other = managementKey({ seed: 'team' });
    const text = JSON.stringify({ email: EMAIL, team_id: other, database: other }, null, 2);
    expect(findings('.config/upstash/config.json', text)).toEqual([]);
  });
});

describe('configs that name Upstash in their keys', () => {
  const key = managementKey({ seed: 'configs' });
  it.each([
    ['.env', `UPSTASH_EMAIL=${EMAIL}\nUPSTASH_API_KEY=${key}\n`],
    ['.env', `UPSTASH_EMAIL="${EMAIL}"\nUPSTASH_MANAGEMENT_API_KEY="${key}"\n`],
    ['.envrc', `export UPSTASH_EMAIL=${EMAIL}\nexport UPSTASH_DEVELOPER_API_KEY=${key}\n`],
    [
      '.github/workflows/deploy.yml',
      `jobs:\n  deploy:\n    env:\n      UPSTASH_EMAIL: ${EMAIL}\n      UPSTASH_API_KEY: ${key}\n`,
    ],
    ['.gitlab-ci.yml', `variables:\n  upstash_email: ${EMAIL}\n  upstash_api_key: "${key}"\n`],
    ['settings.json', JSON.stringify({ UPSTASH_EMAIL: EMAIL, UPSTASH_API_KEY: key }, null, 2)],
    ['settings.json', JSON.stringify({ upstashEmail: EMAIL, upstashApiKey: key })],
    ['app.json', JSON.stringify({ upstash: { email: EMAIL, apiKey: key } })],
    ['app.json', JSON.stringify({ upstash: { email: EMAIL, management_api_key: key } }, null, 2)],
    ['config.yaml', `upstash:\n  email: ${EMAIL}\n  managementApiKey: ${key}\n`],
    ['config.yaml', `upstash:\n  email: ${EMAIL}\n  api-key: ${key}\n`],
    ['config.toml', `[upstash]\nemail = "${EMAIL}"\napi_key = "${key}"\n`],
    ['pyproject.toml', `[tool.upstash]\nemail = "${EMAIL}"\nmanagement_api_key = "${key}"\n`],
    ['config.toml', `UPSTASH_EMAIL = "${EMAIL}"\nUpstashManagementApiKey = "${key}"\n`],
  ])('%s', (path, text) => {
    const hits = findings(path, text);
    expect(hits.map((h) => h.candidate.type)).toEqual(['upstash-management-key']);
    expect(hits[0]!.candidate.secret).toBe(key);
    expect(hits[0]!.candidate.companion).toEqual({ email: EMAIL });
  });

  it.each([
    ['.env', 'UPSTASH_API_KEY=your-api-key'],
    ['.env', 'UPSTASH_MANAGEMENT_API_KEY=<UPSTASH_MANAGEMENT_API_KEY>'],
    ['deploy.yml', 'env:\n  UPSTASH_API_KEY: ${{ secrets.UPSTASH_API_KEY }}'],
    ['.env', 'UPSTASH_API_KEY="********-****-****-****-************"'],
    ['.env', `UPSTASH_API_KEY=${ZERO_UUID}`],
    ['config.toml', '[upstash]\napi_key = "${UPSTASH_API_KEY}"'],
  ])('placeholders are not reported: %s %s', (path, text) => {
    expect(findings(path, text)).toEqual([]);
  });

  it('a UUID under a generic name outside any Upstash block or file is not the key', () => {
    const other = managementKey({ seed: 'stripe' });
    expect(findings('config.json', JSON.stringify({ apiKey: other }))).toEqual([]);
    expect(
      findings(
        'app.json',
        JSON.stringify({ upstash: { region: 'eu' }, sentry: { apiKey: other } }),
      ),
    ).toEqual([]);
    expect(
      findings(
        'pyproject.toml',
        `[tool.upstash]\nregion = "eu"\n[tool.sentry]\napi_key = "${other}"\n`,
      ),
    ).toEqual([]);
  });
});

describe('what a login file holds, for a scan that reads it before it knows its path', () => {
  // The gate-first history scan finds the paths only of blobs that pass mayBeReadByPath: every
  // file at the CLI's login-file paths that the detector reports must pass it.
  const key = managementKey({ seed: 'path-content' });
  const names = [
    'apiKey',
    'api_key',
    'api-key',
    'APIKEY',
    'API_KEY',
    'apiToken',
    'api_token',
    'management_api_key',
    'managementApiKey',
    'developer_key',
    'DeveloperKey',
    'management-key',
  ];
  const forms = (name: string): string[] => [
    JSON.stringify({ email: EMAIL, [name]: key }),
    JSON.stringify({ [name]: key, email: EMAIL }, null, 2),
    `{ "${name}" :  "${key}" }`,
    `${name}: ${key}\nemail: ${EMAIL}\n`,
    `${name}: "${key}"\n`,
    `${name} = "${key}"\n`,
    `${name}=${key}\n`,
    `export ${name}='${key}'\n`,
    `{:${name} => "${key}"}\n`,
    `\t${name}\t=\t${key}\n`,
    `${name} := "${key}"\n`,
    `${name}: [${key}]\n`,
    `${name}: !!str ${key}\n`,
    `<${name}>${key}</${name}>\n`,
  ];
  const paths = ['.upstash.json', 'home/u/.upstash.json', '.config/upstash/config.json'];

  it('every reported login file passes, and unrelated files mostly do not', () => {
    let reported = 0;
    for (const name of names)
      for (const text of forms(name))
        for (const path of paths) {
          if (findings(path, text).length === 0) continue;
          reported++;
          expect([path, text, mayBeReadByPath(Buffer.from(text))]).toEqual([path, text, true]);
        }
    expect(reported).toBeGreaterThan(60);
    // What the trufflehog history held that a looser test let through: other services' keys.
    for (const text of [
      `set SNYK_API_TOKEN=${key}\n`,
      `const hapikey = '${key}';\n`,
      `id: ${key}\napi: https://example.org\n`,
      `api_key:\n  value-on-the-next-line: ${key}\n`,
      `"name": "organizations/x/apiKeys/${key}"\n`,
      `api_key = "rh-api-${key}"\n`,
      // A login file is about 100 bytes: a large file is no login file, whatever it holds.
      `${'#'.repeat(2100)}\napi_key = "${key}"\n`,
    ])
      expect([text, mayBeReadByPath(Buffer.from(text))]).toEqual([text, false]);
  });
});
