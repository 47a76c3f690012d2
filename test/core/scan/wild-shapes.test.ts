/**
 * More shapes read from public repositories (wild-matrix.test.ts has the first set): each excerpt's
 * syntax kept as written, every value replaced by a synthetic one built at run time. Leaks must be
 * found with their type on their line; placeholders, references, test fixtures and lookalikes
 * written the same way must not be. Scanned through the content entry point and collectFindings,
 * as tree and history scans do.
 *
 * The shapes this file once listed as missed (a management key in Pulumi Go, a password in
 * `terraform output -json`, a token cut over a string concatenation, a Fly database's password
 * apart from its host) are found now: test/core/scan/missed-shapes.test.ts.
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
  boxApiKey,
  hex32Secret,
  kafkaCredentials,
  managementKey,
  qstashToken,
  redisHost,
  redisToken,
  redisTokenParts,
  type RedisTokenOptions,
  type RedisTokenParts,
  signingKey,
  vectorEndpoint,
  vectorTokenParts,
} from '../../helpers/synthetic.js';

const URL: CredentialType = 'upstash-redis-url';
const TOKEN: CredentialType = 'upstash-redis-token';
const MGMT: CredentialType = 'upstash-management-key';
const BOX: CredentialType = 'upstash-box-api-key';

// Redis tokens of each layout (current, 64-bit id, read-only, legacy) and their hosts.
const parts = (o: RedisTokenOptions, n: number): RedisTokenParts =>
  redisTokenParts({ ...o, seed: `ws-redis-${n}` });
const hostOf = (t: RedisTokenParts, n: number): string =>
  redisHost(t.dbId, { seed: `ws-host-${n}` });
const cur = parts({}, 0),
  wide = parts({ layout: 'current64' }, 1),
  ro = parts({ readOnly: true }, 2),
  leg = parts({ layout: 'legacy' }, 3);
const host = hostOf(cur, 0),
  wideHost = hostOf(wide, 1),
  roHost = hostOf(ro, 2),
  legHost = redisHost(leg.dbId, { legacyRegion: 'usw1', seed: 'ws-legacy-host' });
const pw = leg.password!;
const port = leg.dbId;
// One of each other credential; the signing keys current, next and legacy.
const vec = vectorTokenParts({ seed: 'ws-vector' });
const qs = qstashToken({ seed: 'ws-qstash' });
const sig = signingKey({ seed: 'ws-sig-0' }),
  sig2 = signingKey({ seed: 'ws-sig-1' }),
  legacySig = signingKey({ legacy: true, seed: 'ws-sig-2' });
const mk = managementKey({ seed: 'ws-mk' });
const kafka = kafkaCredentials({ seed: 'ws-kafka' });
const abx = boxApiKey({ prefix: 'abx_', seed: 'ws-box' });
const flyPw = hex32Secret({ seed: 'ws-fly' });
const unpad = (t: string): string => t.replace(/=+$/, '');

/** [label, path, text, expected type, needle]: found, of that type, on the line holding `needle`. */
const LEAKS: WildLeak[] = [
  // Redis REST tokens and URLs, by layout, in client code and configs.
  [
    'python-decouple config() default URL',
    'settings.py',
    `REDIS_URL = config('REDIS_URL', default='rediss://default:${cur.token}@${host}:6379')\n`,
    TOKEN,
    'REDIS_URL =',
  ],
  [
    'node-redis createClient url',
    'redis.js',
    `const client = createClient({\n\turl: 'rediss://default:${cur.token}@${host}:6379',\n})\n`,
    TOKEN,
    'url:',
  ],
  [
    'ioredis URL on the line after the call',
    'client.ts',
    `const client = new Redis(\n  'rediss://default:${cur.token}@${host}:6379'\n)\n`,
    TOKEN,
    'rediss',
  ],
  [
    'Celery test constant, 64-bit id URL',
    'test_celery.py',
    `UPSTASH_REDIS_URL = "rediss://default:${wide.token}@${wideHost}:6379"\n\ntest_app = Celery("x", broker=UPSTASH_REDIS_URL)\n`,
    TOKEN,
    'UPSTASH_REDIS_URL =',
  ],
  [
    'next.config env, legacy token',
    'next.config.mjs',
    `const nextConfig = {\n    reactStrictMode: false,\n    env: {\n        UPSTASH_REDIS_REST_URL: "https://${legHost}",\n        UPSTASH_REDIS_REST_TOKEN: "${leg.token}"\n    }\n};\n`,
    TOKEN,
    leg.token,
  ],
  [
    'a script config object',
    'config.js',
    `const CONFIG = {\n    maxSessions: 5,\n    UPSTASH_REDIS_REST_URL: "https://${host}",\n    UPSTASH_REDIS_REST_TOKEN: "${cur.token}"\n};\n`,
    TOKEN,
    cur.token,
  ],
  [
    'token on the line after its key',
    'route.ts',
    `const redis = new Redis({\n  url: "https://${legHost}",\n  token:\n    "${leg.token}",\n});\n`,
    TOKEN,
    leg.token,
  ],
  [
    'env ?? fallback over two lines',
    'kv.ts',
    `const URL = process.env.USERS_REST_API_URL ?? "https://${legHost}";\nconst TOKEN =\n  process.env.USERS_REST_API_TOKEN ??\n  "${leg.token}";\n`,
    TOKEN,
    leg.token,
  ],
  [
    'camelCase kvRestApiToken',
    'config.ts',
    `export default <Config> {\n  kvRestApiUrl: 'https://${legHost}',\n  kvRestApiToken: '${leg.token}',\n}\n`,
    TOKEN,
    leg.token,
  ],
  [
    'default_ro URL in a Streamlit session',
    'app.py',
    `if "redis2" not in st.session_state:\n    st.session_state["redis2"] = redis.Redis.from_url(\n        "rediss://default_ro:${ro.token}@${roHost}:6379",\n        decode_responses=False,retry_on_timeout=True)\n`,
    TOKEN,
    ro.token,
  ],
  [
    'console snippet: redis-py keywords',
    'connect.py',
    `import redis\n\nr = redis.Redis(\n  host='${host}',\n  port=6379,\n  password='${cur.token}',\n  ssl=True\n)\n`,
    TOKEN,
    cur.token,
  ],
  [
    'console snippet: redis-cli -u',
    'README.md',
    `redis-cli --tls -u redis://default:${cur.token}@${host}:6379\n`,
    TOKEN,
    cur.token,
  ],
  [
    'console snippet: go-redis ParseURL',
    'main.go',
    `opt, _ := redis.ParseURL("rediss://default:${cur.token}@${host}:6379")\nclient := redis.NewClient(opt)\n`,
    TOKEN,
    cur.token,
  ],
  [
    'console snippet: JedisPool URL',
    'Main.java',
    `JedisPool pool = new JedisPool("rediss://default:${cur.token}@${host}:6379");\n`,
    TOKEN,
    cur.token,
  ],
  [
    'legacy token without its padding, in JSON',
    'config.json',
    `{"redis":{"url":"https://x","token":"${unpad(leg.token)}"}}\n`,
    TOKEN,
    'token',
  ],
  [
    'XML attribute with = as an entity',
    'web.config',
    `<add key="UPSTASH_REDIS_REST_TOKEN" value="${leg.token.replace(/=/g, '&#x3D;')}" />\n`,
    TOKEN,
    'UPSTASH',
  ],
  [
    'markdown table cell',
    'README.md',
    `| name | value |\n|---|---|\n| UPSTASH_REDIS_REST_TOKEN | \`${cur.token}\` |\n`,
    TOKEN,
    cur.token,
  ],
  ['YAML !!str tag', 'values.yaml', `upstash:\n  token: !!str ${cur.token}\n`, TOKEN, cur.token],
  [
    'fish set -gx',
    'config.fish',
    `set -gx UPSTASH_REDIS_REST_TOKEN ${cur.token}\n`,
    TOKEN,
    cur.token,
  ],
  [
    'Swift constant',
    'Config.swift',
    `static let upstashToken = "${cur.token}"\n`,
    TOKEN,
    cur.token,
  ],
  [
    'Gradle buildConfigField',
    'build.gradle.kts',
    `buildConfigField("String", "UPSTASH_TOKEN", "\\"${cur.token}\\"")\n`,
    TOKEN,
    cur.token,
  ],
  ['Dart const', 'lib/env.dart', `const upstashToken = '${cur.token}';\n`, TOKEN, cur.token],
  [
    'Android strings.xml',
    'res/values/strings.xml',
    `<string name="upstash_token">${cur.token}</string>\n`,
    TOKEN,
    cur.token,
  ],
  [
    'Info.plist',
    'Info.plist',
    `<key>UpstashToken</key>\n<string>${leg.token}</string>\n`,
    TOKEN,
    leg.token,
  ],
  // Legacy 32-hex TCP passwords, found with their host.
  [
    'ioredis URL, legacy port',
    'db.js',
    `const Redis = require("ioredis");\n\nconst redisclient = new Redis(\n  "rediss://default:${pw}@${legHost}:${port}"\n);\n`,
    URL,
    pw,
  ],
  [
    'go-redis ParseURL, legacy',
    'storage.go',
    `func connectToRedis() {\n\topt, _ := redis.ParseURL("rediss://default:${pw}@${legHost}:${port}")\n\trclient = redis.NewClient(opt)\n}\n`,
    URL,
    pw,
  ],
  [
    'Bull queue constant URL without a user',
    'server.ts',
    `const REDIS_URL = 'redis://:${pw}@${legHost}:${port}';\nconst redis = new Redis(REDIS_URL);\n`,
    URL,
    pw,
  ],
  [
    'Python constants above redis.Redis(host=HOST, …)',
    'cache.py',
    `HOST = "${legHost}"\nPORT = ${port}\nPASSWORD = "${pw}"\n\nr = redis.Redis(host=HOST, port=PORT, password=PASSWORD, ssl=True)\n`,
    URL,
    'PASSWORD =',
  ],
  [
    'TS options with the host from process.env',
    'queue.ts',
    `const UPSTASH_HOST = "${legHost}";\nconst password = "${pw}";\nconst connection = {\n  host: process.env.REDIS_HOST as string,\n  port: ${port},\n};\n`,
    URL,
    pw,
  ],
  [
    'Laravel env() defaults',
    'config/database.php',
    `'redis' => [\n    'default' => [\n        'host' => env('REDIS_HOST', '${legHost}'),\n        'password' => env('REDIS_PASSWORD', '${pw}'),\n        'port' => env('REDIS_PORT', '${port}'),\n    ],\n],\n`,
    URL,
    pw,
  ],
  [
    'node-redis v3 createClient(port, host, options)',
    'app.js',
    `const client = redis.createClient(${port}, '${legHost}', { password: '${pw}', tls: { servername: '${legHost}' } });\n`,
    URL,
    pw,
  ],
  [
    'Elixir Redix child spec',
    'lib/app/application.ex',
    `{Redix, host: "${legHost}", port: ${port}, password: "${pw}", ssl: true, name: :redix}\n`,
    URL,
    pw,
  ],
  [
    'Ruby Redis.new',
    'config/initializers/redis.rb',
    `$redis = Redis.new(host: "${legHost}", port: ${port}, password: "${pw}", ssl: true)\n`,
    URL,
    pw,
  ],
  [
    '.NET ConfigurationOptions initializer',
    'Startup.cs',
    `var options = new ConfigurationOptions\n{\n    EndPoints = { "${legHost}:${port}" },\n    Password = "${pw}",\n    Ssl = true\n};\n`,
    URL,
    pw,
  ],
  [
    'django-redis OPTIONS PASSWORD',
    'settings.py',
    `CACHES = {\n    "default": {\n        "BACKEND": "django_redis.cache.RedisCache",\n        "LOCATION": "rediss://${legHost}:${port}",\n        "OPTIONS": {\n            "PASSWORD": "${pw}",\n        },\n    }\n}\n`,
    URL,
    pw,
  ],
  [
    'Spring Boot 2 spring.redis.*',
    'application.properties',
    `spring.redis.host=${legHost}\nspring.redis.port=${port}\nspring.redis.password=${pw}\nspring.redis.ssl=true\n`,
    URL,
    pw,
  ],
  [
    'redis-commander REDIS_HOSTS list',
    'docker-compose.yml',
    `services:\n  redis-commander:\n    image: rediscommander/redis-commander\n    environment:\n      - REDIS_HOSTS=upstash:${legHost}:${port}:0:${pw}\n`,
    URL,
    pw,
  ],
  [
    'redis-commander separate variables',
    'docker-compose.yml',
    `    environment:\n      REDIS_HOST: ${legHost}\n      REDIS_PORT: ${port}\n      REDIS_PASSWORD: ${pw}\n      REDIS_TLS: "true"\n`,
    URL,
    pw,
  ],
  [
    'Rust redis::Client::open, legacy',
    'main.rs',
    `let client = redis::Client::open("rediss://:${pw}@${legHost}:${port}/#insecure")?;\n`,
    URL,
    pw,
  ],
  [
    'aioredis from_url',
    'app.py',
    `redis = await aioredis.from_url("rediss://default:${pw}@${legHost}:${port}", decode_responses=True)\n`,
    URL,
    pw,
  ],
  [
    'a GUI client connection export',
    'redis-connections.json',
    JSON.stringify(
      [{ host: legHost, port, name: 'upstash', username: 'default', password: pw, tls: true }],
      null,
      2,
    ),
    URL,
    pw,
  ],
  [
    'BullMQ .env split into host, port, password',
    '.env',
    `UPSTASH_REDIS_HOST=${legHost}\nUPSTASH_REDIS_PORT=${port}\nUPSTASH_REDIS_PASSWORD=${pw}\n`,
    URL,
    'PASSWORD',
  ],
  // Fly databases (no database number in the host): the URL form, at medium.
  [
    'fly secrets set REDIS_URL',
    'DEPLOY.md',
    `\`\`\`bash\nflyctl secrets set REDIS_URL="redis://default:${flyPw}@fly-lion-reader-redis.upstash.io:6379"\n\`\`\`\n`,
    URL,
    flyPw,
  ],
  [
    'fly.toml [env] without a port',
    'fly.toml',
    `[env]\n  REDIS_URL = "redis://default:${flyPw}@fly-my-app-redis.upstash.io"\n`,
    URL,
    flyPw,
  ],
  [
    'fly redis status output',
    'notes.txt',
    `Private URL     = redis://default:${flyPw}@fly-my-app-redis.upstash.io\n`,
    URL,
    flyPw,
  ],
  // QStash, signing keys, Vector, Kafka.
  [
    'Vite-prefixed QStash .env',
    '.env',
    `VITE_QSTASH_URL=https://qstash.upstash.io\nVITE_QSTASH_TOKEN=${qs}\nVITE_QSTASH_CURRENT_SIGNING_KEY=${sig}\n`,
    'upstash-qstash-token',
    'VITE_QSTASH_TOKEN',
  ],
  [
    'Vite-prefixed signing key',
    '.env',
    `VITE_QSTASH_TOKEN=${qs}\nVITE_QSTASH_CURRENT_SIGNING_KEY=${sig}\n`,
    'upstash-qstash-signing-key',
    'CURRENT',
  ],
  [
    'QStash token without its padding',
    '.env',
    `QSTASH_TOKEN=${unpad(qs)}\n`,
    'upstash-qstash-token',
    'QSTASH',
  ],
  [
    'QStash token URL-encoded in a query',
    'cron.sh',
    `curl "https://qstash.upstash.io/v2/publish/https://example.com/api?qstash_token=${encodeURIComponent(qs)}"\n`,
    'upstash-qstash-token',
    'qstash_token',
  ],
  [
    'Dart Receiver named arguments',
    'example/main.dart',
    `void main() async {\n  final receiver = Receiver(\n    currentSigningKey: "${sig}",\n    nextSigningKey: "${sig2}",\n  );\n}\n`,
    'upstash-qstash-signing-key',
    sig,
  ],
  [
    'legacy signing key in a Receiver',
    'index.ts',
    `const receiver = new Receiver({\n    currentSigningKey: "${legacySig}",\n  });\n`,
    'upstash-qstash-signing-key',
    legacySig,
  ],
  [
    'Vector .env in a markdown fence',
    'SETUP.md',
    `### In .env.local\n\`\`\`env\nUPSTASH_VECTOR_REST_URL=${vectorEndpoint(vec.name)}\nUPSTASH_VECTOR_REST_TOKEN=${vec.token}\n\`\`\`\n`,
    'upstash-vector-token',
    'VECTOR_REST_TOKEN',
  ],
  [
    'Vector token without its padding',
    '.env',
    `UPSTASH_VECTOR_REST_TOKEN=${unpad(vec.token)}\n`,
    'upstash-vector-token',
    'VECTOR',
  ],
  [
    'Arduino C Kafka REST credentials',
    'src/main.ino',
    `const char* ssid = "wifi";\n\nconst char* UPSTASH_KAFKA_REST_URL="${kafka.url}/produce/topic/";\nconst char* UPSTASH_KAFKA_REST_USERNAME="${kafka.username}";\nconst char* UPSTASH_KAFKA_REST_PASSWORD="${kafka.password}";\n`,
    'upstash-kafka-credentials',
    'REST_PASSWORD',
  ],
  // Management keys: Pulumi and CDKTF providers, the Upstash MCP server, shell and CI.
  [
    'Pulumi TS provider',
    'index.ts',
    `const provider = new upstash.Provider("upstash", {\n  email: "dev@example.com",\n  apiKey: "${mk}",\n});\n`,
    MGMT,
    mk,
  ],
  [
    'Pulumi TS provider, commented out',
    'index.ts',
    `import * as upstash from "@upstash/upstash"\n\n\n// const provider = new upstash.Provider("p1", {\n//     email: "dev@example.com", \n//     apiKey: "${mk}" \n// })\n`,
    MGMT,
    mk,
  ],
  [
    'Pulumi Python provider',
    '__main__.py',
    `provider = upstash.Provider("upstash",\n    email="dev@example.com",\n    api_key="${mk}")\n`,
    MGMT,
    mk,
  ],
  [
    'Pulumi C# provider, brace on its own line',
    'Program.cs',
    `var provider = new Upstash.Provider("upstash", new Upstash.ProviderArgs\n{\n    Email = "dev@example.com",\n    ApiKey = "${mk}",\n});\n`,
    MGMT,
    mk,
  ],
  [
    'CDKTF UpstashProvider',
    'main.ts',
    `    new UpstashProvider(this, "UpstashProvider", {\n      email: "dev@example.com",\n      apiKey: "${mk}",\n    });\n`,
    MGMT,
    mk,
  ],
  [
    'MCP server args: run <email> <key>',
    '.cursor/mcp.json',
    JSON.stringify(
      {
        mcpServers: {
          upstash: {
            command: 'npx',
            args: ['-y', '@upstash/mcp-server', 'run', 'dev@example.com', mk],
          },
        },
      },
      null,
      2,
    ),
    MGMT,
    mk,
  ],
  [
    'MCP server args on one line',
    'claude_desktop_config.json',
    `{"mcpServers":{"upstash":{"command":"npx","args":["-y","@upstash/mcp-server@latest","run","dev@example.com","${mk}"]}}}\n`,
    MGMT,
    mk,
  ],
  [
    'claude mcp add',
    'setup.sh',
    `claude mcp add upstash -- npx -y @upstash/mcp-server run "dev@example.com" "${mk}"\n`,
    MGMT,
    mk,
  ],
  [
    'MCP server --email/--api-key flags',
    '.vscode/mcp.json',
    JSON.stringify(
      {
        servers: {
          upstash: {
            command: 'npx',
            args: [
              '-y',
              '@upstash/mcp-server@latest',
              '--email',
              'dev@example.com',
              '--api-key',
              mk,
            ],
          },
        },
      },
      null,
      2,
    ),
    MGMT,
    mk,
  ],
  [
    'MCP server args as a YAML list',
    'config.yaml',
    `mcpServers:\n  upstash:\n    command: npx\n    args:\n      - -y\n      - "@upstash/mcp-server"\n      - run\n      - dev@example.com\n      - ${mk}\n`,
    MGMT,
    mk,
  ],
  [
    'Codex TOML MCP args',
    '.codex/config.toml',
    `[mcp_servers.upstash]\ncommand = "npx"\nargs = ["-y", "@upstash/mcp-server@latest", "--email", "dev@example.com", "--api-key", "${mk}"]\n`,
    MGMT,
    mk,
  ],
  [
    'MCP server local build in an upstash entry',
    'claude_desktop_config.json',
    `{\n  "upstash": {\n    "command": "node",\n    "args": ["/home/me/mcp-server/dist/index.js", "run", "dev@example.com", "${mk}"]\n  }\n}\n`,
    MGMT,
    mk,
  ],
  [
    'MCP server init in a README',
    'README.md',
    `1. Run \`npx @upstash/mcp-server init dev@example.com ${mk}\`\n`,
    MGMT,
    mk,
  ],
  [
    'MCP server --api-key=',
    'run.sh',
    `npx -y @upstash/mcp-server --email=dev@example.com --api-key=${mk}\n`,
    MGMT,
    mk,
  ],
  [
    'MCP server env block',
    '.cursor/mcp.json',
    JSON.stringify(
      {
        mcpServers: {
          upstash: {
            command: 'npx',
            args: ['-y', '@upstash/mcp-server'],
            env: { UPSTASH_EMAIL: 'dev@example.com', UPSTASH_API_KEY: mk },
          },
        },
      },
      null,
      2,
    ),
    MGMT,
    mk,
  ],
  [
    'shell line continuation',
    'README.md',
    `UPSTASH_EMAIL="dev@example.com" \\\nUPSTASH_API_KEY="${mk}" \\\nDB_NAME="myapp" \\\n  ./scripts/upstash-create-redis.sh\n`,
    MGMT,
    mk,
  ],
  [
    'terraform.tfvars',
    'terraform.tfvars',
    `upstash_email   = "dev@example.com"\nupstash_api_key = "${mk}"\n`,
    MGMT,
    mk,
  ],
  [
    'GitHub Actions env literal',
    '.github/workflows/tf.yml',
    `    env:\n      UPSTASH_EMAIL: dev@example.com\n      UPSTASH_API_KEY: ${mk}\n`,
    MGMT,
    mk,
  ],
  [
    'requests HTTPBasicAuth over lines',
    'create_db.py',
    `resp = requests.post(\n    "https://api.upstash.com/v2/redis/database",\n    auth=HTTPBasicAuth("dev@example.com", "${mk}"),\n    json={"name": "x"},\n)\n`,
    MGMT,
    mk,
  ],
  [
    'fetch with btoa Basic credentials',
    'create.js',
    `const res = await fetch('https://api.upstash.com/v2/redis/databases', {\n  headers: { Authorization: 'Basic ' + btoa('dev@example.com:${mk}') },\n});\n`,
    MGMT,
    mk,
  ],
  [
    'Go SetBasicAuth',
    'main.go',
    `req, _ := http.NewRequest("GET", "https://api.upstash.com/v2/redis/databases", nil)\nreq.SetBasicAuth("dev@example.com", "${mk}")\n`,
    MGMT,
    mk,
  ],
  [
    'pulumi config set --secret',
    'setup.sh',
    `pulumi config set upstash:email dev@example.com\npulumi config set --secret upstash:apiKey ${mk}\n`,
    MGMT,
    mk,
  ],
  // Box keys with the prefix the Box SDK and CLI show (`abx_`).
  ['abx_ key in .env', '.env', `UPSTASH_BOX_API_KEY=${abx}\n`, BOX, abx],
  [
    'abx_ key in Box.create',
    'agent.ts',
    `import { Box } from "@upstash/box";\n\nconst box = await Box.create({\n  apiKey: "${abx}",\n  runtime: "node",\n});\n`,
    BOX,
    abx,
  ],
  [
    'abx_ key in the Python SDK',
    'agent.py',
    `from upstash_box import Box\n\nbox = Box.create(api_key="${abx}", runtime="python")\n`,
    BOX,
    abx,
  ],
  [
    'abx_ key in an example command',
    'README.md',
    `UPSTASH_BOX_API_KEY=${abx} ANTHROPIC_API_KEY=sk-x npx tsx examples/webhook.ts\n`,
    BOX,
    abx,
  ],
  [
    'abx_ key after the Box CLI --token',
    'run.sh',
    `box create --token ${abx} --runtime node\n`,
    BOX,
    abx,
  ],
];

