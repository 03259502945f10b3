/**
 * `git` for local work. Unknown sub-commands are refused (an alias can run anything), `-c` may only set
 * presentation and identity keys (`core.pager`, `core.sshCommand`, `alias.*`, `core.hooksPath` run programs),
 * and history stays intact: no force pushes, no `reset --hard` to another commit, no skipped hooks.
 */
import { GIT_GLOBAL_OPTIONS_WITH_VALUE } from '../../git-options.js';
import { mayNameProtected, resolveInProject } from '../../paths.js';
import { type Denial, UNKNOWN_CWD, type Word } from '../model.js';
import {
  type CommandCall,
  denial,
  type Nested,
  type Rule,
  type RuleContext,
  type RuleResult,
  shown,
} from './context.js';
import { checkPath, globMatches } from './paths.js';

const GLOBAL_DENIED: Record<string, string> = {
  '--exec-path': 'makes git run its sub-commands from another folder',
  '--upload-pack': 'runs another program on the remote side',
};

export const gitRule: Rule = (call, context) => {
  const args = call.args;
  let cwds = call.cwds;
  let index = 0;
  for (; index < args.length; index++) {
    const word = args[index] as Word;
    const text = word.value;
    if (!text.startsWith('-')) break;
    const equals = text.indexOf('=');
    const name = text.startsWith('--') && equals !== -1 ? text.slice(0, equals) : text;
    if (name === '--exec-path' && equals === -1) return undefined; // prints the path
    const refused = GLOBAL_DENIED[name];
    if (refused !== undefined) return denial('git-option', `git ${name} is not allowed: it ${refused}.`);
    let value: Word | undefined;
    if (GIT_GLOBAL_OPTIONS_WITH_VALUE.has(name)) {
      value =
        equals !== -1 && text.startsWith('--') ? { ...word, value: text.slice(equals + 1) } : args[++index];
      if (value === undefined) break;
    } else if (/^-c./.test(text)) {
      value = { ...word, value: text.slice(2) };
    }
    if ((name === '-c' || /^-c./.test(text) || name === '--config-env') && value !== undefined) {
      const found = configOverride(context, value, name === '--config-env' ? '--config-env' : '-c');
      if (found !== undefined) return found;
    }
    if ((name === '--git-dir' || name === '--work-tree') && value !== undefined) {
      const found = checkPath(context, { cwds }, value, 'inside', `git ${name}`, 'git');
      if (found !== undefined) return found;
    }
    if (name === '-C' && value !== undefined) {
      const found = checkPath(context, { cwds }, value, 'inside', 'git -C', 'git');
      if (found !== undefined) return found;
      const target = value.value;
      cwds = cwds.map((cwd) =>
        cwd === UNKNOWN_CWD && !target.startsWith('/')
          ? UNKNOWN_CWD
          : resolveInProject(context.projectDir, target, cwd === UNKNOWN_CWD ? context.projectDir : cwd)
              .resolved,
      );
    }
  }
  const subcommand = args[index];
  if (subcommand === undefined) return undefined;
  if (subcommand.dynamic) {
    return denial(
      'git-dynamic',
      `git ${shown(subcommand)}: the sub-command is only known when the shell runs.`,
    );
  }
  const name = subcommand.value;
  const table = context.policy.subcommands.git;
  const refused = table.deny[name];
  if (refused !== undefined) return denial('git-subcommand', `\`git ${name}\` is refused: it ${refused}.`);
  if (!table.allow.includes(name)) {
    return denial(
      'git-unknown-subcommand',
      `\`git ${name}\` is not a git command the policy knows (an alias could run anything): use status, diff, log, add, commit, branch, checkout…`,
    );
  }
  const inner: CommandCall = { ...call, cwds };
  return subcommandRule(context, inner, name, args.slice(index + 1));
};

