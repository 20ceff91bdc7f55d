/** IMM times as RFC 3339 in UTC with a Z (contract.md). */
export function rfc3339(date: Date): string;
export function rfc3339(date: Date | null | undefined): string | undefined;
export function rfc3339(date: Date | null | undefined): string | undefined {
  return date ? date.toISOString() : undefined;
}
