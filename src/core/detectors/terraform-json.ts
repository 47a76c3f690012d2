/**
 * Terraform's JSON documents, where a password's name and its database's host are members of
 * objects rather than neighbouring lines: `terraform output -json` (and a state file's `outputs`)
 * writes each output as `"<name>": {"sensitive": …, "type": …, "value": …}`, so the name stands
 * lines above its value and the host is the value of another output; a state file's resource
 * instance holds `endpoint` and `password` among two dozen sorted attributes.
 */
import type { MatchContext } from '../types.js';
import { SERVER_LITERAL, UPSTASH_DB_HOST } from './nearby.js';

/** How far around a value the document is read: output and state objects are short. */
const REACH = 4000;

/** An output's members before its `value` (`sensitive`, `type`: a word or a list of words). */
const MEMBERS = String.raw`(?:"(?:sensitive|type)"\s*:\s*(?:true|false|"[\w ]{1,40}"|\[[^\][\n]{0,120}\])\s*,\s*){0,2}`;
/** An output, from its name to its string `value`: name in group 1, value in group 2. */
const OUTPUT = new RegExp(
  String.raw`"([A-Za-z_][\w-]{0,100})"\s*:\s*\{\s*${MEMBERS}"value"\s*:\s*"([^"\n]{0,300})"`,
  'g',
);
/** The same, ending where the value starts. */
const OUTPUT_BEFORE_VALUE = new RegExp(
  String.raw`"([A-Za-z_][\w-]{0,100})"\s*:\s*\{\s*${MEMBERS}"value"\s*:\s*"$`,
);

/** The name of the Terraform output whose `value` starts at the match, if it is one. */
export function terraformOutputName(ctx: MatchContext): string | undefined {
  return OUTPUT_BEFORE_VALUE.exec(ctx.text.slice(Math.max(0, ctx.index - 400), ctx.index))?.[1];
}

const norm = (s: string): string => s.replace(/[^A-Za-z0-9]/g, '').toLowerCase();

/**
 * The database host of the output named `name` (`redis_password`): the one Upstash database named
 * by the outputs of the same subject (`redis_endpoint`, `redis_url`; for a bare `password`, by
 * every output), when none of them names another server (`redis_host: "redis.internal"`) or a
 * second database. Outputs of other subjects (`web_url`, `db_host`) are other resources'.
 */
export function terraformOutputHost(name: string, ctx: MatchContext): RegExpExecArray | null {
  const subject = norm(name.replace(/[_.-]?(?:pass(?:word|wd)?|pwd)$/i, ''));
  const doc = ctx.text.slice(Math.max(0, ctx.index - REACH), ctx.index + REACH);
  let host: RegExpExecArray | null = null;
  for (const m of doc.matchAll(OUTPUT)) {
    if (!norm(m[1]!).startsWith(subject)) continue;
    const h = UPSTASH_DB_HOST.exec(m[2]!);
    if (h) {
      if (host && host[2] !== h[2]) return null;
      host ??= h;
    } else if (SERVER_LITERAL.test(m[2]!)) return null;
  }
  return host;
}

/** `s` with every string literal's content blanked (same length): braces inside strings are text. */
const blankStrings = (s: string): string =>
  s.replace(/"(?:[^"\\\n]|\\.)*"/g, (q) => `"${' '.repeat(q.length - 2)}"`);

/**
 * In a Terraform state, the `endpoint` attribute of the `upstash_redis_database` instance whose
 * `attributes` object holds the value at its top level (`"password": "<pw>"`): the provider
 * writes them apart (`eviction`, `id`, `ip_allowlist`, `multizone` between), further than the
 * lines a password is paired over elsewhere.
 */
export function stateAttributeHost(ctx: MatchContext): RegExpExecArray | null {
  const from = Math.max(0, ctx.index - REACH);
  const before = ctx.text.slice(from, ctx.index);
  const open = before.lastIndexOf('"attributes"');
  if (open < 0) return null;
  // The resource's type is written before its instances.
  const type = before.lastIndexOf('"type"', open);
  if (type < 0 || !/^"type"\s*:\s*"upstash_redis_database"/.test(before.slice(type))) return null;
  const body = ctx.text.slice(from + open, ctx.index + REACH);
  const blank = blankStrings(body);
  const start = blank.indexOf('{');
  // The object's end, and the depth of the value inside it (1: one of its own attributes).
  let depth = 0;
  let end = blank.length;
  let valueDepth = -1;
  const valueAt = ctx.index - (from + open);
  for (let i = start; i < blank.length; i++) {
    if (i === valueAt) valueDepth = depth;
    const c = blank[i];
    if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && --depth === 0) {
      end = i;
      break;
    }
  }
  if (start < 0 || valueDepth !== 1 || valueAt > end) return null;
  const endpoint = /"endpoint"\s*:\s*"([^"\n]{1,300})"/.exec(body.slice(start, end));
  return endpoint ? UPSTASH_DB_HOST.exec(endpoint[1]!) : null;
}
