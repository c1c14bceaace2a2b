import { EnvSchema } from './env.schema.js';

/** The validated configuration, injectable by class. */
export abstract class AppConfig extends EnvSchema {}
