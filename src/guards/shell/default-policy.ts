/**
 * The default policy, fitted to Node.js web apps: inspect files, edit files inside the project, run the
 * package manager and the project's tools, git for local work, the project's own dev servers, and HTTP to
 * localhost. Everything else is refused unless the project's config adds it (see docs/policy.md).
 */
import {
  type Policy,
  type RuleName,
  SUBCOMMAND_TOOLS,
  type SubcommandTable,
  type SubcommandTool,
} from './policy.js';

/** A whitespace-separated list, so long tables stay readable. */
const names = (text: string): string[] => text.trim().split(/\s+/);
const group = (rule: RuleName, list: readonly string[]): Record<string, RuleName> =>
  Object.fromEntries(list.map((name) => [name, rule]));

const COMMANDS: Record<string, RuleName> = {
  // Reading and text processing: no arguments are checked (reads outside the project are fine in a shell).
  ...group(
    'read',
    names(`
    ls cat head tail wc grep egrep fgrep diff cmp comm file stat pwd echo which type whereis true
    false : test [ basename dirname realpath readlink jq cut tr nl od column paste join fold tac rev
    strings base64 md5sum sha1sum sha256sum sha512sum seq expr printenv id whoami uname nproc free df du
    uptime pgrep lsof ss sleep uuidgen
  `),
  ),
  // Shell builtins that only affect the shell itself (assignments are checked on their own).
  ...group(
    'builtin',
    names(`
    exit return break continue set shift wait read export local declare typeset readonly unset umask
    ulimit jobs getopts times disown bg fg mapfile readarray
  `),
  ),
  cd: 'cd',
  printf: 'printf',
  let: 'let',
  shopt: 'shopt',
  hash: 'hash',
  trap: 'trap',
  sort: 'sort',
  uniq: 'uniq',
  tree: 'tree',
  date: 'date',
  awk: 'awk',
  gawk: 'awk',
  mawk: 'awk',
  // Files: paths must stay inside the project and off protected places.
  rm: 'rm',
  rmdir: 'rm',
  unlink: 'rm',
  ...group('write', ['mkdir', 'touch', 'truncate']),
  cp: 'cp',
  mv: 'mv',
  ln: 'ln',
  chmod: 'chmod',
  tee: 'tee',
  sed: 'sed',
  tar: 'tar',
  find: 'find',
  // Wrappers: the command they run is checked.
  xargs: 'xargs',
  env: 'env',
  'cross-env': 'env',
  nohup: 'nohup',
  timeout: 'timeout',
  time: 'time',
  nice: 'nice',
  stdbuf: 'stdbuf',
  setsid: 'setsid',
  command: 'command',
  builtin: 'command',
  // Node.js toolchain.
  git: 'git',
  npm: 'npm',
  pnpm: 'pnpm',
  yarn: 'yarn',
  bun: 'bun',
  npx: 'npx',
  bunx: 'npx',
  ...group(
    'tool',
    names(`
    tsc vitest jest mocha eslint prettier biome playwright vite next c8 nyc esbuild rollup webpack
    prisma drizzle-kit tailwindcss wait-on serve http-server
  `),
  ),
  concurrently: 'concurrently',
  nodemon: 'nodemon',
  node: 'node',
  tsx: 'node',
  'ts-node': 'node',
  python: 'python',
  python3: 'python',
  pip: 'pip',
  pip3: 'pip',
  pytest: 'pytest',
  rg: 'rg',
  ps: 'ps',
  bash: 'shell',
  sh: 'shell',
  // Processes: only the project's own.
  kill: 'kill',
  pkill: 'pkill',
  killall: 'killall',
  // Network: HTTP to localhost (and allowHosts).
  curl: 'curl',
  wget: 'wget',
  rsync: 'rsync',
  docker: 'docker',
};

const ADMIN = "system administration is outside the agent's job: it works in the project only";
const REMOTE = 'remote logins and copies leave the project: the agent works locally';
const RAW_NET = 'raw network connections are not allowed: use curl to http://localhost';

