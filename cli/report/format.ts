/** Small text formatters shared by the report and the export cards. */

/** One convention for every output (cli/format.ts): binary sizes, parameter counts as users say them. */
export { bytesText as formatBytes, countText as formatCount, ms, metricText, UNITS_NOTE } from '../format.js';

export function markdownTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [`| ${head.map(esc).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
