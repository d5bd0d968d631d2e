export {
  loadMetricsFile,
  lookupMetric,
  type Metrics,
  type MetricsFormat,
  type MetricValue,
  parseMetrics,
} from './load';
export {
  type BootstrapResult,
  computeMetrics,
  type PredictionSet,
  pairedBootstrap,
  percentile,
  readPredictions,
  type Task,
} from './predictions';
export {
  compare,
  type Expr,
  evaluateExpr,
  formatRule,
  type Op,
  parseRules,
  type Rule,
  ruleDirection,
  shorthandRule,
  usesBaseline,
} from './rules';
export { type ArithmeticGrammar, type ArithmeticNode, parseArithmetic, RuleCursor } from './rules-expr';
