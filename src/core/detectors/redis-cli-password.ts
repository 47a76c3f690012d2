import type { Detector } from '../types.js';
import { tcpPasswordCandidate } from './redis-password.js';
import { redisHost, redisTokenParts, OTHER_SERVER_HEX } from './synthetic.js';

/**
 * A legacy database's 32-hex TCP password passed on a redis-cli command line: Upstash's own
 * connect command is `redis-cli --tls -a <password> -h <endpoint> -p <port>`. `-a`/`--pass` reads
 * as a password name; the host rules of the Redis password detector apply (the endpoint is
 * usually on the same line). A detector of its own, gated on `redis-cli`: a `-`-led branch in
 * the Redis password pattern made that pattern a third slower on every text.
 * (A current database's password is its REST token: the token detector finds it anyway.)
 */
export const redisCliPasswordDetector = {
  id: 'upstash-redis-cli-password',
  type: 'upstash-redis-url',
  title: 'Upstash Redis TCP password (redis-cli)',
  keywords: ['redis-cli'],
  // The '-' first and the whitespace before it looked behind from there (the same matches as
  // `(?<=\s)(?:-a|--pass…)`): a pattern that starts with a look-behind is tried at every
  // position of the text, one led by a literal only at each '-'. 10 ms against 1.5 ms per 3 MB of
  // keyword-dense documentation, 13% of a history scan of upstash/docs.
  pattern: /-(?<=\s-)(?:a|-pass(?:word)?)[ \t]+["']?([0-9a-f]{32})(?![0-9A-Za-z_-])/g,
  validate: (m, ctx) => tcpPasswordCandidate(m[1]!, 'password', ctx),
  examples: {
    positives: () => {
      const t = redisTokenParts({ layout: 'legacy' });
      const host = redisHost(t.dbId, { legacyRegion: 'eu1' });
      return [
        `redis-cli --tls -a ${t.password!} -h ${host} -p ${t.dbId}`,
        `redis-cli -h ${host} -p ${t.dbId} -a '${t.password!}'`,
        `redis-cli --tls --pass ${t.password!} -h ${host} -p ${t.dbId} PING`,
      ];
    },
    negatives: [
      // No Upstash host: a local or another provider's Redis.
      `redis-cli -h localhost -a ${OTHER_SERVER_HEX}`,
      `redis-cli -h redis.example.com -p 6379 -a ${OTHER_SERVER_HEX}`,
      'redis-cli --tls -a 00000000000000000000000000000000 -h fancy-cat-12345.upstash.io',
    ],
  },
} satisfies Detector;
