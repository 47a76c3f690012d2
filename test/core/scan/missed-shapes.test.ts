/**
 * Shapes read from public code that the engine used to miss (wild-shapes.test.ts listed them until
 * they were found). Each leak is found with its type on its line; near misses written the same way
 * (placeholders, references, other servers, values that do not validate) are not. Every value is
 * built at run time: a literal of these shapes in a tracked file is what this repository scans for.
 */
import type { CredentialType } from '../../../src/core/index.js';
import { scanText } from '../../../src/core/scan/scan-text.js';
import {
  cutInQuotes,
  expectLeaksFound,
  expectNoFindings,
  type WildLeak,
  type WildNotLeak,
} from '../../helpers/wild-cases.js';
import {
  hex32Secret,
  managementKey,
  qstashToken,
  redisHost,
  redisToken,
  redisTokenParts,
  unknownFormatSecret,
  vectorTokenParts,
  ZERO_UUID,
} from '../../helpers/synthetic.js';

const URL: CredentialType = 'upstash-redis-url';
const TOKEN: CredentialType = 'upstash-redis-token';
const MGMT: CredentialType = 'upstash-management-key';

const mk = managementKey({ seed: 'ms-mk' });
const otherId = managementKey({ seed: 'ms-other-id' });
const leg = redisTokenParts({ layout: 'legacy', seed: 'ms-legacy' });
const legHost = redisHost(leg.dbId, { legacyRegion: 'eu1', seed: 'ms-legacy' });
const pw = leg.password!;
const cur = redisTokenParts({ seed: 'ms-current' });
const curHost = redisHost(cur.dbId, { seed: 'ms-current' });
const wide = redisToken({ layout: 'current64', seed: 'ms-wide' });
const vec = vectorTokenParts({ seed: 'ms-vector' }).token;
const qs = qstashToken({ seed: 'ms-qstash' });
const flyPw = hex32Secret({ seed: 'ms-fly' });
const flyHost = 'fly-lion-reader-redis.upstash.io';
/** A 32-hex value that is no password: an md5 of a file, a cache key. */
const md5 = hex32Secret({ seed: 'ms-md5' });

const cut = cutInQuotes;
const json = (v: unknown): string => JSON.stringify(v, null, 2) + '\n';

/** `terraform output -json`: outputs by name, each {sensitive, type, value}, names sorted. */
const tfOutput = (outputs: Record<string, string | number>): string =>
  json(
    Object.fromEntries(
      Object.entries(outputs).map(([name, value]) => [
        name,
        {
          sensitive: /password|token/.test(name),
          type: typeof value === 'number' ? 'number' : 'string',
          value,
        },
      ]),
    ),
  );

