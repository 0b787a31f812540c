// The CLI is a thin client of the HTTP API: every command but init/serve/demo goes through here.
import { TrustplaneError, errorCatalog } from '../core/errors.ts';
import type { ErrorCode } from '../core/errors.ts';

export type ProblemResponse = { code: ErrorCode; title: string; detail: string; status: number; errors?: string[]; requestId?: string };

export class ApiError extends Error {
  readonly problem: ProblemResponse;
  constructor(problem: ProblemResponse) {
    super(problem.detail);
    this.name = 'ApiError';
    this.problem = problem;
  }
}

export type ApiClient = {
  readonly baseUrl: string;
  get<T>(path: string, query?: Record<string, string | number | boolean | undefined>): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
};

const isProblem = (value: unknown): value is ProblemResponse =>
  typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'string'
  && (value as { code: string }).code in errorCatalog;

export const createApiClient = (options: { url: string; token: string | undefined }): ApiClient => {
  const baseUrl = options.url.replace(/\/+$/, '');
  const call = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    if (options.token === undefined || options.token === '') {
      throw new TrustplaneError('UNAUTHENTICATED', 'no API token: pass --token or set TRUSTPLANE_TOKEN (init and demo print one)');
    }
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${options.token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new TrustplaneError('NOT_READY', `cannot reach Trustplane at ${baseUrl} (${reason}); is \`trustplane serve\` running, and is --url or TRUSTPLANE_URL right?`);
    }
    const text = await response.text();
    let payload: unknown;
    try {
      payload = text === '' ? undefined : JSON.parse(text);
    } catch {
      payload = undefined;
    }
    if (!response.ok) {
      if (isProblem(payload)) throw new ApiError(payload);
      throw new TrustplaneError('INTERNAL', `${method} ${path} answered ${response.status} without a problem document`);
    }
    return payload as T;
  };
  return {
    baseUrl,
    get: (path, query) => {
      const search = new URLSearchParams();
      for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) search.set(key, String(value));
      const suffix = search.size > 0 ? `?${search.toString()}` : '';
      return call('GET', `${path}${suffix}`);
    },
    post: (path, body) => call('POST', path, body),
  };
};
