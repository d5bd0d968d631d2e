export {
  type DeployProcess,
  deployCanaryAction,
  deployCanaryStep,
  rollbackAction,
  rollbackStep,
} from './action';
export { type Clock, systemClock } from './clock';
export {
  type Check,
  type Condition,
  formatCondition,
  type Judgement,
  judge,
  type Measured,
  parseConditions,
} from './conditions';
export { EnvironmentBusy, LeaseLost } from './deployment-log';
export { applyAssignments, parseSetLines } from './gitops-file';
export { checkRollbackPermission, parseProtectedEnvironments, RollbackNotAllowed } from './permission';
export { agreement } from './prediction-drift';
export {
  createProvider,
  DEFAULT_HTTP_BODY,
  type Provider,
  type ProviderResult,
  ProviderSettings,
} from './providers';
export {
  checkEnvironment,
  Deployment,
  DeploymentEvent,
  DeploymentPlan,
  deploymentHistory,
  deploymentNumbers,
  Outcome,
  readDeployment,
} from './record';
export { previousStable, type RollbackRequest, rollback } from './rollback';
export {
  type CanaryRequest,
  checkModel,
  checkVersion,
  type DeployContext,
  deployCanary,
  type Hooks,
} from './rollout';
export {
  AnalysisSettings,
  type AnalysisSource,
  createSource,
  parseQueries,
  readInstantResult,
} from './sources';
export {
  type DeployCanaryInput,
  type DeployOutput,
  deployCanarySpec,
  type RollbackInput,
  rollbackSpec,
} from './spec';
export { parseSteps, type Step as RolloutStep, type StepDefaults } from './steps';
export { type DeploymentReport, outcomeLine, renderDeploymentReport } from './summary';
export { checkTemplate, PLACEHOLDERS, renderJson, renderShell } from './template';
