import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ErrorBody } from '../common/errors/error-body.ts';
import type { AppConfig } from '../config/app-config.ts';

/**
 * The OpenAPI document, generated from the controllers and from `@ApiProperty` decorators on the
 * DTO and response classes: UI at /docs, JSON at /docs/json (unless DOCS_ENABLED=false).
 *
 * Why explicit decorators and not the @nestjs/swagger CLI plugin: the tests run through @swc/jest,
 * where the tsc plugin never runs, so the document under test would differ from the one shipped.
 *
 * The pattern every module follows:
 * - a class per body, query, path-parameter set and answer, each property with `@ApiProperty` (or
 *   `@ApiPropertyOptional`) next to its class-validator rules, built from the same constants
 *   (DEVICE_ID_SCHEMA, UTC_INSTANT_SCHEMA in common/validation/decorators.ts, the limits);
 * - `@Query() q: SomeQuery` and `@Param() p: SomeParams` document their parameters by themselves,
 *   so no `@ApiQuery`/`@ApiParam` by hand; answers by `@ApiOkResponse({ type: SomeAnswer })`;
 * - errors only through `@ApiErrors(…)` / `@RequireRole(…)`: the one `ErrorBody` component by $ref;
 * - test/e2e/openapi-responses.e2e-spec.ts validates real answers against the served document.
 */
export function setupOpenApi(
  app: NestFastifyApplication,
  config: Pick<AppConfig, 'PUBLIC_URL' | 'DOCS_ENABLED'>,
): void {
  if (!config.DOCS_ENABLED) return;
  const builder = new DocumentBuilder()
    .setTitle('Energy Ingestion Engine')
    .setDescription(
      'Telemetry ingestion (smart meters: AC kWh; vehicles: DC kWh) and charging-efficiency analytics for EV fleets. ' +
        'With API_KEYS set, send a key as `Authorization: Bearer <key>` or `x-api-key`: device keys ingest, ' +
        'operator keys read analytics, links, live state and metrics.',
    )
    .setVersion('1')
    .setLicense(
      'Proprietary (UNLICENSED): all rights reserved',
      'https://docs.npmjs.com/cli/configuring-npm/package-json#license',
    )
    .addServer(config.PUBLIC_URL ?? '/', config.PUBLIC_URL ? 'This deployment' : 'The server serving this document')
    // Opaque API keys, not JWTs: no bearerFormat.
    .addSecurity('bearer', { type: 'http', scheme: 'bearer', description: 'An API key as a bearer token' })
    .addSecurity('x-api-key', { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'An API key' });
  const document = completed(SwaggerModule.createDocument(app, builder.build(), { extraModels: [ErrorBody] }));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json', yamlDocumentUrl: 'docs/yaml' });
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const ERROR_REF = { $ref: '#/components/schemas/ErrorBody' };
const RETRY_AFTER = {
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } },
};

/**
 * What holds for every route, added in one place: routes without a key requirement say so
 * (`security: []`), the rate limiter answers 429 on every route, and every /v1 route reads or
 * writes the database, so answers 503 when it is unreachable.
 */
function completed(document: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      operation.security ??= [];
      operation.responses['429'] ??= {
        description: 'Rate limit exceeded (RATE_LIMIT_PER_MINUTE)',
        headers: RETRY_AFTER,
        content: { 'application/json': { schema: ERROR_REF } },
      };
      if (path.startsWith('/v1/')) {
        operation.responses['503'] ??= {
          description: 'Database unavailable: nothing stored, retry after Retry-After',
          headers: RETRY_AFTER,
          content: { 'application/json': { schema: ERROR_REF } },
        };
      }
    }
  }
  return document;
}
