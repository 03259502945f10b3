/** `tar`: archives it creates and folders it extracts into are in the project; no program hooks. */
import { hasOption, optionValues, parseArgs } from '../options.js';
import { denial, type Rule, shown } from './context.js';
import { checkPath } from './paths.js';

const TAR_VALUE_LONG = [
  'file',
  'directory',
  'files-from',
  'exclude-from',
  'exclude',
  'transform',
  'xform',
  'owner',
  'group',
  'mode',
  'format',
  'newer',
  'after-date',
  'listed-incremental',
  'label',
  'blocking-factor',
  'record-size',
  'strip-components',
  'index-file',
  'use-compress-program',
  'to-command',
  'checkpoint-action',
  'info-script',
  'new-volume-script',
  'rsh-command',
  'suffix',
  'backup',
];
const TAR_DENIED: Record<string, string> = {
  '-P': 'keeps absolute member names, so extraction can write anywhere',
  '--absolute-names': 'keeps absolute member names, so extraction can write anywhere',
  '-I': 'runs another program to compress',
  '--use-compress-program': 'runs another program to compress',
  '--to-command': 'pipes every member into a command',
  '--checkpoint-action': 'runs commands during the run',
  '-F': 'runs a script at each volume',
  '--info-script': 'runs a script at each volume',
  '--new-volume-script': 'runs a script at each volume',
  '--rsh-command': 'runs a remote shell',
};

/** `tar`: archives it creates and folders it extracts into are in the project; no program hooks. */
export const tarRule: Rule = (call, context) => {
  const first = call.args[0];
  // Old style `tar czf out.tgz dir` is `tar -czf out.tgz dir`.
  const args =
    first !== undefined && /^[a-zA-Z]+$/.test(first.value)
      ? [{ ...first, value: `-${first.value}` }, ...call.args.slice(1)]
      : call.args;
  const parsed = parseArgs(args, { short: 'fCTXIbHKLNgV', long: TAR_VALUE_LONG });
  for (const option of parsed.options) {
    const refused = TAR_DENIED[option.name];
    if (refused !== undefined)
      return denial('tar-option', `tar ${option.name} is not allowed: it ${refused}.`);
  }
  const creates = hasOption(
    parsed,
    '-c',
    '--create',
    '-r',
    '--append',
    '-u',
    '--update',
    '-A',
    '--catenate',
    '--concatenate',
  );
  const extracts = hasOption(parsed, '-x', '--extract', '--get');
  for (const archive of optionValues(parsed, '-f', '--file')) {
    if (archive.value === '-') continue;
    if (/^[^/]*:/.test(archive.value) && !hasOption(parsed, '--force-local')) {
      return denial('tar-remote', `tar -f ${shown(archive)} names a remote archive: use a local file.`);
    }
    if (creates) {
      const found = checkPath(context, call, archive, 'write', 'tar archive', 'tar');
      if (found !== undefined) return found;
    }
  }
  if (extracts) {
    const folders = optionValues(parsed, '-C', '--directory');
    const targets =
      folders.length > 0
        ? folders
        : [{ source: '.', value: '.', dynamic: false, glob: false, pattern: '.', tilde: false }];
    for (const folder of targets) {
      const found = checkPath(context, call, folder, 'write', 'tar extraction', 'tar');
      if (found !== undefined) return found;
    }
  }
  return undefined;
};
