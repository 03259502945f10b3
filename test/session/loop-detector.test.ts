import { describe, expect, it } from 'vitest';
import type { GuardContext, ToolCall } from '../../src/guards/types.js';
import {
  ALTERNATION_CYCLES,
  callKey,
  canonicalJson,
  classifyCall,
  describeCall,
  FAILING_COMMAND_THRESHOLD,
  isReadOnlyCommand,
  LoopDetector,
  type LoopVerdict,
  loopGuard,
  MAX_STRIKES,
  READ_ONLY_CHURN_THRESHOLD,
  REPEAT_THRESHOLD,
} from '../../src/session/loop-detector.js';

let nextId = 0;
function call(toolName: string, input: Record<string, unknown>): ToolCall {
  nextId += 1;
  return { toolName, input, toolUseId: `toolu_${nextId}` };
}
const read = (path: string) => call('Read', { file_path: path });
const bash = (command: string, description?: string) =>
  call('Bash', description === undefined ? { command } : { command, description });
const edit = (path: string, from = 'a', to = 'b') =>
  call('Edit', { file_path: path, old_string: from, new_string: to });

/** Runs a call the way the guard does: check first, record when allowed. */
function run(detector: LoopDetector, toolCall: ToolCall): LoopVerdict | undefined {
  const verdict = detector.check(toolCall);
  if (!verdict) detector.recordCall(toolCall);
  return verdict;
}

function fail(
  detector: LoopDetector,
  toolCall: ToolCall,
  content = 'Error: exit code 1',
): LoopVerdict | undefined {
  const verdict = run(detector, toolCall);
  if (!verdict) detector.recordResult({ id: toolCall.toolUseId ?? '', isError: true, content });
  return verdict;
}

const context: GuardContext = { projectDir: '/p', stateDir: '/p/.claude-harness' };

describe('thresholds', () => {
  it('has named defaults', () => {
    expect(REPEAT_THRESHOLD).toBe(5);
    expect(FAILING_COMMAND_THRESHOLD).toBe(3);
    expect(ALTERNATION_CYCLES).toBe(3);
    expect(READ_ONLY_CHURN_THRESHOLD).toBe(40);
    expect(MAX_STRIKES).toBe(2);
  });
});

describe('canonical call keys', () => {
  it('ignores key order at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}',
    );
    expect(callKey(call('Grep', { pattern: 'x', path: 'src' }))).toBe(
      callKey(call('Grep', { path: 'src', pattern: 'x' })),
    );
  });

  it('leaves out undefined members and tells tools apart', () => {
    expect(canonicalJson({ a: undefined, b: 2 })).toBe('{"b":2}');
    expect(callKey(call('Read', { file_path: 'a' }))).not.toBe(callKey(call('Write', { file_path: 'a' })));
  });

  it("ignores a Bash call's description, which the model rewrites freely", () => {
    expect(callKey(bash('npm test', 'Run tests'))).toBe(callKey(bash('npm test', 'Run the test suite')));
  });
});

describe('repeat', () => {
  it('refuses the call that would be the 5th identical one in a row', () => {
    const detector = new LoopDetector();
    for (let i = 0; i < REPEAT_THRESHOLD - 1; i++) expect(run(detector, read('src/app.ts'))).toBeUndefined();
    const verdict = detector.check(read('src/app.ts'));
    expect(verdict).toMatchObject({ pattern: 'repeat', strikes: 1, abort: false });
    expect(verdict?.message).toContain('5th identical Read of src/app.ts');
    expect(verdict?.message).toContain('Use the result you already have');
  });

  it('treats inputs with another key order as the same call', () => {
    const detector = new LoopDetector({ repeatThreshold: 3 });
    run(detector, call('Grep', { pattern: 'TODO', path: 'src' }));
    run(detector, call('Grep', { path: 'src', pattern: 'TODO' }));
    expect(detector.check(call('Grep', { pattern: 'TODO', path: 'src' }))?.pattern).toBe('repeat');
  });

  it('does not count calls that are not in a row', () => {
    const detector = new LoopDetector({ repeatThreshold: 3 });
    run(detector, read('a'));
    run(detector, read('a'));
    run(detector, read('b'));
    expect(run(detector, read('a'))).toBeUndefined();
    expect(run(detector, read('a'))).toBeUndefined();
  });

  it('works on MCP tool names', () => {
    const detector = new LoopDetector({ repeatThreshold: 2 });
    run(detector, call('mcp__harness__feature_status', { id: 3 }));
    const verdict = detector.check(call('mcp__harness__feature_status', { id: 3 }));
    expect(verdict?.message).toContain('mcp__harness__feature_status call {"id":3}');
  });
});

