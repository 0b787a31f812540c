// Turns zod's findings into messages a person can act on, each with the path of what to fix.
// Wording lives in one error map; messages written on a schema (ids, references, durations) take
// precedence over it. An unknown key gets its own issue, with a suggestion when one key is close.
import { z } from 'zod';
import { didYouMean } from './did-you-mean.ts';
import type { GovernancePath } from './governance-model.ts';

export type ShapeIssue = { path: GovernancePath; message: string };

const expectedWords: Record<string, string> = {
  string: 'text', number: 'a number', int: 'a whole number', boolean: 'true or false', array: 'a list', object: 'a mapping',
};

const describe = (value: unknown): string => {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the text ${JSON.stringify(value.slice(0, 80))}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value === 'number' ? 'the number ' : ''}${value}`;
  return typeof value === 'object' ? 'a mapping' : typeof value;
};

const sizeMessage = (origin: string, bound: number | bigint, most: boolean): string => {
  const limit = most ? 'at most' : 'at least';
  if (origin === 'string') return bound === 1 && !most ? 'must not be empty' : `must be ${limit} ${bound} characters long`;
  if (origin === 'array') return bound === 1 && !most ? 'must list at least one entry' : `must list ${limit} ${bound} entries`;
  return `must be ${limit} ${bound}`;
};

/** The default wording of shape problems (zod's per-parse error map). */
export const shapeErrorMap = (issue: z.core.$ZodRawIssue): string | undefined => {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'is required';
      const expected = expectedWords[issue.expected] ?? issue.expected;
      const hint = issue.expected === 'string' && typeof issue.input === 'number' ? '; put it in quotes to keep it as text' : '';
      return `expected ${expected}, got ${describe(issue.input)}${hint}`;
    }
    case 'too_big':
      return sizeMessage(issue.origin, issue.maximum, true);
    case 'too_small':
      return sizeMessage(issue.origin, issue.minimum, false);
    case 'invalid_value':
      return `${describe(issue.input)} is not one of: ${issue.values.map(String).join(', ')}`;
    default:
      return undefined;
  }
};

/** The keys an object schema knows at `path`, for suggestions; unions contribute the keys of every option. */
const knownKeys = (schema: unknown, path: GovernancePath): string[] => {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault) return knownKeys(schema.unwrap(), path);
  if (schema instanceof z.ZodPipe) return knownKeys(schema.in, path);
  if (schema instanceof z.ZodUnion) return schema.options.flatMap((option: unknown) => knownKeys(option, path));
  const [segment, ...rest] = path;
  if (schema instanceof z.ZodObject) {
    if (segment === undefined) return Object.keys(schema.shape);
    return typeof segment === 'string' && segment in schema.shape ? knownKeys(schema.shape[segment], rest) : [];
  }
  if (schema instanceof z.ZodArray && typeof segment === 'number') return knownKeys(schema.element, rest);
  return [];
};

const toPath = (path: readonly PropertyKey[]): (string | number)[] =>
  path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));

export const shapeIssues = (schema: z.ZodType, issues: readonly z.core.$ZodIssue[], base: GovernancePath = []): ShapeIssue[] =>
  issues.flatMap((issue): ShapeIssue[] => {
    const path = [...base, ...toPath(issue.path)];
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, path);
      return issue.keys.map((key) => ({ path: [...path, key], message: `unknown key${didYouMean(key, known)}` }));
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // The option with the fewest problems is the one the author meant; its problems are the useful ones.
      const closest = issue.errors.reduce((best, option) => (option.length < best.length ? option : best));
      return shapeIssues(schema, closest, path);
    }
    return [{ path, message: issue.message }];
  });
