/**
 * How Upstash credentials appear in real repositories, beyond the containers matrix's one-name
 * placements: client constructors and connection strings of many languages and frameworks (where
 * the legacy 32-hex TCP password is found only by its host), SDK option objects, CI and deploy
 * files, every documented token layout variant, and the same layouts filled with placeholders
 * (zero or counting UUIDs and hex), which a careful human does not call a leak. Scanned through the
 * content entry point and collectFindings, as tree and history scans do. Every value is built at
 * run time.
 */
import type { CredentialType } from '../../../src/core/index.js';
import { scanPlaced } from '../../helpers/containers.js';
import {
  expectLeaksFound,
  expectNoFindings,
  type WildLeak,
  type WildNotLeak,
} from '../../helpers/wild-cases.js';
import {
  context7Key,
  COUNTING_HEX,
  COUNTING_UUID,
  hex32Secret,
  managementKey,
  qstashToken,
  qstashTokenFromFields,
  redisHost,
  redisToken,
  redisTokenFromFields,
  redisTokenParts,
  signingKey,
  signingKeyWithoutDigit,
  vectorTokenFromUuid,
  vectorTokenParts,
  ZERO_UUID,
} from '../../helpers/synthetic.js';

const URL: CredentialType = 'upstash-redis-url';
const TOKEN: CredentialType = 'upstash-redis-token';

const cur = redisTokenParts({ seed: 'wild-cur' });
const host = redisHost(cur.dbId, { seed: 'wild-host' });
const wide = redisToken({ layout: 'current64', seed: 'wild-wide' });
const leg = redisTokenParts({ layout: 'legacy', seed: 'wild-legacy' });
const legHost = redisHost(leg.dbId, { legacyRegion: 'eu2', seed: 'wild-legacy-host' });
const pw = leg.password!;
const port = leg.dbId;
const vec = vectorTokenParts({ seed: 'wild-vector' });
const qs = qstashToken({ seed: 'wild-qstash' });
const sig = signingKey({ seed: 'wild-sig' });
const mk = managementKey({ seed: 'wild-mk' });

