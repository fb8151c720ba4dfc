/**
 * What the independent rule checker reports: the mandatory rules broken by rows read back from
 * an output (or handed over as they are written), counted per rule, with a few examples naming
 * the table, the row and the rule — never more than the value of the one cell at fault.
 */

export interface Violation {
  table: string;
  /** The rule's ID, or a structural name: `patients.primary_key`, `admissions.foreign_keys[0]`. */
  rule: string;
  /** The row's 1-based position in its table as read (0 for a check over the whole table). */
  row: number;
  message: string;
}

export interface TableCheckSummary {
  table: string;
  rows: number;
  violations: number;
}

export interface CheckSummary {
  /** Mandatory-rule violations (must be 0). */
  violations: number;
  /** Per rule (or structural name), the mandatory violations. */
  byRule: Record<string, number>;
  /** Soft rules not holding, per rule (reported; they may be dropped by priority). */
  soft: Record<string, number>;
  /** The first few violations. */
  examples: Violation[];
  tables: TableCheckSummary[];
  rows: number;
  /** What could not be checked, and why (reused parents, tables missing from the output…). */
  notChecked: string[];
}

/** How many violations are kept as examples. */
export const MAX_EXAMPLES = 20;
