/**
 * The chart suite's side of the API, raw: kube-apiserver's own discovery decides where each rendered
 * object goes (no kind table of ours to drift), creates carry `dryRun=All` and `fieldValidation=Strict`
 * when asked, and answers keep their Warning headers. Also ServiceAccount tokens (TokenRequest) and
 * SelfSubjectAccessReviews, and kubeconfigs that authenticate with such a token.
 */
import { request } from 'node:https';
import type { Pki } from '../harness/pki.js';
import type { K8sObject } from '../../chart/render.js';

export interface ApiAnswer {
  readonly status: number;
  readonly body: any;
  /** The API server's Warning headers (deprecations, unknown fields in Warn mode ...). */
  readonly warnings: readonly string[];
}

/** Who a request is sent as: the run's admin certificate, or a bearer token. */
export type Credentials = { readonly admin: Pki } | { readonly token: string };

export interface ResourceInfo {
  /** The path segment (plural name), e.g. `mutatingwebhookconfigurations`. */
  readonly name: string;
  readonly namespaced: boolean;
}

export class RawApi {
  /** apiVersion -> kind -> resource; null when the API server does not serve that group/version. */
  private readonly discovered = new Map<string, Map<string, ResourceInfo> | null>();

  constructor(
    readonly server: string,
    private readonly caCert: string,
    private readonly credentials: Credentials,
  ) {}

  /** One request; rejects on network errors only. */
  send(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
    const u = new URL(path, this.server);
    const auth =
      'admin' in this.credentials
        ? { cert: this.credentials.admin.adminCert, key: this.credentials.admin.adminKey }
        : {};
    const headers: Record<string, string> = { accept: 'application/json' };
    if ('token' in this.credentials) headers.authorization = `Bearer ${this.credentials.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return new Promise((resolve, reject) => {
      const req = request(
        u,
        { method, headers, ca: this.caCert, ...auth, agent: false, timeout: 15_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // not JSON: keep the text
            }
            const warning = res.headers.warning;
            resolve({
              status: res.statusCode ?? 0,
              body: parsed,
              warnings: warning === undefined ? [] : Array.isArray(warning) ? warning : [warning],
            });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 15 s`)));
      req.on('error', reject);
      if (body !== undefined) req.write(JSON.stringify(body));
      req.end();
    });
  }

  /** Where objects of this apiVersion and kind live; undefined when the API server does not serve them. */
  async resourceOf(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    if (!this.discovered.has(apiVersion)) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      const answer = await this.send('GET', path);
      if (answer.status === 404) this.discovered.set(apiVersion, null);
      else if (answer.status !== 200)
        throw new Error(`discovery GET ${path}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
      else {
        const kinds = new Map<string, ResourceInfo>();
        for (const r of answer.body.resources as Array<{ name: string; kind: string; namespaced: boolean }>) {
          if (!r.name.includes('/')) kinds.set(r.kind, { name: r.name, namespaced: r.namespaced });
        }
        this.discovered.set(apiVersion, kinds);
      }
    }
    return this.discovered.get(apiVersion)?.get(kind);
  }

  /** The collection path an object is created in. */
  async collectionPath(obj: K8sObject): Promise<string> {
    const info = await this.resourceOf(obj.apiVersion, obj.kind);
    if (!info) throw new Error(`kube-apiserver does not serve ${obj.apiVersion} ${obj.kind}`);
    const base = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
    if (!info.namespaced) return `${base}/${info.name}`;
    if (!obj.metadata.namespace) throw new Error(`${obj.kind}/${obj.metadata.name} has no namespace`);
    return `${base}/namespaces/${obj.metadata.namespace}/${info.name}`;
  }

  /** POST with strict field validation: unknown or duplicate fields are errors, not warnings. */
  async create(obj: K8sObject, opts: { dryRun?: boolean } = {}): Promise<ApiAnswer> {
    const query = `fieldValidation=Strict${opts.dryRun ? '&dryRun=All' : ''}`;
    return this.send('POST', `${await this.collectionPath(obj)}?${query}`, obj);
  }

  /** Creates it for real; anything but 201 throws with the API server's message. */
  async mustCreate(obj: K8sObject): Promise<any> {
    const answer = await this.create(obj);
    if (answer.status !== 201)
      throw new Error(
        `create ${obj.kind} ${obj.metadata.namespace ?? ''}/${obj.metadata.name}: HTTP ${answer.status} ` +
          JSON.stringify(answer.body?.message ?? answer.body),
      );
    return answer.body;
  }

  /** A token for the ServiceAccount (TokenRequest API), as a pod of it would be given. */
  async serviceAccountToken(namespace: string, name: string): Promise<string> {
    const answer = await this.send('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 3600 },
    });
    const token = answer.body?.status?.token;
    if (answer.status !== 201 || typeof token !== 'string')
      throw new Error(
        `TokenRequest for ${namespace}/${name}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`,
      );
    return token;
  }

  /** SelfSubjectAccessReview: may whoever this client is do it? */
  async allowed(attributes: ResourceAttributes): Promise<boolean> {
    const answer = await this.send('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: attributes },
    });
    if (answer.status !== 201)
      throw new Error(`SelfSubjectAccessReview: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body.status?.allowed === true;
  }

  /** Who the API server says this client is (SelfSubjectReview). */
  async whoAmI(): Promise<{ username: string; groups: string[] }> {
    const answer = await this.send('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
    });
    if (answer.status !== 201)
      throw new Error(`SelfSubjectReview: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body.status.userInfo;
  }
}

export interface ResourceAttributes {
  readonly verb: string;
  readonly group?: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
}

/** A kubeconfig (JSON is YAML) that authenticates with a bearer token and trusts the cluster CA. */
export function tokenKubeconfig(server: string, caCert: string, token: string, namespace: string): string {
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'e2e',
          cluster: { server, 'certificate-authority-data': Buffer.from(caCert).toString('base64') },
        },
      ],
      users: [{ name: 'sa', user: { token } }],
      contexts: [{ name: 'e2e', context: { cluster: 'e2e', user: 'sa', namespace } }],
      'current-context': 'e2e',
    },
    null,
    2,
  );
}
