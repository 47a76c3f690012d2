/**
 * Shapes from a second audit of public repositories (apps, templates and tutorials in JS, Python,
 * Go, Java, Kotlin, PHP, C# and Rust): each excerpt's syntax kept as written, every value
 * synthetic, built at run time.
 *
 * - A default after a reference that is not a bare name: `getenv("REDIS_PASSWORD") ?: "<pw>"`
 *   (Kotlin, PHP), `GetEnvironmentVariable("…") ?? "<pw>"` (C#), `env::var("…").unwrap_or("<pw>"…)`
 *   (Rust), `os.environ.get("…") or "<pw>"` (Python): the legacy password was not tied to its name.
 * - A default after a command-line argument: `const apiToken = process.argv[2] || "<uuid>"` in a
 *   script that calls the Developer API (`sys.argv[1] if … else "<uuid>"` in Python): the key had
 *   no name, so it was not read as the management key.
 * - The management key sent to the Developer API as `curl -u "$UPSTASH_EMAIL:<uuid>"` (the email a
 *   variable) or as `Authorization: Bearer <uuid>`: no email literal stood before it.
 * - A token cut over PHP's `.` or Lua's `..` (the `+` of JS, Python, Go and Java was joined).
 * - Kafka over its native protocol: `sasl.jaas.config … password=\"<b64>\"`, kafkajs `sasl: {…}`
 *   and kafka-python's `sasl_plain_password=` beside a broker `…-kafka.upstash.io:9092`: the
 *   password sat under a bare name next to a broker host, not a REST URL.
 */
import type { CredentialType } from '../../../src/core/index.js';
import {
  cutInQuotes,
  expectLeaksFound,
  expectNoFindings,
  type WildLeak,
  type WildNotLeak,
} from '../../helpers/wild-cases.js';
import {
  developerApiUrl,
  hex32Secret,
  kafkaCredentials,
  managementKey,
  redisHost,
  redisTokenParts,
} from '../../helpers/synthetic.js';

const URL: CredentialType = 'upstash-redis-url';
const MGMT: CredentialType = 'upstash-management-key';
const KAFKA: CredentialType = 'upstash-kafka-credentials';
const TOKEN: CredentialType = 'upstash-redis-token';

const leg = redisTokenParts({ layout: 'legacy', seed: 'a2-legacy' });
const host = redisHost(leg.dbId, { legacyRegion: 'us1', seed: 'a2-legacy' });
const pw = leg.password!;
const mk = managementKey({ seed: 'a2-mk' });
const kafka = kafkaCredentials({ seed: 'a2-kafka' });
/** The cluster's broker, `<cluster>-<N>-<region>-kafka.upstash.io:9092`. */
const broker = `${kafka.url.slice('https://'.length).replace('-rest-kafka', '-kafka')}:9092`;
/** 32 hex that is no password (a file's md5) and base64 of text that is no UUID. */
const md5 = hex32Secret({ seed: 'a2-md5' });
const notUuid = Buffer.from('not-a-uuid-but-exactly-36-characters').toString('base64');

const DEFAULT_LEAKS: WildLeak[] = [
  [
    'Kotlin: getenv(…) ?: "<pw>"',
    'Redis.kt',
    `val host = "${host}"\nval password = System.getenv("REDIS_PASSWORD") ?: "${pw}"\n`,
    URL,
    pw,
  ],
  [
    "PHP: getenv('…') ?: '<pw>'",
    'config.php',
    `$host = '${host}';\n$password = getenv('REDIS_PASSWORD') ?: '${pw}';\n`,
    URL,
    pw,
  ],
  [
    'C#: GetEnvironmentVariable("…") ?? "<pw>"',
    'RedisConfig.cs',
    `var host = "${host}";\nvar password = Environment.GetEnvironmentVariable("REDIS_PASSWORD") ?? "${pw}";\n`,
    URL,
    pw,
  ],
  [
    'Rust: env::var("…").unwrap_or("<pw>".to_string())',
    'src/cache.rs',
    `let host = "${host}";\nlet password = env::var("REDIS_PASSWORD").unwrap_or("${pw}".to_string());\n`,
    URL,
    pw,
  ],
  [
    'Rust: env::var("…").unwrap_or_else(|_| "<pw>".into())',
    'src/cache.rs',
    `let host = "${host}";\nlet password = env::var("REDIS_PASSWORD").unwrap_or_else(|_| "${pw}".into());\n`,
    URL,
    pw,
  ],
  [
    'Python: os.environ.get("…") or "<pw>"',
    'settings.py',
    `REDIS_HOST = "${host}"\nREDIS_PASSWORD = os.environ.get("REDIS_PASSWORD") or "${pw}"\n`,
    URL,
    pw,
  ],
  [
    'JS: process.env["…"] || "<pw>"',
    'redis.js',
    `const host = "${host}";\nconst password = process.env["REDIS_PASSWORD"] || "${pw}";\n`,
    URL,
    pw,
  ],
];

