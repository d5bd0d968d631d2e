import { InputError } from '../errors';
import type { Platform } from '../platform';

/**
 * One declaration per action: its inputs and outputs are named here once, and `action.yml`,
 * the GitLab component and the CLI flags are all derived from it (a test checks they agree).
 */
export interface InputSpec {
  description: string;
  required?: boolean;
  /** Default everywhere (CLI, GitLab component, action.yml). */
  default?: string;
  /** Default written into action.yml only, when it must be a GitHub expression (`${{ github.token }}`). */
  githubDefault?: string;
  /** The allowed values, when the input is a choice. */
  choices?: readonly string[];
}

export interface OutputSpec {
  description: string;
}

export interface ActionSpec<I extends string = string, O extends string = string> {
  name: string;
  title: string;
  description: string;
  branding: { icon: string; color: string };
  inputs: Record<I, InputSpec>;
  outputs: Record<O, OutputSpec>;
}

export interface ActionResult<O extends string = string> {
  outputs: Partial<Record<O, string>>;
  /** 0 done/passed, 1 a gate or deployment failed. Bad input throws `InputError` (exit 2). */
  exitCode: 0 | 1;
}

export interface Action<I extends string = string, O extends string = string> {
  spec: ActionSpec<I, O>;
  run(platform: Platform, inputs: Record<I, string>): Promise<ActionResult<O>>;
}

export function defineAction<I extends string, O extends string>(action: Action<I, O>): Action<I, O> {
  return action;
}

/** Inputs with defaults applied, required ones and choices checked. */
export function readInputs<I extends string>(spec: ActionSpec<I>, platform: Platform): Record<I, string> {
  const values = {} as Record<I, string>;
  for (const [name, input] of Object.entries(spec.inputs) as [I, InputSpec][]) {
    const value = platform.input(name) || input.default || '';
    if (input.required && !value) {
      throw new InputError(`${name}: required by ${spec.name} but not given`, name);
    }
    if (value && input.choices && !input.choices.includes(value)) {
      throw new InputError(`${name}: "${value}" is not one of ${input.choices.join(', ')}`, name);
    }
    values[name] = value;
  }
  return values;
}