// 1. Management keys in Pulumi programs and configs.
const PULUMI_LEAKS: WildLeak[] = [
  [
    'Pulumi Go provider, one field a line',
    'main.go',
    `provider, err := upstash.NewProvider(ctx, "upstash", &upstash.ProviderArgs{\n\tEmail:  pulumi.String("dev@example.com"),\n\tApiKey: pulumi.String("${mk}"),\n})\n`,
    MGMT,
    mk,
  ],
  [
    'Pulumi Go provider, one line',
    'main.go',
    `\t\tp, err := upstash.NewProvider(ctx, "p", &upstash.ProviderArgs{Email: pulumi.String("x@y.com"), ApiKey: pulumi.String("${mk}")})\n`,
    MGMT,
    mk,
  ],
  [
    'Pulumi Go provider, the key marked secret',
    'main.go',
    `_, err = upstash.NewProvider(ctx, "upstash", &upstash.ProviderArgs{\n\tEmail:  pulumi.String("dev@example.com"),\n\tApiKey: pulumi.ToSecret(pulumi.String("${mk}")).(pulumi.StringOutput),\n})\n`,
    MGMT,
    mk,
  ],
  [
    'Pulumi TS provider, pulumi.secret()',
    'index.ts',
    `const provider = new upstash.Provider("upstash", {\n  email: "dev@example.com",\n  apiKey: pulumi.secret("${mk}"),\n});\n`,
    MGMT,
    mk,
  ],
  [
    'Pulumi Python provider, Output.secret()',
    '__main__.py',
    `provider = upstash.Provider(\n    "upstash",\n    email="dev@example.com",\n    api_key=pulumi.Output.secret("${mk}"),\n)\n`,
    MGMT,
    mk,
  ],
  [
    'Pulumi C# provider, Output.CreateSecret()',
    'Program.cs',
    `var provider = new Upstash.Provider("upstash", new Upstash.ProviderArgs\n{\n    Email = "dev@example.com",\n    ApiKey = Output.CreateSecret("${mk}"),\n});\n`,
    MGMT,
    mk,
  ],
  [
    'Pulumi.<stack>.yaml in plain text',
    'Pulumi.dev.yaml',
    `config:\n  upstash:email: dev@example.com\n  upstash:apiKey: ${mk}\n`,
    MGMT,
    mk,
  ],
  [
    'pulumi config set without --secret',
    'setup.sh',
    `pulumi config set upstash:email dev@example.com\npulumi config set upstash:apiKey ${mk}\n`,
    MGMT,
    mk,
  ],
];
const PULUMI_NOT_LEAKS: WildNotLeak[] = [
  [
    'Go: the key read from the stack config',
    'main.go',
    `cfg := config.New(ctx, "upstash")\nprovider, err := upstash.NewProvider(ctx, "upstash", &upstash.ProviderArgs{\n\tEmail:  pulumi.String(cfg.Require("email")),\n\tApiKey: cfg.RequireSecret("apiKey"),\n})\n`,
  ],
  [
    'Go: the key read from the environment',
    'main.go',
    `upstash.NewProvider(ctx, "p", &upstash.ProviderArgs{Email: pulumi.String(os.Getenv("UPSTASH_EMAIL")), ApiKey: pulumi.String(os.Getenv("UPSTASH_API_KEY"))})\n`,
  ],
  [
    'Go: placeholders',
    'main.go',
    `upstash.NewProvider(ctx, "p", &upstash.ProviderArgs{\n\tEmail:  pulumi.String("<your-email>"),\n\tApiKey: pulumi.String("<your-api-key>"),\n})\nupstash.NewProvider(ctx, "q", &upstash.ProviderArgs{ApiKey: pulumi.String("${ZERO_UUID}")})\n`,
  ],
  [
    "Go: another provider's key after the Upstash provider",
    'main.go',
    `_, err := upstash.NewProvider(ctx, "upstash", &upstash.ProviderArgs{Email: pulumi.String("dev@example.com")})\n_, err = datadog.NewProvider(ctx, "dd", &datadog.ProviderArgs{\n\tApiKey: pulumi.String("${otherId}"),\n})\n`,
  ],
  [
    'Go: a database id',
    'main.go',
    `db, err := upstash.LookupRedisDatabase(ctx, &upstash.LookupRedisDatabaseArgs{\n\tDatabaseId: "${otherId}",\n})\n`,
  ],
  [
    'Pulumi.<stack>.yaml: an encrypted secret',
    'Pulumi.dev.yaml',
    // The ciphertext is joined at run time: no tracked file holds a secret-shaped run.
    `config:\n  upstash:email: dev@example.com\n  upstash:apiKey:\n    secure: v1:q3Nz8kVb1mE2cW9x:${['Hq7sK2mNp4rT8vX1zB5dF9gJ3lP6sW0y', 'C4eG8iK2mO6qS0uW4yA8cE2gI6kM0o'].join('')}\n`,
  ],
  [
    'a pulumi.String UUID outside any Upstash block',
    'main.go',
    `_, err = sentry.NewKey(ctx, "k", &sentry.KeyArgs{\n\tApiKey: pulumi.String("${otherId}"),\n})\n`,
  ],
];

describe('Pulumi: management keys wrapped in an input constructor', () => {
  expectLeaksFound(PULUMI_LEAKS);
  expectNoFindings(PULUMI_NOT_LEAKS);
});