const DENIED_COMMANDS: Record<string, string> = {
  sudo: 'no root: `sudo` runs as another user. Do the work without root inside the project',
  su: 'no root: `su` switches user. Do the work inside the project as you are',
  doas: 'no root: `doas` runs as another user',
  pkexec: 'no root: `pkexec` runs as another user',
  ssh: REMOTE,
  scp: REMOTE,
  sftp: REMOTE,
  ftp: REMOTE,
  nc: RAW_NET,
  ncat: RAW_NET,
  netcat: RAW_NET,
  socat: RAW_NET,
  telnet: RAW_NET,
  dd: '`dd` writes raw devices and files byte by byte: use cp inside the project',
  mkfs: `formatting file systems: ${ADMIN}`,
  mount: `mounting file systems: ${ADMIN}`,
  umount: `unmounting file systems: ${ADMIN}`,
  shutdown: `stopping the machine: ${ADMIN}`,
  reboot: `rebooting the machine: ${ADMIN}`,
  halt: `stopping the machine: ${ADMIN}`,
  poweroff: `stopping the machine: ${ADMIN}`,
  crontab: '`crontab` schedules commands outside the session: run them now, inside the session',
  systemctl: `services: ${ADMIN}`,
  service: `services: ${ADMIN}`,
  chown: "`chown` changes file owners: files in the project already belong to the agent's user",
  chgrp: "`chgrp` changes file groups: files in the project already belong to the agent's user",
  chroot: ADMIN,
  nsenter: ADMIN,
  unshare: ADMIN,
  passwd: ADMIN,
  useradd: ADMIN,
  userdel: ADMIN,
  usermod: ADMIN,
  iptables: ADMIN,
  modprobe: ADMIN,
  insmod: ADMIN,
  shred: '`shred` destroys files beyond recovery: use rm on files inside the project',
  alias: '`alias` changes what command names mean, which the policy cannot follow: write commands out',
  unalias: '`unalias` changes what command names mean: write commands out',
  enable: '`enable` loads or switches shell builtins: not needed for project work',
  fc: '`fc` re-runs commands from history through an editor: write the command out',
  coproc: '`coproc` runs a background co-process the policy cannot follow: run the command directly',
  pushd: '`pushd` changes folders in a way the policy cannot follow: use `cd DIR && …` or paths',
  popd: '`popd` changes folders in a way the policy cannot follow: use `cd DIR && …` or paths',
  watch: '`watch` re-runs a shell string the policy cannot check: run the command directly',
  perl: 'perl one-liners are not allowed: use node or a script file in the project',
  ruby: "ruby is not part of this project's toolchain: use node or a script file in the project",
  zsh: 'use bash or sh for scripts (`bash script.sh`)',
  dash: 'use bash or sh for scripts (`bash script.sh`)',
  ksh: 'use bash or sh for scripts (`bash script.sh`)',
  fish: 'use bash or sh for scripts (`bash script.sh`)',
};

