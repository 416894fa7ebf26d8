/**
 * One state file's text → slim objects and problems. Pure: no file system, so the tests drive it with
 * strings. A file may hold several YAML documents, a JSON object, or a `List` (`kind: List`, or any
 * `*List` such as `kubectl get pvc -o yaml` or a raw API list prints), nested lists included.
 * Kinds we do not read (Pods, Deployments…) are skipped silently; malformed entries are reported.
 */
import { parseAllDocuments } from 'yaml';
import { readObject } from '../slim.js';
import type { SlimObject } from '../store.js';

export interface StateProblem {
  readonly file: string;
  /** The document's position in the file (0-based); -1 for the file as a whole. */
  readonly index: number;
  readonly message: string;
}

export interface ParsedFile {
  readonly objects: readonly SlimObject[];
  readonly problems: readonly StateProblem[];
  /** The text is not valid YAML/JSON: the caller keeps the file's last good objects. */
  readonly syntaxError: boolean;
}

export type StateFormat = 'yaml' | 'json';

/** Lists nest rarely; this bounds the recursion on hostile input. */
const MAX_LIST_DEPTH = 8;

export function formatOf(file: string): StateFormat | undefined {
  const lower = file.toLowerCase();
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  if (lower.endsWith('.json')) return 'json';
  return undefined;
}

export function parseStateText(text: string, file: string, format: StateFormat): ParsedFile {
  const documents = format === 'json' ? parseJson(text, file) : parseYaml(text, file);
  if (!documents.ok) return { objects: [], problems: [documents.problem], syntaxError: true };
  const objects: SlimObject[] = [];
  const problems: StateProblem[] = [];
  documents.values.forEach((doc, index) => {
    if (doc === null || doc === undefined) return; // an empty document between two `---`
    collect(
      doc,
      '',
      0,
      (item) => objects.push(item),
      (message) => problems.push({ file, index, message }),
    );
  });
  return { objects, problems, syntaxError: false };
}

type Documents =
  | { readonly ok: true; readonly values: readonly unknown[] }
  | { readonly ok: false; readonly problem: StateProblem };

function parseJson(text: string, file: string): Documents {
  try {
    return { ok: true, values: [JSON.parse(text) as unknown] };
  } catch (err) {
    return { ok: false, problem: { file, index: -1, message: `invalid JSON: ${(err as Error).message}` } };
  }
}

function parseYaml(text: string, file: string): Documents {
  // The core schema (YAML 1.2): `yes`, `on` and timestamps stay strings, as Kubernetes reads them.
  const docs = parseAllDocuments(text);
  const values: unknown[] = [];
  for (const [index, doc] of docs.entries()) {
    const error = doc.errors[0];
    if (error) {
      // The first line says what and where ("... at line 4, column 1:"); the rest is a code frame.
      const what = (error.message.split('\n', 1)[0] ?? '').replace(/:$/, '');
      return { ok: false, problem: { file, index, message: `invalid YAML: ${what}` } };
    }
    try {
      values.push(doc.toJS());
    } catch (err) {
      // toJS throws on alias bombs ("Excessive alias count").
      return { ok: false, problem: { file, index, message: `invalid YAML: ${(err as Error).message}` } };
    }
  }
  return { ok: true, values };
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The kind a `*List`'s items default to (`PersistentVolumeClaimList` → `PersistentVolumeClaim`). */
function itemKindOf(listKind: string): string | undefined {
  return listKind !== 'List' && listKind.endsWith('List') ? listKind.slice(0, -'List'.length) : undefined;
}

function collect(
  raw: unknown,
  where: string,
  depth: number,
  add: (item: SlimObject) => void,
  report: (message: string) => void,
): void {
  const kind = isRecord(raw) ? raw['kind'] : undefined;
  if (isRecord(raw) && typeof kind === 'string' && kind.endsWith('List') && Array.isArray(raw['items'])) {
    if (depth >= MAX_LIST_DEPTH) {
      report(`${where}lists nested deeper than ${MAX_LIST_DEPTH}`);
      return;
    }
    const itemKind = itemKindOf(kind);
    (raw['items'] as unknown[]).forEach((item, i) => {
      // Items of a typed list (what the API returns) carry no kind/apiVersion of their own.
      const typed =
        itemKind && isRecord(item) && item['kind'] === undefined
          ? {
              ...item,
              kind: itemKind,
              ...(raw['apiVersion'] !== undefined ? { apiVersion: raw['apiVersion'] } : {}),
            }
          : item;
      collect(typed, `${where}items[${i}]: `, depth + 1, add, report);
    });
    return;
  }
  const outcome = readObject(raw);
  if (outcome.status === 'ok') add(outcome.item);
  else if (outcome.status === 'invalid') report(`${where}${describe(raw, outcome.kind)}: ${outcome.message}`);
}

/** "PersistentVolumeClaim db/data-0", or as much of it as the object has. */
function describe(raw: unknown, kind: string): string {
  const meta = isRecord(raw) && isRecord(raw['metadata']) ? raw['metadata'] : {};
  const name = typeof meta['name'] === 'string' ? meta['name'] : '';
  const ns = typeof meta['namespace'] === 'string' ? `${meta['namespace']}/` : '';
  return [kind || 'object', name ? `${ns}${name}` : ''].filter(Boolean).join(' ');
}
