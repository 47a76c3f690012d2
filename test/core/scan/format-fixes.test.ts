/**
 * Misses and false positives found by the format matrix (format-matrix.test.ts), one case each,
 * values built at run time.
 */
import { scanPlaced } from '../../helpers/containers.js';
import {
  boxApiKey,
  context7Key,
  kafkaCredentials,
  managementKey,
  redisHost,
  redisTokenParts,
  signingKey,
  unknownFormatSecret,
  vectorTokenParts,
} from '../../helpers/synthetic.js';

const scan = (path: string, text: string): [string, string, number[]][] =>
  scanPlaced({ path, text, line: 1 }).map((f) => [
    f.type,
    f.confidence,
    f.occurrences.map((o) => o.line),
  ]);

describe('a value cut short by a redaction is no secret', () => {
  const uuid = managementKey({ seed: 'cut' });
  const unknown = unknownFormatSecret({ seed: 'cut' });
  it.each([
    ['.env', `UPSTASH_API_KEY=${uuid.slice(0, 21)}…\n`],
    ['.env', `UPSTASH_REDIS_REST_TOKEN=${unknown.slice(0, 24)}...\n`],
    ['.env', `QSTASH_TOKEN="${unknown.slice(0, 24)}***"\n`],
    ['access.log', `GET /?q=${encodeURIComponent(`UPSTASH_API_KEY=${uuid.slice(0, 21)}…`)}\n`],
  ])('%s %s', (path, text) => {
    expect(scan(path, text)).toEqual([]);
  });

  it("a legacy signing key cut to a current key's length, then an ellipsis", () => {
    const cut = signingKey({ legacy: true, seed: 'cut' }).slice(0, 32);
    expect(scan('.env', `QSTASH_NEXT_SIGNING_KEY=${cut}…\n`)).toEqual([]);
    expect(scan('README.md', `The key looks like \`${cut}...\`\n`)).toEqual([]);
  });

  it('the whole value is still found', () => {
    expect(scan('.env', `UPSTASH_REDIS_REST_TOKEN=${unknown}\n`)).toEqual([
      ['upstash-redis-token', 'low', [1]],
    ]);
  });
});

describe('a whole .env base64-encoded in a CI variable, with no Upstash name in it', () => {
  it("a Vercel KV integration's variables are decoded (KV_REST and vercel-storage anchors)", () => {
    const t = redisTokenParts({ seed: 'b64kv' });
    const host = redisHost(t.dbId, { vercel: true, seed: 'b64kv' });
    const env = Buffer.from(
      `KV_REST_API_URL=https://${host}\nKV_REST_API_TOKEN=${t.token}\n`,
    ).toString('base64');
    const found = scanPlaced({
      path: '.github/workflows/ci.yml',
      text: `env:\n  DOTENV_B64: ${env}\n`,
      line: 2,
    });
    expect(found.map((f) => [f.type, f.endpoint, f.occurrences.map((o) => o.line)])).toEqual([
      ['upstash-redis-token', `https://${host}`, [2]],
    ]);
  });

  it('is decoded: the key names no Upstash product, so its own anchor gates the file', () => {
    const env = Buffer.from(`CONTEXT7_API_KEY=${context7Key({ seed: 'b64env' })}\n`).toString(
      'base64',
    );
    expect(
      scan('.gitlab-ci.yml', `variables:\n  ENV_FILE_B64: "${env}"\nbuild:\n  script: make\n`),
    ).toEqual([['upstash-context7-api-key', 'high', [2]]]);
  });
});

