// Errors leave the API as RFC 9457 problem details (application/problem+json) carrying the stable
// `code` of src/core/errors.ts. Unknown errors are logged and answered without their message, which
// might hold something that must not leave the process.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { errorCatalog, isTrustplaneError } from '../../core/errors.ts';
import type { ErrorCode } from '../../core/errors.ts';

export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: ErrorCode;
  requestId: string;
  errors?: string[];
};

export const problemType = (code: ErrorCode): string => `urn:trustplane:problem:${code.toLowerCase().replaceAll('_', '-')}`;

export const buildProblem = (request: FastifyRequest, code: ErrorCode, detail: string, errors: readonly string[] = []): Problem => ({
  type: problemType(code),
  title: errorCatalog[code].title,
  status: errorCatalog[code].status,
  detail,
  instance: request.url.split('?')[0] ?? request.url,
  code,
  requestId: request.id,
  ...(errors.length > 0 ? { errors: [...errors] } : {}),
});

export const sendProblem = (reply: FastifyReply, problem: Problem): FastifyReply =>
  reply.status(problem.status).type('application/problem+json').send(problem);

const fastifyCodes: Partial<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
};

export const handleError = (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
  if (isTrustplaneError(error)) {
    if (errorCatalog[error.code].status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, buildProblem(request, error.code, error.message, error.details));
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = error.validationContext ?? 'request';
    const errors = error.validation.map((issue) => {
      const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
      return `${where}${path ? `.${path}` : ''}: ${issue.message}`;
    });
    return sendProblem(reply, buildProblem(request, 'VALIDATION_FAILED', `the ${where} is not valid: ${errors.join('; ')}`, errors));
  }
  const mapped = error.code === undefined ? undefined : fastifyCodes[error.code];
  if (mapped !== undefined) return sendProblem(reply, buildProblem(request, mapped, error.message));
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return sendProblem(reply, buildProblem(request, 'VALIDATION_FAILED', error.message));
  }
  request.log.error({ err: error }, 'unexpected error');
  return sendProblem(reply, buildProblem(request, 'INTERNAL', `an unexpected error occurred; quote request id ${request.id} to the operator`));
};
