/** Rules of the commands that change files: every path they write, move or delete must stay in the project. */
import { statSync } from 'node:fs';
import { posix } from 'node:path';
import { UNKNOWN_CWD, type Word } from '../model.js';
import { hasOption, optionValues, parseArgs } from '../options.js';
import { type CommandCall, denial, type Rule, shown } from './context.js';
import { checkPath } from './paths.js';

/** `rm`, `rmdir`, `unlink`: only inside the project, never the project itself, `.git` or the state folder. */
export const rmRule: Rule = (call, context) => {
  const parsed = parseArgs(call.args, { long: ['interactive'] });
  if (hasOption(parsed, '--no-preserve-root')) {
    return denial('rm-no-preserve-root', '`--no-preserve-root` is never needed inside a project: remove it.');
  }
  for (const operand of parsed.operands) {
    const found = checkPath(context, call, operand, 'delete', call.name, call.name);
    if (found !== undefined) return found;
  }
  return undefined;
};

/** Options that take a value, per command that creates files. */
const WRITE_OPTIONS: Record<string, { short: string; long: string[] }> = {
  mkdir: { short: 'm', long: ['mode', 'context'] },
  touch: { short: 'rdt', long: ['reference', 'date', 'time'] },
  truncate: { short: 'sr', long: ['size', 'reference'] },
};

/** `mkdir`, `touch`, `truncate`: every operand is written. */
export const writeRule: Rule = (call, context) => {
  const parsed = parseArgs(call.args, WRITE_OPTIONS[call.name] ?? {});
  for (const operand of parsed.operands) {
    const found = checkPath(context, call, operand, 'write', call.name, call.name);
    if (found !== undefined) return found;
  }
  return undefined;
};

const COPY_OPTIONS = { short: 'tS', long: ['target-directory', 'suffix'] };

function destinationAndSources(call: CommandCall): { destination?: Word; sources: Word[]; link: boolean } {
  const parsed = parseArgs(call.args, COPY_OPTIONS);
  const link = hasOption(parsed, '-s', '-l', '--symbolic-link', '--link');
  const target = optionValues(parsed, '-t', '--target-directory')[0];
  if (target !== undefined) return { destination: target, sources: parsed.operands, link };
  if (parsed.operands.length < 2) return { sources: [], link };
  return { destination: parsed.operands.at(-1) as Word, sources: parsed.operands.slice(0, -1), link };
}

/** `cp`: the destination is written; sources may be read from anywhere unless `cp` links them. */
export const cpRule: Rule = (call, context) => {
  const { destination, sources, link } = destinationAndSources(call);
  if (destination === undefined) return undefined;
  const found = checkPath(context, call, destination, 'write', 'cp destination', 'cp');
  if (found !== undefined) return found;
  if (link) {
    for (const source of sources) {
      const linked = checkPath(context, call, source, 'write', 'cp link source', 'cp');
      if (linked !== undefined) return linked;
    }
  }
  return undefined;
};

/** `mv`: the destination is written and every source is taken away from where it was. */
export const mvRule: Rule = (call, context) => {
  const { destination, sources } = destinationAndSources(call);
  if (destination === undefined) return undefined;
  for (const source of sources) {
    const found = checkPath(context, call, source, 'delete', 'mv source', 'mv');
    if (found !== undefined) return found;
  }
  return checkPath(context, call, destination, 'write', 'mv destination', 'mv');
};

/** `ln`: the link is made inside the project and points inside it, off protected places. */
export const lnRule: Rule = (call, context) => {
  const parsed = parseArgs(call.args, COPY_OPTIONS);
  const symbolic = hasOption(parsed, '-s', '--symbolic');
  const directory = optionValues(parsed, '-t', '--target-directory')[0];
  let targets: Word[];
  let link: Word | undefined;
  if (directory !== undefined) {
    targets = parsed.operands;
    link = directory;
  } else if (parsed.operands.length === 1) {
    targets = parsed.operands;
  } else {
    targets = parsed.operands.slice(0, -1);
    link = parsed.operands.at(-1);
  }
  if (link !== undefined) {
    const found = checkPath(context, call, link, 'write', 'ln link', 'ln');
    if (found !== undefined) return found;
  }
  for (const target of targets) {
    if (target.dynamic || target.glob) {
      return denial(
        'ln-dynamic-path',
        `ln needs a literal target: ${shown(target)} is only known when the shell runs.`,
      );
    }
    // A relative symlink target is read from the link's folder, not from where ln runs.
    const linkFolders = call.cwds.map((cwd) => {
      if (!symbolic || target.value.startsWith('/') || cwd === UNKNOWN_CWD) return cwd;
      if (link === undefined || directory !== undefined)
        return directory === undefined ? cwd : posix.resolve(cwd, directory.value);
      const linkPath = posix.resolve(cwd, link.value);
      return isDirectory(linkPath) ? linkPath : posix.dirname(linkPath);
    });
    const found = checkPath(
      context,
      { cwds: linkFolders },
      target,
      'write',
      symbolic ? 'ln -s target' : 'ln target',
      'ln',
    );
    if (found !== undefined) return found;
  }
  return undefined;
};

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

const CHMOD_FLAGS = new Set([
  '-R',
  '-c',
  '-f',
  '-v',
  '--recursive',
  '--changes',
  '--silent',
  '--quiet',
  '--verbose',
  '--preserve-root',
]);
const NUMERIC_MODE = /^0?[0-7]{1,3}$/;
const SYMBOLIC_MODE = /^[ugoa]*(?:[-+=](?:[rwxX]*|[ugo]))+$/;

/** `chmod`: read/write/execute bits on files in the project; no setuid, setgid or sticky bits. */
export const chmodRule: Rule = (call, context) => {
  let mode: Word | undefined;
  let reference = false;
  const files: Word[] = [];
  let onlyOperands = false;
  for (const word of call.args) {
    const text = word.value;
    if (!onlyOperands && text === '--') {
      onlyOperands = true;
      continue;
    }
    if (!onlyOperands && CHMOD_FLAGS.has(text)) continue;
    if (!onlyOperands && text.startsWith('--reference=')) {
      reference = true;
      continue;
    }
    if (!onlyOperands && text === '--no-preserve-root') {
      return denial(
        'chmod-no-preserve-root',
        '`--no-preserve-root` is never needed inside a project: remove it.',
      );
    }
    if (mode === undefined && !reference) mode = word;
    else files.push(word);
  }
  if (mode !== undefined) {
    const clauses = mode.value.split(',');
    const fine =
      !mode.dynamic &&
      (NUMERIC_MODE.test(mode.value) || clauses.every((clause) => SYMBOLIC_MODE.test(clause)));
    if (!fine) {
      return denial(
        'chmod-mode',
        `chmod mode ${shown(mode)} is not allowed: only read, write and execute bits (e.g. \`+x\`, \`u+x\`, \`644\`, \`755\`); no setuid, setgid or sticky bits.`,
      );
    }
  }
  for (const file of files) {
    const found = checkPath(context, call, file, 'write', 'chmod', 'chmod');
    if (found !== undefined) return found;
  }
  return undefined;
};

/** `tee`: every file operand is written. */
export const teeRule: Rule = (call, context) => {
  const parsed = parseArgs(call.args);
  for (const operand of parsed.operands) {
    const found = checkPath(context, call, operand, 'write', 'tee', 'tee');
    if (found !== undefined) return found;
  }
  return undefined;
};