// 2. Terraform outputs and state.
const TF_LEAKS: WildLeak[] = [
  [
    'terraform output -json, legacy password',
    'outputs.json',
    tfOutput({ redis_endpoint: legHost, redis_password: pw, redis_port: leg.dbId }),
    URL,
    pw,
  ],
  [
    'terraform output -json | jq -c (one line)',
    'tf-output.json',
    JSON.stringify({
      upstash_redis_endpoint: { sensitive: false, type: 'string', value: legHost },
      upstash_redis_password: { sensitive: true, type: 'string', value: pw },
    }) + '\n',
    URL,
    pw,
  ],
  [
    'terraform output -json, other outputs between the host and the password',
    'outputs.json',
    tfOutput({
      cache_endpoint: legHost,
      cache_name: 'sessions',
      cache_password: pw,
      cache_port: leg.dbId,
      web_url: 'https://app.example.com',
    }),
    URL,
    pw,
  ],
  [
    'terraform output -json, current database (the password is the token)',
    'outputs.json',
    tfOutput({ redis_endpoint: curHost, redis_password: cur.token }),
    TOKEN,
    cur.token,
  ],
  [
    'Terraform state outputs',
    'terraform.tfstate',
    json({
      version: 4,
      outputs: {
        redis_endpoint: { value: legHost, type: 'string' },
        redis_password: { value: pw, type: 'string', sensitive: true },
      },
      resources: [],
    }),
    URL,
    pw,
  ],
  [
    'Terraform state attributes, every attribute of the resource',
    'terraform.tfstate',
    json({
      version: 4,
      resources: [
        {
          mode: 'managed',
          type: 'upstash_redis_database',
          name: 'redis',
          provider: 'provider["registry.terraform.io/upstash/upstash"]',
          instances: [
            {
              schema_version: 0,
              attributes: {
                auto_scale: false,
                consistent: false,
                database_id: otherId,
                database_name: 'cache',
                db_disk_threshold: 107374182400,
                db_max_clients: 1000,
                db_max_commands_per_second: 1000,
                db_max_entry_size: 104857600,
                db_max_request_size: 104857600,
                db_memory_threshold: 268435456,
                endpoint: legHost,
                eviction: false,
                id: otherId,
                ip_allowlist: [],
                multizone: false,
                password: pw,
                port: leg.dbId,
                read_only_rest_token: '',
                region: 'eu-west-1',
                since: 0,
                state: 'active',
                tls: true,
                user_email: 'dev@example.com',
              },
              sensitive_attributes: [],
            },
          ],
        },
      ],
    }),
    URL,
    pw,
  ],
];
const TF_NOT_LEAKS: WildNotLeak[] = [
  [
    'terraform output -json: a placeholder password',
    'outputs.json',
    tfOutput({ redis_endpoint: legHost, redis_password: '<your-password>' }),
  ],
  [
    "terraform output -json: another database's password",
    'outputs.json',
    tfOutput({ db_host: 'db.example.com', db_password: md5, redis_endpoint: legHost }),
  ],
  [
    'terraform output -json: a Redis password of a server that is not Upstash',
    'outputs.json',
    tfOutput({ redis_host: 'redis.internal', redis_password: md5, upstash_endpoint: legHost }),
  ],
  [
    'terraform output -json: a hash beside an Upstash endpoint',
    'outputs.json',
    tfOutput({ bundle_md5: md5, redis_endpoint: legHost }),
  ],
  [
    'terraform output -json: two databases, one password',
    'outputs.json',
    tfOutput({
      a_endpoint: legHost,
      b_endpoint: redisHost(leg.dbId + 1, { seed: 'ms-b' }),
      redis_password: md5,
    }),
  ],
  [
    "Terraform state: another resource's password, an Upstash database above",
    'terraform.tfstate',
    json({
      version: 4,
      resources: [
        {
          type: 'upstash_redis_database',
          instances: [{ attributes: { endpoint: legHost, port: leg.dbId, tls: true } }],
        },
        {
          type: 'aws_db_instance',
          instances: [
            {
              attributes: {
                address: 'db.example.com',
                allocated_storage: 20,
                engine: 'postgres',
                id: 'db-1',
                identifier: 'app',
                password: md5,
                port: 5432,
              },
            },
          ],
        },
      ],
    }),
  ],
  [
    'terraform output -json: no Upstash host at all',
    'outputs.json',
    tfOutput({ redis_password: md5, redis_port: 6379 }),
  ],
];

describe('Terraform: passwords in `terraform output -json` and state', () => {
  expectLeaksFound(TF_LEAKS);
  expectNoFindings(TF_NOT_LEAKS);
});