/** [label, path, text, expected type]: found, of that type, on the line holding `needle`. */
const LEAKS: WildLeak[] = [
  // Redis, current token (found by layout under any name).
  [
    'wrangler.toml inline table',
    'wrangler.toml',
    `[env.production]\nvars = { UPSTASH_REDIS_REST_URL = "https://${host}", UPSTASH_REDIS_REST_TOKEN = "${cur.token}" }\n`,
    TOKEN,
    cur.token,
  ],
  [
    'GitLab CI variables',
    '.gitlab-ci.yml',
    `variables:\n  UPSTASH_REDIS_REST_TOKEN: "${cur.token}"\ntest:\n  script: npm test\n`,
    TOKEN,
    cur.token,
  ],
  [
    'Helm values, nested',
    'charts/app/values.yaml',
    `upstash:\n  redis:\n    url: https://${host}\n    token: ${cur.token}\n`,
    TOKEN,
    cur.token,
  ],
  [
    'Python SDK keywords',
    'app.py',
    `redis = Redis(url="https://${host}", token="${cur.token}")\n`,
    TOKEN,
    cur.token,
  ],
  [
    'Java builder',
    'App.java',
    `Redis r = Redis.builder().url("https://${host}").token("${wide}").build();\n`,
    TOKEN,
    wide,
  ],
  [
    'C# named arguments',
    'Program.cs',
    `var redis = new Upstash.Redis(url: "https://${host}", token: "${wide}");\n`,
    TOKEN,
    wide,
  ],
  [
    'StackExchange.Redis connection string',
    'appsettings.json',
    `{"ConnectionStrings":{"Redis":"${host}:6379,password=${cur.token},ssl=True,abortConnect=False"}}\n`,
    TOKEN,
    cur.token,
  ],
  [
    'ioredis URL without a user',
    'index.js',
    `const r = new Redis("rediss://:${cur.token}@${host}:6379");\n`,
    TOKEN,
    cur.token,
  ],
  [
    'redis-py keywords, current password',
    'a.py',
    `r = redis.Redis(host='${host}', port=6379, password='${cur.token}', ssl=True)\n`,
    TOKEN,
    cur.token,
  ],
  [
    '.http file Bearer',
    'api.http',
    `GET https://${host}/get/foo\nAuthorization: Bearer ${cur.token}\n`,
    TOKEN,
    cur.token,
  ],
  [
    'Postman environment',
    'env.postman_environment.json',
    JSON.stringify({ values: [{ key: 'token', value: cur.token }] }),
    TOKEN,
    cur.token,
  ],
  ['CSV export', 'keys.csv', `name,token\nprod,${cur.token}\n`, TOKEN, cur.token],
  [
    'HTML meta',
    'index.html',
    `<meta name="upstash-token" content="${cur.token}">\n`,
    TOKEN,
    cur.token,
  ],
  [
    'Kubernetes Secret holding a whole .env',
    'k8s/secret.yaml',
    `apiVersion: v1\nkind: Secret\ndata:\n  .env: ${Buffer.from(`FOO=bar\nUPSTASH_REDIS_REST_TOKEN=${cur.token}\n`).toString('base64')}\n`,
    TOKEN,
    '.env:',
  ],
  [
    'a whole .env, base64-encoded in a CI step',
    '.github/workflows/deploy.yml',
    `jobs:\n  deploy:\n    steps:\n      - run: echo "${Buffer.from(`NODE_ENV=production\nUPSTASH_REDIS_REST_URL=https://${host}\nUPSTASH_REDIS_REST_TOKEN=${cur.token}\n`).toString('base64')}" | base64 -d > .env\n`,
    TOKEN,
    'echo',
  ],
  [
    'a whole .env, base64-encoded in a Dockerfile',
    'Dockerfile',
    `FROM node:20\nRUN echo ${Buffer.from(`QSTASH_TOKEN=${qs}\nQSTASH_CURRENT_SIGNING_KEY=${sig}\n`).toString('base64')} | base64 -d > .env\n`,
    'upstash-qstash-token',
    'RUN',
  ],
  [
    'a Vercel .env, base64-encoded',
    'deploy.sh',
    `ENV_B64='${Buffer.from(`KV_REST_API_URL=https://${host}\nKV_REST_API_TOKEN=${wide}\n`).toString('base64')}'\n`,
    TOKEN,
    'ENV_B64',
  ],
  [
    'YAML folded scalar',
    'config.yml',
    `upstash:\n  token: >-\n    ${cur.token}\n`,
    TOKEN,
    cur.token,
  ],
  [
    'terraform.tfstate of an upstash_redis_database',
    'terraform.tfstate',
    JSON.stringify(
      {
        resources: [
          {
            type: 'upstash_redis_database',
            instances: [{ attributes: { endpoint: host, port: 6379, rest_token: cur.token } }],
          },
        ],
      },
      null,
      2,
    ),
    TOKEN,
    cur.token,
  ],
  [
    'a saved Developer API response (legacy database)',
    'fixtures/db.json',
    JSON.stringify({ endpoint: legHost, port, password: pw, rest_token: leg.token }, null, 2),
    TOKEN,
    'rest_token',
  ],
  // Redis, legacy 32-hex TCP password (found only with its host or an Upstash name).
  [
    'node-redis socket options',
    'a.js',
    `createClient({\n  socket: { host: '${legHost}', port: ${port}, tls: true },\n  password: '${pw}'\n});\n`,
    URL,
    pw,
  ],
  [
    'Spring properties',
    'application.properties',
    `spring.data.redis.host=${legHost}\nspring.data.redis.port=${port}\nspring.data.redis.password=${pw}\n`,
    URL,
    pw,
  ],
  [
    'Spring YAML',
    'application.yml',
    `spring:\n  data:\n    redis:\n      host: ${legHost}\n      port: ${port}\n      password: ${pw}\n`,
    URL,
    pw,
  ],
  [
    'Laravel .env',
    '.env',
    `REDIS_CLIENT=predis\nREDIS_HOST=${legHost}\nREDIS_PASSWORD=${pw}\nREDIS_PORT=${port}\n`,
    URL,
    pw,
  ],
  [
    'Django CACHES LOCATION',
    'settings.py',
    `CACHES = {"default": {"LOCATION": "rediss://:${pw}@${legHost}:${port}/0"}}\n`,
    URL,
    pw,
  ],
  [
    'Celery broker with query',
    'celery.py',
    `app = Celery("x", broker="rediss://default:${pw}@${legHost}:${port}?ssl_cert_reqs=required")\n`,
    URL,
    pw,
  ],
  [
    'BullMQ connection',
    'q.ts',
    `new Queue('q', { connection: { host: "${legHost}", port: ${port}, password: "${pw}", tls: {} } });\n`,
    URL,
    pw,
  ],
  [
    'Sidekiq',
    'sidekiq.rb',
    `config.redis = { url: "rediss://:${pw}@${legHost}:${port}" }\n`,
    URL,
    pw,
  ],
  [
    'redis-py keywords',
    'a.py',
    `r = redis.Redis(host='${legHost}', port=${port}, password='${pw}', ssl=True)\n`,
    URL,
    pw,
  ],
  [
    'go-redis Options',
    'main.go',
    `rdb := redis.NewClient(&redis.Options{\n  Addr: "${legHost}:${port}",\n  Password: "${pw}",\n})\n`,
    URL,
    pw,
  ],
  [
    'PHP Predis array',
    'config.php',
    `$c = new Predis\\Client(['host' => '${legHost}', 'port' => ${port}, 'password' => '${pw}']);\n`,
    URL,
    pw,
  ],
  [
    'Lettuce RedisClient.create',
    'App.java',
    `RedisClient c = RedisClient.create("rediss://${pw}@${legHost}:${port}");\n`,
    URL,
    pw,
  ],
  [
    'Jedis auth()',
    'App.java',
    `Jedis jedis = new Jedis("${legHost}", ${port}, true);\njedis.auth("${pw}");\n`,
    URL,
    pw,
  ],
  [
    'Lettuce withPassword()',
    'App.java',
    `RedisURI uri = RedisURI.builder().withHost("${legHost}").withPort(${port}).withPassword("${pw}".toCharArray()).build();\n`,
    URL,
    pw,
  ],
  [
    'Jupyter output',
    'nb.ipynb',
    JSON.stringify(
      {
        cells: [
          {
            cell_type: 'code',
            outputs: [{ text: [`rediss://default:${pw}@${legHost}:${port}\n`] }],
          },
        ],
      },
      null,
      1,
    ),
    URL,
    pw,
  ],
  // Management key, Vector, QStash, signing keys, Context7.
  [
    'Terraform provider block',
    'main.tf',
    `provider "upstash" {\n  email   = "dev@example.com"\n  api_key = "${mk}"\n}\n`,
    'upstash-management-key',
    mk,
  ],
  [
    'Pulumi stack config',
    'Pulumi.dev.yaml',
    `config:\n  upstash:email: dev@example.com\n  upstash:apiKey: ${mk}\n`,
    'upstash-management-key',
    mk,
  ],
  [
    'Upstash CLI login',
    'setup.sh',
    `upstash auth login --email dev@example.com --api-key ${mk}\n`,
    'upstash-management-key',
    mk,
  ],
  ['TF_VAR_ in .env', '.env', `TF_VAR_upstash_api_key=${mk}\n`, 'upstash-management-key', mk],
  [
    'Vector token, base64url-converted',
    '.env',
    `UPSTASH_VECTOR_REST_TOKEN=${vec.token.replace(/\+/g, '-').replace(/\//g, '_')}\n`,
    'upstash-vector-token',
    'VECTOR',
  ],
  [
    'Workflow serve() QStash client',
    'route.ts',
    `export const { POST } = serve(async () => {}, { qstashClient: new Client({ token: "${qs}" }) });\n`,
    'upstash-qstash-token',
    qs,
  ],
  [
    'Receiver options',
    'a.ts',
    `const r = new Receiver({ currentSigningKey: "${sig}", nextSigningKey: "${signingKey({ seed: 'wild-next' })}" });\n`,
    'upstash-qstash-signing-key',
    sig,
  ],
  [
    'signing key without a digit, under its name',
    '.env',
    `QSTASH_CURRENT_SIGNING_KEY=${signingKeyWithoutDigit()}\n`,
    'upstash-qstash-signing-key',
    'sig_',
  ],
  [
    'signing key without a digit, in a Receiver',
    'a.ts',
    `new Receiver({ nextSigningKey: "${signingKeyWithoutDigit('receiver')}" })\n`,
    'upstash-qstash-signing-key',
    'sig_',
  ],
  [
    'Context7 MCP config',
    '.cursor/mcp.json',
    JSON.stringify({
      mcpServers: {
        context7: {
          command: 'npx',
          args: ['-y', '@upstash/context7-mcp', '--api-key', context7Key({ seed: 'wild' })],
        },
      },
    }),
    'upstash-context7-api-key',
    'ctx7sk',
  ],
];