const ARGV_LEAKS: WildLeak[] = [
  [
    'JS script: process.argv[2] || "<uuid>", the Developer API called below',
    'scripts/setup-upstash.js',
    `async function main() {\n  const apiToken = process.argv[2] || '${mk}';\n\n  log(\`Token API: \${apiToken}\`);\n  const approaches = [\n    {\n      name: 'databases (v2)',\n      url: '${developerApiUrl()}',\n      method: 'GET',\n    },\n  ];\n`,
    MGMT,
    mk,
  ],
  [
    'JS script: process.argv[3] ?? "<uuid>"',
    'scripts/upstash.mjs',
    `const email = "dev@example.com";\nconst apiKey = process.argv[3] ?? "${mk}";\nawait fetch("${developerApiUrl()}", { headers: { Authorization: basic(email, apiKey) } });\n`,
    MGMT,
    mk,
  ],
  [
    'Python script: sys.argv[1] if … else "<uuid>"',
    'create_db.py',
    `API_KEY = sys.argv[1] if len(sys.argv) > 1 else "${mk}"\nEMAIL = "dev@example.com"\nr = requests.get("${developerApiUrl()}", auth=(EMAIL, API_KEY))\n`,
    MGMT,
    mk,
  ],
];

const DEVELOPER_API_LEAKS: WildLeak[] = [
  [
    'curl -u "$UPSTASH_EMAIL:<uuid>": the email a variable',
    'scripts/create-db.sh',
    `curl -u "$UPSTASH_EMAIL:${mk}" ${developerApiUrl()}\n`,
    MGMT,
    mk,
  ],
  [
    'curl with the key as a Bearer token, over two lines',
    'README.md',
    `curl -X POST ${developerApiUrl('redis/database')} \\\n  -H "Authorization: Bearer ${mk}" \\\n  -d '{"name":"cache","region":"global"}'\n`,
    MGMT,
    mk,
  ],
];

const KAFKA_LEAKS: WildLeak[] = [
  [
    'Java: sasl.jaas.config with the password, the broker above',
    'Producer.java',
    `props.put("bootstrap.servers", "${broker}");\nprops.put("sasl.mechanism", "SCRAM-SHA-256");\nprops.put("security.protocol", "SASL_SSL");\nprops.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\\"${kafka.username}\\" password=\\"${kafka.password}\\";");\n`,
    KAFKA,
    kafka.password,
  ],
  [
    'kafkajs: sasl { mechanism, username, password } below the brokers',
    'kafka.js',
    `const kafka = new Kafka({\n  brokers: ["${broker}"],\n  sasl: {\n    mechanism: "scram-sha-256",\n    username: "${kafka.username}",\n    password: "${kafka.password}",\n  },\n  ssl: true,\n});\n`,
    KAFKA,
    kafka.password,
  ],
  [
    'kafka-python: sasl_plain_password=, the broker in bootstrap_servers',
    'producer.py',
    `producer = KafkaProducer(\n    bootstrap_servers="${broker}",\n    sasl_mechanism="SCRAM-SHA-256",\n    security_protocol="SASL_SSL",\n    sasl_plain_username="${kafka.username}",\n    sasl_plain_password="${kafka.password}",\n)\n`,
    KAFKA,
    kafka.password,
  ],
];

