import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';

/** Reading a manifest file failed in a way the user must fix; names the file and the document. */
export class ManifestInputError extends Error {
  override readonly name = 'ManifestInputError';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Flattens `kind: List` (and `*List`) documents into their items. */
function flatten(doc: unknown): unknown[] {
  if (
    isRecord(doc) &&
    typeof doc.kind === 'string' &&
    doc.kind.endsWith('List') &&
    Array.isArray(doc.items)
  ) {
    return doc.items.flatMap(flatten);
  }
  return doc === null || doc === undefined ? [] : [doc];
}

/**
 * Parses a stream of Kubernetes manifests (multi-document YAML, or JSON, which is YAML) into objects.
 * A document that does not parse is an error naming the file and the document number: the CLI must
 * not silently skip part of what the user asked it to admit.
 */
export function parseManifests(text: string, source: string): unknown[] {
  const out: unknown[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    if (doc.errors.length > 0) {
      throw new ManifestInputError(
        `${source}: document ${i + 1} is not valid YAML/JSON: ${doc.errors[0]?.message ?? ''}`,
      );
    }
    for (const obj of flatten(doc.toJS())) {
      if (!isRecord(obj))
        throw new ManifestInputError(`${source}: document ${i + 1} is not a Kubernetes object`);
      out.push(obj);
    }
  });
  return out;
}

export async function readManifests(path: string, stdin: () => Promise<string>): Promise<unknown[]> {
  let text: string;
  try {
    text = path === '-' ? await stdin() : await readFile(path, 'utf8');
  } catch (e) {
    throw new ManifestInputError(`cannot read ${path}: ${(e as Error).message}`);
  }
  return parseManifests(text, path === '-' ? 'stdin' : path);
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
