import { BadRequestException } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { errorBody, type FieldProblem } from './error-body.ts';

/** A 400 that names every offending field (and, in a batch, the index of its reading). */
export class RequestValidationError extends BadRequestException {
  constructor(readonly problems: FieldProblem[]) {
    super(errorBody(400, `Validation failed: ${problems.map(describe).join('; ')}`, problems));
  }

  static fromValidationErrors(errors: ValidationError[], prefix = ''): RequestValidationError {
    return new RequestValidationError(toFieldProblems(errors, prefix));
  }
}

export function toFieldProblems(errors: ValidationError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, errors: Object.values(error.constraints) }] : [];
    return [...own, ...toFieldProblems(error.children ?? [], field)];
  });
}

function describe(problem: FieldProblem): string {
  return problem.errors.join(', ');
}
