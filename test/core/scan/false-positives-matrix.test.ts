/**
 * The false-positive side of the containers matrix: every entry of the credentials reference's
 * false-positive catalogue (§7) and the placeholders, references, redactions and secret-manager
 * pointers people commit instead of a value, under every Upstash credential name, in every
 * container that carries a name (test/helpers/containers.ts); and lookalike files (lockfiles,
 * images, hashes and ids next to Upstash names, JWTs, other Redis providers, our own reports).
 * None may give a finding.
 */
import { CONTAINERS, ENCODINGS, scanPlaced, type Placed } from '../../helpers/containers.js';
import { PUBLIC_EXAMPLES as P } from '../../helpers/public-examples.js';
import {
  managementKey,
  OTHER_SERVER_HEX,
  qstashToken,
  redisHost,
  redisTokenParts,
  signingKey,
  SSH_KEY_HOLDING_TOKEN_BYTES,
  vectorToken,
  ZERO_UUID,
} from '../../helpers/synthetic.js';

const TOKEN_IN_HASH = [
  'AFuoAAIncDEzNDQ0MDhh',
  'NzJmMGJjMTRhMzgwYzBh',
  'MTU2Yjk0YTIxZHAxMzQxMjcA',
].join('');

/** A JWT whose payload starts like a QStash token, built here (written out, peers flag it). */
const lookalikeJwt = [
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9',
  Buffer.from('{"UserID":"1234567890","PlatformID":1}').toString('base64').replace(/=+$/, ''),
  'c2lnbmF0dXJlc2lnbmF0dXJl',
].join('.');

/** One name per credential type (the containers matrix varies names; here the values vary). */
const NAMES = [
  'UPSTASH_REDIS_REST_TOKEN',
  'KV_REST_API_READ_ONLY_TOKEN',
  'REDIS_URL',
  'UPSTASH_REDIS_PASSWORD',
  'UPSTASH_VECTOR_REST_TOKEN',
  'UPSTASH_SEARCH_REST_TOKEN',
  'QSTASH_TOKEN',
  'QSTASH_CURRENT_SIGNING_KEY',
  'UPSTASH_API_KEY',
  'UPSTASH_KAFKA_REST_PASSWORD',
  'UPSTASH_BOX_API_KEY',
  'CONTEXT7_API_KEY',
];

