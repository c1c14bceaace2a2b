import type { INestApplication, Type } from '@nestjs/common';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer, Reflector } from '@nestjs/core';
import type { Role } from '../../src/auth/api-keys.ts';
import { REQUIRED_ROLE } from '../../src/auth/require-role.decorator.ts';

export interface DiscoveredRoute {
  method: string;
  /** The path as declared, e.g. `/v1/links/:vehicleId`. */
  path: string;
  /** The path with every parameter replaced by a valid device id. */
  concretePath: string;
  /** The role @RequireRole asks for (handler or controller); undefined: the route is open. */
  role?: Role;
}

/**
 * Every route of every controller the application registered, read from Nest's own metadata, so
 * sweeps over "every route" include the routes added after the test was written.
 */
export function discoverRoutes(app: INestApplication): DiscoveredRoute[] {
  const reflector = new Reflector();
  const routes: DiscoveredRoute[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        const role = reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, [handler, controller]);
        for (const base of paths(Reflect.getMetadata(PATH_METADATA, controller))) {
          for (const own of paths(Reflect.getMetadata(PATH_METADATA, handler))) {
            const path = `/${[base, own]
              .flatMap((part) => part.split('/'))
              .filter(Boolean)
              .join('/')}`;
            routes.push({ method: RequestMethod[method], path, concretePath: path.replace(/:\w+/g, 'dev-1'), role });
          }
        }
      }
    }
  }
  return routes.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}

function paths(metadata: unknown): string[] {
  if (Array.isArray(metadata)) return metadata.map(String);
  return [typeof metadata === 'string' ? metadata : ''];
}
