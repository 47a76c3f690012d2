/**
 * The scanned repository is hostile input. Every git process we start gets this environment and
 * these leading arguments, so that no repository-local or user config can make git run a program,
 * read a file outside the repository (a FIFO there would block git), or use the network.
 *
 * `CONFIG_GUARDS` is the reviewed list of `git help config` keys that could do one of those in the
 * commands we run, with how each is neutralised; docs/hostile-repositories.md renders it and
 * test/git/config-guards.test.ts plants every `attack` in a real repository and runs every scan
 * mode and the App's fetch against it. Command-line `-c` beats every config file, so an
 * `override` always wins over the repository's own value.
 */
import { devNull } from 'node:os';

export type ConfigThreat = 'runs a program' | 'reads a file' | 'network' | 'changes our input';

export interface ConfigGuard {
  /** The key(s) as `git help config` names them (`<driver>`, `<name>`, `<url>` are placeholders). */
  key: string;
  threat: ConfigThreat;
  /** `-c` settings that beat the repository's config (empty when no override exists). */
  overrides: readonly (readonly [string, string])[];
  /** How the key is neutralised, in words (flags, environment, or why it is out of reach). */
  how: string;
  /**
   * What the test plants in `.git/config` (`$PROGRAM`: a script that writes a marker file,
   * `$FIFO`: a FIFO nobody writes, `$HOOKS`: a directory of marker hooks) and what must happen:
   * `clean` (every scan works and nothing runs) or `killed` (git blocks where no option can stop
   * it; the inactivity limit kills it and the scan fails with a clear error, nothing runs).
   */
  attack?: { config: Readonly<Record<string, string>>; expect: 'clean' | 'killed' };
}

const NULL = devNull;

