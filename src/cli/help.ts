export const HELP = `upstash-guard: find Upstash credentials before they leak through git

Usage:
  upstash-guard scan [path] [options]     scan a working tree, a plain directory or one file (default: .)
  upstash-guard scan - [options]          scan standard input
  upstash-guard scan --github-org ORG     clone and scan the history of every repository of ORG
  upstash-guard install-hook [path]       install a git pre-commit hook running "scan --staged"
  upstash-guard pre-commit [file...]      for the pre-commit framework: the staged changes, plus the
                                          named files that have nothing staged (run --all-files), or
                                          the commits from PRE_COMMIT_FROM_REF to PRE_COMMIT_TO_REF

What to scan (default: the files in [path]):
  --staged                  only what is staged for the next commit (pre-commit hooks)
  --range BASE..HEAD        commits in HEAD but not in BASE (also BASE...HEAD; REV alone means REV..HEAD)
  --history                 every blob reachable from any ref, attributed to its introducing commit
  --github-org ORG          an organisation or user on GitHub (token: GITHUB_TOKEN); see below

Output:
  --format text|json|sarif  default text
  -o, --output <file>       write the report to <file> (missing directories are created)
  --guidance                add rotation steps and the history-rewrite recipe (text)
  --verbose                 every occurrence and ref, decoded details and scan statistics (text)
  -q, --quiet               print nothing when nothing fails the scan (text)
  --no-color                no ANSI colour (also: NO_COLOR=1; colour only on a terminal)

Behaviour:
  --verify                  check found credentials against Upstash (sends them only to Upstash hosts)
  --only-verified           report only credentials confirmed live (implies --verify)
  --baseline <report.json>  ignore findings already in an earlier JSON report (fingerprint + path)
  -c, --config <file>       default <path>/.github/upstash-guard.yml when present
  --fail-on <severity>      critical|high|medium|low|info (overrides the config; default medium)
  --fingerprint-key <key>   key for fingerprints (or UPSTASH_GUARD_FINGERPRINT_KEY)
  --force                   install-hook: replace an existing pre-commit hook
  -h, --help                this help
  -v, --version             print the version

Organisation scan (--github-org):
  -o <dir>                  reports: <dir>/<owner>/<repo>.txt|.json|.sarif, summary.md, summary.json
                            (default ./upstash-guard-<ORG>); stdout gets the summary table
  --github-url <url>        GitHub Enterprise: the server the token may be sent to (GITHUB_SERVER_URL)
  --github-api-url <url>    REST API base (GITHUB_API_URL; default <server>/api/v3, or api.github.com)
  --concurrency <n>         repositories cloned and scanned at once (default 2)
  --skip-archived, --skip-forks

Exit codes: 0 nothing at or above the fail severity, 1 findings, 2 usage or runtime error
(--github-org: 2 also when a repository could not be cloned or scanned and none has findings).
`;
