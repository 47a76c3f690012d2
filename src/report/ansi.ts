import type { Severity } from '../core/types.js';

/** Minimal ANSI styling; a no-op palette when colour is off so callers never branch. */
export interface Palette {
  severity(s: Severity, text: string): string;
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
}

const wrap = (open: number, close: number) => (t: string) => `\x1b[${open}m${t}\x1b[${close}m`;

const SEVERITY_CODES: Record<Severity, (t: string) => string> = {
  critical: (t) => `\x1b[1;41;97m${t}\x1b[0m`,
  high: (t) => `\x1b[1;31m${t}\x1b[0m`,
  medium: wrap(33, 39),
  low: wrap(36, 39),
  info: wrap(2, 22),
};

export function palette(color: boolean): Palette {
  if (!color) {
    const id = (t: string) => t;
    return { severity: (_s, t) => t, bold: id, dim: id, green: id, red: id, yellow: id };
  }
  return {
    severity: (s, t) => SEVERITY_CODES[s](t),
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    green: wrap(32, 39),
    red: wrap(31, 39),
    yellow: wrap(33, 39),
  };
}