// 3. Fly.io databases: the password apart from its host.
const FLY_LEAKS: WildLeak[] = [
  [
    '.env, host then password',
    '.env',
    `REDIS_HOST=${flyHost}\nREDIS_PORT=6379\nREDIS_PASSWORD=${flyPw}\n`,
    URL,
    flyPw,
  ],
  [
    '.env, password then host',
    '.env',
    `REDIS_PASSWORD=${flyPw}\nREDIS_HOST=${flyHost}\n`,
    URL,
    flyPw,
  ],
  [
    'redis-py keywords',
    'app.py',
    `r = redis.Redis(\n    host="${flyHost}",\n    port=6379,\n    password="${flyPw}",\n)\n`,
    URL,
    flyPw,
  ],
  [
    'docker-compose environment',
    'docker-compose.yml',
    `services:\n  web:\n    environment:\n      - REDIS_HOST=${flyHost}\n      - REDIS_PASSWORD=${flyPw}\n`,
    URL,
    flyPw,
  ],
  [
    'a password of no known layout (low confidence)',
    '.env',
    `REDIS_HOST=${flyHost}\nREDIS_PASSWORD=${unknownFormatSecret({ seed: 'ms-fly-unknown' })}\n`,
    URL,
    'REDIS_PASSWORD',
  ],
  [
    'fly secrets set, one line',
    'DEPLOY.md',
    `fly secrets set REDIS_HOST=${flyHost} REDIS_PASSWORD=${flyPw}\n`,
    URL,
    flyPw,
  ],
];
const FLY_NOT_LEAKS: WildNotLeak[] = [
  ['a placeholder', '.env', `REDIS_HOST=${flyHost}\nREDIS_PASSWORD=<your-password>\n`],
  ['xxxx', '.env', `REDIS_HOST=${flyHost}\nREDIS_PASSWORD=${'x'.repeat(32)}\n`],
  ['a reference', '.env', `REDIS_HOST=${flyHost}\nREDIS_PASSWORD=\${REDIS_PASSWORD}\n`],
  ["another service's password", '.env', `REDIS_HOST=${flyHost}\nPOSTGRES_PASSWORD=${md5}\n`],
  [
    'another Redis server named beside it',
    '.env',
    `# prod: ${flyHost}\nREDIS_HOST=localhost\nREDIS_PASSWORD=${md5}\n`,
  ],
  [
    'a Fly app host, not an Upstash one',
    '.env',
    `REDIS_HOST=fly-my-app.internal\nREDIS_PASSWORD=${md5}\n`,
  ],
  [
    'the Fly host far from the password',
    '.env',
    `REDIS_HOST=${flyHost}\n${'X=1\n'.repeat(10)}REDIS_PASSWORD=${md5}\n`,
  ],
  [
    'two Fly databases beside the password',
    '.env',
    `CACHE_HOST=${flyHost}\nQUEUE_HOST=fly-queue-redis.upstash.io\nREDIS_PASSWORD=${md5}\n`,
  ],
  ['a hash beside the Fly host', 'cache.py', `REDIS_HOST = "${flyHost}"\nASSET_MD5 = "${md5}"\n`],
];

describe('Fly.io databases: the password written apart from its host', () => {
  expectLeaksFound(FLY_LEAKS);
  expectNoFindings(FLY_NOT_LEAKS);

  it('is one credential with the URL form', () => {
    const text = `REDIS_HOST=${flyHost}\nREDIS_PASSWORD=${flyPw}\nREDIS_URL=redis://default:${flyPw}@${flyHost}:6379\n`;
    const hits = scanText({ path: '.env', text }).filter((h) => !h.candidate.pairingPartOnly);
    expect(hits).toHaveLength(2);
    expect(new Set(hits.map((h) => h.candidate.identity)).size).toBe(1);
    expect(hits[0]!.candidate).toMatchObject({
      type: URL,
      secret: flyPw,
      confidence: 'medium',
      endpoint: `https://${flyHost}`,
    });
  });
});