describe('failing command', () => {
  it('refuses a Bash command after it failed 3 times with only reads in between', () => {
    const detector = new LoopDetector();
    expect(fail(detector, bash('npm test'))).toBeUndefined();
    run(detector, read('package.json'));
    expect(fail(detector, bash('npm  test'))).toBeUndefined(); // whitespace does not make it another command
    run(detector, call('Grep', { pattern: 'describe' }));
    expect(fail(detector, bash('npm test', 'again'), 'FAIL test/app.test.ts\nexpected 2')).toBeUndefined();
    run(detector, read('src/app.ts'));
    const verdict = detector.check(bash('npm test'));
    expect(verdict).toMatchObject({ pattern: 'failing-command', strikes: 1, abort: false });
    expect(verdict?.message).toContain('`npm test` has failed 3 times');
    expect(verdict?.message).toContain('last error: FAIL test/app.test.ts');
  });

  it('gives the command a fresh start after a change', () => {
    const detector = new LoopDetector();
    for (let i = 0; i < 3; i++) {
      fail(detector, bash('npm test'));
      run(detector, edit('src/app.ts', `v${i}`, `v${i + 1}`));
    }
    expect(detector.check(bash('npm test'))).toBeUndefined();
  });

  it('forgets the failures when the command succeeds', () => {
    const detector = new LoopDetector({ failingCommandThreshold: 2 });
    fail(detector, bash('make'));
    run(detector, read('Makefile'));
    const ok = bash('make');
    run(detector, ok);
    detector.recordResult({ id: ok.toolUseId ?? '', isError: false, content: 'done' });
    run(detector, read('src/main.c'));
    fail(detector, bash('make'));
    run(detector, read('src/util.c'));
    expect(detector.check(bash('make'))).toBeUndefined();
  });

  it('forgets failures older than the window', () => {
    const detector = new LoopDetector({ failingCommandWindow: 6 });
    for (let i = 0; i < 3; i++) {
      fail(detector, bash('cat missing.txt'));
      run(detector, read(`f${i}`));
      run(detector, read(`g${i}`));
    }
    // Failures were calls 1, 4 and 7; for the 10th call the window of 6 (calls 4 to 9) holds two.
    expect(detector.check(bash('cat missing.txt'))).toBeUndefined();
  });

  it('remembers only the latest 64 calls still waiting for a result', () => {
    const detector = new LoopDetector({ failingCommandThreshold: 1 });
    const first = bash('make');
    run(detector, first);
    for (let i = 0; i < 64; i++) run(detector, bash(`node step${i}.js`));
    detector.recordResult({ id: first.toolUseId ?? '', isError: true, content: 'late' });
    expect(detector.check(bash('make'))).toBeUndefined();
  });

  it('ignores results it did not see the call for', () => {
    const detector = new LoopDetector({ failingCommandThreshold: 1 });
    detector.recordResult({ id: 'toolu_unknown', isError: true, content: 'boom' });
    expect(detector.check(bash('ls'))).toBeUndefined();
  });
});

describe('alternation', () => {
  it('refuses the call that would complete A B A B A B', () => {
    const detector = new LoopDetector();
    const a = () => read('src/app.ts');
    const b = () => bash('npm test');
    for (let i = 0; i < ALTERNATION_CYCLES - 1; i++) {
      expect(run(detector, a())).toBeUndefined();
      expect(run(detector, b())).toBeUndefined();
    }
    expect(run(detector, a())).toBeUndefined();
    const verdict = detector.check(b());
    expect(verdict?.pattern).toBe('alternation');
    expect(verdict?.message).toContain('alternating between Bash `npm test` and Read of src/app.ts');
  });

  it('catches an edit that is undone and redone', () => {
    const detector = new LoopDetector({ alternationCycles: 2 });
    run(detector, edit('x.ts', 'a', 'b'));
    run(detector, edit('x.ts', 'b', 'a'));
    run(detector, edit('x.ts', 'a', 'b'));
    expect(detector.check(edit('x.ts', 'b', 'a'))?.pattern).toBe('alternation');
  });

  it('does not fire on a broken cycle', () => {
    const detector = new LoopDetector({ alternationCycles: 2 });
    run(detector, read('a'));
    run(detector, read('b'));
    run(detector, read('c'));
    expect(detector.check(read('b'))).toBeUndefined();
  });
});

