/** The HTTP status of each result-envelope code, for every door that speaks HTTP. */
import type { ErrorInfo } from '../../shared/contract';

export const HTTP_STATUS: Record<ErrorInfo['code'], number> = {
  'bad-request': 400,
  unauthorized: 401,
  'not-found': 404,
  conflict: 409,
  /** A bug or an unexpected failure: the only code answered with a 500. */
  failed: 500,
  unavailable: 503,
};
