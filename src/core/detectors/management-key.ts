import type { Detector, MatchContext } from '../types.js';
import { nearbyLines } from './nearby.js';
import { isPlaceholder } from './placeholders.js';
import { developerApiUrl, managementKey } from './synthetic.js';

const UPSTASH_KEY_NAME =
  /(UPSTASH[A-Z_]*(?:API|MANAGEMENT|DEVELOPER)[_-]?(?:KEY|TOKEN)|upstash[A-Za-z_]*(?:Api|Management)(?:Key|Token)|upstash:apiKey|TF_VAR_upstash_api_key)/i;
/**
 * The Developer API's host. The documented way to call it is Basic auth with the account email
 * and the key (`curl -u EMAIL:API_KEY https://api.upstash.com/v2/…`): a UUID sent there as
 * `email:key`, or under a generic api-key name in a file that calls it, is the management key.
 */
const DEVELOPER_API = /\bapi\.upstash\.com\b/;
/**
 * What stands before the key in Basic credentials: `me@x.io:` (curl `-u`/`--user`, a decoded
 * `Authorization: Basic` header, URL userinfo with `%40`) or `"me@x.io", "` (requests'
 * `auth=(…)`, `HTTPBasicAuth(…)`, axios `auth: { username, password }` on one line).
 */
const AFTER_EMAIL =
  /([A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9.-]+\.[A-Za-z]{2,})(?::|["'`][ \t]*,[ \t]*["'`]|["'`][ \t]*,[ \t]*password[ \t]*:[ \t]*["'`])$/;
/**
 * Other ways a script hands the key to the Developer API: Basic credentials whose email is a
 * variable (`curl -u "$UPSTASH_EMAIL:<key>"`, `${EMAIL}:`), or the key as a Bearer token
 * (`-H "Authorization: Bearer <key>"`: not the documented scheme, but the value is the key).
 */
const AFTER_EMAIL_VARIABLE = /\$\{?[A-Za-z_]\w*\}?:$/;
const AFTER_BEARER = /\bBearer[ \t]+$/i;
/**
 * A key name that says "API key" without saying whose: an Upstash key only inside an Upstash
 * block or file. `api_key`/`apiKey` (the CLI's login file, Terraform), and the management and
 * developer forms people write in their own configs (`management_api_key`, `ManagementApiKey`).
 */
const GENERIC_KEY_NAME =
  /^(?:(?:management|developer)[_-]?)?api[_-]?(?:key|token)$|^(?:management|developer)[_-]?key$/i;
/**
 * The Upstash CLI's login file, committed from a home directory (dotfiles) or a container image:
 * `~/.upstash.json` (`{"email":…,"apiKey":…}`, 0.x; read by 1.x too) and
 * `~/.config/upstash/config.json` (`{"email":…,"api_key":…}`, 1.x, also under
 * `$XDG_CONFIG_HOME`). Its only Upstash evidence is its name (upstash/cli src/config.ts).
 */
export const CLI_CONFIG_PATH = /(?:^|\/)(?:\.upstash\.json|upstash\/config\.json)$/;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;

/**
 * A generic `api_key` counts only inside an Upstash block opened at most 8 lines above and still
 * open: Terraform `provider "upstash" {`, YAML `upstash:`, TOML `[upstash]` or `[tool.upstash]`,
 * JSON `"upstash": {` (also on the key's own line), `upstash = {`, `new Upstash…(`. A mere mention of Upstash nearby (a .env with other services' API_KEY, a closed
 * block) is not enough.
 */
