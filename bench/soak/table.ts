// Plain-text rendering of the soak's table.
import type { Row } from './verdict.js';

const verdict = (ok: boolean | null): string => (ok === null ? '' : ok ? 'ok' : 'FAIL');

export function renderTable(rows: readonly Row[]): string {
  const cells = [['check', 'figure', 'rule', 'result'], ...rows.map((r) => [r.check, r.figure, r.rule, verdict(r.ok)])];
  const widths = [0, 1, 2].map((c) => Math.max(...cells.map((row) => row[c].length)));
  return cells
    .map((row) => row.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]) : cell)).join('  ').trimEnd())
    .join('\n');
}