describe('more credentials as public repositories hold them', () => {
  expectLeaksFound(LEAKS);
});

/** Placeholders and fixtures as written under the Upstash names of a `.env` and an example. */
const PLACEHOLDER_VALUES = [
  'AX...',
  'AXxxxx',
  'your_upstash_redis_rest_token_here',
  '<your-token>',
  'replace-me',
  'changeme',
  'dummy-token',
  'fake-token-for-tests',
  'test_token_12345',
  'local-dev-token',
  'placeholder',
  'null',
  'undefined',
  'example_token',
  'UPSTASH_TOKEN_HERE',
  'token123',
  'REDACTED',
  '__UPSTASH_TOKEN__',
  '{{UPSTASH_TOKEN}}',
  '%UPSTASH_TOKEN%',
  '$(cat /run/secrets/upstash)',
  '@upstash_redis_rest_token',
  'op://Private/Upstash/token',
  'op://dev/upstash-redis/credential',
  '{{resolve:ssm:/app/upstash-token}}',
  'arn:aws:secretsmanager:us-east-1:123456789012:secret:upstash-token-AbCdEf',
  '@Microsoft.KeyVault(SecretUri=https://myvault.vault.azure.net/secrets/upstash-token/)',
  'projects/my-project/secrets/upstash-token/versions/latest',
  'vault:secret/data/upstash#token',
  'sm://upstash-redis-token',
  'doppler:UPSTASH_REDIS_REST_TOKEN',
  'env(UPSTASH_REDIS_REST_TOKEN)',
  // Token-prefixed and token-length lookalikes, joined at run time (written out, they are shaped
  // like the values the repository's own scan looks for).
  ['AYQgASQg', 'YourTokenHere'].join(''),
  ['AbCdEfGhIjKlM', 'nOpQrStUvWxYz', '0123456789'].join(''),
  'x'.repeat(32),
  'your-upstash-token-here-1234567890',
  'my-super-secret-upstash-token',
  'upstash_token_goes_here',
  'insert-your-token',
  'TODO',
  'CHANGE_ME_IN_PRODUCTION',
  'tok_test_1234567890abcdef',
  'sk_test_upstash_redis_placeholder',
  'dev-token-not-secret',
  'ci-test-token-0000',
  'mock_upstash_token',
  'secret123456',
  'abcdefghijklmnop',
];