// 4. A legacy password as a call's first argument, or as "<pw>".toCharArray().
const FIRST_ARG_LEAKS: WildLeak[] = [
  [
    'a Go helper, password first',
    'main.go',
    `client := newRedisClient("${pw}", "${legHost}:${leg.dbId}")\n`,
    URL,
    pw,
  ],
  [
    'a Python helper, password first',
    'cache.py',
    `pool = make_redis_pool("${pw}", "${legHost}", ${leg.dbId}, ssl=True)\n`,
    URL,
    pw,
  ],
  [
    'Lettuce builder withPassword(toCharArray())',
    'Cache.java',
    `RedisURI uri = RedisURI.builder()\n    .withHost("${legHost}")\n    .withPort(${leg.dbId})\n    .withSsl(true)\n    .withPassword("${pw}".toCharArray())\n    .build();\n`,
    URL,
    pw,
  ],
  [
    'Lettuce withAuthentication(user, toCharArray())',
    'Cache.java',
    `RedisURI uri = RedisURI.Builder.redis("${legHost}", ${leg.dbId})\n    .withAuthentication("default", "${pw}".toCharArray())\n    .build();\n`,
    URL,
    pw,
  ],
  [
    'Lettuce setPassword(toCharArray())',
    'Cache.kt',
    `val uri = RedisURI.create("rediss://${legHost}:${leg.dbId}")\nuri.setPassword("${pw}".toCharArray())\n`,
    URL,
    pw,
  ],
  [
    'a positional toCharArray() beside the host',
    'Cache.java',
    `RedisURI uri = newUri("${legHost}", ${leg.dbId}, "${pw}".toCharArray());\n`,
    URL,
    pw,
  ],
];
const FIRST_ARG_NOT_LEAKS: WildNotLeak[] = [
  [
    'a hash as the only argument, an Upstash host nearby',
    'cache.js',
    `const redis = new Redis("rediss://${legHost}:${leg.dbId}");\nawait redisGet("${md5}");\n`,
  ],
  [
    'a hash first, then a URL of the database (a map entry)',
    'cache.js',
    `urls.put("${md5}", "https://${legHost}");\n`,
  ],
  [
    'a password first, beside another server',
    'main.go',
    `// prod: ${legHost}\nclient := newRedisClient("${md5}", "redis.internal:6379")\n`,
  ],
  [
    'a password first, beside two databases',
    'main.go',
    `client := newRedisClient("${md5}", "${legHost}:${leg.dbId}", "${redisHost(leg.dbId + 1, { seed: 'ms-b' })}:6379")\n`,
  ],
  [
    'toCharArray() of a placeholder',
    'Cache.java',
    `RedisURI uri = RedisURI.builder().withHost("${legHost}").withPassword("<your-password>".toCharArray()).build();\n`,
  ],
  [
    'toCharArray() beside localhost',
    'Cache.java',
    `// prod: ${legHost}\nRedisURI uri = RedisURI.builder().withHost("localhost").withPassword("${md5}".toCharArray()).build();\n`,
  ],
  [
    'toCharArray() of a hash in another call',
    'Cache.java',
    `RedisURI uri = RedisURI.create("rediss://${legHost}:${leg.dbId}");\ndigest.update("${md5}".toCharArray());\n`,
  ],
];

describe('a legacy password as the first argument or as toCharArray()', () => {
  expectLeaksFound(FIRST_ARG_LEAKS);
  expectNoFindings(FIRST_ARG_NOT_LEAKS);
});

