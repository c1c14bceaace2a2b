import { EnvSchema } from './env.schema.ts';

/** The validated configuration, injectable by class. */
export abstract class AppConfig extends EnvSchema {}
