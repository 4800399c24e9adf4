import type { Comparison } from './compare.js';
import type { CaseResult, ConformanceReport, OpSummary } from './types.js';

function severity(result: CaseResult): number {
  if (result.error !== undefined) return Infinity;
  return result.worst?.ratio ?? 0;
}

/** Groups case results by op: counts, and the worst failure (or the closest pass) of each op. */
export function summarizeOps(results: readonly CaseResult[]): OpSummary[] {
  const byOp = new Map<string, CaseResult[]>();
  for (const r of results) {
    const list = byOp.get(r.op) ?? [];
    list.push(r);
    byOp.set(r.op, list);
  }
  return [...byOp].map(([op, list]) => {
    const failed = list.filter((r) => !r.passed);
    const pool = failed.length > 0 ? failed : list;
    let worst = pool[0];
    for (const r of pool) if (!(severity(r) <= severity(worst))) worst = r;
    const summary: OpSummary = {
      op,
      passed: list.length - failed.length,
      failed: failed.length,
      worst: { case: worst.name, comparison: worst.worst },
    };
    if (worst.error !== undefined) summary.worst!.error = worst.error;
    return summary;
  });
}

/** Formats a number as in the report: three significant digits in exponent notation. */
function formatNumber(value: number): string {
  return Number.isFinite(value) ? value.toExponential(2) : String(value);
}

/** Describes one comparison: its label, its relative error and the tolerance. */
export function formatComparison(c: Comparison): string {
  const bound = `rtol ${formatNumber(c.tolerance.rtol)}, atol ${formatNumber(c.tolerance.atol)}`;
  const text = `${c.label}: relative error ${formatNumber(c.error)} (tolerance ${bound})`;
  return c.detail ? `${text}; ${c.detail}` : text;
}

/** Describes why a case failed: the error it raised, or each comparison beyond its tolerance. */
export function formatCaseFailure(result: CaseResult): string {
  const head = `${result.op} ${result.name}`;
  if (result.error !== undefined) return `${head}: raised ${result.error}`;
  const failed = result.comparisons.filter((c) => !c.passed);
  return [`${head}:`, ...failed.map((c) => `  ${formatComparison(c)}`)].join('\n');
}

/**
 * Formats a report for a terminal: one line per op (FAIL first, with the worst error) and a
 * total. Each failed case follows when `details` is set.
 */
export function formatReport(report: ConformanceReport, details = true): string {
  const lines = [`metagrad conformance: backend '${report.backend}' (${report.dtypes.join(', ')})`];
  const ops = [...report.ops].sort((a, b) => Number(b.failed > 0) - Number(a.failed > 0));
  const width = Math.max(...ops.map((o) => o.op.length), 2);
  for (const o of ops) {
    const status = o.failed > 0 ? 'FAIL' : 'ok  ';
    const counts = `${o.passed} passed, ${o.failed} failed`;
    let worst = '';
    if (o.worst) {
      const what = o.worst.error
        ? `raised ${o.worst.error}`
        : o.worst.comparison
          ? formatComparison(o.worst.comparison)
          : '';
      worst = `; worst: ${o.worst.case}: ${what}`;
    }
    lines.push(`${status} ${o.op.padEnd(width)}  ${counts}${worst}`);
  }
  const failedCases = report.cases.filter((r) => !r.passed);
  const failedOps = report.ops.filter((o) => o.failed > 0).map((o) => o.op);
  lines.push(
    `${report.cases.length} cases: ${report.cases.length - failedCases.length} passed, ` +
      `${failedCases.length} failed` +
      (failedOps.length > 0 ? ` (ops with failures: ${failedOps.join(', ')})` : ''),
  );
  if (details && failedCases.length > 0) {
    lines.push('', 'failed cases:', ...failedCases.map(formatCaseFailure));
  }
  return lines.join('\n');
}