// 5. Tokens cut over a string concatenation.
const CONCAT_LEAKS: WildLeak[] = [
  [
    'JS, two pieces on one line',
    'a.js',
    `const token = ${cut(cur.token, [30], ' + ')};\n`,
    TOKEN,
    'const token',
  ],
  [
    'TS, + at the end of the line (a formatter wraps there)',
    'a.ts',
    `const token =\n  ${cut(cur.token, [30], ' +\n  ')};\n`,
    TOKEN,
    cur.token.slice(0, 30),
  ],
  [
    'JS, three pieces, single quotes, no spaces',
    'a.js',
    `const redis = new Redis({ url: "https://${curHost}", token: ${cut(wide, [20, 45], '+', "'")} });\n`,
    TOKEN,
    'token:',
  ],
  [
    'Python, parenthesised',
    'app.py',
    `UPSTASH_REDIS_REST_TOKEN = (\n    ${cut(leg.token, [50], ' +\n    ')}\n)\n`,
    TOKEN,
    leg.token.slice(0, 50),
  ],
  [
    'Go, + at the end of the line',
    'main.go',
    `const token = ${cut(cur.token, [31], ' +\n\t')}\n`,
    TOKEN,
    cur.token.slice(0, 31),
  ],
  [
    'Java, + at the start of the next line',
    'App.java',
    `String token = ${cut(cur.token, [25], '\n        + ')};\n`,
    TOKEN,
    cur.token.slice(0, 25),
  ],
  [
    'a Vector token',
    'a.ts',
    `const index = new Index({ url: "https://x", token: ${cut(vec, [40, 80], ' + ')} });\n`,
    'upstash-vector-token',
    'token:',
  ],
  [
    'a QStash token',
    'a.ts',
    `const c = new Client({ token: ${cut(qs, [64], ' + ')} });\n`,
    'upstash-qstash-token',
    'token:',
  ],
];
const CONCAT_NOT_LEAKS: WildNotLeak[] = [
  [
    'a cut token whose middle is missing',
    'a.js',
    `const token = "${cur.token.slice(0, 20)}" + "${cur.token.slice(40)}";\n`,
  ],
  [
    'a piece of a token joined to a variable',
    'a.js',
    `const token = "${cur.token.slice(0, 30)}" + rest;\n`,
  ],
  [
    'the pieces of a token joined to one more',
    'a.js',
    `const token = ${cut(cur.token, [30], ' + ')} + "x9";\n`,
  ],
  [
    'the pieces of a token in the wrong order',
    'a.js',
    `const token = "${cur.token.slice(30)}" + "${cur.token.slice(0, 30)}";\n`,
  ],
  [
    'a piece of a token written twice',
    'a.js',
    `const token = ${cut(cur.token, [20, 40], ' + ')} + "${cur.token.slice(20, 40)}";\n`,
  ],
  [
    'a placeholder cut in two',
    'a.js',
    `const token = "AX" + "${'x'.repeat(60)}";\nconst t2 = "AYQg" + "${'X'.repeat(58)}";\n`,
  ],
  [
    'an env reference joined',
    'a.js',
    'const auth = "Bearer " + process.env.UPSTASH_REDIS_REST_TOKEN;\nconst url = "https://" + process.env.UPSTASH_REDIS_HOST + ":6379";\n',
  ],
  ['a token piece and a redaction', 'a.js', `const token = "${cur.token.slice(0, 12)}" + "...";\n`],
  [
    'unrelated base64 concatenated',
    'a.js',
    `const img = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg" +\n  "AElFTkSuQmCC";\n`,
  ],
];

describe('tokens cut over a string concatenation', () => {
  expectLeaksFound(CONCAT_LEAKS);
  expectNoFindings(CONCAT_NOT_LEAKS);

  it('reports the joined token, one credential with the token written whole', () => {
    const text = `const a = ${cut(cur.token, [30], ' +\n  ')};\nUPSTASH_REDIS_REST_TOKEN=${cur.token}\n`;
    const hits = scanText({ path: 'a.js', text }).filter((h) => !h.candidate.pairingPartOnly);
    expect(hits.map((h) => h.candidate.secret)).toEqual([cur.token, cur.token]);
    expect(new Set(hits.map((h) => h.candidate.identity)).size).toBe(1);
  });
});

const PY_IMPLICIT_LEAKS: WildLeak[] = [
  [
    'Python, literals side by side in parentheses (black wraps a long string so)',
    'settings.py',
    `UPSTASH_REDIS_REST_TOKEN = (\n    ${cut(cur.token, [30], '\n    ')}\n)\n`,
    TOKEN,
    cur.token.slice(0, 30),
  ],
  [
    'Python, three pieces on one line',
    'app.py',
    `redis = Redis(url="https://${curHost}", token=${cut(wide, [20, 45], ' ')})\n`,
    TOKEN,
    'token=',
  ],
  [
    'Python, a backslash continuation',
    'app.py',
    `TOKEN = ${cut(cur.token, [25], ' \\\n    ')}\n`,
    TOKEN,
    cur.token.slice(0, 25),
  ],
];
const PY_IMPLICIT_NOT_LEAKS: WildNotLeak[] = [
  [
    'Python, two pieces of a token as separate list items',
    'app.py',
    `parts = [\n    "${cur.token.slice(0, 30)}",\n    "${cur.token.slice(30)}",\n]\n`,
  ],
  [
    'Python, pieces in the wrong order side by side',
    'app.py',
    `TOKEN = ("${cur.token.slice(30)}"\n    "${cur.token.slice(0, 30)}")\n`,
  ],
  [
    'JS, literals side by side are not a join there (a syntax error)',
    'a.js',
    `const token = [\n  "${cur.token.slice(0, 30)}"\n  "${cur.token.slice(30)}"];\n`,
  ],
];

describe('Python: string literals side by side', () => {
  expectLeaksFound(PY_IMPLICIT_LEAKS);
  expectNoFindings(PY_IMPLICIT_NOT_LEAKS);
});
