// One table of stable error codes. HTTP statuses are mapped here and nowhere else; every code is
// documented in docs/errors.md (a test keeps the two in step).

export const errorCatalog = {
  VALIDATION_FAILED: { status: 400, title: 'The request is not valid' },
  GOVERNANCE_INVALID: { status: 422, title: 'The governance file is not valid' },
  IMPORT_INVALID: { status: 422, title: 'The import input is not valid' },
  UNAUTHENTICATED: { status: 401, title: 'Authentication is required' },
  TOKEN_EXPIRED: { status: 401, title: 'The API token has expired' },
  TOKEN_REVOKED: { status: 401, title: 'The API token has been revoked' },
  FORBIDDEN: { status: 403, title: 'The principal may not do this' },
  SOD_VIOLATION: { status: 403, title: 'Separation of duties forbids this' },
  OUTSIDE_CHANGE_WINDOW: { status: 403, title: 'No change window of the delegation is open' },
  DELEGATION_EXPIRED: { status: 403, title: 'The delegation has ended' },
  DELEGATION_REVOKED: { status: 403, title: 'The delegation was revoked' },
  NOT_FOUND: { status: 404, title: 'No such resource' },
  CONFLICT: { status: 409, title: 'The request conflicts with the current state' },
  INVALID_TRANSITION: { status: 409, title: 'The change cannot take this step from its current status' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The request body is not JSON' },
  NOT_READY: { status: 503, title: 'The service is not ready' },
  INTERNAL: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof errorCatalog;

export const errorCodes = Object.keys(errorCatalog) as ErrorCode[];

/** A domain error with a stable code and a message a person can act on. `details` must never hold secrets. */
export class TrustplaneError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, details: readonly string[] = [], options?: ErrorOptions) {
    super(message, options);
    this.name = 'TrustplaneError';
    this.code = code;
    this.details = details;
  }
}

export const isTrustplaneError = (error: unknown): error is TrustplaneError => error instanceof TrustplaneError;
