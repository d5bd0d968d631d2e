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

import type { Action } from './action';
import { pullDataAction, versionDataAction } from './data';
import { validateMetricsAction } from './gate';
import { trainAction } from './train';

/** Every action, by the name users write in `uses:` and on the command line. */
export const actions: Record<string, Action> = {
  [validateMetricsAction.spec.name]: validateMetricsAction as unknown as Action,
  [versionDataAction.spec.name]: versionDataAction as unknown as Action,
  [pullDataAction.spec.name]: pullDataAction as unknown as Action,
  [trainAction.spec.name]: trainAction as unknown as Action,
};
