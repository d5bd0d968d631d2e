import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors';
import { checkLookupName, checkModelName, checkStageName, formatTag, type ParsedTag, parseTag } from '.';

describe('GTO tag grammar', () => {
  it.each<[string, ParsedTag]>([
    ['churn@v1.2.3', { kind: 'register', name: 'churn', version: 'v1.2.3' }],
    ['churn@v1.2.3#4', { kind: 'register', name: 'churn', version: 'v1.2.3', counter: 4 }],
    ['churn@v1.2.3!#5', { kind: 'deregister', name: 'churn', version: 'v1.2.3', counter: 5 }],
    ['churn@v1.2.3!', { kind: 'deregister', name: 'churn', version: 'v1.2.3' }],
    ['churn#prod#3', { kind: 'assign', name: 'churn', stage: 'prod', counter: 3 }],
    ['churn#prod', { kind: 'assign', name: 'churn', stage: 'prod' }],
    ['churn#prod!#4', { kind: 'unassign', name: 'churn', stage: 'prod', counter: 4 }],
    ['churn@deprecated#6', { kind: 'deprecate', name: 'churn', counter: 6 }],
    ['churn@deprecated', { kind: 'deprecate', name: 'churn' }],
    ['churn@created', { kind: 'create', name: 'churn' }],
    [
      'team/churn@v0.0.1-rc.1+build.5',
      { kind: 'register', name: 'team/churn', version: 'v0.0.1-rc.1+build.5' },
    ],
    ['churn#deprecated#2', { kind: 'assign', name: 'churn', stage: 'deprecated', counter: 2 }],
    // GTO 1.x: DVC artifacts outside the root dvc.yaml, upper case and "_".
    ['models=clf@v1.0.0', { kind: 'register', name: 'models:clf', version: 'v1.0.0' }],
    [
      'Some/folder/A=Model#prod#1',
      { kind: 'assign', name: 'Some/folder/A:Model', stage: 'prod', counter: 1 },
    ],
    ['My_Model@v1.0.0', { kind: 'register', name: 'My_Model', version: 'v1.0.0' }],
    ['1@v1.0.0', { kind: 'register', name: '1', version: 'v1.0.0' }],
  ])('reads %s', (tag, parsed) => {
    expect(parseTag(tag)).toEqual(parsed);
    expect(formatTag(parsed)).toBe(tag);
  });

  it('reads a counter with leading zeros as GTO does (int())', () => {
    expect(parseTag('churn#prod#007')).toEqual({ kind: 'assign', name: 'churn', stage: 'prod', counter: 7 });
  });

  it.each([
    'v1.0.0',
    'churn',
    'churn@1.0.0',
    'churn@v1.0',
    'churn@v01.0.0',
    'churn@v1.0.0-01',
    'churn@v1.0.0+',
    'churn#prod#x',
    'churn#prod##1',
    'churn#prod#1#2',
    'churn!#1',
    'churn@deprecated!',
    'churn@latest',
    '_model@v1.0.0',
    'model-@v1.0.0',
    '/m@v1.0.0',
    'a=b=c@v1.0.0',
    'churn#-prod#1',
  ])('ignores %s, as GTO does', (tag) => {
    expect(parseTag(tag)).toBeUndefined();
  });

  const name = fc.stringMatching(/^[a-zA-Z0-9](?:[a-zA-Z0-9\-/_]*[a-zA-Z0-9])?$/);
  const fullName = fc
    .tuple(fc.option(fc.stringMatching(/^[a-zA-Z0-9\-_./]+$/), { nil: undefined }), name)
    .map(([dir, n]) => (dir === undefined ? n : `${dir}:${n}`));
  const counter = fc.option(fc.nat(), { nil: undefined });
  const withCounter = <T extends object>(tag: T, n: number | undefined) =>
    n === undefined ? tag : { ...tag, counter: n };
  const semver = fc.stringMatching(
    /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*)?(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$/,
  );
  const tag: fc.Arbitrary<ParsedTag> = fc.oneof(
    fc
      .tuple(
        fc.constantFrom('register', 'deregister') as fc.Arbitrary<'register' | 'deregister'>,
        fullName,
        semver,
        counter,
      )
      .map(([kind, n, v, c]) => withCounter({ kind, name: n, version: `v${v}` }, c)),
    fc
      .tuple(
        fc.constantFrom('assign', 'unassign') as fc.Arbitrary<'assign' | 'unassign'>,
        fullName,
        name,
        counter,
      )
      .map(([kind, n, stage, c]) => withCounter({ kind, name: n, stage }, c)),
    fc
      .tuple(
        fc.constantFrom('deprecate', 'create') as fc.Arbitrary<'deprecate' | 'create'>,
        fullName,
        counter,
      )
      .map(([kind, n, c]) => withCounter({ kind, name: n }, c)),
  );

  it('parses what it formats, and formats back the same tag', () => {
    fc.assert(
      fc.property(tag, (parsed) => {
        const text = formatTag(parsed);
        expect(parseTag(text)).toEqual(parsed);
        expect(formatTag(parseTag(text) as ParsedTag)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('never reads a tag with a character outside the grammar', () => {
    fc.assert(
      fc.property(
        tag,
        fc.constantFrom(' ', '~', '^', ':', '\\', '*', '?', '['),
        fc.nat(),
        (parsed, bad, at) => {
          const text = formatTag(parsed);
          const i = at % (text.length + 1);
          expect(parseTag(`${text.slice(0, i)}${bad}${text.slice(i)}`)).toBeUndefined();
        },
      ),
    );
  });
});

describe('model and stage names we write', () => {
  it.each(['nn', 'm1', 'model-prod', 'model-prod-v1', 'namespace/model', 'team/churn/v2-large', 'a-/b'])(
    'accepts %s',
    (name) => {
      expect(checkModelName(name)).toBe(name);
      // Every GTO release reads it: 0.2's pattern is the narrowest there was.
      expect(name).toMatch(/^[a-z][a-z0-9-/]*[a-z0-9]$/);
      expect(parseTag(`${name}@v0.0.1`)).toMatchObject({ name });
    },
  );

  it.each([
    ['', 'it is shorter than 2 characters'],
    ['m', 'it is shorter than 2 characters'],
    ['x'.repeat(101), 'it is longer than 100 characters'],
    ['Model', 'upper case is not allowed'],
    ['a_model', '"_" is not allowed'],
    ['a model', '" " is not allowed'],
    ['model@1', '"@" is not allowed'],
    ['model#1', '"#" is not allowed'],
    ['modèle', '"è" is not allowed'],
    ['model.v2', '"." is not allowed'],
    ['1nn', 'it must start with a lowercase letter'],
    ['-model', 'it must start with a lowercase letter'],
    ['/m', 'it must start with a lowercase letter'],
    ['model-', 'it must end with a letter or digit'],
    ['m/', 'it must end with a letter or digit'],
    ['a//b', 'it has "//" (git refuses it in a tag name)'],
  ])('refuses %j: %s', (name, problem) => {
    const rule =
      'use lowercase letters, digits, "-" and "/", 2 to 100 characters, starting with a letter and ending with a letter or digit, no "//"';
    const attempt = () => checkModelName(name);
    expect(attempt).toThrow(InputError);
    expect(attempt).toThrow(`name: "${name}" is not a valid model name: ${problem} (${rule})`);
    expect(() => checkStageName(name)).toThrow(`stage: "${name}" is not a valid stage name: ${problem}`);
  });

  it('accepts exactly the names GTO 0.2 reads that git takes as tags', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-zA-Z0-9/_.@ -]{0,8}$/), (name) => {
        const gto02 = /^[a-z][a-z0-9-/]*[a-z0-9]$/.test(name) && !name.includes('//');
        expect(() => checkModelName(name)).toSatisfy((attempt: () => void) => {
          try {
            attempt();
            return gto02;
          } catch {
            return !gto02;
          }
        });
      }),
      { numRuns: 3000 },
    );
  });

  it('looks up any name GTO 1.x reads, and names the rule otherwise', () => {
    expect(checkLookupName('models:clf')).toBe('models:clf');
    expect(checkLookupName('My_Model')).toBe('My_Model');
    expect(() => checkLookupName('a model')).toThrow(
      /^name: "a model" is not a model name GTO can read \(use /,
    );
  });
});
