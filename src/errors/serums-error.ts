/**
 * The one error class of Serums. `code` is stable (callers and tests switch on it); `message`
 * names the offending input and what would be valid; `where` locates it when known.
 */
export type ErrorCode =
  | "BAD_USAGE"
  | "BAD_CONFIG"
  | "BAD_MAPPING"
  | "BAD_SOURCE"
  | "BAD_ROW"
  | "IDENTITY_CONFLICT"
  | "NOT_FOUND"
  | "STORE"
  | "MIGRATION"
  // The ledger's: a malformed call or rule; a missing or wrong signature; a caller without the
  // right; an endorsement policy not met; a read that another transaction changed first; a
  // stored block, transaction or row that does not verify; any other failure of the ledger.
  | "BAD_REQUEST"
  | "BAD_SIGNATURE"
  | "FORBIDDEN"
  | "ENDORSEMENT"
  | "CONFLICT"
  | "TAMPERED"
  | "LEDGER"
  // FlexPass's: no valid credentials or token; too many attempts (try again later).
  | "UNAUTHENTICATED"
  | "RATE_LIMITED"
  // Fabrication's: a data project that is malformed, or whose rules cannot all hold.
  | "BAD_PROJECT";

export interface ErrorLocation {
  file?: string;
  line?: number;
  column?: number | string;
  path?: string;
  value?: unknown;
}

export class SerumsError extends Error {
  readonly code: ErrorCode;
  readonly where: ErrorLocation;

  constructor(code: ErrorCode, message: string, where: ErrorLocation = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SerumsError";
    this.code = code;
    this.where = where;
  }

  /** Errors the user caused (bad flags, files, rows) as opposed to failures of the system. */
  get isInputError(): boolean {
    return (
      this.code.startsWith("BAD_") ||
      this.code === "NOT_FOUND" ||
      this.code === "IDENTITY_CONFLICT" ||
      this.code === "FORBIDDEN"
    );
  }
}

/** Renders a value for an error message: quoted, shortened, never multi-line. */
export function showValue(value: unknown, max = 60): string {
  if (value === undefined) return "(missing)";
  if (value === null) return "(null)";
  const text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** "file.csv, line 12, column admission_date" — the prefix of a located message. */
export function describeLocation(where: ErrorLocation): string {
  const parts: string[] = [];
  if (where.file) parts.push(where.file);
  if (where.line !== undefined) parts.push(`line ${where.line}`);
  if (where.column !== undefined) parts.push(`column ${where.column}`);
  if (where.path) parts.push(`at ${where.path}`);
  return parts.join(", ");
}
