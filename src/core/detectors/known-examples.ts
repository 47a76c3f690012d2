/**
 * Public, non-secret values from Upstash's docs and dev tooling that are structurally valid and must
 * never be reported. Stored as SHA-256 hashes (or decoded, non-secret identities) so that this
 * repository never holds credential-shaped strings.
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
 * Legacy-layout Redis tokens from the Developer API docs (create_database.mdx history:
 * `AXW_ASQg…`/`AnW_ASQg…` for database 30143, and `AZDiASQg…`/`ApDiASQg…` for 37090). Legacy ids
 * are also the TCP port of one regional database, so denying the id denies just those examples.
 */
const DOCS_LEGACY_DB_IDS = new Set([30143, 37090]);
const DOCS_DB_UUIDS = new Set(['96ad0856-03b1-4ee7-9666-e81abd0349e1']);

export function isKnownPublicValue(value: string): boolean {
  return DENIED_SHA256.has(createHash('sha256').update(value).digest('hex'));
}

export function isDocsLegacyRedisToken(dbId: number, uuid: string | undefined): boolean {
  return DOCS_LEGACY_DB_IDS.has(dbId) || (uuid !== undefined && DOCS_DB_UUIDS.has(uuid));
}