const BLOCK =
  /provider\s+"upstash"|^\s*\[(?:[\w-]+\.)*upstash(?:\.[\w-]+)*\]|^\s*["']?upstash["']?\s*[:={]|["']upstash\w*["']\s*:\s*\{|upstash\w*\s*=\s*\{|new\s+Upstash[\w.]*\(|\bupstash\.(?:New)?Provider(?:Args)?\b/i;
/**
 * A line's indentation, read after a leading comment marker: a block commented out whole
 * (`// const p = new upstash.Provider("p", {` / `//     apiKey: "<uuid>"`) keeps its shape.
 */
const indent = (l: string): number => /^\s*(?:(?:\/\/|#|--|\*)\s*)?/.exec(l)![0].length;

function insideUpstashBlock(ctx: MatchContext): boolean {
  const lines = ctx.text.slice(lineStartBefore(ctx, 8), ctx.index).split('\n');
  const current = lines[lines.length - 1]!;
  // One-line block, `upstash = { api_key = "…" }`: opened by a brace and not closed before the value.
  const inline = BLOCK.exec(current);
  if (inline) {
    const rest = current.slice(inline.index + inline[0].length);
    return /\{/.test(inline[0] + rest) && !rest.includes('}');
  }
  for (let i = lines.length - 2; i >= 0; i--) {
    const header = lines[i]!;
    if (!BLOCK.test(header)) continue;
    const braces = (header.match(/\{/g)?.length ?? 0) - (header.match(/\}/g)?.length ?? 0);
    if (header.includes('{') && braces <= 0) return false; // opened and closed on its own line
    // A brace alone on its line (C#, Allman style) opens the block's body, it does not close it.
    const body = lines.slice(i + 1, -1).filter((l) => l.trim() !== '' && !/^\s*[{([]\s*$/.test(l));
    if (/^\s*\[/.test(header)) return !body.some((l) => /^\s*\[/.test(l)); // TOML section
    const h = indent(header);
    return indent(current) > h && !body.some((l) => indent(l) <= h);
  }
  return false;
}
function lineStartBefore(ctx: MatchContext, radius: number): number {
  let i = ctx.index;
  for (let d = 0; d <= radius && i > 0; d++) i = ctx.text.lastIndexOf('\n', i - 1);
  return Math.max(0, i + 1);
}

/**
 * The Developer API's host within `radius` lines (a curl continued over lines, the URL a script
 * builds a few lines below its `api_key`), and no other API's URL on the key's own line: a file
 * that calls several APIs holds their keys too.
 */
function callsDeveloperApi(ctx: MatchContext, radius: number): boolean {
  if (/https?:\/\/(?!api\.upstash\.com\b)[\w.-]+\.[a-z]{2,}/i.test(ctx.line)) return false;
  return DEVELOPER_API.test(nearbyLines(ctx, radius));
}

/**
 * The Upstash MCP server's command line as its README writes it: `npx -y @upstash/mcp-server run
 * <email> <key>` (also `init`, and the local build `dist/index.js run …` in an `upstash` entry),
 * or `--api-key <key>` / `--api-key=<key>`: in a shell line or an MCP client's `args` array, on
 * one line or one argument a line. Upstash must be named earlier in the same argument list
 * (nothing that closes it, `]`, `}`, `)`, `;`, `|`, `&`, stands between), at most 6 lines above.
 */
function mcpServerArgument(ctx: MatchContext): boolean {
  // At most 6 lines and 2,000 characters back: a minified line holding many UUIDs is not reread.
  const window = ctx.text.slice(Math.max(lineStartBefore(ctx, 6), ctx.index - 2000), ctx.index);
  const at = window.toLowerCase().lastIndexOf('upstash');
  if (at < 0) return false;
  const args = window.slice(at);
  if (/[\]})};|&]/.test(args)) return false;
  // One command: each line break continues it (`,`, `[` or `{` of JSON, a shell `\`, a YAML `- `).
  const lines = args.split('\n');
  for (let i = 0; i + 1 < lines.length; i++)
    if (!/[,[{\\]\s*$/.test(lines[i]!) && !/^\s*- /.test(lines[i + 1]!)) return false;
  const flat = args
    .replace(/\n\s*- /g, ' ')
    .replace(/["'\\,\s]+/g, ' ')
    .slice(-400);
  return /\s(?:run|init) [\w.%+-]{1,64}@[\w.-]{1,253}\.[a-z]{2,24} $|\s--(?:api-?)?key(?:=| )$/i.test(
    flat,
  );
}

/** Upstash context around a UUID: an Upstash API-key name, or an api_key inside an upstash block. */
function hasUpstashContext(ctx: MatchContext): boolean {
  if (ctx.key && /BOX/i.test(ctx.key)) return false; // Upstash Box keys are box_…/abx_…, not UUIDs
  if (ctx.key && UPSTASH_KEY_NAME.test(ctx.key)) return true;
  // "Upstash management API key: <uuid>", and Pulumi `upstash:apiKey: <uuid>`.
  if (/upstash([\w -]{0,30}|:)api[ _-]?key/i.test(ctx.before)) return true;
  // `upstash auth login --email me@x.io --api-key <uuid>` (CLI docs), `--key=` (0.x CLI).
  if (/\bupstash\b.*--(?:api-?)?key[ =]["']?$/i.test(ctx.before)) return true;
  if (mcpServerArgument(ctx)) return true;
  const sent = [AFTER_EMAIL, AFTER_EMAIL_VARIABLE, AFTER_BEARER].some((re) => re.test(ctx.before));
  if (sent && callsDeveloperApi(ctx, 3)) return true;
  // Terraform `variable "upstash_api_key" { default = "<uuid>" }`.
  if (ctx.key === 'default')
    return /variable\s+"upstash\w*api_?key"/i.test(
      ctx.text.slice(lineStartBefore(ctx, 3), ctx.index),
    );
  if (ctx.key && GENERIC_KEY_NAME.test(ctx.key))
    return CLI_CONFIG_PATH.test(ctx.path) || insideUpstashBlock(ctx) || callsDeveloperApi(ctx, 10);
  return false;
}

/** Developer / management API key: a UUID v4, only with Upstash context; paired with the email. */
/**
 * A UUID v4 that is no Upstash key (a database id, another service's key) in the negatives: built
 * at run time, since a UUID written next to an Upstash name reads as a management key to other
 * scanners.
 */
const OTHER_ID = managementKey({ seed: 'management-key negatives' });

export const managementKeyDetector = {
  id: 'upstash-management-key',
  type: 'upstash-management-key',
  title: 'Upstash management API key',
  keywords: ['STASH', 'stash'],
  // The CLI's login file names Upstash only in its path.
  paths: CLI_CONFIG_PATH,
  // What a login file holding a key has, whatever its path: a UUID v4 a few characters after a
  // generic key name on its line (GENERIC_KEY_NAME, whole; `validate` reports nothing else
  // there), whatever stands between (`: "`, ` := `, `>`, `: [`, `: !!str `).
  pathContent: [
    /(?<![\w-])(?:(?:(?:management|developer)[_-]?)?api[_-]?(?:key|token)|(?:management|developer)[_-]?key)(?![\w-])[^\n\r]{0,16}?(?<![\w/-])[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}(?![\w-])/i,
  ],
  pattern:
    /(?<![A-Za-z0-9/_-])([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})(?![A-Za-z0-9_-])/g,
  // The UUID's version nibble: `xxxxxxxx-xxxx-4…` has "-4" at offset 13 of every match.
  anchor: { literal: '-4', offset: 13 },
  validate(m, ctx) {
    const uuid = m[1]!;
    if (/\/\S*$/.test(ctx.before) && /https?:\/\//.test(ctx.before)) return null; // inside a URL
    if (ctx.key && /(_ID|Id|_UUID|_uuid|_id)$|^(id|uuid)$/i.test(ctx.key)) return null;
    if (isPlaceholder(uuid) || /^0{8}-|^12345678-/.test(uuid)) return null;
    if (!hasUpstashContext(ctx)) return null;
    // The email of Basic credentials (`-u me@x.io:<key>`), else an email line nearby.
    const basic = AFTER_EMAIL.exec(ctx.before)?.[1]?.replace('%40', '@');
    const email =
      basic ??
      EMAIL.exec(
        nearbyLines(ctx, 15)
          .split('\n')
          .filter((l) => /email|UPSTASH_EMAIL/i.test(l))
          .join('\n'),
      )?.[0];
    return {
      type: 'upstash-management-key',
      secret: uuid,
      identity: `management:${uuid}`,
      readOnly: false,
      endpoint: 'https://api.upstash.com',
      confidence: 'high',
      details: { emailFound: email !== undefined },
      ...(email ? { companion: { email } } : {}),
    };
  },
  examples: {
    positives: () => [
      `UPSTASH_EMAIL=dev@example.org\nUPSTASH_API_KEY=${managementKey()}`,
      `export TF_VAR_upstash_api_key="${managementKey()}"`,
      `config:\n  upstash:email: ops@example.org\n  upstash:apiKey: ${managementKey()}`,
      `# Upstash management API key: ${managementKey()}`,
      `[upstash]\nemail = "ops@example.org"\napi_key = "${managementKey()}"`,
      `upstash:\n  email: ops@example.org\n  api_key: ${managementKey()}`,
      `upstash auth login --email ops@example.org --api-key ${managementKey()}`,
      `variable "upstash_api_key" {\n  type    = string\n  default = "${managementKey()}"\n}`,
      `UPSTASH_MANAGEMENT_KEY=${managementKey()}`,
      `provider "upstash" {\n  email   = "ops@example.org"\n  api_key = "${managementKey()}"\n}`,
      // The Developer API, called as documented (Basic auth: email and key).
      `curl -X GET ${developerApiUrl()} -u 'ops@example.org:${managementKey()}'`,
      `r = requests.get("${developerApiUrl('teams')}", auth=("ops@example.org", "${managementKey()}"))`,
      `curl -u "$UPSTASH_EMAIL:${managementKey()}" ${developerApiUrl()}`,
      `curl -X POST ${developerApiUrl('redis/database')} \\\n  -H "Authorization: Bearer ${managementKey()}"`,
      `email = "ops@example.org"\napi_key = "${managementKey()}"\nurl = "${developerApiUrl()}"`,
      `UPSTASH_API_TOKEN=${managementKey()}`,
      // Upstash-named blocks with the forms people write in their own configs.
      `{"upstash": {"email": "ops@example.org", "apiKey": "${managementKey()}"}}`,
      `[tool.upstash]\nemail = "ops@example.org"\nmanagement_api_key = "${managementKey()}"`,
      `upstash:\n  email: ops@example.org\n  managementApiKey: ${managementKey()}`,
    ],
    negatives: [
      `https://console.upstash.com/redis/${OTHER_ID}`,
      `UPSTASH_DATABASE_ID=${OTHER_ID}`,
      `request_id = "${OTHER_ID}"`,
      'UPSTASH_API_KEY=${UPSTASH_API_KEY}',
      `# upstash\ndatabase_id: ${OTHER_ID}`,
      `api_key = "${OTHER_ID}" # stripe`,
      `UPSTASH_REDIS_REST_URL=https://fancy-cat-12345.upstash.io\nAPI_KEY=${OTHER_ID}`,
      `provider "upstash" {\n  email = var.email\n}\nprovider "other" {\n  api_key = "${OTHER_ID}"\n}`,
      `upstash:\n  region: eu\nsentry:\n  api_key: ${OTHER_ID}`,
      `variable "region" {\n  default = "${OTHER_ID}"\n}`,
      // A file that calls the Developer API and another API: the other API's key.
      `const upstash = "${developerApiUrl()}";${'\n'.repeat(12)}api_key = "${OTHER_ID}" # stripe`,
      // Basic credentials for another API.
      `curl -u 'ops@example.org:${OTHER_ID}' https://api.example.com/v1`,
      `curl -u "$API_USER:${OTHER_ID}" https://api.example.com/v1`,
      `curl -H "Authorization: Bearer ${OTHER_ID}" https://api.example.com/v1`,
      `curl ${developerApiUrl(`redis/database/${OTHER_ID}`)} -u "$UPSTASH_EMAIL:$UPSTASH_API_KEY"`,
      // Another service's key after a closed one-line Upstash object, or in another TOML table.
      `{"upstash": {"region": "eu-west-1"}, "sentry": {"apiKey": "${OTHER_ID}"}}`,
      `[tool.upstash]\nregion = "eu-west-1"\n[tool.sentry]\napi_key = "${OTHER_ID}"`,
      // Another provider's key in Pulumi Go, the Upstash provider closed above.
      `_, err := upstash.NewProvider(ctx, "u", &upstash.ProviderArgs{Email: pulumi.String("ops@example.org")})\n_, err = datadog.NewProvider(ctx, "dd", &datadog.ProviderArgs{\n\tApiKey: pulumi.String("${OTHER_ID}"),\n})`,
    ],
  },
} satisfies Detector;