const SUBCOMMANDS: Record<SubcommandTool, SubcommandTable> = {
  git: {
    allow: names(`
      status diff log show add commit init branch checkout switch restore stash rev-parse ls-files mv rm
      tag reset merge rebase cherry-pick revert blame grep shortlog describe remote fetch pull push
      clean config bisect reflog cat-file ls-tree rev-list show-ref for-each-ref merge-base name-rev
      notes worktree archive format-patch apply version help count-objects check-ignore gc fsck
      whatchanged range-diff diff-tree diff-files diff-index symbolic-ref show-branch check-attr var
    `),
    deny: {
      'filter-branch': 'rewrites the whole history: make new commits instead',
      'filter-repo': 'rewrites the whole history: make new commits instead',
      submodule: 'fetches and checks out other repositories: vendor what you need or add a package',
      daemon: 'serves the repository on the network',
      instaweb: 'starts a web server and a browser on the repository',
      'send-email': 'sends email',
      'imap-send': 'sends mail to an IMAP server',
      'request-pull': 'prepares a pull request for others',
      credential: 'reads and stores credentials',
      'credential-store': 'reads and stores credentials',
      'credential-cache': 'reads and stores credentials',
      difftool: 'runs an external diff program: use `git diff`',
      mergetool: 'runs an external merge program: resolve conflicts by editing the files',
      hook: 'runs git hooks by hand',
      replace: 'rewrites what objects mean',
      clone: 'copies another repository into the project: add a package or vendor the files instead',
      'update-ref': 'moves refs directly: use branch, reset or commit',
      'upload-pack': 'server side of fetch',
      'receive-pack': 'server side of push',
      shell: 'restricted login shell for git servers',
      svn: 'talks to Subversion servers',
      p4: 'talks to Perforce servers',
    },
  },
  npm: {
    allow: names(`
      install i in ins inst insta instal isnt isnta isntal isntall add ci clean-install ic install-clean
      isntall-clean install-test it install-ci-test cit uninstall unlink un remove rm r update up
      upgrade udpate run run-script rum urn test t tst start stop restart ls list la ll outdated audit
      view info show v init create innit exec x explain why prune dedupe ddp rebuild rb pkg version pack
      help fund query prefix root config get doctor ping search s se find
    `),
    deny: {
      publish: 'publishes the package to the registry: the user publishes',
      unpublish: 'removes a published package from the registry',
      deprecate: 'changes a published package on the registry',
      'dist-tag': 'changes published tags on the registry',
      adduser: 'logs in to the registry',
      login: 'logs in to the registry',
      logout: 'logs out of the registry',
      token: 'manages registry tokens',
      owner: 'changes package owners on the registry',
      access: 'changes package access on the registry',
      team: 'changes registry teams',
      org: 'changes registry organisations',
      profile: 'changes the registry profile',
      star: 'changes registry stars',
      link: 'links packages globally, outside the project: use a file: dependency',
      ln: 'links packages globally, outside the project: use a file: dependency',
      cache: 'works on the user-wide npm cache, outside the project',
      edit: 'opens an editor and waits: edit the files directly',
      explore: 'starts a shell in a package folder: run commands directly',
      set: 'changes the user-wide npm config, outside the project: use a project .npmrc',
    },
  },
  pnpm: {
    allow: names(`
      install i add remove rm uninstall un update up upgrade run run-script test t start exec dlx create
      list ls ll la outdated audit why init prune rebuild rb pack help licenses fetch dedupe import
      store root bin config c approve-builds
    `),
    deny: {
      publish: 'publishes the package to the registry: the user publishes',
      link: 'links packages globally, outside the project: use a file: dependency',
      ln: 'links packages globally, outside the project: use a file: dependency',
      setup: 'changes the shell profile and global install, outside the project',
      env: 'installs Node.js versions globally',
      self: 'updates pnpm itself, outside the project',
      'self-update': 'updates pnpm itself, outside the project',
      server: 'starts a store server',
      login: 'logs in to the registry',
      logout: 'logs out of the registry',
    },
  },
  yarn: {
    allow: names(`
      install add remove upgrade up run test start exec dlx create init list info why outdated audit npm
      dedupe rebuild pack help workspaces workspace bin config check licenses version
    `),
    deny: {
      publish: 'publishes the package to the registry: the user publishes',
      global: 'installs packages globally, outside the project: add them to the project',
      link: 'links packages globally, outside the project: use a file: dependency',
      login: 'logs in to the registry',
      logout: 'logs out of the registry',
      owner: 'changes package owners on the registry',
      team: 'changes registry teams',
      policies: 'downloads another yarn release into the project',
      set: 'changes yarn settings or its version',
      plugin: 'downloads and runs yarn plugins',
    },
  },
  bun: {
    allow: names(`
      install i add a remove rm update run test x create c init build pm outdated audit why info help
      exec patch
    `),
    deny: {
      publish: 'publishes the package to the registry: the user publishes',
      link: 'links packages globally, outside the project: use a file: dependency',
      unlink: 'changes global links, outside the project',
      upgrade: 'upgrades bun itself, outside the project',
      repl: 'starts an interactive prompt that waits for input',
    },
  },
  docker: {
    allow: names(`
      run create ps images image logs build stop start restart rm rmi exec inspect pull version info
      compose container port top stats wait kill pause unpause network volume tag history events
    `),
    deny: {
      cp: 'copies between containers and host paths: mount nothing, copy inside the container',
      push: 'publishes an image to a registry: the user publishes',
      login: 'logs in to a registry',
      logout: 'logs out of a registry',
      swarm: 'changes the docker cluster',
      system: 'prunes or inspects the whole docker host',
      plugin: 'installs docker plugins',
      context: 'switches the docker host',
      save: 'writes images to files',
      load: 'loads images from files',
      export: 'writes container file systems to files',
      import: 'imports file systems as images',
      commit: 'turns containers into images',
      attach: 'attaches to a container and waits for input',
    },
  },
};