describe('credentials as real repositories hold them', () => {
  expectLeaksFound(LEAKS);
});

/** Every documented Redis token layout (credentials reference §2), across the id range. */
describe('every documented Redis token variant is found at high confidence', () => {
  const variants: [string, string][] = [];
  for (const dbId of [1, 9, 99, 999, 9999, 34127, 65535]) {
    variants.push([`current, id ${dbId}, p<d><N>`, redisToken({ dbId, seed: `v${dbId}` })]);
    variants.push([
      `current, id ${dbId}, p10`,
      redisToken({ dbId, suffix: 'p10', seed: `v${dbId}` }),
    ]);
    variants.push([
      `current, id ${dbId}, p2 + id`,
      redisToken({ dbId, suffix: `p2${dbId}`, seed: `w${dbId}` }),
    ]);
    variants.push([
      `current, id ${dbId}, no suffix`,
      redisToken({ dbId, suffix: null, seed: `x${dbId}` }),
    ]);
    variants.push([
      `read-only, id ${dbId}`,
      redisToken({ dbId, readOnly: true, seed: `r${dbId}` }),
    ]);
    variants.push([`legacy, id ${dbId}`, redisToken({ dbId, layout: 'legacy', seed: `l${dbId}` })]);
    variants.push([
      `legacy read-only, id ${dbId}`,
      redisToken({ dbId, layout: 'legacy', readOnly: true, seed: `lr${dbId}` }),
    ]);
  }
  for (const dbId of [65536, 99999, 999999, 1234567, 98765432]) {
    variants.push([
      `64-bit id ${dbId}, suffix`,
      redisToken({ layout: 'current64', dbId, withSuffix: true, seed: `s${dbId}` }),
    ]);
    variants.push([
      `64-bit id ${dbId}, no suffix`,
      redisToken({ layout: 'current64', dbId, seed: `n${dbId}` }),
    ]);
    variants.push([
      `64-bit id ${dbId}, read-only`,
      redisToken({ layout: 'current64', dbId, readOnly: true, seed: `o${dbId}` }),
    ]);
  }
  it.each(variants)('%s', (_label, token) => {
    const findings = scanPlaced({ path: '.env', text: `T=${token}\n`, line: 1 });
    expect(findings.map((f) => [f.type, f.confidence])).toEqual([[TOKEN, 'high']]);
  });
});

