import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * The served OpenAPI 3.0 document as JSON Schema for Ajv: `nullable` becomes a `null` type,
 * boolean `exclusiveMinimum` the numeric form, and objects refuse properties they do not
 * document, so an answer carrying an undocumented field fails as surely as a missing one.
 */

type Json = Record<string, unknown>;

function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (typeof node !== 'object' || node === null) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) out[key] = toJsonSchema(value);
  if (out.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  delete out.nullable;
  if (out.exclusiveMinimum === true) {
    out.exclusiveMinimum = out.minimum;
    delete out.minimum;
  } else if (out.exclusiveMinimum === false) delete out.exclusiveMinimum;
  if (out.type === 'object' && typeof out.properties === 'object' && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

/** `#/components/schemas/X` → `doc#/definitions/X`, where the components are registered. */
function rewriteRefs(schema: unknown): object {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"doc#/definitions/')) as object;
}

export class ResponseSchemas {
  private readonly ajv = new Ajv({ allErrors: true, strict: true });

  constructor(private readonly document: { paths: Record<string, Json>; components: Json }) {
    this.ajv.addKeyword('example');
    addFormats.default(this.ajv);
    const schemas = (document.components.schemas ?? {}) as Json;
    this.ajv.addSchema(rewriteRefs({ $id: 'doc', definitions: toJsonSchema(schemas) }));
  }

  /** A validator of one component (`MeterReading`), e.g. for request bodies. */
  component(name: string): ValidateFunction {
    return this.ajv.compile({ $ref: `doc#/definitions/${name}` });
  }

  /** The validator of one documented answer; throws when the route/status has no JSON schema. */
  validator(method: string, path: string, status: number): ValidateFunction {
    const operation = this.document.paths[path]?.[method.toLowerCase()] as
      { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> } | undefined;
    const schema = operation?.responses[String(status)]?.content?.['application/json']?.schema;
    if (schema === undefined) throw new Error(`${method} ${path} documents no JSON answer for ${status}`);
    return this.ajv.compile(rewriteRefs(toJsonSchema(schema)));
  }
}
