/**
 * How a value is written after the name it is assigned to, in one place: the pipeline's key
 * (`keyBefore`) and the name-first detector patterns (Redis password, fallback) read the same
 * syntaxes, so a form added here is understood everywhere. Each form was a miss in the
 * containers matrix (test/core/scan/containers-matrix.test.ts) before it was listed.
 */

/**
 * A quote, or a quote escaped the way code inside a JSON string is (`\"`: notebook cells,
 * serialised configs, a `.env` stringified into JSON).
 */
const Q = String.raw`\\?["'\x60]`;

/**
 * The value given as a default after a reference that names it: an operator after the name or after
 * the call or subscript holding it (`NAME ?? "v"`, `NAME") ?: "v"`, `NAME"] || "v"`, `NAME") or
 * "v"`), or Rust's `NAME").unwrap_or("v"` / `.unwrap_or_else(|_| "v"`.
 */
export const DEFAULT_AFTER_REFERENCE = String.raw`(?:${Q})?[\])]{0,2}(?:[ \t]*(?:\?\?|\|\||\?:)|[ \t]+or)[ \t]*${Q}|${Q}\)\.unwrap_or(?:_else)?\((?:\|_?\|[ \t]*)?${Q}`;

/**
 * Regex source for what stands between a name and its value, from right after the name to the
 * first character of the value:
 * - `NAME=v`, `NAME = "v"`, `NAME: v`, `"NAME": "v"`, `NAME := v`, `NAME => v`, Makefile's
 *   `NAME ?= v`, Ruby's `ENV['NAME'] ||= 'v'`, and subscripts `os.environ["NAME"] = "v"`,
 *   `ENV['NAME'] = 'v'`, `$_ENV['NAME'] = 'v'`; never `${NAME:-v}`, whose `:-` is a shell default
 *   operator (read by the shell layer as `${NAME= v}`), not a colon before a value `-v`;
 * - a quoted name and a quoted value as a call's arguments or a tuple:
 *   `os.environ.setdefault("NAME", "v")`, `os.getenv('NAME', 'v')`, `Setenv("NAME", "v")`;
 * - a default after a reference (`DEFAULT_AFTER_REFERENCE`): `process.env.NAME ?? "v"`,
 *   `process.env.NAME || 'v'`, and after a call or subscript that names it:
 *   `getenv("NAME") ?: "v"` (Kotlin, PHP), `GetEnvironmentVariable("NAME") ?? "v"` (C#),
 *   `process.env["NAME"] || "v"`, `os.environ.get("NAME") or "v"` (Python),
 *   `env::var("NAME").unwrap_or("v"…)` / `.unwrap_or_else(|_| "v"…)` (Rust);
 * - an XML attribute pair: `<add key="NAME" value="v" />`.
 * A value on the next line counts only when it is quoted: `const token =\n  "v"` (a formatter
 * breaks a long line there), or below a block scalar's indicator or a TOML `"""` (BLOCK_VALUE);
 * never `NAME=` then `OTHER_NAME=v`, where `NAME` is empty (a `.env.example`), and the next line
 * is another entry.
 */
/**
 * A value alone on the next line, below a YAML block scalar's indicator (`NAME: |`, `NAME: >-`)
 * or a TOML multi-line string's quotes (`NAME = """`): a long value wrapped by its writer.
 */
const BLOCK_VALUE = String.raw`[ \t]*(?:[|>][-+]?[1-9]?|"""|''')[ \t]*\r?\n[ \t]*`;

export const ASSIGNMENT_OPERATOR = String.raw`(?:(?:${Q})?\]?\s*(?::=|=>|:(?![-=])|=|\?=|\|\|=|\?\?=)(?:[ \t]*(?:${Q})?|[ \t]*\r?\n\s*${Q}|${BLOCK_VALUE})|${Q}\]?[ \t]*,[ \t]*${Q}|${DEFAULT_AFTER_REFERENCE}|${Q}[ \t]+[Vv]alue[ \t]*=[ \t]*${Q})`;

/**
 * `ENV NAME v` (Dockerfile's space form), `setx NAME v` (Windows), fish's `set -gx NAME v`: only
 * at the start of a line, where a space is the assignment. The lookbehind that checks the line's
 * start comes after the spaces and is bounded, so it is tried only where a name is followed by a
 * space and never reads back further than a name: unbounded, it read back over a whole word at
 * every candidate position of a hostile one-word file (quadratic).
 */
export const SPACE_ASSIGNMENT_AFTER_NAME = String.raw`[ \t]+(?<=(?:^|\n)[ \t]*(?:ENV|setx|set[ \t]+-[A-Za-z]{1,4})[ \t]+[A-Za-z0-9_]{1,120}[ \t]+)["']?`;

