import picomatch from 'picomatch';
import type { Config } from '../config/types.js';

/** Lockfiles hold only integrity hashes, which look like base64 but never hold a credential. */
export const BUILTIN_IGNORES = [
  '**/package-lock.json',
  '**/npm-shrinkwrap.json',
  '**/yarn.lock',
  '**/pnpm-lock.yaml',
  '**/bun.lockb',
  '**/Cargo.lock',
  '**/poetry.lock',
  '**/go.sum',
];

const cache = new WeakMap<Config, (path: string) => boolean>();
const builtin = picomatch(BUILTIN_IGNORES, { dot: true });

export function isPathIgnored(path: string, config: Config): boolean {
  if (builtin(path)) return true;
  if (config.ignorePaths.length === 0) return false;
  let matcher = cache.get(config);
  if (!matcher) {
    matcher = picomatch(config.ignorePaths, { dot: true });
    cache.set(config, matcher);
  }
  return matcher(path);
}