/** Layouts filled with placeholders, and lookalikes beside Upstash names: no finding. */
const NOT_LEAKS: WildNotLeak[] = [
  [
    'URL with a zero legacy password',
    '.env',
    `REDIS_URL=rediss://default:${'0'.repeat(32)}@${legHost}:${port}\n`,
  ],
  [
    'URL with a counting legacy password',
    '.env',
    `REDIS_URL=rediss://default:${COUNTING_HEX}@${legHost}:${port}\n`,
  ],
  [
    'redis-cli -a with a zero password',
    'README.md',
    `redis-cli --tls -a ${'0'.repeat(32)} -h ${legHost} -p ${port}\n`,
  ],
  [
    'token layout around zero hex',
    '.env',
    `UPSTASH_REDIS_REST_TOKEN=${redisTokenFromFields({ field1: 'p1', field2: `${'0'.repeat(32)}p134127` })}\n`,
  ],
  [
    'token layout around counting hex',
    '.env',
    `UPSTASH_REDIS_REST_TOKEN=${redisTokenFromFields({ field1: 'p1', field2: `${COUNTING_HEX}p134127` })}\n`,
  ],
  [
    'token layout around x',
    '.env',
    `UPSTASH_REDIS_REST_TOKEN=${redisTokenFromFields({ field1: 'p1', field2: `${'x'.repeat(32)}p134127` })}\n`,
  ],
  [
    'read-only layout around zero bytes',
    '.env',
    `KV_REST_API_READ_ONLY_TOKEN=${redisTokenFromFields({ kind: 0x02, field1: 'p1', field2: Buffer.alloc(32) })}\n`,
  ],
  [
    'legacy layout around a zero password',
    '.env',
    `UPSTASH_REDIS_REST_TOKEN=${redisTokenFromFields({ flag: 1, field1: ZERO_UUID, field2: '0'.repeat(32) })}\n`,
  ],
  [
    'QStash layout around a zero UUID',
    '.env',
    `QSTASH_TOKEN=${qstashTokenFromFields(ZERO_UUID, '0'.repeat(32))}\n`,
  ],
  [
    'QStash layout around counting values',
    '.env',
    `QSTASH_TOKEN=${qstashTokenFromFields(COUNTING_UUID, COUNTING_HEX)}\n`,
  ],
  [
    'QStash layout around a real-looking user and a zero password',
    '.env',
    `QSTASH_TOKEN=${qstashTokenFromFields(managementKey({ seed: 'q-user' }), '0'.repeat(32))}\n`,
  ],
  [
    'Vector layout around a zero UUID',
    '.env',
    `UPSTASH_VECTOR_REST_TOKEN=${vectorTokenFromUuid(ZERO_UUID)}\n`,
  ],
  [
    'Vector layout around a counting UUID',
    '.env',
    `UPSTASH_VECTOR_REST_TOKEN=${vectorTokenFromUuid(COUNTING_UUID)}\n`,
  ],
  ['a signing key of one digit', '.env', `QSTASH_CURRENT_SIGNING_KEY=sig_${'1'.repeat(28)}\n`],
  // Built here: written out, the identifier has a signing key's shape (sig_ + 28 letters).
  [
    'a sig_ identifier',
    'a.ts',
    `const ${['sig', 'computeHmacDigestForWebhooks'].join('_')} = 1;\n`,
  ],
  [
    'a database id beside the URL',
    '.env',
    `UPSTASH_REDIS_REST_URL=https://${host}\nUPSTASH_REDIS_DATABASE_ID=${mk}\n`,
  ],
  ['a team id beside the email', '.env', `UPSTASH_EMAIL=dev@example.com\nUPSTASH_TEAM_ID=${mk}\n`],
  [
    'a QStash message id',
    'log.txt',
    `{"messageId":"msg_${mk}","url":"https://qstash.upstash.io"}\n`,
  ],
  [
    'a checksum beside the URL',
    'a.txt',
    `UPSTASH_REDIS_REST_URL=https://${host}\nchecksum: ${hex32Secret({ seed: 'sum' })}\n`,
  ],
  [
    'a password on localhost',
    '.env',
    `REDIS_URL=redis://default:${hex32Secret({ seed: 'local' })}@localhost:6379\n`,
  ],
  [
    'Actions secrets beside the URL',
    '.github/workflows/ci.yml',
    `env:\n  UPSTASH_REDIS_REST_TOKEN: \${{ secrets.UPSTASH_REDIS_REST_TOKEN }}\n  UPSTASH_REDIS_REST_URL: https://${host}\n`,
  ],
  [
    'a setter password for another server, the Upstash URL elsewhere in the file',
    'App.java',
    `Jedis jedis = new Jedis("redis.internal", 6379);\njedis.auth("${hex32Secret({ seed: 'other' })}");\n${'\n'.repeat(8)}String url = "https://${host}";\n`,
  ],
];

describe('placeholders in a valid layout and lookalikes are not leaks', () => {
  expectNoFindings(NOT_LEAKS);
});