/**
 * A name whose value follows as the `value` of a name/value pair: on the same line (`{"name":
 * "NAME", "value": "v"}` in ECS and Azure app settings, Terraform `{ name = "NAME", value = "v" }`)
 * or on the next (`- name: NAME` then `value: v` in Kubernetes, `- Name:`/`Value:` in
 * CloudFormation, render's `- key:`/`value:`, pretty-printed ECS). For name-first patterns; the
 * pipeline's `keyBefore` reads the same pairs from the `value` side.
 */
export const NAME_VALUE_PAIR = String.raw`(?:(?:${Q})?[ \t]*,[ \t]*(?:${Q})?[Vv]alue(?:${Q})?[ \t]*[:=][ \t]*(?:${Q})?|(?:${Q})?,?[ \t]*\r?\n[ \t]*(?:-[ \t]*)?(?:${Q})?[Vv]alue(?:${Q})?[ \t]*[:=][ \t]*(?:${Q})?)`;

/** A name followed by any of the forms above, as a regex source (name characters excluded). */
export const AFTER_NAME = `(?:${ASSIGNMENT_OPERATOR}|${SPACE_ASSIGNMENT_AFTER_NAME})`;

/**
 * The forms that `keyBefore`'s general `NAME <op> value` rule cannot read, each ending where the
 * value starts; group 1 is the name. Tried in order, after that rule found nothing (or found
 * only the word `value` of a name/value pair).
 */
export const OTHER_ASSIGNMENTS: readonly RegExp[] = [
  // `<add key="NAME" value="`, `{"name": "NAME", "value": "` (ECS, Azure app settings),
  // `{ name = "NAME", value = "` (Terraform), `- Name: NAME … Value:` on one line.
  /["']?\b(?:key|name)["']?[ \t]*[:=][ \t]*["']([A-Za-z_][\w.-]*)["'][ \t]*,?[ \t]*["']?value["']?[ \t]*[:=][ \t]*["']?$/i,
  // ("NAME", "value"): a call's arguments, a tuple, an SQL row.
  /\\?["'`]([A-Za-z_][\w.-]*)\\?["'`]\]?[ \t]*,[ \t]*\\?["'`]$/,
  // process.env.NAME ?? "value", ENV.fetch… || 'value', getenv("NAME") ?: "value", and the other
  // defaults after a reference (DEFAULT_AFTER_REFERENCE).
  new RegExp(String.raw`([A-Za-z_$][\w$]*)(?:${DEFAULT_AFTER_REFERENCE})$`),
  // A default after a command-line argument: the name is the one assigned, since the argument has
  // none (`const apiKey = process.argv[2] || "value"`, Deno `Deno.args[0] ?? "value"`, Ruby
  // `ARGV[0] || "value"`, Python `API_KEY = sys.argv[1] if len(sys.argv) > 1 else "value"`).
  /([A-Za-z_$][\w$]*)[ \t]*(?::=|=)[ \t]*(?:[\w$]+\.)?(?:argv|args|Args|ARGV)\[\d{1,2}\](?:[ \t]*(?:\?\?|\|\|)|[ \t]+if[ \t][^\n"'`]{1,80}?[ \t]else)[ \t]*\\?["'`]$/,
  // Dockerfile `ENV NAME value`, `setx NAME value`, fish `set -gx NAME value`.
  /^[ \t]*(?:ENV|setx|set[ \t]+-[A-Za-z]+)[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]+["']?$/,
  // <NAME>value</NAME> (XML settings).
  /<([A-Za-z_][\w.-]*)>$/,
  // An element named by its attribute: Android `<string name="NAME">value</string>`, Java's
  // properties XML `<entry key="NAME">value</entry>`.
  /<[\w:.-]+[ \t][^<>\n]{0,200}?\b(?:name|key)[ \t]*=[ \t]*["']([A-Za-z_][\w.-]*)["'][^<>\n]{0,200}>$/,
  // A Markdown table row of environment variables, `| NAME | value |` (code spans or not), and a
  // CSV row `NAME,value` starting its line: only an upper-case name, as env tables write them.
  /^[ \t]*\|?[ \t]*`?([A-Z][A-Z0-9_]{2,})`?[ \t]*\|[ \t]*`?$|^([A-Z][A-Z0-9_]{2,}),["']?$/,
  // A value wrapped in a Pulumi input or secret constructor, which hides the name from the rule
  // above: Go `ApiKey: pulumi.String("v")` (also inside `pulumi.ToSecret(…)`), TS
  // `apiKey: pulumi.secret("v")`, Python `api_key=pulumi.Output.secret("v")`, C#
  // `ApiKey = Output.CreateSecret("v")`.
  /([A-Za-z_$][\w$]*)[ \t]*[:=][ \t]*(?:(?:pulumi\.(?:String|StringPtr|ToSecret|secret|Output\.secret)|Output\.CreateSecret)\([ \t]*){1,2}["'`]$/,
];
