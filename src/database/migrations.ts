import { InitialSchema1764000000000 } from '../../migrations/1764000000000-initial-schema.ts';

/** Every migration, in order. Listed by hand so that builds, tests and the CLI see the same set (no globs). */
export const MIGRATIONS = [InitialSchema1764000000000];
