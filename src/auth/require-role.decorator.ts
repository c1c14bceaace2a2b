import { SetMetadata } from '@nestjs/common';
import type { Role } from './api-keys.ts';

export const REQUIRED_ROLE = 'requiredRole';

/** The role an API key must have to call the route (controller or handler). */
export const RequireRole = (role: Role): MethodDecorator & ClassDecorator => SetMetadata(REQUIRED_ROLE, role);