const cur = redisTokenParts({ seed: 'a2-current' });

/** A token cut at `at` and joined by `sep`, written by `write`; found on its first piece's line. */
const joinCase = (
  label: string,
  path: string,
  write: (joined: string) => string,
  [value, at, sep, q]: [string, number[], string, string?],
): WildLeak => [label, path, write(cutInQuotes(value, at, sep, q)), TOKEN, value.slice(0, at[0])];

const JOIN_LEAKS: WildLeak[] = [
  joinCase('PHP: a token cut over `.`', 'config/cache.php', (t) => `<?php\n$token = ${t};\n`, [
    cur.token,
    [30],
    ' . ',
    "'",
  ]),
  joinCase(
    'PHP: `.` at the start of the next line',
    'config/cache.php',
    (t) => `<?php\nreturn [\n    'token' => ${t},\n];\n`,
    [leg.token, [40, 80], '\n        . ', "'"],
  ),
  joinCase('Lua: a token cut over `..`', 'redis.lua', (t) => `local token = ${t}\n`, [
    cur.token,
    [25],
    ' .. ',
  ]),
];

const NOT_LEAKS: WildNotLeak[] = [
  [
    'PHP: the pieces of a token in the wrong order',
    'a.php',
    `<?php\n$token = '${cur.token.slice(30)}' . '${cur.token.slice(0, 30)}';\n`,
  ],
  [
    'Lua: a piece of a token joined to a variable',
    'a.lua',
    `local token = "${cur.token.slice(0, 30)}" .. rest\n`,
  ],
  [
    'a hash as the default of a name about nothing',
    'cache.kt',
    `val host = "${host}"\nval checksum = System.getenv("BUNDLE_MD5") ?: "${md5}"\n`,
  ],
  [
    'a password default with another server named beside it',
    'Config.cs',
    `var host = "cache.internal.example.com";\nvar password = Environment.GetEnvironmentVariable("REDIS_PASSWORD") ?? "${md5}";\n`,
  ],
  [
    'a UUID after argv in a script that calls another API',
    'scripts/seed.js',
    `const requestId = process.argv[2] || '${mk}';\nawait fetch('https://api.example.com/v1/items');\n`,
  ],
  [
    'an argv default under an API-key name, no Developer API called',
    'scripts/other.js',
    `const apiKey = process.argv[2] || '${mk}';\nconsole.log(apiKey);\n`,
  ],
  [
    'a Bearer UUID sent to another API',
    'scripts/notify.sh',
    `curl -H "Authorization: Bearer ${mk}" https://api.example.com/v1/messages\n`,
  ],
  [
    'Basic credentials with a variable user for another API',
    'scripts/deploy.sh',
    `curl -u "$DEPLOY_USER:${mk}" https://deploy.example.com/hooks\n`,
  ],
  [
    'base64 of text that is no UUID under a bare password beside a broker',
    'kafka.js',
    `const kafka = new Kafka({\n  brokers: ["${broker}"],\n  sasl: { mechanism: "scram-sha-256", username: "u", password: "${notUuid}" },\n});\n`,
  ],
  [
    'a base64 UUID under a bare password with no Kafka endpoint near',
    'db.js',
    `const client = new Client({\n  user: "app",\n  password: "${kafka.password}",\n});\n`,
  ],
];

const LEAK_GROUPS: [string, WildLeak[]][] = [
  ['defaults after a reference are their name’s value', DEFAULT_LEAKS],
  ['defaults after a command-line argument are the assigned name’s value', ARGV_LEAKS],
  ['a key handed to the Developer API with no email literal', DEVELOPER_API_LEAKS],
  ['Kafka credentials of the native protocol, beside a broker', KAFKA_LEAKS],
  ["tokens cut over PHP's `.` and Lua's `..`", JOIN_LEAKS],
];

describe.each(LEAK_GROUPS)('audit 2: %s', (_group, cases) => {
  expectLeaksFound(cases);
});

describe('audit 2: their lookalikes are not leaks', () => {
  expectNoFindings(NOT_LEAKS);
});
