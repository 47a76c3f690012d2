/**
 * Public, non-secret example values that tests feed to the engine to prove they are recognised as
 * public examples and never reported: values printed in Upstash's documentation and the QStash
 * local dev server's fixed credentials. The engine knows them only as SHA-256 hashes
 * (src/core/detectors/known-examples.ts) or by generic rules (a QStash dev-server token has no
 * UUID UserID; the docs fake Redis token has no valid length).
 *
 * Why they are not written out: each is shaped like an Upstash credential, so a literal copy in a
 * tracked file is what secret scanners report: ours, and peers like GitGuardian, TruffleHog,
 * gitleaks or Kingfisher (whose Upstash rule has an alternative matching the restapi.mdx fake
 * token's prefix literally). A scanner cannot tell a published example from a leak without
 * knowing it, and a report on this repository costs every reader a check. So each value is stored
 * reversed and cut into pieces of at most six characters, and rebuilt when a test runs; no piece,
 * nor the source as a whole, holds a credential shape. test/repo-hygiene.test.ts fails when any
 * tracked file holds one. Every entry says where the value is published, so a reader can check
 * that it is public.
 *
 * Adding one: reverse the value, cut it in pieces (`[...v].reverse().join('').match(/.{1,6}/g)`),
 * and say where it is published.
 */

export interface PublicExample {
  /** Where the value is published (docs page, dev server source): why it is public. */
  readonly published: string;
  readonly value: string;
}

function example(published: string, reversedPieces: readonly string[]): PublicExample {
  return { published, value: [...reversedPieces.join('')].reverse().join('') };
}

