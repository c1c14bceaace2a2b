import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, ApiSecurity } from '@nestjs/swagger';
import { ErrorBody } from '../common/errors/error-body.ts';
import type { Role } from './api-keys.ts';

export const REQUIRED_ROLE = 'requiredRole';

/** The role an API key must have to call the route (controller or handler); also documents it in OpenAPI. */
export const RequireRole = (role: Role): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(REQUIRED_ROLE, role),
    ApiBearerAuth('bearer'),
    ApiSecurity('x-api-key'),
    ApiResponse({ status: 401, description: 'No valid API key (when API_KEYS is set)', type: ErrorBody }),
    ApiResponse({ status: 403, description: `The API key's role is not '${role}'`, type: ErrorBody }),
  );
