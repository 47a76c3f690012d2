/**
 * What a match's surroundings say: the variable it is assigned to, whether it ships to browsers,
 * and whether it sits in a documentation example.
 */
import { OTHER_ASSIGNMENTS } from '../detectors/assignment.js';
import type { Exposure } from '../types.js';

const ASSIGN =
  /(?:^|[\s{,(;[=])(?:export\s+|-\s+|set\s+)?(?:\\?["'`])?([A-Za-z_$][A-Za-z0-9_.$-]*)(?:\\?["'`])?\]?\s*(?::=|=>|:|=|\?=|\|\|=|\?\?=)\s*(?:\\?["'`])?[^"'`=:]*$/;

/** The key a value on this line is assigned to (`KEY=`, `key: `, `"key": `, `token: "`...). */
export function keyBefore(
  before: string,
  previousLine: string | undefined,
  /** The few lines above the value's (read only for a Terraform `default`). */
  linesAbove?: () => string,
): string | undefined {
  const tail = before.length > 400 ? before.slice(-400) : before;
  const m = ASSIGN.exec(tail);
  let key = m?.[1];
  // A name/value pair (`"name": "X", "value": "…"`, `key="X" value="…"`), or a form the general
  // rule cannot read (call arguments, `?? "…"`, `ENV X …`).
  if (key === undefined || /^value$/i.test(key))
    for (const re of OTHER_ASSIGNMENTS) {
      const other = re.exec(tail);
      if (other) return normalName(other[1] ?? other[2]!);
    }
  // A value alone on its line below `NAME: |` / `NAME: >-` (YAML block scalars) or `NAME = """`
  // (TOML multi-line strings): the name is the previous line's.
  if (key === undefined && previousLine !== undefined && /^[ \t]*$/.test(before)) {
    const block = BLOCK_OPENER.exec(previousLine);
    if (block) return normalName(block[1]!);
  }
  if (key === undefined) return undefined;
  // Kubernetes / ECS / CloudFormation style: `- name: UPSTASH_TOKEN` (or `"name": "…",`,
  // `- Name: …`), render / DigitalOcean `- key: UPSTASH_TOKEN`, then `value: …` on the next line.
  if (/^value$/i.test(key) && previousLine) {
    const named = /["']?\b(?:name|key)["']?\s*[:=]\s*["']?([A-Za-z_][A-Za-z0-9_]*)/i.exec(
      previousLine,
    );
    if (named) key = named[1]!;
  }
  // Terraform `variable "NAME" { … default = "…" }`: the variable's name, while its block is open.
  if (key === 'default' && linesAbove) {
    const variable = TERRAFORM_VARIABLE.exec(linesAbove());
    if (variable) key = variable[1]!;
  }
  return normalName(key);
}

/** `NAME: |`, `NAME: >-`, `"NAME": |2` (YAML), `NAME = """` / `'''` (TOML), ending its line. */
const BLOCK_OPENER =
  /(?:^|[\s{,])["']?([A-Za-z_$][\w.$-]*)["']?[ \t]*(?::[ \t]*[|>][-+]?[1-9]?|=[ \t]*(?:"""|'''))[ \t]*\r?$/;
/** The last `variable "NAME" {` of the lines above whose block no `}` has closed yet. */
const TERRAFORM_VARIABLE = /\bvariable[ \t]+"([\w-]+)"[ \t]*\{[^{}]*$/;

/**
 * Names written with `-` or `.` between words (`upstash-redis-password` in an Action's `with:`,
 * `upstash.api.key` in Maven, `spring.data.redis.password`) read as the same name with `_`, the
 * form every detector's name rule is written for.
 */
function normalName(name: string): string {
  return /[\w$][.-][\w$]/.test(name) ? name.replace(/(?<=[\w$])[.-](?=[\w$])/g, '_') : name;
}

const BROWSER_PREFIX =
  /^(NEXT_PUBLIC_|VITE_|PUBLIC_|REACT_APP_|EXPO_PUBLIC_|NUXT_PUBLIC_|NUXT_ENV_|GATSBY_|STORYBOOK_|VUE_APP_|SVELTEKIT_PUBLIC_|NG_APP_|PLASMO_PUBLIC_|REDWOOD_ENV_)/;
const BUILT_ASSET =
  /(^|\/)(\.next\/static|out\/_next|dist\/assets|build\/static|\.output\/public|\.svelte-kit\/output\/client|public\/build|storybook-static|\.vercel\/output\/static|_site)\/|\.(min|bundle|chunk)\.js$/;
/**
 * Content-hashed bundles in build output (`dist/index-BXz3kq9a.js`, `build/main.8a3f2c1d.js`):
 * a bundler names client chunks so; server output (`dist/server/…`, `build/index.js`) is not.
 */
const HASHED_BUNDLE =
  /(^|\/)(dist|build|out)\/(?!(?:.*\/)?(?:server|ssr|functions|api|edge|node|lambda)\/)(?:[^/]+\/)*[^/]*[.-](?=[A-Za-z0-9_]*\d)(?=[A-Za-z0-9_]*[A-Za-z])[A-Za-z0-9_]{8,20}\.(m?js|css)(\.map)?$/;
/** Served as they are by every static host and framework: markup, scripts, data, dotenv files. */
const STATIC_DIR =
  /(^|\/)(public|static|wwwroot)\/(?:[^/]+\/)*(?:[^/]*\.(?:html?|m?js|cjs|css|json|map|txt|xml|svg|webmanifest|ya?ml|env)|\.env[^/]*)$/;
/** A `public/` or `static/` folder inside source code is a module (`src/routes/public/…`), not a web root. */
const CODE_PARENT =
  /(^|\/)(src|lib|app|api|routes|server|controllers|handlers|functions)\/(public|static)\//;
const ANGULAR_ENV = /(^|\/)src\/environments\/environment(\.[\w-]+)?\.ts$/;
/** Markup always reaches the browser, whatever renders it (static page, Jinja/ERB/Go template). */
const MARKUP = /\.(html?|xhtml)$/i;
/** Single-file components are compiled into client bundles. */
const COMPONENT = /\.(vue|svelte)$/i;

/** Config files whose named blocks are inlined into client bundles at build time. */
const INLINED_BLOCKS: { file: RegExp; opener: RegExp; reason: string }[] = [
  {
    file: /(^|\/)next\.config\.(js|mjs|cjs|ts)$/,
    opener: /\b(env|publicRuntimeConfig)\s*:\s*\{/g,
    reason: 'next.config env is inlined into client bundles',
  },
  {
    file: /(^|\/)vite\.config\.(js|mjs|cjs|ts|mts)$/,
    opener: /\bdefine\s*:\s*\{/g,
    reason: 'vite.config define is inlined into client bundles',
  },
  {
    file: /(^|\/)nuxt\.config\.(js|mjs|ts)$/,
    opener: /\bpublic\s*:\s*\{/g,
    reason: 'nuxt.config runtimeConfig.public ships to the browser',
  },
  {
    file: /(^|\/)webpack\.config\.(js|mjs|cjs|ts)$/,
    opener: /DefinePlugin\(\s*\{/g,
    reason: 'webpack DefinePlugin values are inlined into bundles',
  },
  {
    file: /(^|\/)app\.(json|config\.(js|ts))$/,
    opener: /["']?extra["']?\s*:\s*\{/g,
    reason: 'Expo extra ships inside the app bundle',
  },
];

/** `index` is the start of the line holding the value. */
export function exposureOf(
  path: string,
  key: string | undefined,
  text: string,
  index: number,
): Exposure {
  if (key && BROWSER_PREFIX.test(key))
    return { kind: 'browser', reason: `${key.split('_')[0]}_ prefix ships to the browser` };
  if (BUILT_ASSET.test(path) || HASHED_BUNDLE.test(path))
    return { kind: 'browser', reason: 'built client asset' };
  if (ANGULAR_ENV.test(path))
    return { kind: 'browser', reason: 'Angular environment files are compiled into the app' };
  if (MARKUP.test(path)) return { kind: 'browser', reason: 'HTML is sent to every visitor' };
  if (STATIC_DIR.test(path) && !CODE_PARENT.test(path))
    return { kind: 'browser', reason: 'static web folder is served to every visitor' };
  if (COMPONENT.test(path))
    return { kind: 'browser', reason: 'components are compiled into client bundles' };
  if (/\.astro$/i.test(path) && !inAstroFrontmatter(text, index))
    return { kind: 'browser', reason: 'Astro markup and scripts reach the browser' };
  for (const b of INLINED_BLOCKS)
    if (b.file.test(path) && insideBlock(text, index, b.opener))
      return { kind: 'browser', reason: b.reason };
  return { kind: 'server' };
}

/**
 * Astro runs the `---` fenced frontmatter on the server only. A fragment that does not open with
 * the fence (added lines of a diff) counts as frontmatter unless a `<script` is open before it.
 */
function inAstroFrontmatter(text: string, index: number): boolean {
  const head = text.slice(0, index);
  const opened = /^\s*---\r?\n/.exec(text);
  if (opened) {
    const close = text.indexOf('\n---', opened[0].length - 1);
    return close < 0 || index <= close;
  }
  const script = head.lastIndexOf('<script');
  return script < 0 || head.lastIndexOf('</script>') > script;
}

/** Is `index` inside an object literal opened by `opener` (`env: {`, `define: {`...)? */
function insideBlock(text: string, index: number, opener: RegExp): boolean {
  const head = text.slice(Math.max(0, index - 4000), index);
  const re = new RegExp(opener.source, 'g');
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

/** A Bitnami SealedSecret manifest (YAML or JSON): its `encryptedData` values are ciphertext. */
export function isSealedSecret(text: string): boolean {
  return (
    text.includes('SealedSecret') &&
    /(?:^|\n)\s*["']?kind["']?\s*:\s*["']?SealedSecret\b/.test(text)
  );
}

const DOC = /\.(md|mdx|markdown|rst|adoc)$/i;
const EXAMPLE = /\b(?:examples?|samples?|demo)\b|\be\.g\./i;
const FENCE = /^\s{0,3}(```|~~~)(.*)$/;
const HEADING = /^\s{0,3}#{1,6}\s+(.*)$/;

/**
 * For a documentation file, which lines are documentation examples: under an example heading
 * (`## Example`), in a fenced block introduced as one (`Example:` then a code fence, or
 * ```` ```env example ````), or an `Example: …` line. Values there are often made up: the pipeline
 * lowers their confidence one step (never drops them: real tokens get pasted into docs).
 * One pass over the lines, done only when a hit needs it (hostile input: many hits, one pass).
 */
export function docsExampleLines(
  path: string,
  text: string,
  lineStarts: readonly number[],
): (lineIdx: number) => boolean {
  if (!DOC.test(path)) return () => false;
  let flags: Uint8Array | undefined;
  return (lineIdx) => (flags ??= exampleFlags(text, lineStarts))[lineIdx] === 1;
}

function exampleFlags(text: string, lineStarts: readonly number[]): Uint8Array {
  const flags = new Uint8Array(lineStarts.length);
  let heading = '';
  let inFence = false;
  let fenceIntro = '';
  let lastLine = '';
  for (let i = 0; i < lineStarts.length; i++) {
    const end = i + 1 < lineStarts.length ? lineStarts[i + 1]! - 1 : text.length;
    const line = text.slice(lineStarts[i]!, end).replace(/\r$/, '');
    const fence = FENCE.exec(line);
    if (fence) {
      inFence = !inFence;
      if (inFence) fenceIntro = `${lastLine} ${fence[2]!}`;
      continue;
    }
    if (!inFence) {
      const h = HEADING.exec(line);
      if (h || (/^\s{0,3}(=+|-+)\s*$/.test(line) && lastLine)) {
        heading = h ? h[1]! : lastLine;
        lastLine = line;
        continue;
      }
    }
    const example =
      EXAMPLE.test(heading) ||
      (inFence && EXAMPLE.test(fenceIntro)) ||
      /\b(?:examples?|e\.g\.)\s*[:：]/i.test(line);
    if (example) flags[i] = 1;
    if (!inFence && line.trim() !== '') lastLine = line;
  }
  return flags;
}
