export const HELP = `upstash-guard: find Upstash credentials before they leak through git

Usage:
  upstash-guard scan [path] [options]     scan a working tree or plain directory (default: .)
  upstash-guard install-hook [path]       install a git pre-commit hook running "scan --staged"

What to scan (default: the files in [path]):
  --staged                  only what is staged for the next commit (pre-commit hooks)
  --range BASE..HEAD        commits in HEAD but not in BASE (also BASE...HEAD), added lines only
  --history                 every blob reachable from any ref, attributed to its introducing commit

Output:
  --format text|json|sarif  default text
  --output <file>           write the report to <file> instead of stdout
  --guidance                add rotation steps and the history-rewrite recipe (text)
  --verbose                 every occurrence, decoded details and scan statistics (text)
  --quiet                   print nothing when nothing fails the scan (text)
  --no-color                no ANSI colour (also: NO_COLOR=1; colour only on a terminal)

Behaviour:
  --verify                  check found credentials against Upstash (sends them only to Upstash hosts)
  --config <file>           default <path>/.github/upstash-guard.yml when present
  --fail-on <severity>      critical|high|medium|low|info (overrides the config; default medium)
  --fingerprint-key <key>   key for fingerprints (or UPSTASH_GUARD_FINGERPRINT_KEY)
  --force                   install-hook: replace an existing pre-commit hook
  -h, --help                this help
  -v, --version             print the version

Exit codes: 0 nothing at or above the fail severity, 1 findings, 2 usage or runtime error.
`;
