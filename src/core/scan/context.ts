/** What a match's surroundings say: the variable it is assigned to, and browser exposure. */
import type { Exposure } from '../types.js';

const ASSIGN =
  /(?:^|[\s{,(;[])(?:export\s+|-\s+|set\s+)?["'`]?([A-Za-z_$][A-Za-z0-9_.$-]*)["'`]?\s*(?::=|=>|:|=)\s*["'`]?[^"'`=:]*$/;

/** The key a value on this line is assigned to (`KEY=`, `key: `, `"key": `, `token: "`...). */
export function keyBefore(before: string, previousLine: string | undefined): string | undefined {
  const tail = before.length > 400 ? before.slice(-400) : before;
  const m = ASSIGN.exec(tail);
  if (!m) return undefined;
  let key = m[1]!;
  // Kubernetes / compose style: `- name: UPSTASH_TOKEN` then `value: …` on the next line.
  if (key === 'value' && previousLine) {
    const named = /name:\s*["']?([A-Za-z_][A-Za-z0-9_]*)/.exec(previousLine);
    if (named) key = named[1]!;
  }
  return key;
}

const BROWSER_PREFIX =
  /^(NEXT_PUBLIC_|VITE_|PUBLIC_|REACT_APP_|EXPO_PUBLIC_|NUXT_PUBLIC_|NUXT_ENV_|GATSBY_|STORYBOOK_|VUE_APP_|SVELTEKIT_PUBLIC_)/;
const BUILT_ASSET =
  /(^|\/)(\.next\/static|out\/_next|dist\/assets|build\/static|\.output\/public|\.svelte-kit\/output\/client|public\/build)\/|\.(min|bundle|chunk)\.js$/;
const NEXT_CONFIG = /(^|\/)next\.config\.(js|mjs|cjs|ts)$/;

export function exposureOf(
  path: string,
  key: string | undefined,
  text: string,
  index: number,
): Exposure {
  if (key && BROWSER_PREFIX.test(key))
    return { kind: 'browser', reason: `${key.split('_')[0]}_ prefix ships to the browser` };
  if (BUILT_ASSET.test(path)) return { kind: 'browser', reason: 'built client asset' };
  if (NEXT_CONFIG.test(path) && insideEnvBlock(text, index))
    return { kind: 'browser', reason: 'next.config env is inlined into client bundles' };
  return { kind: 'server' };
}

/** Is `index` inside an `env: { … }` (or publicRuntimeConfig) object literal? */
function insideEnvBlock(text: string, index: number): boolean {
  const head = text.slice(Math.max(0, index - 4000), index);
  const re = /\b(env|publicRuntimeConfig)\s*:\s*\{/g;
  let last = -1;
  for (let m = re.exec(head); m; m = re.exec(head)) last = m.index + m[0].length;
  if (last < 0) return false;
  let depth = 1;
  for (let i = last; i < head.length; i++) {
    const c = head[i];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return false;
  }
  return true;
}

export const INLINE_ALLOW = 'upstash-guard:allow';