function configOverride(context: RuleContext, value: Word, flag: string): Denial | undefined {
  if (value.dynamic)
    return denial(
      'git-config-override',
      `git ${flag} ${shown(value)}: the setting is only known when the shell runs.`,
    );
  const key = value.value.split('=')[0]?.trim().toLowerCase() ?? '';
  if (keyAllowed(context, key)) return undefined;
  return denial(
    'git-config-override',
    `git ${flag} ${shown(value)} is not allowed: overriding \`${key}\` can make git run programs (pagers, ssh commands, aliases, hooks). Only ${context.policy.gitConfigKeys.join(', ')} may be set.`,
  );
}

function keyAllowed(context: RuleContext, key: string): boolean {
  return context.policy.gitConfigKeys.some((pattern) => globMatches(pattern.toLowerCase(), key, true));
}

/** Sub-commands that write the named paths in the work tree (or stage them). */
const PATH_WRITERS = new Set([
  'checkout',
  'restore',
  'reset',
  'stash',
  'add',
  'rm',
  'mv',
  'clean',
  'apply',
  'switch',
]);

/** Option checks inside allowed sub-commands. */
function subcommandRule(
  context: RuleContext,
  call: CommandCall,
  name: string,
  args: readonly Word[],
): RuleResult {
  const values = args.map((word) => word.value);
  if (PATH_WRITERS.has(name)) {
    for (const word of args) {
      if (word.dynamic || word.value.startsWith('-')) continue;
      if (!mayNameProtected(word.value, context.stateDir)) continue;
      const found = checkPath(context, call, word, name === 'rm' ? 'delete' : 'write', `git ${name}`, 'git');
      if (found !== undefined) return found;
    }
  }
  const has = (...flags: string[]) =>
    values.some(
      (value) =>
        flags.includes(value) || flags.some((flag) => flag.startsWith('--') && value.startsWith(`${flag}=`)),
    );
  const output = outputOption(context, call, args);
  if (output !== undefined) return output;
  if (has('--ext-diff'))
    return denial('git-option', '`--ext-diff` runs an external diff program: use the built-in diff.');
  switch (name) {
    case 'remote': {
      const action = args.find((word) => !word.value.startsWith('-'))?.value;
      if (action === 'add' || action === 'set-url') {
        return denial(
          'git-remote',
          `\`git remote ${action}\` points the repository at another server, where pushes would send the code: the user sets up remotes.`,
        );
      }
      return undefined;
    }
    case 'archive':
      if (has('--remote', '--exec'))
        return denial(
          'git-option',
          '`git archive --remote` talks to another server: archive the local repository.',
        );
      return undefined;
    case 'init': {
      if (has('--template'))
        return denial(
          'git-option',
          '`git init --template` copies hooks and config from another folder into the repository: leave it out.',
        );
      for (let at = 0; at < args.length; at++) {
        const word = args[at] as Word;
        const separate = /^--separate-git-dir(?:=(.*))?$/.exec(word.value);
        const path =
          separate !== null
            ? separate[1] !== undefined
              ? { ...word, value: separate[1] }
              : args[++at]
            : word.value.startsWith('-')
              ? undefined
              : word;
        if (path === undefined) continue;
        const found = checkPath(context, call, path, 'write', 'git init', 'git');
        if (found !== undefined) return found;
      }
      return undefined;
    }
    case 'push': {
      if (has('-d', '--delete', '--prune') || args.some((word) => /^:[^/]|^\+?:/.test(word.value))) {
        return denial(
          'git-push-delete',
          '`git push --delete`, `--prune` and `:branch` delete branches on the remote: the user deletes remote branches.',
        );
      }
      const repository = args.find((word) => !word.value.startsWith('-'));
      if (repository !== undefined && remoteLocation(repository.value)) {
        return denial(
          'git-remote',
          `git push ${shown(repository)} sends the code to a location that is not a configured remote: push to the project's remote by name (\`git push origin BRANCH\`).`,
        );
      }
      if (
        has('-f', '--force', '--force-with-lease', '--force-if-includes', '--mirror') ||
        values.some((value) => /^-[a-zA-Z]*f/.test(value) && !value.startsWith('--'))
      ) {
        return denial(
          'git-push-force',
          '`git push --force` rewrites the remote history: push new commits instead (pull and merge or rebase first).',
        );
      }
      if (has('--no-verify'))
        return denial(
          'git-no-verify',
          "`--no-verify` skips the project's git hooks: fix what they report instead.",
        );
      if (has('--receive-pack', '--exec'))
        return denial('git-option', '`--receive-pack`/`--exec` run another program on the remote side.');
      for (const word of args) {
        if (word.value.startsWith('-')) continue;
        if (word.dynamic)
          return denial(
            'git-dynamic',
            `git push ${shown(word)}: the refspec is only known when the shell runs.`,
          );
        if (word.value.startsWith('+') || word.value.includes(':+')) {
          return denial(
            'git-push-force',
            `git push ${shown(word)}: a \`+\` refspec force-pushes. Push new commits instead.`,
          );
        }
      }
      return undefined;
    }
    case 'commit':
    case 'merge':
    case 'cherry-pick':
    case 'revert':
    case 'am':
      if (has('--no-verify') || (name === 'commit' && shortFlag(args, 'n', 'mFCct'))) {
        return denial(
          'git-no-verify',
          "`--no-verify` skips the project's git hooks: fix what they report instead.",
        );
      }
      return undefined;
    case 'reset': {
      if (!has('--hard')) return undefined;
      const target = args.find((word) => !word.value.startsWith('-'));
      if (target === undefined || target.value === 'HEAD' || target.value === '@') return undefined;
      return denial(
        'git-reset-hard',
        `\`git reset --hard ${target.value}\` throws commits away: use \`git revert\` to undo a commit (\`git reset --hard\` alone, to drop uncommitted changes, is allowed).`,
      );
    }
    case 'clean':
      if (
        has('-n', '--dry-run') ||
        values.some((value) => /^-[a-zA-Z]*n/.test(value) && !value.startsWith('--'))
      )
        return undefined;
      return denial(
        'git-clean',
        '`git clean` deletes untracked files, the harness state folder included: remove the files you mean with rm (`git clean -n` shows them).',
      );
    case 'rebase':
      if (has('-i', '--interactive', '--edit-todo'))
        return denial('git-interactive', '`git rebase -i` opens an editor and waits: rebase without -i.');
      if (has('-x', '--exec'))
        return denial(
          'git-rebase-exec',
          '`git rebase --exec` runs a shell command per commit: run the command yourself.',
        );
      if (has('--no-verify'))
        return denial(
          'git-no-verify',
          "`--no-verify` skips the project's git hooks: fix what they report instead.",
        );
      return undefined;
    case 'grep':
      if (has('-O', '--open-files-in-pager') || values.some((value) => value.startsWith('-O'))) {
        return denial('git-option', '`git grep -O` opens the matches in a program: print them instead.');
      }
      return undefined;
    case 'fetch':
    case 'pull': {
      if (has('--rebase=interactive', '--rebase=i'))
        return denial(
          'git-interactive',
          '`--rebase=interactive` opens an editor and waits: rebase without it.',
        );
      if (has('--upload-pack'))
        return denial('git-option', '`--upload-pack` runs another program on the remote side.');
      const repository = args.find((word) => !word.value.startsWith('-'));
      if (repository !== undefined && remoteLocation(repository.value)) {
        return denial(
          'git-remote',
          `git ${name} ${shown(repository)} talks to a location that is not a configured remote: ${name} from the project's remote by name (\`git ${name} origin\`).`,
        );
      }
      return undefined;
    }
    case 'reflog':
      if (args[0]?.value === 'expire' || args[0]?.value === 'delete')
        return denial(
          'git-history',
          `\`git reflog ${args[0].value}\` throws away the record that lets lost commits be recovered: leave the reflog alone.`,
        );
      return undefined;
    case 'gc':
      if (values.some((value) => /^--prune=(now|all)/.test(value)))
        return denial(
          'git-history',
          '`git gc --prune=now` deletes unreachable commits at once, with no way back: run `git gc` without it.',
        );
      return undefined;
    case 'config':
      return gitConfig(context, args);
    case 'worktree': {
      const action = args.find((word) => !word.value.startsWith('-'));
      if (action?.value !== 'add') return undefined;
      const path = args.slice(args.indexOf(action) + 1).find((word) => !word.value.startsWith('-'));
      return path === undefined
        ? undefined
        : checkPath(context, call, path, 'write', 'git worktree add', 'git');
    }
    case 'bisect': {
      if (args[0]?.value !== 'run') return undefined;
      const command = args.slice(1);
      return command.length === 0 ? undefined : { nested: [{ argv: [...command] } satisfies Nested] };
    }
    case 'rm':
    case 'mv':
      for (const word of args) {
        if (word.value.startsWith('-')) continue;
        const found = checkPath(
          context,
          call,
          word,
          name === 'rm' ? 'delete' : 'write',
          `git ${name}`,
          'git',
        );
        if (found !== undefined) return found;
      }
      return undefined;
    default:
      return undefined;
  }
}

