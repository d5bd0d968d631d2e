export * from './action';
export * from './audit';
export * from './data';
export * from './deploy';
export * from './drift';
export { ExitCode, InputError, McpError, nearNames } from './errors';
export * from './gate';
export * from './lineage';
export * from './meta';
export * from './platform';
export * from './profile';
export * from './registry';
export * from './store';
export * from './train';
export * from './validate-data';

import type { Action } from './action';
import { pullDataAction, versionDataAction } from './data';
import { deployCanaryAction, rollbackAction } from './deploy';
import { validateMetricsAction } from './gate';
import { registerModelAction } from './registry';
import { trainAction } from './train';
import { validateDataAction } from './validate-data';

/** Every action, by the name users write in `uses:` and on the command line. */
export const actions: Record<string, Action> = {
  [validateMetricsAction.spec.name]: validateMetricsAction as unknown as Action,
  [versionDataAction.spec.name]: versionDataAction as unknown as Action,
  [pullDataAction.spec.name]: pullDataAction as unknown as Action,
  [trainAction.spec.name]: trainAction as unknown as Action,
  [validateDataAction.spec.name]: validateDataAction as unknown as Action,
  [registerModelAction.spec.name]: registerModelAction as unknown as Action,
  [deployCanaryAction.spec.name]: deployCanaryAction as unknown as Action,
  [rollbackAction.spec.name]: rollbackAction as unknown as Action,
};