describe('read-only churn', () => {
  it('refuses the 40th read-only call in a row', () => {
    const detector = new LoopDetector();
    const readOnly = [
      (i: number) => read(`src/f${i}.ts`),
      (i: number) => call('Glob', { pattern: `**/*${i}.ts` }),
      (i: number) => call('Grep', { pattern: `name${i}` }),
      (i: number) => bash(`ls src/dir${i}`),
      (i: number) => bash(`git log -n ${i} --oneline | head`),
      (i: number) => call('LS', { path: `dir${i}` }),
    ];
    for (let i = 0; i < READ_ONLY_CHURN_THRESHOLD - 1; i++) {
      const make = readOnly[i % readOnly.length];
      if (!make) throw new Error('unreachable');
      expect(run(detector, make(i))).toBeUndefined();
    }
    const verdict = detector.check(read('one-more.ts'));
    expect(verdict?.pattern).toBe('read-only-churn');
    expect(verdict?.message).toContain('39 read-only calls in a row');
    expect(verdict?.message).toContain('make the change');
  });

  it('lets a write, an edit or a command that changes things reset the count', () => {
    for (const change of [
      call('Write', { file_path: 'n.md', content: 'x' }),
      edit('a.ts'),
      call('MultiEdit', { file_path: 'a.ts', edits: [] }),
      call('NotebookEdit', { notebook_path: 'n.ipynb', new_source: '' }),
      bash('npm install'),
    ]) {
      const detector = new LoopDetector({ readOnlyChurnThreshold: 3 });
      run(detector, read('a'));
      run(detector, read('b'));
      run(detector, change);
      expect(run(detector, read('c'))).toBeUndefined();
      expect(run(detector, read('d'))).toBeUndefined();
      expect(detector.check(read('e'))?.pattern).toBe('read-only-churn');
    }
  });

  it('neither counts nor resets on neutral tools', () => {
    const detector = new LoopDetector({ readOnlyChurnThreshold: 3 });
    run(detector, read('a'));
    run(detector, call('TodoWrite', { todos: [] }));
    run(detector, call('WebFetch', { url: 'https://example.com' }));
    run(detector, read('b'));
    expect(detector.check(read('c'))?.pattern).toBe('read-only-churn');
  });
});

describe('which calls are read-only', () => {
  it.each([
    'ls -la',
    'cat package.json',
    'grep -rn "TODO" src',
    'find . -name "*.ts"',
    'git status',
    'git diff HEAD~1',
    'git log --oneline | head -20',
    'cd src && ls',
    'rg foo 2>/dev/null',
    'cat a.txt 2>&1 | wc -l',
  ])('%s is read-only', (command) => {
    expect(isReadOnlyCommand(command)).toBe(true);
  });

  it.each([
    'npm test',
    'rm -rf dist',
    'cat a > b',
    'echo hi >> notes.txt',
    'find . -name "*.tmp" -delete',
    'find . -exec rm {} \\;',
    'git commit -m x',
    'git',
    'ls $(rm -rf x)',
    'ls `touch x`',
    'ls & rm x',
    'ls; touch x',
    'git diff --output=patch.diff',
    'FOO=1 ls',
  ])('%s is not read-only', (command) => {
    expect(isReadOnlyCommand(command)).toBe(false);
  });

  it('classifies tools', () => {
    expect(classifyCall(read('a'))).toBe('read');
    expect(classifyCall(call('Glob', { pattern: '*' }))).toBe('read');
    expect(classifyCall(edit('a'))).toBe('change');
    expect(classifyCall(bash('npm run build'))).toBe('change');
    expect(classifyCall(bash('git status'))).toBe('read');
    expect(classifyCall(call('WebFetch', { url: 'u' }))).toBe('neutral');
    expect(classifyCall(call('mcp__x__y', {}))).toBe('neutral');
  });

  it('describes calls for messages', () => {
    expect(describeCall(bash('npm test'))).toBe('Bash `npm test`');
    expect(describeCall(call('Glob', { pattern: '**/*.ts' }))).toBe('Glob for "**/*.ts"');
    expect(describeCall(call('NotebookEdit', { notebook_path: 'a.ipynb' }))).toBe('NotebookEdit of a.ipynb');
    expect(describeCall(call('WebFetch', { url: 'https://x.dev' }))).toBe('WebFetch of https://x.dev');
    expect(describeCall(bash('x'.repeat(300))).length).toBeLessThan(140);
  });
});

