import { annotationKeys, type AnnotationName } from './keys.js';

/**
 * Parse a boolean the way Kubernetes users write one (contract §4): the spellings Go's
 * strconv.ParseBool accepts (as Stork parses them), case-insensitively, with surrounding space ignored.
 * Anything else is "not set" (undefined), never an error.
 */
export function parseBool(value: string | undefined | null): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  switch (value.trim().toLowerCase()) {
    case 'true':
    case 't':
    case '1':
      return true;
    case 'false':
    case 'f':
    case '0':
      return false;
    default:
      return undefined;
  }
}

/**
 * The value of a contract annotation, under our prefix or Stork's. Ours wins when both carry a
 * parsable value; an unparsable value under ours falls through to Stork's.
 */
export function annotationBool(
  annotations: Readonly<Record<string, string>> | undefined,
  name: AnnotationName,
): boolean | undefined {
  return annotationSetting(annotations, name)?.value;
}

/** Like annotationBool, with the key that answered (for explanations). */
export function annotationSetting(
  annotations: Readonly<Record<string, string>> | undefined,
  name: AnnotationName,
): { key: string; value: boolean } | undefined {
  if (!annotations) return undefined;
  for (const key of annotationKeys(name)) {
    const value = parseBool(annotations[key]);
    if (value !== undefined) return { key, value };
  }
  return undefined;
}

/** A string-valued map entry that may be spelled with or without our prefixes (StorageClass parameters). */
export function parameterBool(
  parameters: Readonly<Record<string, string>> | undefined,
  name: AnnotationName,
): boolean | undefined {
  if (!parameters) return undefined;
  const bare = parseBool(parameters[name]);
  return bare ?? annotationBool(parameters, name);
}