/** Test runners, linters, build tools and scaffolders of Node web apps. */
const PACKAGES = names(`
  vitest jest mocha c8 nyc playwright @playwright/test cypress typescript tsc tsx ts-node eslint
  prettier biome @biomejs/biome vite create-vite next create-next-app nodemon concurrently cross-env
  serve http-server wait-on prisma drizzle-kit tailwindcss @tailwindcss/cli postcss esbuild rollup
  webpack webpack-cli npm-run-all npm-check-updates license-checker depcheck knip stylelint lint-staged
`);

const RUNS_ANYTHING = 'runs any command it is given, which the policy cannot check: run the command directly';
const DENIED_PACKAGES: Record<string, string> = {
  rimraf: "deletes files without the policy's path checks: use rm on paths inside the project",
  'del-cli': "deletes files without the policy's path checks: use rm on paths inside the project",
  shx: "runs shell commands without the policy's checks: use the commands directly",
  'kill-port':
    'kills whatever listens on a port, including processes outside the project: use `lsof -i :PORT` then kill the pid',
  fkill: "kills processes without the policy's checks: use kill with the pid of the project's server",
  'fkill-cli': "kills processes without the policy's checks: use kill with the pid of the project's server",
  husky: "installs git hooks: hooks are the user's to set up",
  'start-server-and-test': RUNS_ANYTHING,
  'env-cmd': RUNS_ANYTHING,
  'dotenv-cli': RUNS_ANYTHING,
  dotenv: RUNS_ANYTHING,
};

/** Variables that change which program runs or what it loads. */
const DENIED_ENV = names(`
  PATH LD_PRELOAD LD_LIBRARY_PATH LD_AUDIT DYLD_INSERT_LIBRARIES DYLD_LIBRARY_PATH BASH_ENV ENV
  PROMPT_COMMAND IFS SHELLOPTS BASHOPTS PS4 CDPATH GLOBIGNORE HOME GIT_SSH GIT_SSH_COMMAND GIT_PAGER
  GIT_EDITOR GIT_SEQUENCE_EDITOR GIT_EXEC_PATH GIT_DIR GIT_WORK_TREE GIT_TEMPLATE_DIR GIT_ASKPASS
  GIT_EXTERNAL_DIFF GIT_CONFIG GIT_CONFIG_GLOBAL GIT_CONFIG_SYSTEM GIT_CONFIG_COUNT
  GIT_CONFIG_PARAMETERS GIT_PROXY_COMMAND PAGER EDITOR VISUAL NODE_OPTIONS NODE_PATH PYTHONSTARTUP
  PYTHONPATH PYTHONHOME PERL5OPT PERL5LIB RUBYOPT npm_config_script_shell NPM_CONFIG_SCRIPT_SHELL
  npm_config_prefix NPM_CONFIG_PREFIX npm_config_globalconfig npm_config_userconfig SSH_ASKPASS
  SUDO_ASKPASS
`);

/** `git -c` keys that only change presentation or identity. */
const GIT_CONFIG_KEYS = names(`
  user.name user.email color.* advice.* init.defaultBranch commit.gpgsign tag.gpgsign core.quotepath
  core.autocrlf core.safecrlf core.filemode core.ignorecase pull.rebase pull.ff merge.ff
  log.showSignature log.decorate gc.auto i18n.* diff.renames status.showUntrackedFiles safe.directory
  column.ui format.pretty
`);

export const DEFAULT_POLICY: Policy = deepFreeze({
  commands: COMMANDS,
  deniedCommands: DENIED_COMMANDS,
  subcommands: Object.fromEntries(SUBCOMMAND_TOOLS.map((tool) => [tool, SUBCOMMANDS[tool]])) as Record<
    SubcommandTool,
    SubcommandTable
  >,
  allowHosts: ['localhost', '*.localhost', '127.0.0.1', '[::1]', '::1', '0.0.0.0'],
  allowPackages: PACKAGES,
  deniedPackages: DENIED_PACKAGES,
  deniedEnv: DENIED_ENV,
  gitConfigKeys: GIT_CONFIG_KEYS,
  allowInlineCode: false,
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