export const PUBLIC_EXAMPLES = {
  /** `sig_7kYj…` */
  qstashDevCurrentSigningKey: example(
    'QStash local dev server, user 1 current signing key: qstash-js src/dev-server/constants.ts ' +
      'and the QStash local-development docs',
    ['r6JR92', 'rc6ycG', 'NqjAk7', 'Yhm84w', 'jYk7_g', 'is'],
  ),
  /** `sig_5ZB6…` */
  qstashDevNextSigningKey: example(
    'QStash local dev server, user 1 next signing key: qstash-js src/dev-server/constants.ts ' +
      'and the QStash local-development docs',
    ['shndP8', 'Anee7Z', 'r6S8Ej', 'w1BzVD', '6BZ5_g', 'is'],
  ),
  /** `sig_7RvL…` */
  workflowDevCurrentSigningKey: example(
    'older QStash dev-server set, current signing key: Upstash docs ' +
      'workflow/howto/local-development/development-server.mdx',
    ['uouLpv', 'p1ECQm', 'iUEK5P', 'vBZfqj', 'LvR7_g', 'is'],
  ),
  /** `eyJVc2Vy…` = {"UserID":"defaultUser","Password":"defaultPassword"} */
  qstashDevToken: example(
    'QStash local dev server, user 1 token (defaultUser/defaultPassword): qstash-js ' +
      'src/dev-server/constants.ts and the QStash local-development docs',
    [
      '=0nIkJ',
      '3b3N3c',
      'hBFdsV',
      'XYmVGZ',
      'iojIkJ',
      '3b3N3c',
      'hBlIsI',
      'iclNXV',
      '0xWdhZ',
      'WZkJiO',
      'iQUSyV',
      '2cVJye',
    ],
  ),
  /** `eyJVc2Vy…` = {"UserID":"testUser1","Password":"testPassword"} */
  qstashDevTestToken: example(
    'QStash local dev server, users 2-4 token (testUser1/testPassword): qstash-js ' +
      'src/dev-server/constants.ts',
    [
      '9JCZy9',
      '2dzNXY',
      'QR3clR',
      'nI6ICZ',
      'y92dzN',
      'XYQJCL',
      'iEjclN',
      'XV0NXZ',
      '0JiOiQ',
      'USyV2c',
      'VJye',
    ],
  ),
  /** `AYNgAS…` (41 characters: not a whole token) */
  restApiDocsToken: example(
    'Upstash docs redis/features/restapi.mdx, ACL RESTTOKEN example (fake)',
    ['=QD439', '9efe8f', '5bdcg0', 'a2h248', '9d2a6g', 'ef3552', 'SAgNYA'],
  ),
  /** `2553feg6…` (hex with `g`/`h`: hand-edited) */
  restApiDocsHex: example('Upstash docs redis/features/restapi.mdx, REST token example (edited)', [
    '4399ef',
    'e8f5bd',
    'cg0a2h',
    '2489d2',
    'a6gef3',
    '552',
  ]),
  /** `978ba2e0…` */
  flyDocsPassword: example('Upstash docs redis/quickstarts/fly.mdx, example password (fake)', [
    'a619ca',
    '8dca89',
    '576try',
    't70e2a',
    'b879',
  ]),
  /** `d34baef6…` */
  docsFakePassword: example('Upstash docs, example Redis password (fake)', [
    '52b10b',
    'edsf6b',
    '416fea',
    'b43d',
  ]),
  /** `QkZGAsWp…` */
  openapiVectorToken: example(
    'Upstash docs devops/developer-api openapi.yml, Vector index token example',
    [
      '==wZG1',
      'mSVLND',
      'MpFbJR',
      'VT0Fke',
      'Oh3bUx',
      'E1BzQN',
      'kFkM1V',
      'WL1MzN',
      'z0Cdt0',
      'Wdt2pW',
      'sAGZkQ',
    ],
  ),
  /** `QkZGRk1h…` */
  openapiVectorReadOnlyToken: example(
    'Upstash docs devops/developer-api openapi.yml, Vector index read-only token example',
    [
      'UJza9s',
      '2tRtRk',
      'T0U0RN',
      'R3Yq50',
      'p10Za1',
      'mW0VAp',
      '3jTWL1',
      'MzNz0C',
      'ZlRdtM',
      '0CKSGe',
      'h1kRGZ',
      'kQ',
    ],
  ),
  /** `AX8vACQg…` (hand-edited: its UUID field is one character short) */
  openapiRedisToken: example(
    'Upstash docs devops/developer-api openapi.yml, Redis rest_token example (edited)',
    [
      '=QGN3U',
      'TZ5QTN',
      'zczM4E',
      'TMllDM',
      'zYDN3I',
      'TYyMZi',
      'NDNxUW',
      'Y4AzY0',
      'QzMtUz',
      'NhJWLz',
      'gjN00y',
      'YyU2Yy',
      'MTOgQC',
      'Av8XA',
    ],
  ),
  /** `G9wcy1zd…` */
  kafkaDocsUsername: example('Upstash Kafka REST docs, example username', [
    'XUMJzY',
    'DO30Se',
    'hJ3Zul',
    'Gdz1yc',
    'w9G',
  ]),
  /** `eUmYCkAl…` */
  kafkaDocsPassword: example('Upstash Kafka REST docs, example password', [
    '==wf2z',
    'p2AI2i',
    'ooH7cI',
    'hihExl',
    'AkCYmU',
    'e',
  ]),
  /** `96ad0856-…`: an identity, not a secret, but carried in cleartext by the docs tokens. */
  docsDatabaseUuid: example(
    'Upstash docs devops/developer-api/redis/create_database.mdx, database 30143 UUID ' +
      '(inside its legacy rest_token)',
    ['1e9430', 'dba18e', '-6669-', '7ee4-1', 'b30-65', '80da69'],
  ),
  /** `dd1803…` */
  developerApiGlobalPassword: example(
    'Upstash docs devops/developer-api/redis/create.mdx and openapi.yaml, database "global-test" ' +
      'password (support@upstash.com)',
    ['d475e9', '453738', '11e903', '6472a2', '383081', 'dd'],
  ),
  /** `f65e75…` */
  developerApiMyredisPassword: example(
    'Upstash docs index.html.md (Developer API), database "myredis" password (example@upstash.com)',
    ['6f19fc', '4f3414', '2f387f', '84446b', '6d57e5', '6f'],
  ),
} as const satisfies Record<string, PublicExample>;
