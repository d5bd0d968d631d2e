export type { Direction, MetricRow, RuleResult, Verdict } from './evaluate';
export { evaluate, metricDirection } from './evaluate';
export { readReportMeta, renderReport, renderText } from './report';
export { validateMetricsSpec } from './spec';
export { validateMetricsAction } from './validate-metrics';