export const CONFIG_GUARDS: readonly ConfigGuard[] = [
  {
    key: 'core.fsmonitor',
    threat: 'runs a program',
    overrides: [['core.fsmonitor', 'false']],
    how: 'overridden',
    attack: { config: { 'core.fsmonitor': '$PROGRAM' }, expect: 'clean' },
  },
  {
    key: 'core.hooksPath (and hooks in .git/hooks)',
    threat: 'runs a program',
    overrides: [['core.hooksPath', NULL]],
    how: `overridden with ${NULL}: no hook exists there`,
    attack: { config: { 'core.hooksPath': '$HOOKS' }, expect: 'clean' },
  },
  {
    key: 'core.pager, pager.<cmd>',
    threat: 'runs a program',
    overrides: [['core.pager', 'cat']],
    how: 'overridden; `--no-pager`, GIT_PAGER=cat; our stdout is a pipe, never a terminal',
    attack: {
      config: { 'core.pager': '$PROGRAM', 'pager.log': '$PROGRAM', 'pager.diff': '$PROGRAM' },
      expect: 'clean',
    },
  },
  {
    key: 'core.sshCommand',
    threat: 'runs a program',
    overrides: [['core.sshCommand', 'false']],
    how: 'overridden; ssh transports are disallowed (protocol.ssh.allow=never)',
    attack: { config: { 'core.sshCommand': '$PROGRAM' }, expect: 'clean' },
  },
  {
    key: 'core.gitProxy',
    threat: 'runs a program',
    overrides: [],
    how: 'cannot be reset with -c (the first matching value wins); only used for git://, which is disallowed',
    attack: { config: { 'core.gitProxy': '$PROGRAM' }, expect: 'clean' },
  },
  {
    key: 'core.askPass',
    threat: 'runs a program',
    overrides: [['core.askPass', 'true']],
    how: 'overridden; GIT_ASKPASS=true, GIT_TERMINAL_PROMPT=0',
    attack: { config: { 'core.askPass': '$PROGRAM' }, expect: 'clean' },
  },
  {
    key: 'core.editor, sequence.editor',
    threat: 'runs a program',
    overrides: [
      ['core.editor', 'false'],
      ['sequence.editor', 'false'],
    ],
    how: 'overridden; no command we run opens an editor',
    attack: {
      config: { 'core.editor': '$PROGRAM', 'sequence.editor': '$PROGRAM' },
      expect: 'clean',
    },
  },
  {
    key: 'core.alternateRefsCommand',
    threat: 'runs a program',
    overrides: [['core.alternateRefsCommand', 'true']],
    how: 'overridden',
    attack: { config: { 'core.alternateRefsCommand': '$PROGRAM' }, expect: 'clean' },
  },
  {
    key: 'credential.helper, credential.<url>.helper',
    threat: 'runs a program',
    overrides: [['credential.helper', '']],
    how: 'overridden with an empty value, which clears every helper configured before it (URL-specific ones too)',
    attack: {
      config: {
        'credential.helper': '!$PROGRAM',
        'credential.http://127.0.0.1.helper': '!$PROGRAM',
      },
      expect: 'clean',
    },
  },
  {
    key: 'diff.external, diff.<driver>.command',
    threat: 'runs a program',
    overrides: [['diff.external', '']],
    how: 'overridden; every diff we run passes --no-ext-diff',
    attack: {
      config: { 'diff.external': '$PROGRAM', 'diff.evil.command': '$PROGRAM' },
      expect: 'clean',
    },
  },
  {
    key: 'diff.<driver>.textconv',
    threat: 'runs a program',
    overrides: [],
    how: 'no -c reaches an unknown driver name; every diff we run passes --no-textconv',
    attack: { config: { 'diff.evil.textconv': '$PROGRAM' }, expect: 'clean' },
  },
  {
    key: 'filter.<driver>.clean, .smudge, .process',
    threat: 'runs a program',
    overrides: [],
    how: 'no -c reaches an unknown driver name; nothing we run converts work-tree files (no checkout, add or status; the App clones bare; diffs compare stored objects)',
    attack: {
      config: {
        'filter.evil.clean': '$PROGRAM',
        'filter.evil.smudge': '$PROGRAM',
        'filter.evil.process': '$PROGRAM',
      },
      expect: 'clean',
    },
  },
  {
    key: 'merge.<driver>.driver',
    threat: 'runs a program',
    overrides: [],
    how: 'we never merge',
    attack: { config: { 'merge.evil.driver': '$PROGRAM' }, expect: 'clean' },
  },
  {
    key: 'log.showSignature, gpg.program, gpg.<format>.program',
    threat: 'runs a program',
    overrides: [
      ['log.showSignature', 'false'],
      ['gpg.program', 'false'],
      ['gpg.openpgp.program', 'false'],
      ['gpg.x509.program', 'false'],
      ['gpg.ssh.program', 'false'],
      ['gpg.ssh.defaultKeyCommand', 'false'],
    ],
    how: 'overridden: git log verifies no signature, and any verification would run `false`',
    attack: {
      config: {
        'log.showSignature': 'true',
        'gpg.program': '$PROGRAM',
        'gpg.openpgp.program': '$PROGRAM',
      },
      expect: 'clean',
    },
  },
  {
    key: 'gpg.ssh.allowedSignersFile, gpg.ssh.revocationFile',
    threat: 'reads a file',
    overrides: [
      ['gpg.ssh.allowedSignersFile', NULL],
      ['gpg.ssh.revocationFile', NULL],
    ],
    how: 'overridden (and no signature is verified)',
    attack: {
      config: {
        'log.showSignature': 'true',
        'gpg.format': 'ssh',
        'gpg.ssh.allowedSignersFile': '$FIFO',
        'gpg.ssh.revocationFile': '$FIFO',
      },
      expect: 'clean',
    },
  },
  {
    key: 'uploadpack.packObjectsHook, remote.<name>.uploadpack, remote.<name>.receivepack',
    threat: 'runs a program',
    overrides: [['uploadpack.packObjectsHook', '']],
    how: 'we fetch a URL, never a named remote, and only over http(s); local and ssh transports are disallowed',
  },
  {
    key: 'protocol.allow, protocol.<name>.allow, extensions.partialClone, remote.<name>.promisor',
    threat: 'network',
    overrides: [
      ['protocol.allow', 'never'],
      ['protocol.file.allow', 'never'],
      ['protocol.git.allow', 'never'],
      ['protocol.ssh.allow', 'never'],
      ['protocol.ext.allow', 'never'],
      ['protocol.http.allow', 'never'],
      ['protocol.https.allow', 'never'],
    ],
    how: 'GIT_NO_LAZY_FETCH=1 (git 2.39.4+): a missing object of a partial clone is never fetched from a promisor remote (an `ext::` remote runs a program). And every transport is disallowed by name (a repository-level `protocol.ext.allow=always` would beat a generic `never`); only the App fetch re-allows http(s)',
    attack: {
      config: {
        'core.repositoryFormatVersion': '1',
        'extensions.partialClone': 'evil',
        'remote.evil.url': 'ext::$PROGRAM',
        'remote.evil.promisor': 'true',
        'protocol.ext.allow': 'always',
        'protocol.allow': 'always',
      },
      expect: 'clean',
    },
  },
  {
    key: 'include.path, includeIf.<condition>.path',
    threat: 'reads a file',
    overrides: [],
    how: 'no option stops git 2.39 reading includes of the repository config (GIT_CONFIG_NOSYSTEM and GIT_CONFIG_GLOBAL drop the system and user files). An included file is config like the repository`s own, so every override here still wins; a FIFO or device there blocks git, and the inactivity limit kills it',
    attack: { config: { 'include.path': '$FIFO' }, expect: 'killed' },
  },
  {
    key: 'core.attributesFile',
    threat: 'reads a file',
    overrides: [['core.attributesFile', NULL]],
    how: 'overridden; GIT_ATTR_NOSYSTEM=1',
    attack: { config: { 'core.attributesFile': '$FIFO' }, expect: 'clean' },
  },
  {
    key: 'core.excludesFile',
    threat: 'reads a file',
    overrides: [['core.excludesFile', NULL]],
    how: 'overridden',
    attack: { config: { 'core.excludesFile': '$FIFO' }, expect: 'clean' },
  },
  {
    key: 'mailmap.file, mailmap.blob, log.mailmap',
    threat: 'reads a file',
    overrides: [
      ['log.mailmap', 'false'],
      ['mailmap.file', NULL],
      ['mailmap.blob', ''],
    ],
    how: 'overridden: no mailmap is read',
    attack: { config: { 'mailmap.file': '$FIFO', 'log.mailmap': 'true' }, expect: 'clean' },
  },
  {
    key: 'diff.orderFile',
    threat: 'reads a file',
    overrides: [['diff.orderFile', NULL]],
    how: 'overridden (an empty order file keeps git`s order)',
    attack: { config: { 'diff.orderFile': '$FIFO' }, expect: 'clean' },
  },
  {
    key: 'blame.ignoreRevsFile, commit.template',
    threat: 'reads a file',
    overrides: [['blame.ignoreRevsFile', '']],
    how: 'we never blame or commit',
    attack: {
      config: { 'blame.ignoreRevsFile': '$FIFO', 'commit.template': '$FIFO' },
      expect: 'clean',
    },
  },
  {
    key: 'http.cookieFile, http.saveCookies, http.proxy',
    threat: 'network',
    overrides: [
      ['http.cookieFile', ''],
      ['http.saveCookies', 'false'],
      ['http.proxy', ''],
    ],
    how: 'overridden for the App fetch; scans use no transport. URL-specific http.<url>.* keys cannot be reset, but only matter in the App`s cache repositories, whose config we write',
    attack: {
      config: { 'http.cookieFile': '$FIFO', 'http.proxy': 'http://127.0.0.1:9' },
      expect: 'clean',
    },
  },
  {
    key: 'fetch.fsck.skipList, fsck.skipList',
    threat: 'reads a file',
    overrides: [
      ['fetch.fsck.skipList', NULL],
      ['fsck.skipList', NULL],
    ],
    how: 'overridden',
    attack: {
      config: { 'fetch.fsckObjects': 'true', 'fetch.fsck.skipList': '$FIFO' },
      expect: 'clean',
    },
  },
  {
    key: 'gc.auto, maintenance.auto (auto-gc, pre-auto-gc hook)',
    threat: 'runs a program',
    overrides: [
      ['gc.auto', '0'],
      ['maintenance.auto', 'false'],
    ],
    how: 'overridden; fetch passes --no-auto-gc',
    attack: { config: { 'gc.auto': '1', 'gc.autoDetach': 'false' }, expect: 'clean' },
  },
  {
    key: 'submodule.recurse, fetch.recurseSubmodules, diff.submodule',
    threat: 'runs a program',
    overrides: [
      ['submodule.recurse', 'false'],
      ['fetch.recurseSubmodules', 'false'],
      ['diff.submodule', 'short'],
    ],
    how: 'overridden; fetch passes --no-recurse-submodules. git never enters a submodule for us',
    attack: {
      config: { 'submodule.recurse': 'true', 'diff.submodule': 'log' },
      expect: 'clean',
    },
  },
  {
    key: 'core.untrackedCache, core.splitIndex, index.*, feature.manyFiles',
    threat: 'changes our input',
    overrides: [['core.untrackedCache', 'false']],
    how: 'overridden where it writes; GIT_OPTIONAL_LOCKS=0 keeps read-only commands from rewriting the index; the rest only changes the index format inside .git',
  },
  {
    key: 'log.showRoot, diff.relative, i18n.logOutputEncoding, core.quotePath, diff.noprefix, color.*',
    threat: 'changes our input',
    overrides: [
      ['log.showRoot', 'true'],
      ['diff.relative', 'false'],
      ['i18n.logOutputEncoding', 'UTF-8'],
      ['core.quotePath', 'false'],
    ],
    how: 'overridden, so the repository cannot hide a root commit`s lines or garble what the parser reads; prefixes and colour are set by flags',
  },
  {
    key: 'core.commitGraph (objects/info/commit-graph), info/grafts',
    threat: 'changes our input',
    overrides: [['core.commitGraph', 'false']],
    how: 'overridden, and GIT_GRAFT_FILE names no file: git takes a commit`s parents from a commit-graph file or a graft before the commit object, so a planted file could cut a leaking commit out of the history we walk. We read the objects (replace refs are off for the same reason)',
  },
  {
    key: 'core.worktree',
    threat: 'reads a file',
    overrides: [],
    how: 'git reads it from the repository file at start-up, so -c cannot override it: a tree scan run outside the relocated work tree walks the directory itself; .gitattributes there are read only as attributes (no program runs), bounded by the inactivity limit',
  },
  {
    key: 'diff.<driver>.xfuncname, diff.<driver>.funcname',
    threat: 'changes our input',
    overrides: [],
    how: 'a catastrophic regular expression only costs CPU; bounded by the deadline of the diff',
  },
  {
    key: 'url.<base>.insteadOf, http.<url>.*, remote.<name>.proxy',
    threat: 'network',
    overrides: [],
    how: 'scans use no transport; the App fetch uses a URL in a cache repository whose config we write',
  },
  {
    key: 'safe.directory',
    threat: 'runs a program',
    overrides: [['safe.directory', '*']],
    how: 'set to `*` on purpose: ownership checks exist to keep another user`s config from running programs, and we neutralise that config ourselves; a scan must work on a checkout owned by someone else (CI, containers)',
  },
  {
    key: 'trace2.*',
    threat: 'reads a file',
    overrides: [],
    how: 'read only from system and global config, both disabled; GIT_TRACE* variables are not passed on',
  },
  {
    key: 'sendemail.*, difftool.*, mergetool.*, guitool.*, browser.*, man.*, interactive.diffFilter, notes.*',
    threat: 'runs a program',
    overrides: [],
    how: 'used only by commands we never run (our log format prints no notes)',
  },
];

