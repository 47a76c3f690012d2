import type { Candidate, Detector, MatchContext } from '../types.js';
import { AFTER_NAME } from './assignment.js';
import { isUnknownFormatSecret } from './fallback.js';
import { isKnownPublicValue } from './known-examples.js';
import { UPSTASH_DB_HOST } from './nearby.js';
import { isPlaceholder } from './placeholders.js';
import { legacyPasswordCandidate } from './redis-password.js';
import { redisTokenCandidate } from './redis-token.js';
import { redisHost, redisTokenParts, unknownFormatSecret, OTHER_SERVER_HEX } from './synthetic.js';

/** A whole host that is an Upstash database's (UPSTASH_DB_HOST alone matches inside `x.upstash.io.evil.com`). */
const DB_HOST = new RegExp(`^${UPSTASH_DB_HOST.source}$`);
/** redis-cli's prompt right before the command: `host:port>`, `host:port[db]>` after a SELECT. */
const PROMPT = /(?:^|\s)([A-Za-z0-9.-]+):\d{1,5}(?:\[\d+\])?>[ \t]*$/;
/** Where a session names its server: `-h host`, `--host host`, a `redis[s]://…@host` URL (`-u`). */
const HOST_OPTION =
  /(?:^|\s)(?:-h|--host)[ \t=]+["']?([^\s"';|&)]+)|rediss?:\/\/(?:[^\s@/"']*@)?([^\s:/"';|&)]+)/g;
/** What may follow an AUTH's password on its line: the end of the command it is part of. */
const COMMAND_END = /^["']?[ \t]*(?:$|\r?\n|[|;&)#"'`]|\\[nr])/;
/** Lines above an AUTH line in which the redis-cli it feeds (a heredoc) is looked for. */
const FEED_LINES = 5;

/**
 * The match's line and FEED_LINES lines either side, found by newline searches from the match (a
 * split of the text before it was quadratic in a file of many AUTH lines).
 */
function linesAround(ctx: MatchContext): { lines: string[]; at: number } {
  const { text, index } = ctx;
  const start = text.lastIndexOf('\n', index - 1) + 1;
  let from = start;
  let above = 0;
  while (from > 0 && above < FEED_LINES) {
    from = text.lastIndexOf('\n', from - 2) + 1;
    above++;
  }
  let to = start;
  for (let below = 0; below <= FEED_LINES && to >= 0; below++) to = text.indexOf('\n', to + 1);
  return { lines: text.slice(from, to < 0 ? text.length : to).split('\n'), at: above };
}

/** The command a line belongs to: with the lines it continues and that continue it (`\`). */
function logicalLine(lines: string[], at: number): string {
  let from = at;
  while (from > 0 && /\\\r?$/.test(lines[from - 1]!)) from--;
  let to = at;
  while (to + 1 < lines.length && /\\\r?$/.test(lines[to]!)) to++;
  return lines.slice(from, to + 1).join(' ');
}

/**
 * The one Upstash database a redis-cli command talks to: every host it names is the same
 * Upstash database's. A command that names no host (localhost) or another server is not.
 */
function invocationHost(command: string): RegExpExecArray | null {
  let found: RegExpExecArray | null = null;
  for (const m of command.matchAll(HOST_OPTION)) {
    const host = DB_HOST.exec(m[1] ?? m[2]!);
    if (!host || (found && found[2] !== host[2])) return null;
    found ??= host;
  }
  return found;
}

/**
 * The pairing rule (docs/detectors.md): an `AUTH` or `REDISCLI_AUTH` password is an Upstash
 * database's only when the session it is typed into names that database, in this order:
 * 1. redis-cli's prompt before the AUTH (`head`: its line up to the command) (`<host>:6379> AUTH …`): that host decides alone, so an
 *    AUTH in a transcript of a local or another provider's server is never Upstash's, whatever
 *    else the file mentions;
 * 2. the redis-cli command on the same line (`echo "AUTH …" | redis-cli -h <host>`,
 *    `REDISCLI_AUTH=… redis-cli -h <host>`), `\` continuations included;
 * 3. for an AUTH line of its own, the redis-cli invocation at most 5 lines above it (a heredoc,
 *    a transcript whose prompts were cut); for `export REDISCLI_AUTH=…`, the nearest invocation
 *    within 5 lines either side.
 * The host must be an Upstash database's, whole, and the only server the command names. An
 * Upstash host elsewhere in the file proves nothing.
 */
function sessionHost(ctx: MatchContext, head: string, env: boolean): RegExpExecArray | null {
  const prompt = PROMPT.exec(head);
  if (prompt) return DB_HOST.exec(prompt[1]!);
  if (/not connected>[ \t]*$/.test(head)) return null; // typed into no session
  const { lines, at } = linesAround(ctx);
  const own = logicalLine(lines, at);
  if (own.includes('redis-cli')) return invocationHost(own);
  // A line of its own: nothing but a bare `>`/`$` prompt or indentation before the AUTH.
  if (!env && !/^[ \t]*(?:[>$][ \t]*)?$/.test(head)) return null;
  const order = env
    ? Array.from({ length: FEED_LINES }, (_, i) => [at - i - 1, at + i + 1]).flat()
    : Array.from({ length: FEED_LINES }, (_, i) => at - i - 1);
  for (const i of order) {
    const line = lines[i];
    if (line?.includes('redis-cli')) return invocationHost(logicalLine(lines, i));
  }
  return null;
}

/**
 * A Redis password typed into redis-cli outside `-a` and URLs: `AUTH <password>`,
 * `AUTH <user> <password>` (interactive transcripts, scripts piping commands to redis-cli,
 * heredocs) and the `REDISCLI_AUTH` variable redis-cli reads its password from, when the session
 * names an Upstash database (see `sessionHost`). A legacy 32-hex password takes the identity of
 * the legacy token and URL carrying it; a current database's password is its REST token, which
 * the token detector reports under any name; any other real-looking value (an ACL user's
 * password) is reported at medium, with the URL detector's identity for the same user and host.
 */
export const redisAuthDetector = {
  id: 'upstash-redis-auth',
  type: 'upstash-redis-url',
  title: 'Upstash Redis TCP password (AUTH)',
  // The pairing rule needs a database host in the text: these are already prefilter keywords.
  keywords: ['upstash.io', 'vercel-storage'],
  pattern: new RegExp(
    String.raw`(?:(?<![\w$.-])(?:AUTH|[Aa]uth)[ \t]+(?:["']?(?<user>[A-Za-z0-9_.@-]{1,64})["']?[ \t]+)?["']?|(?<![\w$])(?<env>REDISCLI_AUTH)${AFTER_NAME})(?<value>[^\s"'\x60\\]{8,300})`,
    'g',
  ),
  validate(m, ctx): Candidate | null {
    const pw = m.groups!.value!;
    const env = m.groups!.env !== undefined;
    // What follows the value on its line (read from the text: `ctx.after` starts at the value in
    // the pipeline).
    const end = ctx.index + pw.length;
    if (!env && !COMMAND_END.test(ctx.text.slice(end, end + 8))) return null;
    // The session first: it rules out nearly every AUTH, and costs less than the value checks
    // (isPlaceholder, then isUnknownFormatSecret, take tens of microseconds a value).
    // The line before the command (`AUTH [user] `, `REDISCLI_AUTH=`): where a prompt stands.
    const head = ctx.before.slice(0, ctx.before.length - (m[0].length - pw.length));
    const host = sessionHost(ctx, head, env);
    if (!host) return null;
    const hex = /^[0-9a-f]{32}$/.test(pw);
    // The current password is the REST token: the token detector reports it, paired by the host.
    if (!hex && (pw.length < 20 || redisTokenCandidate(pw))) return null;
    if (isPlaceholder(pw) || isKnownPublicValue(pw)) return null;
    if (hex) return legacyPasswordCandidate(pw, host);
    if (!isUnknownFormatSecret(pw)) return null;
    const user = m.groups!.user ?? 'default';
    const dbId = Number(host[2]);
    return {
      type: 'upstash-redis-url',
      secret: pw,
      // The URL detector's identity for the same user, password and host: one finding for both.
      identity: `redis-url:${host[0]}:${user}:${pw}`,
      readOnly: user === 'default_ro' ? true : user === 'default' ? false : null,
      confidence: 'medium',
      endpoint: `https://${host[0]}`,
      pairKey: `redis-db:${dbId}`,
      details: { database: dbId, host: host[0], user, layout: 'unknown', form: 'auth' },
    };
  },
  examples: {
    positives: () => {
      const t = redisTokenParts({ layout: 'legacy' });
      const host = redisHost(t.dbId, { legacyRegion: 'eu1' });
      const pw = t.password!;
      return [
        `${host}:${t.dbId}> AUTH ${pw}\nOK\n${host}:${t.dbId}> PING\nPONG`,
        `${host}:${t.dbId}> auth default "${pw}"\nOK`,
        `${host}:${t.dbId}[2]> AUTH default ${pw}`,
        `echo "AUTH ${pw}" | redis-cli --tls -h ${host} -p ${t.dbId}`,
        `printf 'AUTH default ${pw}\\nPING\\n' | redis-cli --tls --host ${host} -p ${t.dbId}`,
        `(echo "AUTH ${pw}"; echo PING) | \\\n  redis-cli --tls -h ${host} -p ${t.dbId}`,
        `redis-cli --tls -h ${host} -p ${t.dbId} <<'EOF'\nAUTH ${pw}\nSET k v\nEOF`,
        `$ redis-cli --tls -h ${host} -p ${t.dbId}\n> AUTH ${pw}\nOK`,
        `REDISCLI_AUTH=${pw} redis-cli --tls -h ${host} -p ${t.dbId} PING`,
        `export REDISCLI_AUTH="${pw}"\nredis-cli --tls -h ${host} -p ${t.dbId} --scan`,
        `redis-cli --tls -u redis://${host}:${t.dbId}\n> AUTH default ${pw}`,
        // A value of no known layout for the default user (an unseen format): medium.
        `${redisHost(t.dbId)}:6379> AUTH default ${unknownFormatSecret()}`,
      ];
    },
    negatives: [
      // A transcript of another server, in a file that mentions an Upstash host elsewhere.
      `# prod: fancy-cat-12345.upstash.io\n127.0.0.1:6379> AUTH ${OTHER_SERVER_HEX}\nOK`,
      `redis.example.com:6379> AUTH default ${OTHER_SERVER_HEX}\n# see fancy-cat-12345.upstash.io`,
      `not connected> AUTH ${OTHER_SERVER_HEX}\n# fancy-cat-12345.upstash.io`,
      // Placeholders, references and redaction on an Upstash session.
      'fancy-cat-12345.upstash.io:6379> AUTH <password>',
      'fancy-cat-12345.upstash.io:6379> AUTH default your-password',
      'fancy-cat-12345.upstash.io:6379> AUTH default ********',
      'echo "AUTH ${REDIS_PASSWORD}" | redis-cli --tls -h fancy-cat-12345.upstash.io -p 6379',
      'REDISCLI_AUTH=$UPSTASH_REDIS_PASSWORD redis-cli --tls -h fancy-cat-12345.upstash.io',
      'REDISCLI_AUTH="{{ upstash_password }}" redis-cli --tls -h fancy-cat-12345.upstash.io',
      // Nothing ties the AUTH to the Upstash host: no prompt, no redis-cli.
      `AUTH ${OTHER_SERVER_HEX}\n# host: fancy-cat-12345.upstash.io`,
      `UPSTASH_REDIS_HOST=fancy-cat-12345.upstash.io\nREDISCLI_AUTH=${OTHER_SERVER_HEX}`,
      // redis-cli talks to another server (or to two): not the Upstash database's password.
      `redis-cli -h redis.internal <<EOF\nAUTH ${OTHER_SERVER_HEX}\nEOF\n# fancy-cat-12345.upstash.io`,
      `echo "AUTH ${OTHER_SERVER_HEX}" | redis-cli -h fancy-cat-12345.upstash.io.example.com`,
      `redis-cli -h localhost -a x PING; echo "AUTH ${OTHER_SERVER_HEX}" | redis-cli -h 10.0.0.5 # fancy-cat-12345.upstash.io`,
      // Prose and code around AUTH: not a command with a password.
      'The AUTH password1234 command is sent to fancy-cat-12345.upstash.io first.',
      'Authorization: Bearer ${TOKEN} # fancy-cat-12345.upstash.io',
    ],
  },
} satisfies Detector;
