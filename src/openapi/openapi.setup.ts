import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** The OpenAPI document, generated from the controllers: UI at /docs, JSON at /docs/json. */
export function setupOpenApi(app: NestFastifyApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Energy Ingestion Engine')
    .setDescription(
      'Telemetry ingestion (smart meters: AC kWh; vehicles: DC kWh) and charging-efficiency analytics for EV fleets. ' +
        'With API_KEYS set, send a key as `Authorization: Bearer <key>` or `x-api-key`: device keys ingest, ' +
        'operator keys read analytics, links, live state and metrics.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key' }, 'bearer')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'x-api-key')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json', yamlDocumentUrl: 'docs/yaml' });
}