/** `-c` settings from the table, in order (a later one wins). */
function configArgs(): string[] {
  const out: string[] = [];
  for (const g of CONFIG_GUARDS) for (const [k, v] of g.overrides) out.push('-c', `${k}=${v}`);
  return out;
}

export function safeGitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'SYSTEMROOT'];
  const env: NodeJS.ProcessEnv = {};
  for (const k of keep) if (process.env[k] !== undefined) env[k] = process.env[k];
  return {
    ...env,
    LC_ALL: 'C',
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: devNull,
    GIT_ATTR_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: 'true',
    SSH_ASKPASS: 'true',
    GIT_PAGER: 'cat',
    PAGER: 'cat',
    GIT_OPTIONAL_LOCKS: '0',
    GIT_NO_REPLACE_OBJECTS: '1',
    // A commit's parents come from the commit object, never from .git/info/grafts (CONFIG_GUARDS).
    // A path that cannot exist: git reads an existing one (even /dev/null) and then prints a
    // deprecation hint on every call, which became the last line of every git error we quote.
    GIT_GRAFT_FILE: `${devNull}/no-grafts`,
    GIT_PROTOCOL_FROM_USER: '0',
    // Never fetch a missing object from a promisor remote (git 2.39.4+; the table has the rest).
    GIT_NO_LAZY_FETCH: '1',
    ...extra,
  };
}

/**
 * Leading arguments of every git call: the table's overrides (command-line config has the highest
 * precedence), no pager, no replace objects.
 */
export const SAFE_GIT_ARGS: readonly string[] = [
  ...configArgs(),
  '--no-replace-objects',
  '--no-pager',
];

/** Added (after SAFE_GIT_ARGS, so they win) only to the App's fetch: the one call with a network. */
export const FETCH_GIT_ARGS: readonly string[] = [
  '-c',
  'protocol.https.allow=always',
  '-c',
  'protocol.http.allow=always',
];
