export {
  componentInputNames,
  componentInputs,
  renderActionYml,
  renderGitLabTemplate,
  renderReadmeTables,
  updateReadme,
} from './metadata';
export { reportError, runAction } from './run';
export type { Action, ActionResult, ActionSpec, InputSpec, OutputSpec } from './spec';
export { defineAction, readInputs } from './spec';
