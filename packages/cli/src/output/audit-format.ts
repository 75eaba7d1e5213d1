/**
 * How audit rows are exported and shown. Export formats keep every field (including the hash
 * chain, so an export can be re-verified elsewhere) under stable names; `chain` is an array in
 * JSONL and `a > b > c` in CSV.
 */
import type { AuditRecord } from '@alter/vault';
import { csvRow } from './csv.js';

/** Export columns, in order. Also the CSV header. */
export const AUDIT_FIELDS = [
  'seq',
  'id',
  'at',
  'caller',
  'user',
  'provider',
  'account',
  'method',
  'url',
  'status',
  'durationMs',
  'tool',
  'parentTool',
  'chain',
  'callId',
  'reason',
  'errorCode',
  'prevHash',
  'hash',
  // Present on rows the egress policy decided about and on approved or declined requests.
  'decision',
  'policyRule',
  'approval',
  'approvalBy',
  'approvalVia',
  'approvalAt',
] as const;

/** The fields a row may lack (older rows, requests refused before the policy ran, no approval). */
const OPTIONAL_FIELDS = new Set<string>(['decision', 'policyRule', 'approval', 'approvalBy', 'approvalVia', 'approvalAt']);

/** Separator of the tool chain in CSV and tables. */
export const CHAIN_SEPARATOR = ' > ';

/** A row as a plain JSON object (dates as ISO strings). */
export function auditToJson(row: AuditRecord): Partial<Record<(typeof AUDIT_FIELDS)[number], unknown>> {
  return {
    seq: row.seq,
    id: row.id,
    at: row.at.toISOString(),
    caller: row.caller,
    user: row.user,
    provider: row.provider,
    account: row.account,
    method: row.method,
    url: row.url,
    status: row.status,
    durationMs: row.durationMs,
    tool: row.tool,
    parentTool: row.parentTool,
    chain: [...row.chain],
    callId: row.callId,
    reason: row.reason,
    errorCode: row.errorCode,
    prevHash: row.prevHash,
    hash: row.hash,
    // Only when the row has them, so an export of older rows reads back exactly as written.
    ...(row.decision !== undefined ? { decision: row.decision } : {}),
    ...(row.policyRule !== undefined ? { policyRule: row.policyRule } : {}),
    ...(row.approval !== undefined ? { approval: row.approval } : {}),
    ...(row.approvalBy !== undefined ? { approvalBy: row.approvalBy } : {}),
    ...(row.approvalVia !== undefined ? { approvalVia: row.approvalVia } : {}),
    ...(row.approvalAt !== undefined ? { approvalAt: row.approvalAt instanceof Date ? row.approvalAt.toISOString() : row.approvalAt } : {}),
  };
}

/** One JSONL line. */
export function auditJsonLine(row: AuditRecord): string {
  return `${JSON.stringify(auditToJson(row))}\n`;
}

/** The CSV header line. */
export function auditCsvHeader(): string {
  return csvRow(AUDIT_FIELDS);
}

/** One CSV record; null fields are empty. */
export function auditCsvLine(row: AuditRecord): string {
  const json = auditToJson(row);
  return csvRow(
    AUDIT_FIELDS.map((f) => {
      const v = json[f];
      if (f === 'chain') return (v as string[]).join(CHAIN_SEPARATOR);
      if (v === undefined && OPTIONAL_FIELDS.has(f)) return null;
      return v as string | number | null;
    }),
  );
}
