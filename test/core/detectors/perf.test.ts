/**
 * Detectors run over every blob of a full history: no pattern may backtrack super-linearly on
 * hostile input that contains all the keywords (long base64 runs, long UPPER_SNAKE lines).
 */
import { DETECTORS } from '../../../src/core/detectors/registry.js';
import { hex32Secret, makeRng, unknownFormatSecret } from '../../helpers/synthetic.js';
import { runAll } from './match.js';

const KEYWORDS = DETECTORS.flatMap((d) => d.keywords).join(' ');

/** Lowercase letters from a seeded stream (no runs, repeats or words to stop the rules early). */
function letters(seed: string, n: number): string {
  const rng = makeRng(seed);
  return Array.from({ length: n }, () => 'bcdfghjkmnpqrstvwxz'[rng.int(19)]).join('');
}

/**
 * The best of up to three runs, stopping at the first under `bound`: a catastrophic pattern is
 * slow every time (seconds to minutes), a busy machine only now and then. The slowest case here
 * takes about 0.6 s on an idle two-core machine; a full test run beside other suites once took
 * 2.0 s.
 */
function time(text: string, bound: number): number {
  let best = Infinity;
  for (let i = 0; i < 3 && best >= bound; i++) {
    const t0 = performance.now();
    runAll(DETECTORS, text);
    const ms = performance.now() - t0;
    best = Math.min(best, ms);
    if (ms > 4 * bound) break; // no load explains that: fail now
  }
  return best;
}

describe('detector cost on hostile input', () => {
  it.each([
    ['one long base64url run', 'AQ' + 'AbC9-_'.repeat(40000)],
    ['one long std base64 run', 'AAAFM' + 'Ab+/9z'.repeat(40000) + '='],
    ['long UPPER_SNAKE line', 'A_'.repeat(60000) + 'UPSTASH'],
    ['many almost-URLs', 'rediss://default:'.repeat(10000) + 'x@'],
    ['many short tokens', 'KV_REST_API_TOKEN=AYVPAAIncDE\n'.repeat(20000)],
    ['one word of repeated Upstash stems', 'UPSTASHupstashQStash'.repeat(12000)],
    ['many almost-names', 'upstashRedisRestTokenX_'.repeat(10000) + '='],
    ['many Redis names next to a host', 'redisRestToken: "AB", x-1.upstash.io\n'.repeat(6000)],
    // The assignment forms of core/detectors/assignment.ts: spaces after names (the ENV form's
    // lookbehind), call arguments, escaped quotes, name/value pairs over two lines.
    ['many names followed by spaces', 'ENV UPSTASH_REDIS_PASSWORD   '.repeat(8000)],
    ['one word of names and spaces', `${'upstashRedisRestToken'.repeat(5000)}   =`],
    ['many quoted call arguments', '("UPSTASH_REDIS_REST_TOKEN", "'.repeat(8000)],
    ['many escaped quotes', '[\\"UPSTASH_REDIS_PASSWORD\\"] = \\"'.repeat(7000)],
    ['many name/value pairs', '- name: UPSTASH_REDIS_REST_TOKEN\n  value: \n'.repeat(5000)],
    ['many redis-cli -a', 'redis-cli -a -a -a -a x-1.upstash.io\n'.repeat(6000)],
    // Every AUTH line of a long transcript is paired with its session (prompt, command, lines above).
    ['many AUTH lines', 'x-12.upstash.io:6379> AUTH auth AUTH 7f3a9c2e1b4d8f6a0c5e\n'.repeat(4000)],
    [
      'many AUTH after redis-cli',
      'redis-cli -h x-12.upstash.io <<E\nAUTH a7f3a9c2e1b4\n'.repeat(6000),
    ],
    // Every value a different real-looking secret, each reported: all of the value checks run
    // (isPlaceholder, then isUnknownFormatSecret) 4,000 times. 1.4 s before they were made fast.
    [
      'many AUTH lines of distinct values',
      Array.from(
        { length: 4000 },
        (_, i) => `x-12.upstash.io:6379> AUTH ${unknownFormatSecret({ seed: i })}\n`,
      ).join(''),
    ],
    // Positional 32-hex arguments (redis-password.ts, positionalCandidate): each is read with the
    // call around it, up to CALL_REACH characters either way, and checked as a password when the
    // call names an Upstash host. One argument a line: this runner (match.ts) reads the whole line
    // before every match, which the scan pipeline cuts to 600 characters.
    [
      'one call of many hex arguments',
      `new JedisPool(cfg, "x-12.upstash.io", ${Array.from({ length: 6000 }, (_, i) => `"${hex32Secret({ seed: i })}"`).join(',\n  ')})`,
    ],
    [
      'many calls of a host and hex',
      Array.from(
        { length: 5000 },
        (_, i) => `newPool("x-12.upstash.io:6379", "${hex32Secret({ seed: i })}")\n`,
      ).join(''),
    ],
    [
      'many hex arguments in unclosed calls',
      `f(${'(x, "'.repeat(2)}${Array.from({ length: 6000 }, (_, i) => `x, "${hex32Secret({ seed: i })}", f(\n`).join('')}`,
    ],
    // Mixed-case words ending in a lone capital: the dictionary rule once backtracked 2^n steps
    // over the n lowercase letters (1.6 s for one value of 26).
    [
      'many lowercase values ending in capitals',
      Array.from(
        { length: 4000 },
        (_, i) => `UPSTASH_REDIS_REST_TOKEN=${letters(String(i), 30)}B${i}C\n`,
      ).join(''),
    ],
    // The Upstash MCP server's arguments (management-key.ts, mcpServerArgument): every UUID reads
    // back up to 6 lines and 2,000 characters for the argument list around it. One list a line
    // (this runner reads the whole line before every match).
    [
      'many MCP argument lists',
      Array.from(
        { length: 2500 },
        (_, i) =>
          `["@upstash/mcp-server", "run", "a.${'a.'.repeat(10)}b@c.${'d.'.repeat(10)}io", "${makeRng(i).uuid()}",\n`,
      ).join(''),
    ],
    [
      'many --api-key flags after Upstash',
      Array.from(
        { length: 4000 },
        (_, i) => `npx @upstash/mcp-server --api-key ${makeRng(i).uuid()} \\\n`,
      ).join(''),
    ],
    // Hosts given by reference (redis-password.ts, HOST_BY_REFERENCE) beside 32-hex passwords, and
    // redis-commander host lists.
    [
      'many host references beside passwords',
      Array.from(
        { length: 4000 },
        (_, i) =>
          `r(host=REDIS_HOST_${'A'.repeat(30)}, hostname=settings.${'h.'.repeat(8)}x, password="${hex32Secret({ seed: i })}") # x-12.upstash.io\n`,
      ).join(''),
    ],
    [
      'many redis-commander host lists',
      Array.from(
        { length: 5000 },
        (_, i) => `REDIS_HOSTS=u:x-12.upstash.io:6379:0:${hex32Secret({ seed: i })}\n`,
      ).join(''),
    ],
  ])('%s (~240 KB) scans in under 3 s', (_name, body) => {
    const ms = time(`${KEYWORDS}\n${body}`, 3000);
    expect(ms).toBeLessThan(3000);
  });
});
