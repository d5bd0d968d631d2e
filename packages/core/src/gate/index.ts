export type { Direction, MetricRow, RuleResult, Verdict } from './evaluate';
export { evaluate, metricDirection } from './evaluate';
export { renderReport, renderText } from './report';
export { parseReportData, type ReportData, toReportData } from './report-data';
export { validateMetricsSpec } from './spec';
export { validateMetricsAction } from './validate-metrics';