/** `--output`, `-o` of log/diff/show/archive/format-patch write files. */
/** A URL, `host:path` or a path rather than the name of a configured remote. */
function remoteLocation(text: string): boolean {
  return /:\/\/|^[^/]*:|^(\.|\/|~)/.test(text);
}

function outputOption(context: RuleContext, call: CommandCall, args: readonly Word[]): Denial | undefined {
  for (let index = 0; index < args.length; index++) {
    const word = args[index] as Word;
    const match = /^(--output|--output-directory|-o)(?:=(.*))?$/.exec(word.value);
    if (match === null) continue;
    const value = match[2] !== undefined ? { ...word, value: match[2] } : args[index + 1];
    if (value === undefined) continue;
    const found = checkPath(context, call, value, 'write', `git ${match[1]}`, 'git');
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Does a cluster of short flags contain `letter` before a letter that takes a value? */
function shortFlag(args: readonly Word[], letter: string, withValue: string): boolean {
  for (const word of args) {
    const text = word.value;
    if (!text.startsWith('-') || text.startsWith('--')) continue;
    for (const char of text.slice(1)) {
      if (char === letter) return true;
      if (withValue.includes(char)) break;
    }
  }
  return false;
}

/** `git config`: reading is fine; setting only the keys `-c` may set, never globally. */
function gitConfig(context: RuleContext, args: readonly Word[]): Denial | undefined {
  const values = args.map((word) => word.value);
  if (
    values.some((value) =>
      ['--global', '--system', '--file', '-f', '--blob', '-e', '--edit', 'edit'].includes(value),
    )
  ) {
    return denial(
      'git-config',
      "`git config` may only change this repository's settings (no --global, --system, --file or editor).",
    );
  }
  const reading = [
    '--get',
    '--get-all',
    '--get-regexp',
    '--list',
    '-l',
    '--show-origin',
    '--show-scope',
    '--get-urlmatch',
    'get',
    'list',
  ];
  if (values.some((value) => reading.includes(value))) return undefined;
  const operands = args.filter((word) => !word.value.startsWith('-'));
  const action = operands[0]?.value;
  const keyWord = action === 'set' || action === 'unset' ? operands[1] : operands[0];
  if (keyWord === undefined) return undefined;
  const writes =
    action === 'set' ||
    action === 'unset' ||
    operands.length >= 2 ||
    values.some((value) => value.startsWith('--unset') || value === '--add' || value === '--replace-all');
  if (!writes) return undefined;
  if (keyWord.dynamic)
    return denial('git-config', `git config ${shown(keyWord)}: the key is only known when the shell runs.`);
  const key = keyWord.value.toLowerCase();
  if (keyAllowed(context, key)) return undefined;
  return denial(
    'git-config',
    `\`git config ${keyWord.value}\` is not allowed: that setting can make git run programs. Only ${context.policy.gitConfigKeys.join(', ')} may be set.`,
  );
}
