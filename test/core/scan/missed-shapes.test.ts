/**
 * Shapes read from public code that the engine used to miss (wild-shapes.test.ts listed them until
 * they were found). Each leak is found with its type on its line; near misses written the same way
 * (placeholders, references, other servers, values that do not validate) are not. Every value is
 * built at run time: a literal of these shapes in a tracked file is what this repository scans for.
 */
import type { CredentialType } from '../../../src/core/index.js';
import {
  expectLeaksFound,
  expectNoFindings,
  type WildLeak,
  type WildNotLeak,
} from '../../helpers/wild-cases.js';
import { managementKey, ZERO_UUID } from '../../helpers/synthetic.js';

const MGMT: CredentialType = 'upstash-management-key';

const mk = managementKey({ seed: 'ms-mk' });
const otherId = managementKey({ seed: 'ms-other-id' });

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
    'config:\n  upstash:email: dev@example.com\n  upstash:apiKey:\n    secure: v1:q3Nz8kVb1mE2cW9x:Hq7sK2mNp4rT8vX1zB5dF9gJ3lP6sW0yC4eG8iK2mO6qS0uW4yA8cE2gI6kM0o\n',
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
