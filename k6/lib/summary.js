// handleSummary for every suite: the full k6 summary as JSON under REPORT_DIR, and a compact
// text report on stdout (every threshold with its verdict, failing checks, the suite's own
// figures). The HTML report is k6's web-dashboard export, switched on by scripts/k6.sh.

import { REPORT_DIR, SCENARIO } from './config.js';

function fmt(value, contains) {
  if (typeof value !== 'number') return String(value);
  if (contains === 'time') return value >= 1000 ? `${(value / 1000).toFixed(2)}s` : `${value.toFixed(1)}ms`;
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(3);
}

/** The statistic a threshold expression tests (`p(95)<100` → p(95)), with its value. */
function tested(metric, expr) {
  const key = expr.replace(/\s*(<=|>=|==|!=|<|>).*$/, '').trim();
  const value = metric.values[key];
  return `${key}=${value === undefined ? 'n/a' : fmt(value, key === 'count' || key === 'rate' ? '' : metric.contains)}`;
}

function allChecks(group, out = []) {
  for (const c of group.checks || []) out.push(c);
  for (const g of group.groups || []) allChecks(g, out);
  return out;
}

/**
 * Builds `handleSummary` for `suite`. `figures(data)` may return the suite's own numbers
 * (e.g. requests per second of a phase); they are printed and stored under `figures`.
 */
export function summary(suite, figures) {
  return function handleSummary(data) {
    const lines = [];
    const extra = figures ? figures(data) : {};
    let failed = 0;
    lines.push('');
    lines.push(`== k6 ${suite} / ${SCENARIO}: ${(data.state.testRunDurationMs / 1000).toFixed(1)} s`);
    lines.push('thresholds:');
    for (const name of Object.keys(data.metrics).sort()) {
      const metric = data.metrics[name];
      if (!metric.thresholds) continue;
      for (const [expr, verdict] of Object.entries(metric.thresholds)) {
        if (!verdict.ok) failed += 1;
        lines.push(`  ${verdict.ok ? 'ok  ' : 'FAIL'} ${name}: ${expr}   (${tested(metric, expr)})`);
      }
    }
    const checks = allChecks(data.root_group);
    const bad = checks.filter((c) => c.fails > 0);
    const passes = checks.reduce((n, c) => n + c.passes, 0);
    const fails = checks.reduce((n, c) => n + c.fails, 0);
    lines.push(`checks: ${passes} passed, ${fails} failed`);
    for (const c of bad) lines.push(`  failing check "${c.name}": ${c.fails} of ${c.passes + c.fails}`);
    if (Object.keys(extra).length) {
      lines.push('figures:');
      for (const [k, v] of Object.entries(extra)) lines.push(`  ${k}: ${typeof v === 'number' ? fmt(v) : JSON.stringify(v)}`);
    }
    lines.push(failed ? `RESULT: ${failed} threshold(s) failed` : 'RESULT: every threshold passed');
    lines.push('');
    const file = `${REPORT_DIR}/k6-${suite}-${SCENARIO}.json`;
    return {
      stdout: lines.join('\n'),
      [file]: JSON.stringify(Object.assign({ suite, scenario: SCENARIO, figures: extra }, data), null, 1),
    };
  };
}

/** Value of a submetric stat, or NaN when the run never produced it. */
export function stat(data, name, key) {
  const metric = data.metrics[name];
  return metric && metric.values && key in metric.values ? metric.values[key] : NaN;
}
