export { type BackendSpec, prepareBackend, REFERENCE_BACKEND } from './backend.js';
export type { Comparison, HostTensor, Tolerance } from './compare.js';
export type { FloatDType } from './fixtures.js';
export { formatCaseFailure, formatComparison, formatReport, summarizeOps } from './report.js';
export { type ConformanceOptions, listCases, runCase, runConformance } from './run.js';
export {
  CROSS_BACKEND_TOLERANCE,
  crossBackendTolerance,
  FLOAT32_TOLERANCE,
  FLOAT64_TOLERANCE,
  fixtureTolerance,
} from './tolerances.js';
export type {
  CaseKind,
  CaseOutcome,
  CaseResult,
  ConformanceCase,
  ConformanceReport,
  OpSummary,
} from './types.js';