const NOT_LEAKS: WildNotLeak[] = [
  ...PLACEHOLDER_VALUES.flatMap((v): WildNotLeak[] => [
    [
      `.env: ${v}`,
      '.env',
      `UPSTASH_REDIS_REST_URL=https://${host}\nUPSTASH_REDIS_REST_TOKEN=${v}\n`,
    ],
    [
      `KV example: ${v}`,
      '.env.example',
      `KV_REST_API_URL="https://${host}"\nKV_REST_API_TOKEN="${v}"\n`,
    ],
  ]),
  [
    'redis-cli -u with TOKEN',
    'README.md',
    `\`\`\`bash\nredis-cli --tls -u redis://default:TOKEN@${host}:6379 PING\n\`\`\`\n`,
  ],
  [
    'URL of bracketed placeholders',
    'README.md',
    '   ```text\n   rediss://default:[TOKEN]@[ENDPOINT].upstash.io:6379\n   ```\n',
  ],
  [
    'Vercel KV example values',
    'README.md',
    'KV_URL="redis://default:12345@szzz.kv.vercel-storage.com:34698"\nKV_REST_API_URL="https://zzz.kv.vercel-storage.com"\nKV_REST_API_TOKEN="abcdef"\n',
  ],
  [
    'a QStash-looking token of other keys, sig_abc123...',
    'README.md',
    `QSTASH_TOKEN=${Buffer.from(JSON.stringify({ UserID: '1234567890', ApiKey: 'abcdef' })).toString('base64')}\nQSTASH_CURRENT_SIGNING_KEY=sig_abc123...\n`,
  ],
  [
    'a UUID under QSTASH_TOKEN',
    'README.md',
    `QSTASH_CURRENT_SIGNING_KEY=sig_xxxxxxxxxxxxx\nQSTASH_TOKEN=${mk}\n`,
  ],
  [
    'a repeat() fixture',
    'env.test.ts',
    'UPSTASH_REDIS_REST_URL: "https://example.upstash.io",\nUPSTASH_REDIS_REST_TOKEN: "a".repeat(20),\n',
  ],
  [
    'a cut legacy token in a fixture',
    'env.test.ts',
    `UPSTASH_REDIS_REST_URL: "https://usw1-gentle-doe-12345.upstash.io",\nUPSTASH_REDIS_REST_TOKEN: "${leg.token.slice(0, 16)}",\n`,
  ],
  [
    'a legacy header around "fake-token-value"',
    'env.test.ts',
    `UPSTASH_REDIS_REST_URL: "https://eu1-sample-12345.upstash.io",\nUPSTASH_REDIS_REST_TOKEN: "${Buffer.concat([Buffer.from([1, 0x79, 0x17, 1, 0x24, 0x20]), Buffer.from('fake-token-value')]).toString('base64url')}",\nADMIN_API_TOKEN: "${'0123456789abcdef'.repeat(2)}",\n`,
  ],
  [
    'fixtures of test words',
    'env.test.ts',
    'UPSTASH_REDIS_REST_URL: "https://redis.test.local",\nUPSTASH_REDIS_REST_TOKEN: "test-redis-token",\nUPSTASH_VECTOR_REST_URL: "https://vector.test.local",\nUPSTASH_VECTOR_REST_TOKEN: "test-vector-token",\n',
  ],
  [
    'Terraform interpolated URL',
    'main.tf',
    '  secret_data = "rediss://default:${upstash_redis_database.cache[each.value].password}@${upstash_redis_database.cache[each.value].endpoint}:${upstash_redis_database.cache[each.value].port}"\n',
  ],
  [
    'variables in a usage comment',
    'x.test.ts',
    ' * INTEGRATION_TEST=true UPSTASH_VECTOR_REST_URL=your-url UPSTASH_VECTOR_REST_TOKEN=your-token pnpm test\n',
  ],
  [
    'a truncated token in an E.g. comment',
    'README.md',
    `    // E.g. https://happy-duck-41120.upstash.io\n    const KV_REST_API_URL="https://YOUR-URL";\n    // E.g. ${leg.token.slice(0, 24)}...\n    const KV_REST_API_TOKEN="YOUR-API_TOKEN";\n`,
  ],
  [
    'UPSTASH_API_KEY="<uuid>"',
    'README.md',
    'UPSTASH_EMAIL="you@example.com" \\\nUPSTASH_API_KEY="<uuid>" \\\n  ./x.sh\n',
  ],
  [
    'Bearer from import.meta.env',
    'a.ts',
    `const request = new Request(\`https://${host}\${path}\`)\nrequest.headers.set('Authorization', \`Bearer \${import.meta.env.UPSTASH_API_KEY}\`)\n`,
  ],
  [
    'Kafka username placeholder, password reference',
    '.env',
    'UPSTASH_KAFKA_REST_URL=https://potrzebny-kafka.upstash.io\nUPSTASH_KAFKA_REST_USERNAME=kafka_username_123456789\nUPSTASH_KAFKA_REST_PASSWORD=${UPSTASH_KAFKA_REST_PASSWORD}\n',
  ],
  [
    'YOUR_PASSWORD beside the host',
    'docs.md',
    'UPSTASH_REDIS_URL=rediss://default:YOUR_PASSWORD@unique-id.upstash.io:6379\nUPSTASH_REDIS_HOST=unique-id.upstash.io\nUPSTASH_REDIS_PORT=6379\nUPSTASH_REDIS_PASSWORD=YOUR_PASSWORD\n',
  ],
  [
    'password and ... beside a real-looking host',
    'docs.md',
    `UPSTASH_REDIS_URL=rediss://default:password@${host}:6379\nUPSTASH_REDIS_HOST=${host}\nUPSTASH_REDIS_PASSWORD=...\n`,
  ],
  [
    'password123 on a legacy host',
    'DEPLOY.md',
    '   `rediss://default:password123@us1-cool-butterfly-32132.upstash.io:32132`\n',
  ],
  [
    'xxxxx in a table',
    'README.md',
    '| redis_url | Redis database URL | `redis://default:xxxxx@xxxxxxxx.upstash.io:34903` |\n',
  ],
  [
    'credentials from a variable in a template URL',
    'a.js',
    `const client = redis.createClient ({\n    url : \`rediss://\${REDIS_CREDS}@${legHost}:${port}\`\n});\n`,
  ],
  [
    'a hex value stored with the client',
    'a.js',
    `const client = new Redis("rediss://default:" + process.env.PW + "@${legHost}:${port}");\nawait client.set("session", "${hex32Secret({ seed: 'ws-session' })}");\n`,
  ],
  [
    'default_ro with ***',
    'REPORT.md',
    'REDIS_URL="rediss://default_ro:***@key-lab-14992.upstash.io:6379"\n',
  ],
  [
    'Fly docs password',
    'DEPLOY.md',
    'fly secrets set REDIS_URL="redis://default:abc123xyz@fly-brane-redis.upstash.io:6379"\n',
  ],
  [
    'Fly <PASSWORD>',
    'DEPLOY.md',
    'REDIS_URL=redis://default:<PASSWORD>@fly-booka.upstash.io:6379/0\n',
  ],
  // References and secret-manager wiring.
  [
    'vercel.json secret references',
    'vercel.json',
    JSON.stringify(
      {
        env: {
          UPSTASH_REDIS_REST_URL: '@upstash-redis-rest-url',
          UPSTASH_REDIS_REST_TOKEN: '@upstash-redis-rest-token',
          QSTASH_TOKEN: '@qstash-token',
        },
      },
      null,
      2,
    ),
  ],
  [
    'k8s secretKeyRef',
    'deploy.yaml',
    '        env:\n          - name: UPSTASH_REDIS_REST_TOKEN\n            valueFrom:\n              secretKeyRef:\n                name: upstash\n                key: token\n',
  ],
  [
    'ExternalSecret remoteRef',
    'es.yaml',
    'spec:\n  data:\n    - secretKey: UPSTASH_REDIS_REST_TOKEN\n      remoteRef:\n        key: prod/upstash\n        property: rest_token\n',
  ],
  [
    'wrangler secret put',
    'README.md',
    '```\nnpx wrangler secret put UPSTASH_REDIS_REST_TOKEN\necho $UPSTASH_REDIS_REST_TOKEN | wrangler secret put UPSTASH_REDIS_REST_TOKEN\n```\n',
  ],
  [
    'Actions vars and secrets',
    '.github/workflows/x.yml',
    'env:\n  UPSTASH_REDIS_REST_URL: ${{ vars.UPSTASH_REDIS_REST_URL }}\n  UPSTASH_REDIS_REST_TOKEN: ${{ secrets.UPSTASH_REDIS_REST_TOKEN }}\n  QSTASH_TOKEN: ${{ secrets.QSTASH_TOKEN }}\n  QSTASH_CURRENT_SIGNING_KEY: ${{ secrets.QSTASH_CURRENT_SIGNING_KEY }}\n  UPSTASH_API_KEY: ${{ secrets.UPSTASH_API_KEY }}\n',
  ],
  [
    'Terraform resource attribute',
    'main.tf',
    'resource "vercel_project_environment_variable" "t" {\n  key    = "UPSTASH_REDIS_REST_TOKEN"\n  value  = upstash_redis_database.db.rest_token\n  target = ["production"]\n}\n',
  ],
  [
    'Helm template values',
    'templates/secret.yaml',
    'stringData:\n  UPSTASH_REDIS_REST_TOKEN: {{ .Values.upstash.token | quote }}\n  QSTASH_TOKEN: {{ required "qstash" .Values.qstash.token }}\n',
  ],
  [
    'zod env schema',
    'env.ts',
    'export const env = createEnv({\n  server: {\n    UPSTASH_REDIS_REST_URL: z.string().url(),\n    UPSTASH_REDIS_REST_TOKEN: z.string().min(1),\n    QSTASH_CURRENT_SIGNING_KEY: z.string().startsWith("sig_"),\n  },\n});\n',
  ],
  [
    'pydantic settings with empty defaults',
    'config.py',
    `class Settings(BaseSettings):\n    upstash_redis_rest_url: str = "https://${host}"\n    upstash_redis_rest_token: str = ""\n    qstash_token: str = Field(default="", env="QSTASH_TOKEN")\n`,
  ],
  [
    'Go struct tags',
    'config.go',
    'type Config struct {\n\tUpstashRedisRestToken string `env:"UPSTASH_REDIS_REST_TOKEN" json:"upstash_redis_rest_token"`\n\tQStashToken string `env:"QSTASH_TOKEN,required"`\n}\n',
  ],
  [
    'Rust std::env::var',
    'main.rs',
    'let token = std::env::var("UPSTASH_REDIS_REST_TOKEN").expect("UPSTASH_REDIS_REST_TOKEN must be set");\n',
  ],
  [
    'Spring @Value',
    'Cfg.java',
    '@Value("${upstash.redis.rest-token}")\nprivate String upstashRedisRestToken;\n',
  ],
  ['PHP getenv', 'cfg.php', "'token' => getenv('UPSTASH_REDIS_REST_TOKEN') ?: '',\n"],
  [
    'Deno.env.get',
    'main.ts',
    'const redis = new Redis({ url: Deno.env.get("UPSTASH_REDIS_REST_URL")!, token: Deno.env.get("UPSTASH_REDIS_REST_TOKEN")! });\n',
  ],
  [
    'Workers env binding',
    'worker.ts',
    'const redis = Redis.fromEnv(env);\nconst r2 = new Redis({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN });\n',
  ],
  [
    'signing key and QStash placeholders',
    '.env.example',
    `QSTASH_CURRENT_SIGNING_KEY=sig_${'x'.repeat(28)}\nQSTASH_NEXT_SIGNING_KEY=sig_${'y'.repeat(28)}\nQSTASH_TOKEN=${Buffer.from('{"UserID":"xxxx"}').toString('base64')}\n`,
  ],
  [
    'management key placeholder UUIDs',
    '.env.example',
    'UPSTASH_EMAIL=you@example.com\nUPSTASH_API_KEY=xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx\nUPSTASH_MANAGEMENT_API_KEY=00000000-0000-0000-0000-000000000000\n',
  ],
  [
    'Vector placeholders',
    '.env.example',
    'UPSTASH_VECTOR_REST_URL=https://your-index-us1-vector.upstash.io\nUPSTASH_VECTOR_REST_TOKEN=ABYFMGZ...\nUPSTASH_VECTOR_REST_READONLY_TOKEN=your_readonly_token\n',
  ],
  [
    'Kafka placeholders',
    '.env.example',
    'UPSTASH_KAFKA_REST_URL=https://your-kafka.upstash.io\nUPSTASH_KAFKA_REST_USERNAME=bXktY2x1c3Rlci0xMjM0JA...\nUPSTASH_KAFKA_REST_PASSWORD=********\n',
  ],
  // Near the new rules: a host named by reference never hides another server's literal, the MCP
  // server's argument list ends where it closes, a Box prefix of another product.
  [
    'a host reference with a local default beside a password',
    'queue.ts',
    `// prod: ${legHost}\nconst connection = {\n  host: process.env.REDIS_HOST || 'localhost',\n  password: "${hex32Secret({ seed: 'ws-local' })}",\n};\n`,
  ],
  [
    'HOST constant of another server, Upstash URL above',
    'cache.py',
    `UPSTASH_URL = "https://${legHost}"\nHOST = "redis.internal"\nPASSWORD = "${hex32Secret({ seed: 'ws-internal' })}"\nr = redis.Redis(host=HOST, password=PASSWORD)\n`,
  ],
  [
    'redis-commander list of a local server',
    'docker-compose.yml',
    `      - REDIS_HOSTS=local:localhost:6379:0:${hex32Secret({ seed: 'ws-commander' })}\n`,
  ],
  [
    'redis-commander list with a zero password',
    'docker-compose.yml',
    `      - REDIS_HOSTS=upstash:${legHost}:${port}:0:${'0'.repeat(32)}\n`,
  ],
  [
    'a Pulumi database id',
    'index.ts',
    `const database = upstash.getRedisDatabase({\n    databaseId: "${mk}"\n})\n`,
  ],
  [
    'MCP placeholders',
    'README.md',
    `\`\`\`json\n${JSON.stringify({ mcpServers: { upstash: { command: 'npx', args: ['-y', '@upstash/mcp-server', 'run', '<UPSTASH_EMAIL>', '<UPSTASH_API_KEY>'] } } }, null, 2)}\n\`\`\`\n`,
  ],
  [
    'MCP env left empty',
    'x.ts',
    'upstash: { name: "upstash", command: "npx", args: ["-y", "@upstash/mcp-server"], env: { UPSTASH_EMAIL: "", UPSTASH_API_KEY: "" } },\n',
  ],
  [
    'Pulumi requireSecret',
    'x.ts',
    "this.upstashProvider = new upstash.Provider('upstash', {\n  email: upstashConfig.requireSecret('email'),\n  apiKey: upstashConfig.requireSecret('apiKey'),\n});\n",
  ],
  [
    'a team id among MCP args',
    'x.json',
    JSON.stringify({
      args: ['-y', '@upstash/mcp-server', 'run', 'dev@example.com', '--team-id', mk],
    }),
  ],
  [
    "another server's --api-key after the Upstash entry, one line",
    'mcp.json',
    `{"mcpServers":{"upstash":{"command":"npx","args":["-y","@upstash/mcp-server"]},"other":{"command":"npx","args":["-y","other-mcp","--api-key","${mk}"]}}}\n`,
  ],
  [
    "another server's run <email> <key> after the Upstash entry",
    'mcp.json',
    JSON.stringify(
      {
        mcpServers: {
          upstash: { command: 'npx', args: ['-y', '@upstash/mcp-server'] },
          other: { command: 'npx', args: ['-y', 'other-mcp', 'run', 'dev@example.com', mk] },
        },
      },
      null,
      2,
    ),
  ],
  [
    'a comment naming Upstash above another command',
    'run.sh',
    `# upstash redis sidecar\ndocker run dev@example.com ${mk}\n`,
  ],
  [
    "another server's YAML args after the Upstash entry",
    'config.yaml',
    `mcpServers:\n  upstash:\n    command: npx\n  other:\n    args:\n      - --api-key\n      - ${mk}\n`,
  ],
  [
    'a commented-out block of another service',
    'index.ts',
    `// upstash: disabled\n// const sentry = new Sentry({\n//     apiKey: "${mk}"\n// })\n`,
  ],
  [
    'a key after a closed commented-out Upstash provider',
    'index.ts',
    `// const provider = new upstash.Provider("p1", {\n//     email: "dev@example.com",\n// })\n// apiKey: "${mk}"\n`,
  ],
  ['abx_...', 'README.md', 'export UPSTASH_BOX_API_KEY=abx_...\n'],
  ['abx_xxxxxxxx', 'README.md', 'UPSTASH_BOX_API_KEY=abx_xxxxxxxx\n'],
  [
    "another sandbox product's abx_ key",
    '.env',
    `ABRAXAS_SANDBOX_API_KEY=abx_test_${abx.slice(4)}\n`,
  ],
  [
    'abx_ identifiers',
    'm.py',
    'therapy_cols = sorted({c for c in features.columns if c.startswith("abx_") or c.startswith("vaso_")})\nabx_min = np.maximum(bbox_target[0], bboxes_other[:,0])\n',
  ],
  ['box ids', 'README.md', 'box connect box_abc123\nconst box = await Box.get("box_abc123");\n'],
];

describe('placeholders, references and fixtures written the same ways are not leaks', () => {
  expectNoFindings(NOT_LEAKS);
});

/** The same files with a real token in place of the placeholder: found, and nothing else. */
describe('a real token where the placeholders stood is found', () => {
  it.each([
    ['current', cur.token],
    ['64-bit id', redisToken({ layout: 'current64', seed: 'ws-next' })],
  ])('%s', (_label, token) => {
    const text = `UPSTASH_REDIS_REST_URL=https://${host}\nUPSTASH_REDIS_REST_TOKEN=${token}\nQSTASH_TOKEN=\${QSTASH_TOKEN}\n`;
    expect(scanPlaced({ path: '.env', text, line: 1 }).map((f) => f.type)).toEqual([TOKEN]);
  });
});