/** Values that are not credentials, whatever name they stand under. */
function notCredentials(): [string, string][] {
  const token = redisTokenParts({ seed: 'fp-cut' }).token;
  const qstash = qstashToken({ seed: 'fp-cut' });
  const vector = vectorToken({ seed: 'fp-cut' });
  const sig = signingKey({ seed: 'fp-cut' });
  return [
    // References and interpolations.
    ['GitHub Actions secret', '${{ secrets.UPSTASH_REDIS_REST_TOKEN }}'],
    ['shell ${VAR}', '${UPSTASH_REDIS_REST_TOKEN}'],
    ['shell $VAR', '$UPSTASH_REDIS_REST_TOKEN'],
    ['process.env', 'process.env.UPSTASH_REDIS_REST_TOKEN'],
    ['import.meta.env', 'import.meta.env.VITE_UPSTASH_REDIS_REST_TOKEN'],
    ['Deno.env.get', 'Deno.env.get("UPSTASH_REDIS_REST_TOKEN")'],
    ['os.getenv', 'os.getenv("UPSTASH_REDIS_REST_TOKEN")'],
    ['Helm', '{{ .Values.upstash.token }}'],
    ['Windows %VAR%', '%UPSTASH_REDIS_REST_TOKEN%'],
    ['f-string', '{UPSTASH_REDIS_PASSWORD}'],
    ['Azure Pipelines / make $(VAR)', '$(UPSTASH_REDIS_REST_TOKEN)'],
    ['Octopus #{VAR}', '#{UpstashRedisRestToken}'],
    // Secret managers.
    [
      'Azure Key Vault reference',
      '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/upstash/)',
    ],
    [
      'AWS Secrets Manager ARN',
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:upstash-token-AbCdEf',
    ],
    ['CloudFormation dynamic reference', '{{resolve:secretsmanager:upstash:SecretString:token}}'],
    ['1Password reference', 'op://Production/Upstash/credential'],
    ['Vault path', 'vault:secret/data/upstash#token'],
    ['SOPS', 'ENC[AES256_GCM,data:q2Vb8k3J0xHc,iv:Zm9vYmFyYmF6cXV4,tag:YWJjZGVmZ2hpams=,type:str]'],
    // Placeholders.
    ['your-token-here', 'your-token-here'],
    ['your_…', 'your_upstash_redis_rest_token'],
    ['<YOUR_…>', '<YOUR_UPSTASH_REDIS_REST_TOKEN>'],
    ['<TOKEN>', '<TOKEN>'],
    ['xxx', 'xxx'],
    ['x run', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'],
    ['REPLACE_ME', 'REPLACE_ME'],
    ['REPLACE_WITH_…', 'REPLACE_WITH_YOUR_UPSTASH_TOKEN'],
    ['changeme', 'changeme'],
    ['env name as the value', 'UPSTASH_VECTOR_REST_TOKEN'],
    ['mock-token', 'mock-token'],
    ['test-token', 'test-token'],
    ['words', 'current-signing-key-at-least-24-characters'],
    ['AX...', 'AX...'],
    ['AXXXxxx…', 'AXXX' + 'x'.repeat(58)],
    ['AXxxACQgxxxx…', `AXxxACQg${'x'.repeat(52)}`],
    ['AaBbCc…', 'AaBbCcDdEeFfGgHhIiJjKkLlMm' + 'NnOoPpQqRrSsTtUuVvWwXxYyZz123456789=='],
    ['box_xxxx', 'box_xxxxxxxxxxxxxxxxxxxxxxxx'],
    ['sig_xxx', 'sig_xxx'],
    ['sig_test', 'sig_test'],
    ['qstash_xxxx', 'qstash_xxxxxxxxxxxxxxxxxxxxxxxx'],
    ['ctx7sk placeholder', 'ctx7sk-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx'],
    [
      'URL with a placeholder password',
      'rediss://default:<password>@fancy-cat-12345.upstash.io:6379',
    ],
    [
      'URL with a referenced password',
      'rediss://default:${UPSTASH_REDIS_PASSWORD}@fancy-cat-12345.upstash.io:6379',
    ],
    ['URL with a masked password', 'rediss://default:********@fancy-cat-12345.upstash.io:6379'],
    // Redactions.
    ['****', '********'],
    ['***', '***'],
    ['[redacted]', '[redacted]'],
    ['<redacted>', '<redacted>'],
    ['…', '…'],
    ['AX****', 'AX****'],
    ['our own masked form', `${token.slice(0, 4)}…(${token.length} chars)`],
    ['our own masked signing key', `sig_…(${sig.length} chars)`],
    // Truncations: a cut copy of a valid value.
    ['truncated with ...', 'AYpaAAIncDE...'],
    ['cut token', token.slice(0, -9)],
    ['cut token with an ellipsis', `${token.slice(0, 20)}...`],
    ['cut QStash token', qstash.slice(0, 90)],
    ['cut Vector token', vector.slice(0, 70)],
    ['cut signing key', sig.slice(0, 20)],
    // Documentation examples (credentials reference §2-§4, §7).
    ['Kafka docs username', P.kafkaDocsUsername.value],
    ['Kafka docs password', P.kafkaDocsPassword.value],
    ['Fly docs password', P.flyDocsPassword.value],
    ['docs fake password', P.docsFakePassword.value],
    ['restapi.mdx edited hex', P.restApiDocsHex.value],
    ['docs fake token', P.restApiDocsToken.value],
    ['openapi edited Redis token', P.openapiRedisToken.value],
    ['openapi Vector token', P.openapiVectorToken.value],
    ['openapi Vector read-only token', P.openapiVectorReadOnlyToken.value],
    ['ACL docs byte counter', 'AQIDBAUGBwgJCgsMDQ4PEBESExQVFhc'],
    ['openapi placeholder', 'ZXhhbXBsZUB1cHN0YXNoLmNvbTpuYWJlcg=='],
    ['QStash dev-server token', P.qstashDevToken.value],
    ['QStash dev-server test token', P.qstashDevTestToken.value],
    ['QStash dev-server current key', P.qstashDevCurrentSigningKey.value],
    ['QStash dev-server next key', P.qstashDevNextSigningKey.value],
    ['QStash older dev-server key', P.workflowDevCurrentSigningKey.value],
  ];
}

interface Case {
  id: string;
  placed: Placed;
}

function buildCases(): Case[] {
  const cases: Case[] = [];
  for (const [label, value] of notCredentials())
    for (const c of CONTAINERS) {
      if (!c.named || c.applies) continue;
      for (const name of NAMES) {
        let placed: Placed;
        try {
          placed = c.place(name, value, { value });
        } catch {
          continue; // a container that cannot hold this value (a marker it needs is absent)
        }
        cases.push({ id: `${label} | ${c.label} | ${name}`, placed });
      }
    }
  return cases;
}

describe('false-positive matrix: placeholders, references, redactions under every name', () => {
  const cases = buildCases();
  // One finding list per case would be thousands of tests; failures are grouped instead, so a
  // regression names every case it breaks at once.
  it(`${cases.length} cases give no finding`, () => {
    expect(cases.length).toBeGreaterThan(5000);
    const found: string[] = [];
    for (const { id, placed } of cases) {
      const f = scanPlaced(placed);
      if (f.length > 0)
        found.push(`${id}: ${f.map((x) => `${x.type} ${x.confidence} ${x.masked}`).join(', ')}`);
    }
    expect(found).toEqual([]);
  });

  it('the same in every encoding (.env)', () => {
    const env = CONTAINERS.find((c) => c.label === '.env')!;
    const found: string[] = [];
    for (const [label, value] of notCredentials())
      for (const name of NAMES)
        for (const [enc, apply] of ENCODINGS) {
          const f = scanPlaced(apply(env.place(name, value, { value })));
          if (f.length > 0) found.push(`${label} | ${name} | ${enc}: ${f.map((x) => x.type)}`);
        }
    expect(found).toEqual([]);
  });
});

describe('false-positive matrix: lookalike files', () => {
  const host = `https://${redisHost(23456, { seed: 'fp' })}`;
  const uuid = managementKey({ seed: 'fp' });
  const hex32 = OTHER_SERVER_HEX;
  const sha1 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4';
  const sha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
  const png = Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 131 + 7) % 256)).toString(
    'base64',
  );
  const files: [string, string, string][] = [
    [
      'package-lock.json',
      'package-lock.json',
      JSON.stringify(
        {
          packages: {
            'node_modules/@upstash/redis': {
              version: '1.34.0',
              resolved: 'https://registry.npmjs.org/@upstash/redis/-/redis-1.34.0.tgz',
              integrity: `sha512-${Buffer.alloc(64, 7).toString('base64')}`,
            },
            'node_modules/@upstash/qstash': {
              version: '2.7.0',
              // A token-shaped run inside an integrity hash, joined at run time (never committed whole).
              integrity: `sha512-${TOKEN_IN_HASH}${TOKEN_IN_HASH}==`,
            },
          },
        },
        null,
        2,
      ),
    ],
    [
      'yarn.lock',
      'yarn.lock',
      `"@upstash/redis@^1.34.0":\n  version "1.34.0"\n  resolved "https://registry.yarnpkg.com/@upstash/redis/-/redis-1.34.0.tgz#${sha1}"\n  integrity sha512-${Buffer.alloc(64, 9).toString('base64')}\n`,
    ],
    [
      'pnpm-lock.yaml',
      'pnpm-lock.yaml',
      `packages:\n  /@upstash/redis@1.34.0:\n    resolution: {integrity: sha512-${Buffer.alloc(64, 3).toString('base64')}}\n`,
    ],
    [
      'base64 image beside Upstash config',
      'src/app/page.tsx',
      `const url = process.env.UPSTASH_REDIS_REST_URL;\nconst token = process.env.UPSTASH_REDIS_REST_TOKEN;\nconst logo = "data:image/png;base64,${png}";\n`,
    ],
    [
      'CSS with an inline image',
      'styles/upstash.css',
      `.upstash-logo { background: url("data:image/png;base64,${png}"); }\n`,
    ],
    [
      'ids and hashes next to Upstash names',
      '.env',
      `UPSTASH_REDIS_REST_URL=${host}\nUPSTASH_DATABASE_ID=${uuid}\nUPSTASH_REDIS_DATABASE_ID=${uuid}\nGIT_SHA=${sha1}\nBUILD_HASH=${sha256}\nCACHE_KEY=${hex32}\nQSTASH_MESSAGE_ID=msg_${hex32}\n`,
    ],
    [
      'console URL with a database UUID',
      'README.md',
      `Open https://console.upstash.com/redis/${uuid} and copy the UPSTASH_REDIS_REST_TOKEN.\nUpstash database id: ${uuid}\n`,
    ],
    [
      'another service password next to an Upstash URL',
      '.env',
      `UPSTASH_REDIS_REST_URL=${host}\nUPSTASH_REDIS_REST_TOKEN=\${UPSTASH_TOKEN}\nPOSTGRES_PASSWORD=${hex32}\n`,
    ],
    [
      'SMTP password next to an Upstash URL',
      'config/.env.production',
      `UPSTASH_REDIS_REST_URL=${host}\nSMTP_HOST=smtp.example.org\nSMTP_PASSWORD=${hex32}\n`,
    ],
    [
      'another service password in a Kubernetes Secret beside an Upstash URL',
      'k8s/secret.yaml',
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ndata:\n  UPSTASH_REDIS_REST_URL: ${Buffer.from(host).toString('base64')}\n  DATABASE_PASSWORD: ${Buffer.from(hex32).toString('base64')}\n  JWT_SECRET: ${Buffer.from(hex32).toString('base64')}\n`,
    ],
    [
      'Kubernetes Secret with placeholder values',
      'k8s/secret.yaml',
      `apiVersion: v1\nkind: Secret\ndata:\n  UPSTASH_REDIS_REST_TOKEN: ${Buffer.from('your-token-here').toString('base64')}\n  UPSTASH_API_KEY: ${Buffer.from(ZERO_UUID).toString('base64')}\n  QSTASH_TOKEN: ${Buffer.from('<QSTASH_TOKEN>').toString('base64')}\n`,
    ],
    [
      'JWT whose payload starts like a QStash token',
      'src/auth.ts',
      `const t = "${lookalikeJwt}"; // QSTASH_TOKEN\n`,
    ],
    [
      'SSH key next to Upstash names',
      'deploy/keys.env',
      `UPSTASH_REDIS_REST_TOKEN=\${{ secrets.T }}\nDEPLOY_KEY="ssh-ed25519 ${SSH_KEY_HOLDING_TOKEN_BYTES} deploy@host"\n`,
    ],
    [
      'other Redis providers',
      '.env',
      `REDIS_URL=redis://default:${hex32}@redis.example.com:6379\nCACHE_URL=rediss://:${hex32}@cache.redis.cache.windows.net:6380\nLOCAL=redis://localhost:6379\nUPSTASH_REDIS_REST_URL=${host}\n`,
    ],
    [
      'upstash-guard JSON report committed to the repository',
      'reports/upstash-guard.json',
      JSON.stringify(
        {
          findings: [
            {
              type: 'upstash-redis-token',
              masked: 'AYVP…(62 chars)',
              fingerprint: sha256,
              endpoint: host,
              occurrences: [{ path: '.env', line: 3 }],
            },
            { type: 'upstash-qstash-signing-key', masked: 'sig_…(32 chars)', fingerprint: sha256 },
          ],
        },
        null,
        2,
      ),
    ],
    [
      'Markdown docs with env placeholders',
      'docs/deploy.md',
      '## Environment\n\n| Name | Value |\n|---|---|\n| `UPSTASH_REDIS_REST_URL` | `https://<your-db>.upstash.io` |\n| `UPSTASH_REDIS_REST_TOKEN` | `<your token>` |\n| `QSTASH_TOKEN` | from the console |\n| `QSTASH_CURRENT_SIGNING_KEY` | `sig_...` |\n',
    ],
    [
      'TypeScript types and env schema',
      'src/env.ts',
      'export const env = z.object({\n  UPSTASH_REDIS_REST_URL: z.string().url(),\n  UPSTASH_REDIS_REST_TOKEN: z.string().min(1),\n  QSTASH_CURRENT_SIGNING_KEY: z.string(),\n});\n',
    ],
  ];

  it.each(files)('%s', (_label, path, text) => {
    for (const [, apply] of ENCODINGS.slice(0, 2)) {
      const f = scanPlaced(apply({ path, text, line: 1 }));
      expect(f.map((x) => `${x.type} ${x.confidence} ${x.masked}`)).toEqual([]);
    }
  });
});