describe('names the pipeline now reads (keyBefore): found under them, not otherwise', () => {
  const mk = managementKey({ seed: 'names' });
  const kafka = kafkaCredentials({ seed: 'names' }).password;
  const box = boxApiKey({ seed: 'names' });
  const search = vectorTokenParts({ product: 'search', seed: 'names' }).token;
  const leg = redisTokenParts({ layout: 'legacy', seed: 'names' });
  const host = redisHost(leg.dbId, { legacyRegion: 'eu1', seed: 'names' });
  const q3 = '"'.repeat(3);
  it.each([
    // YAML block scalars and TOML multi-line strings: the value alone on the next line.
    [
      'YAML >-',
      'app.yml',
      `upstash:\n  UPSTASH_API_KEY: >-\n    ${mk}\n`,
      'upstash-management-key',
      3,
    ],
    [
      'YAML |',
      'values.yaml',
      `env:\n  UPSTASH_KAFKA_REST_PASSWORD: |\n    ${kafka}\n`,
      'upstash-kafka-credentials',
      3,
    ],
    [
      'TOML """',
      'settings.toml',
      `[secrets]\nUPSTASH_BOX_API_KEY = ${q3}\n${box}${q3}\n`,
      'upstash-box-api-key',
      3,
    ],
    [
      'YAML >- (search evidence)',
      'app.yml',
      `UPSTASH_SEARCH_REST_TOKEN: >-\n  ${search}\n`,
      'upstash-search-token',
      2,
    ],
    [
      'YAML >- (legacy password)',
      'app.yml',
      `UPSTASH_REDIS_HOST: ${host}\nUPSTASH_REDIS_PASSWORD: >-\n  ${leg.password!}\n`,
      'upstash-redis-url',
      3,
    ],
    // Words joined by - or . (an Action's inputs, Maven properties).
    [
      'Actions with: kebab',
      'ci.yml',
      `      - uses: x/deploy@v1\n        with:\n          upstash-kafka-rest-password: ${kafka}\n`,
      'upstash-kafka-credentials',
      3,
    ],
    [
      'Maven property',
      'settings.xml',
      `<properties>\n  <upstash.api.key>${mk}</upstash.api.key>\n</properties>\n`,
      'upstash-management-key',
      2,
    ],
    // An element named by its attribute.
    [
      'Android strings.xml',
      'strings.xml',
      `<resources>\n  <string name="upstash_kafka_rest_password">${kafka}</string>\n</resources>\n`,
      'upstash-kafka-credentials',
      2,
    ],
    // Tables of environment variables.
    [
      'Markdown table',
      'README.md',
      `| Variable | Value |\n|---|---|\n| \`UPSTASH_KAFKA_REST_PASSWORD\` | \`${kafka}\` |\n`,
      'upstash-kafka-credentials',
      3,
    ],
    [
      'CSV',
      'env.csv',
      `name,value\nUPSTASH_KAFKA_REST_PASSWORD,${kafka}\n`,
      'upstash-kafka-credentials',
      2,
    ],
    // A Terraform variable's default, its block still open.
    [
      'Terraform variable default',
      'variables.tf',
      `variable "upstash_box_api_key" {\n  type      = string\n  sensitive = true\n  default   = "${box}"\n}\n`,
      'upstash-box-api-key',
      4,
    ],
  ])('%s', (_label, path, text, type, line) => {
    expect(scan(path, text).map(([t, , l]) => [t, l])).toEqual([[type, [line]]]);
  });

  it.each([
    // The variable's block is closed: a later resource's default is not its value.
    [
      'closed variable block',
      'main.tf',
      `variable "upstash_api_key" {\n  type = string\n}\nresource "x" "y" {\n  default = "${mk}"\n}\n`,
    ],
    // A YAML block scalar under an unrelated name.
    ['block under another name', 'app.yml', `upstash:\n  deployment_id: >-\n    ${mk}\n`],
    // A lower-case first cell is no env-var table.
    ['table of ids', 'README.md', `| name | id |\n|---|---|\n| upstash | ${mk} |\n`],
    ['CSV of ids', 'ids.csv', `UPSTASH_DATABASE_ID,${mk}\n`],
  ])('%s: silent', (_label, path, text) => {
    expect(scan(path, text)).toEqual([]);
  });
});
