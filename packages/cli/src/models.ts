import {
  assignStage,
  buildRegistry,
  checkLookupName,
  checkModelName,
  checkSemver,
  checkStageName,
  checkStagePermission,
  committerIdentity,
  createPlatform,
  DEFAULT_PROTECTED_STAGES,
  describeModel,
  ExitCode,
  formatHistory,
  formatModel,
  formatModels,
  InputError,
  listModels,
  MetaBranch,
  type ModelState,
  nearNames,
  parseProtectedStages,
  RegistryGit,
  readModelVersions,
  unassignStage,
} from '@mcp/core';

const MODELS_USAGE =
  'usage: mcp models show [<name>] | mcp models history <name> [--remote origin] [--branch mcp-meta] [--markdown] [--json]';
const PROMOTE_USAGE =
  'usage: mcp promote <name>@<version|latest> --stage <stage> [--unassign] [--message <text>] [--protected-stages production] [--token <token>] [--remote origin] [--json]';

// Reading needs no identity; the constructor asks for one because it also writes.
const READER = { name: 'mcp', email: 'mcp@localhost' };

/**
 * `mcp models show [<name>]`: every model with its latest version and stages, or one model's
 * versions with stages and metrics; `mcp models history <name>`: its registry events. Both read
 * the tags of the remote (`origin`) and the records on its mcp-meta.
 */
export function modelsCommand(argv: string[]): Promise<number> {
  return guarded(async () => {
    const args = parse(argv, ['--remote', '--branch'], ['--json', '--markdown'], MODELS_USAGE);
    const [sub, name, ...extra] = args.positional;
    if ((sub !== 'show' && sub !== 'history') || extra.length > 0 || (sub === 'history' && !name)) {
      throw new InputError(MODELS_USAGE);
    }
    const remote = args.values['--remote'] ?? 'origin';
    const cwd = process.cwd();
    const registry = buildRegistry(await new RegistryGit({ cwd, remote, tagger: READER }).readTags());
    const format = args.flags.has('--markdown') ? 'markdown' : 'text';
    const json = args.flags.has('--json');
    if (!name) {
      const models = listModels(registry);
      print(json ? models : formatModels(models, format));
      return ExitCode.ok;
    }
    const model = find(registry, checkLookupName(name));
    if (sub === 'history') {
      print(json ? model.events : formatHistory(model.events, format));
      return ExitCode.ok;
    }
    const meta = new MetaBranch({ cwd, remote, branch: args.values['--branch'], author: READER });
    // Only names we write have records (GTO 1.x names may not fit a record path).
    const records = checkable(name) ? await readModelVersions(await meta.snapshot(), name) : new Map();
    const described = describeModel(model, records);
    print(json ? described : formatModel(described, format));
    return ExitCode.ok;
  });
}

/**
 * `mcp promote <name>@<version> --stage <stage>` writes the stage tag `<name>#<stage>#<n>` and
 * pushes it to the remote; `--unassign` takes the stage away. Tags as git's committer identity.
 */
export function promoteCommand(argv: string[]): Promise<number> {
  return guarded(async () => {
    const args = parse(
      argv,
      ['--stage', '--remote', '--message', '--protected-stages', '--token'],
      ['--json', '--unassign'],
      PROMOTE_USAGE,
    );
    const [target, ...extra] = args.positional;
    const at = target?.lastIndexOf('@') ?? -1;
    if (!target || at <= 0 || extra.length > 0) throw new InputError(PROMOTE_USAGE);
    const name = checkModelName(target.slice(0, at));
    const given = args.values['--stage'];
    if (given === undefined)
      throw new InputError(`stage: mcp promote needs --stage <stage>; ${PROMOTE_USAGE}`, 'stage');
    const stage = checkStageName(given);
    const cwd = process.cwd();
    const tagger = (await committerIdentity(cwd, process.env)) ?? READER;
    const git = new RegistryGit({
      cwd,
      remote: args.values['--remote'] ?? 'origin',
      tagger,
      env: process.env,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    let version = target.slice(at + 1);
    if (version === 'latest') {
      const latest = find(buildRegistry(await git.readTags()), name).latest;
      if (!latest) throw new InputError(`version: ${name} has no registered version yet`, 'version');
      version = latest;
    } else {
      version = checkSemver(version);
    }
    // In CI the host says who may assign a protected stage; locally it is your own clone.
    const protectedStages = parseProtectedStages(
      args.values['--protected-stages'] ?? DEFAULT_PROTECTED_STAGES,
    );
    const platform = await createPlatform({
      env: process.env,
      cwd,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    if (args.values['--token']) platform.useToken(args.values['--token']);
    await checkStagePermission(platform, { stage, protectedStages, subject: `${name}@${version}` });
    const options = { name, stage, version, message: args.values['--message'] };
    const result = args.flags.has('--unassign')
      ? await unassignStage(git, options)
      : await assignStage(git, options);
    for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
    if (args.flags.has('--json')) {
      print(result);
    } else if (!result.created) {
      print(`${name} ${result.version} is already in stage ${stage} (${result.tag})`);
    } else {
      const verb = args.flags.has('--unassign') ? 'unassigned from' : 'assigned to';
      print(`${result.tag}: stage ${stage} ${verb} ${name} ${result.version}`);
    }
    return ExitCode.ok;
  });
}

interface Parsed {
  positional: string[];
  values: Record<string, string | undefined>;
  flags: Set<string>;
}

function parse(argv: string[], valued: string[], switches: string[], usage: string): Parsed {
  const parsed: Parsed = { positional: [], values: {}, flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag = arg, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s) : [arg];
    if (valued.includes(flag)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new InputError(`${flag}: expected a value after it`, flag.slice(2));
      parsed.values[flag] = value;
    } else if (switches.includes(flag)) {
      parsed.flags.add(flag);
    } else if (arg.startsWith('--')) {
      throw new InputError(`${flag}: no such option; ${usage}`, flag.slice(2));
    } else {
      parsed.positional.push(arg);
    }
  }
  return parsed;
}

function find(registry: ReadonlyMap<string, ModelState>, name: string): ModelState {
  const model = registry.get(name);
  if (model) return model;
  const near = nearNames(name, registry.keys());
  const hint =
    near.length > 0 ? `; did you mean ${near.join(', ')}?` : registry.size === 0 ? '; it is empty' : '';
  throw new InputError(`name: the registry has no model "${name}"${hint}`, 'name');
}

function checkable(name: string): boolean {
  try {
    checkModelName(name);
    return true;
  } catch {
    return false;
  }
}

function print(value: unknown): void {
  process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value)}\n`);
}

/** Bad input exits 2 with its one line; anything else that goes wrong exits 1 with its first line. */
async function guarded(command: () => Promise<number>): Promise<number> {
  try {
    return await command();
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message.split('\n')[0]}\n`);
    return error instanceof InputError ? ExitCode.usage : ExitCode.failed;
  }
}
