/**
 * Public, non-secret values from Upstash's docs and dev tooling that are structurally valid and must
 * never be reported. Stored as SHA-256 hashes only, so that this repository never holds
 * credential-shaped strings (tests rebuild the values themselves from test/helpers/public-examples.ts,
 * and test/repo-hygiene.test.ts fails on any tracked file holding one).
 */
import { createHash } from 'node:crypto';

/** QStash local dev-server signing keys (upstash/qstash-js src/dev-server/constants.ts; docs). */
const DENIED_SHA256 = new Set([
  'b5f1743a394ce39b42493de7e6bc40226042491fb77bd417e40e92fcd11a8bd8',
  '54c3b917bfd471e12e0713535d69ad97584a415916ab360f4838bd23f2d70ffe',
  'e66758c9f37fb35692a7073d6546945b6b712ce3112c9859b717af6bb96751e8',
  '72b2f7537cb217c6fab0ea3367b6753ba3804cde37b1f62593cd8d5eb86cf2a1',
  '4c79928ba8eaae9f6f2e81489744c153e5ecf41cdcd2ca8eee28b64a510ee994',
  '7f8ebade2f57171fe5f466822784abd38f4b9f2258fecea1281aae2fc5c35d35',
  'ad02c376e0eab38d6796810d0791d8e434708de1f065dd1af71c1aa526b4ea48',
  '0e2a67583ede642345c1750e3cb495df724e9d56a172a0bb484b8f999ce643b7',
  // Older workflow dev-server set and the user1/password1 variant.
  'e0c74a99dae086939cf599a95e46d9e62bb32c63841a02ff99d1ae27b48943a0',
  'f5f0ff3f6ee0f124c10869018b9c72c6160031ef682737086551f6e20ae56987',
  '688f8c1b9df8ca24021a81b1063c70e652820dfed2ecffd7b621831f9250b898',
  'de648083720912f7db13082969670a657a43e7a0494a844c7df6f16513170b89',
]);

/**
 * Structurally valid Redis values from Upstash's Developer-API docs and CLI README (upstash/docs
 * devops/developer-api/redis/{create_database,list_databases,reset_password}.mdx: database 30143
 * `AXW_ASQg…`/`AnW_ASQg…` before and after a reset; upstash/cli README: database 37090
 * `AZDiASQg…`/`ApDiASQg…`), and the 32-hex TCP passwords they embed.
 */
const DOCS_SHA256 = [
  '0505f57c21775e6514e58c5919db302fd0dcb219d15d662cdb3c54965907e738',
  'd48a989259ac1120ce3618984e9de8a747835a2b9f3c5c554de8cc3064a97d3b',
  '54d43801378ec3e703203982951a2bb17c2e053fc6fbbc9cd22730159916bd82',
  '14d374f66cf5b6edf8b1dcb0dbd6ff6d6ab436eb0ae9cb14b1725a0cbda1c413',
  'ede2d0f7e8d656357a364bedecdcf069c8184f7e7f75080c2acda0d95e8efe8f',
  '54199a74c86cdf6206e930f13335bfca774d67daf41396e55e4c22b0ab4f1de8',
  '87c8a6f3e2b8c9768a24d1eed7b64df29d9b081e03624fff38943e8178af1e2a',
  '9444369a6976e4b098725024c5bbd3d7947495787b676173e286e4beec3d5645',
  'f8ee547b383be65d9d944ed9db09c060933303412666948d1663c2961395023e',
  // Docs fake passwords (redis/quickstarts/fly.mdx `978ba2e0…`, docs `d34baef6…`).
  '61a1a3f3f84b9efe551e8268fa70493a20c69cfb85061a6f454dd74f886bdb67',
  '50bf264319f1ea59ac3c64e3e92245f5740ed8ad90fbc6ac70444c1145bf2074',
  // Developer-API openapi Vector index examples (`QkZGAsWp…`, `QkZGRk1h…`, upstash/docs
  // devops/developer-api openapi.yml) and restapi.mdx's edited token `2553feg6…`.
  '731c17c7def7daa33109eadc3fa10c2b03bf75407854ba6260ed4bdc631717ad',
  'c102e4c0d0fe36097e84168f5d2dae73ec4fb0ab6da62496dca6d11ae7e3aef6',
  '293e938a58282a369858210ee8c3c314eaea05c93526b385c8ef478a32d94700',
  // Kafka REST docs username and password (`G9wcy1zd…`, `eUmYCkAl…`, credentials reference §7),
  // reported as unknown formats when they stand under another Upstash name.
  '1fd1642d62eb5b995618b8c03377e44538f0f36daaf6eaa979b042ef15bd0793',
  '9711eaf92e8f70ff5b97d1069f1d7fad7a1722e26067c79eb84cd2ef99a0e780',
  // Developer-API response examples' 32-hex TCP passwords, each beside a database host, so they
  // read as a legacy database's password: `dd1803…` ("global-test", support@upstash.com;
  // devops/developer-api/openapi.yaml, redis/create.mdx, create_database_global.mdx, index.html.md,
  // 25 occurrences in the docs' history) and `f65e75…` ("myredis", example@upstash.com;
  // index.html.md(x)). Found by scanning upstash/docs' history.
  'a04d983619d312e737ee3a174d80f5fc493fb114fe858288850a5ae9db28f0bc',
  'bfa1ce331f35719f1c00f26fc53b5c2d4a9b0f21e6b8140206d49483b0bd61fd',
];
for (const h of DOCS_SHA256) DENIED_SHA256.add(h);

/**
 * SHA-256 of the database UUIDs of those docs databases (30143 `96ad0856-…`, 37090 `a3e25299-…`).
 * A legacy token carries its database UUID in cleartext, so any other docs variant of them (another
 * reset) is denied too. Identities, not secrets, but hashed like the rest: written out, a UUID
 * beside Upstash names reads as a management key to other scanners.
 */
const DOCS_DB_UUID_SHA256 = new Set([
  '638d65699b51acfe474a0fd7b5593f1a89adfe5d6672e5227941cdc00bbeaf52',
  '4e6063ba34df2cb2c6588154c2a9c0cd6489c1ed6abbf92bc122c1e9dc4112e6',
]);

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

/** True for a public docs / dev-server value; `value` is the normalised secret (padding restored). */
export function isKnownPublicValue(value: string): boolean {
  return DENIED_SHA256.has(sha256(value));
}

export function isDocsLegacyRedisToken(uuid: string | undefined): boolean {
  return uuid !== undefined && DOCS_DB_UUID_SHA256.has(sha256(uuid));
}
