/**
 * The call a positional argument belongs to, read from the text around it: for a value passed with
 * no name before it (`new JedisPool(cfg, "<host>", 6379, 2000, "<password>")`), the call's name and
 * its other arguments are the only evidence of what the value is.
 */

export interface EnclosingCall {
  /** The identifier right before the call's `(` (`JedisPool`, `StrictRedis`, `newPool`). */
  callee: string;
  /** The string literals among the call's arguments, the argument itself included, in order. */
  literals: string[];
}

/**
 * How far from the argument the call's parentheses are looked for, each way: a constructor written
 * one argument a line with comments still fits, and the walk stays cheap on a minified line (every
 * character is read at most once per argument, strings included: no search runs past REACH).
 */
export const CALL_REACH = 600;
/** A string literal of one line (arguments are short: hosts, ports, passwords). */
const LITERAL = /"([^"\n]{0,200})"|'([^'\n]{0,200})'|`([^`\n]{0,200})`/g;

const NL = 0x0a;
const SEMI = 0x3b;
const isQuote = (c: number): boolean => c === 0x22 || c === 0x27 || c === 0x60; // " ' `
const isOpen = (c: number): boolean => c === 0x28 || c === 0x5b || c === 0x7b; // ( [ {
const isClose = (c: number): boolean => c === 0x29 || c === 0x5d || c === 0x7d; // ) ] }

/**
 * The call whose argument list holds the literal `text.slice(from, to)` (quotes included) at its
 * top level (not inside a nested call, array or object), or null: when an unclosed `[`/`{` (an
 * array, an object, a PHP array) or a statement end (`;`) comes first, when no identifier stands
 * right before the `(` (a tuple, `VALUES (…)`), or when the `(` is further than CALL_REACH. String
 * literals are skipped whole, so a `)` or `,` inside one does not count.
 */
export function enclosingCall(text: string, from: number, to: number): EnclosingCall | null {
  const open = openParen(text, from);
  if (open < 0) return null;
  const callee = /[A-Za-z_$][\w$]*$/.exec(text.slice(Math.max(0, open - 80), open))?.[0];
  if (!callee) return null;
  const args = text.slice(open + 1, closeParen(text, to));
  const literals = Array.from(args.matchAll(LITERAL), (m) => m[1] ?? m[2] ?? m[3]!);
  return { callee, literals };
}

/** The unclosed `(` before `at`, or -1. */
function openParen(text: string, at: number): number {
  const stop = Math.max(0, at - CALL_REACH);
  let depth = 0;
  let quote = 0; // the quote of the literal being read backwards, 0 outside literals
  for (let i = at - 1; i >= stop; i--) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
      else if (c === NL) return -1; // a literal over lines: not code this walk can read
    } else if (isQuote(c)) quote = c;
    else if (isClose(c)) depth++;
    else if (isOpen(c)) {
      if (depth === 0) return c === 0x28 ? i : -1;
      depth--;
    } else if (c === SEMI && depth === 0) return -1;
  }
  return -1;
}

/** Where the argument list after `at` ends: its `)`, a statement end, or CALL_REACH characters on. */
function closeParen(text: string, at: number): number {
  const stop = Math.min(text.length, at + CALL_REACH);
  let depth = 0;
  let quote = 0;
  for (let i = at; i < stop; i++) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
      else if (c === NL) return i;
    } else if (isQuote(c)) quote = c;
    else if (isOpen(c)) depth++;
    else if (isClose(c)) {
      if (depth === 0) return i;
      depth--;
    } else if (c === SEMI && depth === 0) return i;
  }
  return stop;
}