describe('strikes and abort', () => {
  it('denies twice, then aborts when the loop goes on, and keeps aborting after that', () => {
    const detector = new LoopDetector({ repeatThreshold: 2 });
    run(detector, read('a'));
    expect(detector.check(read('a'))).toMatchObject({ strikes: 1, abort: false });
    expect(detector.check(read('a'))).toMatchObject({ strikes: 2, abort: false });
    const third = detector.check(read('a'));
    expect(third).toMatchObject({ pattern: 'repeat', strikes: 3, abort: true });
    expect(third?.message).toContain('You were told 2 times and went on');
    expect(detector.check(read('something else'))).toBe(third);
  });

  it('counts strikes per pattern', () => {
    const detector = new LoopDetector({ repeatThreshold: 2, readOnlyChurnThreshold: 4, maxStrikes: 1 });
    run(detector, read('a'));
    expect(detector.check(read('a'))).toMatchObject({ pattern: 'repeat', strikes: 1, abort: false });
    run(detector, read('b'));
    run(detector, read('c'));
    expect(detector.check(read('d'))).toMatchObject({ pattern: 'read-only-churn', strikes: 1, abort: false });
  });

  it('clears the strikes when the agent changes a file', () => {
    const detector = new LoopDetector({ repeatThreshold: 2, maxStrikes: 1 });
    run(detector, read('a'));
    expect(detector.check(read('a'))?.strikes).toBe(1);
    run(detector, edit('a'));
    run(detector, read('a'));
    expect(detector.check(read('a'))).toMatchObject({ strikes: 1, abort: false });
  });

  it('aborts on the first detection with maxStrikes 0', () => {
    const detector = new LoopDetector({ repeatThreshold: 2, maxStrikes: 0 });
    run(detector, read('a'));
    const verdict = detector.check(read('a'));
    expect(verdict).toMatchObject({ strikes: 1, abort: true });
    expect(verdict?.message).toMatch(
      /Use the result you already have.* The harness is ending this session\.$/,
    );
  });

  it('turns a pattern off with Infinity', () => {
    const detector = new LoopDetector({
      repeatThreshold: Number.POSITIVE_INFINITY,
      readOnlyChurnThreshold: Number.POSITIVE_INFINITY,
      alternationCycles: Number.POSITIVE_INFINITY,
      failingCommandThreshold: Number.POSITIVE_INFINITY,
    });
    for (let i = 0; i < 100; i++) expect(fail(detector, bash('cat x'))).toBeUndefined();
  });
});

describe('loopGuard', () => {
  it('allows and records calls, denies a loop with its message, and reports the abort once', async () => {
    const detector = new LoopDetector({ repeatThreshold: 2, maxStrikes: 1 });
    const aborts: LoopVerdict[] = [];
    const guard = loopGuard(detector, (verdict) => aborts.push(verdict));
    expect(guard.name).toBe('loop-detector');

    expect(await guard.check(read('a'), context)).toEqual({ decision: 'allow' });
    const denied = await guard.check(read('a'), context);
    expect(denied).toMatchObject({ decision: 'deny', guard: 'loop-detector', rule: 'repeat' });
    expect(denied.decision === 'deny' && denied.reason).toContain('identical Read of a');
    expect(aborts).toEqual([]);

    await guard.check(read('a'), context);
    expect(aborts).toHaveLength(1);
    expect(aborts[0]).toMatchObject({ abort: true, strikes: 2 });
    expect(await guard.check(read('b'), context)).toMatchObject({ decision: 'deny' });
    expect(aborts).toHaveLength(1);
  });

  it('does not record a call it denies', async () => {
    const detector = new LoopDetector({ repeatThreshold: 3, maxStrikes: 5 });
    const guard = loopGuard(detector, () => {});
    await guard.check(read('a'), context);
    await guard.check(read('a'), context);
    await guard.check(read('a'), context); // denied
    await guard.check(read('b'), context);
    // History is a a b: a single a after b is no repeat.
    expect(await guard.check(read('a'), context)).toEqual({ decision: 'allow' });
  });
});
