// Timestamps are stored as fixed-width ISO-8601 UTC text so that text order is time order on both
// databases. Years outside 0000–9999 do not occur in X.509 (RFC 5280 §4.1.2.5 caps at 9999).
export const toIso = (date: Date): string => date.toISOString();
export const fromIso = (text: string | null): Date | null => (text === null ? null : new Date(text));
