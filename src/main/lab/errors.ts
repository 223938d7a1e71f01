/**
 * Typed domain errors. Each carries the contract's error code, so every door maps it the same
 * way (the result envelope's `code`, an HTTP status, a CLI exit message) without matching names
 * as strings. Anything else thrown is a bug or an unexpected failure: code 'failed'.
 */
import type { ErrorInfo } from '../../shared/contract';

export abstract class LabError extends Error {
  abstract readonly code: ErrorInfo['code'];
}

/** The thing asked for does not exist (a run, a dataset, an image, a job). */
export class NotFoundError extends LabError {
  override name = 'NotFoundError';
  readonly code = 'not-found';
}

/** The request is well-formed but asks for something impossible (an unknown class, an empty tag). */
export class BadRequestError extends LabError {
  override name = 'BadRequestError';
  readonly code = 'bad-request';
}

/** The request clashes with the current state (a run that is training, an unfinished run). */
export class ConflictError extends LabError {
  override name = 'ConflictError';
  readonly code = 'conflict';
}

/** A resource the request needs cannot be had now (a download, the worker). */
export class UnavailableError extends LabError {
  override name = 'UnavailableError';
  readonly code = 'unavailable';
}

/** The envelope code for anything thrown by a handler. */
export function errorCode(error: unknown): ErrorInfo['code'] {
  return error instanceof LabError ? error.code : 'failed';
}

/** The LabError of an envelope's error (a door that throws what `dispatch` answered). */
export function labError(info: ErrorInfo): Error {
  switch (info.code) {
    case 'not-found':
      return new NotFoundError(info.message);
    case 'bad-request':
      return new BadRequestError(info.message);
    case 'conflict':
      return new ConflictError(info.message);
    case 'unavailable':
      return new UnavailableError(info.message);
    default:
      return new Error(info.message);
  }
}
