export * from './action';
export { ExitCode, InputError, McpError, nearNames } from './errors';
export * from './gate';
export * from './platform';

import type { Action } from './action';
import { validateMetricsAction } from './gate';

/** Every action, by the name users write in `uses:` and on the command line. */
export const actions: Record<string, Action> = {
  [validateMetricsAction.spec.name]: validateMetricsAction as unknown as Action,
};
